//! The environment-combination table (`tests/vectors/config.json`): every vector is resolved,
//! planned for every request kind and diagnosed, and every failing vector is reported by name.

#![allow(clippy::unwrap_used)]

use azspeech_component::bindings::exports::azspeech::core::config::{Setting, SettingSource, SettingValue, Settings};
use azspeech_component::bindings::exports::azspeech::core::connection::{
    AuthPlan, ConnectionPlan, RequestIds, RequestKind, TokenFormat,
};
use azspeech_component::bindings::exports::azspeech::core::types::{
    AuthMode, Cloud, ConfigError, ConfigErrorCode, CredentialSource, EndpointKind, Level,
};
use azspeech_component::{config, connection};
use serde_json::{Map, Value};

const VECTORS: &str = include_str!("../../tests/vectors/config.json");
const CONNECTION_ID: &str = "0123456789abcdef0123456789abcdef";
const KINDS: [RequestKind; 5] = [
    RequestKind::SttWebsocket,
    RequestKind::TtsWebsocket,
    RequestKind::TtsRest,
    RequestKind::VoicesList,
    RequestKind::StsToken,
];

/// Settings as the host builds them: secrets become `secret(present)`.
fn settings_from(vector: &Value) -> Vec<Setting> {
    let mut settings = Vec::new();
    for (field, source) in [("env", SettingSource::Environment), ("flags", SettingSource::Flag)] {
        let Some(vars) = vector.get(field).and_then(Value::as_object) else {
            continue;
        };
        for (name, value) in vars {
            let text = value.as_str().unwrap_or_default();
            let value = if config::SECRET_NAMES.contains(&name.as_str()) {
                SettingValue::Secret(!text.trim().is_empty())
            } else {
                SettingValue::Text(text.to_owned())
            };
            settings.push(Setting {
                name: name.clone(),
                value,
                source,
            });
        }
    }
    settings
}

fn code_name(code: ConfigErrorCode) -> &'static str {
    match code {
        ConfigErrorCode::MissingSetting => "missing-setting",
        ConfigErrorCode::EmptySetting => "empty-setting",
        ConfigErrorCode::InvalidValue => "invalid-value",
        ConfigErrorCode::UnknownRegion => "unknown-region",
        ConfigErrorCode::UnknownCloud => "unknown-cloud",
        ConfigErrorCode::InvalidEndpoint => "invalid-endpoint",
        ConfigErrorCode::InsecureEndpoint => "insecure-endpoint",
        ConfigErrorCode::UntrustedHost => "untrusted-host",
        ConfigErrorCode::Contradiction => "contradiction",
        ConfigErrorCode::UnsupportedCombination => "unsupported-combination",
        ConfigErrorCode::NotImplemented => "not-implemented",
    }
}

fn auth_name(mode: AuthMode) -> &'static str {
    match mode {
        AuthMode::Key => "key",
        AuthMode::Sts => "sts",
        AuthMode::Entra => "entra",
    }
}

fn kind_name(kind: EndpointKind) -> &'static str {
    match kind {
        EndpointKind::Regional => "regional",
        EndpointKind::CustomDomain => "custom-domain",
        EndpointKind::Loopback => "loopback",
        EndpointKind::AllowedHost => "allowed-host",
    }
}

fn cloud_name(cloud: Cloud) -> &'static str {
    match cloud {
        Cloud::Public => "public",
        Cloud::UsGovernment => "us-government",
        Cloud::China => "china",
    }
}

fn credential_name(source: CredentialSource) -> &'static str {
    match source {
        CredentialSource::None => "none",
        CredentialSource::Chain => "chain",
        CredentialSource::ServicePrincipal => "service-principal",
        CredentialSource::WorkloadIdentity => "workload-identity",
        CredentialSource::ManagedIdentity => "managed-identity",
        CredentialSource::AzureCli => "azure-cli",
    }
}

/// As `azspeech doctor --json` names it.
fn token_format_name(plan: &AuthPlan) -> &'static str {
    match plan {
        AuthPlan::SubscriptionKey(_) => "none",
        AuthPlan::StsExchange(_) => "raw",
        AuthPlan::Bearer(bearer) => match bearer.format {
            TokenFormat::Raw => "raw",
            TokenFormat::AadPrefixed(_) => "aad",
        },
    }
}

struct Outcome {
    settings: Settings,
    plans: Vec<(RequestKind, Result<ConnectionPlan, ConfigError>)>,
    codes: Vec<String>,
    levels: Vec<(String, Level)>,
    everything: String,
}

fn plan_of(outcome: &Outcome, kind: RequestKind) -> Result<&ConnectionPlan, String> {
    match outcome.plans.iter().find(|(k, _)| *k == kind) {
        Some((_, Ok(plan))) => Ok(plan),
        Some((_, Err(error))) => Err(format!("planning {kind:?} failed: {error:?}")),
        None => Err(format!("no plan for {kind:?}")),
    }
}

fn run(settings: Settings) -> Outcome {
    let ids = RequestIds {
        connection_id: CONNECTION_ID.to_owned(),
    };
    let plans: Vec<_> = KINDS
        .iter()
        .map(|kind| (*kind, connection::plan(&settings, *kind, &ids)))
        .collect();
    let findings = config::diagnose(&settings);
    let everything = format!("{settings:?} {plans:?} {findings:?}");
    Outcome {
        codes: findings.iter().map(|f| f.code.clone()).collect(),
        levels: findings.iter().map(|f| (f.code.clone(), f.level)).collect(),
        settings,
        plans,
        everything,
    }
}

/// Check one expected field; `Ok(())` when it matches.
fn check_field(outcome: &Outcome, field: &str, expected: &Value) -> Result<(), String> {
    let s = &outcome.settings;
    let text = |actual: &str| match expected.as_str() {
        Some(want) if want == actual => Ok(()),
        _ => Err(format!("{field}: expected {expected}, got {actual:?}")),
    };
    let optional = |actual: Option<&str>| {
        let want = expected.as_str();
        if want == actual {
            Ok(())
        } else {
            Err(format!("{field}: expected {expected}, got {actual:?}"))
        }
    };
    let codes = |present: bool| -> Result<(), String> {
        let wanted = expected.as_array().ok_or(format!("{field} must be a list"))?;
        for code in wanted.iter().filter_map(Value::as_str) {
            if outcome.codes.iter().any(|c| c == code) != present {
                return Err(format!(
                    "{field}: {code} {} in {:?}",
                    if present { "missing" } else { "present" },
                    outcome.codes
                ));
            }
        }
        Ok(())
    };
    match field {
        "auth" => text(auth_name(s.auth)),
        "endpoint_kind" => text(kind_name(s.endpoint.kind)),
        "endpoint_host" => text(&s.endpoint.host),
        "endpoint_port" => {
            let actual = s.endpoint.port.map(u64::from);
            if expected.as_u64() == actual {
                Ok(())
            } else {
                Err(format!("endpoint_port: expected {expected}, got {actual:?}"))
            }
        }
        "cloud" => text(cloud_name(s.cloud)),
        "region" => optional(s.region.as_deref()),
        "resource_id" => optional(s.resource_id.as_deref()),
        "language" => text(&s.language),
        "voice" => text(&s.voice),
        "credential_source" => text(credential_name(s.credential)),
        "has_secondary_key" => match expected.as_bool() {
            Some(want) if want == s.has_secondary_key => Ok(()),
            _ => Err(format!(
                "has_secondary_key: expected {expected}, got {}",
                s.has_secondary_key
            )),
        },
        "stt_url" => text(&plan_of(outcome, RequestKind::SttWebsocket)?.url),
        "tts_url" => text(&plan_of(outcome, RequestKind::TtsWebsocket)?.url),
        "tts_rest_url" => text(&plan_of(outcome, RequestKind::TtsRest)?.url),
        "voices_url" => text(&plan_of(outcome, RequestKind::VoicesList)?.url),
        "sts_url" => text(&plan_of(outcome, RequestKind::StsToken)?.url),
        "token_format" => text(token_format_name(&plan_of(outcome, RequestKind::SttWebsocket)?.auth)),
        "tts_token_format" => text(token_format_name(&plan_of(outcome, RequestKind::TtsWebsocket)?.auth)),
        "tts_rest_token_format" => text(token_format_name(&plan_of(outcome, RequestKind::TtsRest)?.auth)),
        "voices_token_format" => text(token_format_name(&plan_of(outcome, RequestKind::VoicesList)?.auth)),
        "scope" => match &plan_of(outcome, RequestKind::SttWebsocket)?.auth {
            AuthPlan::Bearer(bearer) => text(&bearer.scope),
            other => Err(format!("scope: the STT plan is not a bearer plan: {other:?}")),
        },
        "sts_token_url" | "sts_audience" => match &plan_of(outcome, RequestKind::SttWebsocket)?.auth {
            AuthPlan::StsExchange(sts) if field == "sts_token_url" => text(&sts.token_url),
            AuthPlan::StsExchange(sts) => text(&sts.audience_host),
            other => Err(format!("{field}: the STT plan is not an STS plan: {other:?}")),
        },
        "findings" => codes(true),
        "absent_findings" => codes(false),
        "explanation_contains" => {
            let wanted = expected.as_array().ok_or("explanation_contains must be a list")?;
            let joined = s.explanation.join("\n");
            for part in wanted.iter().filter_map(Value::as_str) {
                if !joined.contains(part) {
                    return Err(format!("explanation lacks {part:?}: {joined}"));
                }
            }
            Ok(())
        }
        other => Err(format!("unknown expect field {other:?}")),
    }
}

/// What every resolved configuration must satisfy, whatever the vector says.
fn check_invariants(outcome: &Outcome, secrets: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    let s = &outcome.settings;
    for (kind, plan) in &outcome.plans {
        let plan = match (kind, plan) {
            (RequestKind::StsToken, Err(error)) if s.auth == AuthMode::Entra => {
                if error.code != ConfigErrorCode::UnsupportedCombination {
                    problems.push(format!("sts-token in entra mode: wrong error {error:?}"));
                }
                continue;
            }
            (_, Err(error)) => {
                problems.push(format!("planning {kind:?} failed: {error:?}"));
                continue;
            }
            (_, Ok(plan)) => plan,
        };
        if let Some((_, query)) = plan.url.split_once('?') {
            for pair in query.split('&') {
                let name = pair.split('=').next().unwrap_or_default().to_ascii_lowercase();
                if ["key", "token", "ocp-apim", "authorization"]
                    .iter()
                    .any(|bad| name.contains(bad))
                {
                    problems.push(format!("{kind:?} URL carries a credential parameter: {}", plan.url));
                }
            }
        }
        if plan.url.contains('#') || plan.url.contains('@') {
            problems.push(format!("{kind:?} URL has a fragment or user info: {}", plan.url));
        }
        let websocket = matches!(kind, RequestKind::SttWebsocket | RequestKind::TtsWebsocket);
        if websocket != (plan.subprotocol.as_deref() == Some("USP")) {
            problems.push(format!("{kind:?} subprotocol {:?}", plan.subprotocol));
        }
        let scheme_ok = if websocket {
            plan.url.starts_with("wss://") || (!s.endpoint.secure && plan.url.starts_with("ws://"))
        } else {
            plan.url.starts_with("https://") || (!s.endpoint.secure && plan.url.starts_with("http://"))
        };
        if !scheme_ok {
            problems.push(format!("{kind:?} URL has the wrong scheme: {}", plan.url));
        }
        let header = |name: &str| plan.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
        if header("X-ConnectionId") != Some(CONNECTION_ID)
            || !header("User-Agent").is_some_and(|ua| ua.starts_with("azspeech/"))
        {
            problems.push(format!(
                "{kind:?} headers lack X-ConnectionId or User-Agent: {:?}",
                plan.headers
            ));
        }
        if plan.headers.iter().any(|(name, _)| {
            let name = name.to_ascii_lowercase();
            name == "authorization" || name.starts_with("ocp-apim")
        }) {
            problems.push(format!("{kind:?} plan carries an auth header: {:?}", plan.headers));
        }
        let expected_auth = match (s.auth, kind) {
            (AuthMode::Key, _) | (AuthMode::Sts, RequestKind::StsToken) => {
                matches!(plan.auth, AuthPlan::SubscriptionKey(_))
            }
            (AuthMode::Sts, _) => {
                matches!(&plan.auth, AuthPlan::StsExchange(sts) if sts.max_age_ms == 540_000 && plan.url.contains(&format!("://{}", sts.audience_host)))
            }
            (AuthMode::Entra, _) => matches!(plan.auth, AuthPlan::Bearer(_)),
        };
        if !expected_auth {
            problems.push(format!(
                "{kind:?} has the wrong auth plan for {:?}: {:?}",
                s.auth, plan.auth
            ));
        }
    }
    // TTS REST and the voices list follow the TTS WebSocket's token format.
    let formats: Vec<&str> = [RequestKind::TtsWebsocket, RequestKind::TtsRest, RequestKind::VoicesList]
        .iter()
        .filter_map(|kind| plan_of(outcome, *kind).ok())
        .map(|plan| token_format_name(&plan.auth))
        .collect();
    if formats.windows(2).any(|pair| pair[0] != pair[1]) {
        problems.push(format!("TTS token formats differ across request kinds: {formats:?}"));
    }
    if outcome.levels.iter().any(|(_, level)| *level == Level::Error) {
        problems.push(format!(
            "diagnose reports an error for a resolved configuration: {:?}",
            outcome.codes
        ));
    }
    if (s.auth == AuthMode::Entra) != (s.credential != CredentialSource::None) {
        problems.push(format!(
            "credential source {:?} does not fit {:?}",
            s.credential, s.auth
        ));
    }
    for secret in secrets {
        if outcome.everything.contains(secret.as_str()) {
            problems.push("a secret value appears in the settings, plans or findings".to_owned());
        }
    }
    problems
}

/// Values that must never appear in any output: secrets and anything in a key-like variable.
fn secret_values(vector: &Value) -> Vec<String> {
    let mut values = Vec::new();
    for field in ["env", "flags"] {
        let Some(vars) = vector.get(field).and_then(Value::as_object) else {
            continue;
        };
        for (name, value) in vars {
            let value = value.as_str().unwrap_or_default().trim();
            let secret_like =
                config::SECRET_NAMES.contains(&name.as_str()) || name.contains("KEY") || name.contains("SECRET");
            if secret_like && value.len() >= 8 {
                values.push(value.to_owned());
            }
        }
    }
    values
}

fn check_vector(vector: &Value) -> Result<(), String> {
    let expect = vector
        .get("expect")
        .and_then(Value::as_object)
        .ok_or("no expect object")?;
    let settings = settings_from(vector);
    let secrets = secret_values(vector);
    let result = config::resolve(&settings);
    if let Some(error) = expect.get("error") {
        let error_expect: &Map<String, Value> = error.as_object().ok_or("error must be an object")?;
        let actual = match result {
            Ok(settings) => return Err(format!("expected an error, resolved to {settings:?}")),
            Err(actual) => actual,
        };
        let code = error_expect.get("code").and_then(Value::as_str);
        let variable = error_expect.get("variable").and_then(Value::as_str);
        if code != Some(code_name(actual.code)) || variable != actual.variable.as_deref() {
            return Err(format!(
                "expected {code:?} on {variable:?}, got {} on {:?}: {} (fix: {})",
                code_name(actual.code),
                actual.variable,
                actual.message,
                actual.fix
            ));
        }
        if actual.message.trim().is_empty() || actual.fix.trim().is_empty() {
            return Err(format!("error without message or fix: {actual:?}"));
        }
        let shown = format!("{actual:?}");
        if secrets.iter().any(|secret| shown.contains(secret.as_str())) {
            return Err("the error echoes a secret value".to_owned());
        }
        return Ok(());
    }
    let settings = result.map_err(|error| format!("resolve failed: {error:?}"))?;
    let outcome = run(settings);
    let mut problems: Vec<String> = expect
        .iter()
        .filter_map(|(field, expected)| check_field(&outcome, field, expected).err())
        .collect();
    problems.extend(check_invariants(&outcome, &secrets));
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n      "))
    }
}

#[test]
fn every_environment_combination() {
    let document: Value = serde_json::from_str(VECTORS).unwrap();
    let vectors = document["vectors"].as_array().unwrap();
    assert!(vectors.len() >= 45, "the table must cover at least 45 combinations");
    let mut failures = Vec::new();
    let mut names = std::collections::BTreeSet::new();
    for vector in vectors {
        let name = vector["name"].as_str().unwrap_or("<unnamed>");
        if !names.insert(name) {
            failures.push(format!("{name}: duplicate name"));
        }
        if let Err(problem) = check_vector(vector) {
            failures.push(format!("{name}:\n      {problem}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} vectors failed:\n  {}",
        failures.len(),
        vectors.len(),
        failures.join("\n  ")
    );
}
