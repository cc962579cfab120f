//! `doctor`'s proxy section: which proxy each request would use and why, credentials masked.

use serde_json::json;

use super::TransportFlags;
use super::context::SetupFailure;
use azspeech_host::core_runtime::{
    AuthPlan, Cloud, CoreInstance, CoreRuntime, CredentialSource, ProxyRoute, RequestIds, RequestKind, RouteReason,
    Settings,
};
use azspeech_host::exit_code::ExitCode;
use azspeech_host::explanation::Explanation;
use azspeech_host::transport::proxy_router::ProxyRouter;
use azspeech_host::transport::proxy_settings::ProxyConfig;

/// IMDS's token endpoint (what `azure_identity` calls on a VM).
const IMDS_TOKEN_URL: &str = "http://169.254.169.254/metadata/identity/oauth2/token";

/// The route of one request.
pub(crate) struct RouteLine {
    request: &'static str,
    url: String,
    route: ProxyRoute,
    credentials: bool,
}

/// The proxy section: the routes, or why the proxy settings are unusable.
pub(crate) enum ProxyReport {
    /// Each request's route.
    Routes(Vec<RouteLine>),
    /// A proxy setting is malformed.
    Invalid(String),
}

impl ProxyReport {
    /// Route the requests `explanation` plans (and the credential's token endpoint).
    pub(crate) fn of(
        runtime: &CoreRuntime,
        core: &mut CoreInstance,
        explanation: &Explanation,
        transport: &TransportFlags,
    ) -> Result<Self, SetupFailure> {
        let mut config = ProxyConfig::from_environment();
        if let Some(url) = &transport.proxy {
            config.set_proxy_flag(url);
        }
        if transport.no_proxy {
            config.set_no_proxy_flag();
        }
        let router = match ProxyRouter::new(runtime, config.clone()) {
            Ok(router) => router,
            Err(error) => return Ok(Self::Invalid(error.to_string())),
        };
        let mut requests: Vec<(&'static str, String)> = vec![
            ("stt", explanation.stt.url.clone()),
            ("tts", explanation.tts.url.clone()),
        ];
        let ids = RequestIds {
            connection_id: uuid::Uuid::new_v4().simple().to_string(),
        };
        if let Ok(Ok(plan)) = core.plan(&explanation.settings, RequestKind::VoicesList, &ids) {
            requests.push(("rest", plan.url));
        }
        if let AuthPlan::StsExchange(sts) = &explanation.stt.auth {
            requests.push(("sts", sts.token_url.clone()));
        }
        requests.extend(token_endpoints(&explanation.settings));
        let mut lines = Vec::new();
        for (request, url) in requests {
            let route = router.route(&url).map_err(|error| SetupFailure {
                message: format!("azspeech doctor: {error}"),
                code: ExitCode::Configuration,
            })?;
            let credentials = route
                .proxy
                .as_ref()
                .is_some_and(|proxy| config.has_credentials(&proxy.source));
            lines.push(RouteLine {
                request,
                url: origin(&url),
                route,
                credentials,
            });
        }
        Ok(Self::Routes(lines))
    }

    /// Whether the settings are unusable.
    pub(crate) fn is_invalid(&self) -> bool {
        matches!(self, Self::Invalid(_))
    }

    /// `{"routes": [...]}` or `{"error": "..."}`.
    pub(crate) fn json(&self) -> serde_json::Value {
        match self {
            Self::Invalid(message) => json!({"error": message}),
            Self::Routes(lines) => json!({"routes": lines.iter().map(|line| json!({
                "request": line.request,
                "url": line.url,
                "proxy": line.route.proxy.as_ref().map(|proxy| proxy.url.clone()),
                "source": line.route.proxy.as_ref().map(|proxy| proxy.source.clone()),
                "reason": reason_name(line.route.reason),
                "why": line.route.why,
                "credentials": if line.credentials { "sent" } else { "none" },
            })).collect::<Vec<_>>()}),
        }
    }

    /// The text lines (without the `proxy:` heading).
    pub(crate) fn text(&self) -> Vec<String> {
        match self {
            Self::Invalid(message) => vec![format!("  error: {message}")],
            Self::Routes(lines) => lines
                .iter()
                .map(|line| {
                    let via = match &line.route.proxy {
                        Some(proxy) if line.credentials => format!("via {} (credentials: sent)", proxy.url),
                        Some(proxy) => format!("via {}", proxy.url),
                        None => "direct".to_owned(),
                    };
                    format!("  {:<6} {} {via}: {}", line.request, line.url, line.route.why)
                })
                .collect(),
        }
    }
}

/// The token endpoints `azure_identity` calls for the credential source (none for keys and the
/// Azure CLI, which runs its own requests and reads the proxy variables itself).
fn token_endpoints(settings: &Settings) -> Vec<(&'static str, String)> {
    let read = |name: &str| std::env::var(name).ok().filter(|value| !value.trim().is_empty());
    let managed = || {
        (
            "token",
            read("IDENTITY_ENDPOINT")
                .or_else(|| read("MSI_ENDPOINT"))
                .unwrap_or_else(|| IMDS_TOKEN_URL.to_owned()),
        )
    };
    let entra = || {
        let authority = read("AZURE_AUTHORITY_HOST").unwrap_or_else(|| {
            match settings.cloud {
                Cloud::Public => "https://login.microsoftonline.com",
                Cloud::UsGovernment => "https://login.microsoftonline.us",
                Cloud::China => "https://login.chinacloudapi.cn",
            }
            .to_owned()
        });
        ("token", authority)
    };
    match settings.credential {
        CredentialSource::ManagedIdentity => vec![managed()],
        CredentialSource::ServicePrincipal | CredentialSource::WorkloadIdentity => vec![entra()],
        CredentialSource::Chain => vec![entra(), managed()],
        CredentialSource::None | CredentialSource::AzureCli => vec![],
    }
}

/// `scheme://host[:port]` of a URL: where the request goes, without its path and query.
fn origin(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    format!(
        "{scheme}://{}",
        &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())]
    )
}

fn reason_name(reason: RouteReason) -> &'static str {
    match reason {
        RouteReason::NoProxyFlag => "no-proxy-flag",
        RouteReason::ProxyFlag => "proxy-flag",
        RouteReason::Variable => "variable",
        RouteReason::NoProxyMatch => "no-proxy-match",
        RouteReason::ManagedIdentity => "managed-identity",
        RouteReason::NotConfigured => "not-configured",
    }
}
