//! Configuration resolution: `SPEECH_*` settings to a validated, secret-free [`Settings`].
//!
//! [`resolve()`] reads the settings the host passes in (environment variables, overridden by flags),
//! validates every value, decides the authentication mode, the endpoint and the cloud, and explains
//! each decision. Anything that cannot work is a [`ConfigError`] naming the variable and the fix.
//! [`diagnose()`] turns a resolved configuration into the findings `azspeech doctor` prints.
//!
//! One concern per module:
//! - [`variables`]: the raw settings, flag precedence, blank values, unknown names and aliases;
//! - [`url`]: a strict parser for endpoint URLs;
//! - [`endpoint`]: which kind of host an endpoint is, and whether a credential may go there;
//! - [`region`], [`cloud`]: the Azure Speech regions and the clouds they belong to;
//! - [`resource_id`]: the ARM resource id of the Speech resource;
//! - [`language`]: recognition language and synthesis voice;
//! - [`auth`], [`credential`]: the authentication mode and the Entra credential source;
//! - [`suggest`]: "did you mean" suggestions;
//! - [`resolve`](mod@resolve): the decisions that combine the above;
//! - [`diagnose`](mod@diagnose): findings for `azspeech doctor`.

pub mod auth;
pub mod cloud;
pub mod credential;
pub mod diagnose;
pub mod endpoint;
pub mod language;
pub mod region;
pub mod resolve;
pub mod resource_id;
pub mod suggest;
pub mod url;
pub mod variables;

use crate::bindings::exports::azspeech::core::config::{Setting, Settings};
use crate::bindings::exports::azspeech::core::types::{ConfigError, ConfigErrorCode, Finding, Level};

/// Settings whose values are secrets: hosts pass only whether they are present.
///
/// Besides the keys and the service principal secret this lists the other secrets that the host
/// forwards because of their prefix (`IDENTITY_`, `MSI_`, `AZURE_`), so that their values never
/// reach the core either.
pub const SECRET_NAMES: &[&str] = &[
    "SPEECH_KEY",
    "SPEECH_KEY_SECONDARY",
    "AZURE_CLIENT_SECRET",
    "IDENTITY_HEADER",
    "MSI_SECRET",
    "AZURE_CLIENT_CERTIFICATE_PASSWORD",
    "AZURE_PASSWORD",
];

/// Resolve settings into a configuration, or say what to fix.
pub fn resolve(settings: &[Setting]) -> Result<Settings, ConfigError> {
    resolve::resolve(settings)
}

/// Findings for `azspeech doctor`.
pub fn diagnose(settings: &Settings) -> Vec<Finding> {
    diagnose::diagnose(settings)
}

/// A configuration error.
pub(crate) fn config_error(
    code: ConfigErrorCode,
    variable: Option<&str>,
    message: impl Into<String>,
    fix: impl Into<String>,
) -> ConfigError {
    ConfigError {
        code,
        variable: variable.map(str::to_owned),
        message: message.into(),
        fix: fix.into(),
    }
}

/// A finding.
pub(crate) fn finding(level: Level, code: &str, message: impl Into<String>, fix: impl Into<String>) -> Finding {
    Finding {
        level,
        code: code.to_owned(),
        message: message.into(),
        fix: fix.into(),
    }
}
