//! Fuzz the SSML well-formedness checker and the expression checks: no document panics and
//! none is accepted without a `<voice>`.
#![no_main]

use azspeech_component::ssml;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(summary) = ssml::check::check(text) {
        assert!(summary.voices >= 1, "accepted without a voice");
        assert!(summary.elements >= summary.voices);
    }
    let first_line = text.lines().next().unwrap_or("");
    let _ = ssml::check_rate(first_line);
    let _ = ssml::check_pitch(first_line);
    let _ = ssml::expression::check_volume(first_line);
    let _ = ssml::expression::check(Some(first_line), Some(1.5), Some(first_line));
});
