//! [`Headers`]: the ordered header list of a message, its parser and its validation.

use super::FrameError;
use super::MAX_HEADER_BLOCK;

/// The headers of one message, in order, borrowing their names and values.
///
/// Names compare case-insensitively ([`get`](Self::get)); the spelling is kept as written.
/// A parsed list never holds the same name twice, and [`validate`](Self::validate) rejects a list
/// to encode that does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers<'a> {
    entries: Vec<(&'a str, &'a str)>,
}

impl<'a> Headers<'a> {
    /// An empty list.
    pub fn new() -> Self {
        Self { entries: Vec::new() }
    }

    /// Append `name: value`. Nothing is checked here; the encoders call [`validate`](Self::validate).
    pub fn push(&mut self, name: &'a str, value: &'a str) {
        self.entries.push((name, value));
    }

    /// `self` with `name: value` appended (builder style).
    #[must_use]
    pub fn with(mut self, name: &'a str, value: &'a str) -> Self {
        self.push(name, value);
        self
    }

    /// The value of the first header called `name`, compared ASCII case-insensitively.
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.entries
            .iter()
            .find(|(candidate, _)| candidate.eq_ignore_ascii_case(name))
            .map(|(_, value)| *value)
    }

    /// The `Path` header.
    pub fn path(&self) -> Option<&'a str> {
        self.get(super::header::PATH)
    }

    /// The `X-RequestId` header.
    pub fn request_id(&self) -> Option<&'a str> {
        self.get(super::header::REQUEST_ID)
    }

    /// The headers in order, as `(name, value)`.
    pub fn iter(&self) -> impl Iterator<Item = (&'a str, &'a str)> + '_ {
        self.entries.iter().copied()
    }

    /// Number of headers.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there is no header.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Check that the list can be encoded without ambiguity or injection: every name is a
    /// visible-ASCII token without `:`, every value is printable ASCII (tab allowed) without
    /// surrounding whitespace, no name occurs twice, and a non-empty `Path` is present.
    pub fn validate(&self) -> Result<(), FrameError> {
        for (index, (name, value)) in self.entries.iter().enumerate() {
            if !is_token(name) {
                return Err(FrameError::InvalidHeaderName);
            }
            if !is_clean_value(value) {
                return Err(FrameError::InvalidHeaderValue);
            }
            if self
                .entries
                .iter()
                .take(index)
                .any(|(earlier, _)| earlier.eq_ignore_ascii_case(name))
            {
                return Err(FrameError::DuplicateHeader {
                    line: index.saturating_add(1),
                });
            }
        }
        match self.path() {
            Some(path) if !path.is_empty() => Ok(()),
            _ => Err(FrameError::MissingPath),
        }
    }

    /// Length of the encoded header block (`Name:value\r\n` per header), saturating.
    pub(crate) fn block_len(&self) -> usize {
        self.entries.iter().fold(0usize, |total, (name, value)| {
            total
                .saturating_add(name.len())
                .saturating_add(value.len())
                .saturating_add(3)
        })
    }

    /// Validate, check the block length and write the block into `out`.
    pub(crate) fn write_block(&self, out: &mut Vec<u8>) -> Result<(), FrameError> {
        self.validate()?;
        let len = self.block_len();
        if len > MAX_HEADER_BLOCK {
            return Err(FrameError::HeaderTooLong { len });
        }
        out.reserve(len);
        for (name, value) in &self.entries {
            out.extend_from_slice(name.as_bytes());
            out.push(b':');
            out.extend_from_slice(value.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        Ok(())
    }
}

/// A header name: non-empty, visible ASCII (`!`..=`~`), no `:`.
fn is_token(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic() && b != b':')
}

/// A header value: printable ASCII or tab, not starting or ending with space or tab.
fn is_clean_value(value: &str) -> bool {
    value.bytes().all(|b| b == b'\t' || (b' '..=b'~').contains(&b))
        && !value.starts_with([' ', '\t'])
        && !value.ends_with([' ', '\t'])
}

/// Parse a header block whose lines are separated by `\r\n` (the final line has no terminator;
/// the caller strips it). `base` is the block's offset in the message, for error offsets.
///
/// An empty block yields an empty list.
pub(crate) fn parse_block(block: &str, base: usize) -> Result<Headers<'_>, FrameError> {
    if let Some(position) = block.bytes().position(|b| !b.is_ascii()) {
        return Err(FrameError::NonAscii {
            offset: base.saturating_add(position),
        });
    }
    let mut headers = Headers::new();
    if block.is_empty() {
        return Ok(headers);
    }
    for (index, line) in block.split("\r\n").enumerate() {
        let number = index.saturating_add(1);
        let (name, value) = parse_line(line).ok_or(FrameError::BadHeaderLine { line: number })?;
        if headers.get(name).is_some() {
            return Err(FrameError::DuplicateHeader { line: number });
        }
        headers.push(name, value);
    }
    Ok(headers)
}

/// One `Name:value` or `Name: value` line (ASCII already checked). Surrounding spaces and tabs
/// are trimmed from both parts.
fn parse_line(line: &str) -> Option<(&str, &str)> {
    if line.bytes().any(|b| (b < b' ' && b != b'\t') || b == 0x7f) {
        return None;
    }
    let (name, value) = line.split_once(':')?;
    let name = name.trim_matches([' ', '\t']);
    let value = value.trim_matches([' ', '\t']);
    is_token(name).then_some((name, value))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn get_is_case_insensitive_and_keeps_order() {
        let headers = Headers::new().with("Path", "audio").with("X-RequestId", "ab");
        assert_eq!(headers.get("path"), Some("audio"));
        assert_eq!(headers.get("X-REQUESTID"), Some("ab"));
        assert_eq!(headers.get("X-Missing"), None);
        assert_eq!(
            headers.iter().collect::<Vec<_>>(),
            vec![("Path", "audio"), ("X-RequestId", "ab")]
        );
        assert_eq!(headers.len(), 2);
        assert!(!headers.is_empty());
    }

    #[test]
    fn lines_accept_both_separators_and_trim() {
        assert_eq!(parse_line("Path:audio"), Some(("Path", "audio")));
        assert_eq!(parse_line("Path: audio"), Some(("Path", "audio")));
        assert_eq!(parse_line("Path :\taudio "), Some(("Path", "audio")));
        assert_eq!(parse_line("Content-Type:a; b=c"), Some(("Content-Type", "a; b=c")));
        assert_eq!(parse_line("X-Empty:"), Some(("X-Empty", "")));
        assert_eq!(parse_line("X-Time:12:30"), Some(("X-Time", "12:30")));
        for bad in [
            "",
            ":",
            ":v",
            "NoColon",
            "Bad Name:v",
            "a\rb:c",
            "a:b\nc",
            "a:\0",
            "a:\x7f",
        ] {
            assert_eq!(parse_line(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn validation_rejects_injection_and_duplicates() {
        let ok = Headers::new().with("Path", "audio");
        assert_eq!(ok.validate(), Ok(()));
        let cases: Vec<(Headers<'_>, FrameError)> = vec![
            (Headers::new(), FrameError::MissingPath),
            (Headers::new().with("Path", ""), FrameError::MissingPath),
            (
                Headers::new().with("Path", "a\r\nX-Evil:1"),
                FrameError::InvalidHeaderValue,
            ),
            (Headers::new().with("Path", "a\nb"), FrameError::InvalidHeaderValue),
            (Headers::new().with("Path", " a"), FrameError::InvalidHeaderValue),
            (Headers::new().with("Path", "é"), FrameError::InvalidHeaderValue),
            (Headers::new().with("", "a"), FrameError::InvalidHeaderName),
            (Headers::new().with("Pa th", "a"), FrameError::InvalidHeaderName),
            (Headers::new().with("Path:", "a"), FrameError::InvalidHeaderName),
            (
                Headers::new().with("Path", "a").with("path", "b"),
                FrameError::DuplicateHeader { line: 2 },
            ),
        ];
        for (headers, expected) in cases {
            assert_eq!(headers.validate(), Err(expected), "{headers:?}");
        }
    }
}
