//! Turning the process environment and CLI flags into the core's `setting` list.
//!
//! Secret values stay here: for a name the core lists in `config.secret-names`, only whether the
//! value is present and non-blank crosses into the component.

use std::ffi::OsString;
use std::path::PathBuf;

use crate::core_runtime::{Setting, SettingSource, SettingValue};

/// Variable name prefixes passed to the core; everything else in the environment stays out.
pub const PREFIXES: &[&str] = &["SPEECH_", "AZURE_", "IDENTITY_", "MSI_", "IMDS_"];

/// Settings from environment variables with one of the [`PREFIXES`], secrets redacted.
pub fn from_environment(vars: impl IntoIterator<Item = (OsString, OsString)>, secret_names: &[String]) -> Vec<Setting> {
    let mut settings: Vec<Setting> = vars
        .into_iter()
        .filter_map(|(name, value)| {
            let name = name.into_string().ok()?;
            PREFIXES
                .iter()
                .any(|prefix| name.starts_with(prefix))
                .then_some((name, value))
        })
        .map(|(name, value)| {
            let value = if secret_names.contains(&name) {
                SettingValue::Secret(!value.to_string_lossy().trim().is_empty())
            } else {
                SettingValue::Text(value.to_string_lossy().into_owned())
            };
            Setting {
                name,
                value,
                source: SettingSource::Environment,
            }
        })
        .collect();
    settings.sort_by(|a, b| a.name.cmp(&b.name));
    settings
}

/// A non-secret flag that overrides the variable `name`.
pub fn flag(name: &str, value: &str) -> Setting {
    Setting {
        name: name.to_owned(),
        value: SettingValue::Text(value.to_owned()),
        source: SettingSource::Flag,
    }
}

/// A secret given directly (not from the environment): only whether it is usable crosses into
/// the core.
pub fn secret(name: &str, usable: bool) -> Setting {
    Setting {
        name: name.to_owned(),
        value: SettingValue::Secret(usable),
        source: SettingSource::Flag,
    }
}

/// Settings from a saved profile (source `profile`: the environment and flags override them).
/// A profile never holds a secret: [`crate::profile::Profile::load`] refuses one, and so does the
/// core if a host passes one anyway.
pub fn from_profile(profile: &crate::profile::Profile) -> Vec<Setting> {
    profile
        .entries
        .iter()
        .map(|(name, value)| Setting {
            name: name.clone(),
            value: SettingValue::Text(value.clone()),
            source: SettingSource::Profile,
        })
        .collect()
}

/// Load the profile chosen by `flag` (`--profile`), `SPEECH_PROFILE` or `default` from the XDG
/// configuration directory, as settings with their source; the profile itself too, to say where
/// the settings came from. `lookup` reads an environment variable. The CLI and the library's
/// facade both call this.
pub fn load_profile(
    flag: Option<&str>,
    lookup: impl Fn(&str) -> Option<String>,
    secret_names: &[String],
) -> Result<(crate::profile::Profile, Vec<Setting>), crate::profile::ProfileError> {
    let (name, explicit) = crate::profile::chosen_name(flag, &lookup);
    let dir = match crate::profile::profiles_dir(&lookup) {
        Ok(dir) => dir,
        Err(error) if explicit => return Err(error),
        Err(_) => PathBuf::new(),
    };
    let profile = if dir.as_os_str().is_empty() {
        crate::profile::Profile {
            name,
            path: PathBuf::new(),
            entries: Vec::new(),
        }
    } else {
        crate::profile::Profile::load(&dir, &name, explicit, secret_names)?
    };
    let settings = from_profile(&profile);
    Ok((profile, settings))
}
