//! `azspeech transcribe FILE...`: fast transcription, one request per file, much faster than real
//! time, with diarization (`--diarize`), channel separation (`--channels 0,1`), language
//! identification (`--locale` repeated) and a phrase list. One file prints to standard output;
//! several (or `-o DIR`, or `--format all`) write STEM.EXT beside each input or in DIR, `-j N` at
//! a time, through the same printers and multi-file machinery as `stt`. A rerun skips inputs whose
//! outputs exist unless `--force`; outputs are written whole (renamed into place), so an
//! interrupted run leaves only complete results.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use super::batch;
use super::context::{self, SetupFailure};
use super::stt::{output_path, prepare_output_names};
use super::transcript::{BufferedOutput, Printer, SttFormat, SttFormatChoice};
use super::{ConfigFlags, TransportFlags};
use azspeech_host::Speech;
use azspeech_host::core_runtime::{ProfanityMode, TranscribedPhrase, TranscriptionOptions, TranscriptionResult};
use azspeech_host::exit_code::ExitCode;
use azspeech_host::transcription::RetryBudget;

/// `--profanity` of transcription.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum TranscriptionProfanity {
    /// Replace profanity with asterisks (the service default).
    Masked,
    /// Remove it.
    Removed,
    /// Wrap it in `<profanity>` tags.
    Tags,
    /// Keep it.
    Raw,
}

impl TranscriptionProfanity {
    pub(crate) fn mode(self) -> ProfanityMode {
        match self {
            Self::Masked => ProfanityMode::Masked,
            Self::Removed => ProfanityMode::Removed,
            Self::Tags => ProfanityMode::Tags,
            Self::Raw => ProfanityMode::None,
        }
    }
}

/// What is transcribed and how; shared by `transcribe` and `batch submit`.
#[derive(Debug, Clone, Args)]
pub(crate) struct TranscriptionFlags {
    /// Tell speakers apart (diarization); phrases are labelled `Speaker N`.
    #[arg(long)]
    pub diarize: bool,
    /// At most this many speakers (2 to 35; default 2).
    #[arg(long, value_name = "N", requires = "diarize", value_parser = clap::value_parser!(u32).range(2..=35))]
    pub max_speakers: Option<u32>,
    /// The locale of the audio, e.g. en-US; repeat it for language identification among
    /// several (default: the service decides).
    #[arg(long = "locale", value_name = "LOCALE")]
    pub locales: Vec<String>,
    /// Transcribe these channels of a stereo file separately: 0, 1 or 0,1 (default: mixed).
    #[arg(long, value_name = "0,1", value_delimiter = ',', value_parser = clap::value_parser!(u32).range(0..=1))]
    pub channels: Vec<u32>,
    /// Profanity handling.
    #[arg(long, value_enum)]
    pub profanity: Option<TranscriptionProfanity>,
}

impl TranscriptionFlags {
    pub(crate) fn options(&self, phrases: &[String]) -> TranscriptionOptions {
        TranscriptionOptions {
            locales: self.locales.clone(),
            max_speakers: self.diarize.then(|| self.max_speakers.unwrap_or(2)),
            channels: self.channels.clone(),
            profanity: self.profanity.map(TranscriptionProfanity::mode),
            phrases: phrases.to_vec(),
        }
    }
}

/// `--retry-budget`.
pub(crate) fn parse_budget(text: &str) -> Result<RetryBudget, String> {
    match text.parse::<f64>() {
        Ok(secs) if secs.is_finite() && (0.0..=86_400.0).contains(&secs) => Ok(RetryBudget {
            total_ms: (secs * 1000.0) as u64,
        }),
        _ => Err(format!("expected seconds between 0 and 86400, got {text:?}")),
    }
}

/// Arguments of `azspeech transcribe`.
#[derive(Debug, Args)]
pub(crate) struct TranscribeArgs {
    /// Audio files (WAV, MP3, FLAC, Ogg Opus...: the service decodes them); wildcards such as
    /// "*.wav" are expanded when the shell did not.
    #[arg(required_unless_present = "files_from")]
    pub files: Vec<PathBuf>,
    /// Also transcribe the files listed in LIST, one path per line (`-` for standard input).
    #[arg(long, value_name = "LIST")]
    pub files_from: Option<PathBuf>,
    /// Write each input's results to DIR/STEM.EXT instead of beside the input (several inputs)
    /// or to standard output (one input).
    #[arg(short = 'o', long = "output-dir", value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
    /// Files transcribed at a time.
    #[arg(short = 'j', long, value_name = "N", default_value = "1", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: u16,
    /// Output format; `all` writes txt, json, srt and vtt files at once.
    #[arg(long, value_enum, default_value = "text")]
    pub format: SttFormatChoice,
    /// Transcribe inputs again even if their outputs exist.
    #[arg(long)]
    pub force: bool,
    /// A phrase to bias recognition towards (repeatable).
    #[arg(long = "phrase")]
    pub phrases: Vec<String>,
    /// Diarization, locales, channels, profanity.
    #[command(flatten)]
    pub transcription: TranscriptionFlags,
    /// How long one file may wait in total for retries after 429 (honouring Retry-After) or 5xx.
    #[arg(long, value_name = "SECONDS", default_value = "120", value_parser = parse_budget)]
    pub retry_budget: RetryBudget,
    /// Settings that override the environment.
    #[command(flatten)]
    pub config: ConfigFlags,
    /// Transport overrides.
    #[command(flatten)]
    pub transport: TransportFlags,
}

/// Run `azspeech transcribe`.
pub(super) fn run(args: &TranscribeArgs) -> ExitCode {
    match transcribe(args) {
        Ok(code) => code,
        Err(failure) => {
            eprintln!("{}", failure.message);
            failure.code
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, SetupFailure> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|error| SetupFailure {
            message: format!("cannot start the async runtime: {error}"),
            code: ExitCode::Internal,
        })
}

fn transcribe(args: &TranscribeArgs) -> Result<ExitCode, SetupFailure> {
    let inputs = batch::inputs(&args.files, args.files_from.as_deref())?;
    let formats = args.format.formats();
    let speech = context::builder(&args.config, &args.transport)?.build()?;
    let runtime = runtime()?;
    let options = args.transcription.options(&args.phrases);
    match inputs.as_slice() {
        [] => Err(SetupFailure {
            message: "azspeech transcribe: the file list is empty".into(),
            code: ExitCode::Input,
        }),
        [only] if args.output_dir.is_none() && formats.len() == 1 && args.files_from.is_none() => {
            let result = runtime
                .block_on(speech.transcribe_file_with_budget(only, &options, args.retry_budget))
                .map_err(failure)?;
            let mut printer = Printer::new(formats[0], Box::new(std::io::stdout()));
            print(&mut printer, &result, options.locales.len() > 1);
            Ok(outcome(&result))
        }
        _ => transcribe_to_files(args, &speech, &runtime, &options, &inputs, &formats),
    }
}

fn failure(error: azspeech_host::Error) -> SetupFailure {
    SetupFailure {
        code: error.exit_code(),
        message: format!("azspeech transcribe: {error}"),
    }
}

/// Print every phrase. Locales are labelled only with language identification (several
/// `--locale`s): with one, every phrase has it; with none, the service transcribes as it hears.
/// Channels are labelled only when the phrases are on more than one (batch results always name
/// channel 0 of a mono file).
fn print(printer: &mut Printer, result: &TranscriptionResult, show_language: bool) {
    let channels: std::collections::BTreeSet<u32> = result.phrases.iter().filter_map(|p| p.channel).collect();
    let show_channel = channels.len() > 1;
    for phrase in &result.phrases {
        printer.transcribed(&TranscribedPhrase {
            locale: phrase.locale.clone().filter(|_| show_language),
            channel: phrase.channel.filter(|_| show_channel),
            ..phrase.clone()
        });
    }
    printer.finish();
}

fn outcome(result: &TranscriptionResult) -> ExitCode {
    if result.phrases.iter().any(|p| !p.text.is_empty()) {
        ExitCode::Ok
    } else {
        ExitCode::NoMatch
    }
}

fn transcribe_to_files(
    args: &TranscribeArgs,
    speech: &Speech,
    runtime: &tokio::runtime::Runtime,
    options: &TranscriptionOptions,
    inputs: &[PathBuf],
    formats: &[SttFormat],
) -> Result<ExitCode, SetupFailure> {
    prepare_output_names("azspeech transcribe", inputs, args.output_dir.as_deref(), formats[0])?;
    Ok(batch::run(
        "azspeech transcribe",
        inputs,
        |input| input.display().to_string(),
        usize::from(args.jobs),
        |input| transcribe_one(args, speech, runtime, options, input, formats),
    ))
}

fn transcribe_one(
    args: &TranscribeArgs,
    speech: &Speech,
    runtime: &tokio::runtime::Runtime,
    options: &TranscriptionOptions,
    input: &Path,
    formats: &[SttFormat],
) -> batch::JobResult {
    let outputs: Vec<PathBuf> = formats
        .iter()
        .map(|format| output_path(input, args.output_dir.as_deref(), *format))
        .collect();
    if !args.force && outputs.iter().all(|path| path.is_file()) {
        return Ok("skipped: already transcribed (--force to redo)".to_owned());
    }
    let result = runtime
        .block_on(speech.transcribe_file_with_budget(input, options, args.retry_budget))
        .map_err(failure)?;
    let written = write_outputs(&result, formats, &outputs, options.locales.len() > 1)?;
    match outcome(&result) {
        ExitCode::Ok => Ok(format!("wrote {}", written.join(", "))),
        code => Err(SetupFailure {
            message: format!("no speech recognized (wrote {})", written.join(", ")),
            code,
        }),
    }
}

/// Print `result` in each format and write each file whole: a temporary file beside it, then
/// renamed into place, so a file that exists is complete.
pub(super) fn write_outputs(
    result: &TranscriptionResult,
    formats: &[SttFormat],
    outputs: &[PathBuf],
    show_language: bool,
) -> Result<Vec<String>, SetupFailure> {
    let mut written = Vec::new();
    for (format, path) in formats.iter().zip(outputs) {
        let buffer = BufferedOutput::default();
        let mut printer = Printer::new(*format, Box::new(buffer.clone()));
        print(&mut printer, result, show_language);
        let cannot = |error: std::io::Error| SetupFailure {
            message: format!("cannot write {}: {error}", path.display()),
            code: ExitCode::Input,
        };
        let mut partial = path.clone().into_os_string();
        partial.push(".partial");
        let partial = PathBuf::from(partial);
        std::fs::write(&partial, buffer.take()).map_err(cannot)?;
        std::fs::rename(&partial, path).map_err(cannot)?;
        written.push(path.display().to_string());
    }
    Ok(written)
}
