//! What the recognition and synthesis sessions share on the wire: turning [`WsMessage`]s into
//! parsed [`crate::usp`] messages and back, the client description sent in `speech.config`,
//! JSON field access that tolerates unknown fields, and the [`SpeechError`] values for protocol
//! violations and invalid calls.

pub mod json;

use serde::Serialize;

use crate::bindings::exports::azspeech::core::messages::WsMessage;
use crate::bindings::exports::azspeech::core::types::{FailureDetail, SpeechError};
use crate::usp::{self, BinaryMessage, FrameError, Headers, TextMessage};

/// A received message, parsed.
#[derive(Debug)]
pub enum Received<'a> {
    /// A text message.
    Text(TextMessage<'a>),
    /// A binary message.
    Binary(BinaryMessage<'a>),
}

impl<'a> Received<'a> {
    /// The message's headers.
    pub fn headers(&self) -> &Headers<'a> {
        match self {
            Self::Text(message) => &message.headers,
            Self::Binary(message) => &message.headers,
        }
    }

    /// The `Path` header.
    pub fn path(&self) -> &'a str {
        match self {
            Self::Text(message) => message.path,
            Self::Binary(message) => message.path,
        }
    }
}

/// Parse a received WebSocket message; a malformed frame is a `protocol` error saying what was
/// wrong.
pub fn parse(message: &WsMessage) -> Result<Received<'_>, SpeechError> {
    match message {
        WsMessage::Text(text) => usp::parse_text(text)
            .map(Received::Text)
            .map_err(|error| malformed("text", error)),
        WsMessage::Binary(frame) => usp::parse_binary(frame)
            .map(Received::Binary)
            .map_err(|error| malformed("binary", error)),
    }
}

fn malformed(kind: &str, error: FrameError) -> SpeechError {
    protocol(
        format!("malformed {kind} message from the service: {error}"),
        "the service (or something between it and us) broke the Speech WebSocket framing: report it; retrying is unlikely to help",
    )
}

/// The request id of a received message, or a `protocol` error naming the path.
pub fn request_id<'a>(received: &Received<'a>) -> Result<&'a str, SpeechError> {
    received.headers().request_id().ok_or_else(|| {
        protocol(
            format!("service message `{}` has no X-RequestId header", received.path()),
            "every service message must echo the request id: report it",
        )
    })
}

/// A text message, after checking the headers.
pub fn text(headers: &Headers<'_>, body: &str) -> Result<WsMessage, SpeechError> {
    usp::encode_text(headers, body)
        .map(WsMessage::Text)
        .map_err(|error| invalid_call(format!("cannot build a message: {error}")))
}

/// The header of a binary message, after checking the headers.
pub fn binary_header(headers: &Headers<'_>) -> Result<Vec<u8>, SpeechError> {
    usp::encode_binary_header(headers).map_err(|error| invalid_call(format!("cannot build a message: {error}")))
}

/// Serialize a JSON body; our own bodies always serialize.
pub fn to_json<T: Serialize>(value: &T) -> Result<String, SpeechError> {
    serde_json::to_string(value).map_err(|error| invalid_call(format!("cannot serialize a message body: {error}")))
}

/// The lowercase form of a host-supplied request id, or a `bad-request` error.
pub fn request_id_argument(id: &str) -> Result<String, SpeechError> {
    usp::normalize_request_id(id).ok_or_else(|| {
        invalid_call(format!(
            "request id `{}` is not 32 hexadecimal digits",
            crate::failures::excerpt(id)
        ))
    })
}

fn detail(message: String, hint: &str) -> FailureDetail {
    FailureDetail {
        http_status: None,
        close_code: None,
        message,
        hint: hint.to_owned(),
    }
}

/// The peer broke the protocol.
pub fn protocol(message: String, hint: &str) -> SpeechError {
    SpeechError::Protocol(detail(message, hint))
}

/// The host called a session method with invalid arguments or at the wrong time.
pub fn invalid_call(message: String) -> SpeechError {
    SpeechError::BadRequest(detail(
        message,
        "the caller used the session API incorrectly: fix the calling code; retrying fails the same way",
    ))
}

/// An option or setting that cannot work.
pub fn configuration(message: String, hint: &str) -> SpeechError {
    SpeechError::Configuration(detail(message, hint))
}

/// Any other failure with the detail given.
pub fn failure(message: String, hint: &str) -> FailureDetail {
    detail(message, hint)
}

/// `context.system` of `speech.config`: who the client is.
#[derive(Debug, Serialize)]
pub struct SystemInfo {
    /// azspeech's version.
    pub version: &'static str,
    /// `azspeech`.
    pub name: &'static str,
    /// Target OS and architecture of this build.
    pub build: &'static str,
    /// `Rust`.
    pub lang: &'static str,
}

/// `context.os` of `speech.config`. The core cannot look at the machine, so it names only the
/// target it was built for.
#[derive(Debug, Serialize)]
pub struct OsInfo {
    /// Target platform of this build (`wasm32` for the component).
    pub platform: &'static str,
    /// `unknown`: the core does not inspect the host.
    pub name: &'static str,
    /// `unknown`.
    pub version: &'static str,
}

/// Target platform of this build: `wasm32` for the component, else the OS name.
const PLATFORM: &str = if cfg!(target_arch = "wasm32") {
    "wasm32"
} else {
    std::env::consts::OS
};

/// The client description sent in every `speech.config`.
pub fn system_info() -> SystemInfo {
    SystemInfo {
        version: env!("CARGO_PKG_VERSION"),
        name: "azspeech",
        build: if cfg!(target_arch = "wasm32") {
            "wasm32"
        } else {
            std::env::consts::ARCH
        },
        lang: "Rust",
    }
}

/// The OS description sent in every `speech.config`.
pub fn os_info() -> OsInfo {
    OsInfo {
        platform: PLATFORM,
        name: "unknown",
        version: "unknown",
    }
}
