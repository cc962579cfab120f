//! Where sockets really connect and which extra CA they trust.
//!
//! `--connect-to HOST=ADDR` (or `AZSPEECH_CONNECT_TO=HOST=ADDR[,HOST=ADDR...]`) sends requests
//! for `HOST` to `ADDR` while keeping the URL, the `Host` header and TLS server name of `HOST`,
//! like curl's `--connect-to`. With `--ca-file` (or `AZSPEECH_CA_FILE`) this lets the real
//! `https`/`wss` URLs of a custom domain be exercised against the local emulator.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Transport settings shared by HTTP and WebSocket requests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransportOptions {
    /// Host name → socket address overrides.
    pub connect_to: Vec<(String, SocketAddr)>,
    /// A PEM file with extra CA certificates to trust, besides the system roots.
    pub extra_ca_file: Option<PathBuf>,
    /// The proxy variables and flags (credentials kept apart).
    pub proxy: super::proxy_settings::ProxyConfig,
}

/// A `--connect-to` value that is not `HOST=IP:PORT`.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "invalid connect-to override `{0}`: expected HOST=IP:PORT, e.g. contoso.cognitiveservices.azure.com=127.0.0.1:8443"
)]
pub struct InvalidConnectTo(pub String);

impl TransportOptions {
    /// Options from `AZSPEECH_CONNECT_TO`, `AZSPEECH_CA_FILE` and the proxy variables.
    pub fn from_environment() -> Result<Self, InvalidConnectTo> {
        let connect_to = match std::env::var("AZSPEECH_CONNECT_TO") {
            Ok(list) => list
                .split(',')
                .map(str::trim)
                .filter(|entry| !entry.is_empty())
                .map(parse_connect_to)
                .collect::<Result<_, _>>()?,
            Err(_) => Vec::new(),
        };
        let extra_ca_file = std::env::var_os("AZSPEECH_CA_FILE")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        Ok(Self {
            connect_to,
            extra_ca_file,
            proxy: super::proxy_settings::ProxyConfig::from_environment(),
        })
    }

    /// The address to connect to for `host`, if overridden.
    pub fn override_for(&self, host: &str) -> Option<SocketAddr> {
        self.connect_to
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(host))
            .map(|(_, addr)| *addr)
    }
}

/// Parse one `HOST=IP:PORT` override.
pub fn parse_connect_to(entry: &str) -> Result<(String, SocketAddr), InvalidConnectTo> {
    let (host, addr) = entry
        .split_once('=')
        .ok_or_else(|| InvalidConnectTo(entry.to_owned()))?;
    let addr: SocketAddr = addr.trim().parse().map_err(|_| InvalidConnectTo(entry.to_owned()))?;
    let host = host.trim().to_ascii_lowercase();
    if host.is_empty() {
        return Err(InvalidConnectTo(entry.to_owned()));
    }
    Ok((host, addr))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_to_parses_and_rejects() {
        assert_eq!(
            parse_connect_to("Contoso.cognitiveservices.azure.com=127.0.0.1:8443"),
            Ok((
                "contoso.cognitiveservices.azure.com".into(),
                "127.0.0.1:8443".parse().expect("addr")
            ))
        );
        for bad in ["nohost", "=127.0.0.1:1", "host=localhost:80", "host=127.0.0.1"] {
            assert!(parse_connect_to(bad).is_err(), "{bad}");
        }
    }
}
