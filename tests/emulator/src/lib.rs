//! # azspeech-emulator: a strict local Azure Speech emulator
//!
//! A stand-in for Azure AI Speech on `127.0.0.1`, in the spirit of Azurite: strict where Azure
//! is strict, so that what passes here passes there. One port serves:
//!
//! - the speech-to-text WebSocket protocol (`/speech/recognition/{interactive,conversation,dictation}/cognitiveservices/v1`,
//!   `/speech/universal/v2`, `/stt/speech/universal/v2`, and the custom-domain `/stt/...` forms);
//! - the text-to-speech WebSocket protocol (`/cognitiveservices/websocket/v1`, `/tts/...`);
//! - TTS REST (`POST /cognitiveservices/v1`) and the voices list (`GET /cognitiveservices/voices/list`);
//! - STS `POST /sts/v1.0/issueToken`;
//! - managed-identity (`GET /msi/token`, App Service style; `GET /metadata/identity/oauth2/token`, IMDS style)
//!   and Entra (`POST /{tenant}/oauth2/v2.0/token`, `GET /{tenant}/v2.0/.well-known/openid-configuration`)
//!   token endpoints whose tokens the Speech endpoints then accept or reject.
//!
//! The `Host` header chooses the host form (regional, custom domain, sovereign suffixes,
//! loopback), which decides the valid paths and credentials ([`hosts`](crate::HostForm),
//! [`AuthKind`]). Messages are checked as the service checks them and violations close the
//! socket with the service's codes (1002 for headers, 1007 for payloads). Synthesis produces real
//! audio (espeak-ng, or a deterministic built-in synthesizer); recognition is honest: it only
//! recognizes audio it synthesized or that was registered as a fixture, by fingerprint, and
//! answers `NoMatch` otherwise. Faults can be injected ([`Fault`]).
//!
//! ```no_run
//! # async fn demo() -> Result<(), azspeech_emulator::EmulatorError> {
//! use azspeech_emulator::{Emulator, EmulatorConfig};
//! let emulator = Emulator::start(EmulatorConfig::new().tls(true)).await?;
//! for (name, value) in emulator.env_vars() {
//!     println!("{name}={value}");
//! }
//! emulator.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! What is **not** emulated: compressed output formats (MP3, Opus, ...: refused with 1007 /
//! 400 "not supported by the emulator"), translation, pronunciation assessment, language
//! identification, custom models and endpoints, visemes, bookmarks, the short-audio STT REST API,
//! the custom-domain `GenerateRedirectResponse` probe, connection-level quotas, and speech
//! recognition of arbitrary audio.

mod auth;
mod clock;
mod config;
mod dsp;
mod emulator;
mod faults;
mod formats;
mod hosts;
mod identity;
mod log;
mod recognizer;
mod server;
mod ssml;
mod stt;
mod synth;
mod tls;
mod tokens;
mod tts;
mod voices;
mod ws;

pub use auth::AuthKind;
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{
    Cloud, ConfigError, DEFAULT_APP_CLIENT_ID, DEFAULT_RESOURCE_ID, DEFAULT_TENANT_ID, DEFAULT_USER_ASSIGNED_CLIENT_ID,
    EmulatorConfig, Fixture, FixtureAudio, HostForm, Identity, IdentityKind, RecognitionTuning, SPEECH_ROLE,
    SynthesizerChoice, Verbosity,
};
pub use emulator::{Emulator, EmulatorError, MintOptions, RunningEmulator, TokenEndpoints, run_until_ctrl_c};
pub use faults::{Fault, FaultAction, FaultTarget, MalformedKind, Trigger};
pub use log::RequestRecord;
pub use tokens::{EntraClaims, STS_LIFETIME_SECS, decode_payload};
pub use voices::Voice;
