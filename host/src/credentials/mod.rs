//! Credentials, filled in at the I/O boundary: the core's auth plan says *what* a request needs;
//! this module fetches it (keys from the environment, Entra tokens through `azure_identity`, STS
//! tokens from `issueToken`), caches it, and turns it into one header.
//!
//! Nothing here formats a secret into a log line or an error: values are [`Secret`]s.

pub mod entra;
pub mod keys;
pub mod sts;
pub mod token_cache;

use std::sync::Arc;

use tokio::sync::OnceCell;

use crate::clock::Clock;
use crate::core_runtime::{AuthPlan, CredentialSource, KeySlot, Settings, TokenFormat};
use crate::secret::Secret;

pub use entra::{EntraEnvironment, RetryPolicy};
pub use keys::KeyRing;
use token_cache::TokenCache;

/// One authentication header, ready to be written into a request.
#[derive(Debug, Clone)]
pub struct AuthHeader {
    /// Lowercase header name: `ocp-apim-subscription-key` or `authorization`.
    pub name: &'static str,
    /// The header value (`<key>` or `Bearer <token>`).
    pub value: Secret,
}

impl AuthHeader {
    /// The header for a resource key.
    pub fn subscription_key(key: &Secret) -> Self {
        Self {
            name: "ocp-apim-subscription-key",
            value: key.clone(),
        }
    }

    /// The value as an HTTP header value, marked sensitive so HTTP stacks do not print it.
    pub fn header_value(&self) -> Result<http::HeaderValue, InvalidCredential> {
        let mut value = http::HeaderValue::from_str(self.value.expose()).map_err(|_| InvalidCredential(self.name))?;
        value.set_sensitive(true);
        Ok(value)
    }

    /// The header as `azspeech token` prints it: name, and the value masked.
    pub fn masked(&self) -> String {
        match self.value.expose().strip_prefix("Bearer ") {
            Some(token) => match token.strip_prefix("aad#").and_then(|rest| rest.rsplit_once('#')) {
                Some((resource_id, jwt)) => {
                    format!("Authorization: Bearer aad#{resource_id}#{}", Secret::new(jwt).masked())
                }
                None => format!("Authorization: Bearer {}", Secret::new(token).masked()),
            },
            None => format!("Ocp-Apim-Subscription-Key: {}", self.value.masked()),
        }
    }
}

/// A credential that cannot be written into a header (control characters, non-ASCII).
#[derive(Debug, thiserror::Error)]
#[error(
    "the {0} value contains characters that are not allowed in an HTTP header (check for a stray newline in the key or token)"
)]
pub struct InvalidCredential(pub &'static str);

/// Why a credential could not be obtained. Each case says what to do.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    /// The plan needs a key that is not set.
    #[error(
        "{variable} is not set: the configuration uses key authentication; set {variable}, or use Entra ID (SPEECH_AUTH=entra)"
    )]
    MissingKey {
        /// The variable.
        variable: &'static str,
    },
    /// The Entra credential source failed.
    #[error("getting a Microsoft Entra token from {source_name} failed: {message}\n  hint: {hint}")]
    Entra {
        /// Which source (`managed-identity`, ...).
        source_name: &'static str,
        /// The credential's error (never contains the token).
        message: String,
        /// What to check.
        hint: &'static str,
    },
    /// The STS token exchange failed.
    #[error("exchanging the key for a token at {url} failed: {message}")]
    Sts {
        /// The issueToken URL.
        url: String,
        /// The HTTP status, if the service answered.
        status: Option<u16>,
        /// What went wrong.
        message: String,
    },
    /// The HTTP client could not be set up (CA file, TLS).
    #[error(transparent)]
    Setup(#[from] crate::transport::http_client::HttpClientError),
}

/// Hands out authentication headers for connection plans, caching tokens.
#[derive(Debug)]
pub struct CredentialBroker {
    keys: KeyRing,
    entra_environment: EntraEnvironment,
    credential_source: CredentialSource,
    cloud: crate::core_runtime::Cloud,
    http: reqwest::Client,
    proxy: Option<Arc<crate::transport::proxy_router::ProxyRouter>>,
    retry: RetryPolicy,
    entra: OnceCell<Arc<dyn azure_core::credentials::TokenCredential>>,
    entra_tokens: TokenCache,
    sts_tokens: TokenCache,
    clock: Arc<dyn Clock>,
    /// The primary key was refused and the secondary worked: start every session with it.
    secondary_preferred: std::sync::atomic::AtomicBool,
}

/// Refresh Entra tokens this long before they expire.
pub const ENTRA_REFRESH_AHEAD_MS: u64 = 5 * 60 * 1000;

impl CredentialBroker {
    /// A broker for `settings`, with secrets from `keys` / `entra_environment`.
    pub fn new(
        settings: &Settings,
        keys: KeyRing,
        entra_environment: EntraEnvironment,
        http: reqwest::Client,
        retry: RetryPolicy,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            keys,
            entra_environment,
            credential_source: settings.credential,
            cloud: settings.cloud,
            http,
            proxy: None,
            retry,
            entra: OnceCell::new(),
            entra_tokens: TokenCache::new(clock.clone(), ENTRA_REFRESH_AHEAD_MS),
            sts_tokens: TokenCache::new(clock.clone(), 0),
            clock,
            secondary_preferred: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Get Entra tokens from `credential` instead of building one for the configured source.
    pub fn with_token_credential(mut self, credential: Arc<dyn azure_core::credentials::TokenCredential>) -> Self {
        self.entra = OnceCell::new_with(Some(credential));
        self
    }

    /// Explain token requests that fail at a proxy by asking `proxy` (it routes `http`'s requests).
    pub fn with_proxy_router(mut self, proxy: Arc<crate::transport::proxy_router::ProxyRouter>) -> Self {
        self.proxy = Some(proxy);
        self
    }

    /// The key sessions start with: the secondary once the primary was refused in this process.
    pub fn preferred_key_slot(&self) -> KeySlot {
        if self.secondary_preferred.load(std::sync::atomic::Ordering::Relaxed) {
            KeySlot::Secondary
        } else {
            KeySlot::Primary
        }
    }

    /// A session failed over to the secondary key: keep using it for the rest of the process.
    pub fn prefer_secondary_key(&self) {
        self.secondary_preferred
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// The header for a connect request: like [`CredentialBroker::header_for`], but a
    /// `fresh` request first drops the cached token (the service refused it).
    pub async fn header_for_connect(&self, plan: &AuthPlan, fresh: bool) -> Result<AuthHeader, CredentialError> {
        if fresh {
            match plan {
                AuthPlan::Bearer(bearer) => self.entra_tokens.invalidate(&bearer.scope).await,
                AuthPlan::StsExchange(sts) => self.sts_tokens.invalidate(&sts.token_url).await,
                AuthPlan::SubscriptionKey(_) => {}
            }
        }
        self.header_for(plan).await
    }

    /// The header for `plan`'s auth plan.
    pub async fn header_for(&self, plan: &AuthPlan) -> Result<AuthHeader, CredentialError> {
        match plan {
            AuthPlan::SubscriptionKey(slot) => Ok(AuthHeader {
                name: "ocp-apim-subscription-key",
                value: self.keys.get(*slot)?.clone(),
            }),
            AuthPlan::Bearer(bearer) => {
                let token = self.entra_token(&bearer.scope).await?;
                let value = match &bearer.format {
                    TokenFormat::Raw => format!("Bearer {}", token.expose()),
                    TokenFormat::AadPrefixed(resource_id) => format!("Bearer aad#{resource_id}#{}", token.expose()),
                };
                Ok(AuthHeader {
                    name: "authorization",
                    value: Secret::new(value),
                })
            }
            AuthPlan::StsExchange(sts) => {
                let key = self.keys.get(sts.key)?;
                let url = sts.token_url.clone();
                let (http, proxy) = (&self.http, self.proxy.as_deref());
                let now = self.clock.now_ms();
                let token = self
                    .sts_tokens
                    .get(&sts.token_url, || {
                        sts::exchange(http, proxy, url, key, now, sts.max_age_ms)
                    })
                    .await?;
                Ok(AuthHeader {
                    name: "authorization",
                    value: Secret::new(format!("Bearer {}", token.expose())),
                })
            }
        }
    }

    /// An Entra token for `scope`, from the cache or the credential source.
    pub async fn entra_token(&self, scope: &str) -> Result<Secret, CredentialError> {
        let credential = self
            .entra
            .get_or_try_init(|| async {
                entra::build_credential(
                    self.credential_source,
                    self.cloud,
                    &self.entra_environment,
                    &self.http,
                    self.retry,
                )
            })
            .await?
            .clone();
        let source_name = entra::source_name(self.credential_source);
        self.entra_tokens
            .get(scope, || entra::fetch(credential, scope.to_owned(), source_name))
            .await
    }

    /// How many times each cache fetched (for tests of single-flight behaviour).
    pub fn fetch_counts(&self) -> (u64, u64) {
        (self.entra_tokens.fetches(), self.sts_tokens.fetches())
    }
}

impl CredentialError {
    /// The HTTP status of a refused token exchange, if that is what failed.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Self::Sts { status, .. } => *status,
            _ => None,
        }
    }
}

/// The name of a key slot's variable.
pub fn key_variable(slot: KeySlot) -> &'static str {
    match slot {
        KeySlot::Primary => "SPEECH_KEY",
        KeySlot::Secondary => "SPEECH_KEY_SECONDARY",
    }
}
