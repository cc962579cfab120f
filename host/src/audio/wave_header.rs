//! The `fmt ` chunk of a RIFF/WAVE stream checked before the demuxer sees it.
//!
//! A lying header must get a clear error, not a panic: symphonia-format-riff 0.6.1 computes
//! `num_channels * (bits_per_sample / 8)` in `u16` (chunks.rs:100), which overflows (a panic
//! with overflow checks on) for a `fmt ` chunk claiming tens of thousands of channels. So the
//! stream is read through its `fmt ` chunk (no further: a live pipe is not delayed), the
//! chunk is checked here, and the bytes read are handed on to the demuxer.
//!
//! Anything that is not RIFF/WAVE passes unchecked (other containers have their own checks).

use std::io::{self, Read};

/// Most channels accepted: what the demuxer maps to speaker positions (1..=26).
pub const MAX_CHANNELS: u16 = 26;
/// Highest sample rate accepted (Hz).
pub const MAX_SAMPLE_RATE: u32 = 1_536_000;
/// How far into the stream the `fmt ` chunk is looked for; a file whose chunks before it
/// are larger is left to the demuxer.
pub const MAX_SCANNED_BYTES: usize = 1 << 16;

const WAVE_FORMAT_PCM: u16 = 0x0001;
const WAVE_FORMAT_ADPCM: u16 = 0x0002;
const WAVE_FORMAT_IEEE_FLOAT: u16 = 0x0003;
const WAVE_FORMAT_ALAW: u16 = 0x0006;
const WAVE_FORMAT_MULAW: u16 = 0x0007;
const WAVE_FORMAT_IMA_ADPCM: u16 = 0x0011;
const WAVE_FORMAT_EXTENSIBLE: u16 = 0xFFFE;

/// Read `reader` through the end of its `fmt ` chunk if it is RIFF/WAVE (else its first 12
/// bytes, or less at its end). Returns the bytes read, to be put back in front of the rest.
pub fn read_through_fmt(reader: &mut dyn Read) -> io::Result<Vec<u8>> {
    let mut prefix = Vec::new();
    if !fill(reader, &mut prefix, 12)? || !is_riff_wave(&prefix) {
        return Ok(prefix);
    }
    while prefix.len() < MAX_SCANNED_BYTES {
        let header_at = prefix.len();
        if !fill(reader, &mut prefix, header_at + 8)? {
            break;
        }
        let id = prefix.get(header_at..header_at + 4).unwrap_or_default().to_vec();
        let size = le_u32(&prefix, header_at + 4).unwrap_or(0) as usize;
        let padded = size.saturating_add(size & 1);
        if id == b"fmt " {
            // The fields checked are in the first 16 bytes of the body.
            fill(reader, &mut prefix, header_at + 8 + size.min(40))?;
            break;
        }
        if id == b"data" || padded > MAX_SCANNED_BYTES {
            break;
        }
        if !fill(reader, &mut prefix, header_at + 8 + padded)? {
            break;
        }
    }
    Ok(prefix)
}

/// Check the `fmt ` chunk in `prefix` (the start of a stream, as [`read_through_fmt`] reads
/// it). `Err` says what is wrong, for a person.
pub fn check(prefix: &[u8]) -> Result<(), String> {
    if !is_riff_wave(prefix) {
        return Ok(());
    }
    let Some((declared, fmt)) = find_fmt(prefix) else {
        return Ok(());
    };
    if fmt.len() < 16 && declared >= 16 {
        return Err("the file ends before its WAV header is complete (truncated)".to_owned());
    }
    if fmt.len() < 16 {
        return Err(format!(
            "its WAV `fmt ` chunk is {} bytes, shorter than the 16 every WAV file has",
            fmt.len()
        ));
    }
    let tag = le_u16(fmt, 0).unwrap_or(0);
    let channels = le_u16(fmt, 2).unwrap_or(0);
    let rate = le_u32(fmt, 4).unwrap_or(0);
    let block_align = le_u16(fmt, 12).unwrap_or(0);
    let bits = le_u16(fmt, 14).unwrap_or(0);
    let codec = match tag {
        WAVE_FORMAT_PCM => "PCM",
        WAVE_FORMAT_IEEE_FLOAT => "IEEE float",
        WAVE_FORMAT_ALAW => "A-law",
        WAVE_FORMAT_MULAW => "µ-law",
        WAVE_FORMAT_EXTENSIBLE => "WAVE_FORMAT_EXTENSIBLE",
        // Compressed formats the demuxer knows; their codec error says the rest.
        WAVE_FORMAT_ADPCM | WAVE_FORMAT_IMA_ADPCM => "ADPCM",
        other => {
            return Err(format!(
                "its WAV header names format tag 0x{other:04X}, not PCM, IEEE float, A-law, µ-law or WAVE_FORMAT_EXTENSIBLE"
            ));
        }
    };
    if !(1..=MAX_CHANNELS).contains(&channels) {
        return Err(format!(
            "its WAV header claims {channels} channels (azspeech reads 1 to {MAX_CHANNELS}): the header is damaged or not WAV"
        ));
    }
    if !(1..=MAX_SAMPLE_RATE).contains(&rate) {
        return Err(format!(
            "its WAV header claims a sample rate of {rate} Hz (azspeech reads 1 to {MAX_SAMPLE_RATE} Hz): the header is damaged"
        ));
    }
    let valid_bits: &[u16] = match tag {
        WAVE_FORMAT_PCM => &[8, 16, 24, 32],
        WAVE_FORMAT_IEEE_FLOAT => &[32, 64],
        WAVE_FORMAT_ALAW | WAVE_FORMAT_MULAW => &[8],
        WAVE_FORMAT_EXTENSIBLE => &[8, 16, 24, 32, 64],
        _ => return Ok(()),
    };
    if !valid_bits.contains(&bits) {
        return Err(format!(
            "its WAV header claims {bits}-bit {codec} samples (possible: {})",
            valid_bits.iter().map(u16::to_string).collect::<Vec<_>>().join(", ")
        ));
    }
    let expected = u32::from(channels) * u32::from(bits / 8);
    if u32::from(block_align) != expected {
        return Err(format!(
            "its WAV header is inconsistent: {channels} channels of {bits}-bit {codec} make {expected}-byte frames, the header says {block_align}"
        ));
    }
    Ok(())
}

fn is_riff_wave(prefix: &[u8]) -> bool {
    prefix.get(..4) == Some(b"RIFF") && prefix.get(8..12) == Some(b"WAVE")
}

/// The declared size and the body of the first `fmt ` chunk (cut at the end of `prefix`).
fn find_fmt(prefix: &[u8]) -> Option<(usize, &[u8])> {
    let mut at = 12usize;
    loop {
        let id = prefix.get(at..at.checked_add(4)?)?;
        let size = le_u32(prefix, at.checked_add(4)?)? as usize;
        let body = at.checked_add(8)?;
        if id == b"fmt " {
            let end = body.saturating_add(size).min(prefix.len());
            return Some((size, prefix.get(body..end)?));
        }
        if id == b"data" {
            return None;
        }
        at = body.checked_add(size)?.checked_add(size & 1)?;
    }
}

/// Read until `buffer` holds `len` bytes; `false` if the stream ended first.
fn fill(reader: &mut dyn Read, buffer: &mut Vec<u8>, len: usize) -> io::Result<bool> {
    while buffer.len() < len {
        let mut chunk = [0u8; 4096];
        let want = (len - buffer.len()).min(chunk.len());
        let read = match reader.read(&mut chunk[..want]) {
            Ok(0) => return Ok(false),
            Ok(read) => read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        buffer.extend_from_slice(&chunk[..read]);
    }
    Ok(true)
}

fn le_u16(bytes: &[u8], at: usize) -> Option<u16> {
    let raw = bytes.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([raw[0], raw[1]]))
}

fn le_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let raw = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A WAV header: tag, channels, rate, block align, bits; `before` chunks ahead of `fmt `.
    fn header(tag: u16, channels: u16, rate: u32, block_align: u16, bits: u16, before: &[u8]) -> Vec<u8> {
        let mut out = b"RIFF\x24\x00\x00\x00WAVE".to_vec();
        out.extend_from_slice(before);
        out.extend_from_slice(b"fmt \x10\x00\x00\x00");
        out.extend_from_slice(&tag.to_le_bytes());
        out.extend_from_slice(&channels.to_le_bytes());
        out.extend_from_slice(&rate.to_le_bytes());
        out.extend_from_slice(&(rate * u32::from(block_align)).to_le_bytes());
        out.extend_from_slice(&block_align.to_le_bytes());
        out.extend_from_slice(&bits.to_le_bytes());
        out.extend_from_slice(b"data\x00\x00\x00\x00");
        out
    }

    #[test]
    fn sane_headers_pass_and_lying_ones_are_refused_with_the_reason() {
        let junk = b"JUNK\x03\x00\x00\x00abc\x00";
        // (header, expected error fragment or "" for accepted)
        let table: Vec<(Vec<u8>, &str)> = vec![
            (header(1, 1, 16_000, 2, 16, &[]), ""),
            (header(1, 2, 44_100, 6, 24, junk), ""),
            (header(3, 1, 48_000, 4, 32, &[]), ""),
            (header(7, 1, 8_000, 1, 8, &[]), ""),
            (header(2, 1, 8_000, 256, 4, &[]), ""),
            (b"fLaC\x00\x00\x00\x22".to_vec(), ""),
            // The symphonia-format-riff 0.6.1 overflow: 50 000 channels.
            (header(1, 50_000, 16_000, 2, 16, &[]), "claims 50000 channels"),
            (header(1, 0, 16_000, 2, 16, &[]), "claims 0 channels"),
            (header(0x1234, 1, 16_000, 2, 16, &[]), "format tag 0x1234"),
            (header(1, 1, 0, 2, 16, &[]), "sample rate of 0 Hz"),
            (header(1, 1, 16_000, 2, 12, &[]), "12-bit PCM"),
            (
                header(1, 2, 16_000, 2, 16, junk),
                "make 4-byte frames, the header says 2",
            ),
            (
                b"RIFF\x24\x00\x00\x00WAVEfmt \x04\x00\x00\x00\x01\x00\x01\x00".to_vec(),
                "shorter than the 16",
            ),
            (
                header(1, 1, 16_000, 2, 16, &[])[..30].to_vec(),
                "ends before its WAV header is complete",
            ),
        ];
        for (bytes, expected) in table {
            let prefix = read_through_fmt(&mut bytes.as_slice()).expect("reads");
            let result = check(&prefix);
            if expected.is_empty() {
                assert_eq!(result, Ok(()), "{bytes:?}");
            } else {
                let error = result.expect_err(expected);
                assert!(error.contains(expected), "{error} lacks {expected}");
            }
        }
    }

    #[test]
    fn reading_stops_after_the_fmt_chunk_and_keeps_what_it_read() {
        let bytes = header(1, 1, 16_000, 2, 16, b"LIST\x04\x00\x00\x00abcd");
        let mut reader = bytes.as_slice();
        let prefix = read_through_fmt(&mut reader).expect("reads");
        assert_eq!(prefix.len(), 12 + 12 + 8 + 16, "through the fmt body");
        assert_eq!(reader, b"data\x00\x00\x00\x00", "the data chunk is left unread");
        let mut short: &[u8] = b"RIFF";
        assert_eq!(read_through_fmt(&mut short).expect("reads"), b"RIFF");
    }

    #[test]
    fn chunk_sizes_that_overflow_or_run_past_the_end_are_not_followed() {
        let mut bytes = b"RIFF\xff\xff\xff\xffWAVEJUNK\xff\xff\xff\xff".to_vec();
        bytes.extend_from_slice(&[0; 64]);
        let prefix = read_through_fmt(&mut bytes.as_slice()).expect("reads");
        assert_eq!(check(&prefix), Ok(()), "no fmt found in reach: left to the demuxer");
    }
}
