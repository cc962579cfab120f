//! Fuzz configuration resolution: settings from the environment, flags and profiles (every
//! variable azspeech reads, and lookalikes) resolved and diagnosed. No input panics; what
//! resolves is diagnosed without panicking.
//!
//! Each input line is one setting: its first byte picks the name (from the known variables,
//! or the line's text up to `=` when the byte is past them), the rest is the value.
#![no_main]

use azspeech_component::bindings::exports::azspeech::core::config::{Setting, SettingSource, SettingValue};
use azspeech_component::config::{self, variables::KNOWN_SPEECH_VARIABLES};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let settings: Vec<Setting> = text
        .lines()
        .filter_map(|line| {
            let pick = *line.as_bytes().first()?;
            let rest = line.get(1..)?;
            let (name, value) = match KNOWN_SPEECH_VARIABLES.get(usize::from(pick) % (KNOWN_SPEECH_VARIABLES.len() + 1))
            {
                Some(name) => ((*name).to_owned(), rest.to_owned()),
                None => {
                    let (name, value) = rest.split_once('=')?;
                    (name.to_owned(), value.to_owned())
                }
            };
            let value = if config::SECRET_NAMES.contains(&name.as_str()) {
                SettingValue::Secret(!value.is_empty())
            } else {
                SettingValue::Text(value)
            };
            let source = match pick % 3 {
                0 => SettingSource::Environment,
                1 => SettingSource::Flag,
                _ => SettingSource::Profile,
            };
            Some(Setting { name, value, source })
        })
        .collect();
    if let Ok(resolved) = config::resolve(&settings) {
        let _ = config::diagnose::diagnose(&resolved);
    }
});
