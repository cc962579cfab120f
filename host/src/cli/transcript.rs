//! Transcript printers: recognized phrases as plain text, JSON lines, or SRT / WebVTT subtitles
//! from word timings. Every command that prints recognition results uses these.

use std::io::Write;

use clap::ValueEnum;
use serde_json::json;

use azspeech_host::core_runtime::{
    Alternative, PhraseResult, RecognitionEvent, RecognitionStatus, RecognizedWord, TranscribedPhrase,
};
use azspeech_host::subtitles::{self, TimedWord};

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SttFormat {
    /// One line of text per recognized phrase.
    Text,
    /// One JSON object per phrase (offset, duration, confidence, words), one per line.
    Json,
    /// SubRip subtitles from word timings.
    Srt,
    /// WebVTT subtitles from word timings.
    Vtt,
}

impl SttFormat {
    /// The file extension of this format's output files.
    pub(crate) fn extension(self) -> &'static str {
        match self {
            Self::Text => "txt",
            Self::Json => "json",
            Self::Srt => "srt",
            Self::Vtt => "vtt",
        }
    }

    /// Whether this format needs word timings (detailed results).
    pub(crate) fn needs_words(self) -> bool {
        self != Self::Text
    }
}

/// `--format`: one output format, or all of them at once (one file each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SttFormatChoice {
    /// One line of text per recognized phrase.
    Text,
    /// One JSON object per phrase (offset, duration, confidence, words), one per line.
    Json,
    /// SubRip subtitles from word timings.
    Srt,
    /// WebVTT subtitles from word timings.
    Vtt,
    /// txt, json, srt and vtt files at once (needs -o DIR or writes beside each input).
    All,
}

impl SttFormatChoice {
    /// The formats written.
    pub(crate) fn formats(self) -> Vec<SttFormat> {
        match self {
            Self::Text => vec![SttFormat::Text],
            Self::Json => vec![SttFormat::Json],
            Self::Srt => vec![SttFormat::Srt],
            Self::Vtt => vec![SttFormat::Vtt],
            Self::All => vec![SttFormat::Text, SttFormat::Json, SttFormat::Srt, SttFormat::Vtt],
        }
    }
}

/// An in-memory sink for a printer, read back once the run has succeeded (so a failed input
/// leaves no half-written output file).
#[derive(Debug, Clone, Default)]
pub(crate) struct BufferedOutput(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

impl BufferedOutput {
    /// Everything written so far.
    pub(crate) fn take(&self) -> Vec<u8> {
        std::mem::take(&mut self.0.borrow_mut())
    }
}

impl Write for BufferedOutput {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Prints results as they arrive.
pub(crate) struct Printer {
    format: SttFormat,
    cue_index: usize,
    out: Box<dyn Write>,
}

impl Printer {
    /// A printer of `format` writing to `out` (flushed after every phrase).
    pub(crate) fn new(format: SttFormat, out: Box<dyn Write>) -> Self {
        let mut printer = Self {
            format,
            cue_index: 0,
            out,
        };
        if format == SttFormat::Vtt {
            printer.write("WEBVTT\n\n");
        }
        printer
    }

    fn write(&mut self, text: &str) {
        let _ = self.out.write_all(text.as_bytes());
        let _ = self.out.flush();
    }

    /// Print a final phrase; other events are ignored.
    pub(crate) fn event(&mut self, event: &RecognitionEvent) {
        let RecognitionEvent::Phrase(phrase) = event else {
            return;
        };
        if phrase.status != RecognitionStatus::Success {
            return;
        }
        self.phrase(phrase, Labels::default());
    }

    /// Print a phrase of a fast or batch transcription, labelled with its speaker and channel.
    pub(crate) fn transcribed(&mut self, phrase: &TranscribedPhrase) {
        let words = phrase
            .words
            .iter()
            .map(|w| RecognizedWord {
                word: w.text.clone(),
                offset: w.offset,
                duration: w.duration,
                confidence: None,
            })
            .collect();
        let result = PhraseResult {
            status: RecognitionStatus::Success,
            text: phrase.text.clone(),
            offset: phrase.offset,
            duration: phrase.duration,
            alternatives: vec![Alternative {
                // Through its shortest decimal form, so 0.98 stays 0.98 (not 0.9800000190734863).
                confidence: phrase.confidence.to_string().parse().unwrap_or_default(),
                lexical: phrase.text.clone(),
                itn: String::new(),
                masked_itn: String::new(),
                display: phrase.text.clone(),
                words,
            }],
            language: phrase.locale.clone(),
        };
        self.phrase(
            &result,
            Labels {
                speaker: phrase.speaker,
                channel: phrase.channel,
            },
        );
    }

    fn phrase(&mut self, phrase: &PhraseResult, labels: Labels) {
        let language = phrase.language.as_deref().map(shown_language);
        let prefix = format!("{}{}", language_prefix(language.as_deref()), labels.prefix());
        match self.format {
            SttFormat::Text => self.write(&format!("{prefix}{}\n", phrase.text)),
            SttFormat::Json => self.write(&format!("{}\n", phrase_json(phrase, labels))),
            SttFormat::Srt | SttFormat::Vtt => {
                let cues = subtitles::cues(&phrase_words(phrase));
                let mut text = String::new();
                for mut cue in cues {
                    self.cue_index += 1;
                    text.push_str(&match self.format {
                        SttFormat::Srt => {
                            cue.text.insert_str(0, &prefix);
                            subtitles::srt_cue(self.cue_index, &cue)
                        }
                        _ => {
                            if let Some(language) = &language {
                                cue.text = format!("<lang {language}>{}</lang>", cue.text);
                            }
                            if let Some(speaker) = labels.speaker {
                                cue.text = format!("<v Speaker {speaker}>{}", cue.text);
                            }
                            if let Some(channel) = labels.channel {
                                cue.text = format!("[channel {channel}] {}", cue.text);
                            }
                            subtitles::vtt_cue(&cue)
                        }
                    });
                }
                self.write(&text);
            }
        }
    }

    /// The end of the results.
    pub(crate) fn finish(&mut self) {}
}

/// Who said a transcribed phrase, on which channel. Text and SRT prefix each phrase (cue) with
/// `[channel 1] ` and `Speaker 2: `; WebVTT uses the standard voice span `<v Speaker 2>`; JSON has
/// `speaker` and `channel` fields. Recognition phrases have neither.
#[derive(Debug, Clone, Copy, Default)]
struct Labels {
    speaker: Option<u32>,
    channel: Option<u32>,
}

impl Labels {
    fn prefix(self) -> String {
        let channel = self.channel.map(|c| format!("[channel {c}] ")).unwrap_or_default();
        let speaker = self.speaker.map(|s| format!("Speaker {s}: ")).unwrap_or_default();
        format!("{channel}{speaker}")
    }
}

/// How an identified language is labelled: text and SRT prefix each phrase (each cue) with
/// `[de-DE] `; JSON has a `language` field; WebVTT wraps each cue's text in the standard language
/// span `<lang de-DE>…</lang>`.
fn language_prefix(language: Option<&str>) -> String {
    language.map(|language| format!("[{language}] ")).unwrap_or_default()
}

/// The language as printed: only the characters of a language tag, since it comes from the
/// service and ends up inside subtitle markup.
fn shown_language(language: &str) -> String {
    language
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(35)
        .collect()
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

fn phrase_json(phrase: &PhraseResult, labels: Labels) -> serde_json::Value {
    let best = phrase.alternatives.first();
    let mut value = json!({
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
    });
    // Only with language identification (`--languages`): plain runs keep their shape.
    if let Some(language) = phrase.language.as_deref() {
        value["language"] = json!(shown_language(language));
    }
    // Only for transcriptions with diarization / channel separation.
    if let Some(speaker) = labels.speaker {
        value["speaker"] = json!(speaker);
    }
    if let Some(channel) = labels.channel {
        value["channel"] = json!(channel);
    }
    value
}
