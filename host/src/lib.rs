//! # azspeech-host: the native host around the azspeech core
//!
//! The core (`azspeech-component`) decides; this crate does the I/O it plans. A tutorial in
//! four steps:
//!
//! 1. **Load the core once.** [`core_runtime::CoreRuntime::load`] compiles the embedded
//!    component with wasmtime, or maps a precompiled copy from the on-disk
//!    [`artifact_cache`] (keyed by the component's SHA-256 and the wasmtime version), and
//!    prepares an `InstancePre` so that every session instantiates in microseconds.
//! 2. **Collect settings.** [`settings_input::from_environment`] reads the `SPEECH_*`, `AZURE_*`
//!    and `IDENTITY_*` variables and passes secrets only as "present" / "blank": the key never
//!    enters the sandbox.
//! 3. **Ask the core.** [`core_runtime::CoreInstance::resolve`] picks the mode and explains it;
//!    `plan` gives URL, headers and an auth plan per request.
//! 4. **Do the I/O.** Fill the credential in at the socket, never in a URL or a log.
//!
//! ```no_run
//! use azspeech_host::artifact_cache::ArtifactCache;
//! use azspeech_host::core_runtime::CoreRuntime;
//! use azspeech_host::settings_input;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let runtime = CoreRuntime::load(&ArtifactCache::from_environment())?;
//! let mut core = runtime.instantiate()?;
//! let secret_names = core.secret_names()?;
//! let settings = settings_input::from_environment(std::env::vars_os(), &secret_names);
//! match core.resolve(&settings)? {
//!     Ok(resolved) => println!("auth mode: {:?}", resolved.auth),
//!     Err(error) => eprintln!("{}: {}", error.message, error.fix),
//! }
//! # Ok(())
//! # }
//! ```
//!
//! ## Cargo features
//!
//! - `emulator` (default): `azspeech emulator` and `azspeech demo`, the local Speech emulator.
//! - `microphone`: `audio::microphone`, `azspeech stt --mic`.
//! - `speaker`: `audio::speaker`, `azspeech tts --play`.
//! - `audio-devices`: both. The audio features use cpal, which links ALSA on Linux, so they are off
//!   by default and headless builds need no audio libraries.

pub mod artifact_cache;
pub mod audio;
pub mod clock;
pub mod core_runtime;
pub mod credentials;
pub mod exit_code;
pub mod secret;
pub mod settings_input;
pub mod speech;
pub mod subtitles;
pub mod transport;
pub mod voices;

/// The core component, built from `component/` by `build.rs`.
pub const CORE_COMPONENT: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/azspeech_core.wasm"));

/// The WIT contract the core implements, for users of other runtimes (jco, wasmtime-py).
pub const CORE_WIT: &str = include_str!("../../wit/azspeech.wit");

/// The wasmtime version this host embeds (read from Cargo.lock by `build.rs`).
pub const WASMTIME_VERSION: &str = env!("AZSPEECH_WASMTIME_VERSION");
