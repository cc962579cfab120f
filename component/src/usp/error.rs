//! [`FrameError`]: why a message could not be parsed or built.

use core::fmt;

/// Why a Speech WebSocket message could not be parsed or built.
///
/// Offsets and line numbers point into the message as received, so a log line can say exactly
/// where the problem is. Every case is a protocol violation by whoever built the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FrameError {
    /// A text message has no blank line (`\r\n\r\n`) between its headers and its body.
    MissingSeparator,
    /// The header block is longer than [`MAX_HEADER_BLOCK`](super::MAX_HEADER_BLOCK) bytes.
    HeaderTooLong {
        /// Length of the header block, in bytes.
        len: usize,
    },
    /// A binary message is shorter than its 2-byte length prefix, or than the header block that
    /// prefix announces.
    TruncatedHeader {
        /// Header-block length the prefix announces (0 if there is no complete prefix).
        declared: usize,
        /// Bytes actually present after the prefix.
        available: usize,
    },
    /// A header line of a binary message is not ended by `\r\n`.
    UnterminatedHeader {
        /// 1-based number of the unterminated line.
        line: usize,
    },
    /// A header line is empty, has no `:`, has an empty or invalid name, or contains a control
    /// character (a lone CR or LF included).
    BadHeaderLine {
        /// 1-based line number within the header block.
        line: usize,
    },
    /// The header block contains a byte outside US-ASCII.
    NonAscii {
        /// Offset of the first such byte in the message.
        offset: usize,
    },
    /// The same header name (compared case-insensitively) occurs twice, which would make the
    /// message ambiguous.
    DuplicateHeader {
        /// 1-based line number of the second occurrence.
        line: usize,
    },
    /// The message has no `Path` header, or an empty one.
    MissingPath,
    /// A header to encode has an empty name, or a name with a character outside the visible
    /// ASCII range or a `:`.
    InvalidHeaderName,
    /// A header value to encode contains CR, LF, another control character or non-ASCII text
    /// (header injection), or starts or ends with whitespace (which a parser would trim).
    InvalidHeaderValue,
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::MissingSeparator => f.write_str("text message has no blank line (CRLF CRLF) after its headers"),
            Self::HeaderTooLong { len } => write!(
                f,
                "header block is {len} bytes, more than the {} allowed",
                super::MAX_HEADER_BLOCK
            ),
            Self::TruncatedHeader { declared, available } => write!(
                f,
                "binary message truncated: header block of {declared} bytes announced, {available} present"
            ),
            Self::UnterminatedHeader { line } => write!(f, "header line {line} is not ended by CRLF"),
            Self::BadHeaderLine { line } => write!(
                f,
                "header line {line} is not `Name:value` (empty, no colon, bad name or control character)"
            ),
            Self::NonAscii { offset } => write!(f, "non-ASCII byte in the header block at offset {offset}"),
            Self::DuplicateHeader { line } => write!(f, "header line {line} repeats an earlier header name"),
            Self::MissingPath => f.write_str("message has no Path header"),
            Self::InvalidHeaderName => f.write_str("header name is empty or not a visible-ASCII token without ':'"),
            Self::InvalidHeaderValue => f.write_str(
                "header value contains CR, LF, a control character or non-ASCII text, or has surrounding whitespace",
            ),
        }
    }
}

impl std::error::Error for FrameError {}
