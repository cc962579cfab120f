//! The one HTTP client of the host (reqwest over rustls/ring): STS token exchange, TTS REST, the
//! voices list, and the Entra token requests of `azure_identity` (as its transport).

use std::time::Duration;

use std::sync::Arc;

use super::proxy_router::ProxyRouter;
use super::{TransportOptions, tls};

/// Why the HTTP client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum HttpClientError {
    /// The TLS configuration (CA file) is unusable.
    #[error(transparent)]
    Tls(#[from] tls::TlsConfigError),
    /// reqwest refused the configuration.
    #[error("building the HTTP client failed: {0}")]
    Build(#[from] reqwest::Error),
}

/// Build the HTTP client for `options`, with every request routed by `proxy` (and no other
/// proxy: reqwest's own reading of the variables is replaced by the core's decisions).
pub fn build(options: &TransportOptions, proxy: &Arc<ProxyRouter>) -> Result<reqwest::Client, HttpClientError> {
    let tls = tls::client_config(options.extra_ca_file.as_deref())?;
    let mut builder = reqwest::Client::builder()
        .tls_backend_preconfigured((*tls).clone())
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(60))
        .user_agent(concat!("azspeech/", env!("CARGO_PKG_VERSION")))
        .proxy(proxy.reqwest_proxy());
    for (host, addr) in &options.connect_to {
        builder = builder.resolve(host, *addr);
    }
    Ok(builder.build()?)
}
