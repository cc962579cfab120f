//! Fuzz the text-message parser: no input panics, and whatever parses re-encodes to the same
//! message.
#![no_main]

use azspeech_component::usp::{encode_text, parse_text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(message) = parse_text(text) {
        let encoded = encode_text(&message.headers, message.body).expect("parsed headers encode");
        let again = parse_text(&encoded).expect("re-encoded message parses");
        assert_eq!(again, message);
    }
});
