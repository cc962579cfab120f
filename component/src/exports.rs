//! The glue between the generated export traits and the logic modules. Each method only
//! delegates, so the logic stays callable (and tested) natively.

use crate::Core;
use crate::bindings::exports::azspeech::core::{
    config, connection, failures, link, messages, proxy, reachability, recognition, synthesis, transcription, types,
};
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

    fn classify_network(settings: config::Settings, failure: link::NetworkFailure) -> types::SpeechError {
        install_panic_hook();
        crate::link::network::classify(&settings, &failure)
    }
}

impl proxy::Guest for Core {
    fn route(settings: proxy::ProxySettings, url: String) -> Result<proxy::ProxyRoute, types::ConfigError> {
        install_panic_hook();
        crate::proxy::route(&settings, &url)
    }

    fn classify_refusal(refusal: link::ProxyRefusal) -> types::SpeechError {
        install_panic_hook();
        crate::proxy::refusal::classify(&refusal)
    }
}

impl reachability::Guest for Core {
    fn assess(
        settings: config::Settings,
        host: String,
        resolution: reachability::Resolution,
        outcome: reachability::ConnectOutcome,
    ) -> reachability::ReachabilityReport {
        install_panic_hook();
        crate::reachability::assess(&settings, &host, &resolution, &outcome)
    }
}

impl recognition::Guest for Core {
    type Recognizer = crate::recognition::Recognizer;
}

impl recognition::GuestRecognizer for crate::recognition::Recognizer {
    fn new(settings: config::Settings, options: recognition::RecognitionOptions, policy: link::SessionPolicy) -> Self {
        install_panic_hook();
        Self::new(settings, options, &policy)
    }

    fn handle_connected(&self, now: u64) {
        Self::handle_connected(self, now);
    }

    fn handle_connect_failed(&self, now: u64, failure: link::ConnectFailure) {
        Self::handle_connect_failed(self, now, failure);
    }

    fn handle_message(&self, now: u64, message: messages::WsMessage) {
        Self::handle_message(self, now, message);
    }

    fn handle_closed(&self, now: u64, close: link::CloseInfo) {
        Self::handle_closed(self, now, close);
    }

    fn push_audio(&self, now: u64, pcm_len: u32) -> Result<(), recognition::Backpressure> {
        Self::push_audio(self, now, pcm_len)
    }

    fn end_audio(&self, now: u64) {
        Self::end_audio(self, now);
    }

    fn abort(&self, now: u64) {
        Self::abort(self, now);
    }

    fn handle_timeout(&self, now: u64) {
        Self::handle_timeout(self, now);
    }

    fn poll_connect(&self, now: u64) -> Option<link::ConnectRequest> {
        Self::poll_connect(self, now)
    }

    fn poll_transmit(&self, now: u64) -> Option<link::Transmit> {
        Self::poll_transmit(self, now)
    }

    fn poll_event(&self) -> Option<recognition::RecognitionEvent> {
        Self::poll_event(self)
    }

    fn poll_timeout(&self) -> Option<u64> {
        Self::poll_timeout(self)
    }

    fn acknowledged_bytes(&self) -> u64 {
        Self::acknowledged_bytes(self)
    }

    fn is_done(&self) -> bool {
        Self::is_done(self)
    }
}

impl synthesis::Guest for Core {
    type Synthesizer = crate::synthesis::Synthesizer;

    fn describe_format(name: String) -> Result<synthesis::FormatInfo, types::SpeechError> {
        install_panic_hook();
        crate::synthesis::formats::describe(&name)
    }

    fn list_formats() -> Vec<synthesis::FormatInfo> {
        install_panic_hook();
        crate::synthesis::formats::list()
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

impl synthesis::GuestSynthesizer for crate::synthesis::Synthesizer {
    fn new(settings: config::Settings, options: synthesis::SynthesisOptions, policy: link::SessionPolicy) -> Self {
        install_panic_hook();
        Self::new(settings, options, &policy)
    }

    fn speak_text(&self, text: String) -> Result<u32, types::SpeechError> {
        Self::speak_text(self, &text)
    }

    fn speak_ssml(&self, ssml: String) -> Result<u32, types::SpeechError> {
        Self::speak_ssml(self, &ssml)
    }

    fn end_input(&self, now: u64) {
        Self::end_input(self, now);
    }

    fn handle_connected(&self, now: u64) {
        Self::handle_connected(self, now);
    }

    fn handle_connect_failed(&self, now: u64, failure: link::ConnectFailure) {
        Self::handle_connect_failed(self, now, failure);
    }

    fn handle_message(&self, now: u64, message: messages::WsMessage) {
        Self::handle_message(self, now, message);
    }

    fn handle_binary_head(&self, now: u64, head: Vec<u8>, frame_len: u32) {
        Self::handle_binary_head(self, now, &head, frame_len);
    }

    fn handle_closed(&self, now: u64, close: link::CloseInfo) {
        Self::handle_closed(self, now, close);
    }

    fn handle_timeout(&self, now: u64) {
        Self::handle_timeout(self, now);
    }

    fn poll_connect(&self, now: u64) -> Option<link::ConnectRequest> {
        Self::poll_connect(self, now)
    }

    fn poll_transmit(&self, now: u64) -> Option<link::Transmit> {
        Self::poll_transmit(self, now)
    }

    fn poll_event(&self) -> Option<synthesis::SynthesisEvent> {
        Self::poll_event(self)
    }

    fn poll_timeout(&self) -> Option<u64> {
        Self::poll_timeout(self)
    }

    fn is_done(&self) -> bool {
        Self::is_done(self)
    }
}

impl transcription::Guest for Core {
    fn plan(
        settings: config::Settings,
        call: transcription::TranscriptionCall,
        ids: connection::RequestIds,
    ) -> Result<connection::ConnectionPlan, types::ConfigError> {
        install_panic_hook();
        crate::transcription::plan(&settings, &call, &ids)
    }

    fn definition(options: transcription::TranscriptionOptions) -> Result<String, types::SpeechError> {
        install_panic_hook();
        crate::transcription::definition::fast(&options)
    }

    fn check_upload(upload: transcription::Upload) -> Result<(), types::SpeechError> {
        install_panic_hook();
        crate::transcription::errors::check_upload(&upload)
    }

    fn submit_body(request: transcription::BatchRequest) -> Result<String, types::SpeechError> {
        install_panic_hook();
        crate::transcription::definition::submit(&request)
    }

    fn parse_result(body: String) -> Result<transcription::TranscriptionResult, types::SpeechError> {
        install_panic_hook();
        crate::transcription::results::fast(&body)
    }

    fn parse_batch_result(body: String) -> Result<transcription::TranscriptionResult, types::SpeechError> {
        install_panic_hook();
        crate::transcription::results::batch(&body)
    }

    fn parse_job(body: String) -> Result<transcription::BatchJob, types::SpeechError> {
        install_panic_hook();
        crate::transcription::jobs::parse_job(&body)
    }

    fn parse_jobs(body: String) -> Result<transcription::JobPage, types::SpeechError> {
        install_panic_hook();
        crate::transcription::jobs::parse_jobs(&body)
    }

    fn parse_files(body: String) -> Result<transcription::FilePage, types::SpeechError> {
        install_panic_hook();
        crate::transcription::jobs::parse_files(&body)
    }

    fn parse_report(body: String) -> Result<Vec<transcription::ReportEntry>, types::SpeechError> {
        install_panic_hook();
        crate::transcription::jobs::parse_report(&body)
    }

    fn classify(
        settings: config::Settings,
        status: u16,
        retry_after: Option<String>,
        body: String,
    ) -> types::SpeechError {
        install_panic_hook();
        crate::transcription::errors::classify(&settings, status, retry_after.as_deref(), &body)
    }

    fn retry_delay(error: types::SpeechError, retry_after: Option<String>, attempt: u32) -> Option<u64> {
        install_panic_hook();
        crate::transcription::errors::retry_delay(&error, retry_after.as_deref(), attempt)
    }

    fn poll_delay(retry_after: Option<String>) -> u64 {
        install_panic_hook();
        crate::transcription::errors::poll_delay(retry_after.as_deref())
    }
}
