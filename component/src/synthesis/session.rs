//! The request codec of a synthesis on one connection: a deterministic state machine that
//! builds the frames of each request and interprets what the service answers.
//!
//! Per connection the client sends `speech.config` once; per request `synthesis.context`
//! (output format, metadata options) and `ssml` (`reference/sdk-capture-detailed.md` §7). The
//! service answers `turn.start`, `response` (the audio stream id), binary `audio` frames,
//! `audio.metadata`, and `turn.end`. Audio is reported as a byte range of the received frame,
//! so it is never copied out of (with [`SynthesisSession::receive_binary_head`], not even into)
//! the component.

use std::cell::RefCell;

use super::context::{self, MetadataOptions};
use super::formats;
use super::metadata::{self, Cursors};
use crate::bindings::exports::azspeech::core::config::Settings;
use crate::bindings::exports::azspeech::core::messages::{PayloadRange, WsMessage};
use crate::bindings::exports::azspeech::core::synthesis::{Bookmark, Boundary, SynthesisOptions, Viseme};
use crate::bindings::exports::azspeech::core::types::SpeechError;
use crate::config::language::is_language_tag;
use crate::ssml::{self, SsmlError, Voice};
use crate::usp::{self, Headers, MAX_HEADER_BLOCK, content_type, header, path};
use crate::wire::{self, Received, json};

/// What one received message of a request meant. Offsets are relative to the request's audio.
#[derive(Debug, Clone)]
pub enum RequestEvent {
    /// The service started a turn; carries its service tag, if any.
    TurnStarted(Option<String>),
    /// The service announced the audio stream id (`response`).
    Response(Option<String>),
    /// Audio bytes lie at this range of the received binary frame.
    Audio(PayloadRange),
    /// A word was spoken.
    WordBoundary(Boundary),
    /// A punctuation mark was reached.
    PunctuationBoundary(Boundary),
    /// A sentence was spoken.
    SentenceBoundary(Boundary),
    /// A viseme.
    Viseme(Viseme),
    /// A bookmark was reached.
    Bookmark(Bookmark),
    /// All audio was sent; total duration in ticks.
    SessionEnd(u64),
    /// The turn ended; synthesis of the request is complete.
    TurnEnded,
    /// A message not for this request or with an unknown path; the text says which.
    Ignored(String),
}

/// Longest voice name accepted.
const MAX_VOICE_LEN: usize = 200;

/// One synthesis session on one connection (the `synthesis.session` resource).
pub struct SynthesisSession {
    settings: Settings,
    options: SynthesisOptions,
    state: RefCell<State>,
}

#[derive(Debug, Default)]
struct State {
    /// `speech.config` went out on this connection.
    config_sent: bool,
    /// Request ids used so far.
    used_ids: Vec<String>,
    /// The current (or last) request.
    request: Option<Request>,
}

#[derive(Debug)]
struct Request {
    id: String,
    /// The input as given (plain text or SSML), for boundary text offsets.
    input: String,
    cursors: Cursors,
    /// The stream id announced by `response`.
    stream_id: Option<String>,
    ended: bool,
}

/// Options checked against the configuration.
#[derive(Debug)]
struct Checked<'a> {
    wire_format: &'static str,
    voice: &'a str,
    language: &'a str,
    rate: Option<&'a str>,
    pitch: Option<&'a str>,
    volume: Option<&'a str>,
    expression: Option<ssml::Expression<'a>>,
}

/// A non-blank option, trimmed.
fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|value| !value.is_empty())
}

fn ssml_option_error(what: &str, error: &SsmlError) -> SpeechError {
    wire::configuration(
        format!("synthesis {what}: {}", error.message),
        "fix the synthesis option as the message says",
    )
}

impl SynthesisSession {
    /// A session for a resolved configuration. The options are checked by each `speak-*` call.
    pub fn new(settings: Settings, options: SynthesisOptions) -> Self {
        Self {
            settings,
            options,
            state: RefCell::new(State::default()),
        }
    }

    fn checked(&self) -> Result<Checked<'_>, SpeechError> {
        let format = formats::lookup(&self.options.output_format)?;
        let voice = match self.options.voice.trim() {
            "" => self.settings.voice.trim(),
            voice => voice,
        };
        if voice.is_empty() || voice.len() > MAX_VOICE_LEN || voice.chars().any(char::is_control) {
            return Err(wire::configuration(
                format!(
                    "voice `{}` is empty, too long or has control characters",
                    crate::failures::excerpt(voice)
                ),
                "set a voice name such as en-US-AvaMultilingualNeural (`azspeech voices` lists them)",
            ));
        }
        let language = match self.options.language.trim() {
            "" => self.settings.language.trim(),
            language => language,
        };
        if !is_language_tag(language) {
            return Err(wire::configuration(
                format!(
                    "synthesis language `{}` is not a language tag",
                    crate::failures::excerpt(language)
                ),
                "use a BCP 47 tag such as en-US",
            ));
        }
        let rate = self
            .options
            .rate
            .as_deref()
            .map(str::trim)
            .filter(|rate| !rate.is_empty());
        if let Some(rate) = rate {
            ssml::check_rate(rate).map_err(|error| ssml_option_error("rate", &error))?;
        }
        let pitch = self
            .options
            .pitch
            .as_deref()
            .map(str::trim)
            .filter(|pitch| !pitch.is_empty());
        if let Some(pitch) = pitch {
            ssml::check_pitch(pitch).map_err(|error| ssml_option_error("pitch", &error))?;
        }
        let volume = given(&self.options.volume);
        if let Some(volume) = volume {
            ssml::expression::check_volume(volume).map_err(|error| ssml_option_error("volume", &error))?;
        }
        let expression = ssml::expression::check(
            given(&self.options.style),
            self.options.style_degree,
            given(&self.options.role),
        )
        .map_err(|error| ssml_option_error("expression", &error))?;
        Ok(Checked {
            wire_format: format.wire,
            voice,
            language,
            rate,
            pitch,
            volume,
            expression,
        })
    }

    fn metadata_options(&self) -> MetadataOptions {
        MetadataOptions {
            viseme_enabled: self.options.visemes,
            bookmark_enabled: self.options.bookmarks,
            word_boundary_enabled: self.options.word_boundaries,
            punctuation_boundary_enabled: self.options.punctuation_boundaries,
            sentence_boundary_enabled: self.options.sentence_boundaries,
            session_end_enabled: true,
        }
    }

    /// Frames that synthesize plain `text` (escaped into the SDK's SSML document).
    pub fn speak_text(&self, now: u64, request_id: &str, text: &str) -> Result<Vec<WsMessage>, SpeechError> {
        let checked = self.checked()?;
        if text.chars().filter(|c| ssml::is_xml_char(*c)).all(char::is_whitespace) {
            return Err(wire::invalid_call("nothing to synthesize: the text is empty".into()));
        }
        let document = ssml::build(
            &Voice {
                name: checked.voice,
                language: checked.language,
                rate: checked.rate,
                pitch: checked.pitch,
                volume: checked.volume,
                expression: checked.expression,
            },
            text,
        );
        self.request(now, request_id, checked.wire_format, &document, text)
    }

    /// Frames that synthesize a caller's SSML document, after a well-formedness check.
    pub fn speak_ssml(&self, now: u64, request_id: &str, document: &str) -> Result<Vec<WsMessage>, SpeechError> {
        let checked = self.checked()?;
        ssml::check::check_document(document).map_err(|error| {
            SpeechError::BadRequest(wire::failure(
                if document.len() > ssml::check::MAX_SSML_BYTES {
                    format!("the SSML is too large: {}", error.message)
                } else {
                    format!("the SSML is not well-formed {error}")
                },
                "fix the SSML document (a single <speak> root with at least one <voice name=\"...\">); the service would reject it",
            ))
        })?;
        self.request(now, request_id, checked.wire_format, document, document)
    }

    fn request(
        &self,
        now: u64,
        request_id: &str,
        wire_format: &str,
        document: &str,
        input: &str,
    ) -> Result<Vec<WsMessage>, SpeechError> {
        let request_id = wire::request_id_argument(request_id)?;
        let mut state = self.state.borrow_mut();
        if state.request.as_ref().is_some_and(|request| !request.ended) {
            return Err(wire::invalid_call(
                "a synthesis request is still in progress on this connection; wait for turn-ended".into(),
            ));
        }
        if state.used_ids.contains(&request_id) {
            return Err(wire::invalid_call(format!(
                "request id {request_id} was already used on this connection; every request needs a new one"
            )));
        }
        let stamp = usp::format_timestamp(now);
        let mut frames = Vec::with_capacity(3);
        if !state.config_sent {
            let headers = Headers::new()
                .with(header::TIMESTAMP, &stamp)
                .with(header::PATH, path::SPEECH_CONFIG);
            frames.push(wire::text(&headers, &context::speech_config())?);
        }
        let headers = Headers::new()
            .with(header::TIMESTAMP, &stamp)
            .with(header::PATH, path::SYNTHESIS_CONTEXT)
            .with(header::REQUEST_ID, &request_id);
        frames.push(wire::text(
            &headers,
            &context::synthesis_context(wire_format, self.metadata_options()),
        )?);
        let headers = Headers::new()
            .with(header::TIMESTAMP, &stamp)
            .with(header::PATH, path::SSML)
            .with(header::CONTENT_TYPE, content_type::SSML)
            .with(header::REQUEST_ID, &request_id);
        frames.push(wire::text(&headers, document)?);
        state.config_sent = true;
        state.used_ids.push(request_id.clone());
        state.request = Some(Request {
            id: request_id,
            input: input.to_owned(),
            cursors: Cursors::default(),
            stream_id: None,
            ended: false,
        });
        Ok(frames)
    }

    /// Interpret one received message.
    pub fn receive(&self, _now: u64, message: WsMessage) -> Result<Vec<RequestEvent>, SpeechError> {
        let received = wire::parse(&message)?;
        let frame_len = match &message {
            WsMessage::Text(text) => text.len(),
            WsMessage::Binary(frame) => frame.len(),
        };
        self.handle(&received, frame_len)
    }

    /// Interpret a received binary frame from its first bytes: `head` holds at least the length
    /// prefix and the header block; `frame_len` is the length of the whole frame.
    pub fn receive_binary_head(
        &self,
        _now: u64,
        head: &[u8],
        frame_len: u32,
    ) -> Result<Vec<RequestEvent>, SpeechError> {
        let frame_len = usize::try_from(frame_len).unwrap_or(usize::MAX);
        let Some(prefix) = head.first_chunk::<2>() else {
            return Err(wire::invalid_call(
                "receive-binary-head needs at least the 2-byte length prefix".into(),
            ));
        };
        let header_end = usize::from(u16::from_be_bytes(*prefix)).saturating_add(2);
        if header_end > MAX_HEADER_BLOCK.saturating_add(2) || header_end > frame_len {
            // Let the codec describe the problem (too long, or truncated frame).
            let limited = head.get(..frame_len.min(head.len())).unwrap_or(head);
            wire::parse(&WsMessage::Binary(limited.to_vec()))?;
        }
        let Some(header) = head.get(..header_end) else {
            return Err(wire::invalid_call(format!(
                "receive-binary-head got {} bytes but the header block ends at byte {header_end}",
                head.len()
            )));
        };
        let message = WsMessage::Binary(header.to_vec());
        let received = wire::parse(&message)?;
        self.handle(&received, frame_len)
    }

    fn handle(&self, received: &Received<'_>, frame_len: usize) -> Result<Vec<RequestEvent>, SpeechError> {
        let request_id = wire::request_id(received)?;
        let message_path = received.path();
        let mut state = self.state.borrow_mut();
        let Some(request) = state
            .request
            .as_mut()
            .filter(|request| !request.ended && request.id.eq_ignore_ascii_case(request_id))
        else {
            return Ok(vec![RequestEvent::Ignored(format!(
                "`{message_path}` for request {}, which is not the current request",
                crate::failures::excerpt(request_id)
            ))]);
        };
        let is = |name: &str| message_path.eq_ignore_ascii_case(name);
        match received {
            Received::Binary(message) if is(path::AUDIO) => {
                let announced = request.stream_id.as_deref();
                let carried = message.headers.get(header::STREAM_ID);
                if let (Some(announced), Some(carried)) = (announced, carried)
                    && !announced.eq_ignore_ascii_case(carried)
                {
                    return Ok(vec![RequestEvent::Ignored(format!(
                        "audio for stream {}, not the announced stream {announced}",
                        crate::failures::excerpt(carried)
                    ))]);
                }
                let start = message.payload_range.start;
                let len = frame_len.saturating_sub(start);
                if len == 0 {
                    return Ok(Vec::new());
                }
                let range = u32::try_from(start)
                    .ok()
                    .zip(u32::try_from(len).ok())
                    .map(|(start, len)| PayloadRange { start, len })
                    .ok_or_else(|| wire::protocol("audio frame larger than 4 GiB".into(), "report it"))?;
                Ok(vec![RequestEvent::Audio(range)])
            }
            Received::Binary(_) => Ok(vec![RequestEvent::Ignored(format!(
                "binary `{}` message (unknown path)",
                crate::failures::excerpt(message_path)
            ))]),
            Received::Text(message) => {
                let body = message.body;
                if is(path::TURN_START) {
                    let value = json::body(path::TURN_START, body)?;
                    let tag = value
                        .get("context")
                        .map(|context| json::string(context, "serviceTag"))
                        .transpose()
                        .map_err(|what| json::bad_body(path::TURN_START, &what))?
                        .flatten()
                        .map(str::to_owned);
                    Ok(vec![RequestEvent::TurnStarted(tag)])
                } else if is(path::RESPONSE) {
                    let value = json::body(path::RESPONSE, body)?;
                    let stream = value
                        .get("audio")
                        .map(|audio| json::string(audio, "streamId"))
                        .transpose()
                        .map_err(|what| json::bad_body(path::RESPONSE, &what))?
                        .flatten()
                        .map(str::to_owned);
                    request.stream_id.clone_from(&stream);
                    Ok(vec![RequestEvent::Response(stream)])
                } else if is(path::AUDIO_METADATA) {
                    metadata::parse(body, &request.input, &mut request.cursors)
                } else if is(path::TURN_END) {
                    json::body(path::TURN_END, body)?;
                    request.ended = true;
                    Ok(vec![RequestEvent::TurnEnded])
                } else {
                    Ok(vec![RequestEvent::Ignored(format!(
                        "`{}` message (unknown path)",
                        crate::failures::excerpt(message_path)
                    ))])
                }
            }
        }
    }
}
