//! The Speech WebSocket frame codec ("USP"): parse and build text and binary messages.
//!
//! This module is pure and allocation-light, in the spirit of `httparse`: parsers borrow from the
//! input and never copy payloads, and every malformed input is a [`FrameError`] value (no parser
//! panics on any input). It is used by the recognition and synthesis sessions of the core and,
//! natively, by the local Speech emulator (`tests/emulator`) to validate what clients send.
//!
//! # Wire format
//!
//! - **Text message** (a WebSocket text frame, UTF-8): header lines `Name:value` each ended by
//!   `\r\n`, then a blank line, then the body (which may be empty):
//!   `Path:turn.start\r\nX-RequestId:…\r\n\r\n{"context":{}}`. See [`parse_text`] and
//!   [`encode_text`].
//! - **Binary message**: a big-endian `u16` header-block length, the header block (ASCII lines,
//!   each ended by `\r\n`, **no** blank line), then the payload (audio), which may be empty. See
//!   [`parse_binary`] and [`encode_binary_header`].
//!
//! On input both `Name:value` and `Name: value` are accepted and names compare
//! case-insensitively ([`Headers::get`]). On output the codec writes `Name:value` without a space,
//! as the Python Speech SDK and the service do.
//!
//! # Example
//!
//! ```
//! use azspeech_component::usp::{self, Headers};
//!
//! let stamp = usp::format_timestamp(1_795_393_603_534);
//! let mut headers = Headers::new();
//! headers.push("X-Timestamp", &stamp);
//! headers.push("Path", "audio");
//! headers.push("X-RequestId", "d8bfd5c4bb89478bbaeae93cf2bad660");
//! let header = usp::encode_binary_header(&headers).unwrap();
//!
//! // The host sends header ++ pcm; the receiver finds the pcm without copying it.
//! let mut frame = header.clone();
//! frame.extend_from_slice(&[1, 2, 3, 4]);
//! let message = usp::parse_binary(&frame).unwrap();
//! assert_eq!(message.path, "audio");
//! assert_eq!(message.headers.get("x-requestid"), Some("d8bfd5c4bb89478bbaeae93cf2bad660"));
//! assert_eq!(&frame[message.payload_range.clone()], &[1, 2, 3, 4]);
//! ```
//!
//! Submodules, one concern each:
//! - [`headers`]: the ordered header list, header-line parsing and validation;
//! - [`text`], [`binary`]: the two frame kinds;
//! - [`timestamp`]: `X-Timestamp` values (ISO-8601 UTC);
//! - [`ids`]: request and connection identifiers;
//! - [`wav`]: the 44-byte RIFF/WAVE header of the first audio message of a turn;
//! - [`error`]: the error type, [`FrameError`].

pub mod binary;
pub mod error;
pub mod headers;
pub mod ids;
pub mod text;
pub mod timestamp;
pub mod wav;

pub use binary::{BinaryMessage, encode_binary, encode_binary_header, parse_binary};
pub use error::FrameError;
pub use headers::Headers;
pub use ids::{is_request_id, normalize_request_id};
pub use text::{TextMessage, encode_text, parse_text};
pub use timestamp::{TimestampError, format_timestamp, parse_timestamp};

/// Longest header block accepted or produced, in bytes (the service's documented limit).
pub const MAX_HEADER_BLOCK: usize = 8192;

/// Header names used by the protocol, spelled as the service and the Python SDK write them.
pub mod header {
    /// The message kind (`speech.config`, `audio`, `turn.start`, ...).
    pub const PATH: &str = "Path";
    /// The turn's request id: 32 hex digits.
    pub const REQUEST_ID: &str = "X-RequestId";
    /// When the message was built: ISO-8601 UTC with milliseconds and `Z`.
    pub const TIMESTAMP: &str = "X-Timestamp";
    /// The body's media type.
    pub const CONTENT_TYPE: &str = "Content-Type";
    /// The audio stream of a binary message (a number from the client, an id from the service).
    pub const STREAM_ID: &str = "X-StreamId";
}

/// `Path` values of the protocol.
pub mod path {
    /// Client → service, once per connection: client and audio-source description.
    pub const SPEECH_CONFIG: &str = "speech.config";
    /// Client → service, once per recognition turn: what to recognize and how.
    pub const SPEECH_CONTEXT: &str = "speech.context";
    /// Client → service (binary): audio; service → client (binary): synthesized audio.
    pub const AUDIO: &str = "audio";
    /// Client → service: client telemetry after a turn.
    pub const TELEMETRY: &str = "telemetry";
    /// Client → service, once per synthesis request: output format and metadata options.
    pub const SYNTHESIS_CONTEXT: &str = "synthesis.context";
    /// Client → service: the SSML document to synthesize.
    pub const SSML: &str = "ssml";
    /// Service → client: a turn started.
    pub const TURN_START: &str = "turn.start";
    /// Service → client: the turn ended.
    pub const TURN_END: &str = "turn.end";
    /// Service → client: speech started in the audio.
    pub const SPEECH_START_DETECTED: &str = "speech.startDetected";
    /// Service → client: speech ended in the audio.
    pub const SPEECH_END_DETECTED: &str = "speech.endDetected";
    /// Service → client: a partial recognition result.
    pub const SPEECH_HYPOTHESIS: &str = "speech.hypothesis";
    /// Service → client: a stable partial recognition result.
    pub const SPEECH_FRAGMENT: &str = "speech.fragment";
    /// Service → client: a final recognition result.
    pub const SPEECH_PHRASE: &str = "speech.phrase";
    /// Service → client (synthesis): the stream id of the audio to come.
    pub const RESPONSE: &str = "response";
    /// Service → client (synthesis): word, sentence, viseme, bookmark and session-end metadata.
    pub const AUDIO_METADATA: &str = "audio.metadata";
}

/// `Content-Type` values of the protocol.
pub mod content_type {
    /// JSON bodies sent by clients.
    pub const JSON: &str = "application/json";
    /// JSON bodies sent by the service and in client telemetry.
    pub const JSON_UTF8: &str = "application/json; charset=utf-8";
    /// The first audio message of a recognition turn (the WAV header).
    pub const WAV: &str = "audio/x-wav";
    /// The `ssml` message.
    pub const SSML: &str = "application/ssml+xml";
}
