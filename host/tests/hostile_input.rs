//! Hostile input, bounded: a table of lying or broken files, oversized and overdeep documents,
//! megabytes on standard input, and a hostile or broken service (the emulator's faults). Each
//! case gets the exit code and error text it must, never a panic, and keeps the child's peak
//! memory (its maximum resident set, from `wait4`) under a bound.
//!
//! `AZSPEECH_HOSTILE_FIGURES=1` prints each case's figures (the table in BENCHMARKS.md).

mod common;

use std::io::{Read, Write};
use std::process::{Command, Stdio};

use azspeech_emulator::{Fault, FaultAction, FaultTarget, HostForm, HostileKind, Trigger};
use common::audio::{synthesized_pcm, write_wav};
use common::emulator::Running;

/// No case may make azspeech hold more than this (MiB of peak resident memory).
const PEAK_RSS_BOUND_MIB: u64 = 200;

/// The sentence the service cases speak.
const FOX: &str = "The quick brown fox jumps over the lazy dog.";

/// What a run of the CLI gave.
struct Measured {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    peak_rss_kib: u64,
}

/// Run `azspeech` with only `env`, `stdin` fed in, and measure its peak resident memory.
#[allow(unsafe_code)] // wait4: the only way to the rusage of one child
#[allow(clippy::zombie_processes)] // reaped by wait4, not by std
fn run_measured(env: &[(String, String)], args: &[&str], stdin: Option<Vec<u8>>) -> Measured {
    let home = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_azspeech"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("AZSPEECH_CACHE_DIR", common::shared_cache_dir())
        .env("AZSPEECH_IDENTITY_RETRY", "none")
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("azspeech runs");
    let feeder = stdin.map(|bytes| {
        let mut pipe = child.stdin.take().expect("stdin");
        // azspeech may stop reading (and close the pipe) once it has seen enough.
        std::thread::spawn(move || {
            let _ = pipe.write_all(&bytes);
        })
    });
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    };
    let stdout = drain(Box::new(child.stdout.take().expect("stdout")));
    let stderr = drain(Box::new(child.stderr.take().expect("stderr")));
    let pid = libc::pid_t::try_from(child.id()).expect("pid");
    let mut status = 0;
    // SAFETY: `rusage` is plain data, written by the kernel; `pid` is our own child, not yet
    // reaped (std's `Child` is never waited on here).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(reaped, pid, "wait4");
    if let Some(feeder) = feeder {
        feeder.join().expect("feeder");
    }
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    Measured {
        code,
        stdout: stdout.join().expect("stdout"),
        stderr: stderr.join().expect("stderr"),
        // Linux reports ru_maxrss in KiB.
        peak_rss_kib: u64::try_from(usage.ru_maxrss).expect("rss"),
    }
}

/// A WAV file from its parts: format tag, channels, rate, block align, bits, the declared data
/// length and the data present.
fn wav_bytes(tag: u16, channels: u16, rate: u32, block_align: u16, bits: u16, declared: u32, data: &[u8]) -> Vec<u8> {
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&declared.saturating_add(36).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt \x10\x00\x00\x00");
    out.extend_from_slice(&tag.to_le_bytes());
    out.extend_from_slice(&channels.to_le_bytes());
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&rate.saturating_mul(u32::from(block_align)).to_le_bytes());
    out.extend_from_slice(&block_align.to_le_bytes());
    out.extend_from_slice(&bits.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&declared.to_le_bytes());
    out.extend_from_slice(data);
    out
}

/// Junk that is no audio container: a fixed pseudo-random sequence.
fn junk(len: usize) -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

/// One row of the table.
struct Case {
    name: &'static str,
    /// The emulator's fault for the service cases (`None`: a well-behaved service).
    fault: Option<Fault>,
    /// Command line; `{file}` is replaced by the case's input file, `{speech}` by a WAV of
    /// speech the emulator recognizes.
    args: Vec<&'static str>,
    /// The input file's bytes (written to `{file}`).
    file: Option<Vec<u8>>,
    /// Bytes on standard input.
    stdin: Option<Vec<u8>>,
    /// Expected exit code.
    code: i32,
    /// Fragments the error text must hold.
    expect: Vec<&'static str>,
}

fn hostile(after: u64, kind: HostileKind) -> Option<Fault> {
    Some(Fault::new(
        FaultAction::Hostile {
            after: Trigger::ReceivedFrames(after),
            kind,
        },
        FaultTarget::Websocket,
    ))
}

fn cases() -> Vec<Case> {
    let tone: Vec<u8> = (0..16_000u32)
        .flat_map(|i| (((i % 40) as i16 - 20) * 500).to_le_bytes())
        .collect();
    let stt_file = vec!["stt", "{file}"];
    let stt_speech = vec!["stt", "{speech}", "--response-timeout-secs", "2", "--max-attempts", "2"];
    let speak = |inner: String| {
        format!("<speak version='1.0'><voice name='en-US-AvaMultilingualNeural'>{inner}</voice></speak>")
    };
    vec![
        Case {
            name: "WAV declaring 4 GiB of data, 1 s present",
            fault: None,
            args: stt_file.clone(),
            file: Some(wav_bytes(1, 1, 16_000, 2, 16, 0xF000_0000, &tone)),
            stdin: None,
            code: 6,
            expect: vec!["truncated or damaged", "announces 2013265920 sample frames"],
        },
        Case {
            name: "WAV with a zero-length data chunk",
            fault: None,
            args: stt_file.clone(),
            file: Some(wav_bytes(1, 1, 16_000, 2, 16, 0, &[])),
            stdin: None,
            code: 6,
            expect: vec!["holds no audio", "0 sample frames"],
        },
        Case {
            name: "WAV with an unknown format tag (0x1234)",
            fault: None,
            args: stt_file.clone(),
            file: Some(wav_bytes(0x1234, 1, 16_000, 2, 16, 32_000, &tone)),
            stdin: None,
            code: 6,
            expect: vec!["format tag 0x1234"],
        },
        Case {
            name: "WAV claiming 50 000 channels (symphonia u16 overflow)",
            fault: None,
            args: stt_file.clone(),
            file: Some(wav_bytes(1, 50_000, 16_000, 2, 16, 32_000, &tone)),
            stdin: None,
            code: 6,
            expect: vec!["claims 50000 channels"],
        },
        Case {
            name: "WAV header truncated at 30 bytes",
            fault: None,
            args: stt_file.clone(),
            file: Some(wav_bytes(1, 1, 16_000, 2, 16, 32_000, &tone)[..30].to_vec()),
            stdin: None,
            code: 6,
            expect: vec!["ends before", "header is complete"],
        },
        Case {
            name: "1 MiB of binary junk as audio",
            fault: None,
            args: stt_file.clone(),
            file: Some(junk(1 << 20)),
            stdin: None,
            code: 6,
            expect: vec!["not an audio container"],
        },
        Case {
            name: "binary junk on stdin as audio",
            fault: None,
            args: vec!["stt", "-"],
            file: None,
            stdin: Some(junk(1 << 20)),
            code: 6,
            expect: vec!["not an audio container"],
        },
        Case {
            name: "SSML of 100 kB (the service takes 64 KiB)",
            fault: None,
            args: vec!["tts", "--ssml", "{file}", "-o", "{out}"],
            file: Some(speak("word ".repeat(20_000)).into_bytes()),
            stdin: None,
            code: 5,
            expect: vec!["at most 65536 bytes"],
        },
        Case {
            name: "SSML nested 1 000 deep",
            fault: None,
            args: vec!["tts", "--ssml", "{file}", "-o", "{out}"],
            file: Some(
                speak(format!(
                    "{}hi{}",
                    "<prosody rate='+1%'>".repeat(1_000),
                    "</prosody>".repeat(1_000)
                ))
                .into_bytes(),
            ),
            stdin: None,
            code: 5,
            expect: vec!["nested deeper than 256"],
        },
        Case {
            name: "16 MiB of text on stdin for tts",
            fault: None,
            args: vec!["tts", "-", "-o", "{out}"],
            file: None,
            stdin: Some("All work and no play. ".repeat(16 << 20 >> 5).into_bytes()),
            code: 6,
            expect: vec!["more than 1048576 bytes"],
        },
        Case {
            name: "service silent after the upgrade",
            fault: Some(Fault::new(
                FaultAction::Stall {
                    after: Trigger::ReceivedFrames(0),
                    millis: None,
                },
                FaultTarget::Websocket,
            )),
            args: stt_speech.clone(),
            file: None,
            stdin: None,
            code: 4,
            expect: vec![
                "the service stalled",
                "2 connections in a row stalled",
                "--response-timeout-secs",
            ],
        },
        Case {
            name: "service announces an endless frame (2^40 bytes)",
            fault: hostile(3, HostileKind::EndlessFrame),
            args: stt_speech.clone(),
            file: None,
            stdin: None,
            code: 5,
            expect: vec!["larger than azspeech accepts", "Space limit exceeded"],
        },
        Case {
            name: "service sends 8 MiB of JSON",
            fault: hostile(3, HostileKind::HugeJson),
            args: stt_speech.clone(),
            file: None,
            stdin: None,
            code: 5,
            expect: vec!["larger than azspeech accepts", "Message too long"],
        },
        Case {
            name: "service sends invalid UTF-8 in a text frame",
            fault: hostile(3, HostileKind::InvalidUtf8),
            args: stt_speech.clone(),
            file: None,
            stdin: None,
            code: 5,
            expect: vec!["not UTF-8"],
        },
        Case {
            name: "service sends JSON nested 100 000 deep",
            fault: hostile(3, HostileKind::DeepJson),
            args: stt_speech.clone(),
            file: None,
            stdin: None,
            code: 5,
            expect: vec!["speech.phrase", "recursion limit"],
        },
        Case {
            name: "service floods 10 000 pings, then answers",
            fault: hostile(3, HostileKind::PingFlood),
            args: vec!["stt", "{speech}"],
            file: None,
            stdin: None,
            code: 0,
            expect: vec![],
        },
    ]
}

#[test]
fn hostile_inputs_get_clear_errors_in_bounded_memory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clean = Running::start(HostForm::Loopback, false);
    let pcm = synthesized_pcm(&clean.emulator().env_vars(), dir.path(), &[FOX]);
    let speech = write_wav(&dir.path().join("speech.wav"), 16_000, 1, &pcm[0]);
    let figures = std::env::var_os("AZSPEECH_HOSTILE_FIGURES").is_some();
    if figures {
        println!("| case | exit | peak RSS (MiB) | error (first line) |\n|---|---:|---:|---|");
    }
    for (index, case) in cases().into_iter().enumerate() {
        let faulty = case
            .fault
            .clone()
            .map(|fault| Running::with(HostForm::Loopback, false, |config| config.fault(fault)));
        let env = faulty.as_ref().unwrap_or(&clean).emulator().env_vars();
        let file = dir.path().join(format!("case-{index}.input"));
        if let Some(bytes) = &case.file {
            std::fs::write(&file, bytes).expect("write input");
        }
        let out = dir.path().join(format!("case-{index}.wav"));
        // A case that must succeed recognizes speech its own emulator synthesized (through
        // the fault: a ping flood hits `tts` as well).
        let speech = if case.code == 0 {
            let pcm = synthesized_pcm(&env, dir.path(), &[FOX]);
            write_wav(&dir.path().join(format!("case-{index}-speech.wav")), 16_000, 1, &pcm[0])
        } else {
            speech.clone()
        };
        let args: Vec<String> = case
            .args
            .iter()
            .map(|arg| match *arg {
                "{file}" => file.display().to_string(),
                "{speech}" => speech.display().to_string(),
                "{out}" => out.display().to_string(),
                other => other.to_owned(),
            })
            .collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = run_measured(&env, &args, case.stdin.clone());
        let peak_mib = run.peak_rss_kib / 1024;
        if figures {
            println!(
                "| {} | {} | {peak_mib} | {} |",
                case.name,
                run.code.map_or("signal".to_owned(), |c| c.to_string()),
                run.stderr.lines().next().unwrap_or("").replace('|', "\\|")
            );
        }
        assert_eq!(run.code, Some(case.code), "{}: {}", case.name, run.stderr);
        assert!(!run.stderr.contains("panicked"), "{}: {}", case.name, run.stderr);
        for fragment in &case.expect {
            assert!(
                run.stderr.contains(fragment),
                "{}: {fragment:?} missing from\n{}",
                case.name,
                run.stderr
            );
        }
        assert!(
            peak_mib < PEAK_RSS_BOUND_MIB,
            "{}: peak RSS {peak_mib} MiB over {PEAK_RSS_BOUND_MIB} MiB",
            case.name
        );
        if case.code == 0 {
            assert!(
                run.stdout.to_lowercase().contains("quick brown fox"),
                "{}: the transcript survives: {}",
                case.name,
                run.stdout
            );
        }
    }
}
