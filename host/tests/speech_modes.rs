//! `azspeech tts`, `stt` and `voices` against the emulator in every auth mode: key, STS, Entra on
//! a custom domain (raw bearer for STT, `aad#` for TTS), and `aad#` on regional hosts, with
//! managed identity and a service principal from the real `azure_identity` crate. Custom-domain
//! and regional modes use the real `https`/`wss` URLs, sent to the emulator with --connect-to and
//! its test CA. Nothing leaves loopback.

mod common;

use azspeech_host::spoken_words;
use std::path::Path;

use azspeech_emulator::HostForm;
use common::emulator::{Running, azspeech};
use common::fixture::{with, without};

const SENTENCE: &str = "Every auth mode reaches the same voice.";

/// tts → WAV → stt and voices, all in one mode; checks doctor's view of the mode too.
fn round_trip(env: &[(String, String)], expect_auth: &str, expect_tts_token: &str, dir: &Path) {
    let (code, stdout, stderr) = azspeech(env, &["doctor", "--json"]);
    assert_eq!(code, Some(0), "doctor: {stdout}\n{stderr}");
    let doctor: serde_json::Value = serde_json::from_str(&stdout).expect("doctor --json is JSON");
    assert_eq!(doctor["auth"], expect_auth, "{doctor}");
    assert_eq!(doctor["tts_token_format"], expect_tts_token, "{doctor}");

    let wav = dir.join(format!("{expect_auth}-{expect_tts_token}.wav"));
    let (code, _, stderr) = azspeech(env, &["tts", SENTENCE, "-o", wav.to_str().expect("utf8")]);
    assert_eq!(code, Some(0), "tts: {stderr}");
    let (code, stdout, stderr) = azspeech(env, &["stt", wav.to_str().expect("utf8")]);
    assert_eq!(code, Some(0), "stt: {stderr}");
    assert_eq!(spoken_words(&stdout), spoken_words(SENTENCE), "stt heard: {stdout}");

    let (code, stdout, stderr) = azspeech(env, &["voices", "--json"]);
    assert_eq!(code, Some(0), "voices: {stderr}");
    let voices: serde_json::Value = serde_json::from_str(&stdout).expect("voices --json is JSON");
    assert!(voices.as_array().is_some_and(|v| !v.is_empty()), "{voices}");
}

#[test]
fn key_and_sts_on_loopback() {
    let running = Running::start(HostForm::Loopback, false);
    let dir = tempfile::tempdir().expect("tempdir");
    let env = running.emulator().env_vars();
    round_trip(&env, "key", "none", dir.path());
    round_trip(&with(env, "SPEECH_AUTH", "sts"), "sts", "raw", dir.path());
}

#[test]
fn entra_managed_identity_on_the_custom_domain_over_tls() {
    let running = Running::start(HostForm::CustomDomain, true);
    let dir = tempfile::tempdir().expect("tempdir");
    let emulator = running.emulator();
    let mut env = without(
        emulator.env_vars(),
        &["SPEECH_KEY", "SPEECH_KEY_SECONDARY", "SPEECH_REGION"],
    );
    env.extend(emulator.managed_identity_env_vars(false));
    env.push(("SPEECH_CREDENTIAL".into(), "managed-identity".into()));
    assert!(
        env.iter()
            .any(|(k, v)| k == "SPEECH_ENDPOINT" && v.starts_with("https://contoso-speech.cognitiveservices"))
    );
    // STT sends the raw Entra token; TTS and voices send aad#{resource id}#{token}.
    round_trip(&env, "entra", "aad", dir.path());
}

#[test]
fn entra_service_principal_with_aad_tokens_on_regional_hosts_over_tls() {
    let running = Running::start(HostForm::RegionalStt, true);
    let dir = tempfile::tempdir().expect("tempdir");
    let emulator = running.emulator();
    let env = common::emulator::service_principal_env(emulator, "SPEECH_ENDPOINT");
    round_trip(&env, "entra", "aad", dir.path());
}

#[test]
fn a_wrong_key_is_an_authentication_error_with_the_likely_cause() {
    let running = Running::start(HostForm::Loopback, false);
    // No secondary key to fail over to (the failover is `tests/resilience.rs`'s).
    let env = with(
        without(running.emulator().env_vars(), &["SPEECH_KEY_SECONDARY"]),
        "SPEECH_KEY",
        "0123456789abcdef0123456789abcdef",
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let wav = dir.path().join("x.wav");
    let (code, _, stderr) = azspeech(&env, &["tts", "hello", "-o", wav.to_str().expect("utf8")]);
    assert_eq!(code, Some(3), "{stderr}");
    assert!(stderr.contains("401") && stderr.contains("authentication"), "{stderr}");
    assert!(!wav.exists(), "no output file after a failed synthesis");
    let (code, stdout, stderr) = azspeech(&env, &["doctor", "--probe"]);
    assert_eq!(code, Some(3), "{stdout}{stderr}");
    assert!(stdout.contains("HTTP 401"), "{stdout}");
}

#[test]
fn entra_workload_identity_from_a_federated_token_file() {
    let running = Running::start(HostForm::CustomDomain, true);
    let dir = tempfile::tempdir().expect("tempdir");
    let emulator = running.emulator();
    let token_file = dir.path().join("federated-token");
    std::fs::write(&token_file, "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ3b3JrbG9hZCJ9.c2ln").expect("write");
    let mut env = without(
        emulator.env_vars(),
        &["SPEECH_KEY", "SPEECH_KEY_SECONDARY", "SPEECH_REGION"],
    );
    env.extend(without(emulator.service_principal_env_vars(), &["AZURE_CLIENT_SECRET"]));
    env.push(("AZURE_FEDERATED_TOKEN_FILE".into(), token_file.display().to_string()));
    env.push(("SPEECH_CREDENTIAL".into(), "workload-identity".into()));
    round_trip(&env, "entra", "aad", dir.path());
}

#[test]
fn doctor_probe_explains_a_403_from_an_identity_without_the_speech_role() {
    // An identity without the Speech role: the token is fine, the service says 403.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("rt");
    let config = azspeech_emulator::EmulatorConfig::new()
        .verbosity(azspeech_emulator::Verbosity::Quiet)
        .role_assigned(false);
    let emulator = runtime
        .block_on(azspeech_emulator::Emulator::start(config))
        .expect("emulator");
    let mut env = without(emulator.env_vars(), &["SPEECH_KEY", "SPEECH_KEY_SECONDARY"]);
    env.extend(emulator.managed_identity_env_vars(false));
    env.push(("SPEECH_CREDENTIAL".into(), "managed-identity".into()));
    let (code, stdout, stderr) = azspeech(&env, &["doctor", "--probe"]);
    assert_eq!(code, Some(3), "{stdout}{stderr}");
    assert!(
        stdout.contains("HTTP 403") && stdout.contains("Cognitive Services Speech User"),
        "{stdout}"
    );
    runtime.block_on(emulator.shutdown());
}
