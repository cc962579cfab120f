//! The CLI surface: every planned subcommand is listed; those not built yet say so and exit 69.

use std::process::{Command, Output};

fn azspeech(args: &[&str]) -> Output {
    let cache = tempfile::tempdir().expect("tempdir");
    Command::new(env!("CARGO_BIN_EXE_azspeech"))
        .args(args)
        .env_clear()
        .env("AZSPEECH_CACHE_DIR", cache.path())
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
fn unbuilt_subcommands_exit_69_and_say_so() {
    for subcommand in ["tts", "stt", "emulator", "demo"] {
        let output = azspeech(&[subcommand, "anything"]);
        assert_eq!(output.status.code(), Some(69), "{subcommand}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("not available yet"), "{subcommand}: {stderr}");
    }
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
