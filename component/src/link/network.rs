//! Transport failures (reset, refused, DNS, TLS, EOF...) explained: each kind gets its likely
//! causes and the fix, with the transport's own text kept.
//!
//! | kind | case | likely cause |
//! |---|---|---|
//! | dns | configuration | the host name does not resolve: typo, private DNS zone not linked |
//! | refused, timeout | transient | nothing listens / a firewall drops: outside the network, selected networks only |
//! | reset, eof, truncated-frame, other | transient | the service or a middlebox dropped the connection |
//! | tls | configuration | certificate not trusted (a TLS-inspecting proxy), wrong host |

use crate::bindings::exports::azspeech::core::config::Settings;
use crate::bindings::exports::azspeech::core::link::{NetworkErrorKind, NetworkFailure};
use crate::bindings::exports::azspeech::core::types::{EndpointKind, FailureDetail, SpeechError};

/// Classify a transport failure against `settings`' endpoint.
pub fn classify(settings: &Settings, failure: &NetworkFailure) -> SpeechError {
    let host = &settings.endpoint.host;
    let custom_domain = matches!(settings.endpoint.kind, EndpointKind::CustomDomain);
    let private_hint = if custom_domain {
        format!(
            "; with a private endpoint, run this from inside its virtual network and check that `{host}` resolves to a private address (the privatelink DNS zone must be linked to the network)"
        )
    } else {
        String::new()
    };
    let detail = |what: &str, hint: String| FailureDetail {
        http_status: None,
        close_code: (failure.kind != NetworkErrorKind::Dns
            && failure.kind != NetworkErrorKind::Tls
            && failure.kind != NetworkErrorKind::Refused
            && failure.kind != NetworkErrorKind::Timeout)
            .then_some(1006),
        message: format!("{what}: {}", crate::failures::excerpt(&failure.message)),
        hint,
    };
    match failure.kind {
        NetworkErrorKind::Dns => SpeechError::Configuration(detail(
            &format!("`{host}` does not resolve"),
            format!(
                "check SPEECH_ENDPOINT / SPEECH_REGION for a typo and that this machine's DNS works{private_hint}"
            ),
        )),
        NetworkErrorKind::Tls => SpeechError::Configuration(detail(
            &format!("the TLS handshake with `{host}` failed"),
            "the certificate is not trusted: behind a TLS-inspecting proxy, point AZSPEECH_CA_FILE (--ca-file) at its CA; otherwise check that SPEECH_ENDPOINT names the Speech resource's own host".to_owned(),
        )),
        NetworkErrorKind::Refused => SpeechError::Transient(detail(
            &format!("`{host}` refused the connection"),
            format!(
                "nothing accepts connections there: check the port in SPEECH_ENDPOINT, a firewall, and whether the resource allows only selected networks{private_hint}"
            ),
        )),
        NetworkErrorKind::Timeout => SpeechError::Transient(detail(
            &format!("connecting to or reading from `{host}` timed out"),
            format!(
                "a firewall or proxy may be dropping the traffic, or the resource allows only selected networks; an HTTPS proxy needs HTTPS_PROXY{private_hint}"
            ),
        )),
        NetworkErrorKind::Reset => SpeechError::Transient(detail(
            "the connection was reset",
            "the service, a proxy or a firewall dropped the connection: azspeech reconnects and replays the audio the service had not finished with; if it keeps happening, check proxies and firewalls that cut long-lived WebSockets".to_owned(),
        )),
        NetworkErrorKind::Eof => SpeechError::Transient(detail(
            "the connection closed without a WebSocket close frame",
            "the service or a middlebox ended the TCP connection (1006): azspeech reconnects and replays unacknowledged audio; if it keeps happening, check proxies that time out idle or long WebSockets".to_owned(),
        )),
        NetworkErrorKind::TruncatedFrame => SpeechError::Transient(detail(
            "a WebSocket frame arrived cut short or malformed",
            "the connection broke in the middle of a frame: azspeech reconnects; if it repeats, a proxy may be rewriting WebSocket traffic".to_owned(),
        )),
        NetworkErrorKind::Other => SpeechError::Transient(detail(
            "the connection failed",
            "a network error interrupted the connection: azspeech retries; check the network and proxies if it persists".to_owned(),
        )),
    }
}
