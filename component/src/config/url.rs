//! A strict parser for endpoint URLs (`SPEECH_ENDPOINT`) and host names (`SPEECH_ALLOW_HOST`).
//!
//! It accepts only what azspeech can use safely: `https`, `wss`, `http` or `ws`; a host name, an
//! IPv4 address or a bracketed IPv6 literal; an optional port; a path. It rejects user info,
//! queries and fragments outright (they can carry credentials, and azspeech plans its own query),
//! and anything ambiguous: backslashes, percent-escapes or non-ASCII in the host, empty labels,
//! numeric hosts that are not plain dotted-quad IPv4. Host names are lowercased and a single
//! trailing dot is dropped.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

/// The URL schemes azspeech accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// `https`.
    Https,
    /// `wss`.
    Wss,
    /// `http` (loopback only).
    Http,
    /// `ws` (loopback only).
    Ws,
}

impl Scheme {
    /// Whether the scheme uses TLS.
    pub fn is_secure(self) -> bool {
        matches!(self, Self::Https | Self::Wss)
    }

    /// The scheme as written in a URL.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Https => "https",
            Self::Wss => "wss",
            Self::Http => "http",
            Self::Ws => "ws",
        }
    }
}

/// A validated host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    /// A DNS name: lowercase ASCII labels of letters, digits and `-`, no trailing dot.
    Domain(String),
    /// An IPv4 address.
    Ipv4(Ipv4Addr),
    /// An IPv6 address (written in brackets in URLs).
    Ipv6(Ipv6Addr),
}

impl Host {
    /// Whether the host is a loopback address: `localhost`, 127.0.0.0/8, `::1` (or `::ffff:127.x`).
    pub fn is_loopback(&self) -> bool {
        match self {
            Self::Domain(name) => name == "localhost",
            Self::Ipv4(address) => address.is_loopback(),
            Self::Ipv6(address) => {
                address.is_loopback() || address.to_ipv4_mapped().is_some_and(|mapped| mapped.is_loopback())
            }
        }
    }

    /// The host as it goes into a URL (IPv6 in brackets).
    pub fn url_form(&self) -> String {
        match self {
            Self::Ipv6(address) => format!("[{address}]"),
            other => other.to_string(),
        }
    }
}

impl fmt::Display for Host {
    /// The host without brackets: the `endpoint.host` form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Domain(name) => f.write_str(name),
            Self::Ipv4(address) => write!(f, "{address}"),
            Self::Ipv6(address) => write!(f, "{address}"),
        }
    }
}

/// A parsed endpoint URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    /// The scheme.
    pub scheme: Scheme,
    /// The host.
    pub host: Host,
    /// The port, if one was written.
    pub port: Option<u16>,
    /// The path as written (empty or starting with `/`).
    pub path: String,
}

impl Url {
    /// `scheme://host[:port]`: the part of the URL that is safe to show in messages.
    pub fn origin(&self) -> String {
        match self.port {
            Some(port) => format!("{}://{}:{port}", self.scheme.as_str(), self.host.url_form()),
            None => format!("{}://{}", self.scheme.as_str(), self.host.url_form()),
        }
    }
}

/// Why a URL or host was rejected. None of the cases carries the rejected text: it might hold a
/// credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlError {
    /// There is no `scheme://`.
    MissingScheme,
    /// The scheme is not `https`, `wss`, `http` or `ws`.
    UnsupportedScheme,
    /// `user:password@` before the host.
    UserInfo,
    /// A `?query`.
    Query,
    /// A `#fragment`.
    Fragment,
    /// Whitespace, control characters or backslashes.
    InvalidCharacter,
    /// No host.
    EmptyHost,
    /// A non-ASCII (internationalized) host name.
    NonAsciiHost,
    /// A host that is not a valid DNS name or IP literal.
    InvalidHost,
    /// A port that is empty, not a number, zero or above 65535.
    InvalidPort,
}

impl UrlError {
    /// What is wrong, in a clause that completes "the endpoint URL ...".
    pub fn describe(self) -> &'static str {
        match self {
            Self::MissingScheme => {
                "has no scheme (it must start with https://, wss://, or for loopback http:// or ws://)"
            }
            Self::UnsupportedScheme => {
                "has an unsupported scheme (only https, wss, and for loopback http and ws, are accepted)"
            }
            Self::UserInfo => "contains user information (`user:password@`), which could leak a credential",
            Self::Query => {
                "contains a query string (`?...`); azspeech adds its own parameters and never puts credentials in URLs"
            }
            Self::Fragment => "contains a fragment (`#...`)",
            Self::InvalidCharacter => "contains whitespace, control characters or backslashes",
            Self::EmptyHost => "has no host",
            Self::NonAsciiHost => "has a non-ASCII host name",
            Self::InvalidHost => "has a host that is not a valid DNS name or IP address",
            Self::InvalidPort => "has an invalid port (it must be a number from 1 to 65535)",
        }
    }
}

/// Parse an endpoint URL (already trimmed).
pub fn parse(input: &str) -> Result<Url, UrlError> {
    if input.chars().any(|c| c.is_whitespace() || c.is_control() || c == '\\') {
        return Err(UrlError::InvalidCharacter);
    }
    let Some((scheme, rest)) = input.split_once("://") else {
        return Err(UrlError::MissingScheme);
    };
    let scheme = match scheme.to_ascii_lowercase().as_str() {
        "https" => Scheme::Https,
        "wss" => Scheme::Wss,
        "http" => Scheme::Http,
        "ws" => Scheme::Ws,
        _ => return Err(UrlError::UnsupportedScheme),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    if authority.contains('@') {
        return Err(UrlError::UserInfo);
    }
    if tail.contains('#') {
        return Err(UrlError::Fragment);
    }
    if tail.contains('?') {
        return Err(UrlError::Query);
    }
    let (host, port) = parse_authority(authority)?;
    Ok(Url {
        scheme,
        host,
        port,
        path: tail.to_owned(),
    })
}

/// Parse `host[:port]` (an IPv6 literal in brackets).
pub fn parse_authority(authority: &str) -> Result<(Host, Option<u16>), UrlError> {
    if authority.is_empty() {
        return Err(UrlError::EmptyHost);
    }
    if let Some(bracketed) = authority.strip_prefix('[') {
        let Some((literal, after)) = bracketed.split_once(']') else {
            return Err(UrlError::InvalidHost);
        };
        let address: Ipv6Addr = literal.parse().map_err(|_| UrlError::InvalidHost)?;
        let port = match after {
            "" => None,
            _ => match after.strip_prefix(':') {
                Some(port) => Some(parse_port(port)?),
                None => return Err(UrlError::InvalidHost),
            },
        };
        return Ok((Host::Ipv6(address), port));
    }
    let (host, port) = match authority.split_once(':') {
        Some((host, port)) => (host, Some(parse_port(port)?)),
        None => (authority, None),
    };
    Ok((parse_host_name(host)?, port))
}

fn parse_port(text: &str) -> Result<u16, UrlError> {
    if text.is_empty() || text.len() > 5 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(UrlError::InvalidPort);
    }
    match text.parse::<u16>() {
        Ok(0) | Err(_) => Err(UrlError::InvalidPort),
        Ok(port) => Ok(port),
    }
}

/// Parse a host name or IPv4 address (no brackets, no port): lowercase it, drop one trailing dot,
/// check every label.
pub fn parse_host_name(text: &str) -> Result<Host, UrlError> {
    if text.is_empty() {
        return Err(UrlError::EmptyHost);
    }
    if !text.is_ascii() {
        return Err(UrlError::NonAsciiHost);
    }
    let lower = text.to_ascii_lowercase();
    let name = lower.strip_suffix('.').unwrap_or(&lower);
    if name.is_empty() || name.len() > 253 {
        return Err(UrlError::InvalidHost);
    }
    let labels: Vec<&str> = name.split('.').collect();
    let valid_label = |label: &&str| {
        !label.is_empty()
            && label.len() <= 63
            && label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    if !labels.iter().all(valid_label) {
        return Err(UrlError::InvalidHost);
    }
    let numeric = |label: &&str| label.bytes().all(|b| b.is_ascii_digit());
    if labels.last().is_some_and(numeric) {
        // Only a plain dotted quad is an address; `127.1`, `0127.0.0.1` and friends are parsed
        // differently by different resolvers, so they are refused.
        if labels.len() == 4 && labels.iter().all(numeric) {
            let address: Ipv4Addr = name.parse().map_err(|_| UrlError::InvalidHost)?;
            if address.to_string() == name {
                return Ok(Host::Ipv4(address));
            }
        }
        return Err(UrlError::InvalidHost);
    }
    Ok(Host::Domain(name.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn domain(name: &str) -> Host {
        Host::Domain(name.to_owned())
    }

    #[test]
    fn accepted_urls() {
        let cases: &[(&str, Scheme, Host, Option<u16>, &str)] = &[
            (
                "https://myres.cognitiveservices.azure.com/",
                Scheme::Https,
                domain("myres.cognitiveservices.azure.com"),
                None,
                "/",
            ),
            (
                "HTTPS://MyRes.CognitiveServices.Azure.COM",
                Scheme::Https,
                domain("myres.cognitiveservices.azure.com"),
                None,
                "",
            ),
            (
                "wss://westeurope.stt.speech.microsoft.com./speech/universal/v2",
                Scheme::Wss,
                domain("westeurope.stt.speech.microsoft.com"),
                None,
                "/speech/universal/v2",
            ),
            (
                "http://127.0.0.1:5000",
                Scheme::Http,
                Host::Ipv4(Ipv4Addr::LOCALHOST),
                Some(5000),
                "",
            ),
            (
                "ws://[::1]:8080/",
                Scheme::Ws,
                Host::Ipv6(Ipv6Addr::LOCALHOST),
                Some(8080),
                "/",
            ),
            (
                "https://[0:0:0:0:0:0:0:1]",
                Scheme::Https,
                Host::Ipv6(Ipv6Addr::LOCALHOST),
                None,
                "",
            ),
            (
                "http://localhost:65535",
                Scheme::Http,
                domain("localhost"),
                Some(65535),
                "",
            ),
            (
                "https://xn--bcher-kva.example:443",
                Scheme::Https,
                domain("xn--bcher-kva.example"),
                Some(443),
                "",
            ),
        ];
        for (input, scheme, host, port, path) in cases {
            let parsed = parse(input);
            let expected = Url {
                scheme: *scheme,
                host: host.clone(),
                port: *port,
                path: (*path).to_owned(),
            };
            assert_eq!(parsed, Ok(expected), "{input}");
        }
    }

    #[test]
    fn rejected_urls() {
        let cases: &[(&str, UrlError)] = &[
            ("myres.cognitiveservices.azure.com", UrlError::MissingScheme),
            ("", UrlError::MissingScheme),
            ("://host", UrlError::UnsupportedScheme),
            ("ftp://host", UrlError::UnsupportedScheme),
            ("file:///etc/passwd", UrlError::UnsupportedScheme),
            ("javascript://x", UrlError::UnsupportedScheme),
            (
                "https://user:pass@myres.cognitiveservices.azure.com",
                UrlError::UserInfo,
            ),
            ("https://key@myres.cognitiveservices.azure.com/", UrlError::UserInfo),
            (
                "https://myres.cognitiveservices.azure.com@evil.example/",
                UrlError::UserInfo,
            ),
            ("https://myres.cognitiveservices.azure.com/?key=abc", UrlError::Query),
            ("https://myres.cognitiveservices.azure.com?", UrlError::Query),
            ("https://myres.cognitiveservices.azure.com/#frag", UrlError::Fragment),
            ("https://myres.cognitiveservices.azure.com#", UrlError::Fragment),
            (
                "https://evil.example\\@myres.cognitiveservices.azure.com",
                UrlError::InvalidCharacter,
            ),
            ("https://my res.cognitiveservices.azure.com", UrlError::InvalidCharacter),
            (
                "https://myres.cognitiveservices.azure.com/\n",
                UrlError::InvalidCharacter,
            ),
            ("https://", UrlError::EmptyHost),
            ("https:///path", UrlError::EmptyHost),
            ("https://:443", UrlError::EmptyHost),
            ("https://münchen.cognitiveservices.azure.com", UrlError::NonAsciiHost),
            (
                "https://myres.cognitiveservices.azure.com\u{FF0E}evil",
                UrlError::NonAsciiHost,
            ),
            ("https://a..b", UrlError::InvalidHost),
            ("https://.", UrlError::InvalidHost),
            ("https://host..", UrlError::InvalidHost),
            ("https://-bad.example", UrlError::InvalidHost),
            ("https://bad-.example", UrlError::InvalidHost),
            ("https://under_score.example", UrlError::InvalidHost),
            ("https://my%72es.cognitiveservices.azure.com", UrlError::InvalidHost),
            ("http://127.1", UrlError::InvalidHost),
            ("http://0x7f.0.0.1", UrlError::InvalidHost),
            ("http://0127.0.0.1", UrlError::InvalidHost),
            ("http://2130706433", UrlError::InvalidHost),
            ("http://256.0.0.1", UrlError::InvalidHost),
            ("http://example.123", UrlError::InvalidHost),
            ("http://[::1", UrlError::InvalidHost),
            ("http://[::1]x", UrlError::InvalidHost),
            ("http://[fe80::1%25eth0]", UrlError::InvalidHost),
            ("http://[127.0.0.1]", UrlError::InvalidHost),
            ("http://::1", UrlError::InvalidPort),
            ("http://localhost:", UrlError::InvalidPort),
            ("http://localhost:0", UrlError::InvalidPort),
            ("http://localhost:65536", UrlError::InvalidPort),
            ("http://localhost:+80", UrlError::InvalidPort),
            ("http://localhost:080808", UrlError::InvalidPort),
            ("http://localhost:80:80", UrlError::InvalidPort),
            ("http://[::1]:", UrlError::InvalidPort),
        ];
        for (input, expected) in cases {
            assert_eq!(parse(input), Err(*expected), "{input}");
        }
    }

    #[test]
    fn loopback_detection() {
        for (input, loopback) in [
            ("http://127.0.0.1", true),
            ("http://127.255.255.254", true),
            ("http://localhost", true),
            ("http://LOCALHOST.", true),
            ("http://[::1]", true),
            ("http://[::ffff:127.0.0.1]", true),
            ("http://128.0.0.1", false),
            ("http://localhost.example", false),
            ("http://[::2]", false),
            ("http://0.0.0.0", false),
            ("http://10.0.0.1", false),
        ] {
            let host = parse(input).map(|url| url.host.is_loopback());
            assert_eq!(host, Ok(loopback), "{input}");
        }
    }

    #[test]
    fn host_forms() {
        let Ok(url) = parse("ws://[::1]:5000") else {
            panic!("valid URL")
        };
        assert_eq!(url.host.to_string(), "::1");
        assert_eq!(url.host.url_form(), "[::1]");
        assert_eq!(url.origin(), "ws://[::1]:5000");
    }
}
