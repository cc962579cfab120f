//! Synthesize one sentence to a WAV file with the settings in the environment.
//!
//! ```sh
//! export SPEECH_REGION=westeurope SPEECH_KEY=...     # or any other auth mode azspeech knows
//! cargo run -p azspeech-host --example synthesize -- "Hello, world." hello.wav
//! ```

use std::path::PathBuf;

use azspeech_host::core_runtime::SynthesisOptions;
use azspeech_host::{Speech, SpeechInput};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let text = args.next().unwrap_or_else(|| "Hello from azspeech.".to_owned());
    let path = PathBuf::from(args.next().unwrap_or_else(|| "hello.wav".to_owned()));

    // 1. Configure from the environment (the same variables and decisions as the CLI).
    let speech = Speech::from_env()?;
    // 2. Synthesize; the file is written as audio arrives and gets a correct WAV header.
    let report = speech
        .synthesize_to_file(&SpeechInput::Text(text), &path, &SynthesisOptions::default())
        .await?;
    println!(
        "wrote {} ({} bytes of {} audio)",
        path.display(),
        report.audio_bytes,
        report.format.name
    );
    Ok(())
}
