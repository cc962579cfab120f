//! Speech-to-text (the `recognition` interface).
//!
//! Two layers:
//! - [`session`]: the turn codec. It frames what one turn sends (`speech.config`,
//!   `speech.context`, the WAV header, audio headers, the end of audio) and interprets what the
//!   service answers, keeping one audio stream across turns and connections: byte and result
//!   offsets count from the first PCM byte of the recognition.
//! - [`recognizer`]: the whole recognition as a state machine (the `recognizer` resource):
//!   connecting, turns, replay after a lost connection, pacing, lifetime rotation, idle and
//!   response timeouts, key failover. Drivers only pump bytes.
//!
//! Modules: [`options`] (checking the options), [`context`] (the JSON bodies sent),
//! [`results`] (the JSON bodies received), [`stream`] (bytes, ticks and turn offsets).

pub mod context;
pub mod options;
pub mod recognizer;
pub mod results;
pub mod session;
pub mod stream;

pub use recognizer::Recognizer;
pub use session::RecognitionSession;
