//! What sessions share about their connection (the `link` interface): identifiers from a
//! seed, the retry policy with its defaults, the backoff schedule, and the [`Link`] state
//! machine that decides when to (re)connect, with which key, and when to give up.
//!
//! A session (recognizer or synthesizer) owns one [`Link`]. The session says whether it has
//! work that needs a connection; the link turns that into connect requests, counts attempts,
//! classifies every loss (through [`crate::failures`]) into "retry after this delay", "retry
//! with the secondary key", "retry with a fresh credential" or "give up", and remembers what
//! it tried so that a final failure says so.

pub mod backoff;
pub mod ids;
pub mod network;
pub mod policy;
pub mod state;

pub use ids::IdSource;
pub use policy::Policy;
pub use state::{Link, LinkPhase, Loss, LossOutcome};

use crate::bindings::exports::azspeech::core::link::{CloseFrame, Transmit};

/// The close frame a client sends when it leaves a connection (1000 with `reason`, usp.md §6.2).
pub fn client_close(reason: &str) -> Transmit {
    Transmit::Close(CloseFrame {
        code: 1000,
        reason: reason.to_owned(),
    })
}
