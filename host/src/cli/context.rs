//! What every subcommand that talks to the service needs: the core, the resolved settings, the
//! transport options and a credential broker. One place, so each subcommand stays about its job.

use std::sync::Arc;

use super::{ConfigFlags, TransportFlags};
use azspeech_host::artifact_cache::ArtifactCache;
use azspeech_host::clock::SystemClock;
use azspeech_host::core_runtime::{ConfigError, CoreError, CoreInstance, CoreRuntime, Settings};
use azspeech_host::credentials::{CredentialBroker, EntraEnvironment, KeyRing, RetryPolicy};
use azspeech_host::exit_code::ExitCode;
use azspeech_host::profile::{Profile, ProfileError};
use azspeech_host::transport::{TransportOptions, http_client, options::parse_connect_to};

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

/// Format a configuration error the way every subcommand prints it.
pub(crate) fn config_error_text(error: &ConfigError) -> String {
    let variable = error.variable.as_deref().map(|v| format!(" ({v})")).unwrap_or_default();
    format!(
        "azspeech: configuration error{variable}: {}\n  fix: {}",
        error.message, error.fix
    )
}

/// The core with resolved settings.
pub(crate) struct Resolved {
    /// The core instance used for planning and classification.
    pub(crate) core: CoreInstance,
    /// The settings.
    pub(crate) settings: Settings,
    /// The loaded core, for session instances.
    pub(crate) runtime: CoreRuntime,
    /// The profile whose settings were read (empty when it does not exist).
    pub(crate) profile: Profile,
}

/// Load the core and resolve settings from the profile, the environment and `flags` (the core
/// applies precedence: flag > environment > profile).
pub(crate) fn resolve(flags: &ConfigFlags) -> Result<Result<Resolved, ConfigError>, SetupFailure> {
    let runtime = CoreRuntime::load(&ArtifactCache::from_environment())?;
    let mut core = runtime.instantiate()?;
    let secret_names = core.secret_names()?;
    let (profile, mut inputs) = azspeech_host::settings_input::load_profile(
        flags.profile.as_deref(),
        |name| std::env::var(name).ok(),
        &secret_names,
    )
    .map_err(profile_failure)?;
    inputs.extend(azspeech_host::settings_input::from_environment(
        std::env::vars_os(),
        &secret_names,
    ));
    inputs.extend(flags.as_settings());
    Ok(core.resolve(&inputs)?.map(|settings| Resolved {
        core,
        settings,
        runtime,
        profile,
    }))
}

/// A profile that cannot be read, as a configuration failure.
pub(crate) fn profile_failure(error: ProfileError) -> SetupFailure {
    SetupFailure {
        message: format!("azspeech: profile: {error}"),
        code: ExitCode::Configuration,
    }
}

/// Like [`resolve`], with both failure kinds turned into a printable [`SetupFailure`].
pub(crate) fn resolve_or_fail(flags: &ConfigFlags) -> Result<Resolved, SetupFailure> {
    resolve(flags)?.map_err(|error| SetupFailure {
        message: config_error_text(&error),
        code: ExitCode::Configuration,
    })
}

/// Transport options from the environment, then `flags` on top.
pub(crate) fn transport_options(flags: &TransportFlags) -> Result<TransportOptions, SetupFailure> {
    let usage = |message: String| SetupFailure {
        message,
        code: ExitCode::Configuration,
    };
    let mut options = TransportOptions::from_environment().map_err(|e| usage(e.to_string()))?;
    for entry in &flags.connect_to {
        options
            .connect_to
            .push(parse_connect_to(entry).map_err(|e| usage(e.to_string()))?);
    }
    if let Some(ca) = &flags.ca_file {
        options.extra_ca_file = Some(ca.clone());
    }
    Ok(options)
}

/// The HTTP client and a credential broker for `settings`.
pub(crate) fn broker(settings: &Settings, options: &TransportOptions) -> Result<CredentialBroker, SetupFailure> {
    let http = http_client::build(options).map_err(|error| SetupFailure {
        message: error.to_string(),
        code: ExitCode::Configuration,
    })?;
    Ok(CredentialBroker::new(
        settings,
        KeyRing::from_environment(),
        EntraEnvironment::from_environment(),
        http,
        RetryPolicy::from_environment(),
        Arc::new(SystemClock),
    ))
}

/// A fresh connection id: 32 lowercase hex digits.
pub(crate) fn connection_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
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

/// Plan one request for the resolved settings, with a fresh connection id.
pub(crate) fn plan(
    resolved: &mut Resolved,
    kind: azspeech_host::core_runtime::RequestKind,
) -> Result<azspeech_host::core_runtime::ConnectionPlan, SetupFailure> {
    let ids = azspeech_host::core_runtime::RequestIds {
        connection_id: connection_id(),
    };
    resolved
        .core
        .plan(&resolved.settings, kind, &ids)?
        .map_err(|error| SetupFailure {
            message: config_error_text(&error),
            code: ExitCode::Configuration,
        })
}

/// The TLS client configuration for `options` (system roots plus the extra CA file).
pub(crate) fn tls(options: &TransportOptions) -> Result<std::sync::Arc<rustls::ClientConfig>, SetupFailure> {
    azspeech_host::transport::tls::client_config(options.extra_ca_file.as_deref()).map_err(|error| SetupFailure {
        message: error.to_string(),
        code: ExitCode::Configuration,
    })
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
