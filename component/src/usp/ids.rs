//! Request and connection identifiers: 32 hexadecimal digits, no dashes (a UUID without its
//! dashes). The Python SDK writes them lowercase, the JavaScript SDK uppercase.

/// Whether `id` is 32 ASCII hexadecimal digits (either case) and nothing else.
///
/// ```
/// use azspeech_component::usp::is_request_id;
/// assert!(is_request_id("d8bfd5c4bb89478bbaeae93cf2bad660"));
/// assert!(is_request_id("FCFE5B07B2D34295AECBADC4AA6A6BEA"));
/// assert!(!is_request_id("d8bfd5c4-bb89-478b-baea-e93cf2bad660"));
/// ```
pub fn is_request_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The lowercase form of a valid request id (as the Python SDK sends it), or `None` if `id` is
/// not one ([`is_request_id`]).
pub fn normalize_request_id(id: &str) -> Option<String> {
    is_request_id(id).then(|| id.to_ascii_lowercase())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn request_ids() {
        for good in ["00000000000000000000000000000000", "abcdefABCDEF0123456789abcdefABCD"] {
            assert!(is_request_id(good), "{good}");
        }
        for bad in [
            "",
            "0",
            "0000000000000000000000000000000",
            "000000000000000000000000000000000",
            "0000000000000000000000000000000g",
            "0000000000000000000000000000000 ",
            " 0000000000000000000000000000000",
            "{0000000000000000000000000000000}",
            "000000000000000000000000000000é",
            "０0000000000000000000000000000000",
        ] {
            assert!(!is_request_id(bad), "{bad:?}");
        }
        assert_eq!(
            normalize_request_id("FCFE5B07B2D34295AECBADC4AA6A6BEA").as_deref(),
            Some("fcfe5b07b2d34295aecbadc4aa6a6bea")
        );
        assert_eq!(normalize_request_id("nope"), None);
    }
}
