//! Command-line conventions: shell completions for each shell (bash's parses with `bash -n`),
//! the man page, an example in every subcommand's `--help`, and no colour codes on a pipe, in a
//! file (the emulator's log) or with `NO_COLOR` on a terminal, and a trace-level log that leaves
//! the WebAssembly compiler's own trace out.

mod common;

use std::io::Read;
use std::process::{Command, Stdio};

/// Run azspeech with an empty environment; its stdout, after checking it succeeded.
fn stdout(args: &[&str]) -> String {
    let (code, stdout, stderr) = common::emulator::azspeech(&[], args);
    assert_eq!(code, Some(0), "{args:?}: {stderr}");
    stdout
}

const SUBCOMMANDS: &[&str] = &[
    "tts",
    "stt",
    "voices",
    "doctor",
    "config",
    "token",
    "emulator",
    "demo",
    "component",
    "completions",
    "man",
];

#[test]
fn completions_are_generated_for_each_shell() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (shell, marker) in [
        ("bash", "complete -F _azspeech"),
        ("zsh", "#compdef azspeech"),
        ("fish", "complete -c azspeech"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let script = stdout(&["completions", shell]);
        assert!(script.contains(marker), "{shell}: {script}");
        for subcommand in SUBCOMMANDS {
            assert!(script.contains(subcommand), "{shell} completes {subcommand}");
        }
        assert!(
            script.contains("languages") && script.contains("style-degree"),
            "{shell}: flags are completed"
        );
        let path = dir.path().join(format!("azspeech.{shell}"));
        std::fs::write(&path, &script).expect("write");
        if shell == "bash" {
            let check = Command::new("bash").arg("-n").arg(&path).output().expect("bash runs");
            assert!(
                check.status.success(),
                "bash -n: {}",
                String::from_utf8_lossy(&check.stderr)
            );
        }
    }
    let (code, _, _) = common::emulator::azspeech(&[], &["completions", "tcsh"]);
    assert_eq!(code, Some(2), "an unknown shell is a usage error");
}

#[test]
fn the_man_page_is_roff_and_covers_every_command() {
    let page = stdout(&["man"]);
    assert!(
        page.starts_with(".ie") || page.starts_with(".TH"),
        "{}",
        &page[..page.len().min(200)]
    );
    assert!(page.contains(".TH azspeech 1"), "{page}");
    for subcommand in SUBCOMMANDS {
        assert!(page.contains(subcommand), "{subcommand}");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    stdout(&["man", "--dir", dir.path().to_str().expect("utf8")]);
    for page in ["azspeech.1", "azspeech-stt.1", "azspeech-config.1", "azspeech-tts.1"] {
        let text = std::fs::read_to_string(dir.path().join(page)).expect(page);
        assert!(text.contains(".TH"), "{page}");
    }
}

#[test]
fn every_subcommand_help_ends_with_an_example() {
    for subcommand in SUBCOMMANDS {
        let help = stdout(&[subcommand, "--help"]);
        let examples = help.split_once("Examples:\n").map(|(_, rest)| rest);
        let first = examples.and_then(|rest| rest.lines().next()).unwrap_or_default();
        assert!(
            first.trim_start().starts_with(&format!("azspeech {subcommand}")),
            "{subcommand} --help has no example:\n{help}"
        );
    }
}

fn has_escape_codes(text: &[u8]) -> bool {
    text.contains(&0x1b)
}

/// Run the emulator with info logging until it says it is listening, with stderr going where
/// `stderr` says, and return what was logged (from `log`).
fn emulator_log(mut command: Command, log: &std::path::Path) -> Vec<u8> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut seen = Vec::new();
    for _ in 0..600 {
        seen.clear();
        if let Ok(mut file) = std::fs::File::open(log) {
            let _ = file.read_to_end(&mut seen);
        }
        if String::from_utf8_lossy(&seen).contains("listening") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        String::from_utf8_lossy(&seen).contains("listening"),
        "{}",
        String::from_utf8_lossy(&seen)
    );
    seen
}

fn emulator_command(program: &str) -> Command {
    let mut command = Command::new(program);
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env(
            "AZSPEECH_CACHE_DIR",
            std::env::temp_dir().join("azspeech-conventions-cache"),
        );
    command
}

#[test]
fn logs_carry_no_escape_codes_in_a_file_or_with_no_color() {
    let bin = env!("CARGO_BIN_EXE_azspeech");
    let dir = tempfile::tempdir().expect("tempdir");

    // The emulator's log written to a file.
    let log = dir.path().join("emulator.log");
    let mut command = emulator_command(bin);
    command
        .args(["emulator", "--port", "0", "--log-level", "info"])
        .stderr(std::fs::File::create(&log).expect("log file"));
    let logged = emulator_log(command, &log);
    assert!(!has_escape_codes(&logged), "{}", String::from_utf8_lossy(&logged));

    // On a terminal (a pseudo-terminal from util-linux `script`): colour, unless NO_COLOR.
    let line = format!("{bin} emulator --port 0 --log-level info");
    for (no_color, coloured) in [(None, true), (Some("1"), false)] {
        let typescript = dir.path().join(format!("tty-{coloured}.log"));
        let mut command = emulator_command("script");
        command.args(["-qfec", &line]).arg(&typescript).stderr(Stdio::null());
        if let Some(value) = no_color {
            command.env("NO_COLOR", value);
        }
        let logged = emulator_log(command, &typescript);
        assert_eq!(
            has_escape_codes(&logged),
            coloured,
            "NO_COLOR={no_color:?}: {}",
            String::from_utf8_lossy(&logged)
        );
    }
}

#[test]
fn log_lines_on_a_pipe_have_no_escape_codes() {
    // A recognition on the emulator with debug logging: its log lines go to a pipe.
    let running = common::emulator::Running::start(azspeech_emulator::HostForm::Loopback, false);
    let dir = tempfile::tempdir().expect("tempdir");
    let silence = common::audio::write_wav(&dir.path().join("silence.wav"), 44_100, 2, &vec![0i16; 44_100]);
    let (code, _, stderr) = common::emulator::azspeech(
        &running.emulator().env_vars(),
        &["stt", silence.to_str().expect("utf8"), "--log-level", "debug"],
    );
    assert_eq!(code, Some(1), "silence is no match: {stderr}");
    assert!(stderr.contains("DEBUG") && stderr.contains("converting"), "{stderr}");
    assert!(!has_escape_codes(stderr.as_bytes()), "{stderr}");
}

/// `--log-level trace` on a cold compiled-core cache: the core is compiled, and the compiler's
/// own instruction-by-instruction trace (gigabytes) stays out of the log unless asked for by name.
#[test]
fn trace_level_on_a_cold_cache_leaves_the_compilers_trace_out() {
    let home = tempfile::tempdir().expect("home");
    let cold = tempfile::tempdir().expect("cache");
    let env = [("SPEECH_REGION".to_owned(), "westeurope".to_owned())];
    let output = common::emulator::azspeech_command(&env, &["--log-level", "trace", "config", "list"], home.path())
        .env("AZSPEECH_CACHE_DIR", cold.path())
        .output()
        .expect("azspeech runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{}", &stderr[..stderr.len().min(4000)]);
    assert!(
        std::fs::read_dir(cold.path()).expect("cache").count() > 0,
        "the cache was cold and the core was compiled into it"
    );
    assert!(stderr.contains("TRACE"), "trace is on for everything else");
    for target in [
        "cranelift_codegen",
        "cranelift_frontend",
        "regalloc2",
        "wasmtime_internal_cranelift",
    ] {
        assert!(
            !stderr.contains(&format!(" {target}")) && !stderr.contains(&format!(" {target}::")),
            "{target} logged at trace ({} bytes of log)",
            stderr.len()
        );
    }
    assert!(stderr.len() < 4 << 20, "{} bytes of log", stderr.len());
}
