//! `azspeech stt --mic` and `azspeech tts --play` through real ALSA devices (features
//! `microphone` and `speaker`), against the emulator.
//!
//! There is no sound card here, so each test gives `azspeech` its own HOME with an `.asoundrc`
//! that makes ALSA's `default` device the `file` plugin over the `null` device: what is played
//! is written to a file, and what is captured is read from a file. cpal, alsa-lib and the whole
//! capture and playback paths of azspeech are the real ones; only the sound card is a file.
//! The `null` device runs faster than real time and plays silence while the queue is empty, so
//! playback is compared with the synthesized audio with silent samples left out. One microphone
//! test makes the capture file a FIFO fed at real-time pace, as a real microphone delivers.

#![cfg(all(feature = "microphone", feature = "speaker"))]

mod common;

use std::path::{Path, PathBuf};

use azspeech_emulator::HostForm;
use common::emulator::Running;

/// Run `azspeech`, and check that no output shows the key.
fn azspeech(env: &[(String, String)], args: &[&str]) -> (Option<i32>, String, String) {
    let (code, stdout, stderr) = common::emulator::azspeech(env, args);
    for (name, value) in env {
        if name.starts_with("SPEECH_KEY") {
            assert!(
                !stdout.contains(value.as_str()) && !stderr.contains(value.as_str()),
                "{name} leaked by {args:?}"
            );
        }
    }
    (code, stdout, stderr)
}

/// A HOME whose `.asoundrc` routes `default` to files in it: `played.raw` receives playback,
/// `microphone.raw` (raw PCM in the format the device is opened with) is captured.
struct FakeSoundCard {
    home: tempfile::TempDir,
}

impl FakeSoundCard {
    fn new() -> Self {
        let home = tempfile::tempdir().expect("tempdir");
        let config = format!(
            "pcm.!default {{\n  type file\n  slave.pcm \"null\"\n  file \"{}\"\n  infile \"{}\"\n  format \"raw\"\n}}\n",
            home.path().join("played.raw").display(),
            home.path().join("microphone.raw").display(),
        );
        std::fs::write(home.path().join(".asoundrc"), config).expect("write .asoundrc");
        std::fs::write(home.path().join("microphone.raw"), b"").expect("write microphone.raw");
        Self { home }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.home.path().join(name)
    }

    fn env(&self, running: &Running) -> Vec<(String, String)> {
        let mut env = running.emulator().env_vars();
        env.push(("HOME".into(), self.home.path().display().to_string()));
        env
    }
}

fn arg(path: &Path) -> &str {
    path.to_str().expect("utf8 path")
}

fn samples(bytes: &[u8]) -> Vec<i16> {
    bytes
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect()
}

fn non_silent(samples: &[i16]) -> Vec<i16> {
    samples.iter().copied().filter(|&s| s != 0).collect()
}

/// Synthesize `text` as raw 16 kHz mono 16-bit PCM into `path`: what a microphone will "hear".
fn synthesize_16k(env: &[(String, String)], text: &str, path: &Path) {
    let (code, _, stderr) = azspeech(
        env,
        &["tts", text, "--format", "raw-16khz-16bit-mono-pcm", "-o", arg(path)],
    );
    assert_eq!(code, Some(0), "{stderr}");
}

#[test]
fn the_speaker_plays_exactly_the_synthesized_audio_in_order() {
    let running = Running::start(HostForm::Loopback, false);
    let card = FakeSoundCard::new();
    let env = card.env(&running);
    let said = card.path("said.wav");
    let text = "The speaker plays what the service says. Every sample, once, in order.";
    let (code, _, stderr) = azspeech(&env, &["tts", text, "--play", "-o", arg(&said)]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("playing on default (24000 Hz, 1 channel(s), i16)"),
        "the device takes the synthesis format as is: {stderr}"
    );
    let synthesized: Vec<i16> = hound::WavReader::open(&said)
        .expect("the file is written too")
        .samples::<i16>()
        .map(|s| s.expect("sample"))
        .collect();
    let played = samples(&std::fs::read(card.path("played.raw")).expect("ALSA wrote the played audio"));
    let expected = non_silent(&synthesized);
    assert!(expected.len() > 24_000, "about a second of speech at least");
    assert!(
        non_silent(&played) == expected,
        "played {} non-silent samples, synthesized {}",
        non_silent(&played).len(),
        expected.len()
    );
}

#[test]
fn play_without_output_writes_no_file_and_rejects_compressed_formats() {
    let running = Running::start(HostForm::Loopback, false);
    let card = FakeSoundCard::new();
    let env = card.env(&running);
    let workdir = tempfile::tempdir().expect("tempdir");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_azspeech"))
        .args(["tts", "Only the speaker hears this.", "--play"])
        .current_dir(workdir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AZSPEECH_CACHE_DIR", common::shared_cache_dir())
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .output()
        .expect("runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        !workdir.path().join("out.wav").exists(),
        "--play alone writes no out.wav"
    );
    let played = std::fs::read(card.path("played.raw")).expect("played");
    assert!(!non_silent(&samples(&played)).is_empty(), "something was played");

    let (code, _, stderr) = azspeech(
        &env,
        &[
            "tts",
            "Not PCM.",
            "--play",
            "--format",
            "audio-24khz-48kbitrate-mono-mp3",
        ],
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("--play plays PCM") && stderr.contains("riff-"),
        "{stderr}"
    );
}

#[test]
fn the_microphone_hears_a_sentence_and_recognition_stops_where_asked() {
    let running = Running::start(HostForm::Loopback, false);
    let card = FakeSoundCard::new();
    let env = card.env(&running);
    // What the microphone "hears": a synthesized sentence at 16 kHz; after the end of the file
    // the null device captures silence.
    let sentence = "Hello from the microphone.";
    synthesize_16k(&env, sentence, &card.path("microphone.raw"));

    let (code, stdout, stderr) = azspeech(&env, &["stt", "--mic", "--duration", "8"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stdout.trim(), sentence);
    assert!(
        stderr.contains("listening on default (16000 Hz, 1 channel(s), i16)"),
        "{stderr}"
    );

    let (code, stdout, stderr) = azspeech(&env, &["stt", "--mic", "--once", "--format", "json"]);
    assert_eq!(code, Some(0), "--once ends without a duration: {stderr}");
    let phrase: serde_json::Value = serde_json::from_str(stdout.trim()).expect("one JSON phrase");
    assert_eq!(phrase["text"], sentence);
    assert!(phrase["offset_ms"].as_u64().expect("offset") < 500, "{phrase}");

    // Only silence: recognition runs to the end of the duration and says "no match".
    std::fs::write(card.path("microphone.raw"), b"").expect("silence");
    let (code, stdout, stderr) = azspeech(&env, &["stt", "--mic", "--duration", "3"]);
    assert_eq!(code, Some(1), "no speech is exit 1: {stdout} {stderr}");
}

/// A microphone that speaks in real time: the fake card's capture file becomes a FIFO, fed 20 ms
/// at a time at real-time pace with half a second of silence, `sentence`, then silence until
/// dropped. alsa-lib opens the capture file each time cpal opens the device (to query it, then to
/// record), so the writer starts over whenever the reader goes away: the last reader, the
/// recording, hears the whole sequence from the start.
struct PacedMicrophone {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// Bytes written to the current reader.
    written: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    /// Bytes of silence and speech before the trailing silence.
    speech_end: usize,
}

/// 16 kHz mono 16-bit PCM.
const PCM_BYTES_PER_SECOND: usize = 32_000;

impl PacedMicrophone {
    fn start(card: &FakeSoundCard, env: &[(String, String)], sentence: &str) -> Self {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicBool, AtomicUsize};
        let speech = card.path("speech.raw");
        synthesize_16k(env, sentence, &speech);
        let mut audio = vec![0u8; PCM_BYTES_PER_SECOND / 2];
        audio.extend(std::fs::read(&speech).expect("speech"));
        let fifo = card.path("microphone.raw");
        std::fs::remove_file(&fifo).expect("remove the plain file");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo runs");
        assert!(made.success(), "mkfifo");
        let microphone = Self {
            stop: Arc::new(AtomicBool::new(false)),
            written: Arc::new(AtomicUsize::new(0)),
            speech_end: audio.len(),
        };
        let (stop, written) = (Arc::clone(&microphone.stop), Arc::clone(&microphone.written));
        std::thread::spawn(move || feed(&fifo, &audio, &stop, &written));
        microphone
    }

    /// Whether everything up to `seconds` after the sentence has been written.
    fn has_written_past_speech(&self, seconds: usize) -> bool {
        self.written.load(std::sync::atomic::Ordering::Relaxed) >= self.speech_end + seconds * PCM_BYTES_PER_SECOND
    }
}

impl Drop for PacedMicrophone {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

fn feed(path: &Path, audio: &[u8], stop: &std::sync::atomic::AtomicBool, written: &std::sync::atomic::AtomicUsize) {
    use std::io::Write;
    use std::sync::atomic::Ordering;
    use std::time::{Duration, Instant};
    const CHUNK: usize = 640; // 20 ms
    let silence = [0u8; CHUNK];
    'reopen: while !stop.load(Ordering::Relaxed) {
        // Blocks until a reader opens the FIFO.
        let Ok(mut fifo) = std::fs::OpenOptions::new().write(true).open(path) else {
            return;
        };
        let started = Instant::now();
        let mut sent = 0usize;
        written.store(0, Ordering::Relaxed);
        while !stop.load(Ordering::Relaxed) {
            let piece = audio.get(sent..(sent + CHUNK).min(audio.len())).unwrap_or(&silence[..]);
            let piece = if piece.is_empty() { &silence[..] } else { piece };
            if fifo.write_all(piece).is_err() {
                continue 'reopen;
            }
            sent += piece.len();
            written.store(sent, Ordering::Relaxed);
            let due = started + Duration::from_secs_f64(sent as f64 / PCM_BYTES_PER_SECOND as f64);
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
        }
    }
}

#[test]
fn a_microphone_delivering_in_real_time_is_recognized_as_it_speaks() {
    let running = Running::start(HostForm::Loopback, false);
    let card = FakeSoundCard::new();
    let env = card.env(&running);
    let sentence = "Speaking in real time.";
    let _microphone = PacedMicrophone::start(&card, &env, sentence);

    let (code, stdout, stderr) = azspeech(&env, &["stt", "--mic", "--once", "--format", "json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let phrase: serde_json::Value = serde_json::from_str(stdout.trim()).expect("one JSON phrase");
    assert_eq!(phrase["text"], sentence);
    let offset = phrase["offset_ms"].as_u64().expect("offset");
    assert!(
        (400..=700).contains(&offset),
        "speech starts after the half second of silence: {phrase}"
    );
}

/// The first Ctrl-C ends the recording, and what was recorded is still recognized and printed.
#[cfg(unix)]
#[test]
fn ctrl_c_stops_recording_and_keeps_what_was_heard() {
    use std::time::{Duration, Instant};
    let running = Running::start(HostForm::Loopback, false);
    let card = FakeSoundCard::new();
    let env = card.env(&running);
    let sentence = "Stop when I say so.";
    let microphone = PacedMicrophone::start(&card, &env, sentence);

    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_azspeech"))
        .args(["stt", "--mic"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AZSPEECH_CACHE_DIR", common::shared_cache_dir())
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("azspeech starts");
    // Wait (by what was written, not by the clock) until the sentence and 3 s of silence are in:
    // more than the FIFO's 64 KiB buffer, so the recording has heard the whole sentence.
    let give_up = Instant::now() + Duration::from_secs(120);
    while !microphone.has_written_past_speech(3) {
        assert!(Instant::now() < give_up, "the microphone was never read");
        assert!(
            child.try_wait().expect("poll").is_none(),
            "azspeech ended before Ctrl-C"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let interrupted = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(interrupted.success());
    // Bounded, so a broken stop fails the test instead of hanging it.
    let give_up = Instant::now() + Duration::from_secs(60);
    while child.try_wait().expect("poll").is_none() {
        if Instant::now() > give_up {
            let _ = child.kill();
            panic!("azspeech did not stop within 60 s of Ctrl-C");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output().expect("azspeech ends");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("stopping: recognizing what was recorded"), "{stderr}");
    assert_eq!(stdout.trim(), sentence, "{stderr}");
}

#[test]
fn missing_and_broken_devices_name_the_fix() {
    let running = Running::start(HostForm::Loopback, false);
    let card = FakeSoundCard::new();
    let env = card.env(&running);
    let (code, _, stderr) = azspeech(&env, &["stt", "--mic", "--device", "usb-headset-that-is-not-here"]);
    assert_eq!(code, Some(6), "{stderr}");
    for needle in ["usb-headset-that-is-not-here", "--device NAME", "arecord -L", "default"] {
        assert!(stderr.contains(needle), "{needle:?} missing from: {stderr}");
    }
    let (code, _, stderr) = azspeech(&env, &["tts", "Hello.", "--play", "--device", "no-speaker"]);
    assert_eq!(code, Some(6), "{stderr}");
    assert!(stderr.contains("aplay -L") && stderr.contains("no-speaker"), "{stderr}");

    // A default device that exists in the configuration but cannot be opened.
    std::fs::write(card.path(".asoundrc"), "pcm.!default { type hw card 97 }\n").expect("write");
    let (code, _, stderr) = azspeech(&env, &["stt", "--mic"]);
    assert_eq!(code, Some(6), "{stderr}");
    assert!(stderr.contains("azspeech stt:") && stderr.contains("Fix:"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
