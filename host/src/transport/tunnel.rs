//! An HTTP `CONNECT` tunnel through a proxy: the TCP stream it returns leads to the target, and
//! TLS and the WebSocket handshake run inside it, end to end with the service.
//!
//! The proxy's credentials go only into the `Proxy-Authorization` header of the `CONNECT`;
//! nothing here logs the request.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::proxy_settings::ProxyCredentials;
use crate::core_runtime::{NetworkFailure, ProxyRefusal, ProxyServer};

/// The longest proxy answer head azspeech reads.
const MAX_RESPONSE_HEAD: usize = 16 * 1024;
/// How long the proxy may take to answer the `CONNECT`.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);

/// Why a tunnel could not be opened.
#[derive(Debug)]
pub enum TunnelError {
    /// The proxy itself could not be reached, or broke off.
    Network(NetworkFailure),
    /// The proxy answered with a status other than 2xx.
    Refused(ProxyRefusal),
}

/// Open a tunnel to `target_host:target_port` through `proxy`.
pub async fn open(
    proxy: &ProxyServer,
    credentials: Option<&ProxyCredentials>,
    target_host: &str,
    target_port: u16,
) -> Result<TcpStream, TunnelError> {
    let on_proxy = |failure: NetworkFailure| {
        TunnelError::Network(NetworkFailure {
            kind: failure.kind,
            message: format!("the proxy {} (from {}): {}", proxy.url, proxy.source, failure.message),
        })
    };
    let mut stream = TcpStream::connect((proxy.host.as_str(), proxy.port))
        .await
        .map_err(|error| on_proxy(super::websocket::io_failure(&error)))?;
    let _ = stream.set_nodelay(true);
    let authority = if target_host.contains(':') {
        format!("[{target_host}]:{target_port}")
    } else {
        format!("{target_host}:{target_port}")
    };
    let mut request = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
    if let Some(credentials) = credentials {
        request.push_str("Proxy-Authorization: ");
        request.push_str(credentials.basic_header().expose());
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    let written = stream.write_all(request.as_bytes()).await;
    zeroize::Zeroize::zeroize(&mut request);
    written.map_err(|error| on_proxy(super::websocket::io_failure(&error)))?;

    let head = tokio::time::timeout(ANSWER_TIMEOUT, read_head(&mut stream))
        .await
        .map_err(|_| {
            on_proxy(NetworkFailure {
                kind: crate::core_runtime::NetworkErrorKind::Timeout,
                message: format!("no answer to CONNECT within {} s", ANSWER_TIMEOUT.as_secs()),
            })
        })?
        .map_err(on_proxy)?;
    let status = parse_status(&head).ok_or_else(|| {
        on_proxy(NetworkFailure {
            kind: crate::core_runtime::NetworkErrorKind::Other,
            message: "the answer to CONNECT is not HTTP: is this an HTTP proxy?".to_owned(),
        })
    })?;
    if (200..300).contains(&status) {
        Ok(stream)
    } else {
        Err(TunnelError::Refused(ProxyRefusal {
            proxy: proxy.url.clone(),
            source: proxy.source.clone(),
            target: authority,
            status,
            sent_credentials: credentials.is_some(),
        }))
    }
}

/// Read up to the end of the answer's head (`\r\n\r\n`), and not a byte further: what follows
/// belongs to the tunnel.
async fn read_head(stream: &mut TcpStream) -> Result<Vec<u8>, NetworkFailure> {
    let mut head = Vec::with_capacity(256);
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() >= MAX_RESPONSE_HEAD {
            return Err(NetworkFailure {
                kind: crate::core_runtime::NetworkErrorKind::Other,
                message: format!("the answer to CONNECT has a head over {} KiB", MAX_RESPONSE_HEAD / 1024),
            });
        }
        match stream.read(&mut byte).await {
            Ok(0) => {
                return Err(NetworkFailure {
                    kind: crate::core_runtime::NetworkErrorKind::Eof,
                    message: "closed the connection before answering CONNECT".to_owned(),
                });
            }
            Ok(_) => head.push(byte[0]),
            Err(error) => return Err(super::websocket::io_failure(&error)),
        }
    }
    Ok(head)
}

/// The status of `HTTP/1.x NNN ...`.
fn parse_status(head: &[u8]) -> Option<u16> {
    let line = head.split(|&b| b == b'\r').next()?;
    let line = std::str::from_utf8(line).ok()?;
    let mut parts = line.split(' ');
    let version = parts.next()?;
    if !version.starts_with("HTTP/1.") {
        return None;
    }
    let status = parts.next()?;
    (status.len() == 3).then(|| status.parse().ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::parse_status;

    #[test]
    fn statuses_parse() {
        assert_eq!(parse_status(b"HTTP/1.1 200 Connection established\r\n\r\n"), Some(200));
        assert_eq!(
            parse_status(b"HTTP/1.0 407 Proxy Authentication Required\r\n\r\n"),
            Some(407)
        );
        assert_eq!(parse_status(b"SSH-2.0-OpenSSH\r\n\r\n"), None);
        assert_eq!(parse_status(b"HTTP/1.1 2000 x\r\n\r\n"), None);
    }
}
