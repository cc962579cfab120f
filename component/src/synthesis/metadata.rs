//! `audio.metadata` bodies (`reference/usp.md` §5.2): word, punctuation and sentence boundaries,
//! visemes, bookmarks and the session end, with text offsets found in the request's input.

use serde_json::Value;

use super::session::RequestEvent;
use crate::bindings::exports::azspeech::core::synthesis::{Bookmark, Boundary, Viseme};
use crate::bindings::exports::azspeech::core::types::SpeechError;
use crate::usp::path;
use crate::wire::json;

/// Where the last boundaries were found in the input, so each search continues after it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cursors {
    /// After the last word or punctuation boundary.
    pub words: usize,
    /// After the last sentence boundary.
    pub sentences: usize,
}

fn bad(what: String) -> SpeechError {
    json::bad_body(path::AUDIO_METADATA, &format!("has a bad entry: {what}"))
}

/// Find `needle` in `input` at or after `from`; returns its byte offset and moves `from` past it.
fn locate(input: &str, needle: &str, from: &mut usize) -> Option<u32> {
    if needle.is_empty() {
        return None;
    }
    let start = (*from).min(input.len());
    let found = input.get(start..)?.find(needle)?.saturating_add(start);
    *from = found.saturating_add(needle.len());
    u32::try_from(found).ok()
}

fn boundary(data: &Value, input: &str, cursor: &mut usize) -> Result<Boundary, String> {
    let text = data.get("text").unwrap_or(&Value::Null);
    let word = json::string(text, "Text")?.unwrap_or_default();
    let length = match json::uint(text, "Length")? {
        Some(length) => u32::try_from(length).unwrap_or(u32::MAX),
        None => u32::try_from(word.chars().count()).unwrap_or(u32::MAX),
    };
    Ok(Boundary {
        offset: json::uint(data, "Offset")?.unwrap_or(0),
        duration: json::uint(data, "Duration")?.unwrap_or(0),
        text: word.to_owned(),
        text_offset: locate(input, word, cursor),
        text_length: length,
    })
}

/// The events of one `audio.metadata` body. Unknown entry types become `ignored` events.
pub fn parse(body: &str, input: &str, cursors: &mut Cursors) -> Result<Vec<RequestEvent>, SpeechError> {
    let value = json::body(path::AUDIO_METADATA, body)?;
    let entries = json::array(&value, "Metadata").map_err(bad)?;
    let mut events = Vec::with_capacity(entries.len());
    for entry in entries {
        let kind = json::string(entry, "Type").map_err(bad)?.unwrap_or_default();
        let data = entry.get("Data").unwrap_or(&Value::Null);
        let event = match kind {
            "WordBoundary" => {
                let text = data.get("text").unwrap_or(&Value::Null);
                let punctuation = json::string(text, "BoundaryType").map_err(bad)? == Some("PunctuationBoundary");
                let found = boundary(data, input, &mut cursors.words).map_err(bad)?;
                if punctuation {
                    RequestEvent::PunctuationBoundary(found)
                } else {
                    RequestEvent::WordBoundary(found)
                }
            }
            "SentenceBoundary" => {
                RequestEvent::SentenceBoundary(boundary(data, input, &mut cursors.sentences).map_err(bad)?)
            }
            "Viseme" => RequestEvent::Viseme(Viseme {
                offset: json::uint(data, "Offset").map_err(bad)?.unwrap_or(0),
                viseme_id: json::uint(data, "VisemeId")
                    .map_err(bad)?
                    .and_then(|id| u32::try_from(id).ok())
                    .unwrap_or(0),
                animation: json::string(data, "AnimationChunk")
                    .map_err(bad)?
                    .unwrap_or_default()
                    .to_owned(),
                is_last_animation: json::boolean(data, "IsLastAnimation").map_err(bad)?.unwrap_or(false),
            }),
            "Bookmark" => RequestEvent::Bookmark(Bookmark {
                offset: json::uint(data, "Offset").map_err(bad)?.unwrap_or(0),
                name: json::string(data, "Bookmark")
                    .map_err(bad)?
                    .unwrap_or_default()
                    .to_owned(),
            }),
            "SessionEnd" => RequestEvent::SessionEnd(json::uint(data, "Offset").map_err(bad)?.unwrap_or(0)),
            other => RequestEvent::Ignored(format!(
                "audio.metadata entry of type `{}`",
                crate::failures::excerpt(other)
            )),
        };
        events.push(event);
    }
    Ok(events)
}
