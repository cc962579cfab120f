//! Speech-to-text sessions. Not implemented yet (issue #5): every call says so.

use crate::bindings::exports::azspeech::core::config::Settings;
use crate::bindings::exports::azspeech::core::messages::WsMessage;
use crate::bindings::exports::azspeech::core::recognition::{RecognitionEvent, RecognitionOptions};
use crate::bindings::exports::azspeech::core::types::{FailureDetail, SpeechError};

/// One recognition session (the `recognition.session` resource).
pub struct RecognitionSession {
    _settings: Settings,
    _options: RecognitionOptions,
}

fn not_implemented(what: &str) -> SpeechError {
    SpeechError::NotImplemented(FailureDetail {
        http_status: None,
        close_code: None,
        message: format!("speech-to-text {what} is not implemented yet"),
        hint: "speech-to-text lands with issue #5; use `azspeech doctor` meanwhile".into(),
    })
}

impl RecognitionSession {
    /// A session for a resolved configuration.
    pub fn new(settings: Settings, options: RecognitionOptions) -> Self {
        Self {
            _settings: settings,
            _options: options,
        }
    }

    /// Frames to send after the socket opens.
    pub fn start(&self, _now: u64, _request_id: &str) -> Result<Vec<WsMessage>, SpeechError> {
        Err(not_implemented("session start"))
    }

    /// Header for one binary audio frame.
    pub fn audio_header(&self, _now: u64, _pcm_len: u32) -> Result<Vec<u8>, SpeechError> {
        Err(not_implemented("audio framing"))
    }

    /// The end-of-audio frame.
    pub fn finish(&self, _now: u64) -> Result<WsMessage, SpeechError> {
        Err(not_implemented("end of audio"))
    }

    /// Parse one received message.
    pub fn receive(&self, _now: u64, _message: WsMessage) -> Result<Vec<RecognitionEvent>, SpeechError> {
        Err(not_implemented("message parsing"))
    }
}
