//! The JSON bodies the client sends for synthesis: `speech.config` and `synthesis.context`,
//! shaped and ordered as the Python Speech SDK sends them (`reference/sdk-capture-detailed.md` §7).

use serde::Serialize;

use crate::wire::{self, OsInfo, SystemInfo};

#[derive(Serialize)]
struct SpeechConfig {
    context: ConfigContext,
}

#[derive(Serialize)]
struct ConfigContext {
    system: SystemInfo,
    os: OsInfo,
}

/// The `speech.config` body for synthesis (no audio source).
pub fn speech_config() -> String {
    let config = SpeechConfig {
        context: ConfigContext {
            system: wire::system_info(),
            os: wire::os_info(),
        },
    };
    serde_json::to_string(&config).unwrap_or_default()
}

/// Which metadata events to ask for.
#[derive(Debug, Clone, Copy, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MetadataOptions {
    /// Viseme events.
    pub viseme_enabled: bool,
    /// Bookmark events.
    pub bookmark_enabled: bool,
    /// Word boundary events.
    pub word_boundary_enabled: bool,
    /// Punctuation boundary events.
    pub punctuation_boundary_enabled: bool,
    /// Sentence boundary events.
    pub sentence_boundary_enabled: bool,
    /// The `SessionEnd` event; always on, as in the SDKs.
    pub session_end_enabled: bool,
}

#[derive(Serialize)]
struct SynthesisContext<'a> {
    synthesis: Synthesis<'a>,
}

#[derive(Serialize)]
struct Synthesis<'a> {
    audio: Audio<'a>,
    language: Language,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Audio<'a> {
    output_format: &'a str,
    metadata_options: MetadataOptions,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Language {
    auto_detection: bool,
}

/// The `synthesis.context` body: the wire output format and the metadata options.
pub fn synthesis_context(wire_format: &str, metadata: MetadataOptions) -> String {
    let context = SynthesisContext {
        synthesis: Synthesis {
            audio: Audio {
                output_format: wire_format,
                metadata_options: MetadataOptions {
                    session_end_enabled: true,
                    ..metadata
                },
            },
            language: Language { auto_detection: false },
        },
    };
    serde_json::to_string(&context).unwrap_or_default()
}
