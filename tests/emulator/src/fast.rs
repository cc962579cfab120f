//! Fast transcription: `POST {endpoint}/speechtotext/transcriptions:transcribe?api-version=…`
//! (bulk.md §1). Checks, in the order the service meets them:
//!
//! | check | answer |
//! |---|---|
//! | method POST | 405 |
//! | `api-version` present and one of `2024-05-15-preview`, `2024-11-15`, `2025-10-15` | 400 `InvalidRequest` / inner `MissingApiVersion` or `UnsupportedApiVersion` |
//! | faults with target `transcription` | as configured (e.g. 429 with `Retry-After`) |
//! | credential (as every STT route: key; STS token of this host; raw Entra only on the custom domain or loopback) | 401 / 403, API Management's `{"error":{…}}` body |
//! | requests per minute ([`EmulatorConfig::transcriptions_per_minute`], 600 by default) | 429 `TooManyRequests` with `Retry-After` |
//! | `Content-Type: multipart/form-data; boundary=…` | 415 `UnsupportedMediaType` |
//! | body size ≤ [`EmulatorConfig::transcription_max_bytes`] (300 MB, QUOTA) | 413 `InvalidRequest` / inner `AudioSizeLimitExceeded` (*unconfirmed*: bulk.md §6) |
//! | well-formed multipart with a `definition` part holding JSON | 400 `InvalidRequest` / `InvalidArgument` |
//! | an `audio` part, or `definition.audioUrl` on loopback (fetched with GET; the `audio` part wins) | 400 `InvalidArgument`; 400 `InvalidRequest` / inner `InvalidAudioUrl` when it cannot be fetched |
//! | `locales` well formed; `diarization.maxSpeakers` 2–35; `channels` ⊆ {0, 1}, at most 2, no diarization with two channels; `profanityFilterMode` None/Removed/Tags/Masked; no `enhancedMode` (not emulated) | 400 `InvalidArgument` |
//! | audio: 16-bit PCM WAV (the service takes many more formats; the emulator decodes only this) | 400 `InvalidRequest` / inner `InvalidAudioFormat` |
//! | duration ≤ [`EmulatorConfig::transcription_max_duration`] (2 h) | 400 `InvalidRequest` / inner `AudioLengthLimitExceeded` (*unconfirmed*) |
//!
//! `diarization` needs `enabled: true`: `maxSpeakers` alone gives no speakers, as the service does
//! (Azure/azure-sdk-for-python#44436). The 200 body: `durationMilliseconds`, `combinedPhrases`
//! (one per channel), `phrases` with `offsetMilliseconds`, `durationMilliseconds`, `text`,
//! `words`, `locale`, `confidence`, and `channel` / `speaker` when asked for.
//!
//! [`EmulatorConfig::transcriptions_per_minute`]: crate::EmulatorConfig::transcriptions_per_minute
//! [`EmulatorConfig::transcription_max_bytes`]: crate::EmulatorConfig::transcription_max_bytes
//! [`EmulatorConfig::transcription_max_duration`]: crate::EmulatorConfig::transcription_max_duration

use http::{HeaderValue, Method, Request, Response, header};
use http_body_util::{BodyExt, Limited};
use hyper::body::{Bytes, Incoming};
use serde::Deserialize;
use serde_json::Value;

use crate::auth::{self, Service};
use crate::content_fetch::{self, FetchError};
use crate::emulator::Shared;
use crate::faults::RequestKind;
use crate::hosts::HostInfo;
use crate::log::RequestRecord;
use crate::multipart;
use crate::server::{Body, check_auth, fault_status, respond};
use crate::transcription::{self, FAST_API_VERSIONS, Options, error};

/// The `definition` part (TranscribeDefinition). Unknown fields are ignored, as the service
/// ignores them.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Definition {
    #[serde(default)]
    locales: Option<Vec<String>>,
    #[serde(default)]
    audio_url: Option<String>,
    #[serde(default)]
    diarization: Option<Diarization>,
    #[serde(default)]
    channels: Option<Vec<i64>>,
    #[serde(default)]
    profanity_filter_mode: Option<String>,
    #[serde(default)]
    enhanced_mode: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Diarization {
    #[serde(default)]
    enabled: Option<bool>,
    #[serde(default)]
    max_speakers: Option<i64>,
}

fn invalid(message: &str) -> Response<Body> {
    error(400, "InvalidArgument", message, Some("InvalidParameterValue"))
}

/// A locale tag as the service takes them: `en-US`, `zh-Hans-CN`, `fil-PH`.
fn locale_ok(locale: &str) -> bool {
    let mut parts = locale.split('-');
    let language = parts.next().unwrap_or("");
    (2..=3).contains(&language.len())
        && language.bytes().all(|b| b.is_ascii_alphabetic())
        && parts.clone().count() >= 1
        && parts.all(|p| (2..=4).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// Validate a definition into recognition options.
fn options(definition: &Definition) -> Result<Options, String> {
    let locales = definition.locales.clone().unwrap_or_default();
    if let Some(bad) = locales.iter().find(|l| !locale_ok(l)) {
        return Err(format!("The locale '{bad}' is not supported."));
    }
    if locales.len() > 10 {
        return Err("At most 10 candidate locales can be given for language identification.".to_owned());
    }
    if definition.enhanced_mode.is_some() {
        return Err("enhancedMode (LLM speech) is not supported by the emulator.".to_owned());
    }
    if let Some(mode) = &definition.profanity_filter_mode
        && !["None", "Removed", "Tags", "Masked"]
            .iter()
            .any(|m| m.eq_ignore_ascii_case(mode))
    {
        return Err(format!(
            "The profanity filter mode '{mode}' is not valid (None, Removed, Tags or Masked)."
        ));
    }
    let mut channels = Vec::new();
    for &c in definition.channels.as_deref().unwrap_or_default() {
        if !(0..=1).contains(&c) {
            return Err(format!("The channel {c} is not valid: channels are 0 and 1."));
        }
        let c = c as usize;
        if channels.contains(&c) {
            return Err(format!("The channel {c} is listed twice."));
        }
        channels.push(c);
    }
    let diarization = match &definition.diarization {
        Some(d) if d.enabled == Some(true) => {
            let max = d.max_speakers.unwrap_or(2);
            if !(2..=35).contains(&max) {
                return Err(format!(
                    "diarization.maxSpeakers is {max}; it must be between 2 and 35."
                ));
            }
            if channels.len() > 1 {
                return Err(
                    "Diarization is not supported with more than one channel; transcribe one channel or mix to mono."
                        .to_owned(),
                );
            }
            Some(max as u32)
        }
        _ => None,
    };
    Ok(Options {
        locales,
        diarization,
        channels,
    })
}

/// Download `definition.audioUrl` (loopback only, see [`crate::content_fetch`]).
async fn fetch_audio(shared: &Shared, url: &str, max_bytes: u64) -> Result<Bytes, String> {
    let parsed = content_fetch::parse(url).map_err(|e| format!("definition.audioUrl is refused: {e}."))?;
    let limit = usize::try_from(max_bytes).unwrap_or(usize::MAX);
    match shared
        .batch
        .storage_client()
        .request(Method::GET, &parsed, &[], Bytes::new(), limit)
        .await
    {
        Ok((_, bytes)) => Ok(bytes),
        Err(FetchError::TooLarge) => Err(format!(
            "The audio at {} is larger than the {max_bytes} bytes fast transcription accepts.",
            parsed.without_query()
        )),
        Err(e) => Err(format!(
            "The audio at {} could not be downloaded: {e:?}.",
            parsed.without_query()
        )),
    }
}

/// The checks before the body is read; the multipart boundary if they pass.
fn admit(
    shared: &Shared,
    req: &Request<Incoming>,
    host: &HostInfo,
    query: &[(String, String)],
    record: &mut RequestRecord,
) -> Result<String, Box<Response<Body>>> {
    if req.method() != Method::POST {
        let mut r = error(405, "NotAllowed", "Fast transcription accepts POST only.", None);
        r.headers_mut().insert(header::ALLOW, HeaderValue::from_static("POST"));
        return Err(Box::new(r));
    }
    match auth::query_value(query, "api-version") {
        None => {
            record.note = Some("no api-version".to_owned());
            return Err(Box::new(error(
                400,
                "InvalidRequest",
                "The api-version query parameter is required (e.g. api-version=2025-10-15).",
                Some("MissingApiVersion"),
            )));
        }
        Some(v) if !FAST_API_VERSIONS.contains(&v) => {
            record.note = Some(format!("api-version {v} not supported"));
            return Err(Box::new(error(
                400,
                "InvalidRequest",
                &format!(
                    "The api-version '{v}' is not supported for this operation. Supported versions: {}.",
                    FAST_API_VERSIONS.join(", ")
                ),
                Some("UnsupportedApiVersion"),
            )));
        }
        Some(_) => {}
    }
    if let Some(r) = fault_status(shared, RequestKind::Transcription, record) {
        return Err(Box::new(r));
    }
    if let Some(r) = check_auth(shared, req.headers(), query, host, Service::Stt, record) {
        return Err(Box::new(r));
    }
    if let Err((retry_after, limit)) = shared.transcription_rate.admit(shared.now_ms()) {
        record.note = Some(format!("over {limit} transcription requests per minute"));
        return Err(Box::new(transcription::too_many_requests(retry_after, limit)));
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    multipart::boundary(&content_type).map_err(|e| {
        record.note = Some(e.clone());
        Box::new(error(415, "UnsupportedMediaType", &e, None))
    })
}

/// Read and drop a refused request's body (up to `limit` bytes), so that the client, still
/// sending, gets the answer instead of a reset connection — as the service's front end does.
async fn drain(body: Incoming, limit: u64) {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let _ = Limited::new(body, limit).collect().await;
}

/// Handle the route.
pub(crate) async fn handle(
    shared: &Shared,
    req: Request<Incoming>,
    host: &HostInfo,
    query: &[(String, String)],
    record: &mut RequestRecord,
) -> Response<Body> {
    let boundary = match admit(shared, &req, host, query, record) {
        Ok(b) => b,
        Err(r) => {
            drain(req.into_body(), shared.config.transcription_max_bytes).await;
            return *r;
        }
    };
    let max_bytes = shared.config.transcription_max_bytes;
    let too_large = || {
        error(
            413,
            "InvalidRequest",
            &format!(
                "The request is larger than the {max_bytes} bytes fast transcription accepts. Use batch transcription for larger files."
            ),
            Some("AudioSizeLimitExceeded"),
        )
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max_bytes) {
        record.note = Some("body over the size limit".to_owned());
        return too_large();
    }
    let limit = usize::try_from(max_bytes).unwrap_or(usize::MAX);
    let body: Bytes = match Limited::new(req.into_body(), limit).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) => {
            if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() {
                record.note = Some("body over the size limit".to_owned());
                return too_large();
            }
            return error(400, "InvalidRequest", "The request body could not be read.", None);
        }
    };
    let parts = match multipart::parse(&body, &boundary) {
        Ok(p) => p,
        Err(e) => {
            record.note = Some(e.clone());
            return error(400, "InvalidRequest", &format!("Malformed multipart body: {e}."), None);
        }
    };
    let Some(definition_part) = parts.iter().find(|p| p.name == "definition") else {
        record.note = Some("no definition part".to_owned());
        return invalid("The multipart body has no 'definition' part (the transcription options as JSON).");
    };
    let definition: Definition = match serde_json::from_slice(&definition_part.data) {
        Ok(d) => d,
        Err(e) => {
            record.note = Some(format!("definition is not valid JSON: {e}"));
            return invalid(&format!(
                "The 'definition' part is not a valid transcription definition: {e}."
            ));
        }
    };
    let options = match options(&definition) {
        Ok(o) => o,
        Err(message) => {
            record.note = Some(message.clone());
            return invalid(&message);
        }
    };
    let audio = match (parts.iter().find(|p| p.name == "audio"), &definition.audio_url) {
        (Some(part), _) => part.data.clone(),
        (None, Some(url)) => match fetch_audio(shared, url, max_bytes).await {
            Ok(bytes) => bytes,
            Err(message) => {
                record.note = Some(message.clone());
                return error(400, "InvalidRequest", &message, Some("InvalidAudioUrl"));
            }
        },
        (None, None) => {
            record.note = Some("no audio part".to_owned());
            return invalid("The multipart body has no 'audio' part (and the definition has no audioUrl).");
        }
    };
    let wav = match transcription::decode(&audio) {
        Ok(w) => w,
        Err(e) => {
            record.note = Some(format!("audio not decodable: {e}"));
            return error(
                400,
                "InvalidRequest",
                &format!("The audio could not be decoded: {e}. The emulator decodes 16-bit PCM WAV only."),
                Some("InvalidAudioFormat"),
            );
        }
    };
    let duration = transcription::duration_ticks(&wav);
    let max_duration = shared.config.transcription_max_duration;
    if u128::from(duration) * 100 > max_duration.as_nanos() {
        record.note = Some("audio over the duration limit".to_owned());
        return error(
            400,
            "InvalidRequest",
            &format!(
                "The audio is {} s long; fast transcription accepts at most {} s. Use batch transcription for longer files.",
                duration / 10_000_000,
                max_duration.as_secs()
            ),
            Some("AudioLengthLimitExceeded"),
        );
    }
    let registry = shared.registry.clone();
    let tuning = shared.config.recognition;
    let transcript =
        match tokio::task::spawn_blocking(move || transcription::recognize(&registry, &tuning, &wav, &options)).await {
            Ok(t) => t,
            Err(e) => {
                record.note = Some(format!("recognition failed: {e}"));
                return error(500, "InternalServerError", "Transcription failed.", None);
            }
        };
    record.note = Some(format!("{} phrases", transcript.phrases.len()));
    let mut response = respond(
        200,
        Some("application/json; charset=utf-8"),
        transcription::fast_result(&transcript).to_string(),
    );
    transcription::add_service_headers(&mut response);
    response
}
