//! A proxy that refuses a tunnel: the error names the proxy (not the service) and the fix.
//!
//! | status | case | likely cause |
//! |---|---|---|
//! | 407 (401) | configuration | the proxy wants credentials, or the ones in the proxy URL are wrong |
//! | 403 | configuration | the proxy's policy forbids the destination or port 443 |
//! | 500 to 504 | transient | the proxy could not reach the service (DNS, firewall, outage) |
//! | other | configuration | the proxy does not support CONNECT tunnels |

use crate::bindings::exports::azspeech::core::link::ProxyRefusal;
use crate::bindings::exports::azspeech::core::types::{FailureDetail, SpeechError};

/// Classify a proxy's answer to `CONNECT`.
pub fn classify(refusal: &ProxyRefusal) -> SpeechError {
    let ProxyRefusal {
        proxy,
        source,
        target,
        status,
        sent_credentials,
    } = refusal;
    let detail = |hint: String| FailureDetail {
        http_status: Some(*status),
        close_code: None,
        message: format!("the proxy {proxy} refused to open a tunnel to {target} with HTTP {status}"),
        hint,
    };
    match status {
        // Some proxies (tinyproxy) answer wrong credentials with 401 rather than 407.
        401 | 407 if *sent_credentials => SpeechError::Configuration(detail(format!(
            "the proxy rejected the credentials in {source}: correct the user name and password in \
             http://USER:PASSWORD@host:port (percent-encode `@`, `:` and `%` in them)"
        ))),
        401 | 407 => SpeechError::Configuration(detail(format!(
            "the proxy requires authentication: put the credentials in {source} as \
             http://USER:PASSWORD@host:port, or ask the proxy's administrators"
        ))),
        403 => SpeechError::Configuration(detail(format!(
            "the proxy's policy forbids tunnels to {target}: ask its administrators to allow it (port 443 \
             of *.speech.microsoft.com, *.cognitiveservices.azure.com and your endpoint), or list the host in \
             NO_PROXY if it is reachable directly"
        ))),
        500..=504 => SpeechError::Transient(detail(format!(
            "the proxy could not reach {target}: check the host name in SPEECH_ENDPOINT / SPEECH_REGION; a \
             private endpoint may be reachable only directly (list it in NO_PROXY)"
        ))),
        _ => SpeechError::Configuration(detail(
            "the proxy does not open CONNECT tunnels: check that the variable names an HTTP forward proxy".to_owned(),
        )),
    }
}
