//! Which HTTP proxy a request goes through, and why (`wit/proxy.wit` states the rules).
//!
//! The host hands in the proxy variables and flags with the credentials already removed; this
//! module only decides. [`no_proxy`] holds the `NO_PROXY` matcher, [`refusal`] explains a proxy
//! that refuses a tunnel.

pub mod no_proxy;
pub mod refusal;

use crate::bindings::exports::azspeech::core::proxy::{ProxyRoute, ProxyServer, ProxySettings, RouteReason};
use crate::bindings::exports::azspeech::core::types::{ConfigError, ConfigErrorCode};
use crate::config::url::{Host, parse_authority};
use no_proxy::NoProxyList;

/// IMDS, the managed-identity endpoint of Azure VMs: always reached directly.
pub const IMDS_ADDRESS: &str = "169.254.169.254";

/// The port of a proxy URL that names none (curl's default).
pub const DEFAULT_PROXY_PORT: u16 = 1080;

/// The variables that name a proxy for `https`/`wss` requests, in precedence order.
const SECURE_VARIABLES: [&str; 4] = ["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"];
/// The variables that name a proxy for `http`/`ws` requests, in precedence order.
const PLAIN_VARIABLES: [&str; 4] = ["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"];
/// The bypass lists, in precedence order.
const NO_PROXY_VARIABLES: [&str; 2] = ["no_proxy", "NO_PROXY"];

/// The origin of a request: what a route depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Whether the scheme is `https` or `wss`.
    pub secure: bool,
    /// The host.
    pub host: Host,
    /// The port (the scheme's default when none is written).
    pub port: u16,
}

/// Decide the route of a request to `url`.
pub fn route(settings: &ProxySettings, url: &str) -> Result<ProxyRoute, ConfigError> {
    let target = parse_target(url).ok_or_else(|| ConfigError {
        code: ConfigErrorCode::InvalidValue,
        variable: None,
        message: "a request URL could not be routed: it is not scheme://host[:port]/...".to_owned(),
        fix: "this is a bug in azspeech or the embedding application; please report it".to_owned(),
    })?;
    if settings.no_proxy_flag {
        return Ok(direct(RouteReason::NoProxyFlag, "--no-proxy is given".to_owned()));
    }
    // Parse every setting first, so that a malformed one fails every request, not just some.
    let flag = match &settings.proxy_flag {
        Some(value) => Some(parse_proxy(value, "--proxy")?),
        None => None,
    };
    let secure = pick(settings, &SECURE_VARIABLES)?;
    let plain = pick(settings, &PLAIN_VARIABLES)?;
    let bypass = match first_set(settings, &NO_PROXY_VARIABLES) {
        Some((name, value)) => Some((
            name,
            NoProxyList::parse(value).map_err(|entry| invalid_no_proxy(name, &entry))?,
        )),
        None => None,
    };
    if is_managed_identity(settings, &target) {
        return Ok(direct(
            RouteReason::ManagedIdentity,
            format!(
                "{} is a managed-identity endpoint, reached directly as the Azure identity libraries do",
                authority(&target)
            ),
        ));
    }
    let (proxy, reason, why) = match (flag, if target.secure { secure } else { plain }) {
        (Some(proxy), _) => (proxy, RouteReason::ProxyFlag, "--proxy is given".to_owned()),
        (None, Some(proxy)) => {
            let why = format!("{} is set", proxy.source);
            (proxy, RouteReason::Variable, why)
        }
        (None, None) => {
            let names = if target.secure {
                "HTTPS_PROXY nor ALL_PROXY"
            } else {
                "HTTP_PROXY nor ALL_PROXY"
            };
            return Ok(direct(RouteReason::NotConfigured, format!("neither {names} is set")));
        }
    };
    if let Some((name, list)) = &bypass
        && let Some(entry) = list.matching(&target)
    {
        return Ok(direct(
            RouteReason::NoProxyMatch,
            format!("{name} entry `{entry}` matches {}", authority(&target)),
        ));
    }
    Ok(ProxyRoute {
        proxy: Some(proxy),
        reason,
        why,
    })
}

fn direct(reason: RouteReason, why: String) -> ProxyRoute {
    ProxyRoute {
        proxy: None,
        reason,
        why,
    }
}

fn authority(target: &Target) -> String {
    format!("{}:{}", target.host.url_form(), target.port)
}

/// The first of `names` that is set to a non-empty value.
fn first_set<'a>(settings: &'a ProxySettings, names: &[&'static str]) -> Option<(&'static str, &'a str)> {
    names.iter().find_map(|name| {
        settings
            .variables
            .iter()
            .find(|(variable, value)| variable == name && !value.trim().is_empty())
            .map(|(_, value)| (*name, value.trim()))
    })
}

fn pick(settings: &ProxySettings, names: &[&'static str]) -> Result<Option<ProxyServer>, ConfigError> {
    match first_set(settings, names) {
        Some((name, value)) => Ok(Some(parse_proxy(value, name)?)),
        None => Ok(None),
    }
}

/// The origin of a request URL; `None` when it has none.
pub fn parse_target(url: &str) -> Option<Target> {
    let (scheme, rest) = url.split_once("://")?;
    let secure = match scheme.to_ascii_lowercase().as_str() {
        "https" | "wss" => true,
        "http" | "ws" => false,
        _ => return None,
    };
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    if authority.contains('@') {
        return None;
    }
    let (host, port) = parse_authority(authority).ok()?;
    Some(Target {
        secure,
        host,
        port: port.unwrap_or(if secure { 443 } else { 80 }),
    })
}

/// Parse a proxy URL (`http://host[:port][/]`, or `host[:port]`) from `source`.
pub fn parse_proxy(value: &str, source: &str) -> Result<ProxyServer, ConfigError> {
    let value = value.trim();
    let invalid = |message: String, fix: &str| ConfigError {
        code: ConfigErrorCode::InvalidValue,
        variable: Some(source.to_owned()),
        message,
        fix: fix.to_owned(),
    };
    let rest = match value.split_once("://") {
        Some((scheme, rest)) => match scheme.to_ascii_lowercase().as_str() {
            "http" => rest,
            "https" => {
                return Err(invalid(
                    format!("{source} names an https:// proxy, which azspeech does not support"),
                    "use the proxy's plain http:// address (the tunnel to the service is still TLS end to end)",
                ));
            }
            other if other.starts_with("socks") => {
                return Err(invalid(
                    format!("{source} names a SOCKS proxy, which azspeech does not support"),
                    "use an HTTP proxy that supports CONNECT (http://host:port)",
                ));
            }
            _ => {
                return Err(invalid(
                    format!("{source} has an unsupported scheme (only http:// proxies are supported)"),
                    "write it as http://host:port",
                ));
            }
        },
        None => value,
    };
    if rest.contains('@') {
        // The host removes credentials before the value gets here; never echo what may be one.
        return Err(invalid(
            format!("{source} still carries credentials"),
            "this is a bug in the host: it must remove `user:password@` before routing",
        ));
    }
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    if authority.contains(['/', '?', '#']) {
        return Err(invalid(
            format!("{source} (`{value}`) has a path, query or fragment"),
            "a proxy URL is only http://host:port",
        ));
    }
    let (host, port) = parse_authority(authority).map_err(|error| {
        invalid(
            format!(
                "{source} (`{value}`) {}",
                error.describe().replace("endpoint URL", "proxy URL")
            ),
            "write it as http://host:port, e.g. http://proxy.contoso.com:3128",
        )
    })?;
    let port = port.unwrap_or(DEFAULT_PROXY_PORT);
    Ok(ProxyServer {
        url: format!("http://{}:{port}", host.url_form()),
        host: host.to_string(),
        port,
        source: source.to_owned(),
    })
}

fn invalid_no_proxy(name: &str, entry: &str) -> ConfigError {
    ConfigError {
        code: ConfigErrorCode::InvalidValue,
        variable: Some(name.to_owned()),
        message: format!("{name} has an entry that is not a host, IP address or CIDR range: `{entry}`"),
        fix: "list entries separated by commas: `*`, contoso.com, .contoso.com, 10.1.2.3, 10.0.0.0/8, [::1]:8443"
            .to_owned(),
    }
}

fn is_managed_identity(settings: &ProxySettings, target: &Target) -> bool {
    if target.host.to_string() == IMDS_ADDRESS {
        return true;
    }
    settings
        .managed_identity_endpoints
        .iter()
        .filter_map(|url| parse_target(url.trim()))
        .any(|endpoint| endpoint == *target)
}

#[cfg(test)]
mod tests;
