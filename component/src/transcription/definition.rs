//! Request bodies: fast transcription's `definition` (bulk.md §1.4) and the batch submit body
//! (§2.2). Diarization is always sent as `{"enabled": true, "maxSpeakers": N}`: `maxSpeakers`
//! alone produces no speakers (Azure/azure-sdk-for-python#44436).

use serde_json::{Map, Value, json};

use super::sas;
use crate::bindings::exports::azspeech::core::transcription::{BatchRequest, ProfanityMode, TranscriptionOptions};
use crate::bindings::exports::azspeech::core::types::{FailureDetail, SpeechError};
use crate::config::language;

/// Fewest and most speakers diarization accepts.
pub const SPEAKERS: std::ops::RangeInclusive<u32> = 2..=35;
/// Most content URLs in one batch job.
pub const MAX_CONTENT_URLS: usize = 1000;
/// `timeToLiveHours` bounds.
pub const TIME_TO_LIVE_HOURS: std::ops::RangeInclusive<u32> = 6..=744;

fn bad(message: impl Into<String>, hint: impl Into<String>) -> SpeechError {
    SpeechError::BadRequest(FailureDetail {
        http_status: None,
        close_code: None,
        message: message.into(),
        hint: hint.into(),
    })
}

fn profanity_name(mode: ProfanityMode) -> &'static str {
    match mode {
        ProfanityMode::None => "None",
        ProfanityMode::Removed => "Removed",
        ProfanityMode::Tags => "Tags",
        ProfanityMode::Masked => "Masked",
    }
}

fn check_locales(locales: &[String]) -> Result<(), SpeechError> {
    for locale in locales {
        if !language::is_language_tag(locale) {
            return Err(bad(
                format!("{:?} is not a locale", crate::failures::excerpt(locale)),
                "give locales as language-REGION, e.g. --locale en-US --locale de-DE",
            ));
        }
    }
    Ok(())
}

fn check_common(options: &TranscriptionOptions) -> Result<(), SpeechError> {
    check_locales(&options.locales)?;
    if let Some(speakers) = options.max_speakers
        && !SPEAKERS.contains(&speakers)
    {
        return Err(bad(
            format!("--max-speakers {speakers} is out of range"),
            "diarization tells apart 2 to 35 speakers: pass --max-speakers between 2 and 35",
        ));
    }
    let mut channels = options.channels.clone();
    channels.sort_unstable();
    channels.dedup();
    if channels.len() != options.channels.len() || channels.iter().any(|c| *c > 1) {
        return Err(bad(
            "--channels must name channel 0 and/or 1, each once",
            "pass --channels 0,1 to transcribe both channels of a stereo file separately, or one of them",
        ));
    }
    if options.max_speakers.is_some() && channels.len() > 1 {
        return Err(bad(
            "diarization and two separate channels cannot be combined",
            "drop --diarize, or transcribe one channel (--channels 0)",
        ));
    }
    if options.phrases.iter().any(|p| p.trim().is_empty()) {
        return Err(bad("a --phrase is empty", "drop the empty --phrase"));
    }
    Ok(())
}

fn diarization(options: &TranscriptionOptions) -> Option<Value> {
    options
        .max_speakers
        .map(|speakers| json!({"enabled": true, "maxSpeakers": speakers}))
}

/// The `definition` JSON of a fast transcription request.
pub fn fast(options: &TranscriptionOptions) -> Result<String, SpeechError> {
    check_common(options)?;
    let mut definition = Map::new();
    if !options.locales.is_empty() {
        definition.insert("locales".into(), json!(options.locales));
    }
    if let Some(diarization) = diarization(options) {
        definition.insert("diarization".into(), diarization);
    }
    if !options.channels.is_empty() {
        definition.insert("channels".into(), json!(options.channels));
    }
    if let Some(mode) = options.profanity {
        definition.insert("profanityFilterMode".into(), json!(profanity_name(mode)));
    }
    if !options.phrases.is_empty() {
        definition.insert("phraseList".into(), json!({"phrases": options.phrases}));
    }
    Ok(Value::Object(definition).to_string())
}

/// The body of a batch submit.
pub fn submit(request: &BatchRequest) -> Result<String, SpeechError> {
    let options = &request.options;
    check_common(options)?;
    if !options.phrases.is_empty() {
        return Err(bad(
            "batch transcription has no phrase list",
            "drop --phrase, or use `azspeech transcribe` (fast transcription) for these files",
        ));
    }
    match (request.content_urls.is_empty(), &request.content_container_url) {
        (true, None) => {
            return Err(bad(
                "nothing to transcribe",
                "pass audio URLs, or --container with a container SAS URL (read and list permissions)",
            ));
        }
        (false, Some(_)) => {
            return Err(bad(
                "both audio URLs and --container were given",
                "pass either audio URLs or --container, not both",
            ));
        }
        _ => {}
    }
    if request.content_urls.len() > MAX_CONTENT_URLS {
        return Err(bad(
            format!(
                "{} audio URLs; one job takes at most {MAX_CONTENT_URLS}",
                request.content_urls.len()
            ),
            "split the URLs over several jobs, or put the files in one container and pass --container",
        ));
    }
    if !TIME_TO_LIVE_HOURS.contains(&request.time_to_live_hours) {
        return Err(bad(
            format!("a time to live of {} hours is out of range", request.time_to_live_hours),
            "pass a time to live between 6 and 744 hours",
        ));
    }
    let urls = request
        .content_urls
        .iter()
        .chain(request.content_container_url.iter())
        .chain(request.destination_container_url.iter());
    for (index, url) in urls.enumerate() {
        sas::check(url).map_err(|error| {
            bad(
                format!("storage URL {} {}", index + 1, error.describe()),
                "pass https:// URLs of the audio (a SAS URL for private blobs)",
            )
        })?;
    }
    let display_name = if request.display_name.trim().is_empty() {
        "azspeech batch".to_owned()
    } else {
        request.display_name.clone()
    };
    let mut properties = Map::new();
    properties.insert("timeToLiveHours".into(), json!(request.time_to_live_hours));
    properties.insert("wordLevelTimestampsEnabled".into(), json!(true));
    properties.insert("displayFormWordLevelTimestampsEnabled".into(), json!(true));
    if !options.channels.is_empty() {
        properties.insert("channels".into(), json!(options.channels));
    }
    if let Some(mode) = options.profanity {
        properties.insert("profanityFilterMode".into(), json!(profanity_name(mode)));
    }
    if let Some(diarization) = diarization(options) {
        properties.insert("diarization".into(), diarization);
    }
    if options.locales.len() > 1 {
        properties.insert(
            "languageIdentification".into(),
            json!({"candidateLocales": options.locales, "mode": "Continuous"}),
        );
    }
    if let Some(destination) = &request.destination_container_url {
        properties.insert("destinationContainerUrl".into(), json!(destination));
    }
    let mut body = Map::new();
    body.insert("displayName".into(), json!(display_name));
    body.insert(
        "locale".into(),
        json!(options.locales.first().map_or("en-US", String::as_str)),
    );
    match &request.content_container_url {
        Some(container) => body.insert("contentContainerUrl".into(), json!(container)),
        None => body.insert("contentUrls".into(), json!(request.content_urls)),
    };
    body.insert("properties".into(), Value::Object(properties));
    Ok(Value::Object(body).to_string())
}
