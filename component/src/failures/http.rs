//! Rejected WebSocket upgrades and REST calls (usp.md §6.1, auth.md §1.1, §1.5, §1.6).
//!
//! | status | case | likely causes named in the hint |
//! |---|---|---|
//! | 401 | authentication | wrong key or region; key auth disabled (disableLocalAuth); raw Entra token on a regional host; TTS + raw Entra token on a custom domain; expired or foreign token |
//! | 403 | forbidden | missing role; network rules / private endpoint; STS token used on another host |
//! | 404 | configuration | custom domain without private endpoint; wrong path or region |
//! | 429 | throttled | `Retry-After` in delta-seconds |
//! | 400 | configuration | language, format |
//! | 5xx, 408 | transient | |
//! | 3xx, 407 | configuration | redirect not followed, proxy authentication |
//! | other 4xx | bad request | |
//! | 1xx, 2xx, ≥ 600 | protocol | |

use super::{excerpt, retry_after};
use crate::bindings::exports::azspeech::core::config::Settings;
use crate::bindings::exports::azspeech::core::types::{
    AuthMode, EndpointKind, FailureDetail, SpeechError, ThrottleDetail,
};
use crate::config::cloud;
use crate::config::diagnose::LEAST_PRIVILEGE_ROLE;

/// Classify a rejected upgrade or REST call.
pub fn classify(settings: &Settings, status: u16, retry_after: Option<&str>, body: &str) -> SpeechError {
    let detail = |hint: String| FailureDetail {
        http_status: Some(status),
        close_code: None,
        message: message(status, body),
        hint,
    };
    match status {
        401 => SpeechError::Authentication(detail(unauthorized(settings, body))),
        403 => SpeechError::Forbidden(detail(forbidden(settings))),
        404 => SpeechError::Configuration(detail(not_found(settings))),
        429 => {
            let retry_after_ms = retry_after.and_then(retry_after::parse);
            let wait = match retry_after_ms {
                Some(ms) => format!("wait {} s as the service asked, then retry", ms / 1000),
                None => "back off (e.g. 1 s, 2 s, 4 s...) and retry".to_owned(),
            };
            SpeechError::Throttled(ThrottleDetail {
                detail: detail(format!(
                    "the resource is over its request rate or concurrent-connection limit: {wait}; for sustained load use the S0 tier or ask for a higher quota"
                )),
                retry_after_ms,
            })
        }
        400 => SpeechError::Configuration(detail(format!(
            "the service rejected the request parameters: check that SPEECH_LANGUAGE={} is a supported locale and that the audio or output format is supported (for REST synthesis, that the SSML is valid)",
            settings.language
        ))),
        407 => SpeechError::Configuration(detail(
            "a proxy between you and the service requires authentication: configure the proxy credentials".to_owned(),
        )),
        408 | 500..=599 => SpeechError::Transient(detail(format!(
            "the service or a gateway failed transiently (HTTP {status}): retry with backoff; if it persists check the Azure status page for {}",
            settings.region.as_deref().unwrap_or(settings.endpoint.host.as_str())
        ))),
        300..=399 => SpeechError::Configuration(detail(
            "the endpoint answered with a redirect, which azspeech does not follow with credentials: set SPEECH_ENDPOINT to the final endpoint (the regional endpoint, or the custom domain with a private endpoint)".to_owned(),
        )),
        402..=499 => SpeechError::BadRequest(detail(format!(
            "the service refused the request (HTTP {status}); it will fail the same way if retried: check the request format and options"
        ))),
        _ => SpeechError::Protocol(detail(format!(
            "HTTP {status} is not a valid answer to this request; report it with the message"
        ))),
    }
}

/// `HTTP 401 Unauthorized: <body excerpt>`.
fn message(status: u16, body: &str) -> String {
    let reason = match status {
        400 => " Bad Request",
        401 => " Unauthorized",
        403 => " Forbidden",
        404 => " Not Found",
        407 => " Proxy Authentication Required",
        408 => " Request Timeout",
        415 => " Unsupported Media Type",
        429 => " Too Many Requests",
        500 => " Internal Server Error",
        502 => " Bad Gateway",
        503 => " Service Unavailable",
        504 => " Gateway Timeout",
        _ => "",
    };
    let body = excerpt(body);
    if body.is_empty() {
        format!("HTTP {status}{reason} (empty body)")
    } else {
        format!("HTTP {status}{reason}: {body}")
    }
}

fn joined(causes: &[String]) -> String {
    let numbered: Vec<String> = causes
        .iter()
        .enumerate()
        .map(|(index, cause)| format!("({}) {cause}", index + 1))
        .collect();
    format!("likely causes: {}", numbered.join("; "))
}

fn where_(settings: &Settings) -> String {
    match (settings.endpoint.kind, settings.region.as_deref()) {
        (EndpointKind::Regional, Some(region)) => format!("region {region}"),
        _ => settings.endpoint.host.clone(),
    }
}

fn unauthorized(settings: &Settings, body: &str) -> String {
    let mut causes = Vec::new();
    let lower = body.to_ascii_lowercase();
    let token_expired = lower.contains("expired");
    match settings.auth {
        AuthMode::Key | AuthMode::Sts => {
            if settings.auth == AuthMode::Sts {
                causes.push(
                    "the STS token expired or was issued for another host (tokens are valid only on the endpoint that issued them): fetch a new one".to_owned(),
                );
            }
            causes.push(format!(
                "SPEECH_KEY does not belong to the resource at {} (a key works only with its own resource and region): copy KEY 1 from the resource's Keys and Endpoint page{}",
                where_(settings),
                if settings.endpoint.kind == EndpointKind::Regional { " and check SPEECH_REGION" } else { "" }
            ));
            causes.push(
                "key access is disabled on the resource (disableLocalAuth): use Microsoft Entra ID (SPEECH_AUTH=entra with the custom domain)".to_owned(),
            );
            if settings.endpoint.kind == EndpointKind::Regional {
                causes.push(format!(
                    "the resource is behind a private endpoint, where region-only configuration gets 401: set SPEECH_ENDPOINT=https://<name>.{}/",
                    cloud::custom_domain_suffix(settings.cloud)
                ));
            }
            if settings.has_secondary_key {
                causes.push("SPEECH_KEY was just regenerated: retry with SPEECH_KEY_SECONDARY".to_owned());
            }
        }
        AuthMode::Entra => {
            causes.push(format!(
                "the Entra token expired or was issued for another tenant or scope (it must be {}): get a fresh token",
                cloud::scope(settings.cloud)
            ));
            match settings.endpoint.kind {
                EndpointKind::Regional => {
                    causes.push(
                        "a regional host accepts an Entra token only as aad#<resource-id>#<token>: check that SPEECH_RESOURCE_ID is this resource's id, or use the custom domain (SPEECH_ENDPOINT)".to_owned(),
                    );
                    causes.push(
                        "the resource has no custom subdomain, which Entra ID requires even on regional hosts: set one with `az cognitiveservices account update --custom-domain <name>`".to_owned(),
                    );
                }
                EndpointKind::CustomDomain | EndpointKind::AllowedHost | EndpointKind::Loopback => {
                    if settings.resource_id.is_none() {
                        causes.push(
                            "if this was text-to-speech: raw Entra tokens on the custom-domain TTS path were rejected with 401 (Azure-Samples/cognitive-services-speech-sdk#2890): set SPEECH_RESOURCE_ID so synthesis sends aad#<resource-id>#<token>".to_owned(),
                        );
                    } else {
                        causes.push(
                            "SPEECH_RESOURCE_ID names another resource than the custom domain: copy it from the resource's Properties page".to_owned(),
                        );
                    }
                    causes.push(
                        "a raw Entra token reached a regional host (after a redirect): keep SPEECH_ENDPOINT on the custom domain".to_owned(),
                    );
                }
            }
        }
    }
    if token_expired && let Some(position) = causes.iter().position(|cause| cause.contains("expired")) {
        let cause = causes.remove(position);
        causes.insert(0, cause);
    }
    joined(&causes)
}

fn forbidden(settings: &Settings) -> String {
    let mut causes = Vec::new();
    if settings.auth == AuthMode::Entra {
        causes.push(format!(
            "the identity lacks the {LEAST_PRIVILEGE_ROLE} role on the resource (Cognitive Services Contributor is not enough; new assignments take a few minutes)"
        ));
    }
    causes.push(
        "the resource's network rules (firewall, selected networks, private endpoint) do not accept this network: connect from an allowed network or through the private endpoint".to_owned(),
    );
    match settings.auth {
        AuthMode::Sts => causes.push(
            "the STS token is used on another host than the one that issued it, or the resource is behind a private endpoint where STS tokens need 'All networks' access: use SPEECH_AUTH=key".to_owned(),
        ),
        AuthMode::Key => causes.push(
            "the key header was not sent or the key is for another service: check SPEECH_KEY".to_owned(),
        ),
        AuthMode::Entra => {}
    }
    joined(&causes)
}

fn not_found(settings: &Settings) -> String {
    match settings.endpoint.kind {
        EndpointKind::CustomDomain => format!(
            "the custom domain {} has no private endpoint, and without one the /stt/ and /tts/ paths return 404: use the regional endpoint instead (unset SPEECH_ENDPOINT and set SPEECH_REGION=<region>; with Entra ID also SPEECH_RESOURCE_ID), or add a private endpoint",
            settings.endpoint.host
        ),
        EndpointKind::Regional => format!(
            "wrong path or region: check that {} is the resource's region and offers this service",
            where_(settings)
        ),
        EndpointKind::Loopback => {
            "the local emulator or container does not serve this path: check its version and which services it runs"
                .to_owned()
        }
        EndpointKind::AllowedHost => format!(
            "{} does not forward this path: it must pass /stt/... and /tts/... paths through to the Speech resource",
            settings.endpoint.host
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bindings::exports::azspeech::core::config::Endpoint;
    use crate::bindings::exports::azspeech::core::types::{Cloud, CredentialSource};

    fn settings(auth: AuthMode, kind: EndpointKind, resource_id: Option<&str>) -> Settings {
        Settings {
            auth,
            endpoint: Endpoint {
                kind,
                secure: true,
                host: match kind {
                    EndpointKind::Regional => "westeurope.api.cognitive.microsoft.com".to_owned(),
                    EndpointKind::Loopback => "127.0.0.1".to_owned(),
                    EndpointKind::CustomDomain | EndpointKind::AllowedHost => {
                        "contoso.cognitiveservices.azure.com".to_owned()
                    }
                },
                port: None,
            },
            cloud: Cloud::Public,
            region: (kind == EndpointKind::Regional).then(|| "westeurope".to_owned()),
            resource_id: resource_id.map(str::to_owned),
            language: "en-US".to_owned(),
            voice: "en-US-AvaMultilingualNeural".to_owned(),
            credential: if auth == AuthMode::Entra {
                CredentialSource::Chain
            } else {
                CredentialSource::None
            },
            has_secondary_key: false,
            explanation: Vec::new(),
            notes: Vec::new(),
            origins: Vec::new(),
        }
    }

    fn case_and_detail(error: &SpeechError) -> (&'static str, &FailureDetail) {
        match error {
            SpeechError::Configuration(d) => ("configuration", d),
            SpeechError::Authentication(d) => ("authentication", d),
            SpeechError::Forbidden(d) => ("forbidden", d),
            SpeechError::Throttled(t) => ("throttled", &t.detail),
            SpeechError::Transient(d) => ("transient", d),
            SpeechError::BadRequest(d) => ("bad-request", d),
            SpeechError::Protocol(d) => ("protocol", d),
            SpeechError::NotImplemented(d) => ("not-implemented", d),
        }
    }

    /// (auth, endpoint kind, resource id?, status, body, expected case, words the hint must contain)
    type Case = (
        AuthMode,
        EndpointKind,
        bool,
        u16,
        &'static str,
        &'static str,
        &'static [&'static str],
    );

    #[test]
    fn statuses() {
        let cases: &[Case] = &[
            (
                AuthMode::Key,
                EndpointKind::Regional,
                false,
                401,
                "Access denied due to invalid subscription key or wrong API endpoint.",
                "authentication",
                &["SPEECH_KEY", "SPEECH_REGION", "disableLocalAuth", "private endpoint"],
            ),
            (
                AuthMode::Key,
                EndpointKind::CustomDomain,
                false,
                401,
                "",
                "authentication",
                &["SPEECH_KEY", "disableLocalAuth"],
            ),
            (
                AuthMode::Sts,
                EndpointKind::Regional,
                false,
                401,
                "",
                "authentication",
                &["STS token", "another host"],
            ),
            (
                AuthMode::Entra,
                EndpointKind::Regional,
                true,
                401,
                "",
                "authentication",
                &["aad#", "SPEECH_RESOURCE_ID", "custom subdomain", "expired"],
            ),
            (
                AuthMode::Entra,
                EndpointKind::CustomDomain,
                false,
                401,
                "",
                "authentication",
                &["text-to-speech", "SPEECH_RESOURCE_ID", "#2890"],
            ),
            (
                AuthMode::Entra,
                EndpointKind::CustomDomain,
                true,
                401,
                "",
                "authentication",
                &["expired", "regional host"],
            ),
            (
                AuthMode::Entra,
                EndpointKind::CustomDomain,
                true,
                403,
                "",
                "forbidden",
                &["Cognitive Services Speech User", "network"],
            ),
            (
                AuthMode::Key,
                EndpointKind::CustomDomain,
                false,
                403,
                "",
                "forbidden",
                &["network", "private endpoint"],
            ),
            (
                AuthMode::Sts,
                EndpointKind::CustomDomain,
                false,
                403,
                "",
                "forbidden",
                &["another host", "All networks", "SPEECH_AUTH=key"],
            ),
            (
                AuthMode::Key,
                EndpointKind::CustomDomain,
                false,
                404,
                "",
                "configuration",
                &["private endpoint", "/stt/", "regional endpoint"],
            ),
            (
                AuthMode::Key,
                EndpointKind::Regional,
                false,
                404,
                "",
                "configuration",
                &["region westeurope"],
            ),
            (
                AuthMode::Key,
                EndpointKind::Loopback,
                false,
                404,
                "",
                "configuration",
                &["container"],
            ),
            (
                AuthMode::Key,
                EndpointKind::Regional,
                false,
                400,
                "bad language",
                "configuration",
                &["SPEECH_LANGUAGE=en-US", "format"],
            ),
            (
                AuthMode::Key,
                EndpointKind::Regional,
                false,
                429,
                "",
                "throttled",
                &["back off"],
            ),
            (
                AuthMode::Key,
                EndpointKind::Regional,
                false,
                500,
                "",
                "transient",
                &["retry"],
            ),
            (
                AuthMode::Key,
                EndpointKind::Regional,
                false,
                502,
                "",
                "transient",
                &["retry"],
            ),
            (
                AuthMode::Key,
                EndpointKind::Regional,
                false,
                503,
                "",
                "transient",
                &["retry"],
            ),
            (
                AuthMode::Key,
                EndpointKind::Regional,
                false,
                599,
                "",
                "transient",
                &["retry"],
            ),
            (
                AuthMode::Key,
                EndpointKind::Regional,
                false,
                408,
                "",
                "transient",
                &["retry"],
            ),
            (
                AuthMode::Key,
                EndpointKind::Regional,
                false,
                415,
                "",
                "bad-request",
                &["format"],
            ),
            (
                AuthMode::Key,
                EndpointKind::Regional,
                false,
                413,
                "",
                "bad-request",
                &["format"],
            ),
            (
                AuthMode::Key,
                EndpointKind::CustomDomain,
                false,
                302,
                "",
                "configuration",
                &["redirect"],
            ),
            (
                AuthMode::Key,
                EndpointKind::Regional,
                false,
                407,
                "",
                "configuration",
                &["proxy"],
            ),
            (
                AuthMode::Key,
                EndpointKind::Regional,
                false,
                200,
                "",
                "protocol",
                &["not a valid answer"],
            ),
            (AuthMode::Key, EndpointKind::Regional, false, 101, "", "protocol", &[]),
            (AuthMode::Key, EndpointKind::Regional, false, 0, "", "protocol", &[]),
            (AuthMode::Key, EndpointKind::Regional, false, 999, "", "protocol", &[]),
        ];
        const RID: &str = "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/contoso";
        for (auth, kind, rid, status, body, expected, words) in cases {
            let settings = settings(*auth, *kind, rid.then_some(RID));
            let error = classify(&settings, *status, None, body);
            let (case, detail) = case_and_detail(&error);
            let label = format!("{auth:?} {kind:?} rid={rid} {status}");
            assert_eq!(case, *expected, "{label}");
            assert_eq!(detail.http_status, Some(*status), "{label}");
            assert_eq!(detail.close_code, None, "{label}");
            assert!(
                detail.message.contains(&format!("HTTP {status}")),
                "{label}: {}",
                detail.message
            );
            assert!(detail.message.contains(body.trim()), "{label}: {}", detail.message);
            assert!(!detail.hint.is_empty(), "{label}");
            for word in *words {
                assert!(
                    detail.hint.contains(word),
                    "{label}: hint lacks {word:?}: {}",
                    detail.hint
                );
            }
        }
    }

    #[test]
    fn expired_token_is_named_first() {
        let settings = settings(AuthMode::Key, EndpointKind::Regional, None);
        let SpeechError::Authentication(detail) = classify(&settings, 401, None, "") else {
            panic!("401 is authentication")
        };
        assert!(
            detail.hint.starts_with("likely causes: (1) SPEECH_KEY"),
            "{}",
            detail.hint
        );
        let settings = settings_sts();
        let SpeechError::Authentication(detail) = classify(&settings, 401, None, "Token is expired") else {
            panic!("401 is authentication")
        };
        assert!(
            detail.hint.starts_with("likely causes: (1) the STS token expired"),
            "{}",
            detail.hint
        );
    }

    fn settings_sts() -> Settings {
        settings(AuthMode::Sts, EndpointKind::Regional, None)
    }

    #[test]
    fn retry_after_on_429() {
        let settings = settings(AuthMode::Key, EndpointKind::Regional, None);
        for (header, expected) in [
            (Some("12"), Some(12_000)),
            (Some("Wed, 21 Oct 2015 07:28:00 GMT"), None),
            (Some("soon"), None),
            (None, None),
        ] {
            let SpeechError::Throttled(throttle) = classify(&settings, 429, header, "Too many requests") else {
                panic!("429 is throttled")
            };
            assert_eq!(throttle.retry_after_ms, expected, "{header:?}");
        }
        // A Retry-After on another status is not a throttle.
        assert!(matches!(
            classify(&settings, 503, Some("5"), ""),
            SpeechError::Transient(_)
        ));
    }

    #[test]
    fn long_bodies_are_cut() {
        let settings = settings(AuthMode::Key, EndpointKind::Regional, None);
        let body = "ü".repeat(5000);
        let SpeechError::Authentication(detail) = classify(&settings, 401, None, &body) else {
            panic!("401 is authentication")
        };
        assert_eq!(detail.message.chars().filter(|c| *c == 'ü').count(), 200);
    }
}
