//! `azspeech demo`: the main job on a fresh machine, no Azure account needed. Starts the built-in
//! emulator on 127.0.0.1, synthesizes a sentence to a WAV file through the core, recognizes that
//! file, and prints the sentence it heard and where the audio is.

use azspeech_host::spoken_words;
use std::path::PathBuf;

use clap::Args;

use super::context::{self, SetupFailure};
use azspeech_emulator::{Emulator, EmulatorConfig, Verbosity};
use azspeech_host::core_runtime::SynthesisOptions;
use azspeech_host::exit_code::ExitCode;
use azspeech_host::{Speech, SpeechInput};

/// The sentence the demo says and hears.
pub(super) const DEFAULT_SENTENCE: &str = "Azure AI Speech just works, even without an Azure account.";

/// Arguments of `azspeech demo`.
#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// The sentence to synthesize and recognize.
    #[arg(default_value = DEFAULT_SENTENCE)]
    pub sentence: String,
    /// Where to keep the synthesized audio.
    #[arg(short, long, default_value = "azspeech-demo.wav")]
    pub output: PathBuf,
}

fn failed(step: &str) -> impl Fn(String) -> SetupFailure + '_ {
    move |message| SetupFailure {
        message: format!("azspeech demo: {step}: {message}"),
        code: ExitCode::Internal,
    }
}

/// Run `azspeech demo`.
pub(super) fn run(args: &DemoArgs) -> ExitCode {
    match demo(args) {
        Ok(code) => code,
        Err(failure) => {
            eprintln!("{}", failure.message);
            failure.code
        }
    }
}

fn demo(args: &DemoArgs) -> Result<ExitCode, SetupFailure> {
    let runtime = context::tokio_runtime()?;
    runtime.block_on(async {
        let emulator = Emulator::start(EmulatorConfig::new().verbosity(Verbosity::Quiet))
            .await
            .map_err(|e| failed("starting the emulator")(e.to_string()))?;
        println!(
            "emulator: {} (synthesizer: {})",
            emulator.http_url(),
            emulator.synthesizer()
        );

        // The library, configured with the emulator's endpoint and key (nothing from the
        // environment, so a real SPEECH_KEY in the shell is never used here).
        let mut builder = Speech::builder();
        for (name, value) in emulator.env_vars() {
            builder = match name.as_str() {
                "SPEECH_KEY" => builder.key(value),
                "SPEECH_KEY_SECONDARY" => builder,
                _ => builder.setting(&name, &value),
            };
        }
        let speech = builder.build().map_err(|e| failed("configuration")(e.to_string()))?;

        // 1. Text to speech, into a WAV file written as the audio arrives.
        let options = SynthesisOptions {
            output_format: "riff-16khz-16bit-mono-pcm".to_owned(),
            ..SynthesisOptions::default()
        };
        let report = speech
            .synthesize_to_file(&SpeechInput::Text(args.sentence.clone()), &args.output, &options)
            .await
            .map_err(|e| failed("text to speech")(e.to_string()))?;
        let seconds = report.audio_bytes as f64 / 32_000.0;
        println!(
            "synthesized: \"{}\" -> {} ({seconds:.1} s of audio)",
            args.sentence,
            args.output.display()
        );

        // 2. Speech to text, streaming that file.
        let transcript = speech
            .recognize_file(&args.output)
            .await
            .map_err(|e| failed("speech to text")(e.to_string()))?;
        let heard = transcript.text();
        println!("recognized:  \"{heard}\"");
        emulator.shutdown().await;
        if spoken_words(&heard) == spoken_words(&args.sentence) {
            println!(
                "round trip ok: the recognized text matches the sentence; the audio is in {}",
                args.output.display()
            );
            Ok(ExitCode::Ok)
        } else {
            println!("round trip mismatch: the recognized text differs from the sentence");
            Ok(ExitCode::NoMatch)
        }
    })
}
