//! Where a resolved configuration's requests go.
//!
//! `settings` is a record a host can also build by hand, so the endpoint is checked again here:
//! the host must parse, match its kind, and plain `ws`/`http` must be loopback. (An
//! `allowed-host` endpoint cannot be checked against `SPEECH_ALLOW_HOST`, which only `resolve`
//! sees; a host that builds one by hand vouches for it.)

use std::net::Ipv6Addr;

use crate::bindings::exports::azspeech::core::config::Settings;
use crate::bindings::exports::azspeech::core::types::{Cloud, ConfigError, ConfigErrorCode, EndpointKind};
use crate::config::endpoint::{AllowList, HostClass, classify_host};
use crate::config::region::{self, Region};
use crate::config::url::{self, Host};
use crate::config::{cloud, config_error};

/// A checked endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Regional hosts of a region.
    Regional(Region),
    /// A host that takes the service label as the first path segment (custom domain, allowed host).
    Custom {
        /// The host.
        host: Host,
        /// Its port, if not the default.
        port: Option<u16>,
        /// The cloud (for the Entra scope).
        cloud: Cloud,
    },
    /// A local emulator or container (container paths, any scheme).
    Loopback {
        /// The host.
        host: Host,
        /// Its port.
        port: Option<u16>,
        /// Whether it uses TLS.
        secure: bool,
    },
}

impl Target {
    /// Check `settings.endpoint` and turn it into a target.
    pub fn of(settings: &Settings) -> Result<Self, ConfigError> {
        let endpoint = &settings.endpoint;
        if endpoint.kind == EndpointKind::Regional {
            let region = settings
                .region
                .as_deref()
                .ok_or_else(|| mismatch("a regional endpoint needs settings.region"))?;
            let region = region::lookup(region).ok_or_else(|| region::unknown(region, "SPEECH_REGION"))?;
            if region.cloud != settings.cloud {
                return Err(mismatch("settings.region is not in settings.cloud"));
            }
            return Ok(Self::Regional(region));
        }
        let host = parse_host(&endpoint.host).ok_or_else(|| mismatch("settings.endpoint.host is not a valid host"))?;
        let class = classify_host(&host, &AllowList::default());
        if !endpoint.secure && !host.is_loopback() {
            return Err(config_error(
                ConfigErrorCode::InsecureEndpoint,
                Some("SPEECH_ENDPOINT"),
                format!("plain ws/http to {host}, which is not loopback"),
                format!("use https://{}/", host.url_form()),
            ));
        }
        match (endpoint.kind, class) {
            (EndpointKind::Loopback, Ok(HostClass::Loopback)) => Ok(Self::Loopback {
                host,
                port: endpoint.port,
                secure: endpoint.secure,
            }),
            (EndpointKind::CustomDomain, Ok(HostClass::CustomDomain(host_cloud))) => {
                if host_cloud != settings.cloud {
                    return Err(mismatch("settings.endpoint.host is not in settings.cloud"));
                }
                Ok(Self::Custom {
                    host,
                    port: endpoint.port,
                    cloud: host_cloud,
                })
            }
            (EndpointKind::AllowedHost, _) => Ok(Self::Custom {
                host,
                port: endpoint.port,
                cloud: settings.cloud,
            }),
            _ => Err(mismatch("settings.endpoint.host does not match settings.endpoint.kind")),
        }
    }

    /// The cloud of the target.
    pub fn cloud(&self, settings: &Settings) -> Cloud {
        match self {
            Self::Regional(region) => region.cloud,
            Self::Custom { cloud, .. } => *cloud,
            Self::Loopback { .. } => settings.cloud,
        }
    }

    /// The host the STS token endpoint of this target lives on, e.g. `westeurope.api.cognitive.microsoft.com`.
    pub fn api_host(&self) -> String {
        match self {
            Self::Regional(region) => format!("{}.{}", region.name, cloud::api_suffix(region.cloud)),
            Self::Custom { host, .. } | Self::Loopback { host, .. } => host.to_string(),
        }
    }
}

/// Parse `endpoint.host`: a DNS name, IPv4 address or IPv6 address (with or without brackets).
fn parse_host(text: &str) -> Option<Host> {
    let unbracketed = text
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
        .unwrap_or(text);
    if unbracketed.contains(':') {
        return unbracketed.parse::<Ipv6Addr>().ok().map(Host::Ipv6);
    }
    url::parse_host_name(text).ok()
}

fn mismatch(what: &str) -> ConfigError {
    config_error(
        ConfigErrorCode::InvalidEndpoint,
        Some("SPEECH_ENDPOINT"),
        format!("the settings record is inconsistent: {what}"),
        "pass the settings returned by config.resolve unchanged (a bug in the host program)",
    )
}
