//! How the host of a request resolves, the way a connection would see it: through a proxy (which
//! resolves it), to a `--connect-to` override, or by the system resolver.

use super::TransportOptions;
use super::proxy_router::ProxyRouter;
use crate::core_runtime::Resolution;

/// Resolve the host of `url` as a connection to it would.
pub async fn resolve(url: &str, options: &TransportOptions, proxy: &ProxyRouter) -> Resolution {
    if let Ok(route) = proxy.route(url)
        && let Some(server) = route.proxy
    {
        return Resolution::ViaProxy(server.url);
    }
    let Some((host, port)) = host_and_port(url) else {
        return Resolution::Unresolved("the URL has no host".to_owned());
    };
    if let Some(addr) = options.override_for(&host) {
        return Resolution::Overridden(addr.ip().to_string());
    }
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match tokio::net::lookup_host((bare, port)).await {
        Ok(addresses) => {
            let mut ips: Vec<String> = Vec::new();
            for address in addresses {
                let ip = address.ip().to_string();
                if !ips.contains(&ip) {
                    ips.push(ip);
                }
            }
            if ips.is_empty() {
                Resolution::Unresolved("no addresses".to_owned())
            } else {
                Resolution::Resolved(ips)
            }
        }
        Err(error) => Resolution::Unresolved(error.to_string()),
    }
}

/// The host (as in the URL, IPv6 in brackets) and port of `url`.
pub fn host_and_port(url: &str) -> Option<(String, u16)> {
    let parsed = reqwest::Url::parse(url).ok()?;
    Some((parsed.host_str()?.to_owned(), parsed.port_or_known_default()?))
}
