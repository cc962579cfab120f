//! The `azspeech` command line: argument parsing and dispatch to one module per subcommand.

mod batch;
mod batch_jobs;
mod component_export;
mod config;
mod context;
#[cfg(feature = "emulator")]
mod demo;
mod doctor;
#[cfg(feature = "emulator")]
mod emulator;
mod examples;
mod expression;
mod language_id;
mod proxy_routes;
mod shell;
mod stt;
mod token;
mod transcribe;
mod transcript;
mod tts;
mod voices;

use clap::{Args, Parser, Subcommand};

use azspeech_host::exit_code::{self, ExitCode};

/// Azure AI Speech from anywhere: text-to-speech and speech-to-text with every auth mode
/// (key, STS token, Microsoft Entra ID) explained.
#[derive(Debug, Parser)]
#[command(name = "azspeech", version, after_help = exit_code::HELP)]
pub(crate) struct Cli {
    /// Log verbosity on stderr: error, warn, info, debug or trace (or an env-filter directive).
    /// Secrets are never logged at any level; the WebAssembly compiler stays at info unless a
    /// directive names it.
    #[arg(long, global = true, env = "AZSPEECH_LOG", default_value = "warn")]
    pub log_level: String,
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// Settings that override the `SPEECH_*` environment variables. Keys are never accepted as flags
/// (they would end up in shell history and process listings): use `SPEECH_KEY`.
#[derive(Debug, Clone, Default, Args)]
pub(crate) struct ConfigFlags {
    /// Azure region, e.g. westeurope (overrides SPEECH_REGION).
    #[arg(long)]
    pub region: Option<String>,
    /// Custom-domain, regional or loopback endpoint URL (overrides SPEECH_ENDPOINT).
    #[arg(long)]
    pub endpoint: Option<String>,
    /// ARM resource id of the Speech resource (overrides SPEECH_RESOURCE_ID).
    #[arg(long)]
    pub resource_id: Option<String>,
    /// Language, e.g. en-US (overrides SPEECH_LANGUAGE).
    #[arg(long)]
    pub language: Option<String>,
    /// Synthesis voice (overrides SPEECH_VOICE).
    #[arg(long)]
    pub voice: Option<String>,
    /// auto, key, sts or entra (overrides SPEECH_AUTH).
    #[arg(long)]
    pub auth: Option<String>,
    /// public, us-government or china (overrides SPEECH_CLOUD).
    #[arg(long)]
    pub cloud: Option<String>,
    /// Pin the Entra credential source: service-principal, workload-identity, managed-identity
    /// or azure-cli (overrides SPEECH_CREDENTIAL).
    #[arg(long)]
    pub credential: Option<String>,
    /// Saved settings profile to use (overrides SPEECH_PROFILE; default: `default`). Flags and
    /// environment variables override the profile's settings (see `azspeech config`).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
}

impl ConfigFlags {
    /// The flags as settings, each overriding the variable of the same meaning.
    pub(crate) fn as_settings(&self) -> Vec<azspeech_host::core_runtime::Setting> {
        [
            ("SPEECH_REGION", &self.region),
            ("SPEECH_ENDPOINT", &self.endpoint),
            ("SPEECH_RESOURCE_ID", &self.resource_id),
            ("SPEECH_LANGUAGE", &self.language),
            ("SPEECH_VOICE", &self.voice),
            ("SPEECH_AUTH", &self.auth),
            ("SPEECH_CLOUD", &self.cloud),
            ("SPEECH_CREDENTIAL", &self.credential),
        ]
        .into_iter()
        .filter_map(|(name, value)| {
            value
                .as_deref()
                .map(|value| azspeech_host::settings_input::flag(name, value))
        })
        .collect()
    }
}

/// Where sockets connect and which CA they trust (for private endpoints, proxies, the emulator).
#[derive(Debug, Clone, Default, Args)]
pub(crate) struct TransportFlags {
    /// Send requests for HOST to IP:PORT, keeping the URL, Host header and TLS name (like curl's
    /// --connect-to). Repeatable. Also AZSPEECH_CONNECT_TO=HOST=IP:PORT[,...].
    #[arg(long, value_name = "HOST=IP:PORT")]
    pub connect_to: Vec<String>,
    /// Trust the CA certificates in this PEM file besides the system roots (AZSPEECH_CA_FILE).
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<std::path::PathBuf>,
    /// Send every request through this HTTP proxy, http://[USER:PASSWORD@]HOST[:PORT]; wins over
    /// HTTPS_PROXY / HTTP_PROXY / ALL_PROXY (NO_PROXY still applies). Prefer the variables for
    /// credentials: command lines are visible to other users.
    #[arg(long, value_name = "URL", conflicts_with = "no_proxy")]
    pub proxy: Option<String>,
    /// Connect directly, ignoring every proxy variable.
    #[arg(long)]
    pub no_proxy: bool,
}

/// How a session paces audio and how long its connections live.
#[derive(Debug, Args, Clone)]
pub(crate) struct SessionFlags {
    /// The service's connection lifetime in seconds (default 600): azspeech moves to a fresh
    /// connection at a phrase boundary before it ends (AZSPEECH_MAX_CONNECTION_SECS).
    #[arg(long, value_name = "SECONDS", env = "AZSPEECH_MAX_CONNECTION_SECS", value_parser = parse_lifetime)]
    pub max_connection_secs: Option<f64>,
    /// Seconds a due response may take to begin before the connection counts as lost
    /// (default 30; after a stalled connection the next waits a third of it, and a second
    /// stall ends the run) (AZSPEECH_RESPONSE_TIMEOUT_SECS).
    #[arg(long, value_name = "SECONDS", env = "AZSPEECH_RESPONSE_TIMEOUT_SECS", value_parser = parse_response_timeout)]
    pub response_timeout_secs: Option<f64>,
    /// Connection attempts in a row without progress before giving up (default 10)
    /// (AZSPEECH_MAX_ATTEMPTS).
    #[arg(long, value_name = "N", env = "AZSPEECH_MAX_ATTEMPTS", value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub max_attempts: Option<u32>,
}

impl SessionFlags {
    /// The tuning these flags ask for, with `pace` (recognition only).
    pub(crate) fn tuning(&self, pace: Option<f64>) -> azspeech_host::speech::SessionTuning {
        azspeech_host::speech::SessionTuning {
            pace,
            max_connection_ms: self.max_connection_secs.map(|secs| (secs * 1000.0) as u64),
            response_timeout_ms: self.response_timeout_secs.map(|secs| (secs * 1000.0) as u64),
            max_attempts: self.max_attempts,
        }
    }
}

fn parse_response_timeout(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(secs) if secs.is_finite() && (1.0..=3_600.0).contains(&secs) => Ok(secs),
        _ => Err(format!("expected seconds between 1 and 3600, got {text:?}")),
    }
}

fn parse_lifetime(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(secs) if secs.is_finite() && (1.0..=86_400.0).contains(&secs) => Ok(secs),
        _ => Err(format!("expected seconds between 1 and 86400, got {text:?}")),
    }
}

/// `--pace`: `None` = as fast as acknowledged, `Some(f)` = f × real time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PaceFlag(pub Option<f64>);

/// `--pace max|realtime|FACTOR`.
pub(crate) fn parse_pace(text: &str) -> Result<PaceFlag, String> {
    match text {
        "max" => Ok(PaceFlag(None)),
        "realtime" => Ok(PaceFlag(Some(1.0))),
        other => match other.trim_end_matches('x').parse::<f64>() {
            Ok(factor) if factor.is_finite() && factor > 0.0 && factor <= 1000.0 => Ok(PaceFlag(Some(factor))),
            _ => Err(format!(
                "expected max, realtime or a factor such as 2 (twice real time), got {text:?}"
            )),
        },
    }
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Synthesize text or SSML to audio (WAV, MP3, Ogg...), written as it arrives; --play for a speaker.
    #[command(after_help = examples::TTS)]
    Tts(tts::TtsArgs),
    /// Recognize speech in audio files (WAV, FLAC, MP3, AAC/M4A, Ogg), stdin or (--mic) a microphone; text, JSON, SRT or WebVTT.
    #[command(after_help = examples::STT)]
    Stt(stt::SttArgs),
    /// Transcribe audio files with fast transcription (much faster than real time): speakers, channels, text, JSON, SRT or WebVTT.
    #[command(after_help = examples::TRANSCRIBE)]
    Transcribe(transcribe::TranscribeArgs),
    /// Batch transcription of audio in storage, on Azure's fleet: submit, status, wait, results, list, delete.
    #[command(after_help = examples::BATCH)]
    Batch(batch_jobs::BatchArgs),
    /// List the voices of the configured resource (regional or custom-domain endpoint).
    #[command(after_help = examples::VOICES)]
    Voices(voices::VoicesArgs),
    /// Explain the configuration: mode, why, URLs, where each setting came from, and findings.
    #[command(after_help = examples::DOCTOR)]
    Doctor(doctor::DoctorArgs),
    /// Save settings in a profile (`config set SPEECH_REGION westeurope`); never secrets.
    #[command(after_help = examples::CONFIG)]
    Config(config::ConfigArgs),
    /// Print the auth header a request would carry, masked (first 4 characters and the length).
    #[command(after_help = examples::TOKEN)]
    Token(token::TokenArgs),
    /// Run the local Azure Speech emulator on 127.0.0.1 (no Azure account needed).
    #[command(after_help = examples::EMULATOR)]
    Emulator(EmulatorArgs),
    /// TTS -> WAV -> STT round trip on the built-in emulator, no Azure account needed.
    #[command(after_help = examples::DEMO)]
    Demo(DemoArgs),
    /// Write the core WebAssembly component and its WIT, for jco, wasmtime-py and other runtimes.
    #[command(after_help = examples::COMPONENT)]
    Component(component_export::ComponentArgs),
    /// Print shell completions: bash, zsh, fish or powershell.
    #[command(after_help = examples::COMPLETIONS)]
    Completions(shell::CompletionsArgs),
    /// Print the man page (or write every page with --dir).
    #[command(after_help = examples::MAN)]
    Man(shell::ManArgs),
}

/// Arguments of `azspeech emulator` (a placeholder when the `emulator` feature is off).
#[cfg(feature = "emulator")]
pub(crate) type EmulatorArgs = emulator::EmulatorArgs;
/// Arguments of `azspeech emulator` (a placeholder when the `emulator` feature is off).
#[cfg(not(feature = "emulator"))]
pub type EmulatorArgs = Planned;

/// Arguments of `azspeech demo` (a placeholder when the `emulator` feature is off).
#[cfg(feature = "emulator")]
pub(crate) type DemoArgs = demo::DemoArgs;
/// Arguments of `azspeech demo` (a placeholder when the `emulator` feature is off).
#[cfg(not(feature = "emulator"))]
pub type DemoArgs = Planned;

/// Arguments of a subcommand left out of this build; accepted so `--help` works.
#[cfg(not(feature = "emulator"))]
#[derive(Debug, Args)]
pub struct Planned {
    /// Arguments for the future subcommand.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
    pub rest: Vec<String>,
}

/// Parse the command line, run the subcommand, return its exit code.
pub(crate) fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() {
                ExitCode::Configuration
            } else {
                ExitCode::Ok
            };
        }
    };
    init_logging(&cli.log_level);
    match &cli.command {
        Command::Doctor(args) => doctor::run(args),
        Command::Config(args) => config::run(args),
        Command::Completions(args) => shell::completions(args),
        Command::Man(args) => shell::man(args),
        Command::Component(args) => component_export::run(args),
        Command::Token(args) => token::run(args),
        Command::Voices(args) => voices::run(args),
        Command::Tts(args) => tts::run(args),
        Command::Stt(args) => stt::run(args),
        Command::Transcribe(args) => transcribe::run(args),
        Command::Batch(args) => batch_jobs::run(args),
        #[cfg(feature = "emulator")]
        Command::Emulator(args) => emulator::run(args),
        #[cfg(feature = "emulator")]
        Command::Demo(args) => demo::run(args),
        #[cfg(not(feature = "emulator"))]
        Command::Emulator(_) | Command::Demo(_) => {
            eprintln!("azspeech: this build has the `emulator` cargo feature off; rebuild with it to use the emulator");
            ExitCode::NotAvailable
        }
    }
}

/// Targets that are never logged, whatever the level: tungstenite's client handshake logs the raw
/// upgrade request at trace level, credential headers included.
const NEVER_LOGGED: &[&str] = &["tungstenite::handshake=off", "tokio_tungstenite::handshake=off"];

/// The compiler that turns the core into machine code on first use (and after an upgrade) logs
/// every instruction it emits at debug and trace level: about 4 GB and five minutes of output for
/// one `--log-level trace` run on a cold cache. Levels and directives that do not name these
/// targets leave them at info; `--log-level trace,cranelift_codegen=trace` still reaches them.
const COMPILER_TARGETS: &[&str] = &[
    "cranelift_codegen",
    "cranelift_frontend",
    "regalloc2",
    "wasmtime_internal_cranelift",
];

fn init_logging(level: &str) {
    let mut filter =
        tracing_subscriber::EnvFilter::try_new(level).unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    for directive in NEVER_LOGGED {
        if let Ok(directive) = directive.parse() {
            filter = filter.add_directive(directive);
        }
    }
    for target in COMPILER_TARGETS.iter().filter(|target| !level.contains(*target)) {
        if let Ok(directive) = format!("{target}=info").parse() {
            filter = filter.add_directive(directive);
        }
    }
    // symphonia logs a failed probe ("reached probe limit") as an error before azspeech says
    // what is wrong with the file; at the quiet levels only azspeech's explanation is shown.
    if matches!(level, "warn" | "error")
        && let Ok(directive) = "symphonia_core::formats::probe=off".parse()
    {
        filter = filter.add_directive(directive);
    }
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(colour_on_stderr(
            std::io::IsTerminal::is_terminal(&std::io::stderr()),
            std::env::var_os("NO_COLOR"),
        ))
        .with_target(true)
        .try_init();
}

/// Colour only on a terminal, and never with `NO_COLOR` set to anything non-empty
/// (<https://no-color.org>): logs written to a file or a pipe (the emulator's too) carry no
/// escape codes.
fn colour_on_stderr(is_terminal: bool, no_color: Option<std::ffi::OsString>) -> bool {
    is_terminal && no_color.is_none_or(|value| value.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_needs_a_terminal_and_no_no_color() {
        assert!(colour_on_stderr(true, None));
        assert!(colour_on_stderr(true, Some("".into())));
        assert!(!colour_on_stderr(true, Some("1".into())));
        assert!(!colour_on_stderr(false, None));
        assert!(!colour_on_stderr(false, Some("1".into())));
    }
}
