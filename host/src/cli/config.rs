//! `azspeech config set|get|list|unset|path [--profile NAME]`: saved settings profiles, named
//! as the variables they stand for (`azspeech config set SPEECH_REGION westeurope`). Secrets
//! are refused: they belong in the environment, a credential source or Entra ID.

use clap::{Args, Subcommand};

use super::context::{SetupFailure, profile_failure};
use azspeech_host::artifact_cache::ArtifactCache;
use azspeech_host::core_runtime::CoreRuntime;
use azspeech_host::exit_code::ExitCode;
use azspeech_host::profile::{self, Profile};

/// Arguments of `azspeech config`.
#[derive(Debug, Args)]
pub(crate) struct ConfigArgs {
    /// The profile to work on (default: SPEECH_PROFILE, else `default`).
    #[arg(long, value_name = "NAME", global = true)]
    pub profile: Option<String>,
    /// What to do.
    #[command(subcommand)]
    pub action: ConfigAction,
}

/// `config` actions.
#[derive(Debug, Subcommand)]
pub(crate) enum ConfigAction {
    /// Save a setting, e.g. `SPEECH_REGION westeurope` (secrets such as SPEECH_KEY are refused).
    Set {
        /// The variable's name, e.g. SPEECH_REGION.
        name: String,
        /// Its value.
        value: String,
    },
    /// Print a saved setting's value (exit 1 if it is not set).
    Get {
        /// The variable's name.
        name: String,
    },
    /// Print the profile's settings as NAME=value lines, or with --profiles the profile names.
    List {
        /// List the saved profiles instead.
        #[arg(long)]
        profiles: bool,
    },
    /// Remove a saved setting.
    Unset {
        /// The variable's name.
        name: String,
    },
    /// Print the profile's file path.
    Path,
}

/// Run `azspeech config`.
pub(super) fn run(args: &ConfigArgs) -> ExitCode {
    match configure(args) {
        Ok(code) => code,
        Err(failure) => {
            eprintln!("{}", failure.message);
            failure.code
        }
    }
}

fn configure(args: &ConfigArgs) -> Result<ExitCode, SetupFailure> {
    let lookup = |name: &str| std::env::var(name).ok();
    let dir = profile::profiles_dir(lookup).map_err(profile_failure)?;
    if let ConfigAction::List { profiles: true } = args.action {
        for name in profile::list(&dir).map_err(profile_failure)? {
            println!("{name}");
        }
        return Ok(ExitCode::Ok);
    }
    let runtime = CoreRuntime::load(&ArtifactCache::from_environment())?;
    let secret_names = runtime.instantiate()?.secret_names()?;
    let (name, _) = profile::chosen_name(args.profile.as_deref(), lookup);
    let mut profile = Profile::load(&dir, &name, false, &secret_names).map_err(profile_failure)?;
    match &args.action {
        ConfigAction::Set { name, value } => {
            profile.set(name, value, &secret_names).map_err(profile_failure)?;
            profile.save().map_err(profile_failure)?;
            eprintln!(
                "{name} saved in profile `{}` ({})",
                profile.name,
                profile.path.display()
            );
        }
        ConfigAction::Get { name } => match profile.get(name) {
            Some(value) => println!("{value}"),
            None => {
                eprintln!("{name} is not set in profile `{}`", profile.name);
                return Ok(ExitCode::NoMatch);
            }
        },
        ConfigAction::List { .. } => {
            for (name, value) in &profile.entries {
                println!("{name}={value}");
            }
        }
        ConfigAction::Unset { name } => {
            if profile.unset(name) {
                profile.save().map_err(profile_failure)?;
                eprintln!("{name} removed from profile `{}`", profile.name);
            } else {
                eprintln!("{name} was not set in profile `{}`", profile.name);
            }
        }
        ConfigAction::Path => println!("{}", profile.path.display()),
    }
    Ok(ExitCode::Ok)
}
