//! Service results (`reference/usp.md` §5.1): the JSON bodies of `turn.start`,
//! `speech.startDetected`, `speech.hypothesis`, `speech.fragment`, `speech.phrase` and
//! `speech.endDetected`, read tolerantly (unknown fields ignored; numbers or numeric strings),
//! rebased to the session's stream, and `RecognitionStatus` values mapped to events or errors.

use serde_json::Value;

use super::stream::TurnBase;
use crate::bindings::exports::azspeech::core::recognition::{
    Alternative, PartialResult, PhraseResult, RecognitionStatus, RecognizedWord,
};
use crate::bindings::exports::azspeech::core::types::{SpeechError, ThrottleDetail};
use crate::usp::path;
use crate::wire::{self, json};

fn field_error(path: &str) -> impl Fn(String) -> SpeechError + '_ {
    move |what| json::bad_body(path, &format!("has a bad field: {what}"))
}

/// The `serviceTag` of a `turn.start` body, if any (`{"context":{"serviceTag":"..."}}`).
pub fn service_tag(body: &str) -> Result<Option<String>, SpeechError> {
    let value = json::body(path::TURN_START, body)?;
    let Some(context) = value.get("context") else {
        return Ok(None);
    };
    json::string(context, "serviceTag")
        .map(|tag| tag.map(str::to_owned))
        .map_err(field_error(path::TURN_START))
}

/// The absolute `Offset` of a `speech.startDetected` / `speech.endDetected` body (a missing
/// offset counts as the turn's start).
pub fn detected_offset(path: &str, body: &str, base: &TurnBase) -> Result<u64, SpeechError> {
    let value = json::body(path, body)?;
    let offset = json::uint(&value, "Offset").map_err(field_error(path))?;
    Ok(base.absolute(offset.unwrap_or(0)))
}

/// A `speech.hypothesis` / `speech.fragment` body.
pub fn partial(path: &str, body: &str, base: &TurnBase) -> Result<PartialResult, SpeechError> {
    let value = json::body(path, body)?;
    let error = field_error(path);
    Ok(PartialResult {
        text: json::string(&value, "Text")
            .map_err(&error)?
            .unwrap_or_default()
            .to_owned(),
        offset: base.absolute(json::uint(&value, "Offset").map_err(&error)?.unwrap_or(0)),
        duration: json::uint(&value, "Duration").map_err(&error)?.unwrap_or(0),
    })
}

/// A `speech.phrase` body: the result, and where it ends relative to the turn (ticks), which
/// acknowledges the audio before it. Error statuses are returned as the matching
/// [`SpeechError`].
pub fn phrase(body: &str, base: &TurnBase) -> Result<(PhraseResult, u64), SpeechError> {
    let value = json::body(path::SPEECH_PHRASE, body)?;
    let error = field_error(path::SPEECH_PHRASE);
    let status = match json::string(&value, "RecognitionStatus").map_err(&error)? {
        Some(status) => status,
        None => return Err(json::bad_body(path::SPEECH_PHRASE, "has no `RecognitionStatus`")),
    };
    let status = recognition_status(status, body)?;
    let offset = json::uint(&value, "Offset").map_err(&error)?.unwrap_or(0);
    let duration = json::uint(&value, "Duration").map_err(&error)?.unwrap_or(0);
    let mut alternatives = Vec::new();
    for entry in json::array(&value, "NBest").map_err(&error)? {
        alternatives.push(alternative(entry, base).map_err(&error)?);
    }
    let mut text = json::string(&value, "DisplayText")
        .map_err(&error)?
        .unwrap_or_default()
        .to_owned();
    if text.is_empty() {
        // Detailed results always carry NBest; some carry only NBest[0].Display.
        if let Some(best) = alternatives.first() {
            text.clone_from(&best.display);
        }
    }
    let language = primary_language(&value).map_err(&error)?;
    let result = PhraseResult {
        status,
        text,
        offset: base.absolute(offset),
        duration,
        alternatives,
        language,
    };
    Ok((result, offset.saturating_add(duration)))
}

/// `PrimaryLanguage.Language` (language identification), none when absent or `Unknown`.
fn primary_language(value: &Value) -> Result<Option<String>, String> {
    let Some(primary) = value.get("PrimaryLanguage") else {
        return Ok(None);
    };
    if !primary.is_object() {
        return Err("`PrimaryLanguage` is not an object".to_owned());
    }
    Ok(json::string(primary, "Language")?
        .map(str::trim)
        .filter(|language| !language.is_empty() && !language.eq_ignore_ascii_case("unknown"))
        .map(str::to_owned))
}

fn alternative(entry: &Value, base: &TurnBase) -> Result<Alternative, String> {
    if !entry.is_object() {
        return Err("an `NBest` entry is not an object".to_owned());
    }
    let text = |field: &str| -> Result<String, String> {
        json::string(entry, field).map(|value| value.unwrap_or_default().to_owned())
    };
    let mut words = Vec::new();
    for word in json::array(entry, "Words")? {
        if !word.is_object() {
            return Err("a `Words` entry is not an object".to_owned());
        }
        words.push(RecognizedWord {
            word: json::string(word, "Word")?.unwrap_or_default().to_owned(),
            offset: base.absolute(json::uint(word, "Offset")?.unwrap_or(0)),
            duration: json::uint(word, "Duration")?.unwrap_or(0),
            confidence: json::number(word, "Confidence")?,
        });
    }
    Ok(Alternative {
        confidence: json::number(entry, "Confidence")?.unwrap_or(0.0),
        lexical: text("Lexical")?,
        itn: text("ITN")?,
        masked_itn: text("MaskedITN")?,
        display: text("Display")?,
        words,
    })
}

/// Map a `RecognitionStatus` string to a status, or to the error the caller acts on (the
/// messages are the Speech SDK's, with the service's response appended).
pub fn recognition_status(status: &str, body: &str) -> Result<RecognitionStatus, SpeechError> {
    let detail = |message: &str, hint: &str| {
        wire::failure(
            format!(
                "{message} (RecognitionStatus {status}; response: {})",
                crate::failures::excerpt(body)
            ),
            hint,
        )
    };
    match status {
        "Success" => Ok(RecognitionStatus::Success),
        "NoMatch" => Ok(RecognitionStatus::NoMatch),
        "InitialSilenceTimeout" => Ok(RecognitionStatus::InitialSilenceTimeout),
        "BabbleTimeout" => Ok(RecognitionStatus::BabbleTimeout),
        "EndOfDictation" => Ok(RecognitionStatus::EndOfDictation),
        "Error" => Err(SpeechError::Transient(detail(
            "The speech service encountered an internal error and could not continue.",
            "retry: reconnect and replay the unacknowledged audio; if it persists, check the service status",
        ))),
        "ServiceUnavailable" => Err(SpeechError::Transient(detail(
            "The service is currently unavailable.",
            "retry later: reconnect and replay the unacknowledged audio",
        ))),
        "TooManyRequests" => Err(SpeechError::Throttled(ThrottleDetail {
            detail: detail(
                "The number of parallel requests exceeded the number of allowed concurrent transcriptions.",
                "back off and retry, run fewer sessions at once, or raise the resource's concurrency quota",
            ),
            retry_after_ms: None,
        })),
        "BadRequest" => Err(SpeechError::BadRequest(detail(
            "Invalid parameter or unsupported audio format in the request.",
            "check the language, the options and the audio format (16-bit mono PCM); retrying fails the same way",
        ))),
        "Forbidden" => Err(SpeechError::Forbidden(detail(
            "The recognizer is using a free subscription that ran out of quota.",
            "wait for the free (F0) quota to reset or move the resource to the standard (S0) tier",
        ))),
        "Unauthorized" => Err(SpeechError::Authentication(detail(
            "The service rejected the credential.",
            "refresh the token or check the key and region",
        ))),
        _ => Err(wire::protocol(
            format!(
                "speech.phrase has an unknown RecognitionStatus `{}`",
                crate::failures::excerpt(status)
            ),
            "azspeech does not know this result status: report it with the message",
        )),
    }
}
