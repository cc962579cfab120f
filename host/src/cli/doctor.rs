//! `azspeech doctor`: the chosen mode, why, the URLs, and findings, as text or one JSON object.

use clap::Args;
use serde_json::json;

use super::ConfigFlags;
use super::TransportFlags;
use super::context::{self, SetupFailure};
use azspeech_host::core_runtime::{
    AuthMode, AuthPlan, Cloud, ConfigError, ConnectionPlan, EndpointKind, FailureDetail, Finding, Level, RequestIds,
    RequestKind, Settings, SpeechError, TokenFormat,
};
use azspeech_host::exit_code::ExitCode;
use azspeech_host::transport::websocket::ConnectError;

/// Arguments of `azspeech doctor`.
#[derive(Debug, Args)]
pub(crate) struct DoctorArgs {
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// Also fetch a credential and open the STT and TTS connections, and explain a 401/403/404.
    #[arg(long)]
    pub probe: bool,
    /// Settings that override the environment.
    #[command(flatten)]
    pub config: ConfigFlags,
    /// Transport overrides (used by --probe).
    #[command(flatten)]
    pub transport: TransportFlags,
}

/// What doctor found, ready to print.
struct Report {
    settings: Settings,
    stt: ConnectionPlan,
    tts: ConnectionPlan,
    findings: Vec<Finding>,
    probes: Vec<Probe>,
}

/// The outcome of probing one connection.
struct Probe {
    service: &'static str,
    outcome: ProbeOutcome,
}

enum ProbeOutcome {
    Connected,
    Credential(String),
    Network(String),
    Rejected(SpeechError),
}

impl Probe {
    fn exit_code(&self) -> ExitCode {
        match &self.outcome {
            ProbeOutcome::Connected => ExitCode::Ok,
            ProbeOutcome::Credential(_) => ExitCode::Authentication,
            ProbeOutcome::Network(_) => ExitCode::Network,
            ProbeOutcome::Rejected(error) => ExitCode::for_speech_error(error),
        }
    }

    fn json(&self) -> serde_json::Value {
        match &self.outcome {
            ProbeOutcome::Connected => json!({"service": self.service, "result": "connected"}),
            ProbeOutcome::Credential(message) => {
                json!({"service": self.service, "result": "credential-error", "message": message})
            }
            ProbeOutcome::Network(message) => {
                json!({"service": self.service, "result": "network-error", "message": message})
            }
            ProbeOutcome::Rejected(error) => {
                let (kind, detail) = (error.kind(), error.detail());
                json!({"service": self.service, "result": kind, "http_status": detail.http_status,
                       "message": detail.message, "hint": detail.hint})
            }
        }
    }

    fn text(&self) -> String {
        match &self.outcome {
            ProbeOutcome::Connected => format!("  {}: connected (WebSocket upgrade accepted)", self.service),
            ProbeOutcome::Credential(message) => format!("  {}: no credential: {message}", self.service),
            ProbeOutcome::Network(message) => format!("  {}: network error: {message}", self.service),
            ProbeOutcome::Rejected(error) => {
                let (kind, detail) = (error.kind(), error.detail());
                let status = detail.http_status.map(|s| format!("HTTP {s}, ")).unwrap_or_default();
                format!(
                    "  {}: {status}{kind}: {}\n      likely cause and fix: {}",
                    self.service, detail.message, detail.hint
                )
            }
        }
    }
}

/// Run `azspeech doctor`.
pub(super) fn run(args: &DoctorArgs) -> ExitCode {
    match diagnose(args) {
        Ok(Ok(report)) => {
            let mut code = if report.findings.iter().any(|finding| finding.level == Level::Error) {
                ExitCode::Configuration
            } else {
                ExitCode::Ok
            };
            if let Some(probe_code) = report.probes.iter().map(Probe::exit_code).find(|c| *c != ExitCode::Ok) {
                code = probe_code;
            }
            if args.json {
                print_json(&report)
            } else {
                print_text(&report)
            }
            code
        }
        Ok(Err(error)) => {
            if args.json {
                println!("{}", error_json(&error));
            } else {
                eprintln!("{}", context::config_error_text(&error));
            }
            ExitCode::Configuration
        }
        Err(failure) => {
            eprintln!("azspeech doctor: {}", failure.message);
            failure.code
        }
    }
}

fn diagnose(args: &DoctorArgs) -> Result<Result<Report, ConfigError>, SetupFailure> {
    let mut resolved = match context::resolve(&args.config)? {
        Ok(resolved) => resolved,
        Err(error) => return Ok(Err(error)),
    };
    let ids = RequestIds {
        connection_id: context::connection_id(),
    };
    let core = &mut resolved.core;
    let settings = resolved.settings;
    let stt = match core.plan(&settings, RequestKind::SttWebsocket, &ids)? {
        Ok(plan) => plan,
        Err(error) => return Ok(Err(error)),
    };
    let tts = match core.plan(&settings, RequestKind::TtsWebsocket, &ids)? {
        Ok(plan) => plan,
        Err(error) => return Ok(Err(error)),
    };
    let findings = core.diagnose(&settings)?;
    let probes = if args.probe {
        probe(core, &settings, [("stt", &stt), ("tts", &tts)], &args.transport)?
    } else {
        vec![]
    };
    Ok(Ok(Report {
        settings,
        stt,
        tts,
        findings,
        probes,
    }))
}

fn probe(
    core: &mut azspeech_host::core_runtime::CoreInstance,
    settings: &Settings,
    plans: [(&'static str, &ConnectionPlan); 2],
    transport: &TransportFlags,
) -> Result<Vec<Probe>, SetupFailure> {
    let options = context::transport_options(transport)?;
    let broker = context::broker(settings, &options)?;
    let tls = context::tls(&options)?;
    let runtime = context::tokio_runtime()?;
    let mut probes = Vec::new();
    for (service, plan) in plans {
        let outcome = runtime.block_on(async {
            let header = match broker.header_for(&plan.auth).await {
                Ok(header) => header,
                Err(error) => return Err(ProbeOutcome::Credential(error.to_string())),
            };
            match azspeech_host::transport::websocket::connect(plan, Some(&header), &options, tls.clone()).await {
                Ok(mut socket) => {
                    let _ = socket.close(None).await;
                    Ok(ProbeOutcome::Connected)
                }
                Err(ConnectError::Rejected(rejected)) => {
                    Ok(ProbeOutcome::Rejected(SpeechError::Configuration(FailureDetail {
                        http_status: Some(rejected.status),
                        close_code: None,
                        message: rejected.body.clone(),
                        hint: rejected.retry_after.clone().unwrap_or_default(),
                    })))
                }
                Err(error) => Err(ProbeOutcome::Network(error.to_string())),
            }
        });
        let outcome = match outcome {
            Ok(ProbeOutcome::Rejected(SpeechError::Configuration(raw))) => {
                let status = raw.http_status.unwrap_or(0);
                let retry_after = (!raw.hint.is_empty()).then_some(raw.hint.as_str());
                ProbeOutcome::Rejected(core.classify_http(settings, status, retry_after, &raw.message)?)
            }
            Ok(outcome) | Err(outcome) => outcome,
        };
        probes.push(Probe { service, outcome });
    }
    Ok(probes)
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
                if matches!(slot, azspeech_host::core_runtime::KeySlot::Primary) {
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
        "credential_source": azspeech_host::credentials::entra::source_name(s.credential),
        "explanation": s.explanation,
        "findings": findings_json(&report.findings),
        "probe": report.probes.iter().map(Probe::json).collect::<Vec<_>>(),
    });
    println!("{value}");
}

fn print_text(report: &Report) {
    let s = &report.settings;
    println!("azspeech doctor");
    println!(
        "  auth:       {} (credential source: {})",
        auth_name(s.auth),
        azspeech_host::credentials::entra::source_name(s.credential)
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
    if !report.probes.is_empty() {
        println!("probe:");
        for probe in &report.probes {
            println!("{}", probe.text());
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

fn error_json(error: &ConfigError) -> serde_json::Value {
    json!({
        "error": {
            "code": config_error_code_name(error.code),
            "variable": error.variable,
            "message": error.message,
            "fix": error.fix,
        },
        "findings": [{"level": "error", "code": "configuration", "message": error.message, "fix": error.fix}],
    })
}

/// The kebab-case WIT name of a configuration error code.
pub(crate) fn config_error_code_name(code: azspeech_host::core_runtime::ConfigErrorCode) -> &'static str {
    use azspeech_host::core_runtime::ConfigErrorCode as C;
    match code {
        C::MissingSetting => "missing-setting",
        C::EmptySetting => "empty-setting",
        C::InvalidValue => "invalid-value",
        C::UnknownRegion => "unknown-region",
        C::UnknownCloud => "unknown-cloud",
        C::InvalidEndpoint => "invalid-endpoint",
        C::InsecureEndpoint => "insecure-endpoint",
        C::UntrustedHost => "untrusted-host",
        C::Contradiction => "contradiction",
        C::UnsupportedCombination => "unsupported-combination",
        C::NotImplemented => "not-implemented",
    }
}
