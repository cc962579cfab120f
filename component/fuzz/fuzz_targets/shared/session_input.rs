//! Shared by the session targets: settings for a key on loopback, and the fuzz input cut into
//! service messages.
//!
//! Messages are separated by the byte 0xFF (never part of UTF-8 text). A message whose first
//! byte is even is a text message (the rest, lossily as UTF-8), else a binary one. `{RID}` in a
//! message is replaced by the request id the client sent last, so the fuzzer reaches past the
//! request-id check.
#![allow(dead_code)]

use azspeech_component::bindings::exports::azspeech::core::config::{Setting, SettingSource, SettingValue, Settings};
use azspeech_component::bindings::exports::azspeech::core::connection::KeySlot;
use azspeech_component::bindings::exports::azspeech::core::link::{Pace, SessionPolicy, Transmit};
use azspeech_component::bindings::exports::azspeech::core::messages::WsMessage;

/// Key authentication against a loopback endpoint.
pub fn settings() -> Settings {
    let vars = [
        ("SPEECH_KEY", SettingValue::Secret(true)),
        (
            "SPEECH_ENDPOINT",
            SettingValue::Text("http://127.0.0.1:5000".to_owned()),
        ),
    ]
    .map(|(name, value)| Setting {
        name: name.to_owned(),
        value,
        source: SettingSource::Environment,
    });
    azspeech_component::config::resolve(&vars).expect("fixed settings resolve")
}

/// The default policy with a fixed seed.
pub fn policy() -> SessionPolicy {
    SessionPolicy {
        seed: 7,
        max_attempts: Some(3),
        backoff_initial_ms: None,
        backoff_max_ms: None,
        max_connection_ms: None,
        idle_ms: None,
        response_timeout_ms: None,
        pace: Pace::Max,
        key_slot: KeySlot::Primary,
    }
}

/// The request id of a text transmit, if it carries one.
pub fn request_id_of(transmit: &Transmit) -> Option<String> {
    let Transmit::Message(WsMessage::Text(text)) = transmit else {
        return None;
    };
    text.lines()
        .find_map(|line| line.strip_prefix("X-RequestId:"))
        .map(|id| id.trim().to_owned())
}

/// The fuzz input as service messages, `{RID}` replaced by `request_id`.
pub fn messages<'a>(data: &'a [u8], request_id: &'a str) -> impl Iterator<Item = WsMessage> + 'a {
    data.split(|&b| b == 0xFF)
        .filter(|chunk| !chunk.is_empty())
        .map(move |chunk| {
            let body = &chunk[1..];
            if chunk[0] % 2 == 0 {
                WsMessage::Text(String::from_utf8_lossy(body).replace("{RID}", request_id))
            } else {
                WsMessage::Binary(replace_bytes(body, b"{RID}", request_id.as_bytes()))
            }
        })
}

fn replace_bytes(haystack: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut at = 0;
    while at < haystack.len() {
        if haystack[at..].starts_with(needle) {
            out.extend_from_slice(with);
            at += needle.len();
        } else {
            out.push(haystack[at]);
            at += 1;
        }
    }
    out
}
