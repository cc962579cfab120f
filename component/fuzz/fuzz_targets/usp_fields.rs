//! Fuzz the small USP field parsers: the WAV header of an audio turn, `X-Timestamp`, and
//! `Retry-After`. No input panics; a parsed timestamp formats back to a parseable one.
#![no_main]

use azspeech_component::failures::retry_after;
use azspeech_component::usp::{format_timestamp, parse_timestamp, wav::parse_wav_header};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = parse_wav_header(data);
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(ms) = parse_timestamp(text) {
        let formatted = format_timestamp(ms);
        assert_eq!(parse_timestamp(&formatted), Ok(ms), "{formatted}");
    }
    let _ = retry_after::parse(text);
});
