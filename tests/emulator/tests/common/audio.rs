//! Audio for transcription tests: speech the emulator synthesized, and WAV files of it.
#![allow(dead_code, unreachable_pub)]

use super::*;

/// Synthesize `text` with `voice` through TTS REST: 16 kHz mono samples.
pub async fn speak(emulator: &RunningEmulator, voice: &str, text: &str) -> Vec<i16> {
    let locale = &voice[..5];
    let ssml = format!("<speak version='1.0' xml:lang='{locale}'><voice name='{voice}'>{text}</voice></speak>");
    let r = http(
        &Target::loopback(emulator),
        "POST",
        "/cognitiveservices/v1",
        &[
            ("Ocp-Apim-Subscription-Key", emulator.primary_key()),
            ("Content-Type", "application/ssml+xml"),
            ("X-Microsoft-OutputFormat", "raw-16khz-16bit-mono-pcm"),
        ],
        ssml.as_bytes(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.body
        .chunks_exact(2)
        .map(|c| i16::from_le_bytes([c[0], c[1]]))
        .collect()
}

/// A 16-bit PCM WAV file of `channels` (all the same length) at 16 kHz.
pub fn wav(channels: &[Vec<i16>]) -> Vec<u8> {
    let frames = channels.iter().map(Vec::len).max().unwrap_or(0);
    let n = channels.len() as u16;
    let data_len = (frames * channels.len() * 2) as u32;
    let mut out = Vec::new();
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(&16000u32.to_le_bytes());
    out.extend_from_slice(&(16000 * 2 * u32::from(n)).to_le_bytes());
    out.extend_from_slice(&(2 * n).to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for i in 0..frames {
        for c in channels {
            out.extend_from_slice(&c.get(i).copied().unwrap_or(0).to_le_bytes());
        }
    }
    out
}

pub fn silence(ms: usize) -> Vec<i16> {
    vec![0; ms * 16]
}

/// One after the other, with a second of silence before each.
pub fn sequence(parts: &[&[i16]]) -> Vec<i16> {
    let mut out = Vec::new();
    for p in parts {
        out.extend(silence(1000));
        out.extend_from_slice(p);
    }
    out.extend(silence(500));
    out
}
