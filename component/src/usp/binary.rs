//! Binary messages: a big-endian `u16` header length, the header block, then the payload.

use core::ops::Range;

use super::headers::{Headers, parse_block};
use super::{FrameError, MAX_HEADER_BLOCK};

/// A parsed binary message, borrowing from the received bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BinaryMessage<'a> {
    /// The headers, in order.
    pub headers: Headers<'a>,
    /// The `Path` header's value (never empty).
    pub path: &'a str,
    /// The payload (audio); may be empty.
    pub payload: &'a [u8],
    /// Where [`payload`](Self::payload) lies in the frame: `&frame[payload_range] == payload`.
    /// A host that keeps the frame can take the audio from its own buffer without a copy.
    pub payload_range: Range<usize>,
}

impl<'a> BinaryMessage<'a> {
    /// The `X-RequestId` header, if present.
    pub fn request_id(&self) -> Option<&'a str> {
        self.headers.request_id()
    }
}

/// Parse a binary message.
///
/// Layout: bytes 0–1 are the header-block length `n` (big-endian, at most
/// [`MAX_HEADER_BLOCK`]); bytes `2..2+n` are the header block, US-ASCII `Name:value` lines each
/// ended by `\r\n` with **no** blank line; the rest is the payload. A non-empty `Path` is
/// required; names compare case-insensitively and may not repeat.
///
/// ```
/// // The header of the Python SDK's end-of-audio message (empty payload).
/// let mut frame = vec![0x00, 0x13];
/// frame.extend_from_slice(b"Path:audio\r\nX-A:1\r\n");
/// let message = azspeech_component::usp::parse_binary(&frame).unwrap();
/// assert_eq!(message.path, "audio");
/// assert!(message.payload.is_empty());
/// assert_eq!(message.payload_range, 21..21);
/// ```
pub fn parse_binary(frame: &[u8]) -> Result<BinaryMessage<'_>, FrameError> {
    let Some((prefix, rest)) = frame.split_first_chunk::<2>() else {
        return Err(FrameError::TruncatedHeader {
            declared: 0,
            available: 0,
        });
    };
    let declared = usize::from(u16::from_be_bytes(*prefix));
    if declared > MAX_HEADER_BLOCK {
        return Err(FrameError::HeaderTooLong { len: declared });
    }
    let (block, payload) = rest.split_at_checked(declared).ok_or(FrameError::TruncatedHeader {
        declared,
        available: rest.len(),
    })?;
    if let Some(position) = block.iter().position(|b| !b.is_ascii()) {
        return Err(FrameError::NonAscii {
            offset: position.saturating_add(2),
        });
    }
    let block = core::str::from_utf8(block).map_err(|_| FrameError::NonAscii { offset: 2 })?;
    let Some(lines) = block.strip_suffix("\r\n") else {
        return Err(if block.is_empty() {
            FrameError::MissingPath
        } else {
            FrameError::UnterminatedHeader {
                line: block.split("\r\n").count(),
            }
        });
    };
    let headers = parse_block(lines, 2)?;
    let path = headers
        .path()
        .filter(|path| !path.is_empty())
        .ok_or(FrameError::MissingPath)?;
    let start = declared.saturating_add(2);
    Ok(BinaryMessage {
        headers,
        path,
        payload,
        payload_range: start..start.saturating_add(payload.len()),
    })
}

/// Build the header part of a binary message: the 2-byte big-endian length and the header
/// block (`Name:value\r\n` per header, no blank line). The sender transmits this followed by the
/// payload, so the payload never has to be copied.
///
/// The headers are checked first ([`Headers::validate`]): no CR/LF injection, no duplicate, a
/// `Path` present, at most [`MAX_HEADER_BLOCK`] bytes.
pub fn encode_binary_header(headers: &Headers<'_>) -> Result<Vec<u8>, FrameError> {
    let mut out = Vec::with_capacity(headers.block_len().saturating_add(2));
    out.extend_from_slice(&[0, 0]);
    headers.write_block(&mut out)?;
    let len = out.len().saturating_sub(2);
    let prefix = u16::try_from(len).map_err(|_| FrameError::HeaderTooLong { len })?;
    if let Some(slot) = out.first_chunk_mut::<2>() {
        *slot = prefix.to_be_bytes();
    }
    Ok(out)
}

/// Build a whole binary message: [`encode_binary_header`] followed by `payload`.
pub fn encode_binary(headers: &Headers<'_>, payload: &[u8]) -> Result<Vec<u8>, FrameError> {
    let mut out = encode_binary_header(headers)?;
    out.extend_from_slice(payload);
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn truncation_and_limits() {
        let cases: Vec<(Vec<u8>, FrameError)> = vec![
            (
                vec![],
                FrameError::TruncatedHeader {
                    declared: 0,
                    available: 0,
                },
            ),
            (
                vec![0],
                FrameError::TruncatedHeader {
                    declared: 0,
                    available: 0,
                },
            ),
            (vec![0, 0], FrameError::MissingPath),
            (
                vec![0, 5, b'P'],
                FrameError::TruncatedHeader {
                    declared: 5,
                    available: 1,
                },
            ),
            (vec![0x20, 0x01], FrameError::HeaderTooLong { len: 8193 }),
            (vec![0xff, 0xff], FrameError::HeaderTooLong { len: 65535 }),
            (
                [&[0, 10][..], b"Path:audio"].concat(),
                FrameError::UnterminatedHeader { line: 1 },
            ),
            (
                [&[0, 14][..], b"Path:audio\r\nX:"].concat(),
                FrameError::UnterminatedHeader { line: 2 },
            ),
            (
                [&[0, 14][..], b"Path:audio\r\n\r\n"].concat(),
                FrameError::BadHeaderLine { line: 2 },
            ),
            (
                [&[0, 4][..], b"X:\xc3\r\n"].concat(),
                FrameError::NonAscii { offset: 4 },
            ),
            (
                [&[0, 6][..], b"X:1\r\n\x00"].concat(),
                FrameError::UnterminatedHeader { line: 2 },
            ),
            (
                [&[0, 9][..], b"X:1\r\n\x00:\r\n"].concat(),
                FrameError::BadHeaderLine { line: 2 },
            ),
        ];
        for (frame, expected) in cases {
            assert_eq!(parse_binary(&frame), Err(expected), "{frame:?}");
        }
    }

    #[test]
    fn header_at_the_limit_is_accepted_and_one_more_is_not() {
        let filler = "a".repeat(MAX_HEADER_BLOCK - "Path:audio\r\nX-F:\r\n".len());
        let headers = Headers::new().with("Path", "audio").with("X-F", &filler);
        let header = encode_binary_header(&headers).unwrap();
        assert_eq!(header.len(), MAX_HEADER_BLOCK + 2);
        assert_eq!(parse_binary(&header).unwrap().headers, headers);
        let filler = format!("{filler}a");
        let headers = Headers::new().with("Path", "audio").with("X-F", &filler);
        assert_eq!(
            encode_binary_header(&headers),
            Err(FrameError::HeaderTooLong {
                len: MAX_HEADER_BLOCK + 1
            })
        );
    }
}
