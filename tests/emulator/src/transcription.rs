//! What fast and batch transcription share: the `api-version`s, the speech-to-text REST error
//! body, the request rate quota, and recognition of a whole WAV file into timed phrases with
//! channels, speakers and locales (bulk.md §1, §2).
//!
//! # Recognition
//!
//! The same honest recognizer as the WebSocket STT ([`crate::recognizer`]) runs over each
//! channel: only audio the emulator synthesized (or a registered fixture) is transcribed.
//!
//! - **Channels.** Without `channels` a stereo file is mixed to mono and phrases carry no
//!   `channel`; with `[0]`, `[1]` or `[0, 1]` each listed channel is transcribed on its own and
//!   every phrase says its `channel` (a mono file ignores the setting, as the service does).
//! - **Diarization.** The emulator knows which voice said what, because it synthesized the audio:
//!   every registered utterance remembers the voice that spoke it. Speakers are numbered from 0
//!   in order of first appearance in the file, each distinct voice one speaker, at most
//!   `maxSpeakers` (later voices join the last speaker); audio from fixtures (no voice) is one
//!   more speaker. The same text spoken by two voices of the same engine sounds the same and is
//!   attributed to the voice that spoke it first.
//! - **Language.** With one locale, every phrase has it. With several, language identification
//!   picks one main locale for the file: the candidate most of the recognized phrases were spoken
//!   in (the first candidate if none was). Without `locales`, each phrase has the locale of the
//!   voice that spoke it.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use http::{HeaderValue, Response, header};
use serde_json::{Value, json};

use crate::config::RecognitionTuning;
use crate::dsp;
use crate::recognizer::{Detector, Event, Registry, Status};
use crate::server::{Body, respond};
use crate::tokens::random_hex;

/// The fast-transcription `api-version`s the emulator accepts (bulk.md §1.1).
pub(crate) const FAST_API_VERSIONS: [&str; 3] = ["2024-05-15-preview", "2024-11-15", "2025-10-15"];

/// Ticks (100 ns) per millisecond.
const TICKS_PER_MS: u64 = 10_000;

/// The speech-to-text REST error, flat as the service writes it (bulk.md §1.7):
/// `{"code","message","innerError":{"code","message"}}`, with `apim-request-id` and
/// `api-supported-versions` headers.
pub(crate) fn error(status: u16, code: &str, message: &str, inner_code: Option<&str>) -> Response<Body> {
    let mut body = json!({"code": code, "message": message});
    if let Some(inner) = inner_code {
        body["innerError"] = json!({"code": inner, "message": message});
    }
    let mut response = respond(status, Some("application/json; charset=utf-8"), body.to_string());
    add_service_headers(&mut response);
    response
}

/// The headers every speech-to-text REST answer carries.
pub(crate) fn add_service_headers(response: &mut Response<Body>) {
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&random_hex(16)) {
        h.insert("apim-request-id", v);
    }
    h.insert(
        "api-supported-versions",
        HeaderValue::from_static("2024-05-15-preview, 2024-11-15, 2025-10-15"),
    );
}

/// A 429 with `Retry-After`, in the flat error shape.
pub(crate) fn too_many_requests(retry_after_secs: u64, limit: u32) -> Response<Body> {
    let mut response = error(
        429,
        "TooManyRequests",
        &format!(
            "The number of requests exceeds the limit of {limit} per minute for this resource. Retry after {retry_after_secs} seconds."
        ),
        Some("TooManyRequests"),
    );
    if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response
}

/// Requests per minute, over the emulator's clock (QUOTA: 600 per minute, adjustable).
#[derive(Debug)]
pub(crate) struct RateLimit {
    limit: Option<u32>,
    recent: Mutex<VecDeque<u64>>,
}

impl RateLimit {
    pub(crate) fn new(limit: Option<u32>) -> Self {
        RateLimit {
            limit,
            recent: Mutex::new(VecDeque::new()),
        }
    }

    /// Count a request at `now_ms`; `Err(retry_after_secs, limit)` when over the quota.
    pub(crate) fn admit(&self, now_ms: u64) -> Result<(), (u64, u32)> {
        let Some(limit) = self.limit else {
            return Ok(());
        };
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        while recent.front().is_some_and(|&t| t + 60_000 <= now_ms) {
            recent.pop_front();
        }
        if recent.len() >= limit as usize {
            let oldest = recent.front().copied().unwrap_or(now_ms);
            let wait_ms = (oldest + 60_000).saturating_sub(now_ms);
            return Err((wait_ms.div_ceil(1000).max(1), limit));
        }
        recent.push_back(now_ms);
        Ok(())
    }
}

/// What to recognize and how.
#[derive(Debug, Clone, Default)]
pub(crate) struct Options {
    /// Candidate locales (empty: the multilingual model).
    pub(crate) locales: Vec<String>,
    /// `Some(max speakers)` with diarization.
    pub(crate) diarization: Option<u32>,
    /// Channels to transcribe separately (empty: mixed to mono).
    pub(crate) channels: Vec<usize>,
}

/// A recognized word, in milliseconds from the start of the audio.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Word {
    pub(crate) display: String,
    pub(crate) lexical: String,
    pub(crate) offset_ticks: u64,
    pub(crate) duration_ticks: u64,
}

/// A recognized phrase.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Phrase {
    /// `Some` with channel separation.
    pub(crate) channel: Option<usize>,
    /// `Some` with diarization.
    pub(crate) speaker: Option<u32>,
    pub(crate) offset_ticks: u64,
    pub(crate) duration_ticks: u64,
    pub(crate) display: String,
    pub(crate) lexical: String,
    pub(crate) locale: Option<String>,
    pub(crate) confidence: f64,
    pub(crate) words: Vec<Word>,
}

/// A whole file's transcription.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Transcript {
    pub(crate) duration_ticks: u64,
    /// The channels transcribed (`None`: mixed to mono).
    pub(crate) channels: Vec<Option<usize>>,
    pub(crate) phrases: Vec<Phrase>,
}

/// Duration of a WAV in ticks, without recognizing it.
pub(crate) fn duration_ticks(wav: &dsp::PlanarWav) -> u64 {
    let frames = wav.channels.first().map_or(0, Vec::len) as u64;
    frames * 10_000_000 / u64::from(wav.rate)
}

/// Decode a WAV file (16-bit PCM, any rate, any channel count); why not, otherwise.
pub(crate) fn decode(bytes: &[u8]) -> Result<dsp::PlanarWav, String> {
    dsp::read_wav_channels(bytes)
}

fn recognize_samples(
    registry: &Arc<Registry>,
    tuning: &RecognitionTuning,
    samples: &[i16],
    rate: u32,
) -> Vec<crate::recognizer::Phrase> {
    let samples16 = dsp::resample(samples, rate, dsp::RATE);
    let mut detector = Detector::new(registry.clone(), *tuning, true);
    let mut events = Vec::new();
    for chunk in samples16.chunks(dsp::RATE as usize) {
        events.extend(detector.push(chunk));
    }
    events.extend(detector.finish());
    events
        .into_iter()
        .filter_map(|e| match e {
            Event::Phrase(p) if p.status == Status::Success => Some(p),
            _ => None,
        })
        .collect()
}

/// Display tokens for the lexical words of a phrase: the display text's words when they line
/// up one to one, else the lexical words.
fn display_words(display: &str, count: usize) -> Option<Vec<String>> {
    let tokens: Vec<String> = display.split_whitespace().map(str::to_owned).collect();
    (tokens.len() == count).then_some(tokens)
}

/// Recognize a decoded file (CPU-bound: run it on a blocking thread).
pub(crate) fn recognize(
    registry: &Arc<Registry>,
    tuning: &RecognitionTuning,
    wav: &dsp::PlanarWav,
    options: &Options,
) -> Transcript {
    let separate = wav.channels.len() > 1 && !options.channels.is_empty();
    let mut channels: Vec<Option<usize>> = Vec::new();
    let mut raw: Vec<(Option<usize>, crate::recognizer::Phrase)> = Vec::new();
    if separate {
        for &c in &options.channels {
            channels.push(Some(c));
            let Some(samples) = wav.channels.get(c) else { continue };
            raw.extend(
                recognize_samples(registry, tuning, samples, wav.rate)
                    .into_iter()
                    .map(|p| (Some(c), p)),
            );
        }
    } else {
        channels.push(None);
        let mixed: Vec<i16> = if wav.channels.len() == 1 {
            wav.channels[0].clone()
        } else {
            let count = wav.channels.len() as i32;
            (0..wav.channels[0].len())
                .map(|i| (wav.channels.iter().map(|c| i32::from(c[i])).sum::<i32>() / count) as i16)
                .collect()
        };
        raw.extend(
            recognize_samples(registry, tuning, &mixed, wav.rate)
                .into_iter()
                .map(|p| (None, p)),
        );
    }
    raw.sort_by_key(|(c, p)| (p.offset, *c));
    // Language: one pinned locale, or one main locale among several, or each phrase's own.
    let main_locale = match options.locales.as_slice() {
        [] => None,
        [one] => Some(one.clone()),
        many => {
            let mut best: Option<(&String, usize)> = None;
            for candidate in many {
                let n = raw
                    .iter()
                    .filter(|(_, p)| p.locale.as_deref().is_some_and(|l| l.eq_ignore_ascii_case(candidate)))
                    .count();
                if n > 0 && best.is_none_or(|(_, m)| n > m) {
                    best = Some((candidate, n));
                }
            }
            Some(best.map_or_else(|| many[0].clone(), |(l, _)| l.clone()))
        }
    };
    // Speakers: distinct voices in order of first appearance.
    let mut voices: Vec<Option<String>> = Vec::new();
    let phrases = raw
        .into_iter()
        .map(|(channel, p)| {
            let speaker = options.diarization.map(|max| {
                let index = match voices.iter().position(|v| *v == p.voice) {
                    Some(i) => i,
                    None => {
                        voices.push(p.voice.clone());
                        voices.len() - 1
                    }
                };
                (index as u32).min(max.saturating_sub(1))
            });
            let displays = display_words(&p.display, p.words.len());
            let words = p
                .words
                .iter()
                .enumerate()
                .map(|(i, (lexical, offset, duration))| Word {
                    display: displays.as_ref().map_or_else(|| lexical.clone(), |d| d[i].clone()),
                    lexical: lexical.clone(),
                    offset_ticks: *offset,
                    duration_ticks: *duration,
                })
                .collect();
            Phrase {
                channel,
                speaker,
                offset_ticks: p.offset,
                duration_ticks: p.duration,
                display: p.display,
                lexical: p.lexical,
                locale: main_locale.clone().or(p.locale),
                confidence: p.confidence,
                words,
            }
        })
        .collect();
    Transcript {
        duration_ticks: duration_ticks(wav),
        channels: if separate { channels } else { vec![None] },
        phrases,
    }
}

fn ms(ticks: u64) -> u64 {
    ticks / TICKS_PER_MS
}

/// The fast-transcription result body (bulk.md §1.5).
pub(crate) fn fast_result(t: &Transcript) -> Value {
    let combined: Vec<Value> = t
        .channels
        .iter()
        .map(|channel| {
            let text = t
                .phrases
                .iter()
                .filter(|p| p.channel == *channel)
                .map(|p| p.display.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            let mut item = json!({"text": text});
            if let Some(c) = channel {
                item["channel"] = json!(c);
            }
            item
        })
        .collect();
    let phrases: Vec<Value> = t
        .phrases
        .iter()
        .map(|p| {
            let mut item = json!({
                "offsetMilliseconds": ms(p.offset_ticks),
                "durationMilliseconds": ms(p.duration_ticks),
                "text": p.display,
                "words": p.words.iter().map(|w| json!({
                    "text": w.display,
                    "offsetMilliseconds": ms(w.offset_ticks),
                    "durationMilliseconds": ms(w.duration_ticks),
                })).collect::<Vec<_>>(),
                "confidence": p.confidence,
            });
            if let Some(locale) = &p.locale {
                item["locale"] = json!(locale);
            }
            if let Some(c) = p.channel {
                item["channel"] = json!(c);
            }
            if let Some(s) = p.speaker {
                item["speaker"] = json!(s);
            }
            item
        })
        .collect();
    json!({
        "durationMilliseconds": ms(t.duration_ticks),
        "combinedPhrases": combined,
        "phrases": phrases,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limit_counts_a_sliding_minute() {
        let limit = RateLimit::new(Some(2));
        assert!(limit.admit(1_000).is_ok());
        assert!(limit.admit(2_000).is_ok());
        assert_eq!(limit.admit(30_000), Err((31, 2)));
        assert!(limit.admit(61_000).is_ok());
        assert!(RateLimit::new(None).admit(0).is_ok());
    }
}
