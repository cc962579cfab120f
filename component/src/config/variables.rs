//! The raw settings: which value wins (a flag overrides the environment variable of the same
//! name), blank values, values passed in the wrong form, and `SPEECH_*` names azspeech does not
//! know.
//!
//! No function here ever copies a value into a message: an unknown variable may well hold a key.

use std::collections::BTreeMap;

use super::{config_error, finding, suggest};
use crate::bindings::exports::azspeech::core::config::{Setting, SettingSource, SettingValue};
use crate::bindings::exports::azspeech::core::types::{ConfigError, ConfigErrorCode, Finding, Level};

/// Every `SPEECH_*` variable azspeech reads.
pub const KNOWN_SPEECH_VARIABLES: &[&str] = &[
    "SPEECH_KEY",
    "SPEECH_KEY_SECONDARY",
    "SPEECH_REGION",
    "SPEECH_ENDPOINT",
    "SPEECH_RESOURCE_ID",
    "SPEECH_LANGUAGE",
    "SPEECH_VOICE",
    "SPEECH_VOICE_NAME",
    "SPEECH_AUTH",
    "SPEECH_CLOUD",
    "SPEECH_ALLOW_HOST",
    "SPEECH_CREDENTIAL",
    "SPEECH_PROFILE",
];

/// Names other tools and samples use, and the azspeech variable they mean.
const LOOKALIKES: &[(&str, &str)] = &[
    ("SPEECH_SUBSCRIPTION_KEY", "SPEECH_KEY"),
    ("SPEECH_SERVICE_KEY", "SPEECH_KEY"),
    ("SPEECH_API_KEY", "SPEECH_KEY"),
    ("SPEECH_KEY1", "SPEECH_KEY"),
    ("SPEECH_KEY2", "SPEECH_KEY_SECONDARY"),
    ("SPEECH_SECONDARY_KEY", "SPEECH_KEY_SECONDARY"),
    ("SPEECH_SERVICE_REGION", "SPEECH_REGION"),
    ("SPEECH_LOCATION", "SPEECH_REGION"),
    ("SPEECH_HOST", "SPEECH_ENDPOINT"),
    ("SPEECH_URL", "SPEECH_ENDPOINT"),
    ("SPEECH_ENDPOINT_URL", "SPEECH_ENDPOINT"),
    ("SPEECH_SERVICE_ENDPOINT", "SPEECH_ENDPOINT"),
    ("SPEECH_RECOGNITION_LANGUAGE", "SPEECH_LANGUAGE"),
    ("SPEECH_SYNTHESIS_LANGUAGE", "SPEECH_LANGUAGE"),
    ("SPEECH_LANG", "SPEECH_LANGUAGE"),
    ("SPEECH_LOCALE", "SPEECH_LANGUAGE"),
    ("SPEECH_SYNTHESIS_VOICE_NAME", "SPEECH_VOICE"),
    ("SPEECH_SYNTHESIS_VOICE", "SPEECH_VOICE"),
    ("SPEECH_RESOURCEID", "SPEECH_RESOURCE_ID"),
    ("SPEECH_AUTH_MODE", "SPEECH_AUTH"),
    ("SPEECH_AUTHENTICATION", "SPEECH_AUTH"),
    ("SPEECH_ALLOWED_HOST", "SPEECH_ALLOW_HOST"),
    ("SPEECH_ALLOWED_HOSTS", "SPEECH_ALLOW_HOST"),
    ("SPEECH_ALLOW_HOSTS", "SPEECH_ALLOW_HOST"),
];

/// One variable as it won: its value and where it came from.
#[derive(Clone, Copy)]
struct Entry<'a> {
    value: &'a SettingValue,
    source: SettingSource,
}

/// How strongly a source wins: a flag over the environment over a profile.
fn rank(source: SettingSource) -> u8 {
    match source {
        SettingSource::Profile => 0,
        SettingSource::Environment => 1,
        SettingSource::Flag => 2,
    }
}

/// The settings after precedence (flag > environment > profile), looked up by name.
pub struct Variables<'a> {
    entries: BTreeMap<&'a str, Entry<'a>>,
    overridden: Vec<&'a str>,
}

impl<'a> Variables<'a> {
    /// Index `settings`: a flag beats an environment variable of the same name, which beats a
    /// profile's; among settings of the same source the last one wins.
    pub fn collect(settings: &'a [Setting]) -> Self {
        let mut entries: BTreeMap<&'a str, Entry<'a>> = BTreeMap::new();
        let mut overridden = Vec::new();
        for setting in settings {
            let entry = Entry {
                value: &setting.value,
                source: setting.source,
            };
            match entries.get(setting.name.as_str()) {
                Some(previous) if rank(previous.source) > rank(entry.source) => {}
                Some(previous) => {
                    let flag_over_environment = matches!(entry.source, SettingSource::Flag)
                        && matches!(previous.source, SettingSource::Environment);
                    if flag_over_environment && !overridden.contains(&setting.name.as_str()) {
                        overridden.push(setting.name.as_str());
                    }
                    entries.insert(setting.name.as_str(), entry);
                }
                None => {
                    entries.insert(setting.name.as_str(), entry);
                }
            }
        }
        Self { entries, overridden }
    }

    /// Where each setting's winning value came from, by name.
    pub fn origins(&self) -> Vec<(String, SettingSource)> {
        self.entries
            .iter()
            .map(|(name, entry)| ((*name).to_owned(), entry.source))
            .collect()
    }

    /// The first secret that came from a profile, if any: profiles hold settings only.
    pub fn secret_from_profile(&self, secret_names: &[&str]) -> Option<&'a str> {
        self.entries
            .iter()
            .find(|(name, entry)| matches!(entry.source, SettingSource::Profile) && secret_names.contains(name))
            .map(|(name, _)| *name)
    }

    /// Whether `name` is set at all (even blank).
    pub fn is_set(&self, name: &str) -> bool {
        self.entries.contains_key(name)
    }

    /// Whether the winning value of `name` came from a flag.
    pub fn from_flag(&self, name: &str) -> bool {
        self.entries
            .get(name)
            .is_some_and(|entry| matches!(entry.source, SettingSource::Flag))
    }

    /// Names whose environment value a flag replaced.
    pub fn overridden(&self) -> &[&'a str] {
        &self.overridden
    }

    /// `name` and where it came from, for messages: `SPEECH_REGION`,
    /// `SPEECH_REGION (set by a flag)` or `SPEECH_REGION (from the profile)`.
    pub fn describe(&self, name: &str) -> String {
        match self.entries.get(name).map(|entry| entry.source) {
            Some(SettingSource::Flag) => format!("{name} (set by a flag)"),
            Some(SettingSource::Profile) => format!("{name} (from the profile)"),
            _ => name.to_owned(),
        }
    }

    /// A plain value, trimmed. `None` when unset; an error when blank or passed as a secret.
    pub fn text(&self, name: &str) -> Result<Option<&'a str>, ConfigError> {
        match self.entries.get(name) {
            None => Ok(None),
            Some(Entry {
                value: SettingValue::Text(text),
                ..
            }) => {
                let trimmed = text.trim();
                if trimmed.is_empty() {
                    Err(self.blank(name))
                } else {
                    Ok(Some(trimmed))
                }
            }
            Some(Entry {
                value: SettingValue::Secret(_),
                ..
            }) => Err(config_error(
                ConfigErrorCode::InvalidValue,
                Some(name),
                format!(
                    "{} was passed as a secret, but it is a plain setting",
                    self.describe(name)
                ),
                format!("pass {name} as text (this is a bug in the host program)"),
            )),
        }
    }

    /// Whether a secret is present. `false` when unset; an error when blank.
    pub fn secret(&self, name: &str) -> Result<bool, ConfigError> {
        let present = match self.entries.get(name) {
            None => return Ok(false),
            Some(Entry {
                value: SettingValue::Secret(present),
                ..
            }) => *present,
            Some(Entry {
                value: SettingValue::Text(text),
                ..
            }) => !text.trim().is_empty(),
        };
        if present { Ok(true) } else { Err(self.blank(name)) }
    }

    /// Like [`Self::secret`], but a blank value counts as unset (for variables azspeech only uses
    /// to detect which credential source the environment is set up for).
    pub fn secret_present(&self, name: &str) -> bool {
        self.secret(name).unwrap_or(false)
    }

    /// Like [`Self::text`], but a blank value counts as unset.
    pub fn text_present(&self, name: &str) -> Option<&'a str> {
        self.text(name).ok().flatten()
    }

    fn blank(&self, name: &str) -> ConfigError {
        config_error(
            ConfigErrorCode::EmptySetting,
            Some(name),
            format!("{} is set but empty", self.describe(name)),
            format!("give {name} a value, or unset it (`unset {name}`)"),
        )
    }

    /// Warnings for `SPEECH_*` variables azspeech does not read, with a suggestion when the name
    /// looks like one it does. The values are never included.
    pub fn unknown_variable_notes(&self) -> Vec<Finding> {
        self.entries
            .keys()
            .filter(|name| name.starts_with("SPEECH_") && !KNOWN_SPEECH_VARIABLES.contains(name))
            .map(|name| unknown_variable_note(name))
            .collect()
    }
}

fn unknown_variable_note(name: &str) -> Finding {
    let shown: String = name.chars().take(64).collect();
    let suggestion = LOOKALIKES
        .iter()
        .find(|(lookalike, _)| *lookalike == name)
        .map(|(_, known)| *known)
        .or_else(|| suggest::closest(name, KNOWN_SPEECH_VARIABLES, 3));
    match suggestion {
        Some(known) => finding(
            Level::Warning,
            "unknown-variable",
            format!("{shown} is not a variable azspeech reads; it is ignored. Did you mean {known}?"),
            format!("rename {shown} to {known}"),
        ),
        None => finding(
            Level::Warning,
            "unknown-variable",
            format!("{shown} is not a variable azspeech reads; it is ignored"),
            format!(
                "remove {shown}, or use one of: {}",
                KNOWN_SPEECH_VARIABLES
                    .iter()
                    .filter(|known| **known != "SPEECH_VOICE_NAME")
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setting(name: &str, value: SettingValue, source: SettingSource) -> Setting {
        Setting {
            name: name.to_owned(),
            value,
            source,
        }
    }

    #[test]
    fn a_flag_wins_whatever_the_order() {
        let flag = setting(
            "SPEECH_REGION",
            SettingValue::Text("eastus".into()),
            SettingSource::Flag,
        );
        let env = setting(
            "SPEECH_REGION",
            SettingValue::Text("westeurope".into()),
            SettingSource::Environment,
        );
        for settings in [vec![flag.clone(), env.clone()], vec![env, flag]] {
            let vars = Variables::collect(&settings);
            assert!(matches!(vars.text("SPEECH_REGION"), Ok(Some("eastus"))));
            assert!(vars.from_flag("SPEECH_REGION"));
        }
    }

    #[test]
    fn precedence_is_flag_then_environment_then_profile() {
        let region = |value: &str, source| setting("SPEECH_REGION", SettingValue::Text(value.into()), source);
        let flag = region("eastus", SettingSource::Flag);
        let env = region("westeurope", SettingSource::Environment);
        let profile = region("northeurope", SettingSource::Profile);
        let cases = [
            (
                vec![profile.clone(), env.clone(), flag.clone()],
                "eastus",
                SettingSource::Flag,
            ),
            (
                vec![flag.clone(), profile.clone(), env.clone()],
                "eastus",
                SettingSource::Flag,
            ),
            (
                vec![env.clone(), profile.clone()],
                "westeurope",
                SettingSource::Environment,
            ),
            (
                vec![profile.clone(), env.clone()],
                "westeurope",
                SettingSource::Environment,
            ),
            (vec![profile.clone()], "northeurope", SettingSource::Profile),
        ];
        for (settings, want, source) in cases {
            let vars = Variables::collect(&settings);
            assert_eq!(vars.text("SPEECH_REGION").ok().flatten(), Some(want));
            assert_eq!(vars.origins(), [("SPEECH_REGION".to_owned(), source)]);
        }
        assert_eq!(
            Variables::collect(&[profile]).describe("SPEECH_REGION"),
            "SPEECH_REGION (from the profile)"
        );
    }

    #[test]
    fn blanks_and_wrong_forms() {
        let settings = vec![
            setting("SPEECH_KEY", SettingValue::Secret(false), SettingSource::Environment),
            setting("SPEECH_REGION", SettingValue::Secret(true), SettingSource::Environment),
            setting("SPEECH_LANGUAGE", SettingValue::Text(" \t".into()), SettingSource::Flag),
            setting(
                "SPEECH_KEY_SECONDARY",
                SettingValue::Text("abc".into()),
                SettingSource::Environment,
            ),
        ];
        let vars = Variables::collect(&settings);
        assert!(matches!(vars.secret("SPEECH_KEY"), Err(e) if matches!(e.code, ConfigErrorCode::EmptySetting)));
        assert!(matches!(vars.text("SPEECH_REGION"), Err(e) if matches!(e.code, ConfigErrorCode::InvalidValue)));
        assert!(
            matches!(vars.text("SPEECH_LANGUAGE"), Err(e) if matches!(e.code, ConfigErrorCode::EmptySetting) && e.message.contains("flag"))
        );
        assert!(matches!(vars.secret("SPEECH_KEY_SECONDARY"), Ok(true)));
        assert!(matches!(vars.secret("SPEECH_ENDPOINT"), Ok(false)));
        assert!(matches!(vars.text("SPEECH_ENDPOINT"), Ok(None)));
    }

    #[test]
    fn unknown_names_never_show_values() {
        let settings = vec![
            setting(
                "SPEECH_SUBSCRIPTION_KEY",
                SettingValue::Text("hunter2hunter2".into()),
                SettingSource::Environment,
            ),
            setting(
                "SPEECH_FOO",
                SettingValue::Text("hunter2hunter2".into()),
                SettingSource::Environment,
            ),
            setting(
                "SPEECH_REGION",
                SettingValue::Text("westeurope".into()),
                SettingSource::Environment,
            ),
            setting(
                "AZURE_SUBSCRIPTION_ID",
                SettingValue::Text("x".into()),
                SettingSource::Environment,
            ),
        ];
        let notes = Variables::collect(&settings).unknown_variable_notes();
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(notes[1].message.contains("Did you mean SPEECH_KEY?"), "{:?}", notes[1]);
        assert!(notes.iter().all(|note| !format!("{note:?}").contains("hunter2")));
    }
}
