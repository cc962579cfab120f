//! The voices the emulator knows, in the shape of the voices-list REST API (usp.md §8).

use serde::{Deserialize, Serialize};

/// One voice, serialized exactly as `GET /cognitiveservices/voices/list` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Voice {
    /// `Microsoft Server Speech Text to Speech Voice (en-US, AvaMultilingualNeural)`.
    pub name: String,
    /// `Ava Multilingual`.
    pub display_name: String,
    /// Name in the voice's language.
    pub local_name: String,
    /// `en-US-AvaMultilingualNeural`: what SSML `<voice name>` uses.
    pub short_name: String,
    /// `Female` / `Male`.
    pub gender: String,
    /// `en-US`.
    pub locale: String,
    /// `English (United States)`.
    pub locale_name: String,
    /// Speaking styles.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub style_list: Vec<String>,
    /// `"24000"` (a string, as the service sends it).
    pub sample_rate_hertz: String,
    /// `Neural`.
    pub voice_type: String,
    /// `GA`.
    pub status: String,
    /// `"152"` (a string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub words_per_minute: Option<String>,
}

impl Voice {
    fn new(short: &str, display: &str, gender: &str, locale_name: &str, wpm: &str, styles: &[&str]) -> Voice {
        let (locale, rest) = short.split_at(5);
        let name_part = rest.trim_start_matches('-');
        Voice {
            name: format!("Microsoft Server Speech Text to Speech Voice ({locale}, {name_part})"),
            display_name: display.to_owned(),
            local_name: display.to_owned(),
            short_name: short.to_owned(),
            gender: gender.to_owned(),
            locale: locale.to_owned(),
            locale_name: locale_name.to_owned(),
            style_list: styles.iter().map(|s| (*s).to_owned()).collect(),
            sample_rate_hertz: "24000".to_owned(),
            voice_type: "Neural".to_owned(),
            status: "GA".to_owned(),
            words_per_minute: Some(wpm.to_owned()),
        }
    }

    /// The espeak-ng voice for this voice's locale.
    pub(crate) fn espeak_voice(&self) -> String {
        espeak_voice_for(&self.locale)
    }
}

/// The espeak-ng voice name for a locale (`en-US` → `en-us`, `de-DE` → `de`).
pub(crate) fn espeak_voice_for(locale: &str) -> String {
    let lower = locale.to_ascii_lowercase();
    match lower.as_str() {
        "en-us" | "en-gb" => lower,
        "pt-br" => "pt-br".to_owned(),
        _ => lower.split('-').next().unwrap_or("en").to_owned(),
    }
}

/// The built-in voices.
pub(crate) fn builtin() -> Vec<Voice> {
    vec![
        Voice::new(
            "en-US-AvaMultilingualNeural",
            "Ava Multilingual",
            "Female",
            "English (United States)",
            "150",
            &[],
        ),
        Voice::new(
            "en-US-AriaNeural",
            "Aria",
            "Female",
            "English (United States)",
            "150",
            &["chat", "cheerful", "empathetic", "sad"],
        ),
        Voice::new(
            "en-US-JennyNeural",
            "Jenny",
            "Female",
            "English (United States)",
            "152",
            &["assistant", "chat"],
        ),
        Voice::new(
            "en-US-GuyNeural",
            "Guy",
            "Male",
            "English (United States)",
            "154",
            &["newscast"],
        ),
        Voice::new(
            "en-US-AndrewMultilingualNeural",
            "Andrew Multilingual",
            "Male",
            "English (United States)",
            "150",
            &[],
        ),
        Voice::new(
            "en-GB-SoniaNeural",
            "Sonia",
            "Female",
            "English (United Kingdom)",
            "148",
            &["cheerful", "sad"],
        ),
        Voice::new("de-DE-KatjaNeural", "Katja", "Female", "German (Germany)", "137", &[]),
        Voice::new(
            "fr-FR-DeniseNeural",
            "Denise",
            "Female",
            "French (France)",
            "141",
            &["cheerful", "sad"],
        ),
        Voice::new("es-ES-ElviraNeural", "Elvira", "Female", "Spanish (Spain)", "144", &[]),
    ]
}
