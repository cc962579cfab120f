//! `azspeech stt` on every audio format it decodes, from the committed fixtures in
//! tests/fixtures/audio (made by its make.sh): each is recognized as the sentence of source.wav,
//! which the emulator knows as a registered fixture; damaged files get an error naming their
//! container and codec and the fix.

mod common;

use std::path::PathBuf;

use azspeech_emulator::HostForm;
use azspeech_host::spoken_words;
use common::emulator::{Running, azspeech};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/audio")
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
    // One run over all of them (a process per file would be slow): one transcript per input.
    let out = tempfile::tempdir().expect("tempdir");
    let paths: Vec<PathBuf> = FORMATS.iter().map(|name| fixtures().join(name)).collect();
    let mut args = vec!["stt", "-j", "3", "-o", out.path().to_str().expect("utf8")];
    args.extend(paths.iter().map(|p| p.to_str().expect("utf8")));
    let (code, _, stderr) = azspeech(&env, &args);
    assert_eq!(code, Some(0), "{stderr}");
    for name in FORMATS {
        let stem = std::path::Path::new(name)
            .file_stem()
            .expect("stem")
            .to_str()
            .expect("utf8");
        let text = std::fs::read_to_string(out.path().join(format!("{stem}.txt"))).expect("transcript");
        assert_eq!(spoken_words(&text), spoken_words(&transcript), "{name}: {stderr}");
    }
    // Standard input works too (a format that needs no seeking).
    let (code, stdout, stderr) = azspeech_stdin(&env, &["stt", "-"], &fixtures().join("vorbis-stereo-44khz.ogg"));
    assert_eq!(
        (code, spoken_words(&stdout)),
        (Some(0), spoken_words(&transcript)),
        "{stderr}"
    );
}

/// `azspeech` with `input` on standard input.
fn azspeech_stdin(env: &[(String, String)], args: &[&str], input: &std::path::Path) -> (Option<i32>, String, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_azspeech"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AZSPEECH_CACHE_DIR", common::shared_cache_dir())
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(std::fs::File::open(input).expect("input"))
        .output()
        .expect("azspeech runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn damaged_files_name_their_container_codec_and_fix() {
    let env = vec![
        ("SPEECH_KEY".to_owned(), "k".repeat(32)),
        ("SPEECH_ENDPOINT".to_owned(), "http://127.0.0.1:9".to_owned()),
    ];
    // All at once, as a batch: every failure is listed with its error and fix.
    let cases = [
        ("corrupt-truncated.mp3", "(mp3 in mp3) is truncated or damaged"),
        ("corrupt-frames.flac", "(flac in flac) is truncated or damaged"),
        ("corrupt-header.m4a", "is not usable audio"),
    ];
    let (name, expected) = cases[0];
    let path = fixtures().join(name);
    let (code, _, stderr) = azspeech(&env, &["stt", path.to_str().expect("utf8")]);
    assert_eq!(code, Some(6), "{name}: {stderr}");
    assert!(stderr.contains(expected) && stderr.contains("fix:"), "{name}: {stderr}");
    let out = tempfile::tempdir().expect("tempdir");
    let paths: Vec<PathBuf> = cases.iter().map(|(name, _)| fixtures().join(name)).collect();
    let mut args = vec!["stt", "-o", out.path().to_str().expect("utf8")];
    args.extend(paths.iter().map(|p| p.to_str().expect("utf8")));
    let (code, _, stderr) = azspeech(&env, &args);
    assert_eq!(code, Some(6), "{stderr}");
    assert!(stderr.contains("3 of 3 input(s) failed"), "{stderr}");
    for (name, expected) in cases {
        let line = stderr
            .lines()
            .find(|line| line.starts_with("  ") && line.contains(name))
            .unwrap_or_else(|| panic!("{name} in the summary: {stderr}"));
        assert!(line.contains(expected), "{name}: {line}");
    }
}
