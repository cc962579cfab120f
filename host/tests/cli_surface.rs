//! The CLI surface: every planned subcommand is listed; those not built yet say so and exit 69.

use std::process::{Command, Output};

fn azspeech(args: &[&str]) -> Output {
    let cache = tempfile::tempdir().expect("tempdir");
    Command::new(env!("CARGO_BIN_EXE_azspeech"))
        .args(args)
        .env_clear()
        .env("AZSPEECH_CACHE_DIR", cache.path())
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .output()
        .expect("azspeech runs")
}

const SUBCOMMANDS: &[&str] = &[
    "tts",
    "stt",
    "voices",
    "doctor",
    "token",
    "emulator",
    "demo",
    "component",
];

#[test]
fn help_lists_every_planned_subcommand_and_the_exit_codes() {
    let output = azspeech(&["--help"]);
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for subcommand in SUBCOMMANDS {
        assert!(
            help.lines().any(|line| line.trim_start().starts_with(subcommand)),
            "{subcommand} missing:\n{help}"
        );
    }
    assert!(help.contains("Exit codes:"), "{help}");
}

#[test]
fn the_demo_round_trips_a_sentence_through_the_emulator() {
    let dir = tempfile::tempdir().expect("tempdir");
    let wav = dir.path().join("demo.wav");
    let output = azspeech(&["demo", "--output", wav.to_str().expect("utf8")]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("round trip ok"), "{stdout}");
    assert!(
        stdout.contains("recognized:  \"Azure AI Speech just works, even without an Azure account.\""),
        "{stdout}"
    );
    let audio = std::fs::read(&wav).expect("the audio is kept");
    assert_eq!(&audio[..4], b"RIFF");
    assert!(audio.len() > 32_000, "at least a second of 16 kHz audio");
}

#[test]
fn a_bad_flag_is_a_usage_error() {
    let output = azspeech(&["doctor", "--no-such-flag"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn component_writes_the_core_and_its_wit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let wasm = dir.path().join("core.wasm");
    let wit = dir.path().join("core.wit");
    let output = azspeech(&[
        "component",
        "--wasm",
        wasm.to_str().expect("utf8"),
        "--wit",
        wit.to_str().expect("utf8"),
    ]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(std::fs::read(&wasm).expect("wasm"), azspeech_host::CORE_COMPONENT);
    assert_eq!(std::fs::read_to_string(&wit).expect("wit"), azspeech_host::CORE_WIT);
}

/// Without the `microphone` / `speaker` features (the default build), `--mic` and `--play` say
/// which feature to build with and exit 69, before any connection is made.
#[cfg(not(any(feature = "microphone", feature = "speaker")))]
#[test]
fn mic_and_play_name_the_feature_they_need() {
    let output = azspeech(&["stt", "--mic"]);
    assert_eq!(output.status.code(), Some(69));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("`microphone` cargo feature") && stderr.contains("--features microphone"),
        "{stderr}"
    );

    let cache = tempfile::tempdir().expect("tempdir");
    let output = Command::new(env!("CARGO_BIN_EXE_azspeech"))
        .args(["tts", "Hello.", "--play"])
        .env_clear()
        .env("AZSPEECH_CACHE_DIR", cache.path())
        .env("SPEECH_KEY", "0123456789abcdef0123456789abcdef")
        .env("SPEECH_REGION", "westeurope")
        .output()
        .expect("azspeech runs");
    assert_eq!(output.status.code(), Some(69));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("`speaker` cargo feature") && !stderr.contains("0123456789abcdef"),
        "{stderr}"
    );
}

#[test]
fn a_microphone_and_a_file_are_exclusive_and_one_is_needed() {
    for args in [
        &["stt"][..],
        &["stt", "a.wav", "--mic"],
        &["stt", "a.wav", "--duration", "3"],
        &["stt", "a.wav", "--device", "default"],
        &["stt", "--mic", "--duration", "-1"],
        &["tts", "Hello.", "--device", "default"],
    ] {
        let output = azspeech(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
    }
}
