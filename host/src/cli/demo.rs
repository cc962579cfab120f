//! `azspeech demo`: the main job on a fresh machine, no Azure account needed. Starts the built-in
//! emulator on 127.0.0.1, synthesizes a sentence to a WAV file through the core, recognizes that
//! file, and prints the sentence it heard and where the audio is.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;

use super::context::{self, SetupFailure};
use azspeech_emulator::{Emulator, EmulatorConfig, Verbosity};
use azspeech_host::artifact_cache::ArtifactCache;
use azspeech_host::audio::input::PcmSource;
use azspeech_host::audio::output::AudioWriter;
use azspeech_host::clock::SystemClock;
use azspeech_host::core_runtime::{
    AudioFormat, CoreRuntime, OutputFormat, RecognitionEvent, RecognitionMode, RecognitionOptions, RecognitionStatus,
    SynthesisOptions,
};
use azspeech_host::credentials::{CredentialBroker, EntraEnvironment, KeyRing, RetryPolicy};
use azspeech_host::exit_code::ExitCode;
use azspeech_host::secret::Secret;
use azspeech_host::speech::SpeechClient;
use azspeech_host::speech::synthesize::SpeechInput;
use azspeech_host::transport::TransportOptions;

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

/// The words of `text`, lowercased, without punctuation.
fn words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|w| {
            w.chars()
                .filter(|c| c.is_alphanumeric())
                .collect::<String>()
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect()
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

        let core_runtime = CoreRuntime::load(&ArtifactCache::from_environment())?;
        let mut core = core_runtime.instantiate()?;
        let secret_names = core.secret_names()?;
        let variables = emulator.env_vars().into_iter().map(|(k, v)| (k.into(), v.into()));
        let inputs = azspeech_host::settings_input::from_environment(variables, &secret_names);
        let settings = core
            .resolve(&inputs)?
            .map_err(|error| failed("configuration")(context::config_error_text(&error)))?;
        let transport = TransportOptions::default();
        let http = azspeech_host::transport::http_client::build(&transport)
            .map_err(|e| failed("HTTP client")(e.to_string()))?;
        let broker = CredentialBroker::new(
            &settings,
            KeyRing::new(Some(Secret::new(emulator.primary_key())), None),
            EntraEnvironment::default(),
            http,
            RetryPolicy::None,
            Arc::new(SystemClock),
        );
        let tls = azspeech_host::transport::tls::client_config(None).map_err(|e| failed("TLS")(e.to_string()))?;

        // 1. Text to speech, into a WAV file written as the audio arrives.
        let format_name = "riff-16khz-16bit-mono-pcm";
        let header = |core: &mut azspeech_host::core_runtime::CoreInstance, len: u32| {
            core.synthesis_wav_header(format_name, len)
                .map(|r| r.map_err(|e| format!("{e:?}")))
        };
        let initial = header(&mut core, u32::MAX)?.map_err(failed("WAV header"))?;
        let mut writer =
            AudioWriter::create(&args.output, Some(&initial)).map_err(|e| failed("output")(e.to_string()))?;
        let client = SpeechClient {
            runtime: &core_runtime,
            settings: &settings,
            broker: &broker,
            transport: &transport,
            tls: tls.clone(),
            tuning: Default::default(),
        };
        let options = SynthesisOptions {
            output_format: format_name.to_owned(),
            voice: String::new(),
            language: String::new(),
            rate: None,
            pitch: None,
            volume: None,
            style: None,
            style_degree: None,
            role: None,
            word_boundaries: false,
            sentence_boundaries: false,
            punctuation_boundaries: false,
            visemes: false,
            bookmarks: false,
        };
        let summary = client
            .synthesize(&SpeechInput::Text(args.sentence.clone()), &options, &mut writer, |_| {})
            .await
            .map_err(|e| failed("text to speech")(e.to_string()))?;
        let final_header =
            header(&mut core, u32::try_from(summary.audio_bytes).unwrap_or(u32::MAX))?.map_err(failed("WAV header"))?;
        writer
            .finish(Some(&final_header))
            .map_err(|e| failed("output")(e.to_string()))?;
        let seconds = summary.audio_bytes as f64 / 32_000.0;
        println!(
            "synthesized: \"{}\" -> {} ({seconds:.1} s of audio)",
            args.sentence,
            args.output.display()
        );

        // 2. Speech to text, streaming that file.
        let mut source = PcmSource::open(&args.output).map_err(|e| failed("reading the audio")(e.to_string()))?;
        let client = SpeechClient {
            runtime: &core_runtime,
            settings: &settings,
            broker: &broker,
            transport: &transport,
            tls,
            tuning: Default::default(),
        };
        let recognition = RecognitionOptions {
            mode: RecognitionMode::Conversation,
            language: String::new(),
            format: OutputFormat::Simple,
            profanity: None,
            word_timestamps: false,
            phrase_list: vec![],
            audio: AudioFormat {
                sample_rate: source.sample_rate(),
                bits_per_sample: 16,
                channels: 1,
            },
            max_unacknowledged_ms: None,
            language_id: None,
        };
        let mut heard = Vec::new();
        client
            .recognize(&mut source, &recognition, |event| {
                if let RecognitionEvent::Phrase(phrase) = event
                    && phrase.status == RecognitionStatus::Success
                {
                    heard.push(phrase.text.clone());
                }
            })
            .await
            .map_err(|e| failed("speech to text")(e.to_string()))?;
        let heard = heard.join(" ");
        println!("recognized:  \"{heard}\"");
        emulator.shutdown().await;
        if words(&heard) == words(&args.sentence) {
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
