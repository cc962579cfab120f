//! What `azspeech doctor` reports, as a value: the resolved settings and why, the connection
//! plan of each service (URLs and headers, never a secret), and the findings; with the stable
//! names the CLI's `--json` output uses.

use serde_json::json;

use crate::core_runtime::{
    AuthMode, AuthPlan, Cloud, ConfigError, ConfigErrorCode, ConnectionPlan, CoreError, CoreInstance, EndpointKind,
    Finding, KeySlot, Level, RequestIds, RequestKind, Settings, TokenFormat,
};

/// The resolved settings, the plan of each WebSocket service, and the findings.
#[derive(Debug, Clone)]
pub struct Explanation {
    /// The resolved settings, with the reasons for each decision (`settings.explanation`).
    pub settings: Settings,
    /// The speech-to-text WebSocket request: URL, headers, auth plan.
    pub stt: ConnectionPlan,
    /// The text-to-speech WebSocket request.
    pub tts: ConnectionPlan,
    /// Warnings and advice about the configuration.
    pub findings: Vec<Finding>,
}

impl Explanation {
    /// Ask `core` to plan both services for `settings` and to diagnose them.
    pub fn of(core: &mut CoreInstance, settings: Settings) -> Result<Result<Self, ConfigError>, CoreError> {
        let ids = RequestIds {
            connection_id: uuid::Uuid::new_v4().simple().to_string(),
        };
        let stt = match core.plan(&settings, RequestKind::SttWebsocket, &ids)? {
            Ok(plan) => plan,
            Err(error) => return Ok(Err(error)),
        };
        let tts = match core.plan(&settings, RequestKind::TtsWebsocket, &ids)? {
            Ok(plan) => plan,
            Err(error) => return Ok(Err(error)),
        };
        let findings = core.diagnose(&settings)?;
        Ok(Ok(Self {
            settings,
            stt,
            tts,
            findings,
        }))
    }

    /// The JSON object `azspeech doctor --json` prints (without its probe results).
    pub fn to_json(&self) -> serde_json::Value {
        let s = &self.settings;
        json!({
            "auth": s.auth.name(),
            "endpoint_kind": s.endpoint.kind.name(),
            "endpoint_host": s.endpoint.host,
            "cloud": s.cloud.name(),
            "region": s.region,
            "resource_id": s.resource_id,
            "language": s.language,
            "voice": s.voice,
            "stt_url": self.stt.url,
            "tts_url": self.tts.url,
            "token_format": token_format_name(&self.stt.auth),
            "tts_token_format": token_format_name(&self.tts.auth),
            "stt_auth": describe_auth(&self.stt.auth),
            "tts_auth": describe_auth(&self.tts.auth),
            "credential_source": crate::credentials::entra::source_name(s.credential),
            "explanation": s.explanation,
            "findings": findings_json(&self.findings),
        })
    }
}

impl AuthMode {
    /// `key` | `sts` | `entra`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Key => "key",
            Self::Sts => "sts",
            Self::Entra => "entra",
        }
    }
}

impl EndpointKind {
    /// `regional` | `custom-domain` | `loopback` | `allowed-host`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Regional => "regional",
            Self::CustomDomain => "custom-domain",
            Self::Loopback => "loopback",
            Self::AllowedHost => "allowed-host",
        }
    }
}

impl Cloud {
    /// `public` | `us-government` | `china`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::UsGovernment => "us-government",
            Self::China => "china",
        }
    }
}

impl Level {
    /// `error` | `warning` | `info`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
            Self::Info => "info",
        }
    }
}

impl ConfigErrorCode {
    /// The kebab-case WIT name.
    pub fn name(self) -> &'static str {
        match self {
            Self::MissingSetting => "missing-setting",
            Self::EmptySetting => "empty-setting",
            Self::InvalidValue => "invalid-value",
            Self::UnknownRegion => "unknown-region",
            Self::UnknownCloud => "unknown-cloud",
            Self::InvalidEndpoint => "invalid-endpoint",
            Self::InsecureEndpoint => "insecure-endpoint",
            Self::UntrustedHost => "untrusted-host",
            Self::Contradiction => "contradiction",
            Self::UnsupportedCombination => "unsupported-combination",
            Self::NotImplemented => "not-implemented",
        }
    }
}

/// `none` (key header) | `raw` (bearer token as is) | `aad` (`aad#{resource-id}#{token}`).
pub fn token_format_name(plan: &AuthPlan) -> &'static str {
    match plan {
        AuthPlan::SubscriptionKey(_) => "none",
        AuthPlan::StsExchange(_) => "raw",
        AuthPlan::Bearer(bearer) => match bearer.format {
            TokenFormat::Raw => "raw",
            TokenFormat::AadPrefixed(_) => "aad",
        },
    }
}

/// The header a plan leads to, with placeholders instead of secrets.
pub fn describe_auth(plan: &AuthPlan) -> String {
    match plan {
        AuthPlan::SubscriptionKey(slot) => format!(
            "Ocp-Apim-Subscription-Key: <{}>",
            if matches!(slot, KeySlot::Primary) {
                "SPEECH_KEY"
            } else {
                "SPEECH_KEY_SECONDARY"
            }
        ),
        AuthPlan::StsExchange(sts) => format!("Authorization: Bearer <STS token from {}>", sts.token_url),
        AuthPlan::Bearer(bearer) => match &bearer.format {
            TokenFormat::Raw => format!("Authorization: Bearer <Entra token for {}>", bearer.scope),
            TokenFormat::AadPrefixed(resource_id) => {
                format!(
                    "Authorization: Bearer aad#{resource_id}#<Entra token for {}>",
                    bearer.scope
                )
            }
        },
    }
}

fn findings_json(findings: &[Finding]) -> serde_json::Value {
    findings
        .iter()
        .map(|f| json!({"level": f.level.name(), "code": f.code, "message": f.message, "fix": f.fix}))
        .collect()
}

/// The JSON `azspeech doctor --json` prints for a configuration that cannot work.
pub fn config_error_json(error: &ConfigError) -> serde_json::Value {
    json!({
        "error": {
            "code": error.code.name(),
            "variable": error.variable,
            "message": error.message,
            "fix": error.fix,
        },
        "findings": [{"level": "error", "code": "configuration", "message": error.message, "fix": error.fix}],
    })
}
