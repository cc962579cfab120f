//! The scenario table (`tests/scenarios/scenarios.json`) run with the Rust library, as the
//! Python and Node packages run it (`tests/bindings/run.sh` starts the emulators).
//!
//! ```sh
//! scenarios TABLE READY_DIR WORK_DIR
//! ```
//!
//! `READY_DIR` holds one `azspeech emulator --ready-file` JSON per emulator of the table. Each
//! scenario runs in a child process (this program again, `--one`) whose environment is the
//! scenario's, so that `Speech::from_env()` and `azure_identity` read it exactly as they would in
//! a deployment. Prints one line per scenario and `rust: N passed, M failed`; exits 1 if any
//! failed.

use azspeech_host::spoken_words;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use azspeech_host::core_runtime::SynthesisOptions;
use azspeech_host::{Speech, SpeechInput};

type Failure = Box<dyn std::error::Error>;

fn read_json(path: &Path) -> Result<Value, Failure> {
    Ok(serde_json::from_str(&std::fs::read_to_string(path)?)?)
}

/// The scenario's environment: the emulator's variables, minus `unset`, plus `env` (and the
/// managed-identity endpoint for `credential: managed-identity`).
fn environment(scenario: &Value, ready: &Value) -> Vec<(String, String)> {
    let unset: Vec<&str> = scenario["unset"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let mut env: Vec<(String, String)> = ready["env"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| !unset.contains(&k.as_str()))
        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
        .collect();
    for (k, v) in scenario["env"].as_object().into_iter().flatten() {
        env.retain(|(name, _)| name != k);
        env.push((k.clone(), v.as_str().unwrap_or_default().to_owned()));
    }
    if scenario["credential"] == "managed-identity" {
        for (name, field) in [
            ("IDENTITY_ENDPOINT", "msi_endpoint"),
            ("IDENTITY_HEADER", "identity_header"),
        ] {
            env.push((name.to_owned(), ready[field].as_str().unwrap_or_default().to_owned()));
        }
    }
    env
}

async fn run_step(speech: &Speech, step: &Value, work: &Path) -> Result<(), azspeech_host::Error> {
    if let Some(text) = step["tts"].as_str() {
        let options = SynthesisOptions {
            output_format: "riff-16khz-16bit-mono-pcm".to_owned(),
            ..SynthesisOptions::default()
        };
        let file = work.join(step["file"].as_str().unwrap_or("out.wav"));
        let report = speech
            .synthesize_to_file(&SpeechInput::Text(text.to_owned()), &file, &options)
            .await?;
        let least = step["expect_audio_bytes_at_least"].as_u64().unwrap_or(1);
        assert!(report.audio_bytes >= least, "only {} audio bytes", report.audio_bytes);
    } else {
        let file = work.join(step["stt"].as_str().unwrap_or_default());
        let transcript = speech.recognize_file(&file).await?;
        let expected = step["expect_text"].as_str().unwrap_or_default();
        assert_eq!(
            spoken_words(&transcript.text()),
            spoken_words(expected),
            "heard {:?}",
            transcript.text()
        );
        if let Some(least) = step["expect_reconnects_at_least"].as_u64() {
            let reconnects = u64::from(transcript.summary.reconnects);
            assert!(reconnects >= least, "only {reconnects} reconnects");
        }
    }
    Ok(())
}

/// One scenario, in this process: its environment is already the process environment.
async fn run_one(scenario: &Value, work: &Path) -> Result<(), Failure> {
    let speech = Speech::from_env()?;
    let explained = speech.explain()?.to_json();
    for (key, value) in scenario["expect_explain"].as_object().into_iter().flatten() {
        assert_eq!(&explained[key], value, "explain()[{key}]");
    }
    for step in scenario["steps"].as_array().into_iter().flatten() {
        let Some(expected) = step.get("expect_error") else {
            run_step(&speech, step, work).await?;
            continue;
        };
        let Err(error) = run_step(&speech, step, work).await else {
            return Err(format!("expected a {} error", expected["kind"]).into());
        };
        let service = error
            .speech_error()
            .ok_or_else(|| format!("not a service error: {error}"))?;
        assert_eq!(service.kind(), expected["kind"], "{error}");
        let fix = expected["fix_contains"].as_str().unwrap_or_default();
        assert!(service.detail().hint.contains(fix), "fix {:?}", service.detail().hint);
        assert!(
            !work.join(step["file"].as_str().unwrap_or_default()).exists(),
            "an output file was left"
        );
        for name in ["SPEECH_KEY", "SPEECH_KEY_SECONDARY"] {
            if let Ok(key) = std::env::var(name) {
                assert!(
                    key.is_empty() || !error.to_string().contains(&key),
                    "the error text holds {name}"
                );
            }
        }
    }
    Ok(())
}

fn main() -> Result<(), Failure> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, table, name, work] = args.as_slice()
        && flag == "--one"
    {
        let table = read_json(table.as_ref())?;
        let scenario = table["scenarios"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|s| s["name"] == name.as_str())
            .ok_or("no such scenario")?;
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        return runtime.block_on(run_one(scenario, work.as_ref()));
    }
    let [table_path, ready_dir, work] = args.as_slice() else {
        return Err("usage: scenarios TABLE READY_DIR WORK_DIR".into());
    };
    let table = read_json(table_path.as_ref())?;
    let (mut passed, mut failed) = (0, 0);
    for scenario in table["scenarios"].as_array().into_iter().flatten() {
        let name = scenario["name"].as_str().unwrap_or_default();
        let emulator = scenario["emulator"].as_str().unwrap_or_default();
        let ready = read_json(&PathBuf::from(ready_dir).join(format!("{emulator}.json")))?;
        let output = Command::new(std::env::current_exe()?)
            .args(["--one", table_path, name, work])
            .env_clear()
            .envs(std::env::vars().filter(|(k, _)| ["PATH", "HOME", "AZSPEECH_CACHE_DIR"].contains(&k.as_str())))
            .env("AZSPEECH_IDENTITY_RETRY", "none")
            .envs(environment(scenario, &ready))
            .output()?;
        if output.status.success() {
            passed += 1;
            println!("ok   {name}");
        } else {
            failed += 1;
            println!(
                "FAIL {name}\n{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }
    println!("rust: {passed} passed, {failed} failed");
    if failed > 0 {
        std::process::exit(1);
    }
    Ok(())
}
