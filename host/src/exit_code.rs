//! Process exit codes of the `azspeech` CLI; one per thing a script does differently.

/// Exit codes, documented in `azspeech --help`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ExitCode {
    /// Success.
    Ok = 0,
    /// Speech-to-text heard no recognizable speech.
    NoMatch = 1,
    /// The configuration cannot work (or a bad flag): fix it; `azspeech doctor` says how.
    Configuration = 2,
    /// The credential was rejected or could not be obtained.
    Authentication = 3,
    /// The service could not be reached (DNS, TCP, TLS, dropped socket).
    Network = 4,
    /// The service refused or failed the request (throttling, bad request, server error).
    Service = 5,
    /// The input file or stream could not be used.
    Input = 6,
    /// The subcommand is planned but not available in this build yet.
    NotAvailable = 69,
    /// A bug in azspeech (the core trapped, an invariant broke).
    Internal = 70,
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(code: ExitCode) -> Self {
        std::process::ExitCode::from(code as u8)
    }
}

/// The text `--help` shows under "Exit codes".
pub const HELP: &str = "\
Exit codes:
  0   success
  1   no speech recognized (stt)
  2   configuration error or bad flag (run `azspeech doctor`)
  3   authentication failed (key, token or role)
  4   network error (unreachable, TLS, dropped connection)
  5   service error (throttled, bad request, server error)
  6   unusable input file
  69  subcommand not available in this build yet
  70  internal error (a bug: please report it)";

impl ExitCode {
    /// The exit code for a failed exchange with the service.
    pub fn for_speech_error(error: &crate::core_runtime::SpeechError) -> Self {
        use crate::core_runtime::SpeechError;
        match error {
            SpeechError::Configuration(_) => Self::Configuration,
            SpeechError::Authentication(_) | SpeechError::Forbidden(_) => Self::Authentication,
            SpeechError::Transient(_) => Self::Network,
            SpeechError::Throttled(_) | SpeechError::BadRequest(_) | SpeechError::Protocol(_) => Self::Service,
            SpeechError::NotImplemented(_) => Self::NotAvailable,
        }
    }
}
