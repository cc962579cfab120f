//! Shared by the targets that classify failures: the detail (message and hint) of any
//! `speech-error`.
#![allow(dead_code)]

use azspeech_component::bindings::exports::azspeech::core::types::{FailureDetail, SpeechError};

/// The message and hint every `speech-error` case carries.
pub fn of(error: &SpeechError) -> &FailureDetail {
    match error {
        SpeechError::Throttled(throttle) => &throttle.detail,
        SpeechError::Configuration(detail)
        | SpeechError::Authentication(detail)
        | SpeechError::Forbidden(detail)
        | SpeechError::Transient(detail)
        | SpeechError::BadRequest(detail)
        | SpeechError::Protocol(detail)
        | SpeechError::NotImplemented(detail) => detail,
    }
}
