//! `azspeech batch` against the emulator's batch transcription, with audio on a loopback storage
//! server that records every request: submit / wait / status / results (golden files for every
//! format) / list / delete with a key; a container with a destination container and
//! diarization; STS and Entra on a custom domain over TLS; an unreachable content URL; 429 with
//! `Retry-After`. Result files are fetched from storage without the Speech key or token (the
//! emulator's result URLs refuse a request that carries one, and the storage server records
//! headers), and the SAS `sig` never appears in output.

mod common;

use azspeech_emulator::{Fault, FaultTarget, HostForm};
use azspeech_host::spoken_words;
use common::audio::{joined, synthesized_pcm_in_voices, write_wav};
use common::emulator::{Running, azspeech};
use common::fixture::{fixtures, path, read, source, transcript};
use common::storage::Storage;

const SIG: &str = "sentinelSASsig%2Babc%3D";

fn emulator(form: HostForm, tls: bool) -> Running {
    Running::with(form, tls, |config| {
        config.fixture_file(source(), transcript()).batch_timing(
            std::time::Duration::from_millis(300),
            std::time::Duration::from_millis(300),
        )
    })
}

fn assert_no_sig(output: &str) {
    assert!(
        !output.contains("sentinelSASsig"),
        "the SAS signature leaked:\n{output}"
    );
}

/// Submit, wait, and return the job id; asserts success and a clean output.
fn submit_and_wait(env: &[(String, String)], args: &[&str]) -> String {
    let mut submit = vec!["batch", "submit"];
    submit.extend_from_slice(args);
    let (code, stdout, stderr) = azspeech(env, &submit);
    assert_eq!(code, Some(0), "{stderr}");
    assert_no_sig(&format!("{stdout}{stderr}"));
    let id = stdout.trim().to_owned();
    assert_eq!(id.len(), 36, "the id on stdout: {stdout}");
    let (code, stdout, stderr) = azspeech(env, &["batch", "wait", &id]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stdout.contains(&id) && stdout.contains("Succeeded"), "{stdout}");
    assert!(
        stderr.contains("Running") || stderr.contains("NotStarted"),
        "progress: {stderr}"
    );
    id
}

#[test]
fn submit_wait_results_list_and_delete_with_a_key() {
    let running = emulator(HostForm::Loopback, false);
    let env = running.emulator().env_vars();
    let storage = Storage::start(SIG, "/public/");
    storage.put("/audio/source.wav", std::fs::read(source()).expect("read"));
    let url = storage.sas_url("/audio/source.wav", "r");
    let id = submit_and_wait(&env, &[&url, "--locale", "en-US", "--name", "fixture"]);
    assert!(
        storage
            .requests()
            .iter()
            .any(|r| r.path == "/audio/source.wav" && r.query.contains(&format!("sig={SIG}"))),
        "the service got the real signature"
    );
    let (code, stdout, stderr) = azspeech(&env, &["batch", "status", &id]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stdout.starts_with(&format!("{id}\tSucceeded\t")) && stdout.contains("fixture"),
        "{stdout}"
    );

    let out = tempfile::tempdir().expect("tempdir");
    let (code, _, stderr) = azspeech(
        &env,
        &["batch", "results", &id, "-o", path(out.path()), "--format", "all"],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert_no_sig(&stderr);
    let golden = fixtures().join("transcripts");
    common::golden::assert_matches_golden(out.path(), "contenturl_0", &golden, "batch-source");
    assert_eq!(
        spoken_words(&read(&golden.join("batch-source.txt"))),
        spoken_words(&transcript())
    );

    let (code, stdout, stderr) = azspeech(&env, &["batch", "list"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains(&format!("{id}\tSucceeded")), "{stdout}");
    let (code, _, stderr) = azspeech(&env, &["batch", "delete", &id]);
    assert_eq!(code, Some(0), "{stderr}");
    let (code, _, stderr) = azspeech(&env, &["batch", "status", &id]);
    assert_eq!(code, Some(5), "{stderr}");
    assert!(
        stderr.contains("404") && stderr.contains("azspeech batch list"),
        "{stderr}"
    );
    // A malformed id never reaches the service.
    let (code, _, stderr) = azspeech(&env, &["batch", "status", "../sts/v1.0/issueToken"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("not a transcription id"), "{stderr}");
}

#[test]
fn a_container_with_diarization_writes_to_the_destination_without_speech_credentials() {
    let running = emulator(HostForm::Loopback, false);
    let env = running.emulator().env_vars();
    let dir = tempfile::tempdir().expect("tempdir");
    let turns = [
        ("Good afternoon, thank you for calling.", Some("en-US-AriaNeural")),
        ("Hello, I would like to change my booking.", Some("en-US-GuyNeural")),
    ];
    let pcm = synthesized_pcm_in_voices(&env, dir.path(), &turns);
    let dialogue = write_wav(&dir.path().join("dialogue.wav"), 16_000, 1, &joined(&pcm, [0, 1]));
    let storage = Storage::start(SIG, "/out/");
    storage.put("/in/dialogue.wav", std::fs::read(&dialogue).expect("read"));
    let container = storage.sas_url("/in", "rl");
    let destination = storage.sas_url("/out", "w");
    let id = submit_and_wait(
        &env,
        &[
            "--container",
            &container,
            "--destination",
            &destination,
            "--diarize",
            "--locale",
            "en-US",
        ],
    );
    let out = dir.path().join("results");
    let (code, _, stderr) = azspeech(&env, &["batch", "results", &id, "-o", path(&out)]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_no_sig(&stderr);
    let text = read(&out.join("dialogue.wav.txt"));
    let labels: Vec<&str> = text.lines().map(|l| l.split(": ").next().unwrap_or_default()).collect();
    assert_eq!(labels.len(), 2, "{text}");
    assert_ne!(labels[0], labels[1], "two voices, two speakers: {text}");
    assert!(labels.iter().all(|l| l.starts_with("Speaker ")), "{text}");
    // The service wrote the results to the destination with its SAS ...
    let puts: Vec<_> = storage.requests().into_iter().filter(|r| r.method == "PUT").collect();
    assert!(
        !puts.is_empty() && puts.iter().all(|r| r.path.starts_with("/out/")),
        "{puts:?}"
    );
    // ... and azspeech read them from there without any Speech credential.
    let reads: Vec<_> = storage
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET" && r.path.starts_with("/out/"))
        .collect();
    assert!(!reads.is_empty(), "results were read from the destination");
    for request in &reads {
        for (name, _) in &request.headers {
            assert!(
                name != "ocp-apim-subscription-key" && name != "authorization",
                "a Speech credential went to storage: {request:?}"
            );
        }
    }
}

#[test]
fn an_unreachable_content_url_fails_the_job_with_the_reason() {
    let running = emulator(HostForm::Loopback, false);
    let env = running.emulator().env_vars();
    let storage = Storage::start(SIG, "/public/");
    storage.put("/audio/source.wav", std::fs::read(source()).expect("read"));
    let good = storage.sas_url("/audio/source.wav", "r");
    let dead = format!(
        "http://127.0.0.1:{}/audio/gone.wav?sp=r&sig={SIG}",
        common::closed_port()
    );
    // Only an unreachable input: the job fails.
    let (code, stdout, stderr) = azspeech(&env, &["batch", "submit", &dead, "--wait"]);
    assert_eq!(code, Some(5), "{stdout}{stderr}");
    assert!(stderr.contains("Failed"), "{stderr}");
    let id = stdout.trim();
    let (code, stdout, _) = azspeech(&env, &["batch", "status", id]);
    assert_eq!(code, Some(0));
    assert!(
        stdout.contains("Failed") && stdout.contains("error: InvalidUri"),
        "{stdout}"
    );
    let out = tempfile::tempdir().expect("tempdir");
    let (code, _, stderr) = azspeech(&env, &["batch", "results", id, "-o", path(out.path())]);
    assert_eq!(code, Some(6), "{stderr}");
    assert!(
        stderr.contains("is Failed") && stderr.contains("azspeech batch status"),
        "{stderr}"
    );
    // One good, one unreachable: the good one's results, and the report names the other.
    let id = submit_and_wait(&env, &[&good, &dead]);
    let (code, _, stderr) = azspeech(&env, &["batch", "results", &id, "-o", path(out.path())]);
    assert_eq!(code, Some(6), "{stderr}");
    assert_no_sig(&stderr);
    assert!(
        stderr.contains("gone.wav") && stderr.contains("failed: InvalidUri"),
        "{stderr}"
    );
    assert_eq!(
        spoken_words(&read(&out.path().join("contenturl_0.txt"))),
        spoken_words(&transcript())
    );
}

#[test]
fn sts_and_entra_on_the_custom_domain_over_tls() {
    let storage = Storage::start(SIG, "/public/");
    storage.put("/audio/source.wav", std::fs::read(source()).expect("read"));
    let url = storage.sas_url("/audio/source.wav", "r");

    let running = emulator(HostForm::Loopback, false);
    let mut env = running.emulator().env_vars();
    env.push(("SPEECH_AUTH".into(), "sts".into()));
    let id = submit_and_wait(&env, &[&url]);
    let (code, stdout, stderr) = azspeech(&env, &["batch", "list"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains(&id), "{stdout}");

    let running = emulator(HostForm::CustomDomain, true);
    let emulator = running.emulator();
    let env = common::emulator::service_principal_env(emulator, "SPEECH_REGION");
    let id = submit_and_wait(&env, &[&url, "--locale", "en-US"]);
    let out = tempfile::tempdir().expect("tempdir");
    let (code, _, stderr) = azspeech(&env, &["batch", "results", &id, "-o", path(out.path())]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        spoken_words(&read(&out.path().join("contenturl_0.txt"))),
        spoken_words(&transcript())
    );
}

#[test]
fn throttling_is_retried_after_retry_after() {
    let running = Running::with(HostForm::Loopback, false, |config| {
        config.fault(Fault::http_status(429, Some(1), FaultTarget::Transcription).first(1))
    });
    let env = running.emulator().env_vars();
    let (code, _, stderr) = azspeech(&env, &["batch", "list"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("throttled (HTTP 429): retrying in 1.0 s"), "{stderr}");
    // Bad input is refused before anything is sent, with the fix.
    let (code, _, stderr) = azspeech(&env, &["batch", "submit", "http://example.com/a.wav"]);
    assert_eq!(code, Some(5), "{stderr}");
    assert!(stderr.contains("https://"), "{stderr}");
}
