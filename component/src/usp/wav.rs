//! The canonical 44-byte RIFF/WAVE header (16-byte `fmt ` chunk, then `data`).
//!
//! The first audio message of every recognition turn carries exactly this header, with the RIFF
//! and data sizes set to 0 ([`wav_header`] with `None`). A host writing synthesized `raw-*` audio
//! to a file wraps it with the same header carrying the real sizes.

use core::fmt;

/// Length of the header [`wav_header`] builds.
pub const WAV_HEADER_LEN: usize = 44;

/// The sample encodings (WAVE format tags) the header can describe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WavEncoding {
    /// Linear PCM, format tag 1.
    Pcm,
    /// G.711 A-law, format tag 6.
    ALaw,
    /// G.711 µ-law, format tag 7.
    MuLaw,
}

impl WavEncoding {
    /// The WAVE format tag.
    pub fn tag(self) -> u16 {
        match self {
            Self::Pcm => 1,
            Self::ALaw => 6,
            Self::MuLaw => 7,
        }
    }

    /// The encoding of a WAVE format tag.
    pub fn from_tag(tag: u16) -> Option<Self> {
        match tag {
            1 => Some(Self::Pcm),
            6 => Some(Self::ALaw),
            7 => Some(Self::MuLaw),
            _ => None,
        }
    }
}

/// What a WAVE header describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WavFormat {
    /// Sample encoding.
    pub encoding: WavEncoding,
    /// Channel count.
    pub channels: u16,
    /// Samples per second.
    pub sample_rate: u32,
    /// Bits per sample.
    pub bits_per_sample: u16,
}

impl WavFormat {
    /// Linear PCM.
    pub fn pcm(sample_rate: u32, bits_per_sample: u16, channels: u16) -> Self {
        Self {
            encoding: WavEncoding::Pcm,
            channels,
            sample_rate,
            bits_per_sample,
        }
    }

    /// Bytes per sample frame (all channels), saturating.
    pub fn block_align(&self) -> u16 {
        self.channels.saturating_mul(self.bits_per_sample.div_ceil(8))
    }

    /// Bytes per second, saturating.
    pub fn byte_rate(&self) -> u32 {
        self.sample_rate.saturating_mul(u32::from(self.block_align()))
    }
}

/// The 44-byte header for `format`. With `Some(data_len)` the RIFF size is `36 + data_len`
/// (saturating) and the data size `data_len`; with `None` (a stream of unknown length, as on
/// the wire) both sizes are 0.
///
/// ```
/// use azspeech_component::usp::wav::{WavFormat, wav_header};
/// let header = wav_header(&WavFormat::pcm(16_000, 16, 1), None);
/// assert_eq!(&header[..4], b"RIFF");
/// assert_eq!(header.len(), 44);
/// ```
pub fn wav_header(format: &WavFormat, data_len: Option<u32>) -> [u8; WAV_HEADER_LEN] {
    let (riff_len, data_len) = match data_len {
        Some(len) => (len.saturating_add(36), len),
        None => (0, 0),
    };
    let mut out = [0u8; WAV_HEADER_LEN];
    let parts: [&[u8]; 13] = [
        b"RIFF",
        &riff_len.to_le_bytes(),
        b"WAVEfmt ",
        &16u32.to_le_bytes(),
        &format.encoding.tag().to_le_bytes(),
        &format.channels.to_le_bytes(),
        &format.sample_rate.to_le_bytes(),
        &format.byte_rate().to_le_bytes(),
        &format.block_align().to_le_bytes(),
        &format.bits_per_sample.to_le_bytes(),
        b"data",
        &data_len.to_le_bytes(),
        &[],
    ];
    let mut at = 0usize;
    for part in parts {
        let end = at.saturating_add(part.len());
        if let Some(slot) = out.get_mut(at..end) {
            slot.copy_from_slice(part);
        }
        at = end;
    }
    out
}

/// A parsed 44-byte header: the format and the two sizes as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WavHeader {
    /// What the header describes.
    pub format: WavFormat,
    /// The RIFF chunk size field (0 on the wire).
    pub riff_len: u32,
    /// The data chunk size field (0 on the wire).
    pub data_len: u32,
}

/// Why bytes are not a canonical 44-byte WAVE header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WavError {
    /// The bytes are not exactly 44 long.
    Length(usize),
    /// A magic word is missing; names the expected one (`RIFF`, `WAVE`, `fmt `, `data`).
    Magic(&'static str),
    /// The `fmt ` chunk is not 16 bytes long.
    FmtChunkSize(u32),
    /// The format tag is not PCM (1), A-law (6) or µ-law (7).
    UnsupportedTag(u16),
    /// Byte rate or block align do not match the channels, rate and bits.
    Inconsistent,
}

impl fmt::Display for WavError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Length(len) => write!(f, "WAVE header is {len} bytes, expected 44"),
            Self::Magic(word) => write!(f, "WAVE header lacks `{word}` where it belongs"),
            Self::FmtChunkSize(len) => write!(f, "WAVE fmt chunk is {len} bytes, expected 16"),
            Self::UnsupportedTag(tag) => write!(f, "WAVE format tag {tag} is not PCM (1), A-law (6) or mu-law (7)"),
            Self::Inconsistent => f.write_str("WAVE byte rate or block align disagree with channels, rate and bits"),
        }
    }
}

impl std::error::Error for WavError {}

/// Parse a canonical 44-byte header (as sent in the first audio message of a turn). Sizes of 0
/// are accepted, as the SDKs send them.
pub fn parse_wav_header(bytes: &[u8]) -> Result<WavHeader, WavError> {
    let bytes: &[u8; WAV_HEADER_LEN] = bytes.try_into().map_err(|_| WavError::Length(bytes.len()))?;
    let u16_at = |at: usize| {
        bytes
            .get(at..at.saturating_add(2))
            .and_then(|b| b.try_into().ok())
            .map_or(0, u16::from_le_bytes)
    };
    let u32_at = |at: usize| {
        bytes
            .get(at..at.saturating_add(4))
            .and_then(|b| b.try_into().ok())
            .map_or(0, u32::from_le_bytes)
    };
    for (at, word) in [(0, "RIFF"), (8, "WAVE"), (12, "fmt "), (36, "data")] {
        if bytes.get(at..at + 4) != Some(word.as_bytes()) {
            return Err(WavError::Magic(word));
        }
    }
    let fmt_len = u32_at(16);
    if fmt_len != 16 {
        return Err(WavError::FmtChunkSize(fmt_len));
    }
    let tag = u16_at(20);
    let encoding = WavEncoding::from_tag(tag).ok_or(WavError::UnsupportedTag(tag))?;
    let format = WavFormat {
        encoding,
        channels: u16_at(22),
        sample_rate: u32_at(24),
        bits_per_sample: u16_at(34),
    };
    if u32_at(28) != format.byte_rate() || u16_at(32) != format.block_align() {
        return Err(WavError::Inconsistent);
    }
    Ok(WavHeader {
        format,
        riff_len: u32_at(4),
        data_len: u32_at(40),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const PYTHON_STT_HEADER: &str =
        "524946460000000057415645666d74201000000001000100803e0000007d0000020010006461746100000000";

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn streaming_header_matches_the_python_sdk() {
        let header = wav_header(&WavFormat::pcm(16_000, 16, 1), None);
        assert_eq!(hex(&header), PYTHON_STT_HEADER);
        let parsed = parse_wav_header(&header).unwrap();
        assert_eq!(parsed.format, WavFormat::pcm(16_000, 16, 1));
        assert_eq!((parsed.riff_len, parsed.data_len), (0, 0));
    }

    #[test]
    fn sized_headers() {
        let header = wav_header(&WavFormat::pcm(24_000, 16, 1), Some(32_000));
        assert_eq!(parse_wav_header(&header).unwrap().riff_len, 32_036);
        assert_eq!(parse_wav_header(&header).unwrap().data_len, 32_000);
        assert_eq!(parse_wav_header(&header).unwrap().format.byte_rate(), 48_000);
        let header = wav_header(&WavFormat::pcm(8_000, 16, 1), Some(u32::MAX));
        assert_eq!(parse_wav_header(&header).unwrap().riff_len, u32::MAX);
        let mulaw = WavFormat {
            encoding: WavEncoding::MuLaw,
            channels: 1,
            sample_rate: 8000,
            bits_per_sample: 8,
        };
        let header = wav_header(&mulaw, Some(10));
        assert_eq!(&header[20..22], &[7, 0]);
        assert_eq!(parse_wav_header(&header).unwrap().format, mulaw);
        assert_eq!(mulaw.byte_rate(), 8000);
    }

    #[test]
    fn rejects() {
        let good = wav_header(&WavFormat::pcm(16_000, 16, 1), None);
        assert_eq!(parse_wav_header(&good[..43]), Err(WavError::Length(43)));
        assert_eq!(parse_wav_header(&[]), Err(WavError::Length(0)));
        let mut bad = good;
        bad[0] = b'X';
        assert_eq!(parse_wav_header(&bad), Err(WavError::Magic("RIFF")));
        let mut bad = good;
        bad[16] = 18;
        assert_eq!(parse_wav_header(&bad), Err(WavError::FmtChunkSize(18)));
        let mut bad = good;
        bad[20] = 3;
        assert_eq!(parse_wav_header(&bad), Err(WavError::UnsupportedTag(3)));
        let mut bad = good;
        bad[29] = 0;
        assert_eq!(parse_wav_header(&bad), Err(WavError::Inconsistent));
        let mut bad = good;
        bad[36] = b'D';
        assert_eq!(parse_wav_header(&bad), Err(WavError::Magic("data")));
    }
}
