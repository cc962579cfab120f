//! Fuzz the service's JSON result bodies directly: recognition phrases, hypotheses, status,
//! service tags and language-detection offsets, and synthesis audio metadata. No body panics;
//! offsets stay consistent with the turn base.
#![no_main]

use azspeech_component::recognition::results;
use azspeech_component::recognition::stream::{Clock, TurnBase};
use azspeech_component::synthesis::metadata::{self, Cursors};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The first line names the status (for `recognition_status`), the rest is the body.
    let (status, body) = text.split_once('\n').unwrap_or(("Success", text));
    let clock = Clock::new(32_000, 2);
    let base = TurnBase::at(&clock, 64_000);
    if let Ok((phrase, _end)) = results::phrase(body, &base) {
        assert!(phrase.offset >= base.ticks, "a phrase before its turn");
    }
    let _ = results::partial("speech.hypothesis", body, &base);
    let _ = results::partial("speech.fragment", body, &base);
    let _ = results::service_tag(body);
    let _ = results::detected_offset("speech.startDetected", body, &base);
    let _ = results::recognition_status(status, body);
    let mut cursors = Cursors::default();
    let _ = metadata::parse(body, "Hello there. How are you? Fine.", &mut cursors);
});
