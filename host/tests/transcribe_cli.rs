//! `azspeech transcribe FILE...` (fast transcription) against the emulator: every auth mode
//! (key, STS, Entra on a custom domain over TLS; Entra on a regional host refused), golden files
//! for every output format, diarization of two synthesized voices, two channels, 429 with
//! `Retry-After` within and beyond the retry budget, files over the limits (ours and the
//! service's), an unreachable endpoint, and interrupted (a simulated one and a killed process) and
//! resumed runs (`--force`).

mod common;

use std::path::PathBuf;

use azspeech_emulator::{Fault, FaultTarget, HostForm};
use azspeech_host::spoken_words;
use common::audio::{joined, synthesized_pcm_in_voices, write_wav};
use common::emulator::{Running, azspeech};
use common::fixture::{fixtures, path, read, source, transcript, with, without};

fn knowing_the_fixture(
    form: HostForm,
    tls: bool,
    adjust: impl FnOnce(azspeech_emulator::EmulatorConfig) -> azspeech_emulator::EmulatorConfig,
) -> Running {
    Running::with(form, tls, |config| adjust(config.fixture_file(source(), transcript())))
}

#[test]
fn every_output_format_matches_its_golden_file_and_one_file_prints_to_stdout() {
    let running = knowing_the_fixture(HostForm::Loopback, false, |c| c);
    let env = running.emulator().env_vars();
    let out = tempfile::tempdir().expect("tempdir");
    let (code, stdout, stderr) = azspeech(
        &env,
        &["transcribe", "--format", "all", "-o", path(out.path()), path(&source())],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.is_empty(), "results go to files: {stdout}");
    let golden = fixtures().join("transcripts");
    common::golden::assert_matches_golden(out.path(), "source", &golden, "source");
    assert_eq!(
        spoken_words(&read(&golden.join("source.txt"))),
        spoken_words(&transcript())
    );
    let (code, stdout, stderr) = azspeech(&env, &["transcribe", path(&source())]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stdout, read(&golden.join("source.txt")));
    let (code, stdout, stderr) = azspeech(&env, &["transcribe", "--format", "vtt", path(&source())]);
    assert_eq!((code, stdout), (Some(0), read(&golden.join("source.vtt"))), "{stderr}");
}

/// Two voices, each a speaker: the emulator knows which voice it synthesized.
#[test]
fn diarization_labels_each_speaker_in_every_format() {
    let running = Running::start(HostForm::Loopback, false);
    let env = running.emulator().env_vars();
    let dir = tempfile::tempdir().expect("tempdir");
    let turns = [
        ("Good afternoon, thank you for calling.", Some("en-US-AriaNeural")),
        ("Hello, I would like to change my booking.", Some("en-US-GuyNeural")),
    ];
    let pcm = synthesized_pcm_in_voices(&env, dir.path(), &turns);
    let dialogue = write_wav(&dir.path().join("dialogue.wav"), 16_000, 1, &joined(&pcm, [0, 1, 0]));
    let out = dir.path().join("out");
    let (code, _, stderr) = azspeech(
        &env,
        &[
            "transcribe",
            "--diarize",
            "--max-speakers",
            "3",
            "--locale",
            "en-US",
            "--format",
            "all",
            "-o",
            path(&out),
            path(&dialogue),
        ],
    );
    assert_eq!(code, Some(0), "{stderr}");
    let text = read(&out.join("dialogue.txt"));
    let lines: Vec<(&str, Vec<String>)> = text
        .lines()
        .map(|line| {
            let (speaker, said) = line.split_once(": ").unwrap_or_else(|| panic!("no label: {line}"));
            (speaker, spoken_words(said))
        })
        .collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert_eq!(lines[0].1, spoken_words(turns[0].0));
    assert_eq!(lines[1].1, spoken_words(turns[1].0));
    assert_ne!(lines[0].0, lines[1].0, "two voices are two speakers: {text}");
    assert_eq!(
        lines[0].0, lines[2].0,
        "the first voice again is the first speaker: {text}"
    );
    assert!(lines.iter().all(|(s, _)| s.starts_with("Speaker ")), "{text}");
    let json: Vec<serde_json::Value> = read(&out.join("dialogue.json"))
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    let speakers: Vec<u64> = json.iter().map(|p| p["speaker"].as_u64().expect("speaker")).collect();
    assert_eq!(speakers[0], speakers[2]);
    assert_ne!(speakers[0], speakers[1]);
    assert_eq!(lines[1].0, format!("Speaker {}", speakers[1]));
    let vtt = read(&out.join("dialogue.vtt"));
    assert!(vtt.contains(&format!("<v Speaker {}>", speakers[1])), "{vtt}");
    let srt = read(&out.join("dialogue.srt"));
    assert!(srt.contains(&format!("Speaker {}: ", speakers[0])), "{srt}");
}

#[test]
fn two_channels_are_transcribed_separately() {
    let running = Running::start(HostForm::Loopback, false);
    let env = running.emulator().env_vars();
    let dir = tempfile::tempdir().expect("tempdir");
    let sentences = [
        ("The left channel has the agent.", None),
        ("The right channel has the customer on it.", None),
    ];
    let pcm = synthesized_pcm_in_voices(&env, dir.path(), &sentences);
    let frames = pcm[0].len().max(pcm[1].len());
    let mut stereo = Vec::with_capacity(frames * 2);
    for i in 0..frames {
        stereo.push(pcm[0].get(i).copied().unwrap_or(0));
        stereo.push(pcm[1].get(i).copied().unwrap_or(0));
    }
    let call = write_wav(&dir.path().join("call.wav"), 16_000, 2, &stereo);
    let (code, stdout, stderr) = azspeech(
        &env,
        &["transcribe", "--channels", "0,1", "--format", "json", path(&call)],
    );
    assert_eq!(code, Some(0), "{stderr}");
    let mut by_channel: [Vec<String>; 2] = Default::default();
    for line in stdout.lines() {
        let phrase: serde_json::Value = serde_json::from_str(line).expect("json");
        let channel = phrase["channel"].as_u64().expect("channel") as usize;
        by_channel[channel].extend(spoken_words(phrase["text"].as_str().expect("text")));
    }
    assert_eq!(by_channel[0], spoken_words(sentences[0].0), "{stdout}");
    assert_eq!(by_channel[1], spoken_words(sentences[1].0), "{stdout}");
    let (code, stdout, stderr) = azspeech(&env, &["transcribe", "--channels", "0,1", path(&call)]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stdout.contains("[channel 0] ") && stdout.contains("[channel 1] "),
        "{stdout}"
    );
    // Diarization with two separate channels is refused before anything is sent.
    let (code, _, stderr) = azspeech(&env, &["transcribe", "--channels", "0,1", "--diarize", path(&call)]);
    assert_eq!(code, Some(5), "{stderr}");
    assert!(stderr.contains("--channels 0"), "{stderr}");
}

#[test]
fn sts_tokens_work_and_the_key_goes_only_to_the_token_endpoint() {
    let running = knowing_the_fixture(HostForm::Loopback, false, |c| c);
    let env = with(running.emulator().env_vars(), "SPEECH_AUTH", "sts");
    let (code, stdout, stderr) = azspeech(&env, &["transcribe", path(&source())]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(spoken_words(&stdout), spoken_words(&transcript()));
}

#[test]
fn entra_on_the_custom_domain_over_tls() {
    let running = knowing_the_fixture(HostForm::CustomDomain, true, |c| c);
    let emulator = running.emulator();
    let env = common::emulator::service_principal_env(emulator, "SPEECH_REGION");
    assert!(
        env.iter()
            .any(|(k, v)| k == "SPEECH_ENDPOINT" && v.starts_with("https://"))
    );
    let (code, stdout, stderr) = azspeech(&env, &["transcribe", "--log-level", "info", path(&source())]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(spoken_words(&stdout), spoken_words(&transcript()));
}

#[test]
fn entra_on_a_regional_host_is_refused_with_the_fix() {
    let running = knowing_the_fixture(HostForm::RegionalApi, true, |c| c);
    let emulator = running.emulator();
    let env = common::emulator::service_principal_env(emulator, "SPEECH_ENDPOINT");
    let (code, _, stderr) = azspeech(&env, &["transcribe", path(&source())]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("custom domain")
            && stderr.contains("SPEECH_ENDPOINT=https://<name>.cognitiveservices.azure.com/"),
        "{stderr}"
    );
    assert_eq!(emulator.stats().unauthorized, 0, "nothing was sent");
    // A key works on the regional host (over TLS, through --connect-to).
    let env = without(emulator.env_vars(), &["SPEECH_ENDPOINT"]);
    let (code, stdout, stderr) = azspeech(&env, &["transcribe", path(&source())]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(spoken_words(&stdout), spoken_words(&transcript()));
}

#[test]
fn throttling_waits_for_retry_after_within_the_retry_budget() {
    let running = knowing_the_fixture(HostForm::Loopback, false, |c| {
        c.fault(Fault::http_status(429, Some(1), FaultTarget::Transcription).first(1))
    });
    let env = running.emulator().env_vars();
    let (code, stdout, stderr) = azspeech(&env, &["transcribe", path(&source())]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(spoken_words(&stdout), spoken_words(&transcript()));
    assert!(stderr.contains("throttled (HTTP 429): retrying in 1.0 s"), "{stderr}");
    assert_eq!(running.emulator().stats().throttled, 1);

    // A Retry-After beyond the budget fails at once, saying so.
    let running = knowing_the_fixture(HostForm::Loopback, false, |c| {
        c.fault(Fault::http_status(429, Some(30), FaultTarget::Transcription).first(1))
    });
    let env = running.emulator().env_vars();
    let (code, _, stderr) = azspeech(&env, &["transcribe", "--retry-budget", "5", path(&source())]);
    assert_eq!(code, Some(5), "{stderr}");
    assert!(
        stderr.contains("throttled") && stderr.contains("retry budget of 5 s"),
        "{stderr}"
    );
}

#[test]
fn files_over_the_limits_point_at_batch_transcription() {
    let running = knowing_the_fixture(HostForm::Loopback, false, |c| {
        c.transcription_max_duration(std::time::Duration::from_secs(1))
    });
    let env = running.emulator().env_vars();
    // Over our limit (a sparse 301 MB file): refused before anything is sent.
    let dir = tempfile::tempdir().expect("tempdir");
    let huge = dir.path().join("huge.wav");
    std::fs::File::create(&huge)
        .expect("create")
        .set_len(301_000_000)
        .expect("sparse");
    let (code, _, stderr) = azspeech(&env, &["transcribe", path(&huge)]);
    assert_eq!(code, Some(5), "{stderr}");
    assert!(
        stderr.contains("over fast transcription's limit of 300 MB") && stderr.contains("azspeech batch submit"),
        "{stderr}"
    );
    // Over the service's limit (this emulator takes 1 s): its 400 gets the same fix.
    let (code, _, stderr) = azspeech(&env, &["transcribe", path(&source())]);
    assert_eq!(code, Some(5), "{stderr}");
    assert!(
        stderr.contains("AudioLengthLimitExceeded") && stderr.contains("azspeech batch submit"),
        "{stderr}"
    );
}

#[test]
fn an_unreachable_endpoint_is_a_network_error() {
    let env = vec![
        (
            "SPEECH_ENDPOINT".to_owned(),
            format!("http://127.0.0.1:{}", common::closed_port()),
        ),
        ("SPEECH_KEY".to_owned(), "0123456789abcdef0123456789abcdef".to_owned()),
    ];
    let (code, _, stderr) = azspeech(&env, &["transcribe", path(&source())]);
    assert_eq!(code, Some(4), "{stderr}");
    assert!(stderr.contains("cannot reach http://127.0.0.1:"), "{stderr}");
}

/// `dir/NAME.wav` for each name, each a copy of the source recording.
fn copies_of_the_source(dir: &std::path::Path, names: &[&str]) -> Vec<PathBuf> {
    names
        .iter()
        .map(|name| {
            let copy = dir.join(format!("{name}.wav"));
            std::fs::copy(source(), &copy).expect("copy");
            copy
        })
        .collect()
}

#[test]
fn a_rerun_skips_finished_files_and_force_redoes_them() {
    let running = knowing_the_fixture(HostForm::Loopback, false, |c| c);
    let env = running.emulator().env_vars();
    let dir = tempfile::tempdir().expect("tempdir");
    let inputs = copies_of_the_source(dir.path(), &["a", "b", "c"]);
    let out = dir.path().join("out");
    std::fs::create_dir(&out).expect("mkdir");
    // An interrupted run: a finished, b cut off while its output was being written, c not started.
    std::fs::write(out.join("a.txt"), "finished before the interruption\n").expect("write");
    std::fs::write(out.join("b.txt.partial"), "half").expect("write");
    let mut args = vec!["transcribe", "-j", "2", "-o", path(&out)];
    args.extend(inputs.iter().map(|p| path(p)));
    let (code, _, stderr) = azspeech(&env, &args);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("a.wav: skipped: already transcribed (--force to redo)"),
        "{stderr}"
    );
    assert_eq!(read(&out.join("a.txt")), "finished before the interruption\n");
    for name in ["b", "c"] {
        assert_eq!(
            spoken_words(&read(&out.join(format!("{name}.txt")))),
            spoken_words(&transcript()),
            "{name}"
        );
    }
    let leftovers: Vec<String> = std::fs::read_dir(&out)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".partial") && n != "b.txt.partial")
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    args.push("--force");
    let (code, _, stderr) = azspeech(&env, &args);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("skipped"), "{stderr}");
    assert_eq!(spoken_words(&read(&out.join("a.txt"))), spoken_words(&transcript()));
}

/// A run killed mid-way (SIGKILL while the second file waits out a 429) leaves the first file's
/// complete output and nothing of the others; the rerun sends only the two missing files.
#[test]
fn a_killed_run_leaves_complete_outputs_and_the_rerun_sends_only_the_rest() {
    let throttled = knowing_the_fixture(HostForm::Loopback, false, |c| c.transcriptions_per_minute(Some(1)));
    let dir = tempfile::tempdir().expect("tempdir");
    let inputs = copies_of_the_source(dir.path(), &["a", "b", "c"]);
    let out = dir.path().join("out");
    let mut args = vec!["transcribe", "-j", "1", "-o", path(&out)];
    args.extend(inputs.iter().map(|p| path(p)));
    let home = tempfile::tempdir().expect("home");
    let mut child = common::emulator::azspeech_command(&throttled.emulator().env_vars(), &args, home.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("azspeech starts");
    // One transcription a minute: a.wav is done at once, b.wav then waits for Retry-After.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !out.join("a.txt").exists() {
        assert!(
            child.try_wait().expect("wait").is_none(),
            "the run ended before it was killed"
        );
        assert!(std::time::Instant::now() < deadline, "a.txt never appeared");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().expect("kill");
    child.wait().expect("reaped");
    let left: Vec<String> = std::fs::read_dir(&out)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["a.txt"], "only the finished output is left");
    assert_eq!(spoken_words(&read(&out.join("a.txt"))), spoken_words(&transcript()));

    let fresh = knowing_the_fixture(HostForm::Loopback, false, |c| c);
    let (code, _, stderr) = azspeech(&fresh.emulator().env_vars(), &args);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("a.wav: skipped: already transcribed (--force to redo)"),
        "{stderr}"
    );
    for name in ["a", "b", "c"] {
        assert_eq!(
            spoken_words(&read(&out.join(format!("{name}.txt")))),
            spoken_words(&transcript()),
            "{name}"
        );
    }
    let sent = fresh
        .emulator()
        .request_log()
        .iter()
        .filter(|r| r.path.ends_with("/transcriptions:transcribe"))
        .count();
    assert_eq!(sent, 2, "the rerun transcribes b.wav and c.wav only");
}
