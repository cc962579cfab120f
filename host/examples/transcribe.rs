//! Transcribe a WAV file, printing each phrase as it is recognized, then the whole text.
//!
//! ```sh
//! export SPEECH_REGION=westeurope SPEECH_KEY=...
//! cargo run -p azspeech-host --example transcribe -- meeting.wav
//! ```

use futures_util::StreamExt;

use azspeech_host::Speech;
use azspeech_host::audio::input::PcmSource;
use azspeech_host::core_runtime::{RecognitionEvent, RecognitionOptions};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: transcribe FILE.wav")?;
    let speech = Speech::from_env()?;

    // A stream of events: partial results, final phrases, connection notices, then `finished`.
    let source = PcmSource::open(path.as_ref())?;
    let mut events = speech.recognize(source, RecognitionOptions::default());
    let mut phrases = 0;
    while let Some(event) = events.next().await {
        match event? {
            RecognitionEvent::Phrase(phrase) if !phrase.text.is_empty() => {
                phrases += 1;
                println!("[{:>8} ms] {}", phrase.offset / 10_000, phrase.text);
            }
            RecognitionEvent::Finished(summary) => {
                println!(
                    "{phrases} phrase(s); {} bytes of audio acknowledged",
                    summary.acknowledged_bytes
                );
            }
            _ => {}
        }
    }
    Ok(())
}
