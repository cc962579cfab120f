//! The turn codec of a recognition: a deterministic state machine that frames what the host
//! sends and interprets what the service answers.
//!
//! One session covers one recognition: possibly several connections (after a drop the host
//! reconnects and calls [`RecognitionSession::start`] again) and several turns per connection
//! (after `turn.end` in a continuous mode, [`RecognitionSession::next_turn`]). Across all of
//! them it keeps one audio stream: byte offsets and result offsets are counted from the first
//! PCM byte of the session, so the host can keep a bounded replay buffer and subtitles line up.
//!
//! Per turn the host sends (`reference/sdk-capture-detailed.md` §3, as the Python SDK does):
//! `speech.config` (new connection only), `speech.context`, an `audio` frame holding a 44-byte
//! WAV header with zero sizes and `Content-Type:audio/x-wav`, then `audio-header(len) ++ pcm`
//! per chunk from [`TurnPlan::replay_from`](crate::bindings::exports::azspeech::core::recognition::TurnPlan),
//! then the empty end-of-audio frame ([`RecognitionSession::finish`]).
//!
//! Acknowledgement: each `speech.phrase` acknowledges the audio up to its end
//! (`Offset + Duration`); hypotheses do not. A new turn (or connection) replays the audio from
//! the acknowledged offset, as the Speech SDKs do, and `audio-header` refuses with
//! `backpressure` when more than the configured bound would be unacknowledged.
//!

use std::cell::RefCell;

use super::context::{self, Resume};
use super::options::{self, Checked};
use super::results;
use super::stream::{Clock, TurnBase};
use crate::bindings::exports::azspeech::core::config::Settings;
use crate::bindings::exports::azspeech::core::messages::WsMessage;
use crate::bindings::exports::azspeech::core::recognition::{
    PartialResult, PhraseResult, RecognitionMode, RecognitionOptions,
};
use crate::bindings::exports::azspeech::core::types::SpeechError;
use crate::usp::wav::{WavFormat, wav_header};
use crate::usp::{self, Headers, content_type, header, path};
use crate::wire::{self, Received};

/// Where the audio stream stands, in bytes of PCM since the start of the session's stream
/// (the WAV header frames are not counted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// End of the audio framed so far in the current turn: the next `audio-header` carries the
    /// bytes from here. After `start` or `next-turn` it restarts at `acknowledged_bytes`.
    pub sent_bytes: u64,
    /// End of the audio the service has finished with (the end of the last phrase).
    pub acknowledged_bytes: u64,
    /// The bound on `sent_bytes - acknowledged_bytes`.
    pub limit_bytes: u64,
}

/// What to send to begin a turn, and from where to (re)send audio.
#[derive(Debug, Clone)]
pub struct TurnPlan {
    /// Frames to send now, in order (`speech.config` on a new connection, `speech.context`,
    /// the binary WAV-header `audio` frame).
    pub frames: Vec<WsMessage>,
    /// Absolute stream offset (bytes) of the first PCM byte to send in this turn.
    pub replay_from: u64,
    /// `X-StreamId` of the turn's audio frames.
    pub stream_id: u32,
}

/// Why `audio_header` gave no header.
#[derive(Debug, Clone)]
pub enum AudioError {
    /// Not a failure: sending more would leave more than the limit unacknowledged.
    Backpressure(Progress),
    /// The call is not valid now.
    Failed(SpeechError),
}

/// A turn ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TurnSummary {
    /// Where the stream stands.
    pub progress: Progress,
    /// `true`: recognition is complete; `false`: start the next turn.
    pub complete: bool,
}

/// What one received message meant, offsets rebased to the session's stream.
#[derive(Debug, Clone)]
pub enum TurnEvent {
    /// The service started a turn; carries its service tag, if any.
    TurnStarted(Option<String>),
    /// Speech started at this offset (ticks).
    SpeechStartDetected(u64),
    /// A partial result.
    Hypothesis(PartialResult),
    /// A stable partial result.
    Fragment(PartialResult),
    /// A final result.
    Phrase(PhraseResult),
    /// Speech ended at this offset (ticks).
    SpeechEndDetected(u64),
    /// The turn ended.
    TurnEnded(TurnSummary),
    /// A message not for this turn or with an unknown path; the text says which.
    Ignored(String),
}

/// Largest PCM payload of one audio frame, in bytes (the service's limit).
pub const MAX_AUDIO_CHUNK: u32 = 8192;

/// One recognition session (the `recognition.session` resource).
pub struct RecognitionSession {
    /// The options checked once, at construction; an error is returned by every call.
    checked: Result<Checked, SpeechError>,
    state: RefCell<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Absolute end of the acknowledged audio, in bytes.
    acknowledged: u64,
    /// Request ids used so far (the service refuses reuse).
    used_ids: Vec<String>,
    /// `serviceTag` of the last `turn.start`.
    service_tag: Option<String>,
    /// Turns begun in this session.
    turns: u32,
    /// The current connection, after `start`.
    connection: Option<Connection>,
    /// Recognition finished (the host should close the connection).
    complete: bool,
}

#[derive(Debug)]
struct Connection {
    /// The current (or last) turn on this connection.
    turn: Turn,
}

#[derive(Debug)]
struct Turn {
    request_id: String,
    stream_id: u32,
    base: TurnBase,
    /// Absolute end of the audio framed in this turn.
    sent: u64,
    /// `acknowledged` when the turn began.
    acknowledged_at_start: u64,
    end_sent: bool,
    ended: bool,
}

impl RecognitionSession {
    /// A session for a resolved configuration. Invalid options make every call fail with the
    /// same `configuration` error.
    pub fn new(settings: Settings, options: RecognitionOptions) -> Self {
        Self {
            checked: options::check(&settings, &options),
            state: RefCell::new(State::default()),
        }
    }

    fn checked(&self) -> Result<&Checked, SpeechError> {
        self.checked.as_ref().map_err(Clone::clone)
    }

    /// A connection opened (the first, or a reconnect after a drop): `speech.config`,
    /// `speech.context` and the WAV header frame, and where to replay audio from.
    pub fn start(&self, now: u64, request_id: &str) -> Result<TurnPlan, SpeechError> {
        let checked = self.checked()?;
        let mut state = self.state.borrow_mut();
        if state.complete {
            return Err(wire::invalid_call(
                "recognition is complete; create a new session".into(),
            ));
        }
        begin_turn(&mut state, checked, now, request_id, 1, true)
    }

    /// The next turn on the same connection, after `turn-ended` with `complete = false`.
    pub fn next_turn(&self, now: u64, request_id: &str) -> Result<TurnPlan, SpeechError> {
        let checked = self.checked()?;
        let mut state = self.state.borrow_mut();
        if state.complete {
            return Err(wire::invalid_call(
                "recognition is complete; create a new session".into(),
            ));
        }
        let stream_id = match &state.connection {
            Some(connection) if connection.turn.ended => connection.turn.stream_id.checked_add(1),
            Some(_) => {
                return Err(wire::invalid_call(
                    "next-turn called while the current turn is still open; wait for turn-ended".into(),
                ));
            }
            None => return Err(wire::invalid_call("next-turn called before start".into())),
        };
        let stream_id = stream_id.ok_or_else(|| wire::invalid_call("too many turns on one connection".into()))?;
        begin_turn(&mut state, checked, now, request_id, stream_id, false)
    }

    /// The header of one binary audio frame carrying `pcm_len` bytes of PCM.
    pub fn audio_header(&self, now: u64, pcm_len: u32) -> Result<Vec<u8>, AudioError> {
        let checked = self.checked().map_err(AudioError::Failed)?;
        let mut state = self.state.borrow_mut();
        let acknowledged = state.acknowledged;
        let turn = open_turn(&mut state, "audio-header").map_err(AudioError::Failed)?;
        if pcm_len == 0 || pcm_len > MAX_AUDIO_CHUNK || u64::from(pcm_len) % checked.block_align != 0 {
            return Err(AudioError::Failed(wire::invalid_call(format!(
                "audio chunk of {pcm_len} bytes: chunks must hold 1 to {MAX_AUDIO_CHUNK} bytes of whole 16-bit samples (use finish to end the audio)"
            ))));
        }
        let sent = turn.sent.saturating_add(u64::from(pcm_len));
        if sent.saturating_sub(acknowledged) > checked.limit_bytes {
            return Err(AudioError::Backpressure(Progress {
                sent_bytes: turn.sent,
                acknowledged_bytes: acknowledged,
                limit_bytes: checked.limit_bytes,
            }));
        }
        let stamp = usp::format_timestamp(now);
        let stream_id = turn.stream_id.to_string();
        let headers = audio_headers(&stamp, None, &turn.request_id, &stream_id);
        let frame = wire::binary_header(&headers).map_err(AudioError::Failed)?;
        turn.sent = sent;
        Ok(frame)
    }

    /// The end-of-audio frame of the current turn (an `audio` frame with no payload).
    pub fn finish(&self, now: u64) -> Result<WsMessage, SpeechError> {
        let mut state = self.state.borrow_mut();
        let turn = open_turn(&mut state, "finish")?;
        let stamp = usp::format_timestamp(now);
        let stream_id = turn.stream_id.to_string();
        let frame = wire::binary_header(&audio_headers(&stamp, None, &turn.request_id, &stream_id))?;
        turn.end_sent = true;
        Ok(WsMessage::Binary(frame))
    }

    /// Where the audio stream stands.
    pub fn progress(&self) -> Progress {
        let state = self.state.borrow();
        progress(&state, self.checked().map(|checked| checked.limit_bytes).unwrap_or(0))
    }

    /// Interpret one received message.
    pub fn receive(&self, _now: u64, message: WsMessage) -> Result<Vec<TurnEvent>, SpeechError> {
        let received = wire::parse(&message)?;
        let request_id = wire::request_id(&received)?;
        let message_path = received.path();
        let checked = self.checked()?;
        let mut state = self.state.borrow_mut();
        let current = state
            .connection
            .as_ref()
            .filter(|connection| !connection.turn.ended && connection.turn.request_id.eq_ignore_ascii_case(request_id));
        if current.is_none() {
            return Ok(vec![TurnEvent::Ignored(format!(
                "`{message_path}` for request {}, which is not the current turn",
                crate::failures::excerpt(request_id)
            ))]);
        }
        let body = match &received {
            Received::Text(text) => text.body,
            Received::Binary(_) => {
                return Ok(vec![TurnEvent::Ignored(format!(
                    "binary `{message_path}` message (recognition expects none)"
                ))]);
            }
        };
        let clock = Clock::new(checked.byte_rate, checked.block_align);
        let event = handle_text(&mut state, checked, &clock, message_path, body)?;
        Ok(vec![event])
    }
}

/// The current turn, if audio may still be sent in it.
fn open_turn<'a>(state: &'a mut State, what: &str) -> Result<&'a mut Turn, SpeechError> {
    match state.connection.as_mut() {
        None => Err(wire::invalid_call(format!("{what} called before start"))),
        Some(connection) if connection.turn.ended => Err(wire::invalid_call(format!(
            "{what} called after the turn ended; start the next turn first"
        ))),
        Some(connection) if connection.turn.end_sent => Err(wire::invalid_call(format!(
            "{what} called after the end of audio was sent"
        ))),
        Some(connection) => Ok(&mut connection.turn),
    }
}

fn progress(state: &State, limit_bytes: u64) -> Progress {
    Progress {
        sent_bytes: state
            .connection
            .as_ref()
            .map_or(state.acknowledged, |connection| connection.turn.sent),
        acknowledged_bytes: state.acknowledged,
        limit_bytes,
    }
}

/// Headers of an audio frame, in the Python SDK's order.
fn audio_headers<'a>(stamp: &'a str, content: Option<&'a str>, request_id: &'a str, stream_id: &'a str) -> Headers<'a> {
    let mut headers = Headers::new()
        .with(header::TIMESTAMP, stamp)
        .with(header::PATH, path::AUDIO);
    if let Some(content) = content {
        headers.push(header::CONTENT_TYPE, content);
    }
    headers
        .with(header::REQUEST_ID, request_id)
        .with(header::STREAM_ID, stream_id)
}

fn begin_turn(
    state: &mut State,
    checked: &Checked,
    now: u64,
    request_id: &str,
    stream_id: u32,
    new_connection: bool,
) -> Result<TurnPlan, SpeechError> {
    let request_id = wire::request_id_argument(request_id)?;
    if state.used_ids.contains(&request_id) {
        return Err(wire::invalid_call(format!(
            "request id {request_id} was already used in this session; every turn needs a new one"
        )));
    }
    let clock = Clock::new(checked.byte_rate, checked.block_align);
    let base = TurnBase::at(&clock, state.acknowledged);
    let stamp = usp::format_timestamp(now);
    let mut frames = Vec::with_capacity(3);
    if new_connection {
        let headers = Headers::new()
            .with(header::TIMESTAMP, &stamp)
            .with(header::PATH, path::SPEECH_CONFIG)
            .with(header::CONTENT_TYPE, content_type::JSON);
        frames.push(wire::text(&headers, &context::speech_config(checked))?);
    }
    let resume = (state.turns > 0).then(|| Resume {
        previous_service_tag: state.service_tag.as_deref().unwrap_or(""),
        offset_ticks: base.ticks,
    });
    let body = context::speech_context(checked, resume);
    let headers = Headers::new()
        .with(header::TIMESTAMP, &stamp)
        .with(header::PATH, path::SPEECH_CONTEXT)
        .with(header::REQUEST_ID, &request_id);
    frames.push(wire::text(&headers, &body)?);
    let stream = stream_id.to_string();
    let wav = wav_header(&WavFormat::pcm(checked.sample_rate, 16, 1), None);
    let headers = audio_headers(&stamp, Some(content_type::WAV), &request_id, &stream);
    let mut frame = wire::binary_header(&headers)?;
    frame.extend_from_slice(&wav);
    frames.push(WsMessage::Binary(frame));

    state.turns = state.turns.saturating_add(1);
    state.used_ids.push(request_id.clone());
    state.connection = Some(Connection {
        turn: Turn {
            request_id,
            stream_id,
            base,
            sent: state.acknowledged,
            acknowledged_at_start: state.acknowledged,
            end_sent: false,
            ended: false,
        },
    });
    Ok(TurnPlan {
        frames,
        replay_from: state.acknowledged,
        stream_id,
    })
}

fn handle_text(
    state: &mut State,
    checked: &Checked,
    clock: &Clock,
    message_path: &str,
    body: &str,
) -> Result<TurnEvent, SpeechError> {
    let acknowledged = state.acknowledged;
    let Some(connection) = state.connection.as_mut() else {
        return Ok(TurnEvent::Ignored(format!("`{message_path}` before start")));
    };
    let turn = &mut connection.turn;
    let is = |name: &str| message_path.eq_ignore_ascii_case(name);
    if is(path::TURN_START) {
        let tag = results::service_tag(body)?;
        state.service_tag.clone_from(&tag);
        return Ok(TurnEvent::TurnStarted(tag));
    }
    if is(path::SPEECH_START_DETECTED) {
        return results::detected_offset(path::SPEECH_START_DETECTED, body, &turn.base)
            .map(TurnEvent::SpeechStartDetected);
    }
    if is(path::SPEECH_END_DETECTED) {
        return results::detected_offset(path::SPEECH_END_DETECTED, body, &turn.base).map(TurnEvent::SpeechEndDetected);
    }
    if is(path::SPEECH_HYPOTHESIS) {
        return results::partial(path::SPEECH_HYPOTHESIS, body, &turn.base).map(TurnEvent::Hypothesis);
    }
    if is(path::SPEECH_FRAGMENT) {
        return results::partial(path::SPEECH_FRAGMENT, body, &turn.base).map(TurnEvent::Fragment);
    }
    if is(path::SPEECH_PHRASE) {
        let (result, relative_end) = results::phrase(body, &turn.base)?;
        let end = turn.base.end_bytes(clock, relative_end).min(turn.sent);
        state.acknowledged = acknowledged.max(end);
        return Ok(TurnEvent::Phrase(result));
    }
    if is(path::TURN_END) {
        // The body is `{}` or empty; anything else is tolerated but must still be JSON.
        crate::wire::json::body(path::TURN_END, body)?;
        turn.ended = true;
        let complete = matches!(checked.mode, RecognitionMode::Interactive)
            || (turn.end_sent && (acknowledged >= turn.sent || acknowledged == turn.acknowledged_at_start));
        state.complete = complete;
        return Ok(TurnEvent::TurnEnded(TurnSummary {
            progress: progress(state, checked.limit_bytes),
            complete,
        }));
    }
    Ok(TurnEvent::Ignored(format!(
        "`{}` message (unknown path)",
        crate::failures::excerpt(message_path)
    )))
}
