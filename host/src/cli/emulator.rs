//! `azspeech emulator`: the strict local Azure Speech emulator, standalone on 127.0.0.1.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};
use serde_json::json;

use super::context::{self, SetupFailure};
use azspeech_emulator::{Emulator, EmulatorConfig, FaultEntry, HostForm, SynthesizerChoice, Verbosity};
use azspeech_host::exit_code::ExitCode;

/// Which host form requests to 127.0.0.1 are treated as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum FormFlag {
    /// Like a container: regional paths; raw Entra tokens accepted.
    Loopback,
    /// The resource's custom domain (use with --tls and --connect-to on the client).
    CustomDomain,
}

/// Which synthesizer produces audio.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SynthesizerFlag {
    /// espeak-ng when installed, else the built-in one.
    Auto,
    /// espeak-ng (intelligible speech).
    Espeak,
    /// The deterministic built-in synthesizer.
    Builtin,
}

/// How much the emulator logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum VerbosityFlag {
    /// Protocol violations and faults only.
    Quiet,
    /// One line per request or connection.
    Requests,
    /// Every WebSocket message too.
    Messages,
}

/// Arguments of `azspeech emulator`.
#[derive(Debug, Args)]
pub(crate) struct EmulatorArgs {
    /// Port on 127.0.0.1 (0 = a free port). The emulator never binds anything but loopback.
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Region of the emulated resource.
    #[arg(long, default_value = "westeurope")]
    pub region: String,
    /// Custom-domain name of the emulated resource.
    #[arg(long, default_value = "contoso-speech")]
    pub custom_domain: String,
    /// How requests addressed to 127.0.0.1 are treated.
    #[arg(long, value_enum, default_value = "loopback")]
    pub form: FormFlag,
    /// Also serve https/wss with a generated test CA, written to --ca-file.
    #[arg(long)]
    pub tls: bool,
    /// Where to write the test CA certificate (PEM) when --tls is on.
    #[arg(long)]
    pub ca_file: Option<PathBuf>,
    /// A JSON file with a list of faults and fault storms to inject (see the emulator crate's
    /// docs).
    #[arg(long)]
    pub faults: Option<PathBuf>,
    /// Close every WebSocket this long after its upgrade with 1000 "Maximum connection duration
    /// exceeded", like the service's 10 minutes (fractions allowed, e.g. 1.5; 0 = never).
    #[arg(long, value_name = "SECS", default_value = "600", value_parser = parse_lifetime)]
    pub max_connection_secs: Duration,
    /// Refuse WebSocket upgrades beyond N open STT+TTS connections with 429 and Retry-After: 1.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_concurrent: Option<u32>,
    /// Lifetime of STS issueToken tokens, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = azspeech_emulator::STS_LIFETIME_SECS)]
    pub sts_token_lifetime_secs: u64,
    /// Lifetime of Entra and managed-identity tokens, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 3599)]
    pub token_lifetime_secs: u64,
    /// Regenerate the primary key (the old one gets 401) after N accepted WebSocket connections.
    #[arg(long, value_name = "N")]
    pub regenerate_primary_key_after_connections: Option<u64>,
    /// Register a recording: WAV=TRANSCRIPT (repeatable).
    #[arg(long = "fixture", value_name = "WAV=TRANSCRIPT")]
    pub fixtures: Vec<String>,
    /// Which synthesizer produces audio.
    #[arg(long, value_enum, default_value = "auto")]
    pub synthesizer: SynthesizerFlag,
    /// Request logging.
    #[arg(long, value_enum, default_value = "requests")]
    pub verbosity: VerbosityFlag,
    /// Write the client variables and token endpoints as JSON here once listening (for scripts).
    #[arg(long)]
    pub ready_file: Option<PathBuf>,
}

/// Seconds, fractions allowed; 0 means no limit (`Duration::ZERO`).
fn parse_lifetime(text: &str) -> Result<Duration, String> {
    match text.parse::<f64>() {
        Ok(seconds) if seconds.is_finite() && (0.0..=86_400.0).contains(&seconds) => {
            Ok(Duration::from_secs_f64(seconds))
        }
        _ => Err(format!(
            "expected a number of seconds between 0 and 86400, got {text:?}"
        )),
    }
}

fn usage(message: String) -> SetupFailure {
    SetupFailure {
        message: format!("azspeech emulator: {message}"),
        code: ExitCode::Configuration,
    }
}

/// The emulator configuration for these arguments.
pub(crate) fn config(args: &EmulatorArgs) -> Result<EmulatorConfig, SetupFailure> {
    let mut config = EmulatorConfig::new()
        .bind(SocketAddr::from((Ipv4Addr::LOCALHOST, args.port)))
        .region(args.region.clone())
        .custom_domain(args.custom_domain.clone())
        .default_form(match args.form {
            FormFlag::Loopback => HostForm::Loopback,
            FormFlag::CustomDomain => HostForm::CustomDomain,
        })
        .tls(args.tls)
        .synthesizer(match args.synthesizer {
            SynthesizerFlag::Auto => SynthesizerChoice::Auto,
            SynthesizerFlag::Espeak => SynthesizerChoice::Espeak,
            SynthesizerFlag::Builtin => SynthesizerChoice::BuiltIn,
        })
        .verbosity(match args.verbosity {
            VerbosityFlag::Quiet => Verbosity::Quiet,
            VerbosityFlag::Requests => Verbosity::Requests,
            VerbosityFlag::Messages => Verbosity::Messages,
        })
        .max_connection(Some(args.max_connection_secs).filter(|d| !d.is_zero()))
        .max_concurrent_connections(args.max_concurrent)
        .sts_token_lifetime(Duration::from_secs(args.sts_token_lifetime_secs))
        .token_lifetime(Duration::from_secs(args.token_lifetime_secs))
        .regenerate_primary_key_after_connections(args.regenerate_primary_key_after_connections);
    if let Some(path) = &args.ca_file {
        config = config.ca_file(path.clone());
    }
    if let Some(path) = &args.faults {
        let text = std::fs::read_to_string(path).map_err(|e| usage(format!("cannot read {}: {e}", path.display())))?;
        let entries: Vec<FaultEntry> = serde_json::from_str(&text)
            .map_err(|e| usage(format!("{} is not a list of faults: {e}", path.display())))?;
        for entry in entries {
            config = config.fault_entry(entry);
        }
    }
    for fixture in &args.fixtures {
        let (wav, transcript) = fixture
            .split_once('=')
            .ok_or_else(|| usage(format!("--fixture {fixture}: expected WAV=TRANSCRIPT")))?;
        config = config.fixture_file(wav, transcript);
    }
    Ok(config)
}

/// Run `azspeech emulator` until Ctrl-C.
pub(super) fn run(args: &EmulatorArgs) -> ExitCode {
    match serve(args) {
        Ok(()) => ExitCode::Ok,
        Err(failure) => {
            eprintln!("{}", failure.message);
            failure.code
        }
    }
}

fn serve(args: &EmulatorArgs) -> Result<(), SetupFailure> {
    let config = config(args)?;
    let runtime = context::tokio_runtime()?;
    runtime.block_on(async {
        let emulator = Emulator::start(config).await.map_err(|e| usage(e.to_string()))?;
        println!("{}", emulator.banner());
        if let Some(path) = &args.ready_file {
            let endpoints = emulator.token_endpoint_urls();
            let env: serde_json::Map<String, serde_json::Value> = emulator
                .env_vars()
                .into_iter()
                .map(|(k, v)| (k, serde_json::Value::String(v)))
                .collect();
            let info = json!({
                "endpoint": emulator.http_url(),
                "key": emulator.primary_key(),
                "secondary_key": emulator.secondary_key(),
                "region": args.region,
                "resource_id": emulator.config().resource_id,
                "tenant": emulator.config().tenant_id,
                "msi_endpoint": endpoints.managed_identity,
                "identity_header": emulator.config().identity_header,
                "authority": endpoints.authority,
                "ca_file": args.ca_file,
                "env": env,
            });
            let temporary = path.with_extension("partial");
            std::fs::write(&temporary, info.to_string())
                .and_then(|()| std::fs::rename(&temporary, path))
                .map_err(|e| usage(format!("cannot write {}: {e}", path.display())))?;
        }
        println!("Press Ctrl-C to stop.");
        tokio::signal::ctrl_c()
            .await
            .map_err(|e| usage(format!("cannot wait for Ctrl-C: {e}")))?;
        emulator.shutdown().await;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Wrapper {
        #[command(flatten)]
        args: EmulatorArgs,
    }

    fn parse(args: &[&str]) -> Result<EmulatorConfig, String> {
        let wrapper = Wrapper::try_parse_from(std::iter::once("emulator").chain(args.iter().copied()))
            .map_err(|e| e.to_string())?;
        config(&wrapper.args).map_err(|f| f.message)
    }

    #[test]
    fn limit_flags_reach_the_configuration() {
        let defaults = parse(&[]).expect("defaults");
        assert_eq!(defaults.max_connection, Some(Duration::from_secs(600)));
        assert_eq!(defaults.max_concurrent_connections, None);
        assert_eq!(defaults.sts_token_lifetime, Duration::from_secs(600));
        assert_eq!(defaults.token_lifetime, Duration::from_secs(3599));
        let set = parse(&[
            "--max-connection-secs",
            "1.5",
            "--max-concurrent",
            "3",
            "--sts-token-lifetime-secs",
            "30",
            "--token-lifetime-secs",
            "90",
            "--regenerate-primary-key-after-connections",
            "4",
        ])
        .expect("flags");
        assert_eq!(set.max_connection, Some(Duration::from_millis(1500)));
        assert_eq!(set.max_concurrent_connections, Some(3));
        assert_eq!(set.sts_token_lifetime, Duration::from_secs(30));
        assert_eq!(set.token_lifetime, Duration::from_secs(90));
        assert_eq!(set.regenerate_primary_key_after_connections, Some(4));
        let off = parse(&["--max-connection-secs", "0"]).expect("off");
        assert_eq!(off.max_connection, None);
        assert!(parse(&["--max-concurrent", "0"]).is_err());
        assert!(parse(&["--max-connection-secs", "-1"]).is_err());
    }

    #[test]
    fn the_faults_file_takes_storms() {
        let path = std::env::temp_dir().join(format!("azspeech-storm-{}.json", std::process::id()));
        std::fs::write(
            &path,
            r#"[{"storm": {"seed": 7, "target": "stt", "max_faults": 5}}, {"action": "refuse", "target": "any"}]"#,
        )
        .expect("write");
        let path_text = path.display().to_string();
        let parsed = parse(&["--faults", &path_text]);
        let _ = std::fs::remove_file(&path);
        let config = parsed.expect("faults file");
        assert_eq!(config.storms.len(), 1);
        assert_eq!(config.storms[0].seed, 7);
        assert_eq!(config.faults.len(), 1);
    }
}
