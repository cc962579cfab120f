//! Language identification as the service does it (usp.md §4.3): the `speech.context`
//! `languageId` section is checked against the service's limits (1–4 candidates at the start of
//! the audio, 1–10 continuously, supported locales only), and a recognized utterance is
//! identified by the locale it was synthesized in: the emulator knows which voice spoke it.

use serde_json::Value;

/// Most candidates with `DetectAtAudioStart`.
pub(crate) const MAX_AT_START: usize = 4;
/// Most candidates with `DetectContinuous`.
pub(crate) const MAX_CONTINUOUS: usize = 10;

/// The speech-to-text locales the emulator accepts as candidates (a subset of the service's).
const LOCALES: &[&str] = &[
    "ar-EG", "ar-SA", "ca-ES", "cs-CZ", "da-DK", "de-AT", "de-CH", "de-DE", "el-GR", "en-AU", "en-CA", "en-GB",
    "en-IE", "en-IN", "en-NZ", "en-US", "es-ES", "es-MX", "fi-FI", "fr-CA", "fr-CH", "fr-FR", "he-IL", "hi-IN",
    "hu-HU", "it-IT", "ja-JP", "ko-KR", "nb-NO", "nl-NL", "pl-PL", "pt-BR", "pt-PT", "ro-RO", "ru-RU", "sv-SE",
    "th-TH", "tr-TR", "uk-UA", "zh-CN", "zh-HK", "zh-TW",
];

/// What the service answers for speech in none of the candidates.
pub(crate) const UNKNOWN: &str = "Unknown";

/// A turn's language identification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LanguageId {
    /// The candidates, as the client wrote them.
    pub(crate) languages: Vec<String>,
    /// `DetectContinuous`: every phrase is identified; otherwise the first one decides.
    pub(crate) continuous: bool,
}

impl LanguageId {
    /// The `languageId` section of a `speech.context` body, if any, or the reason the service
    /// refuses it.
    pub(crate) fn from_context(body: &Value) -> Result<Option<LanguageId>, String> {
        let Some(section) = body.get("languageId") else {
            return Ok(None);
        };
        let mode = section
            .get("mode")
            .and_then(Value::as_str)
            .unwrap_or("DetectAtAudioStart");
        let (continuous, limit) = match mode {
            "DetectAtAudioStart" => (false, MAX_AT_START),
            "DetectContinuous" => (true, MAX_CONTINUOUS),
            other => {
                return Err(format!(
                    "Invalid request. languageId.mode `{other}` is not DetectAtAudioStart or DetectContinuous."
                ));
            }
        };
        let Some(entries) = section.get("languages").and_then(Value::as_array) else {
            return Err("Invalid request. languageId.languages is not an array of locales.".to_owned());
        };
        if entries.is_empty() || entries.len() > limit {
            return Err(format!(
                "Invalid request. languageId in {mode} mode takes 1 to {limit} languages, not {}.",
                entries.len()
            ));
        }
        let mut languages = Vec::with_capacity(entries.len());
        for entry in entries {
            let Some(language) = entry.as_str() else {
                return Err("Invalid request. languageId.languages is not an array of locales.".to_owned());
            };
            if !LOCALES.iter().any(|known| known.eq_ignore_ascii_case(language)) {
                return Err(format!(
                    "Invalid request. Language `{language}` in languageId.languages is not supported."
                ));
            }
            languages.push(language.to_owned());
        }
        Ok(Some(LanguageId { languages, continuous }))
    }

    /// The candidate an utterance spoken in `locale` is identified as, or `Unknown`.
    pub(crate) fn identify(&self, locale: Option<&str>) -> String {
        locale
            .and_then(|locale| self.languages.iter().find(|c| c.eq_ignore_ascii_case(locale)))
            .map_or_else(|| UNKNOWN.to_owned(), Clone::clone)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_service_limits_are_enforced() {
        let section = |mode: &str, languages: &[&str]| json!({"languageId": {"mode": mode, "languages": languages}});
        let five = ["en-US", "de-DE", "fr-FR", "es-ES", "it-IT"];
        assert!(LanguageId::from_context(&section("DetectAtAudioStart", &five[..4])).is_ok());
        assert!(LanguageId::from_context(&section("DetectAtAudioStart", &five)).is_err());
        assert!(LanguageId::from_context(&section("DetectContinuous", &five)).is_ok());
        assert!(LanguageId::from_context(&section("DetectContinuous", &[])).is_err());
        assert!(LanguageId::from_context(&section("DetectContinuous", &["en-US", "xx-YY"])).is_err());
        assert!(LanguageId::from_context(&section("Sometimes", &["en-US"])).is_err());
        assert_eq!(LanguageId::from_context(&json!({})), Ok(None));
        let lid = LanguageId::from_context(&section("DetectContinuous", &["en-US", "de-DE"]))
            .unwrap()
            .unwrap();
        assert_eq!(lid.identify(Some("DE-de")), "de-DE");
        assert_eq!(lid.identify(Some("fr-FR")), UNKNOWN);
        assert_eq!(lid.identify(None), UNKNOWN);
    }
}
