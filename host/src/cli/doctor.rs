//! `azspeech doctor`: the chosen mode, why, the URLs, and findings, as text or one JSON object.

use clap::Args;
use serde_json::json;

use super::ConfigFlags;
use super::TransportFlags;
use super::context::{self, SetupFailure};
use super::proxy_routes::ProxyReport;
use azspeech_host::core_runtime::{
    AddressClass, ConfigError, ConnectOutcome, ConnectionPlan, FailureDetail, Level, NetworkErrorKind, NetworkFailure,
    ReachabilityReport, SettingSource, Settings, SpeechError, Verdict,
};
use azspeech_host::exit_code::ExitCode;
use azspeech_host::explanation::{Explanation, config_error_json, describe_auth};
use azspeech_host::profile::Profile;
use azspeech_host::transport::resolution;
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
    explanation: Explanation,
    profile: Profile,
    proxy: ProxyReport,
    probes: Vec<Probe>,
    /// With `--probe`: each probed host's addresses and what they mean.
    reachability: Vec<ReachabilityReport>,
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
    /// The proxy refused the tunnel: the core's explanation (naming the proxy).
    Proxy(SpeechError),
}

impl Probe {
    fn exit_code(&self) -> ExitCode {
        match &self.outcome {
            ProbeOutcome::Connected => ExitCode::Ok,
            ProbeOutcome::Credential(_) => ExitCode::Authentication,
            ProbeOutcome::Network(_) => ExitCode::Network,
            ProbeOutcome::Rejected(error) | ProbeOutcome::Proxy(error) => ExitCode::for_speech_error(error),
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
            ProbeOutcome::Proxy(error) => {
                let detail = error.detail();
                json!({"service": self.service, "result": "proxy-error", "http_status": detail.http_status,
                       "message": detail.message, "hint": detail.hint})
            }
        }
    }

    fn text(&self) -> String {
        match &self.outcome {
            ProbeOutcome::Connected => format!("  {}: connected (WebSocket upgrade accepted)", self.service),
            ProbeOutcome::Credential(message) => format!("  {}: no credential: {message}", self.service),
            ProbeOutcome::Network(message) => format!("  {}: network error: {message}", self.service),
            ProbeOutcome::Proxy(error) => {
                let detail = error.detail();
                format!(
                    "  {}: proxy error: {}\n      fix: {}",
                    self.service, detail.message, detail.hint
                )
            }
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
            let mut code = if report
                .explanation
                .findings
                .iter()
                .any(|finding| finding.level == Level::Error)
                || report.proxy.is_invalid()
            {
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
                println!("{}", config_error_json(&error));
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
    let core = &mut resolved.instance;
    let profile = std::mem::take(&mut resolved.profile);
    let explanation = match Explanation::of(core, resolved.settings)? {
        Ok(explanation) => explanation,
        Err(error) => return Ok(Err(error)),
    };
    let proxy = ProxyReport::of(&resolved.core, core, &explanation, &args.transport)?;
    let (probes, reachability) = if args.probe {
        let plans = [("stt", &explanation.stt), ("tts", &explanation.tts)];
        probe(core, &explanation.settings, plans, &args.config, &args.transport)?
    } else {
        (vec![], vec![])
    };
    Ok(Ok(Report {
        explanation,
        profile,
        proxy,
        probes,
        reachability,
    }))
}

fn probe(
    core: &mut azspeech_host::core_runtime::CoreInstance,
    settings: &Settings,
    plans: [(&'static str, &ConnectionPlan); 2],
    config: &ConfigFlags,
    transport: &TransportFlags,
) -> Result<(Vec<Probe>, Vec<ReachabilityReport>), SetupFailure> {
    let speech = context::speech(config, transport, Default::default())?;
    let client = speech.client();
    let runtime = context::tokio_runtime()?;
    let mut probes = Vec::new();
    let mut reachability = Vec::new();
    for (service, plan) in plans {
        let (outcome, connect) = runtime.block_on(async {
            let header = match client.broker.header_for(&plan.auth).await {
                Ok(header) => header,
                Err(error) => {
                    return (
                        Err(ProbeOutcome::Credential(error.to_string())),
                        ConnectOutcome::NotTried,
                    );
                }
            };
            match azspeech_host::transport::websocket::connect(
                plan,
                Some(&header),
                client.transport,
                client.proxy,
                client.tls.clone(),
            )
            .await
            {
                Ok(mut socket) => {
                    let _ = socket.close(None).await;
                    (Ok(ProbeOutcome::Connected), ConnectOutcome::Answered)
                }
                Err(ConnectError::Proxy(refusal)) => {
                    let failure = NetworkFailure {
                        kind: NetworkErrorKind::Other,
                        message: format!(
                            "the proxy {} answered CONNECT with HTTP {}",
                            refusal.proxy, refusal.status
                        ),
                    };
                    let outcome = match client.proxy.classify_refusal(&refusal) {
                        Ok(error) => ProbeOutcome::Proxy(error),
                        Err(error) => ProbeOutcome::Network(error.to_string()),
                    };
                    (Err(outcome), ConnectOutcome::Failed(failure))
                }
                Err(ConnectError::Rejected(rejected)) => (
                    Ok(ProbeOutcome::Rejected(SpeechError::Configuration(FailureDetail {
                        http_status: Some(rejected.status),
                        close_code: None,
                        message: rejected.body.clone(),
                        hint: rejected.retry_after.clone().unwrap_or_default(),
                    }))),
                    ConnectOutcome::Answered,
                ),
                Err(ConnectError::Network { failure, .. }) => {
                    let message = failure.message.clone();
                    (Err(ProbeOutcome::Network(message)), ConnectOutcome::Failed(failure))
                }
                Err(error) => (Err(ProbeOutcome::Network(error.to_string())), ConnectOutcome::NotTried),
            }
        });
        if let Some((host, _)) = resolution::host_and_port(&plan.url) {
            let host = host.trim_start_matches('[').trim_end_matches(']').to_owned();
            if !reachability
                .iter()
                .any(|report: &ReachabilityReport| report.host == host)
            {
                let resolved = runtime.block_on(resolution::resolve(&plan.url, client.transport, client.proxy));
                reachability.push(core.assess_reachability(settings, &host, &resolved, &connect)?);
            }
        }
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
    Ok((probes, reachability))
}

fn print_json(report: &Report) {
    let mut value = report.explanation.to_json();
    value["probe"] = report.probes.iter().map(Probe::json).collect();
    value["proxy"] = report.proxy.json();
    if !report.reachability.is_empty() {
        value["reachability"] = report.reachability.iter().map(reachability_json).collect();
    }
    let profile = &report.profile;
    value["profile"] = json!({"name": profile.name, "path": profile.path.display().to_string(),
                              "exists": profile.path.is_file()});
    value["origins"] = report
        .explanation
        .settings
        .origins
        .iter()
        .map(|(name, source)| (name.clone(), json!(origin_text(*source, profile))))
        .collect::<serde_json::Map<_, _>>()
        .into();
    println!("{value}");
}

fn print_text(report: &Report) {
    let (s, plans) = (&report.explanation.settings, &report.explanation);
    println!("azspeech doctor");
    println!(
        "  auth:       {} (credential source: {})",
        s.auth.name(),
        azspeech_host::credentials::entra::source_name(s.credential)
    );
    println!(
        "  endpoint:   {} {} ({} cloud)",
        s.endpoint.kind.name(),
        s.endpoint.host,
        s.cloud.name()
    );
    println!("  stt:        {}", plans.stt.url);
    println!("              {}", describe_auth(&plans.stt.auth));
    println!("  tts:        {}", plans.tts.url);
    println!("              {}", describe_auth(&plans.tts.auth));
    println!("  profile:    {}", profile_text(&report.profile));
    if !s.origins.is_empty() {
        println!("settings from:");
        for (name, source) in &s.origins {
            println!("  {name:<22} {}", origin_text(*source, &report.profile));
        }
    }
    if !s.explanation.is_empty() {
        println!("why:");
        for line in &s.explanation {
            println!("  - {line}");
        }
    }
    println!("proxy:");
    for line in report.proxy.text() {
        println!("{line}");
    }
    if !report.probes.is_empty() {
        println!("probe:");
        for probe in &report.probes {
            println!("{}", probe.text());
        }
    }
    if !report.reachability.is_empty() {
        println!("reachability:");
        for host in &report.reachability {
            println!("  {}", host.summary);
            for address in &host.addresses {
                println!("      {} ({})", address.address, address_class_name(address.class));
            }
            for advice in &host.advice {
                println!("    - likely cause: {}", advice.cause);
                println!("      check: {}", advice.check);
            }
        }
    }
    if !plans.findings.is_empty() {
        println!("findings:");
        for finding in &plans.findings {
            println!("  [{}] {}: {}", finding.level.name(), finding.code, finding.message);
            if !finding.fix.is_empty() {
                println!("      fix: {}", finding.fix);
            }
        }
    }
}

/// The profile line: its name and file, or that none is saved.
fn profile_text(profile: &Profile) -> String {
    if profile.path.is_file() {
        format!("{} ({})", profile.name, profile.path.display())
    } else {
        format!("{} (none saved; `azspeech config set` creates it)", profile.name)
    }
}

/// Where a setting came from: `flag`, `environment` or `profile NAME`.
fn origin_text(source: SettingSource, profile: &Profile) -> String {
    match source {
        SettingSource::Flag => "flag".to_owned(),
        SettingSource::Environment => "environment".to_owned(),
        SettingSource::Profile => format!("profile {}", profile.name),
    }
}

/// One host's reachability as JSON.
fn reachability_json(report: &ReachabilityReport) -> serde_json::Value {
    json!({
        "host": report.host,
        "verdict": verdict_name(report.verdict),
        "addresses": report.addresses.iter().map(|a| json!({"address": a.address, "class": address_class_name(a.class)})).collect::<Vec<_>>(),
        "summary": report.summary,
        "advice": report.advice.iter().map(|a| json!({"cause": a.cause, "check": a.check})).collect::<Vec<_>>(),
    })
}

fn verdict_name(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::PrivateEndpoint => "private-endpoint",
        Verdict::PublicEndpoint => "public-endpoint",
        Verdict::Loopback => "loopback",
        Verdict::Mixed => "mixed",
        Verdict::Unusable => "unusable",
        Verdict::Unresolved => "unresolved",
        Verdict::ViaProxy => "via-proxy",
    }
}

fn address_class_name(class: AddressClass) -> &'static str {
    match class {
        AddressClass::Private => "private",
        AddressClass::Loopback => "loopback",
        AddressClass::LinkLocal => "link-local",
        AddressClass::Reserved => "reserved",
        AddressClass::Public => "public",
    }
}
