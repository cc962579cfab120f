//! Opening a Speech WebSocket for a [`ConnectionPlan`], with the credential added here.
//!
//! Embedders: tungstenite logs the raw upgrade request, credential headers included, at trace
//! level under the `tungstenite::handshake` target; the `azspeech` CLI never enables that target
//! (`host/tests/secret_hygiene.rs` proves it), and a host application should filter it too.

use std::sync::Arc;

use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue};
use tokio_tungstenite::{Connector, MaybeTlsStream, WebSocketStream};

use super::TransportOptions;
use super::proxy_router::ProxyRouter;
use super::tunnel::{self, TunnelError};
use crate::core_runtime::{ConnectionPlan, NetworkErrorKind, NetworkFailure, ProxyRefusal};
use crate::credentials::AuthHeader;

/// An open Speech WebSocket.
pub type SpeechSocket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The service answered the upgrade with something other than 101.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpgradeRejected {
    /// The HTTP status.
    pub status: u16,
    /// The `Retry-After` header, if any.
    pub retry_after: Option<String>,
    /// The response body (at most 4 KiB).
    pub body: String,
}

/// Why a WebSocket could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The plan's URL or a header is malformed (a bug in the core or the host).
    #[error("invalid WebSocket request: {0}")]
    InvalidRequest(String),
    /// TCP, DNS or TLS failed: check the network, private endpoint DNS, proxies, the CA.
    #[error("cannot reach {host}: {}", .failure.message)]
    Network {
        /// The host.
        host: String,
        /// What failed, classified for the core.
        failure: NetworkFailure,
    },
    /// The service refused the upgrade (401, 403, 404, 429, 5xx...).
    #[error("the service answered the WebSocket upgrade with HTTP {}", .0.status)]
    Rejected(UpgradeRejected),
    /// The HTTP proxy refused the tunnel (407, 403, 502...).
    #[error("the proxy {} refused to open a tunnel to {} with HTTP {}", .0.proxy, .0.target, .0.status)]
    Proxy(ProxyRefusal),
}

/// Open the WebSocket `plan` describes, adding `auth` (if any) as a header, directly or through
/// the proxy `proxy` routes it to. Through a proxy, the proxy resolves the host: `connect_to`
/// overrides apply to direct connections only.
pub async fn connect(
    plan: &ConnectionPlan,
    auth: Option<&AuthHeader>,
    options: &TransportOptions,
    proxy: &ProxyRouter,
    tls: Arc<rustls::ClientConfig>,
) -> Result<SpeechSocket, ConnectError> {
    let mut request = plan
        .url
        .as_str()
        .into_client_request()
        .map_err(|e| ConnectError::InvalidRequest(e.to_string()))?;
    let uri = request.uri().clone();
    let host = uri
        .host()
        .ok_or_else(|| ConnectError::InvalidRequest("the URL has no host".into()))?
        .to_owned();
    let secure = uri.scheme_str() == Some("wss");
    let port = uri.port_u16().unwrap_or(if secure { 443 } else { 80 });
    let headers = request.headers_mut();
    for (name, value) in &plan.headers {
        insert(headers, name, value)?;
    }
    if let Some(subprotocol) = &plan.subprotocol {
        insert(headers, "Sec-WebSocket-Protocol", subprotocol)?;
    }
    if let Some(auth) = auth {
        let mut value = HeaderValue::from_str(auth.value.expose()).map_err(|_| {
            ConnectError::InvalidRequest(format!("the {} value is not a valid header value", auth.name))
        })?;
        value.set_sensitive(true);
        headers.insert(HeaderName::from_static(auth.name), value);
    }

    let bare_host = host.trim_start_matches('[').trim_end_matches(']');
    let route = proxy
        .route(&plan.url)
        .map_err(|error| ConnectError::InvalidRequest(error.to_string()))?;
    let stream = match &route.proxy {
        Some(server) => tunnel::open(server, proxy.credentials(&server.source), bare_host, port)
            .await
            .map_err(|error| match error {
                TunnelError::Refused(refusal) => ConnectError::Proxy(refusal),
                TunnelError::Network(failure) => ConnectError::Network {
                    host: host.clone(),
                    failure,
                },
            })?,
        None => {
            let stream = match options.override_for(&host) {
                Some(addr) => TcpStream::connect(addr).await,
                None => TcpStream::connect((bare_host, port)).await,
            }
            .map_err(|error| ConnectError::Network {
                host: host.clone(),
                failure: io_failure(&error),
            })?;
            let _ = stream.set_nodelay(true);
            stream
        }
    };

    let connector = if secure {
        Some(Connector::Rustls(tls))
    } else {
        Some(Connector::Plain)
    };
    match tokio_tungstenite::client_async_tls_with_config(request, stream, Some(socket_config()), connector).await {
        Ok((socket, _response)) => Ok(socket),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            let retry_after = response
                .headers()
                .get("retry-after")
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned);
            let body = response
                .body()
                .as_deref()
                .map(|bytes| String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).into_owned())
                .unwrap_or_default();
            Err(ConnectError::Rejected(UpgradeRejected {
                status: response.status().as_u16(),
                retry_after,
                body,
            }))
        }
        Err(error) => Err(ConnectError::Network {
            host,
            failure: socket_failure(&error),
        }),
    }
}

/// The largest message (and frame) accepted from the service. Azure Speech sends results and
/// audio chunks of kilobytes; anything near this is a hostile or wrong peer, refused before it
/// is buffered (tungstenite's default would buffer 64 MiB).
pub const MAX_MESSAGE_BYTES: usize = 4 << 20;

/// The size of each socket's read buffer. The service's messages are small (JSON events, TTS
/// audio frames of a few KiB); tungstenite's default of 128 KiB is zero-filled on every read
/// that refills it and held by every open socket, which costs CPU per message and, with a
/// thousand concurrent sessions, 128 MB of memory.
pub const READ_BUFFER_BYTES: usize = 16 * 1024;

/// The WebSocket configuration of every speech socket: tungstenite's defaults with a smaller
/// read buffer ([`READ_BUFFER_BYTES`]) and messages and frames capped at [`MAX_MESSAGE_BYTES`].
pub fn socket_config() -> tokio_tungstenite::tungstenite::protocol::WebSocketConfig {
    let mut config =
        tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default().read_buffer_size(READ_BUFFER_BYTES);
    config.max_message_size = Some(MAX_MESSAGE_BYTES);
    config.max_frame_size = Some(MAX_MESSAGE_BYTES);
    config
}

/// A socket-level I/O error, classified.
pub fn io_failure(error: &std::io::Error) -> NetworkFailure {
    use std::io::ErrorKind;
    let message = error.to_string();
    let kind = match error.kind() {
        ErrorKind::ConnectionRefused => NetworkErrorKind::Refused,
        ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted | ErrorKind::BrokenPipe => NetworkErrorKind::Reset,
        ErrorKind::TimedOut | ErrorKind::WouldBlock => NetworkErrorKind::Timeout,
        ErrorKind::UnexpectedEof => NetworkErrorKind::Eof,
        ErrorKind::InvalidData if message.to_ascii_lowercase().contains("certificate") => NetworkErrorKind::Tls,
        _ if message.contains("lookup address") || message.contains("Name or service not known") => {
            NetworkErrorKind::Dns
        }
        _ => NetworkErrorKind::Other,
    };
    NetworkFailure { kind, message }
}

/// A WebSocket-level error (handshake or an open connection), classified.
pub fn socket_failure(error: &tokio_tungstenite::tungstenite::Error) -> NetworkFailure {
    use tokio_tungstenite::tungstenite::Error;
    match error {
        Error::Io(io) => io_failure(io),
        Error::Tls(tls) => NetworkFailure {
            kind: NetworkErrorKind::Tls,
            message: tls.to_string(),
        },
        Error::ConnectionClosed | Error::AlreadyClosed => NetworkFailure {
            kind: NetworkErrorKind::Eof,
            message: error.to_string(),
        },
        Error::Protocol(_) => NetworkFailure {
            kind: NetworkErrorKind::TruncatedFrame,
            message: error.to_string(),
        },
        Error::Capacity(_) => NetworkFailure {
            kind: NetworkErrorKind::TruncatedFrame,
            message: format!("{error} (the service sent a frame larger than azspeech accepts)"),
        },
        _ => NetworkFailure {
            kind: NetworkErrorKind::Other,
            message: error.to_string(),
        },
    }
}

fn insert(
    headers: &mut tokio_tungstenite::tungstenite::http::HeaderMap,
    name: &str,
    value: &str,
) -> Result<(), ConnectError> {
    let name = HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| ConnectError::InvalidRequest(format!("invalid header name {name:?}")))?;
    let value = HeaderValue::from_str(value)
        .map_err(|_| ConnectError::InvalidRequest(format!("invalid value for header {name}")))?;
    headers.insert(name, value);
    Ok(())
}
