//! Checking [`RecognitionOptions`] against the configuration: what `start` may send.

use crate::bindings::exports::azspeech::core::config::Settings;
use crate::bindings::exports::azspeech::core::recognition::{
    AudioFormat, OutputFormat, Profanity, RecognitionMode, RecognitionOptions,
};
use crate::bindings::exports::azspeech::core::types::SpeechError;
use crate::config::language::is_language_tag;
use crate::wire;

/// Default bound on unacknowledged audio: 30 seconds.
pub const DEFAULT_MAX_UNACKNOWLEDGED_MS: u32 = 30_000;
/// Smallest accepted bound on unacknowledged audio: 1 second.
pub const MIN_MAX_UNACKNOWLEDGED_MS: u32 = 1_000;
/// Longest phrase-list entry, in characters.
pub const MAX_PHRASE_CHARS: usize = 500;
/// Most phrase-list entries.
pub const MAX_PHRASES: usize = 1_000;

/// Validated options: everything a session needs to build its messages.
#[derive(Debug, Clone)]
pub struct Checked {
    /// Recognition mode.
    pub mode: RecognitionMode,
    /// Language tag.
    pub language: String,
    /// Result detail the caller asked for.
    pub format: OutputFormat,
    /// Profanity handling to send, if any.
    pub profanity: Option<Profanity>,
    /// Word timings requested.
    pub word_timestamps: bool,
    /// Trimmed, non-empty phrases.
    pub phrases: Vec<String>,
    /// Sample rate (16000 or 8000).
    pub sample_rate: u32,
    /// Bytes per second of the PCM stream.
    pub byte_rate: u64,
    /// Bytes per sample frame.
    pub block_align: u64,
    /// Most unacknowledged bytes.
    pub limit_bytes: u64,
}

impl Checked {
    /// Whether results come back in the detailed shape (asked for, or implied by word timings).
    pub fn detailed_on_wire(&self) -> bool {
        matches!(self.format, OutputFormat::Detailed) || self.word_timestamps
    }
}

/// Check `options` (with `settings` for the default language).
pub fn check(settings: &Settings, options: &RecognitionOptions) -> Result<Checked, SpeechError> {
    let language = if options.language.trim().is_empty() {
        settings.language.clone()
    } else {
        options.language.trim().to_owned()
    };
    if !is_language_tag(&language) {
        return Err(wire::configuration(
            format!(
                "recognition language `{}` is not a language tag",
                crate::failures::excerpt(&language)
            ),
            "use a BCP 47 tag such as en-US or de-DE",
        ));
    }
    let AudioFormat {
        sample_rate,
        bits_per_sample,
        channels,
    } = options.audio;
    if !matches!(sample_rate, 8_000 | 16_000) || bits_per_sample != 16 || channels != 1 {
        return Err(wire::configuration(
            format!(
                "audio format {sample_rate} Hz, {bits_per_sample}-bit, {channels} channel(s) is not supported for recognition"
            ),
            "send 16-bit mono PCM at 16000 Hz (or 8000 Hz); resample and downmix before streaming",
        ));
    }
    let max_ms = options.max_unacknowledged_ms.unwrap_or(DEFAULT_MAX_UNACKNOWLEDGED_MS);
    if max_ms < MIN_MAX_UNACKNOWLEDGED_MS {
        return Err(wire::configuration(
            format!("max-unacknowledged-ms {max_ms} is below the minimum of {MIN_MAX_UNACKNOWLEDGED_MS}"),
            "allow at least one second of unacknowledged audio (the default is 30 s)",
        ));
    }
    if options.phrase_list.len() > MAX_PHRASES {
        return Err(wire::configuration(
            format!(
                "the phrase list has {} entries, more than {MAX_PHRASES}",
                options.phrase_list.len()
            ),
            "keep the phrase list to the words that matter",
        ));
    }
    let mut phrases = Vec::with_capacity(options.phrase_list.len());
    for (index, phrase) in options.phrase_list.iter().enumerate() {
        let phrase = phrase.trim();
        if phrase.is_empty() || phrase.chars().count() > MAX_PHRASE_CHARS || phrase.chars().any(char::is_control) {
            return Err(wire::configuration(
                format!(
                    "phrase-list entry {index} is blank, longer than {MAX_PHRASE_CHARS} characters or has control characters"
                ),
                "give each phrase as a short line of text",
            ));
        }
        phrases.push(phrase.to_owned());
    }
    let block_align = 2u64;
    let byte_rate = u64::from(sample_rate).saturating_mul(block_align);
    Ok(Checked {
        mode: options.mode,
        language,
        format: options.format,
        profanity: options.profanity,
        word_timestamps: options.word_timestamps,
        phrases,
        sample_rate,
        byte_rate,
        block_align,
        limit_bytes: u64::from(max_ms).saturating_mul(byte_rate) / 1000,
    })
}
