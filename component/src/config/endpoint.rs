//! Which kind of host an endpoint is, and whether a credential may be sent there.
//!
//! A key or token may go only to an Azure Speech / Cognitive Services host, to loopback, or to a
//! host the user listed in `SPEECH_ALLOW_HOST`:
//! - custom domains `{name}.cognitiveservices.azure.{com,us,cn}`;
//! - regional hosts `{region}.{stt,tts}.speech.microsoft.com`, `.speech.azure.us`,
//!   `.speech.azure.cn` and `{region}.api.cognitive.microsoft.com`, `.api.cognitive.microsoft.us`,
//!   `.api.cognitive.azure.cn`;
//! - loopback: `localhost`, 127.0.0.0/8, `::1`.

use super::region::{self, Region};
use super::url::{self, Host, UrlError};
use super::{cloud, config_error};
use crate::bindings::exports::azspeech::core::types::{Cloud, ConfigError, ConfigErrorCode, EndpointKind};

/// Paths of Speech endpoints that users copy from the portal or SDK samples. azspeech plans its
/// own paths, so one of these (compared case-insensitively, trailing `/` ignored) is stripped;
/// any other path is refused.
pub const KNOWN_PATHS: &[&str] = &[
    "",
    "/stt/speech/universal/v2",
    "/speech/universal/v2",
    "/speech/recognition/interactive/cognitiveservices/v1",
    "/speech/recognition/conversation/cognitiveservices/v1",
    "/speech/recognition/dictation/cognitiveservices/v1",
    "/stt/speech/recognition/interactive/cognitiveservices/v1",
    "/stt/speech/recognition/conversation/cognitiveservices/v1",
    "/stt/speech/recognition/dictation/cognitiveservices/v1",
    "/tts/cognitiveservices/websocket/v1",
    "/cognitiveservices/websocket/v1",
    "/tts/cognitiveservices/v1",
    "/cognitiveservices/v1",
    "/tts/cognitiveservices/voices/list",
    "/cognitiveservices/voices/list",
    "/sts/v1.0/issuetoken",
];

/// The hosts, besides Azure and loopback, that credentials may be sent to (`SPEECH_ALLOW_HOST`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowList {
    hosts: Vec<Host>,
}

impl AllowList {
    /// Parse a comma-separated list of exact host names (or IP addresses); blank entries are
    /// skipped, wildcards, schemes, ports and paths are refused.
    pub fn parse(value: Option<&str>) -> Result<Self, ConfigError> {
        let Some(value) = value else {
            return Ok(Self::default());
        };
        let mut hosts = Vec::new();
        for entry in value.split(',').map(str::trim).filter(|entry| !entry.is_empty()) {
            let host = parse_allowed_host(entry).ok_or_else(|| {
                let shown: String = entry.chars().take(60).collect();
                config_error(
                    ConfigErrorCode::InvalidValue,
                    Some("SPEECH_ALLOW_HOST"),
                    format!("SPEECH_ALLOW_HOST entry `{shown}` is not an exact host name"),
                    "list exact host names separated by commas, without scheme, port, path or wildcard (e.g. SPEECH_ALLOW_HOST=speech-proxy.internal.example)",
                )
            })?;
            if !hosts.contains(&host) {
                hosts.push(host);
            }
        }
        if hosts.is_empty() {
            return Err(config_error(
                ConfigErrorCode::EmptySetting,
                Some("SPEECH_ALLOW_HOST"),
                "SPEECH_ALLOW_HOST lists no host",
                "list exact host names separated by commas, or unset SPEECH_ALLOW_HOST",
            ));
        }
        Ok(Self { hosts })
    }

    /// Whether `host` is listed.
    pub fn contains(&self, host: &Host) -> bool {
        self.hosts.contains(host)
    }
}

fn parse_allowed_host(entry: &str) -> Option<Host> {
    if let Some(literal) = entry.strip_prefix('[').and_then(|rest| rest.strip_suffix(']')) {
        return literal.parse().ok().map(Host::Ipv6);
    }
    if let Ok(address) = entry.parse() {
        return Some(Host::Ipv6(address));
    }
    url::parse_host_name(entry).ok()
}

/// What a host is, as far as sending credentials is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostClass {
    /// `localhost`, 127.0.0.0/8, `::1`.
    Loopback,
    /// `{name}.cognitiveservices.azure.*`.
    CustomDomain(Cloud),
    /// `{region}.stt|tts.speech.*` or `{region}.api.cognitive.*`.
    Regional(Region),
    /// Listed in `SPEECH_ALLOW_HOST`.
    Allowed,
}

impl HostClass {
    /// The endpoint kind of this class.
    pub fn kind(self) -> EndpointKind {
        match self {
            Self::Loopback => EndpointKind::Loopback,
            Self::CustomDomain(_) => EndpointKind::CustomDomain,
            Self::Regional(_) => EndpointKind::Regional,
            Self::Allowed => EndpointKind::AllowedHost,
        }
    }

    /// The cloud the host implies, if it is an Azure host.
    pub fn cloud(self) -> Option<Cloud> {
        match self {
            Self::CustomDomain(cloud) => Some(cloud),
            Self::Regional(region) => Some(region.cloud),
            Self::Loopback | Self::Allowed => None,
        }
    }
}

/// Why a host cannot receive a credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostIssue {
    /// Neither Azure Speech, loopback nor allowed.
    Untrusted,
    /// A `{name}.privatelink.cognitiveservices.azure.*` (or other multi-label) name.
    NotTheCustomDomain(Cloud),
    /// `cognitiveservices.azure.com` or `api.cognitive.microsoft.com` without a name or region.
    MissingName,
    /// The custom subdomain breaks the naming rules (2–64 letters, digits, `-`).
    InvalidCustomName,
    /// A regional host whose region label is not a known region.
    UnknownRegion(String),
    /// A regional host of one cloud naming a region of another.
    RegionInOtherCloud(Region, Cloud),
}

/// Classify `host` (Azure families first, then loopback, then the allow-list).
pub fn classify_host(host: &Host, allow: &AllowList) -> Result<HostClass, HostIssue> {
    if host.is_loopback() {
        return Ok(HostClass::Loopback);
    }
    if let Host::Domain(name) = host {
        for cloud in cloud::ALL {
            if let Some(class) = classify_in_cloud(name, cloud)? {
                return Ok(class);
            }
        }
    }
    if allow.contains(host) {
        return Ok(HostClass::Allowed);
    }
    Err(HostIssue::Untrusted)
}

fn classify_in_cloud(name: &str, cloud: Cloud) -> Result<Option<HostClass>, HostIssue> {
    let custom_suffix = cloud::custom_domain_suffix(cloud);
    if name == custom_suffix {
        return Err(HostIssue::MissingName);
    }
    if let Some(prefix) = strip_dotted_suffix(name, custom_suffix) {
        if prefix.contains('.') {
            return Err(HostIssue::NotTheCustomDomain(cloud));
        }
        if !(2..=64).contains(&prefix.len()) {
            return Err(HostIssue::InvalidCustomName);
        }
        return Ok(Some(HostClass::CustomDomain(cloud)));
    }
    let speech = cloud::speech_suffix(cloud);
    let api = cloud::api_suffix(cloud);
    if name == api {
        return Err(HostIssue::MissingName);
    }
    let label = ["stt", "tts"]
        .iter()
        .find_map(|service| strip_dotted_suffix(name, &format!("{service}.{speech}")))
        .or_else(|| strip_dotted_suffix(name, api));
    let Some(label) = label else {
        return Ok(None);
    };
    if label.contains('.') {
        return Err(HostIssue::Untrusted);
    }
    match region::lookup(label) {
        Some(region) if region.cloud == cloud => Ok(Some(HostClass::Regional(region))),
        Some(region) => Err(HostIssue::RegionInOtherCloud(region, cloud)),
        None => Err(HostIssue::UnknownRegion(label.to_owned())),
    }
}

/// `name` without `.{suffix}`, if it ends so and something is left.
fn strip_dotted_suffix<'n>(name: &'n str, suffix: &str) -> Option<&'n str> {
    name.strip_suffix(suffix)
        .and_then(|rest| rest.strip_suffix('.'))
        .filter(|rest| !rest.is_empty())
}

/// A validated `SPEECH_ENDPOINT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointForm {
    /// What kind of host it is.
    pub class: HostClass,
    /// `https`/`wss`.
    pub secure: bool,
    /// The host.
    pub host: Host,
    /// The port, if one is kept (a default port on an Azure host is dropped).
    pub port: Option<u16>,
}

const VARIABLE: &str = "SPEECH_ENDPOINT";

/// Parse and check `SPEECH_ENDPOINT`.
pub fn parse(value: &str, allow: &AllowList) -> Result<EndpointForm, ConfigError> {
    let parsed = url::parse(value).map_err(|error| url_error(value, error))?;
    let origin = parsed.origin();
    let class = classify_host(&parsed.host, allow).map_err(|issue| host_error(&parsed.host, issue))?;
    if !parsed.scheme.is_secure() && class != HostClass::Loopback {
        let secure = if parsed.scheme == url::Scheme::Ws {
            "wss"
        } else {
            "https"
        };
        return Err(config_error(
            ConfigErrorCode::InsecureEndpoint,
            Some(VARIABLE),
            format!(
                "SPEECH_ENDPOINT={origin} uses {} without TLS to a host that is not loopback; credentials and audio would travel in clear text",
                parsed.scheme.as_str()
            ),
            format!(
                "use {secure}://{}/ (plain http/ws is accepted only for 127.0.0.1, localhost and [::1])",
                parsed.host.url_form()
            ),
        ));
    }
    let path = parsed.path.to_ascii_lowercase();
    let path = path.strip_suffix('/').unwrap_or(&path);
    if !KNOWN_PATHS.contains(&path) {
        return Err(config_error(
            ConfigErrorCode::InvalidEndpoint,
            Some(VARIABLE),
            format!(
                "SPEECH_ENDPOINT ({origin}/...) has a path azspeech does not know; it plans the Speech paths itself"
            ),
            format!("set SPEECH_ENDPOINT={origin}/ (no path)"),
        ));
    }
    let port = match (class, parsed.port) {
        (HostClass::CustomDomain(_) | HostClass::Regional(_), Some(443)) if parsed.scheme.is_secure() => None,
        (HostClass::CustomDomain(_) | HostClass::Regional(_), Some(_)) => {
            return Err(config_error(
                ConfigErrorCode::InvalidEndpoint,
                Some(VARIABLE),
                format!("SPEECH_ENDPOINT={origin} names a port; Azure Speech hosts listen on the default port only"),
                format!(
                    "set SPEECH_ENDPOINT={}://{}/",
                    parsed.scheme.as_str(),
                    parsed.host.url_form()
                ),
            ));
        }
        (_, port) => port,
    };
    Ok(EndpointForm {
        class,
        secure: parsed.scheme.is_secure(),
        host: parsed.host,
        port,
    })
}

fn url_error(value: &str, error: UrlError) -> ConfigError {
    let fix = match error {
        UrlError::MissingScheme => match url::parse_authority(value.split('/').next().unwrap_or_default()) {
            Ok((host, None)) => format!("set SPEECH_ENDPOINT=https://{}/", host.url_form()),
            _ => "set SPEECH_ENDPOINT=https://<name>.cognitiveservices.azure.com/ (your custom domain), or unset it and set SPEECH_REGION".to_owned(),
        },
        UrlError::UnsupportedScheme => "use an https:// or wss:// URL (http:// and ws:// only for loopback)".to_owned(),
        UrlError::UserInfo => "remove `user:password@` from SPEECH_ENDPOINT; put the key in SPEECH_KEY".to_owned(),
        UrlError::Query => "remove the `?...` part; put a key in SPEECH_KEY and the language in SPEECH_LANGUAGE".to_owned(),
        UrlError::Fragment => "remove the `#...` part".to_owned(),
        UrlError::NonAsciiHost => "write an internationalized host name in its ASCII (xn--) form".to_owned(),
        UrlError::InvalidCharacter
        | UrlError::EmptyHost
        | UrlError::InvalidHost
        | UrlError::InvalidPort => {
            "set SPEECH_ENDPOINT=https://<name>.cognitiveservices.azure.com/ (your custom domain), https://<region>.api.cognitive.microsoft.com/ or http://127.0.0.1:<port> for a local container".to_owned()
        }
    };
    config_error(
        ConfigErrorCode::InvalidEndpoint,
        Some(VARIABLE),
        format!("SPEECH_ENDPOINT {}", error.describe()),
        fix,
    )
}

/// The configuration error for a host that cannot receive a credential.
pub fn host_error(host: &Host, issue: HostIssue) -> ConfigError {
    match issue {
        HostIssue::Untrusted => config_error(
            ConfigErrorCode::UntrustedHost,
            Some(VARIABLE),
            format!(
                "SPEECH_ENDPOINT points to {host}, which is not an Azure Speech host, so azspeech will not send it a key or token"
            ),
            format!(
                "use your resource's custom domain (https://<name>.cognitiveservices.azure.com/) or regional endpoint; if {host} is a proxy you trust, add it to SPEECH_ALLOW_HOST"
            ),
        ),
        HostIssue::NotTheCustomDomain(cloud) => config_error(
            ConfigErrorCode::InvalidEndpoint,
            Some(VARIABLE),
            format!("SPEECH_ENDPOINT host {host} is not a custom domain (a private-link or nested name)"),
            format!(
                "use the custom domain itself, https://<name>.{}/; private DNS maps it to the private endpoint",
                cloud::custom_domain_suffix(cloud)
            ),
        ),
        HostIssue::MissingName => config_error(
            ConfigErrorCode::InvalidEndpoint,
            Some(VARIABLE),
            format!("SPEECH_ENDPOINT host {host} lacks the resource name or region"),
            "use https://<name>.cognitiveservices.azure.com/ (custom domain) or https://<region>.api.cognitive.microsoft.com/",
        ),
        HostIssue::InvalidCustomName => config_error(
            ConfigErrorCode::InvalidEndpoint,
            Some(VARIABLE),
            format!("SPEECH_ENDPOINT host {host} has a custom subdomain that is not 2 to 64 characters long"),
            "copy the endpoint from the Azure portal (Keys and Endpoint)",
        ),
        HostIssue::UnknownRegion(label) => {
            let mut error = region::unknown(&label, VARIABLE);
            error.message = format!("SPEECH_ENDPOINT host {host} names `{label}`, which is not an Azure Speech region");
            error
        }
        HostIssue::RegionInOtherCloud(region, host_cloud) => config_error(
            ConfigErrorCode::Contradiction,
            Some(VARIABLE),
            format!(
                "SPEECH_ENDPOINT host {host} is in the {} cloud, but region {} is in the {} cloud",
                cloud::name(host_cloud),
                region.name,
                cloud::name(region.cloud)
            ),
            format!("use https://{}.{}/", region.name, cloud::api_suffix(region.cloud)),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classify(input: &str, allow: &AllowList) -> Result<HostClass, HostIssue> {
        let Ok(parsed) = url::parse(input) else {
            panic!("{input} should parse")
        };
        classify_host(&parsed.host, allow)
    }

    fn region(name: &str) -> Region {
        let Some(region) = region::lookup(name) else {
            panic!("{name} is a region")
        };
        region
    }

    #[test]
    fn host_classes() {
        let none = AllowList::default();
        let cases: Vec<(&str, Result<HostClass, HostIssue>)> = vec![
            (
                "https://myres.cognitiveservices.azure.com",
                Ok(HostClass::CustomDomain(Cloud::Public)),
            ),
            (
                "https://myres.cognitiveservices.azure.us",
                Ok(HostClass::CustomDomain(Cloud::UsGovernment)),
            ),
            (
                "https://myres.cognitiveservices.azure.cn",
                Ok(HostClass::CustomDomain(Cloud::China)),
            ),
            (
                "https://westeurope.api.cognitive.microsoft.com",
                Ok(HostClass::Regional(region("westeurope"))),
            ),
            (
                "wss://eastus.stt.speech.microsoft.com",
                Ok(HostClass::Regional(region("eastus"))),
            ),
            (
                "wss://usgovvirginia.tts.speech.azure.us",
                Ok(HostClass::Regional(region("usgovvirginia"))),
            ),
            (
                "https://usgovarizona.api.cognitive.microsoft.us",
                Ok(HostClass::Regional(region("usgovarizona"))),
            ),
            (
                "https://chinaeast2.api.cognitive.azure.cn",
                Ok(HostClass::Regional(region("chinaeast2"))),
            ),
            (
                "wss://chinanorth3.stt.speech.azure.cn",
                Ok(HostClass::Regional(region("chinanorth3"))),
            ),
            ("http://localhost:5000", Ok(HostClass::Loopback)),
            ("http://[::1]", Ok(HostClass::Loopback)),
            (
                "https://myres.privatelink.cognitiveservices.azure.com",
                Err(HostIssue::NotTheCustomDomain(Cloud::Public)),
            ),
            ("https://cognitiveservices.azure.com", Err(HostIssue::MissingName)),
            ("https://api.cognitive.microsoft.com", Err(HostIssue::MissingName)),
            (
                "https://x.cognitiveservices.azure.com",
                Err(HostIssue::InvalidCustomName),
            ),
            (
                "https://atlantis.api.cognitive.microsoft.com",
                Err(HostIssue::UnknownRegion("atlantis".to_owned())),
            ),
            (
                "https://usgovvirginia.api.cognitive.microsoft.com",
                Err(HostIssue::RegionInOtherCloud(region("usgovvirginia"), Cloud::Public)),
            ),
            ("https://westus.voice.speech.microsoft.com", Err(HostIssue::Untrusted)),
            ("https://a.b.stt.speech.microsoft.com", Err(HostIssue::Untrusted)),
            (
                "https://cognitiveservices.azure.com.evil.example",
                Err(HostIssue::Untrusted),
            ),
            ("https://evilcognitiveservices.azure.com", Err(HostIssue::Untrusted)),
            ("https://speech.example", Err(HostIssue::Untrusted)),
            ("https://10.0.0.5", Err(HostIssue::Untrusted)),
        ];
        for (input, expected) in cases {
            assert_eq!(classify(input, &none), expected, "{input}");
        }
    }

    #[test]
    fn allow_list() {
        let Ok(allow) = AllowList::parse(Some(" Proxy.Example. , ,10.0.0.5,[fd00::1], ::2")) else {
            panic!("valid list")
        };
        assert_eq!(classify("https://proxy.example", &allow), Ok(HostClass::Allowed));
        assert_eq!(classify("https://10.0.0.5:8443", &allow), Ok(HostClass::Allowed));
        assert_eq!(classify("https://[fd00::1]", &allow), Ok(HostClass::Allowed));
        assert_eq!(classify("https://[::2]", &allow), Ok(HostClass::Allowed));
        assert_eq!(classify("https://sub.proxy.example", &allow), Err(HostIssue::Untrusted));
        for bad in [
            "*.example",
            "https://proxy.example",
            "proxy.example:443",
            "proxy.example/x",
            "a b",
        ] {
            assert!(AllowList::parse(Some(bad)).is_err(), "{bad}");
        }
        assert!(AllowList::parse(Some(" , ")).is_err());
        assert!(matches!(AllowList::parse(None), Ok(list) if list == AllowList::default()));
    }

    #[test]
    fn endpoint_paths_and_ports() {
        let none = AllowList::default();
        for accepted in [
            "https://myres.cognitiveservices.azure.com",
            "https://myres.cognitiveservices.azure.com/",
            "wss://myres.cognitiveservices.azure.com/stt/speech/universal/v2",
            "wss://myres.cognitiveservices.azure.com/TTS/cognitiveservices/websocket/v1/",
            "https://westeurope.api.cognitive.microsoft.com/sts/v1.0/issueToken",
            "https://myres.cognitiveservices.azure.com:443/",
            "http://127.0.0.1:5000/speech/recognition/conversation/cognitiveservices/v1",
        ] {
            assert!(parse(accepted, &none).is_ok(), "{accepted}");
        }
        for (rejected, code) in [
            (
                "https://myres.cognitiveservices.azure.com/speechtotext/v3.1",
                ConfigErrorCode::InvalidEndpoint,
            ),
            (
                "https://myres.cognitiveservices.azure.com//",
                ConfigErrorCode::InvalidEndpoint,
            ),
            (
                "https://myres.cognitiveservices.azure.com:8443/",
                ConfigErrorCode::InvalidEndpoint,
            ),
            (
                "http://myres.cognitiveservices.azure.com/",
                ConfigErrorCode::InsecureEndpoint,
            ),
            (
                "ws://westus.stt.speech.microsoft.com/",
                ConfigErrorCode::InsecureEndpoint,
            ),
            ("http://speech.example/", ConfigErrorCode::UntrustedHost),
            ("https://speech.example/", ConfigErrorCode::UntrustedHost),
        ] {
            let result = parse(rejected, &none);
            assert!(
                matches!(&result, Err(error) if error.code == code),
                "{rejected}: {result:?}"
            );
        }
        let Ok(form) = parse("https://MyRes.CognitiveServices.Azure.com:443/", &none) else {
            panic!("valid")
        };
        assert_eq!(form.port, None);
        assert_eq!(form.host.to_string(), "myres.cognitiveservices.azure.com");
    }

    #[test]
    fn errors_never_echo_credentials() {
        let none = AllowList::default();
        for input in [
            "https://user:hunter2@myres.cognitiveservices.azure.com/",
            "https://myres.cognitiveservices.azure.com/?subscription-key=hunter2",
            "https://myres.cognitiveservices.azure.com/#hunter2",
            "https://myres.cognitiveservices.azure.com/hunter2",
        ] {
            let Err(error) = parse(input, &none) else {
                panic!("{input} must be rejected")
            };
            assert!(!error.message.contains("hunter2"), "{}", error.message);
            assert!(!error.fix.contains("hunter2"), "{}", error.fix);
        }
    }
}
