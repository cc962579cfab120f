//! # azspeech-host: Azure AI Speech from Rust, every auth mode explained
//!
//! The decisions (which auth mode, which URL, which headers, how to frame and parse the
//! WebSocket protocol, when to reconnect, what to replay) are made by a sandboxed WebAssembly
//! core; this crate does the I/O it plans: credentials, sockets, files and audio. Secrets stay
//! here, never in the sandbox, a URL or a log.
//!
//! ## Tutorial
//!
//! **1. Add the crate** without the CLI's emulator:
//!
//! ```toml
//! [dependencies]
//! azspeech-host = { path = "host", default-features = false }
//! tokio = { version = "1", features = ["rt-multi-thread", "macros"] }
//! ```
//!
//! **2. Configure.** [`Speech::from_env`] reads the same variables as the `azspeech` CLI
//! (`SPEECH_REGION` or `SPEECH_ENDPOINT`, `SPEECH_KEY`, or Microsoft Entra ID through
//! `SPEECH_RESOURCE_ID` and the `AZURE_*` variables) and makes the same decisions. Or say it in
//! code with [`Speech::builder`]; a configuration that cannot work fails here with
//! [`Error::Configuration`], naming the variable and the fix.
//!
//! ```no_run
//! # fn main() -> Result<(), azspeech_host::Error> {
//! use azspeech_host::Speech;
//!
//! let speech = Speech::builder()
//!     .setting("SPEECH_REGION", "westeurope")
//!     .key(std::env::var("MY_SPEECH_KEY").unwrap_or_default())
//!     .build()?;
//! println!("auth mode: {:?}", speech.settings().auth);
//! # Ok(())
//! # }
//! ```
//!
//! **3. Synthesize** text (or SSML) to a file; the audio is written as it arrives.
//!
//! ```no_run
//! # async fn run(speech: azspeech_host::Speech) -> Result<(), azspeech_host::Error> {
//! use azspeech_host::SpeechInput;
//! use azspeech_host::core_runtime::SynthesisOptions;
//!
//! let input = SpeechInput::Text("Hello, world.".into());
//! let report = speech.synthesize_to_file(&input, "hello.wav".as_ref(), &SynthesisOptions::default()).await?;
//! println!("{} bytes of {}", report.audio_bytes, report.format.name);
//! # Ok(())
//! # }
//! ```
//!
//! **4. Recognize** a file, or stream events from any source ([`speech::recognize::RecognitionAudio`]):
//!
//! ```no_run
//! # async fn run(speech: azspeech_host::Speech) -> Result<(), azspeech_host::Error> {
//! use futures_util::StreamExt;
//! use azspeech_host::core_runtime::{RecognitionEvent, RecognitionOptions};
//!
//! let transcript = speech.recognize_file("hello.wav".as_ref()).await?;
//! println!("{}", transcript.text());
//!
//! let source = azspeech_host::audio::input::PcmSource::open("meeting.wav".as_ref())?;
//! let mut events = speech.recognize(source, RecognitionOptions::default());
//! while let Some(event) = events.next().await {
//!     if let RecognitionEvent::Phrase(phrase) = event? {
//!         println!("{}", phrase.text);
//!     }
//! }
//! # Ok(())
//! # }
//! ```
//!
//! **5. Serve many requests.** A [`Speech`] is cheap to clone and `Send + Sync`: clones share the
//! one loaded core and the token caches, and each session gets its own core instance in
//! microseconds. Connections that drop are reopened and the audio replayed by the core; a
//! rotated key fails over to `SPEECH_KEY_SECONDARY`; Entra tokens are refreshed ahead of expiry.
//!
//! **6. Explain.** [`Speech::explain`] returns what `azspeech doctor` prints: the mode and why,
//! the URLs and headers of each request (never a secret), and findings.
//!
//! The `examples/` directory has four programs that CI runs against the emulator:
//! `synthesize`, `transcribe`, `many_requests` (one process, many concurrent sessions) and `load`
//! (N concurrent recognitions and syntheses with latency, memory and CPU figures: the
//! benchmark's driver, `scripts/bench.sh`).
//!
//! ## Lower levels
//!
//! [`Speech::client`] gives the session driver for your own audio sinks and sources;
//! [`core_runtime`] is the typed core itself (load once, instantiate per session, `resolve`,
//! `plan`, the `recognizer` and `synthesizer` state machines), for hosts that do their own I/O.
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
pub mod client;
pub mod clock;
pub mod core_runtime;
pub mod credentials;
pub mod exit_code;
pub mod explanation;
pub mod profile;
pub mod secret;
pub mod settings_input;
pub mod speech;
pub mod spoken_words;
pub mod subtitles;
pub mod transcription;
pub mod transport;
pub mod voices;

pub use client::{
    Error, RecognitionStream, Resolution, Speech, SpeechBuilder, SynthesisOutput, SynthesisReport, SynthesisStream,
    Transcript,
};
pub use explanation::Explanation;
pub use speech::synthesize::SpeechInput;
pub use spoken_words::spoken_words;

/// The core component, built from `component/` by `build.rs`.
pub const CORE_COMPONENT: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/azspeech_core.wasm"));

/// The WIT contract the core implements, for users of other runtimes (jco, wasmtime-py): every
/// file of `wit/` joined into one by `build.rs`.
pub const CORE_WIT: &str = include_str!(concat!(env!("OUT_DIR"), "/azspeech_core.wit"));

/// The wasmtime version this host embeds (read from Cargo.lock by `build.rs`).
pub const WASMTIME_VERSION: &str = env!("AZSPEECH_WASMTIME_VERSION");
