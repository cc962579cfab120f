//! `azspeech tts`: synthesize text or SSML to an audio file (or stdout), written as it arrives,
//! and with `--play` to a speaker as it arrives.

use std::io::Read;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde_json::json;

use super::context::{self, SetupFailure};
use super::{ConfigFlags, SessionFlags, TransportFlags};
use azspeech_host::audio::output::AudioWriter;
use azspeech_host::core_runtime::{AudioEncoding, FormatInfo, SynthesisEvent, SynthesisOptions};
use azspeech_host::exit_code::ExitCode;
use azspeech_host::speech::SessionError;
use azspeech_host::speech::synthesize::{SpeechInput, SynthesisSink, TimedEvent};
use azspeech_host::subtitles::{self, TimedWord};

/// How synthesis events are reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum EventsFormat {
    /// One JSON object per word / sentence boundary on stderr, with audio offsets.
    Json,
}

/// Arguments of `azspeech tts`.
#[derive(Debug, Clone, Args)]
pub(crate) struct TtsArgs {
    /// The text to speak. Without it (or with `-`) the text is read from standard input.
    pub text: Option<String>,
    /// Read the text from this file.
    #[arg(long, conflicts_with_all = ["text", "ssml"])]
    pub text_file: Option<PathBuf>,
    /// Read SSML from this file (checked for well-formedness, then sent as is).
    #[arg(long, conflicts_with = "text")]
    pub ssml: Option<PathBuf>,
    /// Where to write the audio; `-` for standard output. Default: out.wav, or no file with --play.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Play the audio on a speaker as it arrives (PCM formats). Needs the `speaker` cargo feature.
    #[arg(long)]
    pub play: bool,
    /// The speaker to use (a name as `aplay -L` prints it); the default output otherwise.
    #[arg(long, value_name = "NAME", requires = "play")]
    pub device: Option<String>,
    /// Output format: riff-24khz-16bit-mono-pcm, riff-16khz-16bit-mono-pcm, raw-16khz-16bit-mono-pcm,
    /// audio-24khz-48kbitrate-mono-mp3, ogg-24khz-16bit-mono-opus, ... (any name the service knows).
    #[arg(long, default_value = "riff-24khz-16bit-mono-pcm")]
    pub format: String,
    /// Speaking rate (SSML prosody), e.g. +10% or slow.
    #[arg(long)]
    pub rate: Option<String>,
    /// Pitch (SSML prosody), e.g. -2st or high.
    #[arg(long)]
    pub pitch: Option<String>,
    /// Voice expression: style, style degree, role, volume.
    #[command(flatten)]
    pub expression: super::expression::ExpressionFlags,
    /// List the output formats (for --format) and exit.
    #[arg(long, exclusive = true)]
    pub list_formats: bool,
    /// Synthesize one output per row of a tab-separated file. Its header row names the columns:
    /// `text` (the words) or `ssml` (an SSML file's path), `output` (the audio file), and
    /// optionally `voice`, `format`, `rate`, `pitch` and `srt` (a subtitle file), each overriding
    /// the flag of the same name for that row.
    #[arg(long, value_name = "FILE.tsv", conflicts_with_all = ["text", "text_file", "ssml", "output", "play", "srt"])]
    pub foreach: Option<PathBuf>,
    /// Rows synthesized at a time with --foreach.
    #[arg(short = 'j', long, value_name = "N", default_value = "1", requires = "foreach", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: u16,
    /// Print word and sentence boundaries with audio offsets.
    #[arg(long, value_enum)]
    pub events: Option<EventsFormat>,
    /// Also write SubRip subtitles built from word boundaries.
    #[arg(long, value_name = "FILE")]
    pub srt: Option<PathBuf>,
    /// Settings that override the environment (including --voice and --language).
    #[command(flatten)]
    pub config: ConfigFlags,
    /// Transport overrides.
    #[command(flatten)]
    pub transport: TransportFlags,
    /// Connection lifetime.
    #[command(flatten)]
    pub session: SessionFlags,
}

/// Run `azspeech tts`.
pub(super) fn run(args: &TtsArgs) -> ExitCode {
    if let Some(table) = &args.foreach {
        return match foreach_rows(args, table) {
            Ok(rows) => super::batch::run(
                "azspeech tts",
                &rows,
                |row| row.name.clone(),
                usize::from(args.jobs),
                |row| synthesize(&row.args).map(|()| "done".to_owned()),
            ),
            Err(failure) => {
                eprintln!("{}", failure.message);
                failure.code
            }
        };
    }
    match synthesize(args) {
        Ok(()) => ExitCode::Ok,
        Err(failure) => {
            eprintln!("{}", failure.message);
            failure.code
        }
    }
}

/// One row of a `--foreach` table: the arguments of a one-output run.
#[derive(Debug)]
struct ForeachRow {
    /// How the summary names it: the line and the output.
    name: String,
    args: TtsArgs,
}

/// The columns a `--foreach` table may have.
const FOREACH_COLUMNS: [&str; 8] = ["text", "ssml", "output", "voice", "format", "rate", "pitch", "srt"];

/// Read a `--foreach` table into one set of arguments per row.
fn foreach_rows(args: &TtsArgs, table: &std::path::Path) -> Result<Vec<ForeachRow>, SetupFailure> {
    let content = std::fs::read_to_string(table)
        .map_err(|error| input_failure(format!("cannot read {}: {error}", table.display())))?;
    let mut lines = content.lines().enumerate().filter(|(_, line)| !line.trim().is_empty());
    let bad = |line: usize, message: String| {
        input_failure(format!(
            "{}:{}: {message}\n  fix: a header row of tab-separated column names ({}), then one row per output",
            table.display(),
            line + 1,
            FOREACH_COLUMNS.join(", ")
        ))
    };
    let Some((header_line, header)) = lines.next() else {
        return Err(bad(0, "the table is empty".into()));
    };
    let columns: Vec<&str> = header.split('\t').map(str::trim).collect();
    if let Some(unknown) = columns.iter().find(|c| !FOREACH_COLUMNS.contains(c)) {
        return Err(bad(header_line, format!("unknown column {unknown:?}")));
    }
    let has = |name: &str| columns.contains(&name);
    if !has("output") || has("text") == has("ssml") {
        return Err(bad(
            header_line,
            "the header needs an `output` column and one of `text` or `ssml`".into(),
        ));
    }
    let mut rows = Vec::new();
    for (line, row) in lines {
        let cells: Vec<&str> = row.split('\t').collect();
        if cells.len() != columns.len() {
            return Err(bad(
                line,
                format!("{} cells for {} columns", cells.len(), columns.len()),
            ));
        }
        let mut row_args = args.clone();
        row_args.foreach = None;
        for (column, cell) in columns.iter().zip(cells) {
            let cell = cell.trim();
            if cell.is_empty() {
                continue;
            }
            match *column {
                "text" => row_args.text = Some(cell.to_owned()),
                "ssml" => row_args.ssml = Some(PathBuf::from(cell)),
                "output" => row_args.output = Some(PathBuf::from(cell)),
                "voice" => row_args.config.voice = Some(cell.to_owned()),
                "format" => row_args.format = cell.to_owned(),
                "rate" => row_args.rate = Some(cell.to_owned()),
                "pitch" => row_args.pitch = Some(cell.to_owned()),
                _ => row_args.srt = Some(PathBuf::from(cell)),
            }
        }
        let Some(output) = &row_args.output else {
            return Err(bad(line, "the output cell is empty".into()));
        };
        if row_args.text.is_none() && row_args.ssml.is_none() {
            return Err(bad(line, "the text (or ssml) cell is empty".into()));
        }
        rows.push(ForeachRow {
            name: format!("{}:{} ({})", table.display(), line + 1, output.display()),
            args: row_args,
        });
    }
    Ok(rows)
}

fn input_failure(message: String) -> SetupFailure {
    SetupFailure {
        message: format!("azspeech tts: {message}"),
        code: ExitCode::Input,
    }
}

/// The most text (or SSML) `tts` reads from one file or standard input: about 20 hours of
/// speech; beyond it, input is refused rather than held in memory.
const MAX_INPUT_BYTES: u64 = 1 << 20;

/// Read all of `reader` as UTF-8, refusing more than [`MAX_INPUT_BYTES`].
fn read_bounded(reader: impl Read, what: &str) -> Result<String, SetupFailure> {
    let mut bytes = Vec::new();
    reader
        .take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| input_failure(format!("cannot read {what}: {error}")))?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(input_failure(format!(
            "{what} holds more than {MAX_INPUT_BYTES} bytes (1 MiB) of text, more than azspeech reads at once: split it into several files (`tts --foreach` synthesizes one per line of a table) or pass it in parts"
        )));
    }
    String::from_utf8(bytes).map_err(|error| {
        input_failure(format!(
            "{what} is not UTF-8 text (invalid byte at offset {}): convert it, e.g. `iconv -t UTF-8`",
            error.utf8_error().valid_up_to()
        ))
    })
}

fn read_input(args: &TtsArgs) -> Result<SpeechInput, SetupFailure> {
    let read_file = |path: &PathBuf| {
        let file = std::fs::File::open(path)
            .map_err(|error| input_failure(format!("cannot read {}: {error}", path.display())))?;
        read_bounded(file, &path.display().to_string())
    };
    if let Some(path) = &args.ssml {
        return Ok(SpeechInput::Ssml(read_file(path)?));
    }
    let text = match (&args.text, &args.text_file) {
        (_, Some(path)) => read_file(path)?,
        (Some(text), None) if text != "-" => text.clone(),
        _ => read_bounded(std::io::stdin().lock(), "standard input")?,
    };
    if text.trim().is_empty() {
        return Err(input_failure("nothing to say: the text is empty".into()));
    }
    Ok(SpeechInput::Text(text))
}

fn failure(error: SessionError) -> SetupFailure {
    SetupFailure {
        code: error.exit_code(),
        message: format!("azspeech tts: {error}"),
    }
}

fn synthesize(args: &TtsArgs) -> Result<(), SetupFailure> {
    if args.list_formats {
        return super::expression::print_formats().map(|_| ());
    }
    let input = read_input(args)?;
    let speech = context::speech(&args.config, &args.transport, args.session.tuning(None))?;
    let mut core = speech.core().instantiate()?;
    let format = core.synthesis_describe_format(&args.format)?.map_err(|error| {
        let detail = error.detail();
        SetupFailure {
            message: format!("azspeech tts: --format {}: {}", args.format, detail.message),
            code: ExitCode::Configuration,
        }
    })?;
    let options = SynthesisOptions {
        output_format: args.format.clone(),
        voice: String::new(),
        language: String::new(),
        rate: args.rate.clone(),
        pitch: args.pitch.clone(),
        volume: args.expression.volume.clone(),
        style: args.expression.style.clone(),
        style_degree: args.expression.style_degree,
        role: args.expression.role.clone(),
        word_boundaries: args.events.is_some() || args.srt.is_some(),
        sentence_boundaries: args.events.is_some(),
        punctuation_boundaries: false,
        visemes: false,
        bookmarks: false,
    };
    let header =
        |core: &mut azspeech_host::core_runtime::CoreInstance, len: u32| -> Result<Option<Vec<u8>>, SetupFailure> {
            if !format.needs_riff_header {
                return Ok(None);
            }
            let bytes = core.synthesis_wav_header(&format.name, len)?.map_err(|error| {
                let detail = error.detail();
                SetupFailure {
                    message: format!("azspeech tts: {}", detail.message),
                    code: ExitCode::Internal,
                }
            })?;
            Ok(Some(bytes))
        };
    let output = match (&args.output, args.play) {
        (Some(path), _) => Some(path.clone()),
        (None, false) => Some(PathBuf::from("out.wav")),
        (None, true) => None,
    };
    let file = match &output {
        // On a pipe the length stays "unknown" (the largest value), as streaming WAV readers expect.
        Some(path) => {
            let initial = header(&mut core, u32::MAX)?;
            Some(
                AudioWriter::create(path, initial.as_deref()).map_err(|error| SetupFailure {
                    message: format!("azspeech tts: {error}"),
                    code: ExitCode::Input,
                })?,
            )
        }
        None => None,
    };
    let mut outputs = TtsOutputs {
        file,
        #[cfg(feature = "speaker")]
        speaker: None,
    };
    if args.play {
        outputs.open_speaker(args.device.as_deref(), &format)?;
    }
    let client = speech.client();
    let mut words: Vec<(String, u64, u64)> = Vec::new();
    // Where each request's words begin, so a request sent again replaces its words.
    let mut words_at_request: Vec<usize> = Vec::new();
    let print_events = args.events.is_some();
    let runtime = context::tokio_runtime()?;
    let summary = runtime
        .block_on(client.synthesize(&input, &options, &mut outputs, |timed: &TimedEvent| {
            match &timed.event {
                SynthesisEvent::RequestStarted(index) => {
                    words_at_request.resize(*index as usize + 1, words.len());
                    words_at_request[*index as usize] = words.len();
                }
                SynthesisEvent::RequestRestarted(restart) => {
                    if let Some(&at) = words_at_request.get(restart.request as usize) {
                        words.truncate(at);
                    }
                }
                SynthesisEvent::WordBoundary(boundary) => {
                    words.push((boundary.text.clone(), boundary.offset, boundary.duration));
                }
                _ => {}
            }
            if print_events && let Some(line) = event_json(&timed.event) {
                eprintln!("{line}");
            }
        }))
        .map_err(failure)?;
    let final_header = header(&mut core, u32::try_from(summary.audio_bytes).unwrap_or(u32::MAX))?;
    let written = outputs.finish(&runtime, final_header.as_deref())?;
    if let Some(path) = &args.srt {
        let timed: Vec<TimedWord<'_>> = words
            .iter()
            .map(|(text, offset, duration)| TimedWord {
                text,
                offset: *offset,
                duration: *duration,
            })
            .collect();
        std::fs::write(path, subtitles::srt(&subtitles::cues(&timed))).map_err(|error| SetupFailure {
            message: format!("azspeech tts: cannot write {}: {error}", path.display()),
            code: ExitCode::Input,
        })?;
    }
    if let (Some(path), Some(written)) = (&output, written)
        && path.as_os_str() != "-"
    {
        eprintln!("wrote {} ({} bytes of {} audio)", path.display(), written, format.name);
    }
    Ok(())
}

/// Where the audio goes: a file or stdout, a speaker, or both.
struct TtsOutputs {
    file: Option<AudioWriter>,
    #[cfg(feature = "speaker")]
    speaker: Option<azspeech_host::audio::speaker::Speaker>,
}

impl TtsOutputs {
    /// Open the speaker for `format`, which must be PCM (the speaker plays samples, it does not
    /// decode MP3 or Opus).
    fn open_speaker(&mut self, device: Option<&str>, format: &FormatInfo) -> Result<(), SetupFailure> {
        if format.encoding != AudioEncoding::Pcm {
            return Err(SetupFailure {
                message: format!(
                    "azspeech tts: --play plays PCM audio, and {} is not PCM.\n  fix: use a riff-* or raw-* \
                     format with --play (the default riff-24khz-16bit-mono-pcm works), or write the file with -o \
                     and play it with another program",
                    format.name
                ),
                code: ExitCode::Configuration,
            });
        }
        self.attach_speaker(device, format.sample_rate)
    }

    #[cfg(feature = "speaker")]
    fn attach_speaker(&mut self, device: Option<&str>, sample_rate: u32) -> Result<(), SetupFailure> {
        let speaker =
            azspeech_host::audio::speaker::Speaker::open(device, sample_rate).map_err(|error| SetupFailure {
                message: format!("azspeech tts: {error}"),
                code: ExitCode::Input,
            })?;
        eprintln!("playing on {} ({})", speaker.device(), speaker.config());
        self.speaker = Some(speaker);
        Ok(())
    }

    #[cfg(not(feature = "speaker"))]
    fn attach_speaker(&mut self, _device: Option<&str>, _sample_rate: u32) -> Result<(), SetupFailure> {
        Err(context::feature_missing("--play", "speaker"))
    }

    /// Fix the file's header and rename it into place; let the speaker play out. Returns the
    /// bytes written to the file, if there is one.
    fn finish(self, runtime: &tokio::runtime::Runtime, header: Option<&[u8]>) -> Result<Option<u64>, SetupFailure> {
        #[cfg(feature = "speaker")]
        if let Some(speaker) = self.speaker {
            runtime.block_on(speaker.finish()).map_err(|error| SetupFailure {
                message: format!("azspeech tts: {error}"),
                code: ExitCode::Input,
            })?;
        }
        #[cfg(not(feature = "speaker"))]
        let _ = runtime;
        self.file
            .map(|file| file.finish(header))
            .transpose()
            .map_err(|error| SetupFailure {
                message: format!("azspeech tts: {error}"),
                code: ExitCode::Input,
            })
    }
}

impl SynthesisSink for TtsOutputs {
    async fn write(&mut self, audio: &[u8]) -> Result<(), SessionError> {
        if let Some(file) = &mut self.file {
            file.write(audio)?;
        }
        #[cfg(feature = "speaker")]
        if let Some(speaker) = &mut self.speaker {
            speaker.play_pcm16(audio).await?;
        }
        Ok(())
    }

    #[allow(clippy::result_large_err)] // the same error type as every session call
    fn discard_from(&mut self, offset: u64) -> Result<(), SessionError> {
        #[cfg(feature = "speaker")]
        if self.speaker.is_some() && self.file.as_ref().is_none_or(|file| file.audio_len() > offset) {
            return Err(SessionError::Network(
                "the connection failed in the middle of a sentence that the speaker had already begun to play; azspeech cannot take back played audio.\n  fix: retry, or write to a file with -o FILE, where the sentence is rewritten".to_owned(),
            ));
        }
        match &mut self.file {
            Some(file) => azspeech_host::speech::synthesize::discard_from_writer(file, offset),
            None => Ok(()),
        }
    }
}

fn event_json(event: &SynthesisEvent) -> Option<serde_json::Value> {
    let (kind, boundary) = match event {
        SynthesisEvent::WordBoundary(b) => ("word", b),
        SynthesisEvent::SentenceBoundary(b) => ("sentence", b),
        SynthesisEvent::PunctuationBoundary(b) => ("punctuation", b),
        _ => return None,
    };
    Some(json!({
        "type": kind,
        "text": boundary.text,
        "audio_offset": boundary.offset,
        "audio_offset_ms": boundary.offset / 10_000,
        "duration_ms": boundary.duration / 10_000,
        "text_offset": boundary.text_offset,
        "text_length": boundary.text_length,
    }))
}
