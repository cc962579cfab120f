//! Fuzz a recognition session with a hostile service: after the upgrade and some audio, every
//! message of the input is delivered (`shared::session_input` says how it is cut). The
//! recognizer must never panic, whatever results, turn messages or binary frames arrive, and
//! must keep answering its polls.
#![no_main]

#[path = "shared/session_input.rs"]
mod session_input;

use azspeech_component::bindings::exports::azspeech::core::recognition::{
    AudioFormat, OutputFormat, RecognitionMode, RecognitionOptions,
};
use azspeech_component::recognition::Recognizer;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, data)) = data.split_first() else {
        return;
    };
    let options = RecognitionOptions {
        mode: match mode % 3 {
            0 => RecognitionMode::Conversation,
            1 => RecognitionMode::Interactive,
            _ => RecognitionMode::Dictation,
        },
        language: String::new(),
        format: if mode & 4 == 0 {
            OutputFormat::Simple
        } else {
            OutputFormat::Detailed
        },
        profanity: None,
        word_timestamps: mode & 8 != 0,
        phrase_list: Vec::new(),
        audio: AudioFormat {
            sample_rate: 16_000,
            bits_per_sample: 16,
            channels: 1,
        },
        max_unacknowledged_ms: None,
        language_id: None,
    };
    let recognizer = Recognizer::new(session_input::settings(), options, &session_input::policy());
    let mut now = 1_000u64;
    if recognizer.poll_connect(now).is_none() {
        return;
    }
    recognizer.handle_connected(now);
    let _ = recognizer.push_audio(now, 32_000);
    if mode & 16 != 0 {
        recognizer.end_audio(now);
    }
    let mut request_id = String::new();
    while let Some(transmit) = recognizer.poll_transmit(now) {
        if let Some(id) = session_input::request_id_of(&transmit) {
            request_id = id;
        }
    }
    for message in session_input::messages(data, &request_id) {
        now += 10;
        recognizer.handle_message(now, message);
        while recognizer.poll_transmit(now).is_some() {}
        while recognizer.poll_event().is_some() {}
        if recognizer.is_done() {
            return;
        }
    }
    if let Some(at) = recognizer.poll_timeout() {
        recognizer.handle_timeout(at.max(now));
        while recognizer.poll_event().is_some() {}
    }
    let _ = recognizer.acknowledged_bytes();
});
