//! Host forms (from the `Host` header) and the paths each form serves.
//!
//! | form | STT WebSocket | TTS WebSocket, REST, voices | STS |
//! |---|---|---|---|
//! | `{region}.stt.speech.{sfx}` | `/speech/recognition/{mode}/cognitiveservices/v1`, `/speech/universal/v2`, `/stt/speech/universal/v2` | – | – |
//! | `{region}.tts.speech.{sfx}` | – | `/cognitiveservices/websocket/v1`, `/tts/cognitiveservices/websocket/v1`, `/cognitiveservices/v1`, `/cognitiveservices/voices/list` | – |
//! | `{region}.api.cognitive.{sfx}` | – | – | `/sts/v1.0/issueToken` |
//! | `{name}.cognitiveservices.azure.{com,us,cn}` | the same paths under `/stt/` | the same paths under `/tts/` | `/sts/v1.0/issueToken` |
//! | loopback | every regional path above (container paths) | every regional path | `/sts/v1.0/issueToken` |
//!
//! Fast and batch transcription (`/speechtotext/transcriptions…`) are served where STS is: the
//! regional API host, the custom domain (unprefixed) and loopback. Batch result files
//! (`/storage/transcriptions/…`, "storage" behind a SAS-like signature) are served on every host.
//!
//! Sources: usp.md §1.1, §1.2, §8; auth.md §1.2 (custom-domain rule: the service label becomes the
//! first path segment; custom domains without that prefix answer 404). The identity endpoints
//! (`/msi/token`, `/metadata/identity/oauth2/token`, `/{tenant}/oauth2/v2.0/token`,
//! `/{tenant}/v2.0/.well-known/openid-configuration`) are served on every host: in Azure they
//! live on other hosts (App Service, IMDS, `login.microsoftonline.com`).

use crate::batch::{self, BatchRoute};
use crate::config::{Cloud, EmulatorConfig, HostForm};
use crate::storage;

/// A classified `Host` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HostInfo {
    /// The host name without port, lowercase.
    pub(crate) name: String,
    pub(crate) form: HostForm,
    /// The host is an Azure name of another resource (other region, name or cloud): every
    /// credential of this resource is refused there.
    pub(crate) foreign: bool,
}

impl HostInfo {
    /// The STS-token binding of this host: tokens issued here are valid only on hosts with the
    /// same binding (auth.md §1.1: "Bearer tokens are scoped to the endpoint that issued them").
    pub(crate) fn sts_binding(&self, config: &EmulatorConfig) -> String {
        match self.form {
            HostForm::RegionalStt | HostForm::RegionalTts | HostForm::RegionalApi => {
                format!("regional:{}:{}", config.region, config.cloud.name())
            }
            HostForm::CustomDomain => format!("custom:{}:{}", config.custom_domain, config.cloud.name()),
            HostForm::Loopback => "loopback".to_owned(),
        }
    }
}

fn strip_port(host: &str) -> &str {
    if let Some(rest) = host.strip_prefix('[') {
        // [::1]:port
        return rest.split(']').next().unwrap_or(rest);
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    }
}

const CLOUDS: [Cloud; 3] = [Cloud::Public, Cloud::UsGov, Cloud::China];

/// Classify a `Host` header value.
pub(crate) fn classify(host: Option<&str>, config: &EmulatorConfig) -> HostInfo {
    let name = strip_port(host.unwrap_or("").trim())
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let default = |name: String| HostInfo {
        name,
        form: config.default_form,
        foreign: false,
    };
    for cloud in CLOUDS {
        let regional = [
            (format!(".stt.speech.{}", cloud.speech_suffix()), HostForm::RegionalStt),
            (format!(".tts.speech.{}", cloud.speech_suffix()), HostForm::RegionalTts),
            (
                format!(".voice.speech.{}", cloud.speech_suffix()),
                HostForm::RegionalTts,
            ),
            (format!(".{}", cloud.api_suffix()), HostForm::RegionalApi),
        ];
        for (suffix, form) in regional {
            if let Some(region) = name.strip_suffix(suffix.as_str())
                && !region.is_empty()
                && !region.contains('.')
            {
                let foreign = cloud != config.cloud || region != config.region;
                return HostInfo { name, form, foreign };
            }
        }
        let custom = format!(".{}", cloud.custom_domain_suffix());
        if let Some(sub) = name.strip_suffix(custom.as_str())
            && !sub.is_empty()
            && !sub.contains('.')
        {
            let foreign = cloud != config.cloud || sub != config.custom_domain;
            return HostInfo {
                name,
                form: HostForm::CustomDomain,
                foreign,
            };
        }
    }
    default(name)
}

/// Recognition mode of a v1 STT path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PathMode {
    Interactive,
    Conversation,
    Dictation,
    /// `/speech/universal/v2`: the mode comes from `speech.context`.
    Universal,
}

/// What a request path asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    Stt {
        mode: PathMode,
        prefixed: bool,
    },
    TtsWebSocket {
        prefixed: bool,
    },
    TtsRest {
        prefixed: bool,
    },
    Voices {
        prefixed: bool,
    },
    Sts,
    /// `/speechtotext/transcriptions:transcribe` (fast transcription).
    FastTranscription,
    /// `/speechtotext/transcriptions…` (batch transcription).
    Batch(BatchRoute),
    /// `/storage/transcriptions/{job}/{file}`: batch results behind a SAS-like URL.
    StorageResult,
    MsiToken,
    ImdsToken,
    EntraToken {
        tenant: String,
    },
    OpenIdConfiguration {
        tenant: String,
    },
    NotFound,
}

/// Parse a path (without query).
pub(crate) fn route(path: &str) -> Route {
    let (prefix, rest) = if let Some(rest) = path.strip_prefix("/stt/") {
        (Some("stt"), format!("/{rest}"))
    } else if let Some(rest) = path.strip_prefix("/tts/") {
        (Some("tts"), format!("/{rest}"))
    } else {
        (None, path.to_owned())
    };
    let stt = |mode| Route::Stt {
        mode,
        prefixed: prefix == Some("stt"),
    };
    match (prefix, rest.as_str()) {
        (None | Some("stt"), "/speech/recognition/interactive/cognitiveservices/v1") => stt(PathMode::Interactive),
        (None | Some("stt"), "/speech/recognition/conversation/cognitiveservices/v1") => stt(PathMode::Conversation),
        (None | Some("stt"), "/speech/recognition/dictation/cognitiveservices/v1") => stt(PathMode::Dictation),
        (None | Some("stt"), "/speech/universal/v2") => stt(PathMode::Universal),
        (None | Some("tts"), "/cognitiveservices/websocket/v1") => Route::TtsWebSocket {
            prefixed: prefix.is_some(),
        },
        (None | Some("tts"), "/cognitiveservices/v1") => Route::TtsRest {
            prefixed: prefix.is_some(),
        },
        (None | Some("tts"), "/cognitiveservices/voices/list") => Route::Voices {
            prefixed: prefix.is_some(),
        },
        (None, "/sts/v1.0/issueToken" | "/sts/v1.0/issuetoken") => Route::Sts,
        (None, "/speechtotext/transcriptions:transcribe" | "/speechtotext/transcriptions%3Atranscribe") => {
            Route::FastTranscription
        }
        (None, "/msi/token") => Route::MsiToken,
        (None, "/metadata/identity/oauth2/token") => Route::ImdsToken,
        (None, other) if other.starts_with(storage::PREFIX) => Route::StorageResult,
        (None, other) if let Some(batch) = batch::route(other) => Route::Batch(batch),
        (None, other) => {
            let segments: Vec<&str> = other.trim_start_matches('/').split('/').collect();
            match segments.as_slice() {
                [tenant, "oauth2", "v2.0", "token"] if !tenant.is_empty() => Route::EntraToken {
                    tenant: (*tenant).to_owned(),
                },
                [tenant, "v2.0", ".well-known", "openid-configuration"] if !tenant.is_empty() => {
                    Route::OpenIdConfiguration {
                        tenant: (*tenant).to_owned(),
                    }
                }
                _ => Route::NotFound,
            }
        }
        _ => Route::NotFound,
    }
}

/// Whether `form` serves `route` (see the module table). Identity routes are served everywhere.
pub(crate) fn serves(form: HostForm, route: &Route) -> bool {
    match route {
        Route::MsiToken
        | Route::ImdsToken
        | Route::EntraToken { .. }
        | Route::OpenIdConfiguration { .. }
        | Route::StorageResult => true,
        Route::NotFound => false,
        // The REST APIs of speech-to-text live on the API host, unprefixed on a custom domain.
        Route::Sts | Route::FastTranscription | Route::Batch(_) => matches!(
            form,
            HostForm::RegionalApi | HostForm::CustomDomain | HostForm::Loopback
        ),
        Route::Stt { mode, prefixed } => match form {
            HostForm::CustomDomain => *prefixed,
            // Regional hosts: v1 paths and /speech/universal/v2 unprefixed, plus the
            // /stt/speech/universal/v2 the SDKs use on regional hosts since 1.44.
            HostForm::RegionalStt | HostForm::Loopback => !*prefixed || *mode == PathMode::Universal,
            _ => false,
        },
        Route::TtsWebSocket { prefixed } => match form {
            HostForm::CustomDomain => *prefixed,
            HostForm::RegionalTts | HostForm::Loopback => true,
            _ => false,
        },
        Route::TtsRest { prefixed } | Route::Voices { prefixed } => match form {
            HostForm::CustomDomain => *prefixed,
            HostForm::RegionalTts | HostForm::Loopback => !*prefixed,
            _ => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification() {
        let config = EmulatorConfig::default();
        let c = |h: &str| {
            let info = classify(Some(h), &config);
            (info.form, info.foreign)
        };
        assert_eq!(c("westeurope.stt.speech.microsoft.com"), (HostForm::RegionalStt, false));
        assert_eq!(
            c("WestEurope.tts.speech.microsoft.com:443"),
            (HostForm::RegionalTts, false)
        );
        assert_eq!(c("eastus.stt.speech.microsoft.com"), (HostForm::RegionalStt, true));
        assert_eq!(
            c("westeurope.api.cognitive.microsoft.com"),
            (HostForm::RegionalApi, false)
        );
        assert_eq!(c("westeurope.stt.speech.azure.us"), (HostForm::RegionalStt, true));
        assert_eq!(
            c("contoso-speech.cognitiveservices.azure.com"),
            (HostForm::CustomDomain, false)
        );
        assert_eq!(c("other.cognitiveservices.azure.com"), (HostForm::CustomDomain, true));
        assert_eq!(c("127.0.0.1:8080"), (HostForm::Loopback, false));
        assert_eq!(c("[::1]:8080"), (HostForm::Loopback, false));
        assert_eq!(c("localhost"), (HostForm::Loopback, false));
    }

    #[test]
    fn routes_per_form() {
        let v2 = route("/stt/speech/universal/v2");
        assert!(serves(HostForm::RegionalStt, &v2));
        assert!(serves(HostForm::CustomDomain, &v2));
        let v1 = route("/speech/recognition/conversation/cognitiveservices/v1");
        assert!(serves(HostForm::RegionalStt, &v1));
        assert!(!serves(HostForm::CustomDomain, &v1));
        assert!(!serves(HostForm::RegionalTts, &v1));
        let v1p = route("/stt/speech/recognition/interactive/cognitiveservices/v1");
        assert!(serves(HostForm::CustomDomain, &v1p));
        assert!(!serves(HostForm::RegionalStt, &v1p));
        assert!(serves(
            HostForm::RegionalTts,
            &route("/tts/cognitiveservices/websocket/v1")
        ));
        assert!(!serves(
            HostForm::CustomDomain,
            &route("/cognitiveservices/websocket/v1")
        ));
        assert!(serves(HostForm::RegionalApi, &route("/sts/v1.0/issueToken")));
        assert!(!serves(HostForm::RegionalStt, &route("/sts/v1.0/issueToken")));
        assert_eq!(
            route("/tenant-1/oauth2/v2.0/token"),
            Route::EntraToken {
                tenant: "tenant-1".into()
            }
        );
        assert_eq!(route("/nothing"), Route::NotFound);
    }
}
