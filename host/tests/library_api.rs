//! The embedder's API (`azspeech_host::Speech`) against the emulator, in process: a round trip
//! with a key, streams, one `Speech` serving many concurrent sessions, `explain()`, an embedder's
//! own Entra `TokenCredential` on a custom domain over TLS (the 401-prone TTS setup), and errors
//! that name the fix. Then the `examples/` programs, built by cargo with the tests, run as a
//! user would run them.

mod common;

use azspeech_host::spoken_words;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use azspeech_emulator::{HostForm, MintOptions};
use azspeech_host::artifact_cache::ArtifactCache;
use azspeech_host::core_runtime::{AuthMode, RecognitionEvent, RecognitionStatus, SynthesisOptions};
use azspeech_host::{Error, Speech, SpeechBuilder, SpeechInput, SynthesisOutput};
use common::emulator::Running;
use futures_util::StreamExt;

const SENTENCE: &str = "One loaded core serves every session.";

fn var<'a>(env: &'a [(String, String)], name: &str) -> &'a str {
    env.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("{name} in the emulator's variables"))
}

/// A builder for the emulator's loopback endpoint with its primary key; nothing from the
/// environment.
fn key_builder(running: &Running) -> SpeechBuilder {
    let env = running.emulator().env_vars();
    Speech::builder()
        .artifact_cache(ArtifactCache::in_dir(common::shared_cache_dir()))
        .setting("SPEECH_ENDPOINT", var(&env, "SPEECH_ENDPOINT"))
        .key(var(&env, "SPEECH_KEY"))
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

#[test]
fn synthesize_to_file_then_recognize_file_with_a_key() {
    let running = Running::start(HostForm::Loopback, false);
    let speech = key_builder(&running).build().expect("builds");
    assert_eq!(speech.settings().auth, AuthMode::Key);
    let dir = tempfile::tempdir().expect("tempdir");
    let wav = dir.path().join("sentence.wav");
    runtime().block_on(async {
        let report = speech
            .synthesize_to_file(&SpeechInput::Text(SENTENCE.into()), &wav, &SynthesisOptions::default())
            .await
            .expect("synthesizes");
        assert!(report.audio_bytes > 10_000, "{report:?}");
        assert_eq!(
            std::fs::metadata(&wav).expect("written").len(),
            report.audio_bytes + 44,
            "a WAV header and the audio"
        );
        let transcript = speech.recognize_file(&wav).await.expect("recognizes");
        assert_eq!(
            spoken_words(&transcript.text()),
            spoken_words(SENTENCE),
            "{transcript:?}"
        );
        assert_eq!(transcript.summary.recognized, 1);
    });
}

/// Synthesize to raw PCM through the stream, keeping `Discard` semantics.
async fn synthesize_pcm(speech: &Speech, text: &str) -> Result<(Vec<u8>, usize), Error> {
    let options = SynthesisOptions {
        output_format: "raw-16khz-16bit-mono-pcm".into(),
        word_boundaries: true,
        ..SynthesisOptions::default()
    };
    let mut stream = speech.synthesize(SpeechInput::Text(text.into()), options);
    let (mut pcm, mut events) = (Vec::new(), 0);
    while let Some(item) = stream.next().await {
        match item? {
            SynthesisOutput::Audio(bytes) => pcm.extend_from_slice(&bytes),
            SynthesisOutput::Discard { from } => pcm.truncate(from as usize),
            SynthesisOutput::Event(_) => events += 1,
        }
    }
    Ok((pcm, events))
}

/// A 16-kHz mono WAV of `pcm`.
fn wav_file(dir: &Path, name: &str, pcm: &[u8]) -> PathBuf {
    let samples: Vec<i16> = pcm.chunks_exact(2).map(|b| i16::from_le_bytes([b[0], b[1]])).collect();
    common::audio::write_wav(&dir.join(name), 16_000, 1, &samples)
}

#[test]
fn streams_deliver_audio_events_and_recognition_events() {
    let running = Running::start(HostForm::Loopback, false);
    let speech = key_builder(&running).build().expect("builds");
    let dir = tempfile::tempdir().expect("tempdir");
    runtime().block_on(async {
        let (pcm, events) = synthesize_pcm(&speech, SENTENCE).await.expect("streams");
        assert!(
            pcm.len() > 10_000 && events >= spoken_words(SENTENCE).len(),
            "{} bytes, {events} events",
            pcm.len()
        );
        let wav = wav_file(dir.path(), "streamed.wav", &pcm);
        let source = azspeech_host::audio::input::PcmSource::open(&wav).expect("opens");
        let mut stream = speech.recognize(source, Default::default());
        let mut seen = Vec::new();
        while let Some(event) = stream.next().await {
            seen.push(event.expect("no failure"));
        }
        let phrases: Vec<&str> = seen
            .iter()
            .filter_map(|e| match e {
                RecognitionEvent::Phrase(p) if p.status == RecognitionStatus::Success => Some(p.text.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(phrases.len(), 1, "{seen:?}");
        assert_eq!(spoken_words(phrases[0]), spoken_words(SENTENCE));
        assert!(matches!(seen.last(), Some(RecognitionEvent::Finished(_))), "{seen:?}");
    });
}

#[test]
fn one_speech_serves_twenty_concurrent_round_trips() {
    const SESSIONS: usize = 20;
    let sentences = ["Twenty sessions run at once.", "Each keeps its own state.", SENTENCE];
    let running = Running::start(HostForm::Loopback, false);
    let speech = key_builder(&running).build().expect("builds");
    let dir = tempfile::tempdir().expect("tempdir");
    let dir_path = dir.path().to_owned();
    let results = runtime().block_on(async {
        let tasks = (0..SESSIONS).map(|i| {
            let speech = speech.clone();
            let dir = dir_path.clone();
            let text = sentences[i % sentences.len()];
            tokio::spawn(async move {
                let (pcm, _) = synthesize_pcm(&speech, text).await?;
                let wav = wav_file(&dir, &format!("{i}.wav"), &pcm);
                let transcript = speech.recognize_file(&wav).await?;
                Ok::<_, Error>((text, transcript.text()))
            })
        });
        futures_util::future::join_all(tasks).await
    });
    assert_eq!(results.len(), SESSIONS);
    for result in results {
        let (said, heard) = result.expect("task").expect("round trip");
        assert_eq!(spoken_words(&heard), spoken_words(said));
    }
    let stats = running.emulator().stats();
    assert_eq!(stats.tts_connections, SESSIONS as u64, "{stats:?}");
    assert_eq!(stats.stt_connections, SESSIONS as u64, "{stats:?}");
}

#[test]
fn explain_says_what_doctor_says() {
    let running = Running::start(HostForm::Loopback, false);
    let speech = key_builder(&running).build().expect("builds");
    let explanation = speech.explain().expect("explains");
    assert_eq!(explanation.settings.auth, AuthMode::Key);
    let endpoint = var(&running.emulator().env_vars(), "SPEECH_ENDPOINT").replace("http://", "ws://");
    assert!(explanation.stt.url.starts_with(&endpoint), "{}", explanation.stt.url);
    assert!(explanation.tts.url.starts_with(&endpoint), "{}", explanation.tts.url);
    assert!(
        !explanation
            .stt
            .url
            .contains(var(&running.emulator().env_vars(), "SPEECH_KEY"))
    );
}

#[test]
fn errors_name_the_fix() {
    // No settings at all: the error names a variable to set.
    let error = Speech::builder()
        .artifact_cache(ArtifactCache::in_dir(common::shared_cache_dir()))
        .build()
        .expect_err("nothing configured");
    let Error::Configuration(config) = &error else {
        panic!("{error:?}")
    };
    assert!(config.variable.is_some() && !config.fix.is_empty(), "{config:?}");

    // A key given as a plain setting is refused: it would be treated as text.
    let error = Speech::builder()
        .setting("SPEECH_REGION", "westeurope")
        .setting("SPEECH_KEY", "sentinel-not-a-setting")
        .build()
        .expect_err("secret as a setting");
    assert!(error.to_string().contains("SpeechBuilder::key"), "{error}");
    assert!(!error.to_string().contains("sentinel-not-a-setting"), "{error}");

    // A wrong key: refused by the service, classified, with the fix.
    let running = Running::start(HostForm::Loopback, false);
    let speech = key_builder(&running)
        .key("0123456789abcdef0123456789abcdef")
        .build()
        .expect("builds");
    let dir = tempfile::tempdir().expect("tempdir");
    let error = runtime()
        .block_on(speech.synthesize_to_file(
            &SpeechInput::Text(SENTENCE.into()),
            &dir.path().join("never.wav"),
            &SynthesisOptions::default(),
        ))
        .expect_err("wrong key");
    assert_eq!(
        error.speech_error().map(|e| e.kind()),
        Some("authentication"),
        "{error}"
    );
    assert!(
        error.to_string().contains("SPEECH_KEY"),
        "the fix names the variable: {error}"
    );
    assert!(!dir.path().join("never.wav").exists(), "no partial file left behind");
}

/// An embedder's own credential: counts its calls and hands out the emulator's tokens.
#[derive(Debug)]
struct EmbedderCredential {
    token: String,
    calls: AtomicUsize,
}

#[async_trait::async_trait]
impl azure_core::credentials::TokenCredential for EmbedderCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        _options: Option<azure_core::credentials::TokenRequestOptions<'_>>,
    ) -> azure_core::Result<azure_core::credentials::AccessToken> {
        assert_eq!(scopes, ["https://cognitiveservices.azure.com/.default"]);
        self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(azure_core::credentials::AccessToken::new(
            self.token.clone(),
            azure_core::time::OffsetDateTime::now_utc() + azure_core::time::Duration::minutes(30),
        ))
    }
}

#[test]
fn an_embedders_token_credential_on_a_custom_domain_over_tls() {
    let running = Running::start(HostForm::CustomDomain, true);
    let env = running.emulator().env_vars();
    let (host, addr) = var(&env, "AZSPEECH_CONNECT_TO").split_once('=').expect("host=addr");
    let addr: SocketAddr = addr.parse().expect("addr");
    let credential = Arc::new(EmbedderCredential {
        token: running.emulator().mint_entra_token(MintOptions::default()),
        calls: AtomicUsize::new(0),
    });
    let speech = Speech::builder()
        .artifact_cache(ArtifactCache::in_dir(common::shared_cache_dir()))
        .setting("SPEECH_ENDPOINT", var(&env, "SPEECH_ENDPOINT"))
        .setting("SPEECH_RESOURCE_ID", var(&env, "SPEECH_RESOURCE_ID"))
        .token_credential(credential.clone())
        .connect_to(host, addr)
        .ca_file(var(&env, "AZSPEECH_CA_FILE"))
        .build()
        .expect("builds");
    assert_eq!(speech.settings().auth, AuthMode::Entra);
    let dir = tempfile::tempdir().expect("tempdir");
    let wav = dir.path().join("entra.wav");
    runtime().block_on(async {
        // TTS on a custom domain with Entra: the setup that fails with 401 elsewhere.
        speech
            .synthesize_to_file(&SpeechInput::Text(SENTENCE.into()), &wav, &SynthesisOptions::default())
            .await
            .expect("TTS with Entra on the custom domain");
        let transcript = speech.recognize_file(&wav).await.expect("STT with Entra");
        assert_eq!(spoken_words(&transcript.text()), spoken_words(SENTENCE));
    });
    assert_eq!(
        credential.calls.load(Ordering::SeqCst),
        1,
        "one token, cached for both sessions"
    );
}

/// Where cargo put the examples it built for this test run.
fn example(name: &str) -> PathBuf {
    let deps = std::env::current_exe().expect("test exe");
    let dir = deps.parent().and_then(Path::parent).expect("target/<profile>");
    dir.join("examples").join(name)
}

fn run_example(name: &str, env: &[(String, String)], args: &[&str]) -> (bool, String, String) {
    let home = tempfile::tempdir().expect("tempdir");
    let output = std::process::Command::new(example(name))
        .args(args)
        .env_clear()
        .env("HOME", home.path())
        .env("AZSPEECH_CACHE_DIR", common::shared_cache_dir())
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .output()
        .unwrap_or_else(|error| panic!("example {name} runs (built by `cargo test`): {error}"));
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn the_examples_run_against_the_emulator() {
    let running = Running::start(HostForm::Loopback, false);
    let env = running.emulator().env_vars();
    let dir = tempfile::tempdir().expect("tempdir");
    let wav = dir.path().join("example.wav");
    let wav_arg = wav.to_str().expect("utf8");

    let (ok, stdout, stderr) = run_example("synthesize", &env, &[SENTENCE, wav_arg]);
    assert!(ok && stdout.starts_with("wrote "), "{stdout}{stderr}");

    let (ok, stdout, stderr) = run_example("transcribe", &env, &[wav_arg]);
    assert!(ok, "{stdout}{stderr}");
    let heard: String = stdout
        .lines()
        .filter_map(|line| line.split_once("] ").map(|(_, text)| text.to_owned()))
        .collect();
    assert_eq!(spoken_words(&heard), spoken_words(SENTENCE), "{stdout}");

    let (ok, stdout, stderr) = run_example("many_requests", &env, &["12"]);
    assert!(ok, "{stdout}{stderr}");
    assert!(stdout.contains("12 concurrent round trips, 0 failed"), "{stdout}");
}

/// The load program (`examples/load.rs`, the benchmark's concurrency driver) at a small N: 20
/// concurrent sessions in one process, half recognizing a 20-second recording and half
/// synthesizing a paragraph, for two rounds. Every session must succeed with the right words or
/// the reference audio length; timings are printed, never asserted.
#[test]
fn the_load_program_runs_twenty_concurrent_sessions_without_errors() {
    let running = Running::start(HostForm::Loopback, false);
    let env = running.emulator().env_vars();
    let (ok, stdout, stderr) = run_example(
        "load",
        &env,
        &["--sessions", "20", "--rounds", "2", "--recording-seconds", "20"],
    );
    assert!(ok, "{stdout}{stderr}");
    let summary: serde_json::Value = stdout
        .lines()
        .find_map(|line| line.strip_prefix("summary: "))
        .and_then(|json| serde_json::from_str(json).ok())
        .unwrap_or_else(|| panic!("a summary line: {stdout}{stderr}"));
    assert_eq!(summary["errors"], 0, "{stdout}{stderr}");
    assert_eq!(summary["wrong"], 0, "{stdout}{stderr}");
    assert_eq!(summary["correct"], 40, "{stdout}{stderr}");
    let stats = running.emulator().stats();
    // The setup (3 sentences + the reference paragraph + a warm-up of 2) and 2 rounds of 20.
    assert_eq!(stats.stt_connections, 1 + 20, "{stats:?}");
    assert_eq!(stats.tts_connections, 3 + 1 + 1 + 20, "{stats:?}");
}

/// The system roots are loaded lazily (on the first handshake), but verification is not
/// weakened: without the emulator's CA the custom-domain TLS endpoint is refused for its
/// certificate, and a CA file that holds no certificate still fails at `build()`, naming the fix.
#[test]
fn tls_without_the_emulators_ca_is_refused_and_a_bad_ca_file_fails_at_build() {
    let running = Running::start(HostForm::CustomDomain, true);
    let env = running.emulator().env_vars();
    let (host, addr) = var(&env, "AZSPEECH_CONNECT_TO").split_once('=').expect("host=addr");
    let addr: SocketAddr = addr.parse().expect("addr");
    let builder = || {
        Speech::builder()
            .artifact_cache(ArtifactCache::in_dir(common::shared_cache_dir()))
            .setting("SPEECH_ENDPOINT", var(&env, "SPEECH_ENDPOINT"))
            .key(var(&env, "SPEECH_KEY"))
            .connect_to(host, addr)
    };

    let speech = builder().build().expect("builds without a CA file");
    let dir = tempfile::tempdir().expect("tempdir");
    let wav = dir.path().join("refused.wav");
    let error = runtime()
        .block_on(speech.synthesize_to_file(&SpeechInput::Text(SENTENCE.into()), &wav, &SynthesisOptions::default()))
        .expect_err("the emulator's certificate is not trusted without its CA");
    assert!(
        error.to_string().to_lowercase().contains("certificate"),
        "a certificate error: {error}"
    );
    assert_eq!(running.emulator().stats().tts_connections, 0, "no upgrade got through");

    let not_pem = dir.path().join("not-a-ca.pem");
    std::fs::write(&not_pem, "not a certificate\n").expect("write");
    let error = builder()
        .ca_file(&not_pem)
        .build()
        .expect_err("a CA file without certificates");
    let message = error.to_string();
    assert!(
        message.contains("cannot use CA file") && message.contains("AZSPEECH_CA_FILE"),
        "{message}"
    );
}
