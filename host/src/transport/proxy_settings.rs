//! Reading the proxy configuration: the variables and flags, with the credentials of every proxy
//! URL taken out and kept here as secrets; the core gets the rest and decides the routes.
//!
//! `HTTPS_PROXY=http://alice:s3cret@proxy.contoso.com:3128` reaches the core as
//! `http://proxy.contoso.com:3128`; `alice` and `s3cret` stay in a [`ProxyCredentials`] under
//! the variable's name, and the tunnel sends them as `Proxy-Authorization: Basic ...`.

use crate::core_runtime::ProxySettings;
use crate::secret::Secret;

/// The variables that configure proxies, in both cases.
pub const PROXY_VARIABLES: [&str; 8] = [
    "https_proxy",
    "HTTPS_PROXY",
    "http_proxy",
    "HTTP_PROXY",
    "all_proxy",
    "ALL_PROXY",
    "no_proxy",
    "NO_PROXY",
];

/// The variables that name managed-identity endpoints (App Service, Azure Functions, older
/// Cloud Shell), which are reached directly.
const MANAGED_IDENTITY_VARIABLES: [&str; 2] = ["IDENTITY_ENDPOINT", "MSI_ENDPOINT"];

/// The source name of the `--proxy` flag.
pub const PROXY_FLAG: &str = "--proxy";

/// Basic credentials of one proxy URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyCredentials {
    /// The user name (percent-decoded).
    pub user: Secret,
    /// The password (percent-decoded; may be empty).
    pub password: Secret,
}

impl ProxyCredentials {
    /// The `Proxy-Authorization` value: `Basic base64(user:password)`.
    pub fn basic_header(&self) -> Secret {
        use base64::Engine as _;
        let pair = Secret::new(format!("{}:{}", self.user.expose(), self.password.expose()));
        Secret::new(format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair.expose())
        ))
    }
}

/// The proxy configuration of a process: what the core routes by, and the credentials.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProxyConfig {
    /// The variables (credentials removed), `--proxy` (credentials removed), `--no-proxy` and
    /// the managed-identity endpoints.
    pub variables: Vec<(String, String)>,
    /// `--proxy URL` without its credentials.
    pub proxy_flag: Option<String>,
    /// `--no-proxy`.
    pub no_proxy_flag: bool,
    /// Managed-identity endpoint URLs from the environment.
    pub managed_identity_endpoints: Vec<String>,
    /// Credentials by source (`--proxy` or a variable name).
    credentials: Vec<(String, ProxyCredentials)>,
}

impl ProxyConfig {
    /// The proxy variables and managed-identity endpoints of the process environment.
    pub fn from_environment() -> Self {
        Self::from_variables(|name| std::env::var(name).ok())
    }

    /// The proxy variables `read` returns.
    pub fn from_variables(read: impl Fn(&str) -> Option<String>) -> Self {
        let mut config = Self::default();
        for name in PROXY_VARIABLES {
            if let Some(value) = read(name) {
                let value = if name.eq_ignore_ascii_case("no_proxy") {
                    value
                } else {
                    config.keep_credentials(name, &value)
                };
                config.variables.push((name.to_owned(), value));
            }
        }
        config.managed_identity_endpoints = MANAGED_IDENTITY_VARIABLES
            .iter()
            .filter_map(|name| read(name))
            .filter(|value| !value.trim().is_empty())
            .collect();
        config
    }

    /// Set `--proxy URL` (it wins over the variables).
    pub fn set_proxy_flag(&mut self, url: &str) {
        self.credentials.retain(|(source, _)| source != PROXY_FLAG);
        self.proxy_flag = Some(self.keep_credentials(PROXY_FLAG, url));
    }

    /// Set `--no-proxy` (every request goes direct).
    pub fn set_no_proxy_flag(&mut self) {
        self.no_proxy_flag = true;
    }

    /// The settings the core routes by (no credentials in them).
    pub fn core_settings(&self) -> ProxySettings {
        ProxySettings {
            variables: self.variables.clone(),
            proxy_flag: self.proxy_flag.clone(),
            no_proxy_flag: self.no_proxy_flag,
            managed_identity_endpoints: self.managed_identity_endpoints.clone(),
        }
    }

    /// The credentials kept for `source`.
    pub fn credentials(&self, source: &str) -> Option<&ProxyCredentials> {
        self.credentials
            .iter()
            .find(|(name, _)| name == source)
            .map(|(_, credentials)| credentials)
    }

    /// Whether any proxy URL carried credentials (for `doctor`: `credentials: sent`).
    pub fn has_credentials(&self, source: &str) -> bool {
        self.credentials(source).is_some()
    }

    /// Remove `user:password@` from `value`, keeping the credentials for `source`.
    fn keep_credentials(&mut self, source: &str, value: &str) -> String {
        let (stripped, credentials) = strip_userinfo(value);
        if let Some(credentials) = credentials {
            self.credentials.push((source.to_owned(), credentials));
        }
        stripped
    }
}

/// Split `[scheme://][user[:password]@]host...` into the URL without user info and the
/// credentials (percent-decoded).
pub fn strip_userinfo(value: &str) -> (String, Option<ProxyCredentials>) {
    let (scheme, rest) = match value.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, value),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return (value.to_owned(), None);
    };
    let userinfo = &rest[..at];
    let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
    let credentials = ProxyCredentials {
        user: Secret::new(percent_decode(user)),
        password: Secret::new(percent_decode(password)),
    };
    let without = match scheme {
        Some(scheme) => format!("{scheme}://{}", &rest[at + 1..]),
        None => rest[at + 1..].to_owned(),
    };
    (without, Some(credentials))
}

/// Decode `%XX` escapes; anything malformed is kept as written.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_taken_out_and_decoded() {
        let (url, credentials) = strip_userinfo("http://al%40ice:p%3Ass@word@proxy.corp:3128/");
        assert_eq!(url, "http://proxy.corp:3128/");
        let credentials = credentials.expect("credentials");
        assert_eq!(credentials.user.expose(), "al@ice");
        assert_eq!(credentials.password.expose(), "p:ss@word");
        assert_eq!(strip_userinfo("proxy.corp:3128"), ("proxy.corp:3128".to_owned(), None));
        let (url, credentials) = strip_userinfo("bob@proxy.corp");
        assert_eq!(url, "proxy.corp");
        assert_eq!(credentials.expect("user").password.expose(), "");
    }

    #[test]
    fn the_basic_header_is_rfc_7617() {
        let (_, credentials) = strip_userinfo("http://Aladdin:open%20sesame@p:1");
        assert_eq!(
            credentials.expect("credentials").basic_header().expose(),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
    }

    #[test]
    fn variables_reach_the_core_without_credentials() {
        let config = ProxyConfig::from_variables(|name| match name {
            "HTTPS_PROXY" => Some("http://u:sentinelPW@p:1".to_owned()),
            "NO_PROXY" => Some("a@b".to_owned()),
            "IDENTITY_ENDPOINT" => Some("http://127.0.0.1:4141/msi/token".to_owned()),
            _ => None,
        });
        let settings = format!("{:?}", config.core_settings());
        assert!(
            !settings.contains("sentinelPW") && !settings.contains("u:"),
            "{settings}"
        );
        assert!(!format!("{config:?}").contains("sentinelPW"));
        assert!(config.has_credentials("HTTPS_PROXY"));
        // NO_PROXY is a list of hosts, not a URL: it is passed as written.
        assert!(settings.contains("a@b"));
        assert_eq!(config.managed_identity_endpoints, ["http://127.0.0.1:4141/msi/token"]);
    }
}
