//! `azspeech stt` on every audio format it decodes, from the committed fixtures in
//! tests/fixtures/audio (made by its make.sh): each is recognized as the sentence of source.wav,
//! which the emulator knows as a registered fixture; damaged files get an error naming their
//! container and codec and the fix.

mod common;

use std::path::PathBuf;

use azspeech_emulator::HostForm;
use common::emulator::{Running, azspeech};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/audio")
}

fn words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|w| {
            w.chars()
                .filter(|c| c.is_alphanumeric())
                .collect::<String>()
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

/// Every listed format, as its fixture.
const FORMATS: [&str; 12] = [
    "source.wav",
    "wav-u8.wav",
    "wav-s24-extensible.wav",
    "wav-s32-extensible.wav",
    "wav-f32-extensible.wav",
    "wav-s16-stereo-11khz.wav",
    "flac-16khz.flac",
    "mp3-stereo-44khz.mp3",
    "vorbis-stereo-44khz.ogg",
    "opus-16khz.opus",
    "aac-stereo-44khz.m4a",
    "aac-16khz.aac",
];

#[test]
fn every_format_is_decoded_and_recognized() {
    let transcript = std::fs::read_to_string(fixtures().join("transcript.txt")).expect("transcript");
    let transcript = transcript.trim().to_owned();
    let running = Running::with(HostForm::Loopback, false, |config| {
        config.fixture_file(fixtures().join("source.wav"), transcript.clone())
    });
    let env = running.emulator().env_vars();
    for name in FORMATS {
        let path = fixtures().join(name);
        let (code, stdout, stderr) = azspeech(&env, &["stt", path.to_str().expect("utf8")]);
        assert_eq!(
            (code, words(&stdout)),
            (Some(0), words(&transcript)),
            "{name}: {stderr}"
        );
    }
}

#[test]
fn damaged_files_name_their_container_codec_and_fix() {
    let env = vec![
        ("SPEECH_KEY".to_owned(), "k".repeat(32)),
        ("SPEECH_ENDPOINT".to_owned(), "http://127.0.0.1:9".to_owned()),
    ];
    let cases = [
        ("corrupt-truncated.mp3", "(mp3 in mp3) is truncated or damaged"),
        ("corrupt-frames.flac", "(flac in flac) is truncated or damaged"),
        ("corrupt-header.m4a", "is not usable audio"),
    ];
    for (name, expected) in cases {
        let path = fixtures().join(name);
        let (code, _, stderr) = azspeech(&env, &["stt", path.to_str().expect("utf8")]);
        assert_eq!(code, Some(6), "{name}: {stderr}");
        assert!(stderr.contains(expected), "{name}: {stderr}");
        assert!(stderr.contains("fix:"), "{name}: {stderr}");
    }
}
