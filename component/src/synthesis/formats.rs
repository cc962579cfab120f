//! Output format names (`reference/usp.md` §7): which exist, what is requested on the wire, and
//! the RIFF/WAVE header a host writes around `raw-*` audio.

use crate::bindings::exports::azspeech::core::synthesis::{AudioEncoding, FormatInfo};
use crate::bindings::exports::azspeech::core::types::SpeechError;
use crate::usp::wav::{WavEncoding, WavFormat};
use crate::wire;

/// One known output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Format {
    /// The name a caller asks for.
    pub name: &'static str,
    /// The name requested on the wire (`riff-*` → `raw-*`).
    pub wire: &'static str,
    /// How the audio is encoded.
    pub encoding: AudioEncoding,
    /// Samples per second.
    pub sample_rate: u32,
    /// The host writes a RIFF header (`riff-*`).
    pub riff: bool,
}

const fn raw(name: &'static str, encoding: AudioEncoding, sample_rate: u32) -> Format {
    Format {
        name,
        wire: name,
        encoding,
        sample_rate,
        riff: false,
    }
}

const fn riff(name: &'static str, wire: &'static str, encoding: AudioEncoding, sample_rate: u32) -> Format {
    Format {
        name,
        wire,
        encoding,
        sample_rate,
        riff: true,
    }
}

use AudioEncoding as E;

/// Every output format the service documents, plus the two FLAC names the SDK recognizes.
pub const FORMATS: &[Format] = &[
    raw("raw-8khz-8bit-mono-mulaw", E::Mulaw, 8_000),
    riff("riff-8khz-8bit-mono-mulaw", "raw-8khz-8bit-mono-mulaw", E::Mulaw, 8_000),
    raw("raw-8khz-8bit-mono-alaw", E::Alaw, 8_000),
    riff("riff-8khz-8bit-mono-alaw", "raw-8khz-8bit-mono-alaw", E::Alaw, 8_000),
    raw("raw-8khz-16bit-mono-pcm", E::Pcm, 8_000),
    riff("riff-8khz-16bit-mono-pcm", "raw-8khz-16bit-mono-pcm", E::Pcm, 8_000),
    raw("raw-16khz-16bit-mono-pcm", E::Pcm, 16_000),
    riff("riff-16khz-16bit-mono-pcm", "raw-16khz-16bit-mono-pcm", E::Pcm, 16_000),
    raw("raw-22050hz-16bit-mono-pcm", E::Pcm, 22_050),
    riff(
        "riff-22050hz-16bit-mono-pcm",
        "raw-22050hz-16bit-mono-pcm",
        E::Pcm,
        22_050,
    ),
    raw("raw-24khz-16bit-mono-pcm", E::Pcm, 24_000),
    riff("riff-24khz-16bit-mono-pcm", "raw-24khz-16bit-mono-pcm", E::Pcm, 24_000),
    raw("raw-44100hz-16bit-mono-pcm", E::Pcm, 44_100),
    riff(
        "riff-44100hz-16bit-mono-pcm",
        "raw-44100hz-16bit-mono-pcm",
        E::Pcm,
        44_100,
    ),
    raw("raw-48khz-16bit-mono-pcm", E::Pcm, 48_000),
    riff("riff-48khz-16bit-mono-pcm", "raw-48khz-16bit-mono-pcm", E::Pcm, 48_000),
    raw("audio-16khz-32kbitrate-mono-mp3", E::Mp3, 16_000),
    raw("audio-16khz-64kbitrate-mono-mp3", E::Mp3, 16_000),
    raw("audio-16khz-128kbitrate-mono-mp3", E::Mp3, 16_000),
    raw("audio-24khz-48kbitrate-mono-mp3", E::Mp3, 24_000),
    raw("audio-24khz-96kbitrate-mono-mp3", E::Mp3, 24_000),
    raw("audio-24khz-160kbitrate-mono-mp3", E::Mp3, 24_000),
    raw("audio-48khz-96kbitrate-mono-mp3", E::Mp3, 48_000),
    raw("audio-48khz-192kbitrate-mono-mp3", E::Mp3, 48_000),
    raw("ogg-16khz-16bit-mono-opus", E::OggOpus, 16_000),
    raw("ogg-24khz-16bit-mono-opus", E::OggOpus, 24_000),
    raw("ogg-48khz-16bit-mono-opus", E::OggOpus, 48_000),
    raw("webm-16khz-16bit-mono-opus", E::WebmOpus, 16_000),
    raw("webm-24khz-16bit-mono-opus", E::WebmOpus, 24_000),
    raw("webm-24khz-16bit-24kbps-mono-opus", E::WebmOpus, 24_000),
    raw("audio-16khz-16bit-32kbps-mono-opus", E::RawOpus, 16_000),
    raw("audio-24khz-16bit-48kbps-mono-opus", E::RawOpus, 24_000),
    raw("audio-24khz-16bit-24kbps-mono-opus", E::RawOpus, 24_000),
    raw("raw-16khz-16bit-mono-truesilk", E::Silk, 16_000),
    raw("raw-24khz-16bit-mono-truesilk", E::Silk, 24_000),
    raw("audio-16khz-16kbps-mono-siren", E::Siren, 16_000),
    raw("amr-wb-16000hz", E::AmrWb, 16_000),
    raw("g722-16khz-64kbps", E::G722, 16_000),
    raw("audio-24khz-16bit-mono-flac", E::Flac, 24_000),
    raw("audio-48khz-16bit-mono-flac", E::Flac, 48_000),
];

/// The name the JavaScript SDK maps to a Siren RIFF container; azspeech cannot write that
/// header, so it is refused with a pointer to the raw Siren format.
const RIFF_SIREN: &str = "riff-16khz-16kbps-mono-siren";

/// The known format called `name` (ASCII case-insensitive), or a `configuration` error that
/// suggests the closest names.
pub fn lookup(name: &str) -> Result<&'static Format, SpeechError> {
    let wanted = name.trim();
    if let Some(format) = FORMATS.iter().find(|format| format.name.eq_ignore_ascii_case(wanted)) {
        return Ok(format);
    }
    if wanted.eq_ignore_ascii_case(RIFF_SIREN) {
        return Err(wire::configuration(
            format!("output format {RIFF_SIREN} is not supported"),
            "use audio-16khz-16kbps-mono-siren (raw Siren frames) or a riff-*-pcm format",
        ));
    }
    let shown = crate::failures::excerpt(wanted);
    // Suggest the names sharing the most `-`-separated parts with what was asked for.
    let parts: Vec<String> = wanted.split('-').map(str::to_ascii_lowercase).collect();
    let score = |format: &Format| {
        format
            .name
            .split('-')
            .filter(|part| parts.iter().any(|p| p == part))
            .count()
    };
    let best = FORMATS.iter().map(score).max().unwrap_or(0);
    let near: Vec<&str> = if best >= 2 {
        FORMATS
            .iter()
            .filter(|format| score(format) == best)
            .map(|format| format.name)
            .take(4)
            .collect()
    } else {
        Vec::new()
    };
    let hint = if near.is_empty() {
        "use a name from the service's list, e.g. riff-24khz-16bit-mono-pcm or audio-24khz-48kbitrate-mono-mp3"
            .to_owned()
    } else {
        format!("did you mean one of: {}?", near.join(", "))
    };
    Err(wire::configuration(format!("unknown output format `{shown}`"), &hint))
}

/// What `name` means on the wire and for the host.
pub fn describe(name: &str) -> Result<FormatInfo, SpeechError> {
    lookup(name).map(info)
}

/// Every known format, described, in the service's order.
pub fn list() -> Vec<FormatInfo> {
    FORMATS.iter().map(info).collect()
}

fn info(format: &Format) -> FormatInfo {
    FormatInfo {
        name: format.name.to_owned(),
        wire_name: format.wire.to_owned(),
        encoding: format.encoding,
        sample_rate: format.sample_rate,
        needs_riff_header: format.riff,
    }
}

/// The WAVE description of a PCM, µ-law or A-law format.
pub fn wav_format(format: &Format) -> Option<WavFormat> {
    let (encoding, bits) = match format.encoding {
        AudioEncoding::Pcm => (WavEncoding::Pcm, 16),
        AudioEncoding::Mulaw => (WavEncoding::MuLaw, 8),
        AudioEncoding::Alaw => (WavEncoding::ALaw, 8),
        _ => return None,
    };
    Some(WavFormat {
        encoding,
        channels: 1,
        sample_rate: format.sample_rate,
        bits_per_sample: bits,
    })
}

/// The 44-byte header for `data_len` bytes of audio in `format_name` (PCM, µ-law, A-law).
pub fn wav_header(format_name: &str, data_len: u32) -> Result<Vec<u8>, SpeechError> {
    let format = lookup(format_name)?;
    let wav = wav_format(format).ok_or_else(|| {
        wire::configuration(
            format!(
                "{} audio is not PCM, mu-law or A-law and gets no WAVE header",
                format.name
            ),
            "write MP3, Opus and other encoded formats to a file as received",
        )
    })?;
    Ok(crate::usp::wav::wav_header(&wav, Some(data_len)).to_vec())
}
