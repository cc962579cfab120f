//! Driving speech sessions over a WebSocket: the core frames and parses, this module moves bytes
//! between the socket, the audio source or sink, and the core.
//!
//! A [`SpeechClient`] holds what every session needs from the host (the loaded core, resolved
//! settings, credentials, transport); [`SpeechClient::recognize`] and
//! [`SpeechClient::synthesize`] run one session each and fail with one [`SessionError`] type.
//!
//! The sessions are the core's `recognizer` and `synthesizer` state machines. These pumps
//! make no protocol decision: they open the connection the core asks for (with the credential
//! its auth plan names), send what it yields, feed back every message, close and failure, and
//! sleep until the next socket event or the core's timeout.

pub mod recognize;
pub mod synthesize;

use std::sync::Arc;

use tokio_tungstenite::tungstenite::Message;

use crate::audio::input::AudioInputError;
use crate::audio::output::AudioOutputError;
use crate::core_runtime::{
    CloseFrame, CloseInfo, ConnectFailure, ConnectRequest, CoreError, CoreRuntime, CredentialFailure, KeySlot,
    NetworkErrorKind, NetworkFailure, Pace, SessionFailure, SessionNotice, SessionPolicy, Settings, SpeechError,
    UpgradeRejection, WsMessage,
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
    #[error("{kind}: {message}\n  likely cause and fix: {hint}{}", tried_text(*.attempts, .tried))]
    Service {
        /// The classified failure.
        error: SpeechError,
        /// Its kind (`authentication`, ...).
        kind: &'static str,
        /// The service's message.
        message: String,
        /// What to do.
        hint: String,
        /// Connection attempts made.
        attempts: u32,
        /// What was tried, one line per failed attempt.
        tried: Vec<String>,
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
        Self::gave_up(SessionFailure {
            error,
            attempts: 0,
            tried: Vec::new(),
        })
    }

    /// A session that gave up, with what it tried.
    pub fn gave_up(failure: SessionFailure) -> Self {
        let (kind, detail) = (failure.error.kind(), failure.error.detail());
        let (message, hint) = (detail.message.clone(), detail.hint.clone());
        Self::Service {
            error: failure.error,
            kind,
            message,
            hint,
            attempts: failure.attempts,
            tried: failure.tried,
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

fn tried_text(attempts: u32, tried: &[String]) -> String {
    if tried.is_empty() {
        return String::new();
    }
    let mut text = format!("\n  tried {attempts} connection attempt(s):");
    for line in tried {
        text.push_str("\n    ");
        text.push_str(line);
    }
    text
}

/// How sessions pace audio and how long connections live (the rest of the core's session
/// policy keeps its defaults).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SessionTuning {
    /// Audio pacing for recognition: `None` = as fast as the service acknowledges.
    pub pace: Option<f64>,
    /// The service's connection lifetime, if not the default 10 minutes.
    pub max_connection_ms: Option<u64>,
    /// How long a due response may take to begin before the connection counts as lost, if
    /// not the default 30 s.
    pub response_timeout_ms: Option<u64>,
    /// Connection attempts in a row without progress before giving up, if not the default 10.
    pub max_attempts: Option<u32>,
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
    /// The route of each request (direct or through a proxy).
    pub proxy: &'a crate::transport::proxy_router::ProxyRouter,
    /// TLS configuration.
    pub tls: Arc<rustls::ClientConfig>,
    /// Pacing and connection lifetime.
    pub tuning: SessionTuning,
}

impl SpeechClient<'_> {
    /// The session policy: the tuning, a fresh random seed, and the key this process uses.
    fn policy(&self) -> SessionPolicy {
        let seed = uuid::Uuid::new_v4().as_u64_pair().0;
        SessionPolicy {
            seed,
            max_attempts: self.tuning.max_attempts,
            backoff_initial_ms: None,
            backoff_max_ms: None,
            max_connection_ms: self.tuning.max_connection_ms,
            idle_ms: None,
            response_timeout_ms: self.tuning.response_timeout_ms,
            pace: self.tuning.pace.map_or(Pace::Max, Pace::Factor),
            key_slot: self.broker.preferred_key_slot(),
        }
    }

    /// Open the connection the core asked for, with the credential its auth plan names.
    async fn open(&self, request: &ConnectRequest) -> Result<SpeechSocket, ConnectFailure> {
        let header = self
            .broker
            .header_for_connect(&request.plan.auth, request.fresh_credential)
            .await
            .map_err(|error: CredentialError| {
                ConnectFailure::Credential(CredentialFailure {
                    http_status: error.http_status(),
                    message: error.to_string(),
                })
            })?;
        match websocket::connect(
            &request.plan,
            Some(&header),
            self.transport,
            self.proxy,
            self.tls.clone(),
        )
        .await
        {
            Ok(socket) => Ok(socket),
            Err(ConnectError::Rejected(rejected)) => Err(ConnectFailure::Rejected(UpgradeRejection {
                status: rejected.status,
                retry_after: rejected.retry_after,
                body: rejected.body,
            })),
            Err(ConnectError::Network { failure, .. }) => Err(ConnectFailure::Network(failure)),
            Err(ConnectError::Proxy(refusal)) => Err(ConnectFailure::Proxy(refusal)),
            Err(ConnectError::InvalidRequest(message)) => Err(ConnectFailure::Network(NetworkFailure {
                kind: NetworkErrorKind::Other,
                message,
            })),
        }
    }

    /// What the pumps do with a notice: the key failover is remembered for the process and
    /// said once; the rest goes to the log.
    fn notice(&self, notice: &SessionNotice) {
        match notice {
            SessionNotice::KeyFailover(KeySlot::Secondary) => {
                self.broker.prefer_secondary_key();
                tracing::warn!(
                    "SPEECH_KEY was refused (401) and SPEECH_KEY_SECONDARY was accepted: using the secondary key for the rest of this run; update SPEECH_KEY (it was probably regenerated)"
                );
            }
            SessionNotice::KeyFailover(KeySlot::Primary) => {}
            SessionNotice::Reconnecting(reconnect) => tracing::info!(
                "connection lost ({}); reconnecting in {} ms (attempt {})",
                reconnect.cause,
                reconnect.delay_ms,
                reconnect.attempt
            ),
            SessionNotice::Rotating => tracing::info!("replacing the connection before the service's lifetime limit"),
            SessionNotice::Connecting(attempt) => tracing::debug!("connecting (attempt {attempt})"),
            SessionNotice::Warning(text) => tracing::warn!("{text}"),
        }
    }
}

/// A core frame as a WebSocket message.
fn to_message(message: WsMessage) -> Message {
    match message {
        WsMessage::Text(text) => Message::Text(text.into()),
        WsMessage::Binary(bytes) => Message::Binary(bytes.into()),
    }
}

/// A close frame the core asked for, as a WebSocket message.
fn close_message(frame: &CloseFrame) -> Message {
    Message::Close(Some(tokio_tungstenite::tungstenite::protocol::CloseFrame {
        code: frame.code.into(),
        reason: frame.reason.clone().into(),
    }))
}

/// What ended an open connection, for the core: a close frame, or a broken transport.
fn ended(incoming: Option<Result<Message, tokio_tungstenite::tungstenite::Error>>) -> Option<CloseInfo> {
    match incoming {
        Some(Ok(Message::Close(frame))) => Some(CloseInfo::Frame(match frame {
            Some(frame) => CloseFrame {
                code: u16::from(frame.code),
                reason: frame.reason.as_str().to_owned(),
            },
            None => CloseFrame {
                code: 1005,
                reason: String::new(),
            },
        })),
        Some(Ok(_)) => None,
        Some(Err(error)) => Some(CloseInfo::Broken(websocket::socket_failure(&error))),
        None => Some(CloseInfo::Broken(NetworkFailure {
            kind: NetworkErrorKind::Eof,
            message: "the connection closed without a WebSocket close frame".to_owned(),
        })),
    }
}

/// A tokio deadline for a core timeout in unix milliseconds.
fn deadline_instant(now_ms: u64, at_ms: u64) -> tokio::time::Instant {
    tokio::time::Instant::now() + std::time::Duration::from_millis(at_ms.saturating_sub(now_ms))
}
