//! The `NO_PROXY` list: `*`, host names (with or without a leading `.` or `*.`, matching the name
//! and its subdomains), IP addresses and CIDR ranges, each optionally with `:port`. Nothing is
//! resolved: a name matches names, an address or range matches addresses written in the URL.

use std::fmt;
use std::net::IpAddr;

use super::Target;
use crate::config::url::{Host, parse_authority};

/// One entry of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Pattern {
    /// `*`: every host.
    Everything,
    /// A name and its subdomains.
    Domain(String),
    /// An address range (a single address is a full-length prefix).
    Network { address: IpAddr, prefix: u8 },
}

/// One entry with its optional port, and the text it was written as (for explanations).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    pattern: Pattern,
    port: Option<u16>,
    text: String,
}

/// A parsed `NO_PROXY` value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NoProxyList {
    entries: Vec<Entry>,
}

/// The entry that matched, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matched(String);

impl fmt::Display for Matched {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl NoProxyList {
    /// Parse a list separated by commas and/or whitespace; `Err` carries the first bad entry.
    pub fn parse(value: &str) -> Result<Self, String> {
        let entries = value
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|entry| !entry.is_empty())
            .map(|entry| parse_entry(entry).ok_or_else(|| entry.to_owned()))
            .collect::<Result<_, _>>()?;
        Ok(Self { entries })
    }

    /// The first entry that matches `target`.
    pub fn matching(&self, target: &Target) -> Option<Matched> {
        self.entries
            .iter()
            .find(|entry| entry.port.is_none_or(|port| port == target.port) && entry.pattern.matches(&target.host))
            .map(|entry| Matched(entry.text.clone()))
    }
}

impl Pattern {
    fn matches(&self, host: &Host) -> bool {
        match (self, host) {
            (Self::Everything, _) => true,
            (Self::Domain(domain), Host::Domain(name)) => {
                name == domain
                    || name
                        .strip_suffix(domain.as_str())
                        .is_some_and(|head| head.ends_with('.'))
            }
            (Self::Network { address, prefix }, Host::Ipv4(ip)) => in_network(*address, *prefix, IpAddr::V4(*ip)),
            (Self::Network { address, prefix }, Host::Ipv6(ip)) => {
                in_network(*address, *prefix, IpAddr::V6(*ip))
                    || ip
                        .to_ipv4_mapped()
                        .is_some_and(|v4| in_network(*address, *prefix, IpAddr::V4(v4)))
            }
            (Self::Domain(_), _) => false,
            (Self::Network { .. }, Host::Domain(_)) => false,
        }
    }
}

fn in_network(network: IpAddr, prefix: u8, address: IpAddr) -> bool {
    match (network, address) {
        (IpAddr::V4(network), IpAddr::V4(address)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            u32::from(network) & mask == u32::from(address) & mask
        }
        (IpAddr::V6(network), IpAddr::V6(address)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            u128::from(network) & mask == u128::from(address) & mask
        }
        _ => false,
    }
}

fn parse_entry(text: &str) -> Option<Entry> {
    let entry = |pattern, port| Entry {
        pattern,
        port,
        text: text.to_owned(),
    };
    if text == "*" {
        return Some(entry(Pattern::Everything, None));
    }
    // A CIDR range: `10.0.0.0/8`, `fd00::/8`, `[fd00::]/8` (no port).
    if let Some((address, prefix)) = text.split_once('/') {
        let address: IpAddr = address.trim_start_matches('[').trim_end_matches(']').parse().ok()?;
        let prefix: u8 = prefix.parse().ok()?;
        let max = if address.is_ipv4() { 32 } else { 128 };
        return (prefix <= max).then(|| entry(Pattern::Network { address, prefix }, None));
    }
    // A bare IPv6 address (`::1`) has colons but no brackets and no port.
    if let Ok(address) = text.parse::<std::net::Ipv6Addr>() {
        return Some(entry(
            Pattern::Network {
                address: IpAddr::V6(address),
                prefix: 128,
            },
            None,
        ));
    }
    // `.contoso.com` and `*.contoso.com` (a common spelling curl does not document) mean the
    // same as `contoso.com`.
    let name = text
        .strip_prefix("*.")
        .or_else(|| text.strip_prefix('.'))
        .unwrap_or(text);
    let (host, port) = parse_authority(name).ok()?;
    let pattern = match host {
        Host::Domain(name) => Pattern::Domain(name),
        Host::Ipv4(address) => Pattern::Network {
            address: IpAddr::V4(address),
            prefix: 32,
        },
        Host::Ipv6(address) => Pattern::Network {
            address: IpAddr::V6(address),
            prefix: 128,
        },
    };
    Some(entry(pattern, port))
}
