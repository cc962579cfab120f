//! Fuzz the dispatch of a received WebSocket message (`wire::parse`): text or binary, no input
//! panics, and a parsed message has a path and yields its request id or a clean error.
#![no_main]

use azspeech_component::bindings::exports::azspeech::core::messages::WsMessage;
use azspeech_component::wire;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    let message = if kind % 2 == 0 {
        WsMessage::Text(String::from_utf8_lossy(rest).into_owned())
    } else {
        WsMessage::Binary(rest.to_vec())
    };
    if let Ok(received) = wire::parse(&message) {
        let _ = received.path();
        let _ = wire::request_id(&received);
    }
});
