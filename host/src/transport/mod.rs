//! Sockets for the requests the core plans: TLS configuration, connect-to overrides, an HTTP
//! client, and WebSocket upgrades whose credential is added here, at the I/O boundary.

pub mod http_client;
pub mod options;
pub mod tls;
pub mod websocket;

pub use options::TransportOptions;
