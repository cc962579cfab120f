//! The `synthesizer` resource: queued synthesis requests as a deterministic state machine in
//! quinn-proto's shape (inputs through `handle_*` with `now`, outputs through `poll_*`).
//!
//! What it decides, so that no driver has to:
//! - **Requests.** One at a time, in order, on one connection; `speech.config` once per
//!   connection. Long plain text is split at sentence boundaries into several requests.
//! - **Retries.** A request whose connection fails before `turn.end` is sent again on a new
//!   connection, within the link's budget; a `request-restarted` event first tells the driver
//!   to discard the audio it handed out for that request, so an output never holds a torn or
//!   doubled sentence.
//! - **One timeline.** Boundary and session-end offsets are shifted by the audio of the
//!   requests before (PCM: by its bytes; other formats: by the service's session-end
//!   offsets), so subtitles of a long text line up.
//! - **Lifetime and stalls.** A connection past 90 % of its lifetime is replaced between
//!   requests; a request that gets no message for the response timeout counts as a lost
//!   connection; an idle connection (no request queued) is closed and reopened when one is.

use std::cell::RefCell;
use std::collections::VecDeque;

use super::formats;
use super::session::{RequestEvent, SynthesisSession};
use super::split::split_text;
use crate::bindings::exports::azspeech::core::config::Settings;
use crate::bindings::exports::azspeech::core::connection::RequestKind;
use crate::bindings::exports::azspeech::core::link::{
    CloseInfo, ConnectFailure, ConnectRequest, SessionFailure, SessionNotice, SessionPolicy, Transmit,
};
use crate::bindings::exports::azspeech::core::messages::WsMessage;
use crate::bindings::exports::azspeech::core::synthesis::{
    AudioEncoding, Boundary, RequestRestart, SynthesisEvent, SynthesisOptions, SynthesisSummary,
};
use crate::bindings::exports::azspeech::core::types::SpeechError;
use crate::diagnostics::{LogLevel, log};
use crate::link::{Link, LinkPhase, Loss, LossOutcome, Policy, client_close};

/// Longest plain-text piece sent in one request (characters); the service caps one request's
/// audio at 10 minutes.
pub const MAX_REQUEST_CHARS: u32 = 3000;

/// A request id used only to check input when it is queued (never sent).
const CHECK_ID: &str = "00000000000000000000000000000000";

#[derive(Debug, Clone)]
enum Input {
    Text(String),
    Ssml(String),
}

/// The request in flight.
#[derive(Debug, Clone, Copy)]
struct InFlight {
    index: usize,
    /// Audio bytes handed out before the request began.
    audio_start: u64,
    /// Its offsets are shifted by this many ticks.
    shift_ticks: u64,
    /// The service's session-end offset for it (request-relative), when reported.
    session_end: Option<u64>,
}

/// A synthesis (the `synthesis.synthesizer` resource).
pub struct Synthesizer {
    inner: RefCell<Inner>,
}

struct Inner {
    settings: Settings,
    options: SynthesisOptions,
    link: Link,
    codec: Option<SynthesisSession>,
    queue: Vec<Input>,
    /// Index of the next request to send.
    next: usize,
    in_flight: Option<InFlight>,
    /// The request in flight was sent on this connection and waits for the service.
    awaiting_since: Option<u64>,
    input_ended: bool,
    /// Audio bytes handed out (after discards).
    emitted: u64,
    /// Ticks of the output's timeline at the end of the last completed request.
    timeline_ticks: u64,
    /// Ticks per audio byte for PCM formats (`None`: compressed).
    pcm_byte_rate: Option<u64>,
    started: Vec<bool>,
    last_rx: u64,
    last_tx: u64,
    transmits: VecDeque<Transmit>,
    events: VecDeque<SynthesisEvent>,
    requests_done: u32,
    retries: u32,
    done: bool,
}

impl Synthesizer {
    /// A synthesizer for a resolved configuration.
    pub fn new(settings: Settings, options: SynthesisOptions, policy: &SessionPolicy) -> Self {
        let policy = Policy::from_wit(policy);
        let pcm_byte_rate = formats::lookup(&options.output_format)
            .ok()
            .filter(|format| format.encoding == AudioEncoding::Pcm && format.sample_rate > 0)
            .map(|format| u64::from(format.sample_rate) * 2);
        Self {
            inner: RefCell::new(Inner {
                settings,
                options,
                link: Link::new(policy, RequestKind::TtsWebsocket),
                codec: None,
                queue: Vec::new(),
                next: 0,
                in_flight: None,
                awaiting_since: None,
                input_ended: false,
                emitted: 0,
                timeline_ticks: 0,
                pcm_byte_rate,
                started: Vec::new(),
                last_rx: 0,
                last_tx: 0,
                transmits: VecDeque::new(),
                events: VecDeque::new(),
                requests_done: 0,
                retries: 0,
                done: false,
            }),
        }
    }

    /// Queue plain text (split into requests of at most [`MAX_REQUEST_CHARS`]).
    pub fn speak_text(&self, text: &str) -> Result<u32, SpeechError> {
        let mut inner = self.inner.borrow_mut();
        let first = inner.queue.len();
        let pieces = split_text(text, MAX_REQUEST_CHARS);
        let checker = SynthesisSession::new(inner.settings.clone(), inner.options.clone());
        checker.speak_text(0, CHECK_ID, text)?;
        for piece in pieces {
            if piece.trim().is_empty() {
                continue;
            }
            inner.queue.push(Input::Text(piece));
        }
        inner.queued(first)
    }

    /// Queue an SSML document.
    pub fn speak_ssml(&self, ssml: &str) -> Result<u32, SpeechError> {
        let mut inner = self.inner.borrow_mut();
        let first = inner.queue.len();
        let checker = SynthesisSession::new(inner.settings.clone(), inner.options.clone());
        checker.speak_ssml(0, CHECK_ID, ssml)?;
        inner.queue.push(Input::Ssml(ssml.to_owned()));
        inner.queued(first)
    }

    /// No more requests.
    pub fn end_input(&self, _now: u64) {
        let mut inner = self.inner.borrow_mut();
        inner.input_ended = true;
        inner.maybe_finish();
    }

    /// The connection asked for is open.
    pub fn handle_connected(&self, now: u64) {
        let mut inner = self.inner.borrow_mut();
        if inner.done || inner.link.phase() != LinkPhase::Connecting {
            return;
        }
        if let Some(notice) = inner.link.connected(now) {
            inner.events.push_back(SynthesisEvent::Notice(notice));
        }
        inner.codec = Some(SynthesisSession::new(inner.settings.clone(), inner.options.clone()));
        inner.last_rx = now;
        inner.last_tx = now;
    }

    /// The connection asked for could not be opened.
    pub fn handle_connect_failed(&self, now: u64, failure: ConnectFailure) {
        let mut inner = self.inner.borrow_mut();
        if inner.done || inner.link.phase() != LinkPhase::Connecting {
            return;
        }
        inner.lost(now, &Loss::ConnectFailed(failure));
    }

    /// A text message arrived.
    pub fn handle_message(&self, now: u64, message: WsMessage) {
        let mut inner = self.inner.borrow_mut();
        let Some(codec) = inner.codec.as_ref().filter(|_| !inner.done) else {
            return;
        };
        let result = codec.receive(now, message);
        inner.received(now, result);
    }

    /// A binary frame arrived; only its head goes in.
    pub fn handle_binary_head(&self, now: u64, head: &[u8], frame_len: u32) {
        let mut inner = self.inner.borrow_mut();
        let Some(codec) = inner.codec.as_ref().filter(|_| !inner.done) else {
            return;
        };
        let result = codec.receive_binary_head(now, head, frame_len);
        inner.received(now, result);
    }

    /// The open connection ended.
    pub fn handle_closed(&self, now: u64, close: CloseInfo) {
        let mut inner = self.inner.borrow_mut();
        if inner.done || inner.link.up_since().is_none() {
            return;
        }
        if inner.in_flight.is_none() && inner.next >= inner.queue.len() {
            // Nothing was in flight: the service closed an idle connection.
            inner.codec = None;
            inner.link.disconnect(now);
            if inner.input_ended {
                inner.maybe_finish();
            }
            return;
        }
        inner.lost(now, &Loss::Closed(close));
    }

    /// The time from `poll_timeout` has come.
    pub fn handle_timeout(&self, now: u64) {
        self.inner.borrow_mut().timeout(now);
    }

    /// A connection to open now, if one is due.
    pub fn poll_connect(&self, now: u64) -> Option<ConnectRequest> {
        let mut inner = self.inner.borrow_mut();
        // What is queued belongs to the connection being left (its close frame): it goes first.
        if inner.done || !inner.transmits.is_empty() {
            return None;
        }
        let wants = inner.next < inner.queue.len() || inner.in_flight.is_some();
        let inner = &mut *inner;
        match inner.link.poll_connect(now, &inner.settings, wants)? {
            Ok(request) => {
                inner
                    .events
                    .push_back(SynthesisEvent::Notice(SessionNotice::Connecting(request.attempt)));
                Some(request)
            }
            Err(failure) => {
                inner.fail(failure);
                None
            }
        }
    }

    /// The next message to send, if one is due.
    pub fn poll_transmit(&self, now: u64) -> Option<Transmit> {
        self.inner.borrow_mut().transmit(now)
    }

    /// The next event.
    pub fn poll_event(&self) -> Option<SynthesisEvent> {
        self.inner.borrow_mut().events.pop_front()
    }

    /// When to call `handle_timeout`.
    pub fn poll_timeout(&self) -> Option<u64> {
        self.inner.borrow().deadline()
    }

    /// `finished` or `failed` was produced.
    pub fn is_done(&self) -> bool {
        self.inner.borrow().done
    }
}

impl Inner {
    fn queued(&mut self, first: usize) -> Result<u32, SpeechError> {
        self.started.resize(self.queue.len(), false);
        u32::try_from(first).map_err(|_| crate::wire::invalid_call("too many requests queued".into()))
    }

    fn transmit(&mut self, now: u64) -> Option<Transmit> {
        if let Some(transmit) = self.transmits.pop_front() {
            self.last_tx = now;
            return Some(transmit);
        }
        let since = self.link.up_since()?;
        if self.done || self.in_flight.is_some() || self.next >= self.queue.len() {
            return None;
        }
        let policy = self.link.policy().clone();
        if now.saturating_sub(since) >= policy.soft_rotation_ms() {
            self.rotate(now);
            return self.transmits.pop_front();
        }
        let index = self.next;
        let input = self.queue.get(index)?.clone();
        let request_id = self.link.next_request_id();
        let codec = self.codec.as_ref()?;
        let frames = match &input {
            Input::Text(text) => codec.speak_text(now, &request_id, text),
            Input::Ssml(ssml) => codec.speak_ssml(now, &request_id, ssml),
        };
        match frames {
            Ok(frames) => {
                self.transmits.extend(frames.into_iter().map(Transmit::Message));
                let shift_ticks = self.shift_for_next();
                self.in_flight = Some(InFlight {
                    index,
                    audio_start: self.emitted,
                    shift_ticks,
                    session_end: None,
                });
                self.awaiting_since = Some(now);
                if let Some(started) = self.started.get_mut(index)
                    && !*started
                {
                    *started = true;
                    self.events
                        .push_back(SynthesisEvent::RequestStarted(u32::try_from(index).unwrap_or(u32::MAX)));
                }
                self.last_tx = now;
                self.transmits.pop_front()
            }
            Err(error) => {
                let failure = self.link.failure(error);
                self.fail(failure);
                self.transmits.pop_front()
            }
        }
    }

    /// Where the next request's offsets start on the output's timeline.
    fn shift_for_next(&self) -> u64 {
        match self.pcm_byte_rate {
            Some(rate) => u64::try_from(u128::from(self.emitted) * 10_000_000 / u128::from(rate)).unwrap_or(u64::MAX),
            None => self.timeline_ticks,
        }
    }

    fn received(&mut self, now: u64, result: Result<Vec<RequestEvent>, SpeechError>) {
        self.last_rx = now;
        self.awaiting_since = self.awaiting_since.map(|_| now);
        let events = match result {
            Ok(events) => events,
            Err(error) => {
                self.lost(now, &Loss::Refused(error));
                self.transmits.clear();
                self.transmits
                    .push_back(client_close("Abandoning an unusable connection"));
                return;
            }
        };
        let Some(mut in_flight) = self.in_flight else {
            return;
        };
        let shift = in_flight.shift_ticks;
        let shifted = |mut boundary: Boundary| {
            boundary.offset = boundary.offset.saturating_add(shift);
            boundary
        };
        for event in events {
            let event = match event {
                RequestEvent::Audio(range) => {
                    self.emitted = self.emitted.saturating_add(u64::from(range.len));
                    SynthesisEvent::Audio(range)
                }
                RequestEvent::WordBoundary(boundary) => SynthesisEvent::WordBoundary(shifted(boundary)),
                RequestEvent::PunctuationBoundary(boundary) => SynthesisEvent::PunctuationBoundary(shifted(boundary)),
                RequestEvent::SentenceBoundary(boundary) => SynthesisEvent::SentenceBoundary(shifted(boundary)),
                RequestEvent::Viseme(mut viseme) => {
                    viseme.offset = viseme.offset.saturating_add(shift);
                    SynthesisEvent::Viseme(viseme)
                }
                RequestEvent::Bookmark(mut bookmark) => {
                    bookmark.offset = bookmark.offset.saturating_add(shift);
                    SynthesisEvent::Bookmark(bookmark)
                }
                RequestEvent::SessionEnd(offset) => {
                    in_flight.session_end = Some(offset);
                    self.in_flight = Some(in_flight);
                    SynthesisEvent::SessionEnd(offset.saturating_add(shift))
                }
                RequestEvent::TurnEnded => {
                    self.complete(in_flight);
                    return;
                }
                RequestEvent::TurnStarted(_) | RequestEvent::Response(_) => continue,
                RequestEvent::Ignored(what) => {
                    log(LogLevel::Debug, &format!("synthesizer ignored {what}"));
                    continue;
                }
            };
            self.events.push_back(event);
        }
    }

    fn complete(&mut self, in_flight: InFlight) {
        let duration = in_flight.session_end.unwrap_or(0);
        self.timeline_ticks = in_flight.shift_ticks.saturating_add(duration);
        self.in_flight = None;
        self.awaiting_since = None;
        self.next = in_flight.index + 1;
        self.requests_done = self.requests_done.saturating_add(1);
        self.link.progress();
        self.events.push_back(SynthesisEvent::RequestDone(
            u32::try_from(in_flight.index).unwrap_or(u32::MAX),
        ));
        self.maybe_finish();
    }

    fn maybe_finish(&mut self) {
        if self.done || !self.input_ended || self.in_flight.is_some() || self.next < self.queue.len() {
            return;
        }
        self.transmits.clear();
        if self.link.up_since().is_some() {
            self.transmits.push_back(client_close("Normal closure by client"));
        }
        self.link.close();
        self.done = true;
        self.events.push_back(SynthesisEvent::Finished(SynthesisSummary {
            audio_bytes: self.emitted,
            requests: self.requests_done,
            connections: self.link.connections(),
            retries: self.retries,
        }));
    }

    /// The request in flight (if any) goes back to the queue; its audio is to be discarded.
    fn restart_in_flight(&mut self) {
        self.codec = None;
        self.awaiting_since = None;
        if let Some(in_flight) = self.in_flight.take() {
            self.next = in_flight.index;
            self.retries = self.retries.saturating_add(1);
            self.events.push_back(SynthesisEvent::RequestRestarted(RequestRestart {
                request: u32::try_from(in_flight.index).unwrap_or(u32::MAX),
                discard_from: in_flight.audio_start,
            }));
            self.emitted = in_flight.audio_start;
        }
    }

    fn lost(&mut self, now: u64, loss: &Loss) {
        self.restart_in_flight();
        match self.link.lost(now, &self.settings, loss) {
            LossOutcome::Retry(notice) => {
                log(LogLevel::Debug, &format!("synthesizer: {}", notice.cause));
                self.events
                    .push_back(SynthesisEvent::Notice(SessionNotice::Reconnecting(notice)));
            }
            LossOutcome::Failed(failure) => self.fail(failure),
        }
    }

    fn rotate(&mut self, now: u64) {
        self.transmits.clear();
        self.transmits
            .push_back(client_close("Replacing the connection before its lifetime ends"));
        self.codec = None;
        self.events.push_back(SynthesisEvent::Notice(SessionNotice::Rotating));
        self.link.rotate(now);
    }

    fn timeout(&mut self, now: u64) {
        if self.done {
            return;
        }
        if self.link.up_since().is_none() {
            return;
        }
        let policy = self.link.policy().clone();
        let response_timeout_ms = self.link.response_timeout_ms();
        if let Some(awaiting) = self.awaiting_since
            && now.saturating_sub(awaiting) >= response_timeout_ms
        {
            self.lost(now, &Loss::ResponseTimeout(response_timeout_ms));
            self.transmits.clear();
            self.transmits
                .push_back(client_close("Abandoning a stalled connection"));
            return;
        }
        let idle = self.in_flight.is_none() && self.next >= self.queue.len();
        if idle && now.saturating_sub(self.last_rx.max(self.last_tx)) >= policy.idle_ms {
            self.transmits.clear();
            self.transmits
                .push_back(client_close("Idle: reconnecting when there is text"));
            self.codec = None;
            self.link.disconnect(now);
        }
    }

    fn deadline(&self) -> Option<u64> {
        if self.done {
            return None;
        }
        let wants = self.next < self.queue.len() || self.in_flight.is_some();
        let mut deadline = self.link.timeout().filter(|_| wants);
        let mut consider = |at: u64| deadline = Some(deadline.map_or(at, |d: u64| d.min(at)));
        if self.link.up_since().is_some() {
            let policy = self.link.policy();
            if let Some(awaiting) = self.awaiting_since {
                consider(awaiting.saturating_add(self.link.response_timeout_ms()));
            } else if !wants {
                consider(self.last_rx.max(self.last_tx).saturating_add(policy.idle_ms));
            }
        }
        deadline
    }

    fn fail(&mut self, failure: SessionFailure) {
        if self.done {
            return;
        }
        self.transmits.clear();
        if self.link.up_since().is_some() {
            self.transmits.push_back(client_close("Synthesis failed"));
        }
        self.link.close();
        self.done = true;
        self.events.push_back(SynthesisEvent::Failed(failure));
    }
}
