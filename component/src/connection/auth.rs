//! The auth plan of a request (auth.md §1.1):
//! - key mode: `Ocp-Apim-Subscription-Key` with the primary key;
//! - STS mode: trade the primary key at the `issueToken` endpoint of the same host family, reuse
//!   the token for 9 minutes, send it only to the host it was planned for;
//! - Entra mode: a token for the cloud's Cognitive Services scope, formatted per host and service
//!   ([`entra_token_format`]).

use super::target::Target;
use super::urls::{self, Location};
use crate::bindings::exports::azspeech::core::config::Settings;
use crate::bindings::exports::azspeech::core::connection::{
    AuthPlan, BearerPlan, KeySlot, RequestKind, StsPlan, TokenFormat,
};
use crate::bindings::exports::azspeech::core::types::{AuthMode, ConfigError, ConfigErrorCode, EndpointKind};
use crate::config::{cloud, config_error, resource_id};

/// STS tokens live 10 minutes; reuse one for at most 9.
pub const STS_MAX_AGE_MS: u64 = 9 * 60 * 1000;

/// Whether a request kind is text-to-speech.
pub fn is_synthesis(kind: RequestKind) -> bool {
    matches!(
        kind,
        RequestKind::TtsWebsocket | RequestKind::TtsRest | RequestKind::VoicesList
    )
}

/// How an Entra token is formatted for a `kind` request under `settings`:
/// - regional hosts: `aad#<resource-id>#<token>` (a raw token is rejected there);
/// - custom domain, allowed host, loopback: the raw token for speech-to-text; for text-to-speech
///   `aad#` whenever the resource id is known, because raw Entra tokens on the custom-domain TTS
///   path failed with 401 (Azure-Samples/cognitive-services-speech-sdk#2890, SDK 1.45), and raw
///   otherwise (`diagnose` warns).
pub fn entra_token_format(settings: &Settings, kind: RequestKind) -> Result<TokenFormat, ConfigError> {
    let resource_id = settings.resource_id.as_deref().map(resource_id::parse).transpose()?;
    match (settings.endpoint.kind, resource_id) {
        (EndpointKind::Regional, Some(id)) => Ok(TokenFormat::AadPrefixed(id)),
        (EndpointKind::Regional, None) => Err(config_error(
            ConfigErrorCode::UnsupportedCombination,
            Some("SPEECH_RESOURCE_ID"),
            "Microsoft Entra ID on a regional endpoint needs the resource id (aad#<resource-id>#<token>)",
            "set SPEECH_RESOURCE_ID, or set SPEECH_ENDPOINT to the custom domain",
        )),
        (_, Some(id)) if is_synthesis(kind) => Ok(TokenFormat::AadPrefixed(id)),
        (_, _) => Ok(TokenFormat::Raw),
    }
}

/// The auth plan for a `kind` request to `location`.
pub fn plan(
    settings: &Settings,
    target: &Target,
    kind: RequestKind,
    location: &Location,
) -> Result<AuthPlan, ConfigError> {
    match (settings.auth, kind) {
        (AuthMode::Key | AuthMode::Sts, RequestKind::StsToken) | (AuthMode::Key, _) => {
            Ok(AuthPlan::SubscriptionKey(KeySlot::Primary))
        }
        (AuthMode::Sts, _) => {
            let token = urls::location(target, RequestKind::StsToken, &settings.language);
            Ok(AuthPlan::StsExchange(StsPlan {
                token_url: token.url(),
                key: KeySlot::Primary,
                audience_host: location.host.clone(),
                max_age_ms: STS_MAX_AGE_MS,
            }))
        }
        (AuthMode::Entra, RequestKind::StsToken) => Err(config_error(
            ConfigErrorCode::UnsupportedCombination,
            Some("SPEECH_AUTH"),
            "an STS token is derived from a key, but the configuration uses Microsoft Entra ID",
            "with Microsoft Entra ID no token exchange is needed; for STS tokens set SPEECH_KEY and SPEECH_AUTH=sts",
        )),
        (AuthMode::Entra, _) => Ok(AuthPlan::Bearer(BearerPlan {
            scope: cloud::scope(target.cloud(settings)).to_owned(),
            format: entra_token_format(settings, kind)?,
        })),
    }
}
