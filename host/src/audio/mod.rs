//! Audio files in and out: WAV input streamed and converted to what the service takes, and WAV
//! output written as audio arrives.

#[cfg(feature = "audio-device")]
pub mod device;
pub mod input;
#[cfg(feature = "microphone")]
pub mod microphone;
pub mod output;
pub mod resample;
#[cfg(feature = "speaker")]
pub mod speaker;
