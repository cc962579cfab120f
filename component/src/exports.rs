//! The glue between the generated export traits and the logic modules. Each method only
//! delegates, so the logic stays callable (and tested) natively.

use crate::Core;
use crate::bindings::exports::azspeech::core::{config, connection, failures, messages, recognition, synthesis, types};
use crate::diagnostics::install_panic_hook;

impl config::Guest for Core {
    fn secret_names() -> Vec<String> {
        install_panic_hook();
        crate::config::SECRET_NAMES
            .iter()
            .map(|name| (*name).to_owned())
            .collect()
    }

    fn resolve(settings: Vec<config::Setting>) -> Result<config::Settings, types::ConfigError> {
        install_panic_hook();
        crate::config::resolve(&settings)
    }

    fn diagnose(settings: config::Settings) -> Vec<types::Finding> {
        install_panic_hook();
        crate::config::diagnose(&settings)
    }
}

impl connection::Guest for Core {
    fn plan(
        settings: config::Settings,
        kind: connection::RequestKind,
        ids: connection::RequestIds,
    ) -> Result<connection::ConnectionPlan, types::ConfigError> {
        install_panic_hook();
        crate::connection::plan(&settings, kind, &ids)
    }
}

impl failures::Guest for Core {
    fn classify_http(
        settings: config::Settings,
        status: u16,
        retry_after: Option<String>,
        body: String,
    ) -> types::SpeechError {
        install_panic_hook();
        crate::failures::classify_http(&settings, status, retry_after.as_deref(), &body)
    }

    fn classify_close(code: u16, reason: String) -> types::SpeechError {
        install_panic_hook();
        crate::failures::classify_close(code, &reason)
    }
}

impl recognition::Guest for Core {
    type Session = crate::recognition::RecognitionSession;
}

impl recognition::GuestSession for crate::recognition::RecognitionSession {
    fn new(settings: config::Settings, options: recognition::RecognitionOptions) -> Self {
        install_panic_hook();
        Self::new(settings, options)
    }

    fn start(&self, now: u64, request_id: String) -> Result<recognition::TurnPlan, types::SpeechError> {
        Self::start(self, now, &request_id)
    }

    fn next_turn(&self, now: u64, request_id: String) -> Result<recognition::TurnPlan, types::SpeechError> {
        Self::next_turn(self, now, &request_id)
    }

    fn audio_header(&self, now: u64, pcm_len: u32) -> Result<Vec<u8>, recognition::AudioError> {
        Self::audio_header(self, now, pcm_len)
    }

    fn finish(&self, now: u64) -> Result<messages::WsMessage, types::SpeechError> {
        Self::finish(self, now)
    }

    fn receive(
        &self,
        now: u64,
        message: messages::WsMessage,
    ) -> Result<Vec<recognition::RecognitionEvent>, types::SpeechError> {
        Self::receive(self, now, message)
    }

    fn progress(&self) -> recognition::Progress {
        Self::progress(self)
    }
}

impl synthesis::Guest for Core {
    type Session = crate::synthesis::SynthesisSession;

    fn describe_format(name: String) -> Result<synthesis::FormatInfo, types::SpeechError> {
        install_panic_hook();
        crate::synthesis::formats::describe(&name)
    }

    fn wav_header(format_name: String, data_len: u32) -> Result<Vec<u8>, types::SpeechError> {
        install_panic_hook();
        crate::synthesis::formats::wav_header(&format_name, data_len)
    }

    fn split_text(text: String, max_chars: u32) -> Vec<String> {
        install_panic_hook();
        crate::synthesis::split::split_text(&text, max_chars)
    }
}

impl synthesis::GuestSession for crate::synthesis::SynthesisSession {
    fn new(settings: config::Settings, options: synthesis::SynthesisOptions) -> Self {
        install_panic_hook();
        Self::new(settings, options)
    }

    fn speak_text(
        &self,
        now: u64,
        request_id: String,
        text: String,
    ) -> Result<Vec<messages::WsMessage>, types::SpeechError> {
        Self::speak_text(self, now, &request_id, &text)
    }

    fn speak_ssml(
        &self,
        now: u64,
        request_id: String,
        ssml: String,
    ) -> Result<Vec<messages::WsMessage>, types::SpeechError> {
        Self::speak_ssml(self, now, &request_id, &ssml)
    }

    fn receive(
        &self,
        now: u64,
        message: messages::WsMessage,
    ) -> Result<Vec<synthesis::SynthesisEvent>, types::SpeechError> {
        Self::receive(self, now, message)
    }

    fn receive_binary_head(
        &self,
        now: u64,
        head: Vec<u8>,
        frame_len: u32,
    ) -> Result<Vec<synthesis::SynthesisEvent>, types::SpeechError> {
        Self::receive_binary_head(self, now, &head, frame_len)
    }
}
