//! Sessions that survive the field, end to end: `azspeech stt` and `tts` against the emulator
//! with connections dropped mid-stream, a wrong primary key, and fatal closes. What the user
//! gets must equal the unbroken run.

mod common;

use std::path::Path;

use azspeech_emulator::{Fault, FaultAction, FaultTarget, HostForm, Storm, StormAction, Trigger};
use common::audio::{joined, synthesized_pcm, write_wav};
use common::emulator::{Running, azspeech};

const SENTENCES: [&str; 4] = [
    "The quick brown fox jumps over the lazy dog.",
    "Azure speech works offline with the emulator.",
    "Every utterance arrives in order with its offset.",
    "Dropped connections lose nothing at all.",
];

/// The sentences synthesized once, then `repeats` rounds of them joined with a second of
/// silence between utterances.
fn long_file(env: &[(String, String)], dir: &Path, repeats: usize) -> std::path::PathBuf {
    let pcm = synthesized_pcm(env, dir, &SENTENCES);
    let order = (0..repeats).flat_map(|_| 0..SENTENCES.len());
    write_wav(&dir.join("long.wav"), 16_000, 1, &joined(&pcm, order))
}

/// Recognized phrases as (text, offset, duration) from `stt --format json`.
fn phrases(stdout: &str) -> Vec<(String, u64, u64)> {
    stdout
        .lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).expect("json line");
            (
                value["text"].as_str().expect("text").to_owned(),
                value["offset"].as_u64().expect("offset"),
                value["duration"].as_u64().expect("duration"),
            )
        })
        .collect()
}

fn stt_json(env: &[(String, String)], file: &Path) -> (Option<i32>, String, String) {
    azspeech(env, &["stt", file.to_str().expect("utf8"), "--format", "json"])
}

fn drop_faults() -> Vec<Fault> {
    vec![
        Fault::new(
            FaultAction::Abort {
                after: Trigger::ReceivedFrames(30),
            },
            FaultTarget::Stt,
        )
        .first(3),
        Fault::new(
            FaultAction::Close {
                after: Trigger::ReceivedFrames(70),
                code: 1011,
                reason: "Internal server error".into(),
            },
            FaultTarget::Stt,
        )
        .first(5),
        Fault::new(
            FaultAction::Close {
                after: Trigger::SentFrames(12),
                code: 1001,
                reason: "Going away".into(),
            },
            FaultTarget::Stt,
        )
        .first(7),
    ]
}

/// A multi-utterance file with seven dropped connections (TCP aborts, 1011 and 1001 closes at
/// different places): the same phrases, offsets and durations as without drops, and exit 0.
#[test]
fn stt_under_drops_prints_exactly_the_unbroken_transcript() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clean = Running::start(HostForm::Loopback, false);
    let clean_env = clean.emulator().env_vars();
    let file = long_file(&clean_env, dir.path(), 2);
    let (code, unbroken, stderr) = stt_json(&clean_env, &file);
    assert_eq!(code, Some(0), "{stderr}");
    let expected = phrases(&unbroken);
    assert_eq!(expected.len(), 2 * SENTENCES.len(), "{unbroken}");

    // An emulator recognizes what it synthesized itself: make the same file again in the
    // faulty one (its faults are on STT only).
    let faulty = Running::with(HostForm::Loopback, false, |mut config| {
        for fault in drop_faults() {
            config = config.fault(fault);
        }
        config
    });
    let faulty_env = faulty.emulator().env_vars();
    let faulty_file = long_file(&faulty_env, dir.path(), 2);
    let (code, broken, stderr) = stt_json(&faulty_env, &faulty_file);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(phrases(&broken), expected, "stderr: {stderr}");
    let closes: Vec<Option<u16>> = faulty
        .emulator()
        .request_log()
        .iter()
        .filter(|r| r.path.contains("/speech/") && r.status == 101)
        .map(|r| r.close_code)
        .collect();
    let dropped = closes.iter().filter(|c| matches!(c, Some(1006 | 1011 | 1001))).count();
    assert!(dropped >= 5, "connections dropped on the way: {closes:?}");
    assert!(
        closes.contains(&Some(1006)) && closes.contains(&Some(1011)),
        "{closes:?}"
    );
}

/// A storm of at least 100 mixed faults (aborts, 1000/1001/1011 closes, truncated frames,
/// 503 and refused upgrades) over one long recognition: still exactly the unbroken transcript.
#[test]
fn stt_under_a_storm_of_a_hundred_drops_prints_exactly_the_unbroken_transcript() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clean = Running::start(HostForm::Loopback, false);
    let clean_env = clean.emulator().env_vars();
    // 160 utterances, about ten minutes of audio.
    let file = long_file(&clean_env, dir.path(), 40);
    let (code, unbroken, stderr) = stt_json(&clean_env, &file);
    assert_eq!(code, Some(0), "{stderr}");
    let expected = phrases(&unbroken);
    assert_eq!(expected.len(), 40 * SENTENCES.len(), "{unbroken}");
    let storm = Storm {
        probability: 1.0,
        actions: vec![
            StormAction::Abort,
            StormAction::Close(1011),
            StormAction::Close(1001),
            StormAction::Close(1000),
            StormAction::TruncatedFrame,
            StormAction::Http(503),
            StormAction::Refuse,
        ],
        max_after_received_frames: 80,
        ..Storm::new(7, FaultTarget::Stt, 100)
    };
    let faulty = Running::with(HostForm::Loopback, false, |config| config.storm(storm));
    let faulty_env = faulty.emulator().env_vars();
    let faulty_file = long_file(&faulty_env, dir.path(), 40);
    let (code, broken, stderr) = stt_json(&faulty_env, &faulty_file);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(phrases(&broken), expected);
    let stats = faulty.emulator().stats();
    assert_eq!(stats.faults_injected, 100, "{stats:?}");
}

/// A wrong `SPEECH_KEY` with the right `SPEECH_KEY_SECONDARY`: recognition succeeds, with a
/// warning that names the secondary key.
#[test]
fn a_wrong_primary_key_fails_over_to_the_secondary_with_a_warning() {
    let dir = tempfile::tempdir().expect("tempdir");
    let running = Running::start(HostForm::Loopback, false);
    let env = running.emulator().env_vars();
    let file = long_file(&env, dir.path(), 1);
    let right = env
        .iter()
        .find(|(name, _)| name == "SPEECH_KEY")
        .expect("key")
        .1
        .clone();
    let rotated: Vec<(String, String)> = env
        .iter()
        .filter(|(name, _)| name != "SPEECH_KEY")
        .cloned()
        .chain([
            ("SPEECH_KEY".to_owned(), "0123456789abcdef0123456789abcdef".to_owned()),
            ("SPEECH_KEY_SECONDARY".to_owned(), right.clone()),
        ])
        .collect();
    let (code, stdout, stderr) = stt_json(&rotated, &file);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(phrases(&stdout).len(), SENTENCES.len(), "{stdout}");
    assert!(
        stderr.contains("SPEECH_KEY_SECONDARY was accepted"),
        "the warning names the key that worked: {stderr}"
    );
    assert!(
        !stderr.contains(&right) && !stdout.contains(&right),
        "no key in the output"
    );
    // TTS the same way.
    let out = dir.path().join("t.wav");
    let (code, _, stderr) = azspeech(&rotated, &["tts", "Rotated keys.", "-o", out.to_str().expect("utf8")]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("SPEECH_KEY_SECONDARY was accepted"), "{stderr}");
}

/// TTS whose first two connections drop in the middle of the audio: the file is identical to
/// the unbroken run's (no torn or doubled sentence).
#[test]
fn tts_under_drops_writes_the_same_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = SENTENCES.join(" ");
    let synthesize = |env: &[(String, String)], name: &str| {
        let out = dir.path().join(name);
        let (code, _, stderr) = azspeech(
            env,
            &[
                "tts",
                &text,
                "--format",
                "riff-16khz-16bit-mono-pcm",
                "-o",
                out.to_str().expect("utf8"),
            ],
        );
        assert_eq!(code, Some(0), "{stderr}");
        std::fs::read(out).expect("read")
    };
    let clean = Running::start(HostForm::Loopback, false);
    let unbroken = synthesize(&clean.emulator().env_vars(), "clean.wav");
    let faulty = Running::with(HostForm::Loopback, false, |config| {
        config
            .fault(
                Fault::new(
                    FaultAction::Abort {
                        after: Trigger::SentBytes(20_000),
                    },
                    FaultTarget::Tts,
                )
                .first(1),
            )
            .fault(
                Fault::new(
                    FaultAction::Close {
                        after: Trigger::SentFrames(6),
                        code: 1011,
                        reason: "Internal server error".into(),
                    },
                    FaultTarget::Tts,
                )
                .first(2),
            )
    });
    let broken = synthesize(&faulty.emulator().env_vars(), "broken.wav");
    assert!(unbroken.len() > 40_000, "{}", unbroken.len());
    assert_eq!(broken.len(), unbroken.len(), "same length");
    assert!(broken == unbroken, "byte-identical audio");
}

/// A fatal close ends the run at once with the raw code, the cause and what was tried.
#[test]
fn a_fatal_close_names_the_code_and_the_attempts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clean = Running::start(HostForm::Loopback, false);
    let file = long_file(&clean.emulator().env_vars(), dir.path(), 1);
    let faulty = Running::with(HostForm::Loopback, false, |config| {
        config.fault(Fault::new(
            FaultAction::Close {
                after: Trigger::ReceivedFrames(10),
                code: 1007,
                reason: "Incorrect message format.".into(),
            },
            FaultTarget::Stt,
        ))
    });
    let (code, _, stderr) = stt_json(&faulty.emulator().env_vars(), &file);
    assert_ne!(code, Some(0), "{stderr}");
    assert!(stderr.contains("1007"), "{stderr}");
    assert!(stderr.contains("tried 1 connection attempt"), "{stderr}");
    assert_eq!(
        faulty
            .emulator()
            .request_log()
            .iter()
            .filter(|r| r.path.contains("/speech/"))
            .count(),
        1,
        "no retry of a fatal close"
    );
}

/// Environment for Entra through managed identity on the emulator's custom domain over TLS.
fn managed_identity_env(running: &Running) -> Vec<(String, String)> {
    let emulator = running.emulator();
    let mut env: Vec<(String, String)> = emulator
        .env_vars()
        .into_iter()
        .filter(|(name, _)| !matches!(name.as_str(), "SPEECH_KEY" | "SPEECH_KEY_SECONDARY" | "SPEECH_REGION"))
        .collect();
    env.extend(emulator.managed_identity_env_vars(false));
    env.push(("SPEECH_CREDENTIAL".into(), "managed-identity".into()));
    env
}

/// A 5-minute file sent at 4 × real time (75 s) over connections that live 20 s, with Entra
/// tokens that live 60 s: azspeech moves to a fresh connection at a phrase boundary before
/// the emulator would end it, fetches a token for every connection, never presents an
/// expired one, and prints exactly the transcript of the unbroken run.
#[test]
fn a_long_paced_session_rotates_before_the_lifetime_and_never_presents_an_expired_token() {
    let dir = tempfile::tempdir().expect("tempdir");
    let running = Running::with(HostForm::CustomDomain, true, |config| {
        config
            .max_connection(Some(std::time::Duration::from_secs(20)))
            .token_lifetime(std::time::Duration::from_secs(60))
    });
    let env = managed_identity_env(&running);
    let file = long_file(&env, dir.path(), 19);
    let (code, unbroken, stderr) = stt_json(&env, &file);
    assert_eq!(code, Some(0), "{stderr}");
    let expected = phrases(&unbroken);
    assert_eq!(expected.len(), 19 * SENTENCES.len(), "{unbroken}");
    let before = running.emulator().stats();

    let mut paced = env.clone();
    paced.push(("AZSPEECH_MAX_CONNECTION_SECS".into(), "20".into()));
    let (code, stdout, stderr) = azspeech(
        &paced,
        &["stt", file.to_str().expect("utf8"), "--format", "json", "--pace", "4"],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(phrases(&stdout), expected);
    let after = running.emulator().stats();
    assert_eq!(after.expired_tokens_presented, 0, "{after:?}");
    assert_eq!(after.unauthorized, before.unauthorized, "{after:?}");
    assert_eq!(
        after.lifetime_closes, 0,
        "azspeech rotated before the emulator's limit: {after:?}"
    );
    let connections = after.stt_connections - before.stt_connections;
    assert!(connections >= 4, "75 s over connections of at most 20 s: {connections}");
    let token_fetches = running
        .emulator()
        .request_log()
        .iter()
        .filter(|r| r.path.contains("/msi/token"))
        .count();
    assert!(token_fetches >= 4 + 2, "a token for every connection: {token_fetches}");
}

/// The same file at 20 × real time over connections the emulator ends after 2 s, without
/// telling azspeech the lifetime: every forced close is recovered from without loss.
#[test]
fn connections_ended_by_the_service_lifetime_lose_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let running = Running::with(HostForm::Loopback, false, |config| {
        config.max_connection(Some(std::time::Duration::from_secs(2)))
    });
    let env = running.emulator().env_vars();
    let file = long_file(&env, dir.path(), 19);
    let (code, unbroken, stderr) = stt_json(&env, &file);
    assert_eq!(code, Some(0), "{stderr}");
    let expected = phrases(&unbroken);
    assert_eq!(expected.len(), 19 * SENTENCES.len());
    let (code, stdout, stderr) = azspeech(
        &env,
        &["stt", file.to_str().expect("utf8"), "--format", "json", "--pace", "20"],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(phrases(&stdout), expected);
    let stats = running.emulator().stats();
    assert!(stats.lifetime_closes >= 5, "15 s over 2-s connections: {stats:?}");
}
