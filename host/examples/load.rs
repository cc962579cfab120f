//! Load: N concurrent sessions from one process and one loaded core, through the public library
//! API only. Half the sessions recognize a one-minute recording (kept in memory, shared), half
//! synthesize a paragraph; every round starts all N at once and waits for all of them.
//!
//! ```sh
//! export SPEECH_ENDPOINT=... SPEECH_KEY=...     # e.g. from `azspeech emulator --ready-file`
//! cargo run --release -p azspeech-host --example load -- --sessions 1000 --rounds 3
//! ```
//!
//! Per round it prints one line (wall time, p50 / p99 time to the first result and to completion,
//! errors, wrong results, resident memory after the round); at the end one `summary:` line of
//! JSON (peak RSS, RSS per session, CPU, the emulator's own CPU and peak RSS with
//! `--emulator-pid`) for `scripts/bench.sh`. A first result is the first recognized phrase (STT)
//! or the first audio chunk (TTS). A result is correct when the recognized words are the words of
//! the recording, and when the synthesized audio has the length of a reference synthesis made
//! before the rounds. It exits non-zero unless every session succeeded with a correct result.
//!
//! Memory and CPU are read from `/proc` (Linux); elsewhere they print as 0.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;

use azspeech_host::core_runtime::{RecognitionEvent, RecognitionOptions, RecognitionStatus, SynthesisOptions};
use azspeech_host::speech::recognize::PcmBuffer;
use azspeech_host::{Speech, SpeechInput, SynthesisOutput, spoken_words};

/// The sentences of the recording, in order, each followed by a second of silence.
const SENTENCES: &[&str] = &[
    "The quick brown fox jumps over the lazy dog.",
    "Every session shares one loaded core.",
    "Concurrent requests keep their own state.",
];

/// What the TTS sessions synthesize.
const PARAGRAPH: &str = "Azure AI Speech turns text into natural sounding audio. This paragraph is long enough to \
     show how quickly the first audio arrives, and how long the whole synthesis takes.";

/// Raw 16-kHz PCM, so synthesized audio can be concatenated into the recording.
const PCM_FORMAT: &str = "raw-16khz-16bit-mono-pcm";
const BYTES_PER_SECOND: usize = 32_000;

/// Command-line options.
struct Options {
    sessions: usize,
    rounds: usize,
    recording_seconds: usize,
    emulator_pid: Option<u32>,
}

impl Options {
    fn parse() -> Result<Self, String> {
        let mut options = Options {
            sessions: 20,
            rounds: 1,
            recording_seconds: 60,
            emulator_pid: None,
        };
        let mut args = std::env::args().skip(1);
        while let Some(flag) = args.next() {
            let mut value = || {
                args.next()
                    .ok_or_else(|| format!("{flag} needs a value"))?
                    .parse::<usize>()
                    .map_err(|e| format!("{flag}: {e}"))
            };
            match flag.as_str() {
                "--sessions" => options.sessions = value()?,
                "--rounds" => options.rounds = value()?,
                "--recording-seconds" => options.recording_seconds = value()?,
                "--emulator-pid" => {
                    options.emulator_pid = Some(u32::try_from(value()?).map_err(|e| format!("--emulator-pid: {e}"))?);
                }
                _ => {
                    return Err(format!(
                        "unknown argument {flag}; use --sessions N --rounds N --recording-seconds N --emulator-pid PID"
                    ));
                }
            }
        }
        if options.sessions == 0 || options.rounds == 0 || options.recording_seconds == 0 {
            return Err("--sessions, --rounds and --recording-seconds must be at least 1".to_owned());
        }
        Ok(options)
    }
}

fn pcm_options() -> SynthesisOptions {
    SynthesisOptions {
        output_format: PCM_FORMAT.to_owned(),
        ..SynthesisOptions::default()
    }
}

/// What one session measured.
struct Outcome {
    first_result: Option<Duration>,
    done: Duration,
    correct: bool,
}

/// Synthesize `text` to PCM in memory, honouring `Discard` after a reconnect; the time of the
/// first audio chunk.
async fn synthesize(speech: &Speech, text: &str, start: Instant) -> Result<(Vec<u8>, Option<Duration>), String> {
    let mut pcm = Vec::new();
    let mut first = None;
    let mut stream = speech.synthesize(SpeechInput::Text(text.to_owned()), pcm_options());
    while let Some(output) = stream.next().await {
        match output.map_err(|e| e.to_string())? {
            SynthesisOutput::Audio(bytes) => {
                first.get_or_insert_with(|| start.elapsed());
                pcm.extend_from_slice(&bytes);
            }
            SynthesisOutput::Discard { from } => pcm.truncate(usize::try_from(from).unwrap_or(usize::MAX)),
            SynthesisOutput::Event(_) => {}
        }
    }
    Ok((pcm, first))
}

async fn tts_session(speech: Speech, expected_bytes: usize, start: Instant) -> Result<Outcome, String> {
    let (pcm, first_result) = synthesize(&speech, PARAGRAPH, start).await?;
    Ok(Outcome {
        first_result,
        done: start.elapsed(),
        correct: pcm.len() == expected_bytes,
    })
}

async fn stt_session(
    speech: Speech,
    recording: PcmBuffer,
    expected: Arc<Vec<String>>,
    start: Instant,
) -> Result<Outcome, String> {
    let mut events = speech.recognize(recording, RecognitionOptions::default());
    let mut first_result = None;
    let mut heard = Vec::new();
    while let Some(event) = events.next().await {
        match event.map_err(|e| e.to_string())? {
            RecognitionEvent::Phrase(phrase) => {
                first_result.get_or_insert_with(|| start.elapsed());
                if phrase.status == RecognitionStatus::Success {
                    heard.extend(spoken_words(&phrase.text));
                }
            }
            RecognitionEvent::Finished(_) => break,
            _ => {}
        }
    }
    Ok(Outcome {
        first_result,
        done: start.elapsed(),
        correct: heard == *expected,
    })
}

/// The one-minute recording: the sentences, each synthesized once, with a second of silence
/// after each, repeated to the length; and the words it says.
async fn recording(speech: &Speech, seconds: usize) -> Result<(Vec<u8>, Vec<String>), String> {
    let mut spoken = Vec::new();
    for sentence in SENTENCES {
        let (mut pcm, _) = synthesize(speech, sentence, Instant::now()).await?;
        pcm.resize(pcm.len() + BYTES_PER_SECOND, 0);
        spoken.push(pcm);
    }
    let (mut pcm, mut expected) = (Vec::new(), Vec::new());
    let mut i = 0;
    while pcm.len() < seconds * BYTES_PER_SECOND {
        pcm.extend_from_slice(&spoken[i % spoken.len()]);
        expected.extend(spoken_words(SENTENCES[i % SENTENCES.len()]));
        i += 1;
    }
    Ok((pcm, expected))
}

/// Resident memory now and at its peak (`VmRSS`, `VmHWM`), in KiB, of `pid` or this process.
fn memory_kib(pid: Option<u32>) -> (u64, u64) {
    let path = pid.map_or_else(|| "/proc/self/status".to_owned(), |p| format!("/proc/{p}/status"));
    let status = std::fs::read_to_string(path).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// CPU time (user + system) of `pid` or this process, from `/proc/<pid>/stat` (in clock ticks of
/// 1/100 s, Linux's fixed `USER_HZ`).
fn cpu_seconds(pid: Option<u32>) -> f64 {
    let path = pid.map_or_else(|| "/proc/self/stat".to_owned(), |p| format!("/proc/{p}/stat"));
    let stat = std::fs::read_to_string(path).unwrap_or_default();
    // Fields after the command name (which is in parentheses and may contain spaces).
    let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of the line; 12 and 13 after the name and state.
    (ticks(11) + ticks(12)) / 100.0
}

/// The `q`-quantile (0..=1) of sorted `values`, in milliseconds.
fn quantile_ms(sorted: &[Duration], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1].as_secs_f64() * 1000.0
}

/// One round's figures.
struct Round {
    wall: Duration,
    first: Vec<Duration>,
    done: Vec<Duration>,
    errors: usize,
    wrong: usize,
    rss_after_kib: u64,
}

async fn round(
    speech: &Speech,
    sessions: usize,
    recording: &PcmBuffer,
    expected: &Arc<Vec<String>>,
    tts_bytes: usize,
) -> Round {
    let start = Instant::now();
    let tasks: Vec<_> = (0..sessions)
        .map(|i| {
            let speech = speech.clone();
            if i % 2 == 0 {
                tokio::spawn(stt_session(speech, recording.clone(), expected.clone(), start))
            } else {
                tokio::spawn(tts_session(speech, tts_bytes, start))
            }
        })
        .collect();
    let mut result = Round {
        wall: Duration::ZERO,
        first: Vec::new(),
        done: Vec::new(),
        errors: 0,
        wrong: 0,
        rss_after_kib: 0,
    };
    for (i, task) in futures_util::future::join_all(tasks).await.into_iter().enumerate() {
        let kind = if i % 2 == 0 { "stt" } else { "tts" };
        match task.map_err(|e| e.to_string()).and_then(|outcome| outcome) {
            Ok(outcome) => {
                result.first.extend(outcome.first_result);
                result.done.push(outcome.done);
                if !outcome.correct || outcome.first_result.is_none() {
                    result.wrong += 1;
                    eprintln!("session {i} ({kind}): wrong result");
                }
            }
            Err(error) => {
                result.errors += 1;
                eprintln!("session {i} ({kind}): {error}");
            }
        }
    }
    result.wall = start.elapsed();
    result.first.sort();
    result.done.sort();
    result.rss_after_kib = memory_kib(None).0;
    result
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let options = Options::parse()?;
    let speech = Speech::from_env()?;

    // Before the rounds: the recording, the reference synthesis, and one warm-up of each kind
    // (so the rounds measure sessions, not the first use of the core).
    let (pcm, expected) = recording(&speech, options.recording_seconds).await?;
    let recording_seconds = pcm.len() as f64 / BYTES_PER_SECOND as f64;
    let (reference, _) = synthesize(&speech, PARAGRAPH, Instant::now()).await?;
    let (recording, expected) = (PcmBuffer::new(pcm, 16_000), Arc::new(expected));
    let warm = round(&speech, 2, &recording, &expected, reference.len()).await;
    if warm.errors + warm.wrong > 0 {
        return Err("the warm-up sessions failed (see above)".into());
    }

    let (rss_before_kib, _) = memory_kib(None);
    let cpu_before = cpu_seconds(None);
    let emulator_cpu_before = options.emulator_pid.map(|pid| cpu_seconds(Some(pid)));
    let started = Instant::now();
    println!(
        "{} sessions ({} STT of {recording_seconds:.1} s, {} TTS of {} characters), {} round(s); RSS before: {:.1} MB",
        options.sessions,
        options.sessions.div_ceil(2),
        options.sessions / 2,
        PARAGRAPH.len(),
        options.rounds,
        rss_before_kib as f64 / 1024.0
    );
    let mut rounds = Vec::new();
    for n in 1..=options.rounds {
        let r = round(&speech, options.sessions, &recording, &expected, reference.len()).await;
        println!(
            "round {n}: wall {:.2} s; first result p50 {:.0} ms p99 {:.0} ms; done p50 {:.0} ms p99 {:.0} ms; errors {}, wrong {}; RSS after {:.1} MB",
            r.wall.as_secs_f64(),
            quantile_ms(&r.first, 0.5),
            quantile_ms(&r.first, 0.99),
            quantile_ms(&r.done, 0.5),
            quantile_ms(&r.done, 0.99),
            r.errors,
            r.wrong,
            r.rss_after_kib as f64 / 1024.0
        );
        rounds.push(r);
    }
    let wall = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds(None) - cpu_before;
    let (_, peak_kib) = memory_kib(None);
    let errors: usize = rounds.iter().map(|r| r.errors).sum();
    let wrong: usize = rounds.iter().map(|r| r.wrong).sum();
    let audio_hours = (options.sessions.div_ceil(2) * options.rounds) as f64 * recording_seconds / 3600.0;
    let emulator = options.emulator_pid.map(|pid| {
        let cpu = cpu_seconds(Some(pid)) - emulator_cpu_before.unwrap_or(0.0);
        let (_, peak) = memory_kib(Some(pid));
        serde_json::json!({"cpu_s": cpu, "peak_rss_mb": peak as f64 / 1024.0})
    });
    let mb = |kib: u64| kib as f64 / 1024.0;
    let first = rounds.first();
    let last = rounds.last();
    let summary = serde_json::json!({
        "sessions": options.sessions,
        "rounds": options.rounds,
        "wall_s": wall,
        "cpu_s": cpu,
        "cpu_s_per_audio_hour": if audio_hours > 0.0 { cpu / audio_hours } else { 0.0 },
        "rss_before_mb": mb(rss_before_kib),
        "peak_rss_mb": mb(peak_kib),
        "rss_per_session_kb": peak_kib.saturating_sub(rss_before_kib) as f64 / options.sessions as f64,
        "rss_after_first_round_mb": first.map_or(0.0, |r| mb(r.rss_after_kib)),
        "rss_after_last_round_mb": last.map_or(0.0, |r| mb(r.rss_after_kib)),
        "first_result_p50_ms": first.map_or(0.0, |r| quantile_ms(&r.first, 0.5)),
        "first_result_p99_ms": first.map_or(0.0, |r| quantile_ms(&r.first, 0.99)),
        "done_p50_ms": first.map_or(0.0, |r| quantile_ms(&r.done, 0.5)),
        "done_p99_ms": first.map_or(0.0, |r| quantile_ms(&r.done, 0.99)),
        "errors": errors,
        "wrong": wrong,
        "correct": options.sessions * options.rounds - errors - wrong,
        "emulator": emulator,
    });
    println!("summary: {summary}");
    if errors + wrong > 0 {
        std::process::exit(1);
    }
    Ok(())
}
