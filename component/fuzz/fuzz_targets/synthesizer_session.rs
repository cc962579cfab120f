//! Fuzz a synthesis session with a hostile service: after the upgrade and one request, every
//! message of the input is delivered (turn messages, audio metadata, binary audio; see
//! `shared::session_input`). The synthesizer must never panic and must keep answering polls.
#![no_main]

#[path = "shared/session_input.rs"]
mod session_input;

use azspeech_component::bindings::exports::azspeech::core::synthesis::SynthesisOptions;
use azspeech_component::synthesis::Synthesizer;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, data)) = data.split_first() else {
        return;
    };
    let boundaries = mode & 1 != 0;
    let options = SynthesisOptions {
        output_format: if mode & 2 == 0 {
            "riff-16khz-16bit-mono-pcm".into()
        } else {
            "audio-24khz-48kbitrate-mono-mp3".into()
        },
        voice: String::new(),
        language: String::new(),
        rate: None,
        pitch: None,
        volume: None,
        style: None,
        style_degree: None,
        role: None,
        word_boundaries: boundaries,
        sentence_boundaries: boundaries,
        punctuation_boundaries: boundaries,
        visemes: mode & 4 != 0,
        bookmarks: mode & 8 != 0,
    };
    let synthesizer = Synthesizer::new(session_input::settings(), options, &session_input::policy());
    if synthesizer.speak_text("Hello there. How are you?").is_err() {
        return;
    }
    synthesizer.end_input(0);
    let mut now = 1_000u64;
    if synthesizer.poll_connect(now).is_none() {
        return;
    }
    synthesizer.handle_connected(now);
    let mut request_id = String::new();
    while let Some(transmit) = synthesizer.poll_transmit(now) {
        if let Some(id) = session_input::request_id_of(&transmit) {
            request_id = id;
        }
    }
    for message in session_input::messages(data, &request_id) {
        now += 10;
        synthesizer.handle_message(now, message);
        while synthesizer.poll_transmit(now).is_some() {}
        while synthesizer.poll_event().is_some() {}
        if synthesizer.is_done() {
            return;
        }
    }
    if let Some(at) = synthesizer.poll_timeout() {
        synthesizer.handle_timeout(at.max(now));
        while synthesizer.poll_event().is_some() {}
    }
});
