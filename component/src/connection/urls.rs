//! The URL of each request kind, per endpoint kind (auth.md §1.2, usp.md §1 and §8).
//!
//! | request | regional | custom domain / allowed host | loopback (container paths) |
//! |---|---|---|---|
//! | STT WebSocket | `wss://{r}.stt.speech.{sfx}/speech/recognition/conversation/cognitiveservices/v1?language=` | `wss://{host}/stt/speech/recognition/...` | `ws[s]://{host}:{port}/speech/recognition/...` |
//! | TTS WebSocket | `wss://{r}.tts.speech.{sfx}/cognitiveservices/websocket/v1` | `/tts/cognitiveservices/websocket/v1` | `/cognitiveservices/websocket/v1` |
//! | TTS REST | `https://{r}.tts.speech.{sfx}/cognitiveservices/v1` | `/tts/cognitiveservices/v1` | `/cognitiveservices/v1` |
//! | voices | `https://{r}.tts.speech.{sfx}/cognitiveservices/voices/list` | `/tts/cognitiveservices/voices/list` | `/cognitiveservices/voices/list` |
//! | STS | `https://{r}.api.cognitive.{sfx}/sts/v1.0/issueToken` | `https://{host}/sts/v1.0/issueToken` | `http[s]://{host}:{port}/sts/v1.0/issueToken` |

use super::target::Target;
use crate::bindings::exports::azspeech::core::connection::RequestKind;
use crate::config::cloud;

/// The conversation-mode recognition path (v1; containers serve it too).
pub const STT_PATH: &str = "/speech/recognition/conversation/cognitiveservices/v1";
/// The synthesis WebSocket path.
pub const TTS_WEBSOCKET_PATH: &str = "/cognitiveservices/websocket/v1";
/// The synthesis REST path.
pub const TTS_REST_PATH: &str = "/cognitiveservices/v1";
/// The voices list path.
pub const VOICES_PATH: &str = "/cognitiveservices/voices/list";
/// The STS token path.
pub const STS_PATH: &str = "/sts/v1.0/issueToken";

/// Where one request goes, in parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// `wss`, `ws`, `https` or `http`.
    pub scheme: &'static str,
    /// The host (IPv6 without brackets).
    pub host: String,
    /// `host[:port]` as written in the URL.
    pub authority: String,
    /// The path.
    pub path: String,
    /// The query, without `?` (empty for none). Never a credential.
    pub query: String,
}

impl Location {
    /// The full URL.
    pub fn url(&self) -> String {
        if self.query.is_empty() {
            format!("{}://{}{}", self.scheme, self.authority, self.path)
        } else {
            format!("{}://{}{}?{}", self.scheme, self.authority, self.path, self.query)
        }
    }
}

/// The location of a `kind` request to `target`.
pub fn location(target: &Target, kind: RequestKind, language: &str) -> Location {
    let websocket = matches!(kind, RequestKind::SttWebsocket | RequestKind::TtsWebsocket);
    let (service_path, query) = match kind {
        RequestKind::SttWebsocket => (STT_PATH, format!("language={}", percent_encode(language))),
        RequestKind::TtsWebsocket => (TTS_WEBSOCKET_PATH, String::new()),
        RequestKind::TtsRest => (TTS_REST_PATH, String::new()),
        RequestKind::VoicesList => (VOICES_PATH, String::new()),
        RequestKind::StsToken => (STS_PATH, String::new()),
    };
    let (scheme, host, authority, path) = match target {
        Target::Regional(region) => {
            let suffix = cloud::speech_suffix(region.cloud);
            let host = match kind {
                RequestKind::SttWebsocket => format!("{}.stt.{suffix}", region.name),
                RequestKind::TtsWebsocket | RequestKind::TtsRest | RequestKind::VoicesList => {
                    format!("{}.tts.{suffix}", region.name)
                }
                RequestKind::StsToken => target.api_host(),
            };
            let scheme = if websocket { "wss" } else { "https" };
            (scheme, host.clone(), host, service_path.to_owned())
        }
        Target::Custom { host, port, .. } => {
            let scheme = if websocket { "wss" } else { "https" };
            let label = match kind {
                RequestKind::SttWebsocket => "/stt",
                RequestKind::TtsWebsocket | RequestKind::TtsRest | RequestKind::VoicesList => "/tts",
                RequestKind::StsToken => "",
            };
            (
                scheme,
                host.to_string(),
                authority(&host.url_form(), *port),
                format!("{label}{service_path}"),
            )
        }
        Target::Loopback { host, port, secure } => {
            let scheme = match (websocket, secure) {
                (true, true) => "wss",
                (true, false) => "ws",
                (false, true) => "https",
                (false, false) => "http",
            };
            (
                scheme,
                host.to_string(),
                authority(&host.url_form(), *port),
                service_path.to_owned(),
            )
        }
    };
    Location {
        scheme,
        host,
        authority,
        path,
        query,
    }
}

/// `url` with `name=value` appended to its query (`value` percent-encoded).
pub fn with_query(url: &str, name: &str, value: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{name}={}", percent_encode(value))
}

/// `host[:port]`.
pub fn authority(host: &str, port: Option<u16>) -> String {
    match port {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

/// Percent-encode everything but RFC 3986 unreserved characters.
pub fn percent_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding() {
        assert_eq!(percent_encode("en-US"), "en-US");
        assert_eq!(percent_encode("en US&key=1"), "en%20US%26key%3D1");
        assert_eq!(percent_encode("ü"), "%C3%BC");
    }

    #[test]
    fn appended_query() {
        assert_eq!(
            with_query("ws://h/p?language=en-US", "lidEnabled", "true"),
            "ws://h/p?language=en-US&lidEnabled=true"
        );
        assert_eq!(with_query("ws://h/p", "a", "b c"), "ws://h/p?a=b%20c");
    }
}
