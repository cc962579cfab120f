#![doc = include_str!("../README.md")]

mod auth;
mod batch;
mod clock;
mod config;
mod content_fetch;
mod datetime;
mod dsp;
mod emulator;
mod fast;
mod faults;
mod formats;
mod hosts;
mod identity;
mod keys;
mod languages;
mod limits;
mod log;
mod multipart;
mod recognizer;
mod server;
mod ssml;
mod stats;
mod storage;
mod storm;
mod stt;
mod synth;
mod tls;
mod tokens;
mod transcription;
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
pub use faults::{Fault, FaultAction, FaultEntry, FaultTarget, HostileKind, MalformedKind, Trigger};
pub use keys::KeySlot;
pub use log::RequestRecord;
pub use stats::Stats;
pub use storm::{Storm, StormAction, StormHit};
pub use tokens::{EntraClaims, STS_LIFETIME_SECS, decode_payload};
pub use voices::Voice;
