//! `azspeech stt FILE`: recognize speech in a WAV file (or `-` for stdin), or with `--mic` from a
//! microphone, printing results as they arrive: plain text, JSON lines, or SRT / WebVTT subtitles
//! from word timings.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::context::{self, SetupFailure};
use super::transcript::{Printer, SttFormat};
use super::{ConfigFlags, SessionFlags, TransportFlags};
use azspeech_host::audio::input::PcmSource;
use azspeech_host::core_runtime::{
    AudioFormat, OutputFormat, Profanity, RecognitionEvent, RecognitionMode, RecognitionOptions,
};
use azspeech_host::exit_code::ExitCode;
use azspeech_host::speech::SessionError;
use azspeech_host::speech::recognize::RecognitionAudio;

/// Profanity handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ProfanityFlag {
    /// Replace profanity with asterisks (the service default).
    Masked,
    /// Remove it.
    Removed,
    /// Keep it.
    Raw,
}

/// Arguments of `azspeech stt`.
#[derive(Debug, Args)]
pub(crate) struct SttArgs {
    /// WAV file to recognize, or `-` for standard input. 16-bit mono PCM at 16 or 8 kHz is sent as
    /// is; other rates, channel counts and sample formats are converted to 16 kHz mono.
    #[arg(required_unless_present = "mic", conflicts_with = "mic")]
    pub file: Option<PathBuf>,
    /// Recognize speech from a microphone until Ctrl-C (or --duration, or the first utterance
    /// with --once). Needs the `microphone` cargo feature.
    #[arg(long)]
    pub mic: bool,
    /// The microphone to use (a name as `arecord -L` prints it); the default input otherwise.
    #[arg(long, value_name = "NAME", conflicts_with = "file")]
    pub device: Option<String>,
    /// Stop recording after this many seconds of audio.
    #[arg(long, value_name = "SECONDS", conflicts_with = "file", value_parser = parse_seconds)]
    pub duration: Option<std::time::Duration>,
    /// Stop after the first utterance.
    #[arg(long)]
    pub once: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: SttFormat,
    /// Profanity handling.
    #[arg(long, value_enum)]
    pub profanity: Option<ProfanityFlag>,
    /// A phrase to bias recognition towards (repeatable).
    #[arg(long = "phrase")]
    pub phrases: Vec<String>,
    /// How fast a file's audio is sent: `max` (the default: as fast as the service
    /// acknowledges, at most 30 s ahead of it, so results come sooner and memory stays
    /// bounded), `realtime`, or a factor such as `2` (twice real time, like a live stream).
    #[arg(long, value_name = "max|realtime|FACTOR", default_value = "max", value_parser = super::parse_pace)]
    pub pace: super::PaceFlag,
    /// Connection lifetime.
    #[command(flatten)]
    pub session: SessionFlags,
    /// Settings that override the environment.
    #[command(flatten)]
    pub config: ConfigFlags,
    /// Transport overrides.
    #[command(flatten)]
    pub transport: TransportFlags,
}

/// Run `azspeech stt`.
pub(super) fn run(args: &SttArgs) -> ExitCode {
    match recognize(args) {
        Ok(code) => code,
        Err(failure) => {
            eprintln!("{}", failure.message);
            failure.code
        }
    }
}

fn failure(error: SessionError) -> SetupFailure {
    SetupFailure {
        code: error.exit_code(),
        message: format!("azspeech stt: {error}"),
    }
}

fn parse_seconds(text: &str) -> Result<std::time::Duration, String> {
    match text.parse::<f64>() {
        Ok(seconds) if seconds > 0.0 && seconds.is_finite() && seconds <= 86_400.0 => {
            Ok(std::time::Duration::from_secs_f64(seconds))
        }
        _ => Err(format!(
            "expected a number of seconds between 0 and 86400, got {text:?}"
        )),
    }
}

fn recognize(args: &SttArgs) -> Result<ExitCode, SetupFailure> {
    match &args.file {
        Some(file) => {
            let source = PcmSource::open(file).map_err(|error| failure(error.into()))?;
            if source.is_converted() {
                tracing::info!("converting {} to 16 kHz mono 16-bit PCM", source.input_format());
            }
            let announced_ms = source.announced_duration_ms();
            run_session(args, || Ok(source), announced_ms, None)
        }
        None => recognize_microphone(args),
    }
}

#[cfg(feature = "microphone")]
fn recognize_microphone(args: &SttArgs) -> Result<ExitCode, SetupFailure> {
    use azspeech_host::audio::microphone::{Microphone, MicrophoneStop};
    let stop = MicrophoneStop::default();
    let open = || {
        let microphone = Microphone::open(args.device.as_deref(), 16_000, args.duration, stop.clone())
            .map_err(|error| failure(error.into()))?;
        eprintln!(
            "listening on {} ({}); press Ctrl-C to stop",
            microphone.device(),
            microphone.config()
        );
        Ok(microphone)
    };
    let on_interrupt: Box<dyn FnOnce()> = Box::new(|| {
        eprintln!("stopping: recognizing what was recorded (Ctrl-C again to quit at once)");
        stop.stop();
    });
    run_session(args, open, 0, Some(on_interrupt))
}

#[cfg(not(feature = "microphone"))]
fn recognize_microphone(_args: &SttArgs) -> Result<ExitCode, SetupFailure> {
    Err(context::feature_missing("--mic", "microphone"))
}

/// Resolve the configuration, open the audio (after the configuration is known good, so a
/// microphone is never opened for a run that cannot start), and recognize. `on_interrupt`
/// runs at the first Ctrl-C; the second one ends the process as usual.
fn run_session<S: RecognitionAudio>(
    args: &SttArgs,
    open_source: impl FnOnce() -> Result<S, SetupFailure>,
    announced_ms: u64,
    on_interrupt: Option<Box<dyn FnOnce() + '_>>,
) -> Result<ExitCode, SetupFailure> {
    let speech = context::speech(&args.config, &args.transport, args.session.tuning(args.pace.0))?;
    let client = speech.client();
    let mut source = open_source()?;
    let wants_words = matches!(args.format, SttFormat::Json | SttFormat::Srt | SttFormat::Vtt);
    let recognition = RecognitionOptions {
        mode: if args.once {
            RecognitionMode::Interactive
        } else {
            RecognitionMode::Conversation
        },
        language: String::new(),
        format: if wants_words {
            OutputFormat::Detailed
        } else {
            OutputFormat::Simple
        },
        profanity: args.profanity.map(|p| match p {
            ProfanityFlag::Masked => Profanity::Masked,
            ProfanityFlag::Removed => Profanity::Removed,
            ProfanityFlag::Raw => Profanity::Raw,
        }),
        word_timestamps: wants_words,
        phrase_list: args.phrases.clone(),
        audio: AudioFormat {
            sample_rate: source.sample_rate(),
            bits_per_sample: 16,
            channels: 1,
        },
        max_unacknowledged_ms: None,
    };
    let progress = progress_bar(announced_ms);
    let mut printer = Printer::new(args.format, Box::new(std::io::stdout()));
    let runtime = context::tokio_runtime()?;
    let session = client.recognize(&mut source, &recognition, |event| {
        if let (Some(bar), Some(end_ms)) = (&progress, event_end_ms(event)) {
            bar.set_position(end_ms);
        }
        printer.event(event);
    });
    let result = runtime.block_on(async {
        let Some(on_interrupt) = on_interrupt else {
            return session.await;
        };
        tokio::pin!(session);
        tokio::select! {
            result = &mut session => return result,
            interrupted = tokio::signal::ctrl_c() => {
                if interrupted.is_ok() {
                    on_interrupt();
                }
            }
        }
        tokio::select! {
            result = &mut session => result,
            _ = tokio::signal::ctrl_c() => {
                eprintln!("azspeech stt: interrupted");
                std::process::exit(130);
            }
        }
    });
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    let summary = result.map_err(failure)?;
    printer.finish();
    Ok(if summary.recognized > 0 {
        ExitCode::Ok
    } else {
        ExitCode::NoMatch
    })
}

fn event_end_ms(event: &RecognitionEvent) -> Option<u64> {
    match event {
        RecognitionEvent::Phrase(phrase) => Some((phrase.offset + phrase.duration) / 10_000),
        RecognitionEvent::Hypothesis(partial) | RecognitionEvent::Fragment(partial) => {
            Some((partial.offset + partial.duration) / 10_000)
        }
        _ => None,
    }
}

/// A progress bar on a terminal only (none when stderr is piped or in CI).
fn progress_bar(total_ms: u64) -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() || std::env::var_os("CI").is_some() || total_ms == 0 {
        return None;
    }
    let bar = indicatif::ProgressBar::new(total_ms);
    if let Ok(style) = indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} ms recognized") {
        bar.set_style(style);
    }
    Some(bar)
}
