//! Results as typed values, in 100-ns ticks like recognition results:
//! - fast transcription (bulk.md §1.5): `durationMilliseconds`, `combinedPhrases`, `phrases` with
//!   millisecond offsets;
//! - batch result files (§2.4): `durationInTicks` (or `durationMilliseconds`),
//!   `combinedRecognizedPhrases`, `recognizedPhrases` with float ticks and an `nBest` list whose
//!   first entry is the best; words from `displayWords`, else `words`.

use serde::Deserialize;

use crate::bindings::exports::azspeech::core::transcription::{
    CombinedText, TranscribedPhrase, TranscribedWord, TranscriptionResult,
};
use crate::bindings::exports::azspeech::core::types::{FailureDetail, SpeechError};

/// 100-ns ticks per millisecond.
pub const TICKS_PER_MS: u64 = 10_000;

/// A body that is not the documented shape.
pub fn protocol(what: &str, error: &serde_json::Error) -> SpeechError {
    SpeechError::Protocol(FailureDetail {
        http_status: None,
        close_code: None,
        message: format!("the {what} is not the documented JSON: {error}"),
        hint: "the service (or a proxy) answered something else; report it with the body".to_owned(),
    })
}

fn ms(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0).saturating_mul(TICKS_PER_MS)
}

fn ticks(value: f64) -> u64 {
    if value.is_finite() && value > 0.0 {
        // Float ticks from the service; rounding to the nearest tick is exact enough.
        value.round().min(u64::MAX as f64) as u64
    } else {
        0
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FastBody {
    duration_milliseconds: i64,
    #[serde(default)]
    combined_phrases: Vec<FastCombined>,
    #[serde(default)]
    phrases: Vec<FastPhrase>,
}

#[derive(Deserialize)]
struct FastCombined {
    channel: Option<u32>,
    #[serde(default)]
    text: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FastPhrase {
    channel: Option<u32>,
    speaker: Option<u32>,
    offset_milliseconds: i64,
    duration_milliseconds: i64,
    text: String,
    locale: Option<String>,
    #[serde(default)]
    confidence: f32,
    #[serde(default)]
    words: Vec<FastWord>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FastWord {
    text: String,
    offset_milliseconds: i64,
    duration_milliseconds: i64,
}

/// Parse fast transcription's answer.
pub fn fast(body: &str) -> Result<TranscriptionResult, SpeechError> {
    let parsed: FastBody = serde_json::from_str(body).map_err(|e| protocol("fast transcription answer", &e))?;
    Ok(TranscriptionResult {
        duration: ms(parsed.duration_milliseconds),
        combined: parsed
            .combined_phrases
            .into_iter()
            .map(|c| CombinedText {
                channel: c.channel,
                text: c.text,
            })
            .collect(),
        phrases: parsed
            .phrases
            .into_iter()
            .map(|p| TranscribedPhrase {
                text: p.text,
                offset: ms(p.offset_milliseconds),
                duration: ms(p.duration_milliseconds),
                channel: p.channel,
                speaker: p.speaker,
                locale: p.locale,
                confidence: p.confidence,
                words: p
                    .words
                    .into_iter()
                    .map(|w| TranscribedWord {
                        text: w.text,
                        offset: ms(w.offset_milliseconds),
                        duration: ms(w.duration_milliseconds),
                    })
                    .collect(),
            })
            .collect(),
        source: String::new(),
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BatchBody {
    #[serde(default)]
    source: String,
    duration_in_ticks: Option<f64>,
    duration_milliseconds: Option<i64>,
    #[serde(default)]
    combined_recognized_phrases: Vec<BatchCombined>,
    #[serde(default)]
    recognized_phrases: Vec<BatchPhrase>,
}

#[derive(Deserialize)]
struct BatchCombined {
    channel: Option<u32>,
    #[serde(default)]
    display: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BatchPhrase {
    #[serde(default)]
    recognition_status: String,
    channel: Option<u32>,
    speaker: Option<u32>,
    locale: Option<String>,
    offset_in_ticks: f64,
    duration_in_ticks: f64,
    #[serde(default)]
    n_best: Vec<BatchHypothesis>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BatchHypothesis {
    #[serde(default)]
    confidence: f32,
    #[serde(default)]
    display: String,
    #[serde(default)]
    words: Vec<BatchWord>,
    #[serde(default)]
    display_words: Vec<BatchDisplayWord>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BatchWord {
    word: String,
    offset_in_ticks: f64,
    duration_in_ticks: f64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BatchDisplayWord {
    display_text: String,
    offset_in_ticks: f64,
    duration_in_ticks: f64,
}

/// Parse a batch result file. Phrases without a best hypothesis, or whose status is not
/// `Success`, are left out.
pub fn batch(body: &str) -> Result<TranscriptionResult, SpeechError> {
    let parsed: BatchBody = serde_json::from_str(body).map_err(|e| protocol("batch result file", &e))?;
    let duration = match (parsed.duration_in_ticks, parsed.duration_milliseconds) {
        (Some(t), _) => ticks(t),
        (None, Some(m)) => ms(m),
        (None, None) => 0,
    };
    let phrases = parsed
        .recognized_phrases
        .into_iter()
        .filter(|p| p.recognition_status.is_empty() || p.recognition_status == "Success")
        .filter_map(|p| {
            let best = p.n_best.into_iter().next()?;
            let words = if best.display_words.is_empty() {
                best.words
                    .into_iter()
                    .map(|w| TranscribedWord {
                        text: w.word,
                        offset: ticks(w.offset_in_ticks),
                        duration: ticks(w.duration_in_ticks),
                    })
                    .collect()
            } else {
                best.display_words
                    .into_iter()
                    .map(|w| TranscribedWord {
                        text: w.display_text,
                        offset: ticks(w.offset_in_ticks),
                        duration: ticks(w.duration_in_ticks),
                    })
                    .collect()
            };
            Some(TranscribedPhrase {
                text: best.display,
                offset: ticks(p.offset_in_ticks),
                duration: ticks(p.duration_in_ticks),
                channel: p.channel,
                speaker: p.speaker,
                locale: p.locale,
                confidence: best.confidence,
                words,
            })
        })
        .collect();
    Ok(TranscriptionResult {
        duration,
        combined: parsed
            .combined_recognized_phrases
            .into_iter()
            .map(|c| CombinedText {
                channel: c.channel,
                text: c.display,
            })
            .collect(),
        phrases,
        source: parsed.source,
    })
}
