//! Saved settings profiles: `azspeech config set SPEECH_REGION westeurope [--profile NAME]`.
//!
//! A profile is a file of `NAME=value` lines (`#` starts a comment line) at
//! `$XDG_CONFIG_HOME/azspeech/profiles/NAME.env`, or `~/.config/azspeech/profiles/NAME.env`
//! when `XDG_CONFIG_HOME` is unset. The profile used is `--profile NAME`, else `SPEECH_PROFILE`,
//! else `default` (which may be absent). Names are those of the variables they stand for.
//!
//! Profiles hold settings only, never secrets: a name the core lists as secret
//! (`config.secret-names`) is refused when saved and when read, with the fix. Precedence is
//! decided by the core: a flag beats an environment variable, which beats the profile.

use std::path::{Path, PathBuf};

use crate::settings_input::PREFIXES;

/// The profile used when none is named.
pub const DEFAULT_PROFILE: &str = "default";

/// The variable that names the profile (like `--profile`).
pub const PROFILE_VARIABLE: &str = "SPEECH_PROFILE";

/// What went wrong with a profile; each message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// No configuration directory: neither `XDG_CONFIG_HOME` nor `HOME` is set.
    #[error("no configuration directory: set XDG_CONFIG_HOME or HOME")]
    NoConfigDir,
    /// The profile name is not a plain name.
    #[error("profile name {0:?} is not valid: use 1-64 letters, digits, `-` or `_`")]
    BadName(String),
    /// A profile named explicitly does not exist.
    #[error(
        "profile `{name}` does not exist ({path}): create it with `azspeech config set --profile {name} SPEECH_REGION <region>`"
    )]
    Missing {
        /// The profile.
        name: String,
        /// Where it was looked for.
        path: String,
    },
    /// A secret was to be saved in, or was found in, a profile.
    #[error(
        "{name} is a secret and is never stored in a profile{place}: set {name} in the environment, use a credential source (SPEECH_CREDENTIAL) or Microsoft Entra ID (SPEECH_AUTH=entra)"
    )]
    Secret {
        /// The variable.
        name: String,
        /// ` (found in PATH)` when read from a file, else empty.
        place: String,
    },
    /// The setting name is not one azspeech passes on.
    #[error("{0:?} is not a setting name: use the variable's name, e.g. SPEECH_REGION (names start with {prefixes})", prefixes = PREFIXES.join(", "))]
    BadSettingName(String),
    /// The value would not survive a `NAME=value` line.
    #[error("the value of {0} has a line break or control character: give it on one line")]
    BadValue(String),
    /// A line of the file is not `NAME=value`.
    #[error("{path}:{line}: not a NAME=value line: fix or remove it (`azspeech config unset`)")]
    BadLine {
        /// The file.
        path: String,
        /// 1-based line number.
        line: usize,
    },
    /// Reading or writing the file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
}

/// A profile: its name, its file, and its settings in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profile {
    /// The profile's name.
    pub name: String,
    /// Its file (which may not exist yet).
    pub path: PathBuf,
    /// `(NAME, value)` pairs, in file order, each name once.
    pub entries: Vec<(String, String)>,
}

/// The directory profiles live in, from `XDG_CONFIG_HOME` (absolute) or `HOME`.
pub fn profiles_dir(lookup: impl Fn(&str) -> Option<String>) -> Result<PathBuf, ProfileError> {
    let base = match lookup("XDG_CONFIG_HOME").filter(|dir| Path::new(dir).is_absolute()) {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(
            lookup("HOME")
                .filter(|home| !home.is_empty())
                .ok_or(ProfileError::NoConfigDir)?,
        )
        .join(".config"),
    };
    Ok(base.join("azspeech").join("profiles"))
}

/// The profile chosen by `flag` (`--profile`), else `SPEECH_PROFILE`, else `default`; and
/// whether it was named explicitly (then it must exist).
pub fn chosen_name(flag: Option<&str>, lookup: impl Fn(&str) -> Option<String>) -> (String, bool) {
    match flag.map(str::to_owned).or_else(|| lookup(PROFILE_VARIABLE)) {
        Some(name) if !name.trim().is_empty() => (name.trim().to_owned(), true),
        _ => (DEFAULT_PROFILE.to_owned(), false),
    }
}

fn check_name(name: &str) -> Result<(), ProfileError> {
    let ok = (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(ProfileError::BadName(name.to_owned()))
    }
}

/// Check that `name` may be stored in a profile: a variable name azspeech passes on, not a
/// secret.
pub fn check_setting_name(name: &str, secret_names: &[String]) -> Result<(), ProfileError> {
    if secret_names.iter().any(|secret| secret == name) {
        return Err(ProfileError::Secret {
            name: name.to_owned(),
            place: String::new(),
        });
    }
    let shaped = name
        .bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    if !shaped
        || !PREFIXES
            .iter()
            .any(|prefix| name.starts_with(prefix) && name.len() > prefix.len())
    {
        return Err(ProfileError::BadSettingName(name.to_owned()));
    }
    if name == PROFILE_VARIABLE {
        return Err(ProfileError::BadSettingName(name.to_owned()));
    }
    Ok(())
}

impl Profile {
    /// Load profile `name` from `dir`. A profile that does not exist is empty, unless
    /// `must_exist` (it was named explicitly). A secret in the file is an error, never read.
    pub fn load(dir: &Path, name: &str, must_exist: bool, secret_names: &[String]) -> Result<Profile, ProfileError> {
        check_name(name)?;
        let path = dir.join(format!("{name}.env"));
        let shown = path.display().to_string();
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound && !must_exist => String::new(),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Err(ProfileError::Missing {
                    name: name.to_owned(),
                    path: shown,
                });
            }
            Err(source) => return Err(ProfileError::Io { path: shown, source }),
        };
        let mut profile = Profile {
            name: name.to_owned(),
            path,
            entries: Vec::new(),
        };
        for (index, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((key, value)) = line.split_once('=') else {
                return Err(ProfileError::BadLine {
                    path: shown,
                    line: index + 1,
                });
            };
            let key = key.trim();
            match check_setting_name(key, secret_names) {
                Ok(()) => {}
                Err(ProfileError::Secret { name, .. }) => {
                    return Err(ProfileError::Secret {
                        name,
                        place: format!(" (found in {shown})"),
                    });
                }
                Err(_) => {
                    return Err(ProfileError::BadLine {
                        path: shown,
                        line: index + 1,
                    });
                }
            }
            profile.put(key, value.trim());
        }
        Ok(profile)
    }

    /// The value of `name`, if set.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    fn put(&mut self, name: &str, value: &str) {
        match self.entries.iter_mut().find(|(key, _)| key == name) {
            Some(entry) => entry.1 = value.to_owned(),
            None => self.entries.push((name.to_owned(), value.to_owned())),
        }
    }

    /// Set `name` to `value` (checked: a setting, never a secret, one line).
    pub fn set(&mut self, name: &str, value: &str, secret_names: &[String]) -> Result<(), ProfileError> {
        check_setting_name(name, secret_names)?;
        if value.chars().any(char::is_control) {
            return Err(ProfileError::BadValue(name.to_owned()));
        }
        self.put(name, value.trim());
        Ok(())
    }

    /// Remove `name`; `false` if it was not set.
    pub fn unset(&mut self, name: &str) -> bool {
        let before = self.entries.len();
        self.entries.retain(|(key, _)| key != name);
        self.entries.len() != before
    }

    /// Write the profile to its file (creating the directory), replacing it atomically.
    pub fn save(&self) -> Result<(), ProfileError> {
        let io = |source| ProfileError::Io {
            path: self.path.display().to_string(),
            source,
        };
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut text = format!(
            "# azspeech profile `{}`: settings only, never secrets (see `azspeech config --help`).\n",
            self.name
        );
        for (key, value) in &self.entries {
            text.push_str(&format!("{key}={value}\n"));
        }
        let temporary = self.path.with_extension("env.tmp");
        std::fs::write(&temporary, text).map_err(io)?;
        std::fs::rename(&temporary, &self.path).map_err(io)
    }
}

/// The names of the profiles in `dir`, sorted.
pub fn list(dir: &Path) -> Result<Vec<String>, ProfileError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(ProfileError::Io {
                path: dir.display().to_string(),
                source,
            });
        }
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            name.strip_suffix(".env").map(str::to_owned)
        })
        .filter(|name| check_name(name).is_ok())
        .collect();
    names.sort();
    Ok(names)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn secrets() -> Vec<String> {
        vec!["SPEECH_KEY".to_owned(), "AZURE_CLIENT_SECRET".to_owned()]
    }

    #[test]
    fn the_directory_follows_xdg() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned())
        };
        assert_eq!(
            profiles_dir(env(&[("XDG_CONFIG_HOME", "/x"), ("HOME", "/h")])).unwrap(),
            Path::new("/x/azspeech/profiles")
        );
        assert_eq!(
            profiles_dir(env(&[("XDG_CONFIG_HOME", "relative"), ("HOME", "/h")])).unwrap(),
            Path::new("/h/.config/azspeech/profiles")
        );
        assert!(matches!(profiles_dir(env(&[])), Err(ProfileError::NoConfigDir)));
        assert_eq!(
            chosen_name(Some("work"), env(&[("SPEECH_PROFILE", "home")])),
            ("work".to_owned(), true)
        );
        assert_eq!(
            chosen_name(None, env(&[("SPEECH_PROFILE", "home")])),
            ("home".to_owned(), true)
        );
        assert_eq!(chosen_name(None, env(&[])), ("default".to_owned(), false));
    }

    #[test]
    fn settings_round_trip_and_secrets_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut profile = Profile::load(dir.path(), "work", false, &secrets()).unwrap();
        profile.set("SPEECH_REGION", "westeurope", &secrets()).unwrap();
        profile.set("SPEECH_VOICE", "de-DE-KatjaNeural", &secrets()).unwrap();
        profile.set("SPEECH_REGION", "eastus", &secrets()).unwrap();
        for (name, value) in [("SPEECH_KEY", "k"), ("AZURE_CLIENT_SECRET", "s")] {
            let error = profile.set(name, value, &secrets()).unwrap_err();
            assert!(matches!(error, ProfileError::Secret { .. }), "{error}");
            assert!(error.to_string().contains("environment"), "{error}");
        }
        for bad in ["region", "HOME", "SPEECH_", "SPEECH_PROFILE", "SPEECH REGION"] {
            assert!(
                matches!(profile.set(bad, "x", &secrets()), Err(ProfileError::BadSettingName(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            profile.set("SPEECH_LANGUAGE", "en\nSPEECH_KEY=x", &secrets()),
            Err(ProfileError::BadValue(_))
        ));
        profile.save().unwrap();
        let again = Profile::load(dir.path(), "work", true, &secrets()).unwrap();
        assert_eq!(again.get("SPEECH_REGION"), Some("eastus"));
        assert_eq!(again.entries.len(), 2);
        assert_eq!(list(dir.path()).unwrap(), ["work"]);
        assert!(matches!(
            Profile::load(dir.path(), "other", true, &secrets()),
            Err(ProfileError::Missing { .. })
        ));
        assert!(
            Profile::load(dir.path(), "other", false, &secrets())
                .unwrap()
                .entries
                .is_empty()
        );
        assert!(matches!(
            Profile::load(dir.path(), "../x", false, &secrets()),
            Err(ProfileError::BadName(_))
        ));

        std::fs::write(dir.path().join("edited.env"), "SPEECH_REGION=x\nSPEECH_KEY=hunter2\n").unwrap();
        let error = Profile::load(dir.path(), "edited", true, &secrets()).unwrap_err();
        assert!(matches!(error, ProfileError::Secret { .. }), "{error}");
        assert!(!error.to_string().contains("hunter2"), "{error}");
        std::fs::write(dir.path().join("broken.env"), "# fine\nnot a line\n").unwrap();
        assert!(matches!(
            Profile::load(dir.path(), "broken", true, &secrets()),
            Err(ProfileError::BadLine { line: 2, .. })
        ));
    }
}
