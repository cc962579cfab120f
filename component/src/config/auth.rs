//! The authentication mode (`SPEECH_AUTH`): `auto` (the default) uses the key when one is set, as
//! the original Python helper did, and Microsoft Entra ID otherwise.

use super::variables::Variables;
use super::{config_error, finding};
use crate::bindings::exports::azspeech::core::types::{AuthMode, ConfigError, ConfigErrorCode, Finding, Level};

/// What `SPEECH_AUTH` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthChoice {
    /// Key if one is set, else Entra.
    Auto,
    /// The given mode.
    Explicit(AuthMode),
}

/// The `SPEECH_AUTH` spelling of a mode.
pub fn name(mode: AuthMode) -> &'static str {
    match mode {
        AuthMode::Key => "key",
        AuthMode::Sts => "sts",
        AuthMode::Entra => "entra",
    }
}

/// Parse `SPEECH_AUTH` (case-insensitive; unset = `auto`).
pub fn parse(vars: &Variables<'_>) -> Result<AuthChoice, ConfigError> {
    let Some(value) = vars.text("SPEECH_AUTH")? else {
        return Ok(AuthChoice::Auto);
    };
    match value.to_ascii_lowercase().as_str() {
        "auto" => Ok(AuthChoice::Auto),
        "key" => Ok(AuthChoice::Explicit(AuthMode::Key)),
        "sts" => Ok(AuthChoice::Explicit(AuthMode::Sts)),
        "entra" => Ok(AuthChoice::Explicit(AuthMode::Entra)),
        other => {
            let hint = match other {
                "aad" | "entra-id" | "entraid" | "azure-ad" | "managed-identity" | "mi" | "token-credential" => {
                    "SPEECH_AUTH=entra (and pick the credential with SPEECH_CREDENTIAL)"
                }
                "subscription-key" | "api-key" | "apikey" | "subscription" => "SPEECH_AUTH=key",
                "token" | "issuetoken" | "sts-token" => "SPEECH_AUTH=sts",
                _ => "SPEECH_AUTH to auto, key, sts or entra (or unset it)",
            };
            let shown: String = value.chars().take(40).collect();
            Err(config_error(
                ConfigErrorCode::InvalidValue,
                Some("SPEECH_AUTH"),
                format!("{}={shown} is not an authentication mode", vars.describe("SPEECH_AUTH")),
                format!("set {hint}"),
            ))
        }
    }
}

/// The chosen mode and the sentence that explains it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthDecision {
    /// The mode.
    pub mode: AuthMode,
    /// Whether `SPEECH_AUTH` named it (rather than `auto` deciding).
    pub explicit: bool,
    /// Why, in one sentence.
    pub reason: String,
}

/// Decide the mode from `SPEECH_AUTH` and whether keys are present.
pub fn decide(
    choice: AuthChoice,
    key: bool,
    secondary_key: bool,
    vars: &Variables<'_>,
    notes: &mut Vec<Finding>,
) -> Result<AuthDecision, ConfigError> {
    if secondary_key && !key && choice != AuthChoice::Explicit(AuthMode::Entra) {
        return Err(config_error(
            ConfigErrorCode::MissingSetting,
            Some("SPEECH_KEY"),
            "SPEECH_KEY_SECONDARY is set but SPEECH_KEY is not; the secondary key is only a fallback during rotation",
            "set SPEECH_KEY to the key in use (KEY 1 in the portal) and keep the other one in SPEECH_KEY_SECONDARY",
        ));
    }
    let auth = vars.describe("SPEECH_AUTH");
    match choice {
        AuthChoice::Auto if key => Ok(AuthDecision {
            mode: AuthMode::Key,
            explicit: false,
            reason: "SPEECH_KEY is set and SPEECH_AUTH is auto, so requests carry the key (Ocp-Apim-Subscription-Key)"
                .to_owned(),
        }),
        AuthChoice::Auto => Ok(AuthDecision {
            mode: AuthMode::Entra,
            explicit: false,
            reason: "no SPEECH_KEY is set and SPEECH_AUTH is auto, so requests carry a Microsoft Entra ID token"
                .to_owned(),
        }),
        AuthChoice::Explicit(mode @ (AuthMode::Key | AuthMode::Sts)) if !key => Err(config_error(
            ConfigErrorCode::Contradiction,
            Some("SPEECH_KEY"),
            format!("{auth}={} needs a key, but SPEECH_KEY is not set", name(mode)),
            "set SPEECH_KEY to the resource key, or set SPEECH_AUTH=entra to use Microsoft Entra ID",
        )),
        AuthChoice::Explicit(AuthMode::Key) => Ok(AuthDecision {
            mode: AuthMode::Key,
            explicit: true,
            reason: format!("{auth}=key, so requests carry the key (Ocp-Apim-Subscription-Key)"),
        }),
        AuthChoice::Explicit(AuthMode::Sts) => Ok(AuthDecision {
            mode: AuthMode::Sts,
            explicit: true,
            reason: format!(
                "{auth}=sts, so the key only goes to the issueToken endpoint and requests carry the 10-minute token it returns"
            ),
        }),
        AuthChoice::Explicit(AuthMode::Entra) => {
            if key || secondary_key {
                notes.push(finding(
                    Level::Warning,
                    "unused-key",
                    "a resource key is set (SPEECH_KEY or SPEECH_KEY_SECONDARY), but SPEECH_AUTH=entra, so it is not used",
                    "unset SPEECH_KEY (and SPEECH_KEY_SECONDARY) so the key cannot leak from this environment",
                ));
            }
            Ok(AuthDecision {
                mode: AuthMode::Entra,
                explicit: true,
                reason: format!("{auth}=entra, so requests carry a Microsoft Entra ID token"),
            })
        }
    }
}
