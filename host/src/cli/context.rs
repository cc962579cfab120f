//! What every subcommand that talks to the service needs: a [`Speech`] from the library, built
//! from the environment and the command's flags. One place, so each subcommand stays about its
//! job.

use super::{ConfigFlags, TransportFlags};
use azspeech_host::core_runtime::{ConfigError, CoreError};
use azspeech_host::exit_code::ExitCode;
use azspeech_host::profile::ProfileError;
use azspeech_host::speech::SessionTuning;
use azspeech_host::transport::options::parse_connect_to;
use azspeech_host::{Error, Resolution, Speech, SpeechBuilder};

/// A failure before any request was made, with its exit code.
#[derive(Debug)]
pub(crate) struct SetupFailure {
    /// What to print.
    pub(crate) message: String,
    /// The exit code.
    pub(crate) code: ExitCode,
}

impl From<CoreError> for SetupFailure {
    fn from(error: CoreError) -> Self {
        Self {
            message: error.to_string(),
            code: ExitCode::Internal,
        }
    }
}

impl From<Error> for SetupFailure {
    fn from(error: Error) -> Self {
        let message = match &error {
            Error::Configuration(_) => format!("azspeech: {error}"),
            _ => error.to_string(),
        };
        Self {
            message,
            code: error.exit_code(),
        }
    }
}

/// Format a configuration error the way every subcommand prints it.
pub(crate) fn config_error_text(error: &ConfigError) -> String {
    format!("azspeech: {}", Error::Configuration(error.clone()))
}

/// The library's builder with the profile, the environment, then `config` flags on top.
fn config_builder(config: &ConfigFlags) -> SpeechBuilder {
    let builder = Speech::builder().from_environment().settings(config.as_settings());
    match &config.profile {
        Some(profile) => builder.profile(profile),
        None => builder,
    }
}

/// The library's builder with the environment, then `config` and `transport` flags on top.
pub(crate) fn builder(config: &ConfigFlags, transport: &TransportFlags) -> Result<SpeechBuilder, SetupFailure> {
    let mut builder = config_builder(config);
    for entry in &transport.connect_to {
        let (host, addr) = parse_connect_to(entry).map_err(|error| SetupFailure {
            message: error.to_string(),
            code: ExitCode::Configuration,
        })?;
        builder = builder.connect_to(&host, addr);
    }
    if let Some(ca) = &transport.ca_file {
        builder = builder.ca_file(ca.clone());
    }
    if let Some(proxy) = &transport.proxy {
        builder = builder.proxy(proxy.clone());
    }
    if transport.no_proxy {
        builder = builder.no_proxy();
    }
    Ok(builder)
}

/// A configured [`Speech`] for one command.
pub(crate) fn speech(
    config: &ConfigFlags,
    transport: &TransportFlags,
    tuning: SessionTuning,
) -> Result<Speech, SetupFailure> {
    Ok(builder(config, transport)?.tuning(tuning).build()?)
}

/// The loaded core and the resolved settings (no transport): what `doctor` explains. A
/// configuration error is a value, to be reported; anything else is a failure.
pub(crate) fn resolve(config: &ConfigFlags) -> Result<Result<Resolution, ConfigError>, SetupFailure> {
    match config_builder(config).resolve() {
        Ok(resolution) => Ok(Ok(resolution)),
        Err(Error::Configuration(error)) => Ok(Err(error)),
        Err(error) => Err(error.into()),
    }
}

/// A profile that cannot be read, as a configuration failure.
pub(crate) fn profile_failure(error: ProfileError) -> SetupFailure {
    SetupFailure {
        message: format!("azspeech: profile: {error}"),
        code: ExitCode::Configuration,
    }
}

/// A single-threaded tokio runtime for one CLI command.
pub(crate) fn tokio_runtime() -> Result<tokio::runtime::Runtime, SetupFailure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| SetupFailure {
            message: format!("cannot start the async runtime: {error}"),
            code: ExitCode::Internal,
        })
}

/// Plan one request, with a fresh connection id.
pub(crate) fn plan(
    speech: &Speech,
    kind: azspeech_host::core_runtime::RequestKind,
) -> Result<azspeech_host::core_runtime::ConnectionPlan, SetupFailure> {
    Ok(speech.plan(kind)?)
}

/// A flag whose cargo feature this build left out: exit 69 with the rebuild command.
#[cfg_attr(all(feature = "microphone", feature = "speaker"), allow(dead_code))]
pub(crate) fn feature_missing(flag: &str, feature: &str) -> SetupFailure {
    SetupFailure {
        message: format!(
            "azspeech: {flag} needs the `{feature}` cargo feature, which this build leaves out (it links the \
             system audio library, ALSA on Linux).\n  fix: rebuild with it, e.g. `cargo install --path host \
             --features {feature}` (on Debian/Ubuntu first `apt install libasound2-dev`)"
        ),
        code: ExitCode::NotAvailable,
    }
}
