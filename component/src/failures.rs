//! What a failed exchange means for the caller: HTTP statuses and WebSocket close codes mapped to
//! [`SpeechError`] cases, each with the likely cause and the fix.

use crate::bindings::exports::azspeech::core::config::Settings;
use crate::bindings::exports::azspeech::core::types::{FailureDetail, SpeechError};

/// Classify a rejected WebSocket upgrade or REST call.
pub fn classify_http(_settings: &Settings, status: u16, _retry_after: Option<&str>, body: &str) -> SpeechError {
    SpeechError::NotImplemented(FailureDetail {
        http_status: Some(status),
        close_code: None,
        message: format!(
            "classifying HTTP {status} is not implemented yet (body: {})",
            excerpt(body)
        ),
        hint: "see issue #3 (configuration and authentication)".into(),
    })
}

/// Classify a WebSocket close code sent by the service.
pub fn classify_close(code: u16, reason: &str) -> SpeechError {
    SpeechError::NotImplemented(FailureDetail {
        http_status: None,
        close_code: Some(code),
        message: format!(
            "classifying close code {code} is not implemented yet (reason: {})",
            excerpt(reason)
        ),
        hint: "see issue #5 (speech-to-text)".into(),
    })
}

/// At most 200 characters of a service message, on a character boundary.
pub fn excerpt(text: &str) -> &str {
    match text.char_indices().nth(200) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}
