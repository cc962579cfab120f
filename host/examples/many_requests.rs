//! One process, one loaded core, many concurrent sessions: synthesize N sentences at once,
//! then recognize every result at once, from audio kept in memory.
//!
//! ```sh
//! export SPEECH_REGION=westeurope SPEECH_KEY=...
//! cargo run -p azspeech-host --example many_requests -- 20
//! ```
//!
//! It exits non-zero unless every session succeeded and heard what was said.

use futures_util::StreamExt;

use azspeech_host::core_runtime::{RecognitionOptions, SynthesisOptions};
use azspeech_host::speech::recognize::PcmBuffer;
use azspeech_host::{Speech, SpeechInput, SynthesisOutput, spoken_words};

const SENTENCES: &[&str] = &[
    "The quick brown fox jumps over the lazy dog.",
    "Every session shares one loaded core.",
    "Concurrent requests keep their own state.",
    "A thousand voices in a single process.",
];

/// Synthesize `text` to raw 16 kHz PCM in memory, honouring `Discard` after a reconnect.
async fn synthesize(speech: &Speech, text: &str) -> Result<Vec<u8>, azspeech_host::Error> {
    let options = SynthesisOptions {
        output_format: "raw-16khz-16bit-mono-pcm".to_owned(),
        ..SynthesisOptions::default()
    };
    let mut pcm = Vec::new();
    let mut stream = speech.synthesize(SpeechInput::Text(text.to_owned()), options);
    while let Some(output) = stream.next().await {
        match output? {
            SynthesisOutput::Audio(bytes) => pcm.extend_from_slice(&bytes),
            SynthesisOutput::Discard { from } => pcm.truncate(usize::try_from(from).unwrap_or(usize::MAX)),
            SynthesisOutput::Event(_) => {}
        }
    }
    Ok(pcm)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sessions: usize = std::env::args().nth(1).map_or(Ok(20), |n| n.parse())?;
    let speech = Speech::from_env()?;

    let round_trips = (0..sessions).map(|i| {
        let speech = speech.clone();
        tokio::spawn(async move {
            let text = SENTENCES[i % SENTENCES.len()];
            let pcm = synthesize(&speech, text).await?;
            let mut audio = PcmBuffer::new(pcm, 16_000);
            let transcript = speech
                .recognize_source(&mut audio, &RecognitionOptions::default())
                .await?;
            Ok::<_, azspeech_host::Error>((text, transcript.text()))
        })
    });
    let mut failures = 0;
    for (i, result) in futures_util::future::join_all(round_trips)
        .await
        .into_iter()
        .enumerate()
    {
        match result? {
            Ok((said, heard)) if spoken_words(said) == spoken_words(&heard) => {}
            Ok((said, heard)) => {
                failures += 1;
                eprintln!("session {i}: said {said:?}, heard {heard:?}");
            }
            Err(error) => {
                failures += 1;
                eprintln!("session {i}: {error}");
            }
        }
    }
    println!("{sessions} concurrent round trips, {failures} failed");
    if failures > 0 {
        std::process::exit(1);
    }
    Ok(())
}
