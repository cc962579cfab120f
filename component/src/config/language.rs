//! Recognition language (`SPEECH_LANGUAGE`) and synthesis voice (`SPEECH_VOICE`, with the
//! `SPEECH_VOICE_NAME` alias some samples use).

use super::variables::Variables;
use super::{config_error, finding};
use crate::bindings::exports::azspeech::core::types::{ConfigError, ConfigErrorCode, Finding, Level};

/// The language when `SPEECH_LANGUAGE` is unset (as in the Speech SDKs).
pub const DEFAULT_LANGUAGE: &str = "en-US";
/// The voice when `SPEECH_VOICE` is unset.
pub const DEFAULT_VOICE: &str = "en-US-AvaMultilingualNeural";

/// The language: a BCP 47 tag such as `en-US`, `zh-Hans-CN` or `de-CH`.
pub fn language(vars: &Variables<'_>) -> Result<String, ConfigError> {
    let Some(value) = vars.text("SPEECH_LANGUAGE")? else {
        return Ok(DEFAULT_LANGUAGE.to_owned());
    };
    if is_language_tag(value) {
        return Ok(value.to_owned());
    }
    let shown: String = value.chars().take(40).collect();
    let dashed = value.replace('_', "-");
    let fix = if is_language_tag(&dashed) {
        format!("set SPEECH_LANGUAGE={dashed}")
    } else {
        "set SPEECH_LANGUAGE to a locale such as en-US, de-DE or zh-CN".to_owned()
    };
    Err(config_error(
        ConfigErrorCode::InvalidValue,
        Some("SPEECH_LANGUAGE"),
        format!("{}={shown} is not a language tag", vars.describe("SPEECH_LANGUAGE")),
        fix,
    ))
}

/// BCP 47 shape: subtags of 1–8 ASCII letters or digits joined by `-`, the first 2–3 letters.
pub fn is_language_tag(value: &str) -> bool {
    let mut subtags = value.split('-');
    let first_ok = subtags
        .next()
        .is_some_and(|first| (2..=3).contains(&first.len()) && first.bytes().all(|b| b.is_ascii_alphabetic()));
    first_ok
        && value.len() <= 35
        && subtags.all(|subtag| (1..=8).contains(&subtag.len()) && subtag.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// The voice, and notes about the alias. Precedence: a flag for `SPEECH_VOICE`, a flag for
/// `SPEECH_VOICE_NAME`, then the environment variables in the same order.
pub fn voice(vars: &Variables<'_>, notes: &mut Vec<Finding>) -> Result<String, ConfigError> {
    let canonical = vars.text("SPEECH_VOICE")?;
    let alias = vars.text("SPEECH_VOICE_NAME")?;
    let alias_wins = alias.is_some()
        && (canonical.is_none() || (vars.from_flag("SPEECH_VOICE_NAME") && !vars.from_flag("SPEECH_VOICE")));
    let (chosen, variable) = match (canonical, alias) {
        (_, Some(alias)) if alias_wins => (alias, "SPEECH_VOICE_NAME"),
        (Some(canonical), _) => (canonical, "SPEECH_VOICE"),
        _ => (DEFAULT_VOICE, ""),
    };
    if alias.is_some() {
        if alias_wins {
            notes.push(finding(
                Level::Info,
                "voice-name-alias",
                "SPEECH_VOICE_NAME is read as SPEECH_VOICE (the name some samples use)",
                "rename SPEECH_VOICE_NAME to SPEECH_VOICE",
            ));
        } else if alias != canonical {
            notes.push(finding(
                Level::Warning,
                "voice-name-ignored",
                "SPEECH_VOICE_NAME is ignored because SPEECH_VOICE is set to a different voice",
                "unset SPEECH_VOICE_NAME",
            ));
        }
    }
    if chosen.chars().any(char::is_control) || chosen.len() > 200 {
        return Err(config_error(
            ConfigErrorCode::InvalidValue,
            Some(variable),
            format!("{} is not a voice name", vars.describe(variable)),
            "set SPEECH_VOICE to a voice short name such as en-US-AvaMultilingualNeural (see `azspeech voices`)",
        ));
    }
    Ok(chosen.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_tags() {
        for good in ["en-US", "de", "zh-Hans-CN", "yue-CN", "es-419", "en-US-x-test"] {
            assert!(is_language_tag(good), "{good}");
        }
        for bad in [
            "",
            "e",
            "english",
            "en_US",
            "en-",
            "-US",
            "en--US",
            "en US",
            "en-US?x=1",
            "en-US&key=1",
            "ën-US",
            "12-US",
        ] {
            assert!(!is_language_tag(bad), "{bad}");
        }
    }
}
