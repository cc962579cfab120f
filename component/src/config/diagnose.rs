//! What `azspeech doctor` prints: the chosen mode, the security baseline, the token format
//! decision, and the notes `resolve` made (auth.md §1.4–1.6, the seed's security guidance).

use super::{auth, cloud, credential, finding};
use crate::bindings::exports::azspeech::core::config::Settings;
use crate::bindings::exports::azspeech::core::connection::{RequestKind, TokenFormat};
use crate::bindings::exports::azspeech::core::types::{AuthMode, CredentialSource, EndpointKind, Finding, Level};
use crate::connection::auth::entra_token_format;

/// The least-privilege role for calling the Speech APIs with Entra ID (auth.md §1.4).
pub const LEAST_PRIVILEGE_ROLE: &str = "Cognitive Services Speech User";

/// Findings for a resolved configuration.
pub fn diagnose(settings: &Settings) -> Vec<Finding> {
    let mut findings = vec![mode(settings)];
    endpoint(settings, &mut findings);
    match settings.auth {
        AuthMode::Key | AuthMode::Sts => keys(settings, &mut findings),
        AuthMode::Entra => entra(settings, &mut findings),
    }
    findings.extend(settings.notes.iter().cloned());
    findings
}

fn endpoint_description(settings: &Settings) -> String {
    let endpoint = &settings.endpoint;
    match endpoint.kind {
        EndpointKind::Regional => format!(
            "the regional endpoint of {}",
            settings.region.as_deref().unwrap_or(endpoint.host.as_str())
        ),
        EndpointKind::CustomDomain => format!("the custom domain {}", endpoint.host),
        EndpointKind::Loopback => format!("the local endpoint {}", endpoint.host),
        EndpointKind::AllowedHost => format!("the allowed host {}", endpoint.host),
    }
}

fn mode(settings: &Settings) -> Finding {
    let how = match settings.auth {
        AuthMode::Key => "a resource key (Ocp-Apim-Subscription-Key)".to_owned(),
        AuthMode::Sts => "STS tokens exchanged from a resource key".to_owned(),
        AuthMode::Entra => format!(
            "Microsoft Entra ID tokens from {} (scope {})",
            credential::name(settings.credential),
            cloud::scope(settings.cloud)
        ),
    };
    finding(
        Level::Info,
        "auth-mode",
        format!(
            "{} authentication: requests carry {how} to {} in the {} cloud",
            auth::name(settings.auth),
            endpoint_description(settings),
            cloud::name(settings.cloud)
        ),
        String::new(),
    )
}

fn endpoint(settings: &Settings, findings: &mut Vec<Finding>) {
    let endpoint = &settings.endpoint;
    match endpoint.kind {
        EndpointKind::Regional => findings.push(finding(
            Level::Info,
            "regional-endpoint",
            "requests go to public regional endpoints, reachable from any network",
            format!(
                "for network isolation give the resource a custom domain and a private endpoint, then set SPEECH_ENDPOINT=https://<name>.{}/",
                cloud::custom_domain_suffix(settings.cloud)
            ),
        )),
        EndpointKind::CustomDomain => findings.push(finding(
            Level::Info,
            "custom-domain-endpoint",
            format!(
                "requests go to the custom domain {} (required for Microsoft Entra ID and private endpoints)",
                endpoint.host
            ),
            "if speech requests get 404 the resource has no private endpoint for /stt/ and /tts/ paths: use the regional endpoint (SPEECH_REGION) instead",
        )),
        EndpointKind::Loopback => findings.push(finding(
            Level::Info,
            "loopback-endpoint",
            format!(
                "requests go to a local emulator or container at {}{}",
                endpoint.host,
                endpoint.port.map(|port| format!(" port {port}")).unwrap_or_default()
            ),
            String::new(),
        )),
        EndpointKind::AllowedHost => findings.push(finding(
            Level::Warning,
            "allowed-host",
            format!(
                "credentials are sent to {}, which is not an Azure host, because SPEECH_ALLOW_HOST lists it",
                endpoint.host
            ),
            "keep a host in SPEECH_ALLOW_HOST only if you control it (e.g. your own TLS-terminating proxy)",
        )),
    }
    if !endpoint.secure {
        findings.push(finding(
            Level::Info,
            "plaintext-loopback",
            "requests use ws/http without TLS; azspeech allows this only because the endpoint is loopback",
            "use https:// or wss:// for anything that leaves this machine",
        ));
    }
}

fn keys(settings: &Settings, findings: &mut Vec<Finding>) {
    findings.push(finding(
        Level::Warning,
        "key-auth-in-use",
        "requests authenticate with a resource key: anyone holding it can use the resource, and it does not expire",
        format!(
            "prefer Microsoft Entra ID: assign the runtime identity the {LEAST_PRIVILEGE_ROLE} role on the resource (least privilege), set SPEECH_ENDPOINT=https://<name>.{}/ and SPEECH_AUTH=entra, then disable key access (disableLocalAuth)",
            cloud::custom_domain_suffix(settings.cloud)
        ),
    ));
    if !settings.has_secondary_key {
        findings.push(finding(
            Level::Info,
            "no-secondary-key",
            "only SPEECH_KEY is set, so regenerating it interrupts service",
            "set SPEECH_KEY_SECONDARY to the resource's other key and rotate one key at a time",
        ));
    }
    if settings.auth == AuthMode::Sts {
        findings.push(finding(
            Level::Info,
            "sts-token",
            "the key only travels to the issueToken endpoint; requests carry a 10-minute token that is valid only on the host it was issued for",
            if settings.endpoint.kind == EndpointKind::CustomDomain {
                "behind a private endpoint STS tokens work only with 'All networks' access; if requests get 403 use SPEECH_AUTH=key"
            } else {
                ""
            },
        ));
    }
}

fn entra(settings: &Settings, findings: &mut Vec<Finding>) {
    findings.push(finding(
        Level::Info,
        "entra-role",
        format!(
            "the identity needs the {LEAST_PRIVILEGE_ROLE} role on the Speech resource (Cognitive Services Contributor grants no data access)"
        ),
        format!(
            "az role assignment create --role \"{LEAST_PRIVILEGE_ROLE}\" --assignee <principal-id> --scope <SPEECH_RESOURCE_ID>"
        ),
    ));
    match settings.credential {
        CredentialSource::Chain | CredentialSource::None => findings.push(finding(
            Level::Warning,
            "credential-chain",
            "the Entra token comes from the first credential source that works, so a change in the environment can silently switch identities",
            "pin the source in production: SPEECH_CREDENTIAL=managed-identity (or workload-identity, service-principal, azure-cli)",
        )),
        source => findings.push(finding(
            Level::Info,
            "credential-pinned",
            format!("the Entra token source is pinned to {}", credential::name(source)),
            String::new(),
        )),
    }
    if settings.cloud != crate::bindings::exports::azspeech::core::types::Cloud::Public {
        findings.push(finding(
            Level::Info,
            "sovereign-scope",
            format!(
                "tokens are requested for {}, the {} cloud's Cognitive Services scope",
                cloud::scope(settings.cloud),
                cloud::name(settings.cloud)
            ),
            String::new(),
        ));
    }
    findings.push(token_format(settings));
}

fn token_format(settings: &Settings) -> Finding {
    let stt = entra_token_format(settings, RequestKind::SttWebsocket);
    let tts = entra_token_format(settings, RequestKind::TtsWebsocket);
    match (settings.endpoint.kind, stt, tts) {
        (_, Err(error), _) | (_, _, Err(error)) => finding(Level::Error, "token-format", error.message, error.fix),
        (EndpointKind::Regional, _, _) => finding(
            Level::Info,
            "token-format",
            "the regional hosts get aad#<resource-id>#<token> for speech-to-text and text-to-speech",
            String::new(),
        ),
        (kind, Ok(_), Ok(TokenFormat::AadPrefixed(_))) => finding(
            Level::Info,
            "token-format",
            format!(
                "speech-to-text sends the raw Entra token to {}; text-to-speech sends aad#<resource-id>#<token>, the documented form for synthesis (raw tokens on the custom-domain TTS path failed with 401: Azure-Samples/cognitive-services-speech-sdk#2890)",
                if kind == EndpointKind::Loopback {
                    "the local endpoint"
                } else {
                    "the custom domain"
                }
            ),
            String::new(),
        ),
        (EndpointKind::Loopback, Ok(_), Ok(TokenFormat::Raw)) => finding(
            Level::Info,
            "token-format",
            "the local endpoint gets the raw Entra token",
            String::new(),
        ),
        (_, Ok(_), Ok(TokenFormat::Raw)) => finding(
            Level::Warning,
            "tts-raw-entra-token",
            "text-to-speech sends the raw Entra token to the custom domain because SPEECH_RESOURCE_ID is unset; this was rejected with 401 before Speech SDK 1.51 (Azure-Samples/cognitive-services-speech-sdk#2890)",
            "set SPEECH_RESOURCE_ID=/subscriptions/<guid>/resourceGroups/<group>/providers/Microsoft.CognitiveServices/accounts/<name> so synthesis uses aad#<resource-id>#<token>",
        ),
    }
}
