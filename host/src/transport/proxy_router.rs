//! The route of every request, asked of the core once per origin and remembered: the WebSocket
//! tunnel and the HTTP client (REST, STS, and `azure_identity`'s token requests) both go by it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use super::proxy_settings::{ProxyConfig, ProxyCredentials};
use crate::core_runtime::{ConfigError, CoreError, CoreInstance, CoreRuntime, ProxyRoute, ProxySettings};

/// Why the router could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum ProxyRouterError {
    /// A proxy setting is malformed.
    #[error("{} (fix: {})", .0.message, .0.fix)]
    Configuration(ConfigError),
    /// The core failed.
    #[error(transparent)]
    Core(#[from] CoreError),
}

/// Routes requests by the core's decisions.
pub struct ProxyRouter {
    config: ProxyConfig,
    settings: ProxySettings,
    core: Mutex<CoreInstance>,
    routes: Mutex<HashMap<String, ProxyRoute>>,
}

impl std::fmt::Debug for ProxyRouter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProxyRouter")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl ProxyRouter {
    /// A router for `config`, on its own instance of `runtime`. Fails if a proxy setting is
    /// malformed (whichever requests it would apply to).
    pub fn new(runtime: &CoreRuntime, config: ProxyConfig) -> Result<Arc<Self>, ProxyRouterError> {
        let router = Self {
            settings: config.core_settings(),
            config,
            core: Mutex::new(runtime.instantiate()?),
            routes: Mutex::new(HashMap::new()),
        };
        router.route("https://proxy-settings.check.invalid/")?;
        Ok(Arc::new(router))
    }

    /// The route of a request to `url`.
    pub fn route(&self, url: &str) -> Result<ProxyRoute, ProxyRouterError> {
        let key = origin_key(url);
        if let Some(route) = self.routes.lock().unwrap_or_else(PoisonError::into_inner).get(&key) {
            return Ok(route.clone());
        }
        let route = self
            .core
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .proxy_route(&self.settings, url)?
            .map_err(ProxyRouterError::Configuration)?;
        tracing::debug!(
            "route for {key}: {} ({})",
            route.proxy.as_ref().map_or("direct", |proxy| proxy.url.as_str()),
            route.why
        );
        self.routes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key, route.clone());
        Ok(route)
    }

    /// The credentials kept for a proxy's source (`--proxy` or the variable's name).
    pub fn credentials(&self, source: &str) -> Option<&ProxyCredentials> {
        self.config.credentials(source)
    }

    /// Ask the core what a refusal means.
    pub fn classify_refusal(
        &self,
        refusal: &crate::core_runtime::ProxyRefusal,
    ) -> Result<crate::core_runtime::SpeechError, CoreError> {
        self.core
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .classify_proxy_refusal(refusal)
    }

    /// The proxy's part in a request to `url` that could not connect, when it went through one:
    /// the same tunnel is asked for again with azspeech's own `CONNECT`, which keeps the status
    /// (the HTTP client reports none but 407). `None` when the request went direct or the proxy
    /// opens the tunnel (the failure lies beyond it).
    pub async fn explain_connect_failure(&self, url: &str) -> Option<crate::core_runtime::SpeechError> {
        let server = self.route(url).ok()?.proxy?;
        let parsed = reqwest::Url::parse(url).ok()?;
        let host = parsed
            .host_str()?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let port = parsed.port_or_known_default()?;
        match super::tunnel::open(&server, self.credentials(&server.source), &host, port).await {
            Ok(_) => None,
            Err(super::tunnel::TunnelError::Network(failure)) => Some(crate::core_runtime::SpeechError::Transient(
                crate::core_runtime::FailureDetail {
                    http_status: None,
                    close_code: None,
                    message: failure.message,
                    hint: format!(
                        "check that the proxy {} named by {} is running and reachable from here",
                        server.url, server.source
                    ),
                },
            )),
            Err(super::tunnel::TunnelError::Refused(refusal)) => self.classify_refusal(&refusal).ok(),
        }
    }

    /// The proxy rule of the HTTP client: each request's URL is routed here. The credentials go
    /// into the proxy URL reqwest connects with (it turns them into `Proxy-Authorization`).
    pub fn reqwest_proxy(self: &Arc<Self>) -> reqwest::Proxy {
        let router = Arc::clone(self);
        reqwest::Proxy::custom(move |url: &reqwest::Url| {
            let route = match router.route(url.as_str()) {
                Ok(route) => route,
                Err(error) => {
                    tracing::warn!("no proxy route for {}: {error}", origin_key(url.as_str()));
                    return None;
                }
            };
            let proxy = route.proxy?;
            let mut proxy_url = reqwest::Url::parse(&proxy.url).ok()?;
            if let Some(credentials) = router.credentials(&proxy.source) {
                let _ = proxy_url.set_username(credentials.user.expose());
                let _ = proxy_url.set_password(Some(credentials.password.expose()));
            }
            Some(proxy_url)
        })
    }
}

/// `scheme://authority` of a URL: what a route depends on.
fn origin_key(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    format!("{}://{}", scheme.to_ascii_lowercase(), authority.to_ascii_lowercase())
}
