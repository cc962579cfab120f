//! SAS URLs are secrets: the `sig` query parameter grants access to storage. [`SasVault`] takes
//! each `sig` value out of a URL or a response body and puts a placeholder (`@sas0@`, `@sas1@`...)
//! in its place, so what reaches the core, a log line or the terminal never carries it; the value
//! goes back in only when a request is written ([`SasVault::reveal`]).

use std::sync::Mutex;

use crate::secret::Secret;

/// Holds the `sig` values taken out of URLs and bodies.
#[derive(Debug, Default)]
pub struct SasVault {
    signatures: Mutex<Vec<Secret>>,
}

/// Where the value of each `sig` parameter in `text` lies: after `?sig=` or `&sig=` (any case),
/// up to the next `&`, `#`, quote, `<` or whitespace.
fn signature_ranges(text: &str) -> Vec<(usize, usize)> {
    let lower = text.to_ascii_lowercase();
    let bytes = text.as_bytes();
    let mut ranges = Vec::new();
    let mut from = 0;
    while let Some(found) = lower.get(from..).and_then(|rest| rest.find("sig=")) {
        let at = from + found;
        let start = at + 4;
        let preceded = at > 0 && matches!(bytes[at - 1], b'?' | b'&');
        let mut end = start;
        while end < bytes.len()
            && !matches!(bytes[end], b'&' | b'#' | b'"' | b'\'' | b'<' | b'>' | b'\\')
            && !bytes[end].is_ascii_whitespace()
        {
            end += 1;
        }
        if preceded && end > start {
            ranges.push((start, end));
        }
        from = end.max(start);
    }
    ranges
}

impl SasVault {
    /// A vault with nothing in it.
    pub fn new() -> Self {
        Self::default()
    }

    /// `text` with every `sig` value replaced by its placeholder (the same value always gets
    /// the same one).
    pub fn redact(&self, text: &str) -> String {
        let mut signatures = self.signatures.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for (start, end) in signature_ranges(text) {
            let value = &text[start..end];
            out.push_str(&text[last..start]);
            if is_placeholder(value) {
                out.push_str(value);
            } else {
                let index = match signatures.iter().position(|s| s.expose() == value) {
                    Some(index) => index,
                    None => {
                        signatures.push(Secret::new(value));
                        signatures.len() - 1
                    }
                };
                out.push_str(&format!("@sas{index}@"));
            }
            last = end;
        }
        out.push_str(&text[last..]);
        out
    }

    /// `text` with the placeholders replaced by the values again, for the request itself.
    pub fn reveal(&self, text: &str) -> Secret {
        let signatures = self.signatures.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(at) = rest.find("@sas") {
            out.push_str(&rest[..at]);
            let tail = &rest[at + 4..];
            let digits = tail.bytes().take_while(u8::is_ascii_digit).count();
            let index = tail[..digits].parse::<usize>().ok();
            match (index.and_then(|i| signatures.get(i)), tail.as_bytes().get(digits)) {
                (Some(secret), Some(b'@')) => {
                    out.push_str(secret.expose());
                    rest = &tail[digits + 1..];
                }
                _ => {
                    out.push_str("@sas");
                    rest = tail;
                }
            }
        }
        out.push_str(rest);
        Secret::new(out)
    }
}

fn is_placeholder(value: &str) -> bool {
    value
        .strip_prefix("@sas")
        .and_then(|rest| rest.strip_suffix('@'))
        .is_some_and(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
}

/// `text` with every `sig` value (or placeholder) shown as `<redacted>`: for messages and logs.
pub fn redacted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (start, end) in signature_ranges(text) {
        out.push_str(&text[last..start]);
        out.push_str("<redacted>");
        last = end;
    }
    out.push_str(&text[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_taken_out_and_put_back() {
        let vault = SasVault::new();
        let url = "https://acct.blob.core.windows.net/c?sv=2022-11-02&sp=rl&sig=SECRET%2Fsig%3D&se=2030";
        let redacted_url = vault.redact(url);
        assert_eq!(
            redacted_url,
            "https://acct.blob.core.windows.net/c?sv=2022-11-02&sp=rl&sig=@sas0@&se=2030"
        );
        let body = format!(r#"{{"a":"{url}","b":"https://x/y?SIG=other","c":"https://x/z?sig=SECRET%2Fsig%3D"}}"#);
        let redacted_body = vault.redact(&body);
        assert!(
            !redacted_body.contains("SECRET") && !redacted_body.contains("other"),
            "{redacted_body}"
        );
        assert!(redacted_body.contains("sig=@sas0@") && redacted_body.contains("SIG=@sas1@"));
        assert_eq!(vault.reveal(&redacted_body).expose(), body);
        assert_eq!(
            vault.reveal("no placeholder @sas9@ @sasx").expose(),
            "no placeholder @sas9@ @sasx"
        );
        // Not a parameter: left alone.
        assert_eq!(vault.redact("design=1&signature=2"), "design=1&signature=2");
    }

    #[test]
    fn redacted_text_hides_values_and_placeholders() {
        assert_eq!(
            redacted("https://a/c?sp=rl&sig=SECRET and https://a/d?sig=@sas3@"),
            "https://a/c?sp=rl&sig=<redacted> and https://a/d?sig=<redacted>"
        );
    }
}
