//! Configuration resolution: `SPEECH_*` settings to a validated, secret-free [`Settings`].

use crate::bindings::exports::azspeech::core::config::{Setting, Settings};
use crate::bindings::exports::azspeech::core::types::{ConfigError, ConfigErrorCode, Finding};

/// Settings whose values are secrets: hosts pass only whether they are present.
pub const SECRET_NAMES: &[&str] = &["SPEECH_KEY", "SPEECH_KEY_SECONDARY", "AZURE_CLIENT_SECRET"];

/// Resolve settings into a configuration, or say what to fix.
pub fn resolve(_settings: &[Setting]) -> Result<Settings, ConfigError> {
    Err(ConfigError {
        code: ConfigErrorCode::NotImplemented,
        variable: None,
        message: "configuration resolution is not implemented yet".into(),
        fix: "see issue #3".into(),
    })
}

/// Findings for `azspeech doctor`.
pub fn diagnose(_settings: &Settings) -> Vec<Finding> {
    Vec::new()
}
