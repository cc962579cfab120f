//! Text messages: `Name:value` header lines, a blank line, then the body.

use super::headers::{Headers, parse_block};
use super::{FrameError, MAX_HEADER_BLOCK};

/// A parsed text message, borrowing from the received text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextMessage<'a> {
    /// The headers, in order.
    pub headers: Headers<'a>,
    /// The `Path` header's value (never empty).
    pub path: &'a str,
    /// Everything after the first blank line; may be empty. It is not interpreted (JSON, SSML...).
    pub body: &'a str,
}

impl<'a> TextMessage<'a> {
    /// The `X-RequestId` header, if present.
    pub fn request_id(&self) -> Option<&'a str> {
        self.headers.request_id()
    }
}

/// Parse a text message.
///
/// The headers end at the first `\r\n\r\n`; the body is everything after it (a later
/// `\r\n\r\n` belongs to the body). Header lines are `Name:value` or `Name: value`, US-ASCII,
/// separated by `\r\n`; names compare case-insensitively and may not repeat. A non-empty `Path`
/// is required. The header block may be at most [`MAX_HEADER_BLOCK`] bytes.
///
/// ```
/// let message = azspeech_component::usp::parse_text("X-RequestId:ab\r\nPath:turn.end\r\n\r\n").unwrap();
/// assert_eq!((message.path, message.body), ("turn.end", ""));
/// ```
pub fn parse_text(text: &str) -> Result<TextMessage<'_>, FrameError> {
    let Some(end) = text.find("\r\n\r\n") else {
        // Without a separator the whole text would be the header block.
        return Err(if text.len() > MAX_HEADER_BLOCK {
            FrameError::HeaderTooLong { len: text.len() }
        } else {
            FrameError::MissingSeparator
        });
    };
    if end > MAX_HEADER_BLOCK {
        return Err(FrameError::HeaderTooLong { len: end });
    }
    let block = text.get(..end).ok_or(FrameError::MissingSeparator)?;
    let body = text.get(end.saturating_add(4)..).unwrap_or("");
    let headers = parse_block(block, 0)?;
    let path = headers
        .path()
        .filter(|path| !path.is_empty())
        .ok_or(FrameError::MissingPath)?;
    Ok(TextMessage { headers, path, body })
}

/// Build a text message: each header as `Name:value\r\n`, a blank line, then `body`.
///
/// The headers are checked first ([`Headers::validate`]): no CR/LF injection, no duplicate, a
/// `Path` present, at most [`MAX_HEADER_BLOCK`] bytes.
pub fn encode_text(headers: &Headers<'_>, body: &str) -> Result<String, FrameError> {
    let mut out = Vec::with_capacity(headers.block_len().saturating_add(2).saturating_add(body.len()));
    headers.write_block(&mut out)?;
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body.as_bytes());
    // Headers are validated ASCII and the body is a `str`, so this cannot fail; stay total anyway.
    String::from_utf8(out).map_err(|_| FrameError::InvalidHeaderValue)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_service_message_verbatim() {
        let text = "X-RequestId:d77862d01797496483a37dd8de98e1db\r\nContent-Type:application/json; charset=utf-8\r\nX-Timestamp:2026-11-23T00:23:25.566Z\r\nPath:turn.start\r\n\r\n{\"context\": {\"serviceTag\": \"fake-service-tag-0001\"}}";
        let message = parse_text(text).unwrap();
        assert_eq!(message.path, "turn.start");
        assert_eq!(message.request_id(), Some("d77862d01797496483a37dd8de98e1db"));
        assert_eq!(
            message.headers.get("content-type"),
            Some("application/json; charset=utf-8")
        );
        assert_eq!(
            message.body,
            "{\"context\": {\"serviceTag\": \"fake-service-tag-0001\"}}"
        );
        assert_eq!(message.headers.len(), 4);
    }

    #[test]
    fn body_keeps_later_separators() {
        let message = parse_text("Path:ssml\r\n\r\na\r\n\r\nb").unwrap();
        assert_eq!(message.body, "a\r\n\r\nb");
    }

    #[test]
    fn errors() {
        let long = format!("Path:x\r\nX-Long:{}\r\n\r\n", "a".repeat(MAX_HEADER_BLOCK));
        let cases: Vec<(&str, FrameError)> = vec![
            ("", FrameError::MissingSeparator),
            ("Path:turn.end", FrameError::MissingSeparator),
            ("Path:turn.end\r\n", FrameError::MissingSeparator),
            ("Path:turn.end\n\n{}", FrameError::MissingSeparator),
            ("\r\n\r\n{}", FrameError::MissingPath),
            ("X-RequestId:ab\r\n\r\n{}", FrameError::MissingPath),
            ("Path:\r\n\r\n{}", FrameError::MissingPath),
            ("Path:a\r\nPATH:b\r\n\r\n", FrameError::DuplicateHeader { line: 2 }),
            ("Path:a\r\nbogus\r\n\r\n", FrameError::BadHeaderLine { line: 2 }),
            ("Path:a\nX:b\r\n\r\n", FrameError::BadHeaderLine { line: 1 }),
            ("\r\nPath:a\r\n\r\n", FrameError::BadHeaderLine { line: 1 }),
            ("Path:é\r\n\r\n", FrameError::NonAscii { offset: 5 }),
            (&long, FrameError::HeaderTooLong { len: long.len() - 4 }),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_text(text), Err(expected), "{text:?}");
        }
    }

    #[test]
    fn encodes_python_style_and_round_trips() {
        let headers = Headers::new()
            .with("X-Timestamp", "2026-11-23T00:30:03.534Z")
            .with("Path", "speech.context")
            .with("X-RequestId", "d8bfd5c4bb89478bbaeae93cf2bad660");
        let body = r#"{"phraseDetection":{"language":"en-us"},"audio":{"streams":{"1":null}}}"#;
        let text = encode_text(&headers, body).unwrap();
        assert_eq!(
            text,
            format!(
                "X-Timestamp:2026-11-23T00:30:03.534Z\r\nPath:speech.context\r\nX-RequestId:d8bfd5c4bb89478bbaeae93cf2bad660\r\n\r\n{body}"
            )
        );
        let parsed = parse_text(&text).unwrap();
        assert_eq!(parsed.headers, headers);
        assert_eq!(parsed.body, body);
        assert_eq!(
            encode_text(&Headers::new().with("Path", "turn.end"), "").unwrap(),
            "Path:turn.end\r\n\r\n"
        );
    }

    #[test]
    fn encoding_rejects_injection() {
        let headers = Headers::new().with("Path", "x\r\n\r\nbody");
        assert_eq!(encode_text(&headers, ""), Err(FrameError::InvalidHeaderValue));
    }
}
