//! Text-to-speech (the `synthesis` interface).
//!
//! Two layers:
//! - [`session`]: the request codec on one connection: the frames of each request and what
//!   the service answers.
//! - [`synthesizer`]: the whole synthesis as a state machine (the `synthesizer` resource):
//!   queued requests, connecting, a request sent again after a lost connection (its audio so
//!   far discarded), boundaries on one timeline, lifetime and response timeouts.
//!
//! Modules: [`formats`] (output format names and WAVE headers), [`context`] (the JSON bodies
//! sent), [`metadata`] (`audio.metadata` bodies), [`split`] (splitting long text).

pub mod context;
pub mod formats;
pub mod metadata;
pub mod session;
pub mod split;
pub mod synthesizer;

pub use session::SynthesisSession;
pub use synthesizer::Synthesizer;
