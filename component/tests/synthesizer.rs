//! The synthesizer's connection lifecycle on a virtual clock, no sockets.

#![allow(clippy::unwrap_used)]

use azspeech_component::bindings::exports::azspeech::core::config::{Setting, SettingSource, SettingValue};
use azspeech_component::bindings::exports::azspeech::core::connection::KeySlot;
use azspeech_component::bindings::exports::azspeech::core::link::{CloseFrame, Pace, SessionPolicy, Transmit};
use azspeech_component::bindings::exports::azspeech::core::messages::WsMessage;
use azspeech_component::bindings::exports::azspeech::core::synthesis::{SynthesisEvent, SynthesisOptions};
use azspeech_component::config;
use azspeech_component::synthesis::Synthesizer;

fn synthesizer() -> Synthesizer {
    let vars: Vec<Setting> = [("SPEECH_KEY", "k"), ("SPEECH_ENDPOINT", "http://127.0.0.1:5000")]
        .iter()
        .map(|(name, value)| Setting {
            name: (*name).to_owned(),
            value: if config::SECRET_NAMES.contains(name) {
                SettingValue::Secret(true)
            } else {
                SettingValue::Text((*value).to_owned())
            },
            source: SettingSource::Environment,
        })
        .collect();
    let options = SynthesisOptions {
        output_format: "riff-16khz-16bit-mono-pcm".into(),
        voice: String::new(),
        language: String::new(),
        rate: None,
        pitch: None,
        volume: None,
        style: None,
        style_degree: None,
        role: None,
        word_boundaries: false,
        sentence_boundaries: false,
        punctuation_boundaries: false,
        visemes: false,
        bookmarks: false,
    };
    let policy = SessionPolicy {
        seed: 3,
        max_attempts: None,
        backoff_initial_ms: None,
        backoff_max_ms: None,
        max_connection_ms: None,
        idle_ms: None,
        response_timeout_ms: None,
        pace: Pace::Max,
        key_slot: KeySlot::Primary,
    };
    Synthesizer::new(config::resolve(&vars).unwrap(), options, &policy)
}

/// Send what is queued; return the request id of its `ssml` frame.
fn drain(synthesizer: &Synthesizer, now: u64) -> Option<String> {
    let mut request_id = None;
    while let Some(transmit) = synthesizer.poll_transmit(now) {
        if let Transmit::Message(WsMessage::Text(text)) = transmit
            && text.contains("Path:ssml")
        {
            request_id = text
                .lines()
                .find_map(|l| l.strip_prefix("X-RequestId:"))
                .map(|id| id.trim().to_owned());
        }
    }
    request_id
}

fn complete(synthesizer: &Synthesizer, now: u64, request_id: &str) {
    synthesizer.handle_message(
        now,
        WsMessage::Text(format!("X-RequestId:{request_id}\r\nPath:turn.end\r\n\r\n{{}}")),
    );
}

/// A connection left idle is closed before the service's 180-s limit; text queued later opens a
/// new one and is synthesized.
#[test]
fn text_queued_after_an_idle_close_reconnects() {
    let synthesizer = synthesizer();
    assert_eq!(synthesizer.speak_text("First.").unwrap(), 0);
    synthesizer.poll_connect(0).expect("connects");
    synthesizer.handle_connected(0);
    let first = drain(&synthesizer, 0).expect("a request");
    complete(&synthesizer, 10, &first);
    assert_eq!(synthesizer.poll_timeout(), Some(150_010), "the idle deadline");
    synthesizer.handle_timeout(150_010);
    assert!(matches!(
        synthesizer.poll_transmit(150_010),
        Some(Transmit::Close(CloseFrame { code: 1000, .. }))
    ));
    assert!(
        synthesizer.poll_connect(200_000).is_none(),
        "no connection without text"
    );
    assert_eq!(synthesizer.speak_text("Second.").unwrap(), 1);
    let again = synthesizer
        .poll_connect(300_000)
        .expect("text queued: a new connection");
    assert_eq!(again.attempt, 2);
    synthesizer.handle_connected(300_000);
    let second = drain(&synthesizer, 300_000).expect("the second request is sent");
    synthesizer.end_input(300_001);
    complete(&synthesizer, 300_002, &second);
    let mut finished = None;
    while let Some(event) = synthesizer.poll_event() {
        if let SynthesisEvent::Finished(summary) = event {
            finished = Some((summary.requests, summary.connections));
        }
    }
    assert_eq!(finished, Some((2, 2)));
}
