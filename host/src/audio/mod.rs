//! Audio files in and out: WAV input streamed and converted to what the service takes, and WAV
//! output written as audio arrives.

pub mod input;
pub mod resample;
pub mod output;
