//! Secrets never reach output, logs, errors, panic messages or URLs.
//!
//! Every command below runs at the most verbose log level (`--log-level trace`, which includes
//! the HTTP, TLS and identity crates' own logs) with sentinel values for the key, the Entra token
//! and the client secret, in successful and failing configurations. The sentinels must appear
//! nowhere in stdout or stderr. (`azspeech token` shows the first 4 characters by design; the
//! sentinels are long enough that their prefix is not the sentinel.)

mod common;

use common::{Run, closed_port, run_azspeech};

const KEY: &str = "sentinelKEYa1b2c3d4e5f6a7b8c9d0e1f2";
const SECONDARY_KEY: &str = "sentinelSECONDARYc3d4e5f6a7b8c9d0";
const TOKEN: &str = "eyJzentinelTOKEN.eyJzZW50aW5lbA.c2VudGluZWxzaWc";
const CLIENT_SECRET: &str = "sentinelCLIENTSECRETq8Q~abcdefgh";
const SENTINELS: &[&str] = &[KEY, SECONDARY_KEY, TOKEN, CLIENT_SECRET];

fn run(env: &[(&str, String)], args: &[&str]) -> Run {
    run_azspeech(env, TOKEN, "trace", args)
}

fn assert_clean(run: &Run) {
    for sentinel in SENTINELS {
        assert!(
            !run.stdout.contains(sentinel) && !run.stderr.contains(sentinel),
            "a secret leaked from `azspeech {}` (exit {:?})\n--- stdout ---\n{}\n--- stderr ---\n{}",
            run.args.join(" "),
            run.code,
            run.stdout,
            run.stderr
        );
    }
}

fn key_env(endpoint: String) -> Vec<(&'static str, String)> {
    vec![
        ("SPEECH_KEY", KEY.to_owned()),
        ("SPEECH_KEY_SECONDARY", SECONDARY_KEY.to_owned()),
        ("SPEECH_ENDPOINT", endpoint),
        ("AZURE_CLIENT_SECRET", CLIENT_SECRET.to_owned()),
    ]
}

#[test]
fn key_mode_success_and_failures_never_print_the_key() {
    let endpoint = format!("http://127.0.0.1:{}", closed_port());
    let env = key_env(endpoint);
    let token = run(&env, &["token", "--service", "stt"]);
    assert_eq!(token.code, Some(0), "{}", token.stderr);
    assert!(
        token.stdout.contains("Ocp-Apim-Subscription-Key: sent"),
        "masked header shown: {}",
        token.stdout
    );
    assert_clean(&token);
    for args in [
        &["doctor"][..],
        &["doctor", "--json"],
        &["doctor", "--probe"],
        &["token", "--service", "tts"],
    ] {
        assert_clean(&run(&env, args));
    }
    let probe = run(&env, &["doctor", "--probe"]);
    assert_eq!(
        probe.code,
        Some(4),
        "a closed port is a network error: {}",
        probe.stderr
    );
}

#[test]
fn sts_exchange_failure_never_prints_the_key() {
    let mut env = key_env(format!("http://127.0.0.1:{}", closed_port()));
    env.push(("SPEECH_AUTH", "sts".to_owned()));
    let token = run(&env, &["token"]);
    assert_ne!(token.code, Some(0), "the STS endpoint is closed");
    assert_clean(&token);
    assert_clean(&run(&env, &["doctor", "--probe"]));
}

#[test]
fn entra_tokens_are_masked_and_never_logged() {
    let env = vec![
        ("SPEECH_ENDPOINT", format!("http://127.0.0.1:{}", closed_port())),
        ("SPEECH_AUTH", "entra".to_owned()),
        ("SPEECH_CREDENTIAL", "azure-cli".to_owned()),
    ];
    let token = run(&env, &["token"]);
    assert_eq!(token.code, Some(0), "{}", token.stderr);
    assert!(
        token.stdout.contains("Authorization: Bearer eyJz… ("),
        "{}",
        token.stdout
    );
    assert_clean(&token);
    let probe = run(&env, &["doctor", "--probe"]);
    assert_clean(&probe);
}

#[test]
fn a_failing_service_principal_never_prints_its_secret() {
    let env = vec![
        ("SPEECH_ENDPOINT", format!("http://127.0.0.1:{}", closed_port())),
        ("SPEECH_AUTH", "entra".to_owned()),
        ("SPEECH_CREDENTIAL", "service-principal".to_owned()),
        ("AZURE_TENANT_ID", "00000000-0000-0000-0000-000000000001".to_owned()),
        ("AZURE_CLIENT_ID", "00000000-0000-0000-0000-000000000002".to_owned()),
        ("AZURE_CLIENT_SECRET", CLIENT_SECRET.to_owned()),
        ("AZURE_AUTHORITY_HOST", format!("https://127.0.0.1:{}", closed_port())),
    ];
    let token = run(&env, &["token"]);
    assert_eq!(token.code, Some(3), "{}", token.stderr);
    assert_clean(&token);
}

/// The same at trace level through real WebSocket handshakes and sessions (TTS, STT, probe,
/// voices) against the emulator configured with the sentinel keys, and a rejected key.
#[test]
fn successful_sessions_against_the_emulator_never_print_the_key() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("rt");
    let config = azspeech_emulator::EmulatorConfig::new()
        .verbosity(azspeech_emulator::Verbosity::Quiet)
        .keys(KEY, SECONDARY_KEY);
    let emulator = runtime
        .block_on(azspeech_emulator::Emulator::start(config))
        .expect("emulator");
    let env: Vec<(&str, String)> = emulator
        .env_vars()
        .into_iter()
        .filter(|(name, _)| name == "SPEECH_ENDPOINT")
        .map(|(_, value)| ("SPEECH_ENDPOINT", value))
        .chain([
            ("SPEECH_KEY", KEY.to_owned()),
            ("SPEECH_KEY_SECONDARY", SECONDARY_KEY.to_owned()),
        ])
        .collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let wav = dir.path().join("hygiene.wav");
    let wav = wav.to_str().expect("utf8");
    let tts = run(&env, &["tts", "Secrets stay secret.", "-o", wav]);
    assert_eq!(tts.code, Some(0), "{}", tts.stderr);
    assert!(tts.stderr.contains("TRACE"), "the most verbose level really is on");
    assert_clean(&tts);
    let stt = run(&env, &["stt", wav]);
    assert_eq!(stt.code, Some(0), "{}", stt.stderr);
    assert_clean(&stt);
    for args in [&["doctor", "--probe"][..], &["voices"], &["token"]] {
        let run = run(&env, args);
        assert_eq!(run.code, Some(0), "{:?}: {}", args, run.stderr);
        assert_clean(&run);
    }
    // A wrong primary key fails over to the secondary (with a warning), and both wrong is a 401.
    let replace = |names: &[&str]| -> Vec<(&str, String)> {
        env.iter()
            .map(|(k, v)| {
                if names.contains(k) {
                    (*k, CLIENT_SECRET.to_owned())
                } else {
                    (*k, v.clone())
                }
            })
            .collect()
    };
    let failed_over = run(&replace(&["SPEECH_KEY"]), &["stt", wav]);
    assert_eq!(failed_over.code, Some(0), "{}", failed_over.stderr);
    assert!(failed_over.stderr.contains("SPEECH_KEY_SECONDARY was accepted"));
    assert_clean(&failed_over);
    let rejected = run(&replace(&["SPEECH_KEY", "SPEECH_KEY_SECONDARY"]), &["stt", wav]);
    assert_eq!(rejected.code, Some(3), "{}", rejected.stderr);
    assert_clean(&rejected);
    runtime.block_on(emulator.shutdown());
}

/// Fast and batch transcription at trace level against the emulator with the sentinel keys and a
/// loopback storage server whose SAS signature is a sentinel too: neither the keys nor the `sig`
/// appear anywhere, in success or failure.
#[test]
fn transcription_and_sas_signatures_never_print() {
    const SIG: &str = "sentinelSIGq8Q%2Bzz%3D";
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("rt");
    let fixtures = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/audio");
    let source = fixtures.join("source.wav");
    let transcript = std::fs::read_to_string(fixtures.join("transcript.txt")).expect("transcript");
    let config = azspeech_emulator::EmulatorConfig::new()
        .verbosity(azspeech_emulator::Verbosity::Quiet)
        .keys(KEY, SECONDARY_KEY)
        .fixture_file(source.clone(), transcript.trim().to_owned())
        .batch_timing(
            std::time::Duration::from_millis(200),
            std::time::Duration::from_millis(200),
        );
    let emulator = runtime
        .block_on(azspeech_emulator::Emulator::start(config))
        .expect("emulator");
    let env: Vec<(&str, String)> = emulator
        .env_vars()
        .into_iter()
        .filter(|(name, _)| name == "SPEECH_ENDPOINT")
        .map(|(_, value)| ("SPEECH_ENDPOINT", value))
        .chain([("SPEECH_KEY", KEY.to_owned())])
        .collect();
    let clean = |run: &Run| {
        assert_clean(run);
        assert!(
            !run.stdout.contains("sentinelSIG") && !run.stderr.contains("sentinelSIG"),
            "the SAS signature leaked from `azspeech {}`\n{}\n{}",
            run.args.join(" "),
            run.stdout,
            run.stderr
        );
    };
    let source = source.to_str().expect("utf8");
    let fast = run(&env, &["transcribe", source]);
    assert_eq!(fast.code, Some(0), "{}", fast.stderr);
    assert!(fast.stderr.contains("TRACE"), "the most verbose level really is on");
    clean(&fast);

    let storage = common::storage::Storage::start(SIG, "/public/");
    storage.put("/audio/source.wav", std::fs::read(source).expect("read"));
    let url = storage.sas_url("/audio/source.wav", "r");
    let submit = run(&env, &["batch", "submit", &url, "--wait"]);
    assert_eq!(submit.code, Some(0), "{}", submit.stderr);
    clean(&submit);
    let id = submit.stdout.trim().to_owned();
    let out = tempfile::tempdir().expect("tempdir");
    let results = run(
        &env,
        &["batch", "results", &id, "-o", out.path().to_str().expect("utf8")],
    );
    assert_eq!(results.code, Some(0), "{}", results.stderr);
    clean(&results);
    // Refusals and failures that name the URL: an insecure URL, an unreachable service.
    let insecure = run(
        &env,
        &["batch", "submit", &format!("http://example.com/a.wav?sp=r&sig={SIG}")],
    );
    assert_eq!(insecure.code, Some(5), "{}", insecure.stderr);
    clean(&insecure);
    let closed = vec![
        ("SPEECH_ENDPOINT", format!("http://127.0.0.1:{}", closed_port())),
        ("SPEECH_KEY", KEY.to_owned()),
    ];
    let unreachable = run(&closed, &["batch", "submit", "--container", &url]);
    assert_eq!(unreachable.code, Some(4), "{}", unreachable.stderr);
    clean(&unreachable);
    runtime.block_on(emulator.shutdown());

    // A refusal whose body quotes the audio URL back, signature and all.
    let echo = format!(
        r#"{{"code": "InvalidRequest", "message": "Cannot access {url}", "innerError": {{"code": "InvalidUri", "message": "{url} is not reachable"}}}}"#
    );
    let config = azspeech_emulator::EmulatorConfig::new()
        .verbosity(azspeech_emulator::Verbosity::Quiet)
        .keys(KEY, SECONDARY_KEY)
        .fault(azspeech_emulator::Fault::new(
            azspeech_emulator::FaultAction::HttpStatus {
                status: 400,
                retry_after_secs: None,
                body: Some(echo),
            },
            azspeech_emulator::FaultTarget::Transcription,
        ));
    let echoing = runtime
        .block_on(azspeech_emulator::Emulator::start(config))
        .expect("emulator");
    let env = vec![("SPEECH_ENDPOINT", echoing.http_url()), ("SPEECH_KEY", KEY.to_owned())];
    let refused = run(&env, &["batch", "submit", &url]);
    assert_eq!(refused.code, Some(5), "{}", refused.stderr);
    assert!(refused.stderr.contains("InvalidUri"), "{}", refused.stderr);
    clean(&refused);
    // The library's error, as an embedder would print or log it, holds no signature either (the
    // CLI redacts again before printing; the library must not rely on that).
    let speech = azspeech_host::Speech::builder()
        .artifact_cache(azspeech_host::artifact_cache::ArtifactCache::in_dir(
            common::shared_cache_dir(),
        ))
        .setting("SPEECH_ENDPOINT", &echoing.http_url())
        .key(KEY)
        .build()
        .expect("builds");
    let submission = azspeech_host::transcription::BatchSubmission {
        display_name: "hygiene".to_owned(),
        content_urls: vec![url.clone()],
        container: None,
        destination: None,
        time_to_live_hours: 48,
        options: Default::default(),
    };
    let error = runtime
        .block_on(speech.batch().submit(&submission))
        .expect_err("the emulator refuses");
    let shown = format!("{error}\n{error:?}");
    assert!(shown.contains("InvalidUri"), "{shown}");
    assert!(
        !shown.contains("sentinelSIG"),
        "the SAS signature reached the library's error:\n{shown}"
    );
    runtime.block_on(echoing.shutdown());
}
