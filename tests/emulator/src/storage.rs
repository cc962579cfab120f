//! The emulator's own "blob storage" for batch transcription results: SAS-like URLs it signs,
//! served without any Speech credential (bulk.md §2.4: `links.contentUrl` points at storage,
//! valid 12 h by default, `sasLifetimeMinutes` changes it).
//!
//! `GET /storage/transcriptions/{job}/{file}?sv=2024-11-04&sr=b&sp=r&se={expiry}&sig={signature}`:
//! the signature is an HMAC-SHA256 (under a secret drawn per emulator) of the path and expiry.
//! Answers are Azure Storage's: 200 with the JSON; 403 `AuthenticationFailed` (XML body,
//! `x-ms-error-code`) for a missing, edited or expired signature — and for a request that carries
//! a Speech credential (`Ocp-Apim-Subscription-Key` or `Authorization`): a client must never send
//! its Speech key or token to storage, and the emulator makes that mistake visible. 404
//! `BlobNotFound` once the transcription is deleted.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::{HeaderMap, HeaderValue, Response};
use ring::hmac;

use crate::auth::query_value;
use crate::datetime::{iso_utc, parse_iso_utc};
use crate::server::{Body, respond};
use crate::tokens::random_hex;

/// The path prefix of result files.
pub(crate) const PREFIX: &str = "/storage/transcriptions/";

/// Signs and checks result URLs.
pub(crate) struct Signer {
    key: hmac::Key,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer")
    }
}

impl Signer {
    pub(crate) fn new() -> Self {
        Signer {
            key: hmac::Key::new(hmac::HMAC_SHA256, random_hex(32).as_bytes()),
        }
    }

    fn signature(&self, path: &str, expiry: &str) -> String {
        URL_SAFE_NO_PAD.encode(hmac::sign(&self.key, format!("{path}\n{expiry}").as_bytes()))
    }

    /// A URL for `file` of `job` under `base` (`http://127.0.0.1:port`), valid until `expires_ms`.
    pub(crate) fn url(&self, base: &str, job: &str, file: &str, expires_ms: u64) -> String {
        let path = format!("{PREFIX}{job}/{file}");
        let expiry = iso_utc(expires_ms);
        let sig = self.signature(&path, &expiry);
        format!("{base}{path}?sv=2024-11-04&sr=b&sp=r&se={expiry}&sig={sig}")
    }

    /// Check a request's signature and expiry at `now_ms`.
    pub(crate) fn verify(&self, path: &str, query: &[(String, String)], now_ms: u64) -> Result<(), String> {
        let (Some(expiry), Some(sig)) = (query_value(query, "se"), query_value(query, "sig")) else {
            return Err("no SAS signature (se, sig)".to_owned());
        };
        let tag = URL_SAFE_NO_PAD
            .decode(sig)
            .map_err(|_| "the SAS signature is malformed".to_owned())?;
        if hmac::verify(&self.key, format!("{path}\n{expiry}").as_bytes(), &tag).is_err() {
            return Err("the SAS signature does not match".to_owned());
        }
        match parse_iso_utc(expiry) {
            Some(until) if until > now_ms => Ok(()),
            Some(_) => Err("the SAS has expired".to_owned()),
            None => Err("the SAS expiry is malformed".to_owned()),
        }
    }
}

/// `(job, file)` of a result path.
pub(crate) fn parse_path(path: &str) -> Option<(&str, &str)> {
    let rest = path.strip_prefix(PREFIX)?;
    let (job, file) = rest.split_once('/')?;
    (!job.is_empty() && !file.is_empty() && !file.contains('/')).then_some((job, file))
}

/// An Azure Storage error (XML body and `x-ms-error-code`).
pub(crate) fn storage_error(status: u16, code: &'static str, message: &str) -> Response<Body> {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>{code}</Code><Message>{message}\nRequestId:{}</Message></Error>",
        random_hex(16)
    );
    let mut response = respond(status, Some("application/xml"), body);
    response
        .headers_mut()
        .insert("x-ms-error-code", HeaderValue::from_static(code));
    response
}

/// The Speech credential a storage request wrongly carries, if any (its header name).
pub(crate) fn speech_credential(headers: &HeaderMap) -> Option<&'static str> {
    if headers.contains_key("ocp-apim-subscription-key") {
        Some("Ocp-Apim-Subscription-Key")
    } else if headers.contains_key(http::header::AUTHORIZATION) {
        Some("Authorization")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::parse_query;

    #[test]
    fn signed_urls_verify_until_they_expire() {
        let signer = Signer::new();
        let url = signer.url("http://127.0.0.1:1", "job", "contenturl_0.json", 10_000_000);
        let (path_query, _) = (url.trim_start_matches("http://127.0.0.1:1"), ());
        let (path, query) = path_query.split_once('?').expect("query");
        let q = parse_query(Some(query));
        assert_eq!(parse_path(path), Some(("job", "contenturl_0.json")));
        assert!(signer.verify(path, &q, 9_000_000).is_ok());
        assert!(signer.verify(path, &q, 10_000_000).is_err(), "expired");
        assert!(
            signer.verify("/storage/transcriptions/job/report.json", &q, 0).is_err(),
            "other file"
        );
        assert!(Signer::new().verify(path, &q, 0).is_err(), "other emulator");
    }
}
