//! The JSON bodies the client sends: `speech.config` (once per connection) and
//! `speech.context` (once per turn), shaped and ordered as the Python Speech SDK sends them
//! (`reference/sdk-capture-detailed.md` §3).

use std::collections::BTreeMap;

use serde::Serialize;

use super::options::Checked;
use crate::bindings::exports::azspeech::core::recognition::{LanguageIdMode, OutputFormat, Profanity, RecognitionMode};
use crate::wire::{self, OsInfo, SystemInfo};

#[derive(Serialize)]
struct SpeechConfig {
    context: ConfigContext,
}

#[derive(Serialize)]
struct ConfigContext {
    system: SystemInfo,
    os: OsInfo,
    audio: ConfigAudio,
}

#[derive(Serialize)]
struct ConfigAudio {
    source: AudioSource,
}

#[derive(Serialize)]
struct AudioSource {
    #[serde(rename = "type")]
    kind: &'static str,
    model: &'static str,
    samplerate: String,
    bitspersample: &'static str,
    channelcount: &'static str,
}

/// The `speech.config` body: who the client is and what audio it sends (numbers as strings, as
/// the Python SDK writes them; `type` is `Stream` because the host pushes PCM).
pub fn speech_config(options: &Checked) -> String {
    let config = SpeechConfig {
        context: ConfigContext {
            system: wire::system_info(),
            os: wire::os_info(),
            audio: ConfigAudio {
                source: AudioSource {
                    kind: "Stream",
                    model: "",
                    samplerate: options.sample_rate.to_string(),
                    bitspersample: "16",
                    channelcount: "1",
                },
            },
        },
    };
    serde_json::to_string(&config).unwrap_or_default()
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SpeechContext<'a> {
    phrase_detection: PhraseDetection<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    language_id: Option<LanguageIdSection<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dgi: Option<Dgi<'a>>,
    audio: ContextAudio,
    #[serde(skip_serializing_if = "Option::is_none")]
    phrase_output: Option<PhraseOutput>,
    #[serde(skip_serializing_if = "Option::is_none")]
    continuation: Option<Continuation<'a>>,
}

#[derive(Serialize)]
struct PhraseDetection<'a> {
    language: &'a str,
    mode: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    enrichment: Option<Enrichment>,
}

#[derive(Serialize)]
struct Enrichment {
    profanity: &'static str,
}

#[derive(Serialize)]
struct Dgi<'a> {
    groups: [DgiGroup<'a>; 1],
    bias: u32,
}

#[derive(Serialize)]
struct DgiGroup<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    items: Vec<DgiItem<'a>>,
}

#[derive(Serialize)]
struct DgiItem<'a> {
    text: &'a str,
}

#[derive(Serialize)]
struct ContextAudio {
    streams: BTreeMap<&'static str, Option<StreamOffset>>,
}

#[derive(Serialize)]
struct StreamOffset {
    offset: String,
}

/// The `languageId` section, as the Speech SDK sends it (usp.md §4.3).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LanguageIdSection<'a> {
    languages: &'a [String],
    mode: &'static str,
    on_success: Action,
    on_unknown: Action,
    priority: &'static str,
}

#[derive(Serialize)]
struct Action {
    action: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhraseOutput {
    #[serde(skip_serializing_if = "Option::is_none")]
    format: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    detailed: Option<DetailedOptions>,
    /// `{"resultType":"Always"}` with language identification, so every phrase says its language.
    #[serde(skip_serializing_if = "Option::is_none")]
    phrase_results: Option<PhraseResults>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhraseResults {
    result_type: &'static str,
}

#[derive(Serialize)]
struct DetailedOptions {
    options: Vec<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Continuation<'a> {
    previous_service_tag: &'a str,
    audio: ContextAudio,
}

/// Where a continuation turn picks up: the previous turn's service tag and the absolute offset
/// (ticks) of the turn's first audio byte.
#[derive(Debug, Clone, Copy)]
pub struct Resume<'a> {
    /// `serviceTag` of the previous turn's `turn.start` (empty if none came).
    pub previous_service_tag: &'a str,
    /// Absolute offset of the turn's first PCM byte, in 100-ns ticks.
    pub offset_ticks: u64,
}

/// The wire name of a mode (`phraseDetection.mode`).
pub fn mode_name(mode: RecognitionMode) -> &'static str {
    match mode {
        RecognitionMode::Interactive => "Interactive",
        RecognitionMode::Conversation => "Conversation",
        RecognitionMode::Dictation => "Dictation",
    }
}

/// The `speech.context` body of a turn. Key order follows the Python SDK: `phraseDetection`,
/// (`languageId`), (`dgi`), `audio`, (`phraseOutput`), (`continuation`).
pub fn speech_context(options: &Checked, resume: Option<Resume<'_>>) -> String {
    let profanity = options.profanity.map(|profanity| Enrichment {
        profanity: match profanity {
            Profanity::Masked => "masked",
            Profanity::Removed => "removed",
            Profanity::Raw => "raw",
        },
    });
    let dgi = (!options.phrases.is_empty()).then(|| Dgi {
        groups: [DgiGroup {
            kind: "Generic",
            items: options.phrases.iter().map(|text| DgiItem { text }).collect(),
        }],
        bias: 1,
    });
    let detailed = options.detailed_on_wire().then(|| {
        let mut wanted = vec!["WordTimings"];
        if matches!(options.format, OutputFormat::Detailed) {
            wanted.push("WordConfidence");
        }
        DetailedOptions { options: wanted }
    });
    let language_id = options.language_id.as_ref().map(|language_id| LanguageIdSection {
        languages: &language_id.languages,
        mode: match language_id.mode {
            LanguageIdMode::AtStart => "DetectAtAudioStart",
            LanguageIdMode::Continuous => "DetectContinuous",
        },
        on_success: Action { action: "Recognize" },
        on_unknown: Action { action: "None" },
        priority: "PrioritizeLatency",
    });
    let phrase_results = language_id.is_some().then_some(PhraseResults { result_type: "Always" });
    let phrase_output = (detailed.is_some() || phrase_results.is_some()).then(|| PhraseOutput {
        format: detailed.is_some().then_some("Detailed"),
        detailed,
        phrase_results,
    });
    let context = SpeechContext {
        phrase_detection: PhraseDetection {
            language: &options.language,
            mode: mode_name(options.mode),
            enrichment: profanity,
        },
        language_id,
        dgi,
        audio: ContextAudio {
            streams: BTreeMap::from([("1", None)]),
        },
        phrase_output,
        continuation: resume.map(|resume| Continuation {
            previous_service_tag: resume.previous_service_tag,
            audio: ContextAudio {
                streams: BTreeMap::from([(
                    "1",
                    Some(StreamOffset {
                        offset: resume.offset_ticks.to_string(),
                    }),
                )]),
            },
        }),
    };
    serde_json::to_string(&context).unwrap_or_default()
}
