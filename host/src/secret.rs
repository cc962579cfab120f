//! A string that must never be printed: keys, tokens, client secrets.

use std::fmt;

/// A secret value. `Debug` and `Display` print a redaction, never the value; only
/// [`Secret::expose`] gives it out, at the I/O boundary where a header is written.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wrap a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value, for writing it into a request header. Never log or format it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Number of characters.
    pub fn len(&self) -> usize {
        self.0.chars().count()
    }

    /// Whether the value is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The first four characters and the length: enough to tell two keys apart, not to use one.
    pub fn masked(&self) -> String {
        let head: String = self.0.chars().take(4).collect();
        format!("{head}… ({} chars)", self.len())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret(<redacted, {} chars>)", self.len())
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<redacted>")
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        // Overwrite the bytes before the allocation is freed (copies made by HTTP stacks while
        // writing headers are out of our reach).
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::Secret;

    #[test]
    fn formatting_never_shows_the_value() {
        let secret = Secret::new("sentinel-value-1234");
        assert!(!format!("{secret:?}").contains("sentinel"));
        assert!(!format!("{secret}").contains("sentinel"));
        assert_eq!(secret.masked(), "sent… (19 chars)");
        assert_eq!(secret.expose(), "sentinel-value-1234");
    }
}
