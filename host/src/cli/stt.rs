//! `azspeech stt FILE...`: recognize speech in audio files (any format `audio::input` decodes, or
//! `-` for stdin), or with `--mic` from a microphone. One file prints results as they arrive:
//! plain text, JSON lines, or SRT / WebVTT subtitles from word timings. Several files (or `-o
//! DIR`, or `--format all`) write one output per input and format, named after the input's stem,
//! beside it or in DIR, `-j N` at a time, with a summary of failures at the end.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use super::batch;
use super::context::{self, SetupFailure};
use super::transcript::{BufferedOutput, Printer, SttFormat, SttFormatChoice};
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
    /// Audio files to recognize (WAV, FLAC, MP3, AAC/M4A, Ogg Vorbis/Opus), or `-` for standard
    /// input; wildcards such as "*.mp3" are expanded when the shell did not. 16-bit mono WAV at 16
    /// or 8 kHz is sent as is; everything else is decoded and converted to 16 kHz mono.
    #[arg(required_unless_present_any = ["mic", "files_from"], conflicts_with = "mic")]
    pub files: Vec<PathBuf>,
    /// Also recognize the files listed in LIST, one path per line (`-` for standard input).
    #[arg(long, value_name = "LIST", conflicts_with = "mic")]
    pub files_from: Option<PathBuf>,
    /// Write each input's results to DIR/STEM.EXT (txt, json, srt, vtt) instead of beside the
    /// input (several inputs) or to standard output (one input).
    #[arg(short = 'o', long = "output-dir", value_name = "DIR", conflicts_with = "mic")]
    pub output_dir: Option<PathBuf>,
    /// Files recognized at a time.
    #[arg(short = 'j', long, value_name = "N", default_value = "1", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: u16,
    /// Recognize speech from a microphone until Ctrl-C (or --duration, or the first utterance
    /// with --once). Needs the `microphone` cargo feature.
    #[arg(long)]
    pub mic: bool,
    /// The microphone to use (a name as `arecord -L` prints it); the default input otherwise.
    #[arg(long, value_name = "NAME", conflicts_with = "files")]
    pub device: Option<String>,
    /// Stop recording after this many seconds of audio.
    #[arg(long, value_name = "SECONDS", conflicts_with = "files", value_parser = parse_seconds)]
    pub duration: Option<std::time::Duration>,
    /// Stop after the first utterance.
    #[arg(long)]
    pub once: bool,
    /// Output format; `all` writes txt, json, srt and vtt files at once.
    #[arg(long, value_enum, default_value = "text")]
    pub format: SttFormatChoice,
    /// Profanity handling.
    #[arg(long, value_enum)]
    pub profanity: Option<ProfanityFlag>,
    /// A phrase to bias recognition towards (repeatable).
    #[arg(long = "phrase")]
    pub phrases: Vec<String>,
    /// Language identification.
    #[command(flatten)]
    pub language_id: super::language_id::LanguageIdFlags,
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
    if args.mic {
        return recognize_microphone(args);
    }
    let inputs = batch::inputs(&args.files, args.files_from.as_deref())?;
    let formats = args.format.formats();
    match inputs.as_slice() {
        [] => Err(SetupFailure {
            message: "azspeech stt: the file list is empty".into(),
            code: ExitCode::Input,
        }),
        [only] if args.output_dir.is_none() && formats.len() == 1 && args.files_from.is_none() => {
            let (source, announced_ms) = open_file(only)?;
            let printers = vec![Printer::new(formats[0], Box::new(std::io::stdout()))];
            run_session(
                args,
                &formats,
                printers,
                || Ok(source),
                progress_bar(announced_ms),
                None,
            )
        }
        _ => recognize_to_files(args, &inputs, &formats),
    }
}

fn open_file(path: &Path) -> Result<(PcmSource, u64), SetupFailure> {
    let source = PcmSource::open(path).map_err(|error| failure(error.into()))?;
    if source.is_converted() {
        tracing::info!("converting {} to 16 kHz mono 16-bit PCM", source.input_format());
    }
    let announced_ms = source.announced_duration_ms();
    Ok((source, announced_ms))
}

/// Where an input's results in `format` go: DIR/STEM.EXT, or beside the input.
pub(super) fn output_path(input: &Path, dir: Option<&Path>, format: SttFormat) -> PathBuf {
    let stem = match input.file_stem() {
        Some(stem) if input != Path::new("-") => stem.to_owned(),
        _ => "stdin".into(),
    };
    let mut name = PathBuf::from(stem);
    name.set_extension(format.extension());
    match dir {
        Some(dir) => dir.join(name),
        None => input.parent().unwrap_or(Path::new("")).join(name),
    }
}

/// Ready the outputs of several inputs: create `output_dir` (if given), and refuse up front two
/// inputs whose outputs would have the same name (the same stem), which would overwrite each
/// other's results. `command` starts the messages ("azspeech stt").
pub(super) fn prepare_output_names(
    command: &str,
    inputs: &[PathBuf],
    output_dir: Option<&Path>,
    format: SttFormat,
) -> Result<(), SetupFailure> {
    if let Some(dir) = output_dir {
        std::fs::create_dir_all(dir).map_err(|error| SetupFailure {
            message: format!("{command}: cannot create {}: {error}", dir.display()),
            code: ExitCode::Input,
        })?;
    }
    let mut seen = std::collections::HashMap::new();
    for input in inputs {
        let path = output_path(input, output_dir, format);
        if let Some(other) = seen.insert(path.clone(), input) {
            return Err(SetupFailure {
                message: format!(
                    "{command}: {} and {} would both write {}.\n  fix: rename one, or run them with different -o directories",
                    other.display(),
                    input.display(),
                    path.display()
                ),
                code: ExitCode::Configuration,
            });
        }
    }
    Ok(())
}

/// Several inputs (or files asked for): one session per input, `-j` at a time; each input's
/// outputs are written once its recognition has succeeded.
fn recognize_to_files(args: &SttArgs, inputs: &[PathBuf], formats: &[SttFormat]) -> Result<ExitCode, SetupFailure> {
    prepare_output_names("azspeech stt", inputs, args.output_dir.as_deref(), formats[0])?;
    Ok(batch::run(
        "azspeech stt",
        inputs,
        |input| input.display().to_string(),
        usize::from(args.jobs),
        |input| recognize_one_to_files(args, input, formats),
    ))
}

fn recognize_one_to_files(args: &SttArgs, input: &Path, formats: &[SttFormat]) -> batch::JobResult {
    let (source, _) = open_file(input)?;
    let buffers: Vec<BufferedOutput> = formats.iter().map(|_| BufferedOutput::default()).collect();
    let printers = formats
        .iter()
        .zip(&buffers)
        .map(|(format, buffer)| Printer::new(*format, Box::new(buffer.clone())))
        .collect();
    let code = run_session(args, formats, printers, || Ok(source), None, None)?;
    let mut written = Vec::new();
    for (format, buffer) in formats.iter().zip(&buffers) {
        let path = output_path(input, args.output_dir.as_deref(), *format);
        std::fs::write(&path, buffer.take()).map_err(|error| SetupFailure {
            message: format!("azspeech stt: cannot write {}: {error}", path.display()),
            code: ExitCode::Input,
        })?;
        written.push(path.display().to_string());
    }
    match code {
        ExitCode::Ok => Ok(format!("wrote {}", written.join(", "))),
        code => Err(SetupFailure {
            message: format!("no speech recognized (wrote {})", written.join(", ")),
            code,
        }),
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
    let [format] = args.format.formats()[..] else {
        return Err(SetupFailure {
            message: "azspeech stt: --format all writes files, and --mic prints to standard output.\n  fix: pick one of text, json, srt or vtt".into(),
            code: ExitCode::Configuration,
        });
    };
    let printers = vec![Printer::new(format, Box::new(std::io::stdout()))];
    run_session(args, &[format], printers, open, None, Some(on_interrupt))
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
    formats: &[SttFormat],
    mut printers: Vec<Printer>,
    open_source: impl FnOnce() -> Result<S, SetupFailure>,
    progress: Option<indicatif::ProgressBar>,
    on_interrupt: Option<Box<dyn FnOnce() + '_>>,
) -> Result<ExitCode, SetupFailure> {
    let speech = context::speech(&args.config, &args.transport, args.session.tuning(args.pace.0))?;
    let client = speech.client();
    let mut source = open_source()?;
    let wants_words = formats.iter().any(|format| format.needs_words());
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
        language_id: args.language_id.language_id(),
    };
    let runtime = context::tokio_runtime()?;
    let session = client.recognize(&mut source, &recognition, |event| {
        if let (Some(bar), Some(end_ms)) = (&progress, event_end_ms(event)) {
            bar.set_position(end_ms);
        }
        for printer in &mut printers {
            printer.event(event);
        }
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
    for printer in &mut printers {
        printer.finish();
    }
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
