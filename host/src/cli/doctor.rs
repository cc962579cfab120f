//! `azspeech doctor`: the chosen mode, why, the URLs, and findings, as text or one JSON object.

use clap::Args;
use serde_json::json;

use crate::artifact_cache::ArtifactCache;
use crate::core_runtime::{
    AuthMode, AuthPlan, Cloud, ConfigError, ConnectionPlan, CoreRuntime, CredentialSource, EndpointKind, Finding,
    Level, RequestIds, RequestKind, Settings, TokenFormat,
};
use crate::exit_code::ExitCode;

use super::ConfigFlags;

/// Arguments of `azspeech doctor`.
#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// Also fetch a credential and open a connection, and explain a 401/403/404. [not available yet]
    #[arg(long)]
    pub probe: bool,
    /// Settings that override the environment.
    #[command(flatten)]
    pub config: ConfigFlags,
}

/// What doctor found, ready to print.
struct Report {
    settings: Settings,
    stt: ConnectionPlan,
    tts: ConnectionPlan,
    findings: Vec<Finding>,
}

/// Run `azspeech doctor`.
pub(super) fn run(args: &DoctorArgs) -> ExitCode {
    if args.probe {
        eprintln!("azspeech doctor --probe: not available yet in this build (lands with credential fetching).");
        return ExitCode::NotAvailable;
    }
    match diagnose(&args.config) {
        Ok(Ok(report)) => {
            let failing = report.findings.iter().any(|finding| finding.level == Level::Error);
            if args.json {
                print_json(&report)
            } else {
                print_text(&report)
            }
            if failing { ExitCode::Configuration } else { ExitCode::Ok }
        }
        Ok(Err(error)) => {
            if args.json {
                println!("{}", error_json(&error));
            } else {
                eprintln!("{}", error_text(&error));
            }
            ExitCode::Configuration
        }
        Err(internal) => {
            eprintln!("azspeech doctor: {internal}");
            ExitCode::Internal
        }
    }
}

fn diagnose(flags: &ConfigFlags) -> Result<Result<Report, ConfigError>, crate::core_runtime::CoreError> {
    let runtime = CoreRuntime::load(&ArtifactCache::from_environment())?;
    let mut core = runtime.instantiate()?;
    let secret_names = core.secret_names()?;
    let mut inputs = crate::settings_input::from_environment(std::env::vars_os(), &secret_names);
    inputs.extend(flags.as_settings());
    let settings = match core.resolve(&inputs)? {
        Ok(settings) => settings,
        Err(error) => return Ok(Err(error)),
    };
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
    Ok(Ok(Report {
        settings,
        stt,
        tts,
        findings,
    }))
}

/// `key` | `sts` | `entra`.
pub(crate) fn auth_name(mode: AuthMode) -> &'static str {
    match mode {
        AuthMode::Key => "key",
        AuthMode::Sts => "sts",
        AuthMode::Entra => "entra",
    }
}

/// `regional` | `custom-domain` | `loopback` | `allowed-host`.
pub(crate) fn endpoint_kind_name(kind: EndpointKind) -> &'static str {
    match kind {
        EndpointKind::Regional => "regional",
        EndpointKind::CustomDomain => "custom-domain",
        EndpointKind::Loopback => "loopback",
        EndpointKind::AllowedHost => "allowed-host",
    }
}

/// `public` | `us-government` | `china`.
pub(crate) fn cloud_name(cloud: Cloud) -> &'static str {
    match cloud {
        Cloud::Public => "public",
        Cloud::UsGovernment => "us-government",
        Cloud::China => "china",
    }
}

/// The credential source as the `SPEECH_CREDENTIAL` value that pins it (`none`, `chain`...).
pub(crate) fn credential_name(source: CredentialSource) -> &'static str {
    match source {
        CredentialSource::None => "none",
        CredentialSource::Chain => "chain",
        CredentialSource::ServicePrincipal => "service-principal",
        CredentialSource::WorkloadIdentity => "workload-identity",
        CredentialSource::ManagedIdentity => "managed-identity",
        CredentialSource::AzureCli => "azure-cli",
    }
}

/// `none` (key header) | `raw` (bearer token as is) | `aad` (`aad#{resource-id}#{token}`).
pub(crate) fn token_format_name(plan: &AuthPlan) -> &'static str {
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
pub(crate) fn describe_auth(plan: &AuthPlan) -> String {
    match plan {
        AuthPlan::SubscriptionKey(slot) => {
            format!(
                "Ocp-Apim-Subscription-Key: <{}>",
                if matches!(slot, crate::core_runtime::KeySlot::Primary) {
                    "SPEECH_KEY"
                } else {
                    "SPEECH_KEY_SECONDARY"
                }
            )
        }
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

fn level_name(level: Level) -> &'static str {
    match level {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Info => "info",
    }
}

fn findings_json(findings: &[Finding]) -> serde_json::Value {
    findings
        .iter()
        .map(|f| json!({"level": level_name(f.level), "code": f.code, "message": f.message, "fix": f.fix}))
        .collect()
}

fn print_json(report: &Report) {
    let s = &report.settings;
    let value = json!({
        "auth": auth_name(s.auth),
        "endpoint_kind": endpoint_kind_name(s.endpoint.kind),
        "endpoint_host": s.endpoint.host,
        "cloud": cloud_name(s.cloud),
        "region": s.region,
        "resource_id": s.resource_id,
        "language": s.language,
        "voice": s.voice,
        "stt_url": report.stt.url,
        "tts_url": report.tts.url,
        "token_format": token_format_name(&report.stt.auth),
        "tts_token_format": token_format_name(&report.tts.auth),
        "stt_auth": describe_auth(&report.stt.auth),
        "tts_auth": describe_auth(&report.tts.auth),
        "credential_source": credential_name(s.credential),
        "explanation": s.explanation,
        "findings": findings_json(&report.findings),
    });
    println!("{value}");
}

fn print_text(report: &Report) {
    let s = &report.settings;
    println!("azspeech doctor");
    println!(
        "  auth:       {} (credential source: {})",
        auth_name(s.auth),
        credential_name(s.credential)
    );
    println!(
        "  endpoint:   {} {} ({} cloud)",
        endpoint_kind_name(s.endpoint.kind),
        s.endpoint.host,
        cloud_name(s.cloud)
    );
    println!("  stt:        {}", report.stt.url);
    println!("              {}", describe_auth(&report.stt.auth));
    println!("  tts:        {}", report.tts.url);
    println!("              {}", describe_auth(&report.tts.auth));
    if !s.explanation.is_empty() {
        println!("why:");
        for line in &s.explanation {
            println!("  - {line}");
        }
    }
    if !report.findings.is_empty() {
        println!("findings:");
        for finding in &report.findings {
            println!(
                "  [{}] {}: {}",
                level_name(finding.level),
                finding.code,
                finding.message
            );
            if !finding.fix.is_empty() {
                println!("      fix: {}", finding.fix);
            }
        }
    }
}

fn error_text(error: &ConfigError) -> String {
    let variable = error.variable.as_deref().map(|v| format!(" ({v})")).unwrap_or_default();
    format!(
        "azspeech: configuration error{variable}: {}\n  fix: {}",
        error.message, error.fix
    )
}

fn error_json(error: &ConfigError) -> serde_json::Value {
    json!({
        "error": {
            "code": format!("{:?}", error.code),
            "variable": error.variable,
            "message": error.message,
            "fix": error.fix,
        },
        "findings": [{"level": "error", "code": "configuration", "message": error.message, "fix": error.fix}],
    })
}
