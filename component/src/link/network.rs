//! Transport failures (reset, refused, DNS, TLS, EOF...) explained: each kind gets its likely
//! causes and the fix, with the transport's own text kept.
//!
//! | kind | case | likely cause |
//! |---|---|---|
//! | dns | configuration | the host name does not resolve: typo, private DNS zone not linked |
//! | refused, timeout | transient | nothing listens / a firewall drops: outside the network, selected networks only |
//! | reset, eof, truncated-frame, other | transient | the service or a middlebox dropped the connection |
//! | tls | configuration | certificate not trusted (a TLS-inspecting proxy), wrong host |
//! | truncated-frame / other with tungstenite's `Space limit exceeded` | protocol | a message larger than the host accepts: not a Speech service, or a proxy rewriting traffic |
//! | other with tungstenite's `UTF-8 encoding error` | protocol | a text frame that is not UTF-8: same |

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
    if let Some(error) = hostile_peer(host, failure) {
        return error;
    }
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

/// Raw transport texts that mean the peer broke the WebSocket contract in a way Azure Speech
/// never does (tungstenite's wording): not worth a retry, and the fix is the peer.
fn hostile_peer(host: &str, failure: &NetworkFailure) -> Option<SpeechError> {
    let raw = failure.message.as_str();
    let what = if raw.contains("Space limit exceeded") || raw.contains("Message too long") {
        format!("`{host}` sent a WebSocket message larger than azspeech accepts")
    } else if raw.contains("UTF-8 encoding error") || raw.contains("invalid utf-8") {
        format!("`{host}` sent a WebSocket text frame that is not UTF-8")
    } else {
        return None;
    };
    Some(SpeechError::Protocol(FailureDetail {
        http_status: None,
        close_code: Some(1009),
        message: format!("{what}: {}", crate::failures::excerpt(raw)),
        hint: "Azure Speech sends small, valid frames: SPEECH_ENDPOINT may point at something that is not a Speech service, or a proxy or middlebox is rewriting the WebSocket traffic; check the endpoint with `azspeech doctor --probe` and the proxy settings".to_owned(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        let vars = [
            (
                "SPEECH_ENDPOINT",
                crate::bindings::exports::azspeech::core::config::SettingValue::Text(
                    "http://127.0.0.1:5000".to_owned(),
                ),
            ),
            (
                "SPEECH_KEY",
                crate::bindings::exports::azspeech::core::config::SettingValue::Secret(true),
            ),
        ]
        .map(
            |(name, value)| crate::bindings::exports::azspeech::core::config::Setting {
                name: name.to_owned(),
                value,
                source: crate::bindings::exports::azspeech::core::config::SettingSource::Environment,
            },
        );
        crate::config::resolve(&vars).expect("settings resolve")
    }

    #[test]
    fn raw_transport_texts_of_a_hostile_peer_get_a_cause_and_a_fix() {
        let settings = settings();
        // (kind, raw text, expected fragment of the message)
        let table = [
            (
                NetworkErrorKind::TruncatedFrame,
                "Space limit exceeded: Message too long: 8388700 > 4194304 (the service sent a frame larger than azspeech accepts)",
                "larger than azspeech accepts",
            ),
            (NetworkErrorKind::Other, "UTF-8 encoding error", "not UTF-8"),
        ];
        for (kind, raw, expected) in table {
            let error = classify(
                &settings,
                &NetworkFailure {
                    kind,
                    message: raw.to_owned(),
                },
            );
            let SpeechError::Protocol(detail) = &error else {
                panic!("{raw}: {error:?}");
            };
            assert!(detail.message.contains(expected), "{}", detail.message);
            assert!(
                detail.message.contains(raw.split(':').next().unwrap_or(raw)),
                "the raw text is kept"
            );
            assert!(detail.hint.contains("SPEECH_ENDPOINT"), "{}", detail.hint);
        }
        let reset = classify(
            &settings,
            &NetworkFailure {
                kind: NetworkErrorKind::Reset,
                message: "Connection reset by peer (os error 104)".to_owned(),
            },
        );
        assert!(
            matches!(reset, SpeechError::Transient(_)),
            "ordinary failures keep their class"
        );
    }
}
