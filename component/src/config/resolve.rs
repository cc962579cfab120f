//! The decisions that combine the settings (auth.md §1.1–1.6): endpoint, region, cloud, mode,
//! and what Microsoft Entra ID needs.
//!
//! Each value is validated on its own first (in a fixed order, so the same input always names the
//! same variable), then the combinations.

use super::auth::{self, AuthDecision};
use super::endpoint::{self, AllowList, EndpointForm, HostClass};
use super::region::{self, Region};
use super::variables::Variables;
use super::{cloud, config_error, credential, finding, language, resource_id};
use crate::bindings::exports::azspeech::core::config::{Endpoint, Setting, Settings};
use crate::bindings::exports::azspeech::core::types::{
    AuthMode, Cloud, ConfigError, ConfigErrorCode, CredentialSource, EndpointKind, Level,
};

/// Resolve settings into a configuration, or say what to fix.
pub fn resolve(settings: &[Setting]) -> Result<Settings, ConfigError> {
    let vars = Variables::collect(settings);
    if let Some(name) = vars.secret_from_profile(super::SECRET_NAMES) {
        return Err(config_error(
            ConfigErrorCode::InvalidValue,
            Some(name),
            format!("{name} came from a profile, but profiles hold settings, never secrets"),
            format!(
                "remove it from the profile (`azspeech config unset {name}`) and set {name} in the environment, use a credential source, or use Microsoft Entra ID"
            ),
        ));
    }
    let mut notes = vars.unknown_variable_notes();
    let mut explanation: Vec<String> = vars
        .overridden()
        .iter()
        .map(|name| format!("{name} comes from a flag, which overrides the environment variable"))
        .collect();

    // Each value on its own.
    let key = vars.secret("SPEECH_KEY")?;
    let secondary_key = vars.secret("SPEECH_KEY_SECONDARY")?;
    let choice = auth::parse(&vars)?;
    let cloud_setting = vars.text("SPEECH_CLOUD")?.map(cloud::parse).transpose()?;
    let region_setting = vars
        .text("SPEECH_REGION")?
        .map(|value| region::parse(value, "SPEECH_REGION"))
        .transpose()?;
    let allow = AllowList::parse(vars.text("SPEECH_ALLOW_HOST")?)?;
    let endpoint_setting = vars
        .text("SPEECH_ENDPOINT")?
        .map(|value| endpoint::parse(value, &allow))
        .transpose()?;
    let resource_id = vars.text("SPEECH_RESOURCE_ID")?.map(resource_id::parse).transpose()?;
    let language = language::language(&vars)?;
    let voice = language::voice(&vars, &mut notes)?;
    let credential_pin = credential::parse(&vars)?;

    // Combinations.
    let region = region_of(endpoint_setting.as_ref(), region_setting, &vars)?;
    let mut cloud_explanation = Vec::new();
    let cloud = cloud_of(
        endpoint_setting.as_ref(),
        region,
        cloud_setting,
        &vars,
        &mut cloud_explanation,
    )?;
    let decision = auth::decide(choice, key, secondary_key, &vars, &mut notes)?;
    explanation.push(decision.reason.clone());
    let endpoint = endpoint_of(endpoint_setting.as_ref(), region, &decision, &vars, &mut explanation)?;
    explanation.extend(cloud_explanation);
    let credential = match decision.mode {
        AuthMode::Entra => {
            entra_requirements(&endpoint, resource_id.as_deref(), &decision, &mut explanation)?;
            credential::check(credential_pin, &vars, &mut explanation, &mut notes)?
        }
        AuthMode::Key | AuthMode::Sts => {
            if vars.is_set("SPEECH_CREDENTIAL") {
                notes.push(finding(
                    Level::Warning,
                    "credential-ignored",
                    format!(
                        "SPEECH_CREDENTIAL is ignored: the configuration uses {} authentication",
                        auth::name(decision.mode)
                    ),
                    "unset SPEECH_CREDENTIAL, or set SPEECH_AUTH=entra to use it",
                ));
            }
            if decision.mode == AuthMode::Sts {
                explanation.push(sts_sentence(&endpoint, region));
            }
            if secondary_key {
                explanation.push(
                    "SPEECH_KEY_SECONDARY is set, so the host can switch keys while one is being regenerated"
                        .to_owned(),
                );
            }
            CredentialSource::None
        }
    };

    Ok(Settings {
        auth: decision.mode,
        endpoint,
        cloud,
        region: region.map(|region| region.name.to_owned()),
        resource_id,
        language,
        voice,
        credential,
        has_secondary_key: secondary_key && decision.mode != AuthMode::Entra,
        explanation,
        notes,
        origins: vars.origins(),
    })
}

/// The region: from a regional endpoint or `SPEECH_REGION`; they must agree.
fn region_of(
    endpoint: Option<&EndpointForm>,
    setting: Option<Region>,
    vars: &Variables<'_>,
) -> Result<Option<Region>, ConfigError> {
    match (endpoint.map(|form| form.class), setting) {
        (Some(HostClass::Regional(from_host)), Some(from_setting)) if from_host != from_setting => Err(config_error(
            ConfigErrorCode::Contradiction,
            Some("SPEECH_REGION"),
            format!(
                "{}={} disagrees with SPEECH_ENDPOINT, which is the regional endpoint of {}",
                vars.describe("SPEECH_REGION"),
                from_setting.name,
                from_host.name
            ),
            format!(
                "unset SPEECH_REGION (the endpoint already names the region), or set SPEECH_REGION={}",
                from_host.name
            ),
        )),
        (Some(HostClass::Regional(from_host)), _) => Ok(Some(from_host)),
        (_, setting) => Ok(setting),
    }
}

/// The cloud: from the endpoint host, the region or `SPEECH_CLOUD`; all that are given must agree.
fn cloud_of(
    endpoint: Option<&EndpointForm>,
    region: Option<Region>,
    setting: Option<Cloud>,
    vars: &Variables<'_>,
    explanation: &mut Vec<String>,
) -> Result<Cloud, ConfigError> {
    let host_cloud = endpoint.and_then(|form| form.class.cloud());
    if let (Some(host_cloud), Some(region)) = (host_cloud, region)
        && host_cloud != region.cloud
    {
        return Err(config_error(
            ConfigErrorCode::Contradiction,
            Some("SPEECH_REGION"),
            format!(
                "{}={} is in the {} cloud, but SPEECH_ENDPOINT is a {} host",
                vars.describe("SPEECH_REGION"),
                region.name,
                cloud::name(region.cloud),
                cloud::name(host_cloud)
            ),
            "set SPEECH_REGION to the region of the resource SPEECH_ENDPOINT names, or unset SPEECH_REGION",
        ));
    }
    let derived = match (host_cloud, region) {
        (Some(cloud), _) => Some((cloud, "the SPEECH_ENDPOINT host")),
        (None, Some(region)) => Some((region.cloud, "the region")),
        (None, None) => None,
    };
    match (setting, derived) {
        (Some(setting), Some((derived, source))) if setting != derived => Err(config_error(
            ConfigErrorCode::Contradiction,
            Some("SPEECH_CLOUD"),
            format!(
                "{}={} disagrees with {source}, which is in the {} cloud",
                vars.describe("SPEECH_CLOUD"),
                cloud::name(setting),
                cloud::name(derived)
            ),
            format!(
                "set SPEECH_CLOUD={} or unset it (azspeech derives the cloud from the region and endpoint)",
                cloud::name(derived)
            ),
        )),
        (_, Some((derived, source))) => {
            if derived != Cloud::Public {
                explanation.push(format!(
                    "the {} cloud follows from {source}; Entra tokens use the scope {}",
                    cloud::name(derived),
                    cloud::scope(derived)
                ));
            }
            Ok(derived)
        }
        (Some(setting), None) => {
            explanation.push(format!("SPEECH_CLOUD={} selects the cloud", cloud::name(setting)));
            Ok(setting)
        }
        (None, None) => Ok(Cloud::Public),
    }
}

/// The endpoint record, or what is missing.
fn endpoint_of(
    form: Option<&EndpointForm>,
    region: Option<Region>,
    decision: &AuthDecision,
    vars: &Variables<'_>,
    explanation: &mut Vec<String>,
) -> Result<Endpoint, ConfigError> {
    if let Some(form) = form {
        let host = form.host.to_string();
        explanation.push(match form.class {
            HostClass::CustomDomain(_) => format!(
                "SPEECH_ENDPOINT is the custom domain {host}, so requests go there with the service in the path (/stt/..., /tts/...)"
            ),
            HostClass::Regional(region) => format!(
                "SPEECH_ENDPOINT is a regional endpoint of {}, so requests go to {}.stt.{} and {}.tts.{}",
                region.name,
                region.name,
                cloud::speech_suffix(region.cloud),
                region.name,
                cloud::speech_suffix(region.cloud)
            ),
            HostClass::Loopback => format!(
                "SPEECH_ENDPOINT is loopback ({host}), a local emulator or container, so requests use the container paths"
            ),
            HostClass::Allowed => format!(
                "SPEECH_ENDPOINT host {host} is not an Azure host, but SPEECH_ALLOW_HOST lists it, so it is treated like a custom domain"
            ),
        });
        // A regional endpoint is recorded by its region's API host, whichever sibling was given.
        let host = match form.class {
            HostClass::Regional(region) => format!("{}.{}", region.name, cloud::api_suffix(region.cloud)),
            _ => host,
        };
        return Ok(Endpoint {
            kind: form.class.kind(),
            secure: form.secure,
            host,
            port: form.port,
        });
    }
    if let Some(region) = region {
        explanation.push(format!(
            "SPEECH_REGION={}, so requests go to the regional hosts {}.stt.{} and {}.tts.{}",
            region.name,
            region.name,
            cloud::speech_suffix(region.cloud),
            region.name,
            cloud::speech_suffix(region.cloud)
        ));
        return Ok(Endpoint {
            kind: EndpointKind::Regional,
            secure: true,
            host: format!("{}.{}", region.name, cloud::api_suffix(region.cloud)),
            port: None,
        });
    }
    Err(match decision.mode {
        AuthMode::Key | AuthMode::Sts => config_error(
            ConfigErrorCode::MissingSetting,
            Some("SPEECH_REGION"),
            "SPEECH_KEY is set, but neither SPEECH_REGION nor SPEECH_ENDPOINT says where the resource is",
            "set SPEECH_REGION to the resource's region (e.g. westeurope), or SPEECH_ENDPOINT to its endpoint (e.g. https://<name>.cognitiveservices.azure.com/)",
        ),
        AuthMode::Entra => config_error(
            ConfigErrorCode::MissingSetting,
            Some("SPEECH_ENDPOINT"),
            format!(
                "You must set SPEECH_ENDPOINT when using Microsoft Entra ID (managed identity){}: no endpoint is configured",
                if decision.explicit {
                    ""
                } else {
                    ", which azspeech uses because no SPEECH_KEY is set"
                }
            ),
            format!(
                "set SPEECH_ENDPOINT=https://<name>.cognitiveservices.azure.com/ (the resource's custom domain), or SPEECH_REGION plus SPEECH_RESOURCE_ID{}",
                if vars.is_set("SPEECH_AUTH") {
                    ""
                } else {
                    "; or set SPEECH_KEY to use key authentication"
                }
            ),
        ),
    })
}

/// Entra needs a custom domain (or loopback / allowed host), or a resource id for `aad#` on
/// regional hosts.
fn entra_requirements(
    endpoint: &Endpoint,
    resource_id: Option<&str>,
    decision: &AuthDecision,
    explanation: &mut Vec<String>,
) -> Result<(), ConfigError> {
    match (endpoint.kind, resource_id) {
        (EndpointKind::Regional, None) if decision.explicit => Err(config_error(
            ConfigErrorCode::UnsupportedCombination,
            Some("SPEECH_RESOURCE_ID"),
            "Microsoft Entra ID with a region needs the resource id: a regional host rejects a plain Entra token (401), it accepts only aad#<resource-id>#<token>",
            "set SPEECH_RESOURCE_ID=/subscriptions/<guid>/resourceGroups/<group>/providers/Microsoft.CognitiveServices/accounts/<name> (portal → Properties → Resource ID), or set SPEECH_ENDPOINT=https://<name>.cognitiveservices.azure.com/ (the custom domain) instead of the region",
        )),
        (EndpointKind::Regional, None) => Err(config_error(
            ConfigErrorCode::MissingSetting,
            Some("SPEECH_ENDPOINT"),
            "no SPEECH_KEY is set, so azspeech would use Microsoft Entra ID, but a regional endpoint accepts an Entra token only with the resource id",
            "set SPEECH_KEY for key authentication; or for Microsoft Entra ID set SPEECH_ENDPOINT=https://<name>.cognitiveservices.azure.com/ (custom domain), or SPEECH_RESOURCE_ID with the region",
        )),
        (EndpointKind::Regional, Some(_)) => {
            explanation.push(
                "the regional hosts accept an Entra token only as aad#<resource-id>#<token>, so every request carries SPEECH_RESOURCE_ID with the token".to_owned(),
            );
            Ok(())
        }
        (EndpointKind::CustomDomain | EndpointKind::AllowedHost, Some(_)) => {
            explanation.push(
                "speech-to-text sends the raw Entra token to the custom domain; text-to-speech sends aad#<resource-id>#<token>, the documented form for synthesis, because raw Entra tokens on the custom-domain TTS path were rejected with 401 (Azure-Samples/cognitive-services-speech-sdk#2890, SDK 1.45)".to_owned(),
            );
            Ok(())
        }
        (EndpointKind::CustomDomain | EndpointKind::AllowedHost, None) => {
            explanation.push(
                "speech-to-text and text-to-speech send the raw Entra token to the custom domain because SPEECH_RESOURCE_ID is unset; raw tokens on the custom-domain TTS path were rejected with 401 before Speech SDK 1.51 (Azure-Samples/cognitive-services-speech-sdk#2890), so set SPEECH_RESOURCE_ID if synthesis gets 401".to_owned(),
            );
            Ok(())
        }
        (EndpointKind::Loopback, resource_id) => {
            explanation.push(format!(
                "the local endpoint gets the raw Entra token{}",
                if resource_id.is_some() {
                    " for speech-to-text and aad#<resource-id>#<token> for text-to-speech"
                } else {
                    ""
                }
            ));
            Ok(())
        }
    }
}

fn sts_sentence(endpoint: &Endpoint, region: Option<Region>) -> String {
    match (endpoint.kind, region) {
        (EndpointKind::Regional, Some(region)) => format!(
            "the key is exchanged at https://{}.{}/sts/v1.0/issueToken; the token works only on that region's hosts and is reused for up to 9 minutes",
            region.name,
            cloud::api_suffix(region.cloud)
        ),
        _ => format!(
            "the key is exchanged at the issueToken endpoint of {}; the token works only on that host and is reused for up to 9 minutes",
            endpoint.host
        ),
    }
}
