//! Failed calls (bulk.md §1.7): the flat `{code, message, innerError}` body (and the wrapped
//! `{"error": {...}}` gateway shape) classified with the fix; the upload limits (§1.6); retry and
//! polling delays.
//!
//! Retry policy (ERRH): 429 and 5xx (and 408) are retried up to [`MAX_RETRIES`] times, waiting
//! for `Retry-After` when the service gives one, else 2, 4, 8, 16, 32 s; nothing else is retried.

use serde::Deserialize;

use crate::bindings::exports::azspeech::core::config::Settings;
use crate::bindings::exports::azspeech::core::transcription::Upload;
use crate::bindings::exports::azspeech::core::types::{FailureDetail, SpeechError};
use crate::failures::{excerpt, http, retry_after};

/// Retries of one call at most.
pub const MAX_RETRIES: u32 = 5;
/// Largest file fast transcription takes (300 MB, QUOTA 01/2026; older sources say less).
pub const MAX_UPLOAD_BYTES: u64 = 300 * 1000 * 1000;
/// Longest audio fast transcription takes (120 min, with or without diarization).
pub const MAX_UPLOAD_MS: u64 = 120 * 60 * 1000;
/// Poll a job this often when the service does not say (`Retry-After`).
pub const DEFAULT_POLL_MS: u64 = 5_000;
/// Poll bounds.
pub const POLL_MS: std::ops::RangeInclusive<u64> = 250..=60_000;

const TO_BATCH: &str = "fast transcription takes files up to 300 MB and 2 hours: upload the file to storage and use batch transcription (`azspeech batch submit URL`), or split it";

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ErrorBody {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    inner_error: Option<Box<ErrorBody>>,
    #[serde(default)]
    error: Option<Box<ErrorBody>>,
}

/// The codes (outer, innermost) and message of an error body, if it has the documented shape.
fn parse_body(body: &str) -> Option<(String, Option<String>, String)> {
    let mut parsed: ErrorBody = serde_json::from_str(body).ok()?;
    if let Some(wrapped) = parsed.error.take() {
        parsed = *wrapped;
    }
    let mut inner = parsed.inner_error.as_deref();
    let mut innermost: Option<&ErrorBody> = None;
    while let Some(next) = inner {
        innermost = Some(next);
        inner = next.inner_error.as_deref();
    }
    let inner_code = innermost.map(|i| i.code.clone()).filter(|c| !c.is_empty());
    let message = match innermost {
        Some(i) if !i.message.is_empty() => i.message.clone(),
        _ => parsed.message.clone(),
    };
    Some((parsed.code, inner_code, message))
}

fn message(status: u16, body: &str) -> String {
    match parse_body(body) {
        Some((code, inner, text)) => {
            let codes = match inner {
                Some(inner) => format!("{code}/{inner}"),
                None => code,
            };
            format!("HTTP {status} {codes}: {}", excerpt(&text))
        }
        None if body.trim().is_empty() => format!("HTTP {status} (empty body)"),
        None => format!("HTTP {status}: {}", excerpt(body)),
    }
}

fn inner_hint(inner: &str) -> Option<&'static str> {
    Some(match inner {
        "AudioLengthLimitExceeded" | "AudioSizeLimitExceeded" | "FileSizeLimitExceeded" | "PayloadTooLarge" => TO_BATCH,
        "InvalidAudioFormat" | "UnsupportedAudioFormat" => {
            "the audio format is not supported: convert it to WAV, MP3, FLAC or Ogg Opus (e.g. ffmpeg -i in.m4a out.wav)"
        }
        "EmptyAudioFile" => "the file has no audio: check that it is the recording you meant",
        "InvalidLocale" => "a --locale is not supported by transcription: pass supported locales such as en-US",
        "NoLanguageIdentified" | "MultipleLanguagesIdentified" => {
            "language identification failed: pass the one --locale the audio is in, or other candidates"
        }
        "BadChannelConfiguration" | "InvalidChannelSpecification" => {
            "the channels do not fit the audio: --channels 0,1 needs a stereo file, and diarization needs one channel"
        }
        "InvalidSubscription" => {
            "the key is not a Standard (S0) key of this region: batch and fast transcription do not run on the free tier, and a key works only in its own region"
        }
        "InaccessibleCustomerStorage" | "InvalidDataUri" => {
            "the service cannot read the storage URL: check that the SAS grants read (and list for a container) and has not expired"
        }
        "InvalidTimeToLive" => "pass a time to live between 6 and 744 hours",
        "OnlyOneOfUrlsOrContainerOrDataset" => "pass either audio URLs or --container, not both",
        "DeleteNotAllowed" => "the job cannot be deleted while it runs: wait for it to finish (azspeech batch wait ID)",
        _ => return None,
    })
}

/// Classify a failed call.
pub fn classify(settings: &Settings, status: u16, retry_after_header: Option<&str>, body: &str) -> SpeechError {
    let parsed = parse_body(body);
    let inner = parsed.as_ref().and_then(|(_, inner, _)| inner.clone());
    let detail = |hint: String| FailureDetail {
        http_status: Some(status),
        close_code: None,
        message: message(status, body),
        hint,
    };
    let specific = inner.as_deref().and_then(inner_hint);
    match status {
        413 => SpeechError::BadRequest(detail(TO_BATCH.to_owned())),
        415 => SpeechError::BadRequest(detail(
            inner_hint("InvalidAudioFormat").unwrap_or_default().to_owned(),
        )),
        400 | 409 | 422 => match (inner.as_deref(), specific) {
            (Some("InvalidSubscription"), Some(hint)) => SpeechError::Configuration(detail(hint.to_owned())),
            (_, Some(hint)) => SpeechError::BadRequest(detail(hint.to_owned())),
            (_, None) => SpeechError::BadRequest(detail(
                "the service refused the request and will refuse it again: check the options named in the message".to_owned(),
            )),
        },
        404 => SpeechError::BadRequest(detail(
            "no such transcription (a job is deleted after its time to live), or the endpoint is not a Speech resource: check the id with `azspeech batch list`".to_owned(),
        )),
        _ => {
            let mut error = http::classify(settings, status, retry_after_header, body);
            let message = message(status, body);
            match &mut error {
                SpeechError::Throttled(throttle) => throttle.detail.message = message,
                SpeechError::Configuration(d)
                | SpeechError::Authentication(d)
                | SpeechError::Forbidden(d)
                | SpeechError::Transient(d)
                | SpeechError::BadRequest(d)
                | SpeechError::Protocol(d)
                | SpeechError::NotImplemented(d) => d.message = message,
            }
            error
        }
    }
}

/// Whether fast transcription takes this file.
pub fn check_upload(upload: &Upload) -> Result<(), SpeechError> {
    let over = |what: String| {
        Err(SpeechError::BadRequest(FailureDetail {
            http_status: None,
            close_code: None,
            message: what,
            hint: TO_BATCH.to_owned(),
        }))
    };
    if upload.size_bytes == 0 {
        return Err(SpeechError::BadRequest(FailureDetail {
            http_status: None,
            close_code: None,
            message: "the file is empty".to_owned(),
            hint: "check that it is the recording you meant".to_owned(),
        }));
    }
    if upload.size_bytes > MAX_UPLOAD_BYTES {
        return over(format!(
            "the file is {:.1} MB, over fast transcription's limit of 300 MB",
            upload.size_bytes as f64 / 1e6
        ));
    }
    if let Some(duration) = upload.duration_ms
        && duration > MAX_UPLOAD_MS
    {
        return over(format!(
            "the audio lasts {} min, over fast transcription's limit of 120 min{}",
            duration.div_ceil(60_000),
            if upload.diarization { " (with diarization)" } else { "" }
        ));
    }
    Ok(())
}

/// The delay before retry `attempt` (from 1) of a call that failed with `error`.
pub fn retry_delay(error: &SpeechError, retry_after_header: Option<&str>, attempt: u32) -> Option<u64> {
    if attempt == 0 || attempt > MAX_RETRIES {
        return None;
    }
    let backoff = 1000u64 << attempt.min(16);
    match error {
        SpeechError::Throttled(throttle) => Some(
            throttle
                .retry_after_ms
                .or_else(|| retry_after_header.and_then(retry_after::parse))
                .unwrap_or(backoff),
        ),
        SpeechError::Transient(_) => Some(retry_after_header.and_then(retry_after::parse).unwrap_or(backoff)),
        _ => None,
    }
}

/// The delay before polling a job again.
pub fn poll_delay(retry_after_header: Option<&str>) -> u64 {
    retry_after_header
        .and_then(retry_after::parse)
        .unwrap_or(DEFAULT_POLL_MS)
        .clamp(*POLL_MS.start(), *POLL_MS.end())
}
