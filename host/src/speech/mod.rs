//! Driving speech sessions over a WebSocket: the core frames and parses, this module moves bytes
//! between the socket, the audio source or sink, and the core.
//!
//! A [`SpeechClient`] holds what every session needs from the host (the loaded core, resolved
//! settings, credentials, transport); [`SpeechClient::recognize`] and
//! [`SpeechClient::synthesize`] run one session each and fail with one [`SessionError`] type.

pub mod recognize;
pub mod synthesize;

use std::sync::Arc;

use tokio_tungstenite::tungstenite::Message;

use crate::audio::input::AudioInputError;
use crate::audio::output::AudioOutputError;
use crate::core_runtime::{
    CoreError, CoreInstance, CoreRuntime, RequestIds, RequestKind, Settings, SpeechError, WsMessage,
};
use crate::credentials::{CredentialBroker, CredentialError};
use crate::exit_code::ExitCode;
use crate::transport::TransportOptions;
use crate::transport::websocket::{self, ConnectError, SpeechSocket};

/// Why a speech session stopped early. Each case maps to one exit code.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The configuration cannot produce a request.
    #[error("{0}")]
    Configuration(String),
    /// No credential.
    #[error(transparent)]
    Credential(#[from] CredentialError),
    /// The socket could not be opened or broke.
    #[error("{0}")]
    Network(String),
    /// The service (or the core, for a request it refuses to frame) rejected the request.
    #[error("{kind}: {message}\n  likely cause and fix: {hint}")]
    Service {
        /// The classified failure.
        error: SpeechError,
        /// Its kind (`authentication`, ...).
        kind: &'static str,
        /// The service's message.
        message: String,
        /// What to do.
        hint: String,
    },
    /// The input audio is unusable.
    #[error(transparent)]
    Input(#[from] AudioInputError),
    /// The output could not be written.
    #[error(transparent)]
    Output(#[from] AudioOutputError),
    /// A microphone or speaker is missing or failed.
    #[cfg(feature = "audio-device")]
    #[error(transparent)]
    Device(#[from] crate::audio::device::AudioDeviceError),
    /// The core failed (a bug).
    #[error(transparent)]
    Core(#[from] CoreError),
}

impl SessionError {
    /// Wrap a classified failure.
    pub fn service(error: SpeechError) -> Self {
        let (kind, detail) = crate::cli::speech_error_parts(&error);
        let (message, hint) = (detail.message.clone(), detail.hint.clone());
        Self::Service {
            error,
            kind,
            message,
            hint,
        }
    }

    /// The CLI exit code for this failure.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Self::Configuration(_) => ExitCode::Configuration,
            Self::Credential(_) => ExitCode::Authentication,
            Self::Network(_) => ExitCode::Network,
            Self::Service { error, .. } => ExitCode::for_speech_error(error),
            Self::Input(_) | Self::Output(_) => ExitCode::Input,
            #[cfg(feature = "audio-device")]
            Self::Device(_) => ExitCode::Input,
            Self::Core(_) => ExitCode::Internal,
        }
    }
}

/// Everything a speech session needs from the host.
pub struct SpeechClient<'a> {
    /// The loaded core.
    pub runtime: &'a CoreRuntime,
    /// Resolved settings.
    pub settings: &'a Settings,
    /// Credentials.
    pub broker: &'a CredentialBroker,
    /// Transport overrides.
    pub transport: &'a TransportOptions,
    /// TLS configuration.
    pub tls: Arc<rustls::ClientConfig>,
}

impl SpeechClient<'_> {
    /// Plan the `kind` WebSocket, fetch its credential and open it; a rejected upgrade is
    /// classified by the core.
    async fn connect(&self, core: &mut CoreInstance, kind: RequestKind) -> Result<SpeechSocket, SessionError> {
        let ids = RequestIds {
            connection_id: fresh_id(),
        };
        let plan = core
            .plan(self.settings, kind, &ids)?
            .map_err(|error| SessionError::Configuration(crate::cli::config_error_text(&error)))?;
        let header = self.broker.header_for(&plan.auth).await?;
        match websocket::connect(&plan, Some(&header), self.transport, self.tls.clone()).await {
            Ok(socket) => Ok(socket),
            Err(ConnectError::Rejected(rejected)) => {
                let error = core.classify_http(
                    self.settings,
                    rejected.status,
                    rejected.retry_after.as_deref(),
                    &rejected.body,
                )?;
                Err(SessionError::service(error))
            }
            Err(error) => Err(SessionError::Network(error.to_string())),
        }
    }
}

/// A fresh id: 32 lowercase hex digits.
fn fresh_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// A core frame as a WebSocket message.
fn to_message(message: WsMessage) -> Message {
    match message {
        WsMessage::Text(text) => Message::Text(text.into()),
        WsMessage::Binary(bytes) => Message::Binary(bytes.into()),
    }
}
