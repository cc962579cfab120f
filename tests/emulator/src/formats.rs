//! Text-to-speech output formats (usp.md §7).
//!
//! Emulated: 16-bit mono PCM at 8, 16, 22.05, 24, 44.1 and 48 kHz (`raw-*` and `riff-*`) and
//! 8 kHz 8-bit µ-law / A-law (`raw-*` and `riff-*`). Every other format the service knows (MP3,
//! Opus, Ogg, WebM, SILK, Siren, AMR-WB, G.722, FLAC) is recognized and refused as "not supported
//! by the emulator" (WebSocket close 1007, REST 400). Unknown names are refused as unknown.

/// How samples are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    Pcm16,
    MuLaw,
    ALaw,
}

/// A supported output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OutputFormat {
    pub(crate) name: &'static str,
    pub(crate) rate: u32,
    pub(crate) encoding: Encoding,
    /// With a RIFF/WAVE header.
    pub(crate) riff: bool,
}

/// The result of looking a format name up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lookup {
    Supported(OutputFormat),
    /// A real service format the emulator does not produce.
    NotEmulated(&'static str),
    Unknown,
}

const SUPPORTED: &[(&str, u32, Encoding, bool)] = &[
    ("raw-8khz-16bit-mono-pcm", 8000, Encoding::Pcm16, false),
    ("riff-8khz-16bit-mono-pcm", 8000, Encoding::Pcm16, true),
    ("raw-16khz-16bit-mono-pcm", 16000, Encoding::Pcm16, false),
    ("riff-16khz-16bit-mono-pcm", 16000, Encoding::Pcm16, true),
    ("raw-22050hz-16bit-mono-pcm", 22050, Encoding::Pcm16, false),
    ("riff-22050hz-16bit-mono-pcm", 22050, Encoding::Pcm16, true),
    ("raw-24khz-16bit-mono-pcm", 24000, Encoding::Pcm16, false),
    ("riff-24khz-16bit-mono-pcm", 24000, Encoding::Pcm16, true),
    ("raw-44100hz-16bit-mono-pcm", 44100, Encoding::Pcm16, false),
    ("riff-44100hz-16bit-mono-pcm", 44100, Encoding::Pcm16, true),
    ("raw-48khz-16bit-mono-pcm", 48000, Encoding::Pcm16, false),
    ("riff-48khz-16bit-mono-pcm", 48000, Encoding::Pcm16, true),
    ("raw-8khz-8bit-mono-mulaw", 8000, Encoding::MuLaw, false),
    ("riff-8khz-8bit-mono-mulaw", 8000, Encoding::MuLaw, true),
    ("raw-8khz-8bit-mono-alaw", 8000, Encoding::ALaw, false),
    ("riff-8khz-8bit-mono-alaw", 8000, Encoding::ALaw, true),
];

const NOT_EMULATED: &[&str] = &[
    "audio-16khz-32kbitrate-mono-mp3",
    "audio-16khz-64kbitrate-mono-mp3",
    "audio-16khz-128kbitrate-mono-mp3",
    "audio-24khz-48kbitrate-mono-mp3",
    "audio-24khz-96kbitrate-mono-mp3",
    "audio-24khz-160kbitrate-mono-mp3",
    "audio-48khz-96kbitrate-mono-mp3",
    "audio-48khz-192kbitrate-mono-mp3",
    "ogg-16khz-16bit-mono-opus",
    "ogg-24khz-16bit-mono-opus",
    "ogg-48khz-16bit-mono-opus",
    "webm-16khz-16bit-mono-opus",
    "webm-24khz-16bit-mono-opus",
    "webm-24khz-16bit-24kbps-mono-opus",
    "audio-16khz-16bit-32kbps-mono-opus",
    "audio-24khz-16bit-48kbps-mono-opus",
    "audio-24khz-16bit-24kbps-mono-opus",
    "raw-16khz-16bit-mono-truesilk",
    "raw-24khz-16bit-mono-truesilk",
    "riff-16khz-16kbps-mono-siren",
    "audio-16khz-16kbps-mono-siren",
    "amr-wb-16000hz",
    "g722-16khz-64kbps",
    "audio-24khz-16bit-mono-flac",
    "audio-48khz-16bit-mono-flac",
];

/// Look a format name up (case-insensitively).
pub(crate) fn lookup(name: &str) -> Lookup {
    let name = name.trim();
    if let Some(&(n, rate, encoding, riff)) = SUPPORTED.iter().find(|(n, ..)| n.eq_ignore_ascii_case(name)) {
        return Lookup::Supported(OutputFormat {
            name: n,
            rate,
            encoding,
            riff,
        });
    }
    match NOT_EMULATED.iter().find(|n| n.eq_ignore_ascii_case(name)) {
        Some(n) => Lookup::NotEmulated(n),
        None => Lookup::Unknown,
    }
}

impl OutputFormat {
    /// Bytes per sample.
    pub(crate) fn sample_bytes(self) -> usize {
        match self.encoding {
            Encoding::Pcm16 => 2,
            Encoding::MuLaw | Encoding::ALaw => 1,
        }
    }

    /// Encode samples (no header).
    pub(crate) fn encode(self, samples: &[i16]) -> Vec<u8> {
        match self.encoding {
            Encoding::Pcm16 => samples.iter().flat_map(|s| s.to_le_bytes()).collect(),
            Encoding::MuLaw => samples.iter().map(|&s| linear_to_mulaw(s)).collect(),
            Encoding::ALaw => samples.iter().map(|&s| linear_to_alaw(s)).collect(),
        }
    }

    /// Decode bytes produced by [`encode`](Self::encode).
    pub(crate) fn decode(self, bytes: &[u8]) -> Vec<i16> {
        match self.encoding {
            Encoding::Pcm16 => bytes
                .chunks_exact(2)
                .map(|c| i16::from_le_bytes([c[0], c[1]]))
                .collect(),
            Encoding::MuLaw => bytes.iter().map(|&b| mulaw_to_linear(b)).collect(),
            Encoding::ALaw => bytes.iter().map(|&b| alaw_to_linear(b)).collect(),
        }
    }

    /// A 44-byte RIFF/WAVE header for `data_len` bytes of audio in this format.
    pub(crate) fn riff_header(self, data_len: usize) -> Vec<u8> {
        let (tag, bits): (u16, u16) = match self.encoding {
            Encoding::Pcm16 => (1, 16),
            Encoding::ALaw => (6, 8),
            Encoding::MuLaw => (7, 8),
        };
        let block = bits / 8;
        let data_len = u32::try_from(data_len).unwrap_or(u32::MAX - 36);
        let mut h = Vec::with_capacity(44);
        h.extend_from_slice(b"RIFF");
        h.extend_from_slice(&(36 + data_len).to_le_bytes());
        h.extend_from_slice(b"WAVEfmt ");
        h.extend_from_slice(&16u32.to_le_bytes());
        h.extend_from_slice(&tag.to_le_bytes());
        h.extend_from_slice(&1u16.to_le_bytes());
        h.extend_from_slice(&self.rate.to_le_bytes());
        h.extend_from_slice(&(self.rate * u32::from(block)).to_le_bytes());
        h.extend_from_slice(&block.to_le_bytes());
        h.extend_from_slice(&bits.to_le_bytes());
        h.extend_from_slice(b"data");
        h.extend_from_slice(&data_len.to_le_bytes());
        h
    }

    /// The REST response `Content-Type`.
    pub(crate) fn mime(self) -> &'static str {
        if self.riff {
            "audio/x-wav"
        } else {
            match self.encoding {
                Encoding::Pcm16 => "audio/x-pcm",
                Encoding::MuLaw => "audio/basic",
                Encoding::ALaw => "audio/x-alaw-basic",
            }
        }
    }
}

fn linear_to_mulaw(sample: i16) -> u8 {
    const BIAS: i32 = 0x84;
    const CLIP: i32 = 32635;
    let mut s = i32::from(sample);
    let sign = if s < 0 {
        s = -s;
        0x80
    } else {
        0
    };
    s = s.min(CLIP) + BIAS;
    let mut exponent = 7;
    let mut mask = 0x4000;
    while exponent > 0 && s & mask == 0 {
        exponent -= 1;
        mask >>= 1;
    }
    let mantissa = (s >> (exponent + 3)) & 0x0F;
    !(sign | (exponent << 4) | mantissa) as u8
}

fn mulaw_to_linear(byte: u8) -> i16 {
    let b = !byte;
    let sign = b & 0x80;
    let exponent = i32::from((b >> 4) & 0x07);
    let mantissa = i32::from(b & 0x0F);
    let magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84;
    (if sign != 0 { -magnitude } else { magnitude }) as i16
}

fn linear_to_alaw(sample: i16) -> u8 {
    let mut s = i32::from(sample) >> 3; // 13-bit
    let sign = if s >= 0 {
        0x80
    } else {
        s = -s - 1;
        0
    };
    let s = s.min(0x0FFF);
    let (exponent, mantissa) = if s < 32 {
        (0, s >> 1)
    } else {
        let mut e = 1;
        while s >> (e + 4) > 1 && e < 7 {
            e += 1;
        }
        // s in [32 << (e-1), 32 << e)
        (e, (s >> e) & 0x0F)
    };
    ((sign | (exponent << 4) | mantissa) as u8) ^ 0x55
}

fn alaw_to_linear(byte: u8) -> i16 {
    let b = byte ^ 0x55;
    let sign = b & 0x80;
    let exponent = i32::from((b >> 4) & 0x07);
    let mantissa = i32::from(b & 0x0F);
    let magnitude = if exponent == 0 {
        (mantissa << 4) + 8
    } else {
        ((mantissa << 4) + 0x108) << (exponent - 1)
    };
    (if sign != 0 { magnitude } else { -magnitude }) as i16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_classes() {
        assert!(matches!(lookup("raw-16khz-16bit-mono-pcm"), Lookup::Supported(f) if f.rate == 16000 && !f.riff));
        assert!(matches!(lookup("RIFF-24KHZ-16BIT-MONO-PCM"), Lookup::Supported(f) if f.riff));
        assert!(matches!(
            lookup("audio-24khz-48kbitrate-mono-mp3"),
            Lookup::NotEmulated(_)
        ));
        assert_eq!(lookup("wav"), Lookup::Unknown);
    }

    #[test]
    fn g711_round_trip_is_close() {
        for encoding in [Encoding::MuLaw, Encoding::ALaw] {
            let f = OutputFormat {
                name: "x",
                rate: 8000,
                encoding,
                riff: false,
            };
            for s in [-32000i16, -1000, -100, -1, 0, 1, 100, 1000, 32000] {
                let back = f.decode(&f.encode(&[s]))[0];
                let tolerance = (i32::from(s).abs() / 16).max(16);
                assert!(
                    (i32::from(back) - i32::from(s)).abs() <= tolerance,
                    "{encoding:?}: {s} -> {back}"
                );
            }
        }
    }
}
