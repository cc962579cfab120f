//! `azspeech stt FILE`: recognize speech in a WAV file (or `-` for stdin), printing results as
//! they arrive: plain text, JSON lines, or SRT / WebVTT subtitles from word timings.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde_json::json;

use super::context::{self, SetupFailure};
use super::{ConfigFlags, TransportFlags};
use crate::audio::input::PcmSource;
use crate::core_runtime::{
    AudioFormat, OutputFormat, PhraseResult, Profanity, RecognitionEvent, RecognitionMode, RecognitionOptions,
    RecognitionStatus,
};
use crate::exit_code::ExitCode;
use crate::speech::{SessionError, SpeechClient};
use crate::subtitles::{self, TimedWord};

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SttFormat {
    /// One line of text per recognized phrase.
    Text,
    /// One JSON object per phrase (offset, duration, confidence, words), one per line.
    Json,
    /// SubRip subtitles from word timings.
    Srt,
    /// WebVTT subtitles from word timings.
    Vtt,
}

/// Profanity handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProfanityFlag {
    /// Replace profanity with asterisks (the service default).
    Masked,
    /// Remove it.
    Removed,
    /// Keep it.
    Raw,
}

/// Arguments of `azspeech stt`.
#[derive(Debug, Args)]
pub struct SttArgs {
    /// WAV file to recognize, or `-` for standard input. 16-bit mono PCM at 16 or 8 kHz is sent as
    /// is; other rates, channel counts and sample formats are converted to 16 kHz mono.
    pub file: PathBuf,
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

fn recognize(args: &SttArgs) -> Result<ExitCode, SetupFailure> {
    let mut source = PcmSource::open(&args.file).map_err(|error| failure(error.into()))?;
    if source.is_converted() {
        let spec = source.input_spec();
        tracing::info!(
            "converting {} Hz, {} channel(s), {}-bit {:?} to 16 kHz mono 16-bit PCM",
            spec.sample_rate,
            spec.channels,
            spec.bits_per_sample,
            spec.sample_format
        );
    }
    let resolved = context::resolve_or_fail(&args.config)?;
    let options = context::transport_options(&args.transport)?;
    let broker = context::broker(&resolved.settings, &options)?;
    let tls = context::tls(&options)?;
    let client = SpeechClient {
        runtime: &resolved.runtime,
        settings: &resolved.settings,
        broker: &broker,
        transport: &options,
        tls,
    };
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
    let progress = progress_bar(source.announced_duration_ms());
    let mut printer = Printer::new(args.format, args.once);
    let runtime = context::tokio_runtime()?;
    let result = runtime.block_on(client.recognize(&mut source, &recognition, |event| {
        if let (Some(bar), Some(end_ms)) = (&progress, event_end_ms(event)) {
            bar.set_position(end_ms);
        }
        printer.event(event);
    }));
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

/// Prints results as they arrive.
struct Printer {
    format: SttFormat,
    cue_index: usize,
    stdout: std::io::Stdout,
}

impl Printer {
    fn new(format: SttFormat, _once: bool) -> Self {
        let mut printer = Self {
            format,
            cue_index: 0,
            stdout: std::io::stdout(),
        };
        if format == SttFormat::Vtt {
            printer.write("WEBVTT\n\n");
        }
        printer
    }

    fn write(&mut self, text: &str) {
        let mut out = self.stdout.lock();
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    }

    fn event(&mut self, event: &RecognitionEvent) {
        let RecognitionEvent::Phrase(phrase) = event else {
            return;
        };
        if phrase.status != RecognitionStatus::Success {
            return;
        }
        match self.format {
            SttFormat::Text => self.write(&format!("{}\n", phrase.text)),
            SttFormat::Json => self.write(&format!("{}\n", phrase_json(phrase))),
            SttFormat::Srt | SttFormat::Vtt => {
                let cues = subtitles::cues(&phrase_words(phrase));
                let mut text = String::new();
                for cue in cues {
                    self.cue_index += 1;
                    text.push_str(&match self.format {
                        SttFormat::Srt => subtitles::srt_cue(self.cue_index, &cue),
                        _ => subtitles::vtt_cue(&cue),
                    });
                }
                self.write(&text);
            }
        }
    }

    fn finish(&mut self) {}
}

/// The phrase's words with display text where it lines up; the whole phrase as one word when
/// the service gave no word timings.
fn phrase_words(phrase: &PhraseResult) -> Vec<TimedWord<'_>> {
    match phrase.alternatives.first() {
        Some(best) if !best.words.is_empty() => {
            let lexical: Vec<TimedWord<'_>> = best
                .words
                .iter()
                .map(|w| TimedWord {
                    text: w.word.as_str(),
                    offset: w.offset,
                    duration: w.duration,
                })
                .collect();
            subtitles::with_display_text(&phrase.text, &lexical)
        }
        _ => vec![TimedWord {
            text: phrase.text.as_str(),
            offset: phrase.offset,
            duration: phrase.duration,
        }],
    }
}

fn phrase_json(phrase: &PhraseResult) -> serde_json::Value {
    let best = phrase.alternatives.first();
    json!({
        "text": phrase.text,
        "offset": phrase.offset,
        "duration": phrase.duration,
        "offset_ms": phrase.offset / 10_000,
        "duration_ms": phrase.duration / 10_000,
        "confidence": best.map(|b| b.confidence),
        "lexical": best.map(|b| b.lexical.as_str()),
        "words": best.map(|b| b.words.iter().map(|w| json!({
            "word": w.word, "offset": w.offset, "duration": w.duration, "confidence": w.confidence,
        })).collect::<Vec<_>>()).unwrap_or_default(),
    })
}
