//! Text-to-speech sessions. Not implemented yet (issue #6): every call says so.

use crate::bindings::exports::azspeech::core::config::Settings;
use crate::bindings::exports::azspeech::core::messages::WsMessage;
use crate::bindings::exports::azspeech::core::synthesis::{SynthesisEvent, SynthesisOptions};
use crate::bindings::exports::azspeech::core::types::{FailureDetail, SpeechError};

/// One synthesis session (the `synthesis.session` resource).
pub struct SynthesisSession {
    _settings: Settings,
    _options: SynthesisOptions,
}

fn not_implemented(what: &str) -> SpeechError {
    SpeechError::NotImplemented(FailureDetail {
        http_status: None,
        close_code: None,
        message: format!("text-to-speech {what} is not implemented yet"),
        hint: "text-to-speech lands with issue #6; use `azspeech doctor` meanwhile".into(),
    })
}

impl SynthesisSession {
    /// A session for a resolved configuration.
    pub fn new(settings: Settings, options: SynthesisOptions) -> Self {
        Self {
            _settings: settings,
            _options: options,
        }
    }

    /// Frames that synthesize `text`.
    pub fn speak_text(&self, _now: u64, _request_id: &str, _text: &str) -> Result<Vec<WsMessage>, SpeechError> {
        Err(not_implemented("synthesis"))
    }

    /// Parse one received message.
    pub fn receive(&self, _now: u64, _message: WsMessage) -> Result<Vec<SynthesisEvent>, SpeechError> {
        Err(not_implemented("message parsing"))
    }
}
