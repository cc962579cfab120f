//! Storage URLs inside the core. A SAS `sig` is a secret, so the host replaces each value with a
//! placeholder `@sas<N>@` before a URL or a response body enters the core; the core checks that
//! every storage URL it handles follows that rule and refuses the others.

/// Whether `value` is a placeholder the host made: `@sas` + digits + `@`.
pub fn is_placeholder(value: &str) -> bool {
    value
        .strip_prefix("@sas")
        .and_then(|rest| rest.strip_suffix('@'))
        .is_some_and(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
}

/// Why a storage URL was refused (the message never repeats the URL: it may hold a secret).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageUrlError {
    /// Not `https://` (or `http://` to loopback).
    Scheme,
    /// A `sig` value that is not a placeholder: the secret reached the core.
    UnredactedSignature,
    /// Whitespace, control characters or quotes.
    Characters,
}

impl StorageUrlError {
    /// What is wrong, completing "the storage URL ...".
    pub fn describe(self) -> &'static str {
        match self {
            Self::Scheme => "must start with https:// (http:// only to 127.0.0.1, localhost or ::1)",
            Self::UnredactedSignature => {
                "carries a SAS signature the host did not redact (a bug in the host program: the sig must never reach the core)"
            }
            Self::Characters => "contains whitespace, control characters or quotes",
        }
    }
}

/// Check a storage URL (content, container or destination URL).
pub fn check(url: &str) -> Result<(), StorageUrlError> {
    if url
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '\\')
    {
        return Err(StorageUrlError::Characters);
    }
    let lower = url.to_ascii_lowercase();
    let loopback_http = ["http://127.0.0.1", "http://localhost", "http://[::1]"]
        .iter()
        .any(|prefix| {
            lower
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with([':', '/', '?']))
        });
    if !lower.starts_with("https://") && !loopback_http {
        return Err(StorageUrlError::Scheme);
    }
    if let Some((_, query)) = url.split_once('?') {
        for pair in query.split('&') {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            if name.eq_ignore_ascii_case("sig") && !is_placeholder(value) {
                return Err(StorageUrlError::UnredactedSignature);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_urls() {
        let cases: &[(&str, Result<(), StorageUrlError>)] = &[
            ("https://acct.blob.core.windows.net/c/a.wav", Ok(())),
            ("https://acct.blob.core.windows.net/c?sv=2022&sp=rl&sig=@sas0@", Ok(())),
            ("https://acct.blob.core.windows.net/c?sv=2022&sig=@sas12@&se=x", Ok(())),
            ("http://127.0.0.1:9000/a.wav", Ok(())),
            ("http://localhost/a.wav", Ok(())),
            ("http://[::1]:80/a.wav", Ok(())),
            ("http://localhost.evil.com/a.wav", Err(StorageUrlError::Scheme)),
            ("http://example.com/a.wav", Err(StorageUrlError::Scheme)),
            ("ftp://example.com/a.wav", Err(StorageUrlError::Scheme)),
            ("https://a/c?sig=abc%2Fdef", Err(StorageUrlError::UnredactedSignature)),
            ("https://a/c?SIG=abc", Err(StorageUrlError::UnredactedSignature)),
            ("https://a/c?sig=@sas@", Err(StorageUrlError::UnredactedSignature)),
            ("https://a/c?sig=", Err(StorageUrlError::UnredactedSignature)),
            ("https://a/c d", Err(StorageUrlError::Characters)),
            ("https://a/c\"", Err(StorageUrlError::Characters)),
        ];
        for (url, expected) in cases {
            assert_eq!(check(url), *expected, "{url}");
        }
    }
}
