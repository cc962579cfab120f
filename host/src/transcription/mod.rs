//! Fast and batch transcription over the Speech REST API: the I/O the core plans.
//!
//! - [`exchange`]: one planned call with the credential filled in, retried as the core decides
//!   (429 and 5xx, waiting for `Retry-After`) within a retry budget;
//! - [`multipart`]: fast transcription's body, streamed from disk;
//! - [`fast`]: the method `Speech::transcribe_file`;
//! - [`batch`]: the method `Speech::batch`, jobs over storage URLs;
//! - [`sas`]: the vault that keeps SAS signatures out of the core, logs and messages.

pub mod batch;
pub mod exchange;
pub mod fast;
pub mod multipart;
pub mod sas;

pub use crate::core_runtime::{
    BatchJob, FileKind, JobFile, JobStatus, ProfanityMode, ReportEntry, TranscribedPhrase, TranscribedWord,
    TranscriptionOptions, TranscriptionResult,
};
pub use batch::{BatchClient, BatchSubmission};
pub use exchange::RetryBudget;

/// Options with nothing set: the service picks the locale, no diarization, channels mixed.
impl Default for TranscriptionOptions {
    fn default() -> Self {
        Self {
            locales: Vec::new(),
            max_speakers: None,
            channels: Vec::new(),
            profanity: None,
            phrases: Vec::new(),
        }
    }
}
