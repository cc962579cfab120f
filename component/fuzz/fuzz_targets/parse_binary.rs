//! Fuzz the binary-message parser: no input panics, the payload range is inside the frame, and
//! whatever parses re-encodes to the same headers.
#![no_main]

use azspeech_component::usp::{encode_binary, parse_binary};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|frame: &[u8]| {
    if let Ok(message) = parse_binary(frame) {
        assert_eq!(frame.get(message.payload_range.clone()), Some(message.payload));
        let encoded = encode_binary(&message.headers, message.payload).expect("parsed headers encode");
        let again = parse_binary(&encoded).expect("re-encoded message parses");
        assert_eq!(again.headers, message.headers);
        assert_eq!(again.payload, message.payload);
    }
});
