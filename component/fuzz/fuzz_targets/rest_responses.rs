//! Fuzz the classification of what REST requests, upgrades and closes return: the status,
//! `Retry-After` and the error body as they come (JSON or not), and close codes with their
//! reasons. No input panics, and every result has a message and a hint.
#![no_main]

#[path = "shared/failure_detail.rs"]
mod failure_detail;
#[path = "shared/session_input.rs"]
mod session_input;

use azspeech_component::failures;
use libfuzzer_sys::fuzz_target;

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
    assert!(!failure_detail::of(&error).message.is_empty());
    let closed = failures::classify_close(status, body);
    assert!(!failure_detail::of(&closed).hint.is_empty());
});
