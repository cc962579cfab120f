//! Microsoft Entra ID tokens through the real `azure_identity` crate.
//!
//! Rust's `azure_identity` has no `DefaultAzureCredential`; [`build_credential`] builds the one
//! source the core chose (`SPEECH_CREDENTIAL` pins it), or a [`ChainCredential`] in the spirit of
//! DefaultAzureCredential: service principal, workload identity, managed identity, Azure CLI.
//! All HTTP goes through the host's own client (rustls/ring, extra CA, connect-to overrides).

use std::path::PathBuf;
use std::sync::Arc;

use azure_core::cloud::{CloudConfiguration, CustomConfiguration};
use azure_core::credentials::TokenCredential;
use azure_core::http::{ClientOptions, RetryOptions, Transport};
use azure_identity::{
    AzureCliCredential, ClientAssertionCredentialOptions, ClientSecretCredential, ClientSecretCredentialOptions,
    ManagedIdentityCredential, ManagedIdentityCredentialOptions, UserAssignedId, WorkloadIdentityCredential,
    WorkloadIdentityCredentialOptions,
};

use super::CredentialError;
use super::token_cache::CachedToken;
use crate::core_runtime::{Cloud, CredentialSource};
use crate::secret::Secret;

/// The Entra-related environment, read in the host (the client secret never reaches the core).
#[derive(Debug, Clone, Default)]
pub struct EntraEnvironment {
    /// `AZURE_TENANT_ID`.
    pub tenant_id: Option<String>,
    /// `AZURE_CLIENT_ID` (service principal, workload identity, or user-assigned managed identity).
    pub client_id: Option<String>,
    /// `AZURE_CLIENT_SECRET`.
    pub client_secret: Option<Secret>,
    /// `AZURE_FEDERATED_TOKEN_FILE`.
    pub federated_token_file: Option<PathBuf>,
    /// `AZURE_AUTHORITY_HOST`: overrides the cloud's Entra authority (must be https).
    pub authority_host: Option<String>,
}

impl EntraEnvironment {
    /// Read the variables of the process environment.
    pub fn from_environment() -> Self {
        let read = |name: &str| {
            std::env::var(name)
                .ok()
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        Self {
            tenant_id: read("AZURE_TENANT_ID"),
            client_id: read("AZURE_CLIENT_ID"),
            client_secret: read("AZURE_CLIENT_SECRET").map(Secret::new),
            federated_token_file: read("AZURE_FEDERATED_TOKEN_FILE").map(PathBuf::from),
            authority_host: read("AZURE_AUTHORITY_HOST"),
        }
    }
}

/// Whether `azure_identity` retries failed token requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RetryPolicy {
    /// The crate's default (exponential; a refused managed-identity endpoint takes ~80 s to fail).
    #[default]
    Default,
    /// No retries: fail at once (tests; `AZSPEECH_IDENTITY_RETRY=none`).
    None,
}

impl RetryPolicy {
    /// `AZSPEECH_IDENTITY_RETRY=none` turns retries off.
    pub fn from_environment() -> Self {
        match std::env::var("AZSPEECH_IDENTITY_RETRY") {
            Ok(value) if value.eq_ignore_ascii_case("none") => Self::None,
            _ => Self::Default,
        }
    }
}

/// The `SPEECH_CREDENTIAL` name of a source.
pub fn source_name(source: CredentialSource) -> &'static str {
    match source {
        CredentialSource::None => "none",
        CredentialSource::Chain => "chain",
        CredentialSource::ServicePrincipal => "service-principal",
        CredentialSource::WorkloadIdentity => "workload-identity",
        CredentialSource::ManagedIdentity => "managed-identity",
        CredentialSource::AzureCli => "azure-cli",
    }
}

fn hint(source: CredentialSource) -> &'static str {
    match source {
        CredentialSource::ServicePrincipal => {
            "check AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET, and that the secret has not expired"
        }
        CredentialSource::WorkloadIdentity => {
            "check AZURE_FEDERATED_TOKEN_FILE, AZURE_CLIENT_ID and AZURE_TENANT_ID, and the federated credential of the app"
        }
        CredentialSource::ManagedIdentity => {
            "run on Azure with a managed identity assigned (App Service: IDENTITY_ENDPOINT/IDENTITY_HEADER; VM: IMDS); \
             for a user-assigned identity set AZURE_CLIENT_ID"
        }
        CredentialSource::AzureCli => "run `az login` (and `az account set`), and make sure `az` is on PATH",
        CredentialSource::Chain => {
            "no source produced a token; pin one with SPEECH_CREDENTIAL (service-principal, workload-identity, \
             managed-identity, azure-cli) to see its own error"
        }
        CredentialSource::None => "this configuration does not use Entra ID",
    }
}

fn entra_error(source: CredentialSource, message: impl Into<String>) -> CredentialError {
    CredentialError::Entra {
        source_name: source_name(source),
        message: message.into(),
        hint: hint(source),
    }
}

fn client_options(cloud: Cloud, env: &EntraEnvironment, http: &reqwest::Client, retry: RetryPolicy) -> ClientOptions {
    let cloud = match &env.authority_host {
        Some(authority_host) => {
            let mut custom = CustomConfiguration::default();
            custom.authority_host = authority_host.clone();
            CloudConfiguration::Custom(custom)
        }
        None => match cloud {
            Cloud::Public => CloudConfiguration::AzurePublic,
            Cloud::UsGovernment => CloudConfiguration::AzureGovernment,
            Cloud::China => CloudConfiguration::AzureChina,
        },
    };
    ClientOptions {
        retry: match retry {
            RetryPolicy::Default => RetryOptions::default(),
            RetryPolicy::None => RetryOptions::none(),
        },
        transport: Some(Transport::new(Arc::new(http.clone()))),
        cloud: Some(Arc::new(cloud)),
        ..ClientOptions::default()
    }
}

/// Build the credential for `source`.
pub fn build_credential(
    source: CredentialSource,
    cloud: Cloud,
    env: &EntraEnvironment,
    http: &reqwest::Client,
    retry: RetryPolicy,
) -> Result<Arc<dyn TokenCredential>, CredentialError> {
    let options = || client_options(cloud, env, http, retry);
    let built: azure_core::Result<Arc<dyn TokenCredential>> = match source {
        CredentialSource::ServicePrincipal => {
            let (Some(tenant), Some(client), Some(secret)) = (&env.tenant_id, &env.client_id, &env.client_secret)
            else {
                return Err(entra_error(
                    source,
                    "AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET must all be set",
                ));
            };
            ClientSecretCredential::new(
                tenant,
                client.clone(),
                azure_core::credentials::Secret::new(secret.expose().to_owned()),
                Some(ClientSecretCredentialOptions {
                    client_options: options(),
                }),
            )
            .map(|c| c as Arc<dyn TokenCredential>)
        }
        CredentialSource::WorkloadIdentity => {
            WorkloadIdentityCredential::new(Some(WorkloadIdentityCredentialOptions {
                credential_options: ClientAssertionCredentialOptions {
                    client_options: options(),
                },
                client_id: env.client_id.clone(),
                tenant_id: env.tenant_id.clone(),
                token_file_path: env.federated_token_file.clone(),
            }))
            .map(|c| c as Arc<dyn TokenCredential>)
        }
        CredentialSource::ManagedIdentity => ManagedIdentityCredential::new(Some(ManagedIdentityCredentialOptions {
            user_assigned_id: env.client_id.clone().map(UserAssignedId::ClientId),
            client_options: options(),
        }))
        .map(|c| c as Arc<dyn TokenCredential>),
        CredentialSource::AzureCli => AzureCliCredential::new(None).map(|c| c as Arc<dyn TokenCredential>),
        CredentialSource::Chain => return Ok(Arc::new(ChainCredential::from_environment(cloud, env, http, retry))),
        CredentialSource::None => return Err(entra_error(source, "the configuration does not use Entra ID")),
    };
    built.map_err(|error| entra_error(source, error.to_string()))
}

/// Fetch a token for `scope` from `credential`.
pub async fn fetch(
    credential: Arc<dyn TokenCredential>,
    scope: String,
    source_name: &'static str,
) -> Result<CachedToken, CredentialError> {
    let token = credential
        .get_token(&[scope.as_str()], None)
        .await
        .map_err(|error| CredentialError::Entra {
            source_name,
            message: error.to_string(),
            hint: "run `azspeech doctor` to see which source is used and what it needs",
        })?;
    let expires_at_ms = u64::try_from(token.expires_on.unix_timestamp_nanos() / 1_000_000).unwrap_or(0);
    Ok(CachedToken {
        token: Secret::new(token.token.secret().to_owned()),
        expires_at_ms,
    })
}

/// A chain member: the credential, or why it could not be built (reported if every source fails).
type BuiltCredential = Result<Arc<dyn TokenCredential>, String>;

/// Try sources in order until one gives a token, like DefaultAzureCredential: service principal
/// (if its variables are set), workload identity (if `AZURE_FEDERATED_TOKEN_FILE` is set), managed
/// identity, Azure CLI. Remembers the first source that worked.
#[derive(Debug)]
pub struct ChainCredential {
    sources: Vec<(CredentialSource, BuiltCredential)>,
    chosen: std::sync::OnceLock<usize>,
}

impl ChainCredential {
    /// The chain for this environment.
    pub fn from_environment(cloud: Cloud, env: &EntraEnvironment, http: &reqwest::Client, retry: RetryPolicy) -> Self {
        let mut order = Vec::new();
        if env.tenant_id.is_some() && env.client_id.is_some() && env.client_secret.is_some() {
            order.push(CredentialSource::ServicePrincipal);
        }
        if env.federated_token_file.is_some() {
            order.push(CredentialSource::WorkloadIdentity);
        }
        order.extend([CredentialSource::ManagedIdentity, CredentialSource::AzureCli]);
        let sources = order
            .into_iter()
            .map(|source| {
                let built = build_credential(source, cloud, env, http, retry).map_err(|error| error.to_string());
                (source, built)
            })
            .collect();
        Self {
            sources,
            chosen: std::sync::OnceLock::new(),
        }
    }
}

#[async_trait::async_trait]
impl TokenCredential for ChainCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        options: Option<azure_core::credentials::TokenRequestOptions<'_>>,
    ) -> azure_core::Result<azure_core::credentials::AccessToken> {
        if let Some(&index) = self.chosen.get()
            && let Some((_, Ok(credential))) = self.sources.get(index)
        {
            return credential.get_token(scopes, options).await;
        }
        let mut failures = Vec::new();
        for (index, (source, credential)) in self.sources.iter().enumerate() {
            match credential {
                Ok(credential) => match credential.get_token(scopes, options.clone()).await {
                    Ok(token) => {
                        tracing::info!("credential chain: using {}", source_name(*source));
                        let _ = self.chosen.set(index);
                        return Ok(token);
                    }
                    Err(error) => failures.push(format!("{}: {error}", source_name(*source))),
                },
                Err(error) => failures.push(format!("{}: {error}", source_name(*source))),
            }
        }
        Err(azure_core::Error::with_message(
            azure_core::error::ErrorKind::Credential,
            format!("no credential source produced a token ({})", failures.join("; ")),
        ))
    }
}
