//! Sockets for the requests the core plans: TLS configuration, connect-to overrides, an HTTP
//! client, HTTP proxies (the core routes, [`tunnel`] opens `CONNECT` tunnels), and WebSocket
//! upgrades whose credential is added here, at the I/O boundary.

pub mod http_client;
pub mod options;
pub mod proxy_router;
pub mod proxy_settings;
pub mod resolution;
pub mod tls;
pub mod tunnel;
pub mod websocket;

pub use options::TransportOptions;
