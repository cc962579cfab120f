//! Audio files in and out: audio files of any common format decoded as they are read and
//! converted to what the service takes, and WAV output written as audio arrives.

pub mod decode;
#[cfg(feature = "audio-device")]
pub mod device;
pub mod input;
#[cfg(feature = "microphone")]
pub mod microphone;
pub mod output;
pub mod resample;
#[cfg(feature = "speaker")]
pub mod speaker;
pub mod wave_header;
