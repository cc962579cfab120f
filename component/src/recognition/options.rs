//! Checking [`RecognitionOptions`] against the configuration: what `start` may send.

use crate::bindings::exports::azspeech::core::config::Settings;
use crate::bindings::exports::azspeech::core::recognition::{
    AudioFormat, LanguageId, LanguageIdMode, OutputFormat, Profanity, RecognitionMode, RecognitionOptions,
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
/// Most candidate languages when the language is identified at the start of the audio.
pub const MAX_AT_START_LANGUAGES: usize = 4;
/// Most candidate languages when the language is identified continuously.
pub const MAX_CONTINUOUS_LANGUAGES: usize = 10;

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
    /// Language identification, checked.
    pub language_id: Option<LanguageId>,
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
    let language_id = match &options.language_id {
        Some(language_id) => Some(check_language_id(language_id, options.mode)?),
        None => None,
    };
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
        language_id,
    })
}

/// Check language identification against the service's limits: 1 to 4 candidates at the
/// start of the audio, 1 to 10 continuously (in a continuous mode only), each a language tag
/// given once.
fn check_language_id(language_id: &LanguageId, mode: RecognitionMode) -> Result<LanguageId, SpeechError> {
    let (limit, mode_name) = match language_id.mode {
        LanguageIdMode::AtStart => (MAX_AT_START_LANGUAGES, "at-start"),
        LanguageIdMode::Continuous => (MAX_CONTINUOUS_LANGUAGES, "continuous"),
    };
    let count = language_id.languages.len();
    if count == 0 || count > limit {
        return Err(wire::configuration(
            format!("{mode_name} language identification takes 1 to {limit} candidate languages, not {count}"),
            &format!(
                "give at most {MAX_AT_START_LANGUAGES} languages at the start of the audio, or at most {MAX_CONTINUOUS_LANGUAGES} with continuous identification"
            ),
        ));
    }
    if matches!(language_id.mode, LanguageIdMode::Continuous) && matches!(mode, RecognitionMode::Interactive) {
        return Err(wire::configuration(
            "continuous language identification needs continuous recognition, not a single utterance".to_owned(),
            "identify the language at the start of the audio for a single utterance",
        ));
    }
    let mut languages: Vec<String> = Vec::with_capacity(count);
    for language in &language_id.languages {
        let language = language.trim();
        if !is_language_tag(language) {
            return Err(wire::configuration(
                format!(
                    "candidate language `{}` is not a language tag",
                    crate::failures::excerpt(language)
                ),
                "give each candidate as a locale such as en-US, de-DE or fr-FR",
            ));
        }
        if languages.iter().any(|seen| seen.eq_ignore_ascii_case(language)) {
            return Err(wire::configuration(
                format!("candidate language `{language}` is given twice"),
                "name each candidate language once",
            ));
        }
        languages.push(language.to_owned());
    }
    Ok(LanguageId {
        languages,
        mode: language_id.mode,
    })
}
