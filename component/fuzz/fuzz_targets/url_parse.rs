//! Fuzz URL, authority, host-name and endpoint parsing (SPEECH_ENDPOINT, SPEECH_ALLOW_HOST).
//! No input panics.
#![no_main]

use azspeech_component::config::endpoint::{self, AllowList};
use azspeech_component::config::url;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // First line: the allow list; the rest: the endpoint.
    let (allow, value) = text.split_once('\n').unwrap_or(("", text));
    let _ = url::parse(value);
    let _ = url::parse_authority(value);
    let _ = url::parse_host_name(value);
    if let Ok(allow) = AllowList::parse(Some(allow)) {
        if let Ok(host) = url::parse_host_name(value) {
            let _ = endpoint::classify_host(&host, &allow);
        }
        let _ = endpoint::parse(value, &allow);
    }
});
