//! Batch transcription's storage client: it downloads `contentUrls`, lists a
//! `contentContainerUrl` and uploads results to a `destinationContainerUrl` — on loopback only.
//!
//! A URL whose host is not a loopback name (`127.0.0.0/8`, `localhost`, `[::1]`) is refused
//! before any connection: the emulator never sends traffic off the machine. `http` and `https`
//! are accepted; `https` trusts the emulator's own CA (so a test server that wants TLS uses a
//! certificate of that CA, or plain HTTP).

use std::sync::Arc;
use std::time::Duration;

use http::{Method, Request};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::net::TcpStream;

/// A parsed loopback URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LoopbackUrl {
    pub(crate) https: bool,
    /// `host:port` as written (for the `Host` header).
    pub(crate) authority: String,
    host: String,
    port: u16,
    /// The path (at least `/`), without the query.
    pub(crate) path: String,
    /// The query without `?` (may be empty).
    pub(crate) query: String,
}

impl LoopbackUrl {
    /// The URL with `name` appended to the path (a blob in a container), query kept.
    pub(crate) fn blob(&self, name: &str) -> LoopbackUrl {
        let mut path = self.path.trim_end_matches('/').to_owned();
        path.push('/');
        path.push_str(name);
        LoopbackUrl { path, ..self.clone() }
    }

    /// The URL with an extra query parameter.
    pub(crate) fn with_query(&self, extra: &str) -> LoopbackUrl {
        let query = if self.query.is_empty() {
            extra.to_owned()
        } else {
            format!("{}&{extra}", self.query)
        };
        LoopbackUrl { query, ..self.clone() }
    }

    fn target(&self) -> String {
        if self.query.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{}", self.path, self.query)
        }
    }

    /// The URL without its query (no SAS): what the result names as its source when printed.
    pub(crate) fn without_query(&self) -> String {
        format!(
            "{}://{}{}",
            if self.https { "https" } else { "http" },
            self.authority,
            self.path
        )
    }
}

fn is_loopback(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") || host == "::1" {
        return true;
    }
    host.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
}

/// Parse `url`, refusing anything but a loopback `http(s)` URL (the message names the rule).
pub(crate) fn parse(url: &str) -> Result<LoopbackUrl, String> {
    let (https, rest) = if let Some(rest) = url.strip_prefix("https://") {
        (true, rest)
    } else if let Some(rest) = url.strip_prefix("http://") {
        (false, rest)
    } else {
        return Err(format!("'{}' is not an http or https URL", redact(url)));
    };
    let (authority, path_query) = match rest.find(['/', '?']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (h, tail) = v6
            .split_once(']')
            .ok_or_else(|| format!("'{}' has a malformed host", redact(url)))?;
        (h.to_owned(), tail.strip_prefix(':').map(str::to_owned))
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_owned(), Some(p.to_owned())),
            None => (authority.to_owned(), None),
        }
    };
    if !is_loopback(&host) {
        return Err(format!(
            "the emulator fetches and writes storage on loopback only (127.0.0.1, localhost, [::1]); '{host}' was not contacted"
        ));
    }
    let port = match port {
        Some(p) => p
            .parse::<u16>()
            .map_err(|_| format!("'{}' has a malformed port", redact(url)))?,
        None if https => 443,
        None => 80,
    };
    let (path, query) = match path_query.split_once('?') {
        Some((p, q)) => (p, q),
        None => (path_query, ""),
    };
    let path = if path.is_empty() { "/" } else { path };
    Ok(LoopbackUrl {
        https,
        authority: authority.to_owned(),
        host,
        port,
        path: path.to_owned(),
        query: query.to_owned(),
    })
}

/// `url` without its query string (which may hold a SAS signature), for messages and logs.
pub(crate) fn redact(url: &str) -> String {
    match url.split_once('?') {
        Some((base, _)) => format!("{base}?…"),
        None => url.to_owned(),
    }
}

/// Why a request to storage failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FetchError {
    /// No connection (refused, reset, TLS failure).
    Unreachable(String),
    /// An HTTP status other than success.
    Status(u16),
    /// No answer in time.
    Timeout,
    /// More bytes than allowed.
    TooLarge,
}

/// The storage client, trusting the emulator's CA for `https`.
#[derive(Clone)]
pub(crate) struct StorageClient {
    tls: Option<Arc<rustls::ClientConfig>>,
    timeout: Duration,
}

impl StorageClient {
    pub(crate) fn new(ca_der: Option<&[u8]>, timeout: Duration) -> Self {
        let tls = ca_der.and_then(|der| {
            let mut roots = rustls::RootCertStore::empty();
            roots.add(CertificateDer::from(der.to_vec())).ok()?;
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let config = rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .ok()?
                .with_root_certificates(roots)
                .with_no_client_auth();
            Some(Arc::new(config))
        });
        StorageClient { tls, timeout }
    }

    /// One request; the status and (up to `max_bytes`) body.
    pub(crate) async fn request(
        &self,
        method: Method,
        url: &LoopbackUrl,
        headers: &[(&str, String)],
        body: Bytes,
        max_bytes: usize,
    ) -> Result<(u16, Bytes), FetchError> {
        match tokio::time::timeout(self.timeout, self.exchange(method, url, headers, body, max_bytes)).await {
            Ok(result) => result,
            Err(_) => Err(FetchError::Timeout),
        }
    }

    async fn exchange(
        &self,
        method: Method,
        url: &LoopbackUrl,
        headers: &[(&str, String)],
        body: Bytes,
        max_bytes: usize,
    ) -> Result<(u16, Bytes), FetchError> {
        let unreachable = |e: String| FetchError::Unreachable(e);
        let tcp = TcpStream::connect((url.host.as_str(), url.port))
            .await
            .map_err(|e| unreachable(e.to_string()))?;
        let mut request = Request::builder()
            .method(method)
            .uri(url.target())
            .header(http::header::HOST, &url.authority);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let request = request.body(Full::new(body)).map_err(|e| unreachable(e.to_string()))?;
        macro_rules! send {
            ($io:expr) => {{
                let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new($io))
                    .await
                    .map_err(|e| unreachable(e.to_string()))?;
                tokio::spawn(connection);
                let response = sender
                    .send_request(request)
                    .await
                    .map_err(|e| unreachable(e.to_string()))?;
                let status = response.status().as_u16();
                let body = match Limited::new(response.into_body(), max_bytes).collect().await {
                    Ok(c) => c.to_bytes(),
                    Err(e) if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() => {
                        return Err(FetchError::TooLarge);
                    }
                    Err(e) => return Err(unreachable(e.to_string())),
                };
                (status, body)
            }};
        }
        let (status, body) = if url.https {
            let Some(tls) = &self.tls else {
                return Err(unreachable(
                    "https storage URLs need the emulator's TLS (its CA is the one trusted)".to_owned(),
                ));
            };
            let name = ServerName::try_from(url.host.clone()).map_err(|e| unreachable(e.to_string()))?;
            let stream = tokio_rustls::TlsConnector::from(tls.clone())
                .connect(name, tcp)
                .await
                .map_err(|e| unreachable(format!("TLS: {e}")))?;
            send!(stream)
        } else {
            send!(tcp)
        };
        if (200..300).contains(&status) {
            Ok((status, body))
        } else {
            Err(FetchError::Status(status))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_urls_parse() {
        let u = parse("http://127.0.0.1:8080/audio/a.wav?sv=1&sig=abc").expect("loopback");
        assert_eq!(
            (u.https, u.port, u.path.as_str(), u.query.as_str()),
            (false, 8080, "/audio/a.wav", "sv=1&sig=abc")
        );
        assert_eq!(u.without_query(), "http://127.0.0.1:8080/audio/a.wav");
        assert_eq!(u.blob("x.json").path, "/audio/a.wav/x.json");
        assert!(parse("https://localhost/c").is_ok_and(|u| u.port == 443));
        assert!(parse("http://[::1]:9/").is_ok());
        for bad in [
            "https://acct.blob.core.windows.net/c/a.wav?sig=secret",
            "http://10.0.0.1/a.wav",
            "ftp://127.0.0.1/a.wav",
        ] {
            let e = parse(bad).err().unwrap_or_default();
            assert!(!e.is_empty() && !e.contains("secret"), "{bad}: {e}");
        }
    }
}
