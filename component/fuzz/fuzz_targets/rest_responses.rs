//! Fuzz the classification of what REST requests, upgrades and closes return: the status,
//! `Retry-After` and the error body as they come (JSON or not), and close codes with their
//! reasons. No input panics, and every result has a message and a hint.
#![no_main]

#[path = "shared/session_input.rs"]
mod session_input;

use azspeech_component::bindings::exports::azspeech::core::types::{FailureDetail, SpeechError};
use azspeech_component::failures;
use libfuzzer_sys::fuzz_target;

fn detail(error: &SpeechError) -> &FailureDetail {
    match error {
        SpeechError::Throttled(throttle) => &throttle.detail,
        SpeechError::Configuration(detail)
        | SpeechError::Authentication(detail)
        | SpeechError::Forbidden(detail)
        | SpeechError::Transient(detail)
        | SpeechError::BadRequest(detail)
        | SpeechError::Protocol(detail)
        | SpeechError::NotImplemented(detail) => detail,
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let status = u16::from_le_bytes([data[0], data[1]]);
    let Ok(text) = std::str::from_utf8(&data[2..]) else {
        return;
    };
    // First line: Retry-After (empty: none); the rest: the body.
    let (retry_after, body) = text.split_once('\n').unwrap_or(("", text));
    let retry_after = (!retry_after.is_empty()).then_some(retry_after);
    let settings = session_input::settings();
    let error = failures::classify_http(&settings, status, retry_after, body);
    assert!(!detail(&error).message.is_empty());
    let closed = failures::classify_close(status, body);
    assert!(!detail(&closed).hint.is_empty());
});
