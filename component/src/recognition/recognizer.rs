//! The `recognizer` resource: a whole recognition as a deterministic state machine in
//! quinn-proto's shape. Inputs go in (`handle_*`, `push_audio`, `end_audio`, each with `now`),
//! outputs come out (`poll_connect`, `poll_transmit`, `poll_event`, `poll_timeout`). The
//! driver keeps the PCM in its own buffer, addressed by stream offsets.
//!
//! What it decides, so that no driver has to:
//! - **Turns.** On a new connection: `speech.config`, `speech.context`, the WAV header, then
//!   the audio from the end of the last final phrase. After a `turn.end` with audio left (the
//!   service ends turns on its own), the next turn on the same connection replays from there.
//! - **Replay.** Every non-fatal loss (reset, EOF, 1000/1001/1011 before the audio is done,
//!   429/5xx/4429, a malformed frame, a stall) schedules a reconnect with backoff; the new
//!   connection replays the unacknowledged audio. The turn codec rebases offsets, so phrases
//!   come out once each, in order, with offsets of the unbroken stream.
//! - **Pacing.** `max`, or `factor(f)` × real time for new audio; replay is never paced.
//! - **Lifetime.** After 90 % of the connection lifetime it moves to a fresh connection at the
//!   next phrase; at 95 % in any case. A connection with nothing to send for the idle time is
//!   closed and reopened when audio comes.
//! - **Stalls.** After the end of audio (or a new connection's first audio) a service that
//!   sends nothing for the response timeout counts as a lost connection.

use std::cell::RefCell;
use std::collections::VecDeque;

use super::options::{self, Checked};
use super::session::{AudioError, RecognitionSession, TurnEvent};
use crate::bindings::exports::azspeech::core::config::Settings;
use crate::bindings::exports::azspeech::core::connection::RequestKind;
use crate::bindings::exports::azspeech::core::link::{
    AudioTransmit, CloseInfo, ConnectFailure, ConnectRequest, SessionFailure, SessionNotice, SessionPolicy, Transmit,
};
use crate::bindings::exports::azspeech::core::messages::WsMessage;
use crate::bindings::exports::azspeech::core::recognition::{
    Backpressure, RecognitionEvent, RecognitionOptions, RecognitionStatus, RecognitionSummary,
};
use crate::diagnostics::{LogLevel, log};
use crate::link::{Link, LinkPhase, Loss, LossOutcome, Policy, client_close};

/// PCM per audio frame: 100 ms, as the SDKs send (capped at the service's 8192 bytes).
const CHUNK_MS: u64 = 100;

/// One recognition (the `recognition.recognizer` resource).
pub struct Recognizer {
    inner: RefCell<Inner>,
}

struct Inner {
    settings: Settings,
    checked: Option<Checked>,
    codec: RecognitionSession,
    link: Link,
    /// PCM bytes pushed by the driver.
    pushed: u64,
    /// `end_audio` was called.
    audio_ended: bool,
    /// Next stream byte to send in the current turn.
    cursor: u64,
    /// Highest stream byte ever sent (audio below it is replay, never paced).
    high_water: u64,
    /// A turn is open on the current connection.
    turn_open: bool,
    /// The end-of-audio frame went out in the current turn.
    end_sent: bool,
    /// Anchor of the pacing schedule: (time, stream offset) of the first paced audio.
    pace_anchor: Option<(u64, u64)>,
    /// The connection is old enough to be replaced at the next phrase.
    rotation_due: bool,
    /// Last message received or sent on the current connection.
    last_rx: u64,
    last_tx: u64,
    /// Something arrived on the current connection.
    heard_on_connection: bool,
    transmits: VecDeque<Transmit>,
    events: VecDeque<RecognitionEvent>,
    recognized: u32,
    unrecognized: u32,
    done: bool,
}

impl Recognizer {
    /// A recognizer for a resolved configuration.
    pub fn new(settings: Settings, options: RecognitionOptions, policy: &SessionPolicy) -> Self {
        let policy = Policy::from_wit(policy);
        let checked = options::check(&settings, &options);
        let codec = RecognitionSession::new(settings.clone(), options);
        let link = Link::new(policy, RequestKind::SttWebsocket);
        let mut inner = Inner {
            settings,
            checked: None,
            codec,
            link,
            pushed: 0,
            audio_ended: false,
            cursor: 0,
            high_water: 0,
            turn_open: false,
            end_sent: false,
            pace_anchor: None,
            rotation_due: false,
            last_rx: 0,
            last_tx: 0,
            heard_on_connection: false,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            recognized: 0,
            unrecognized: 0,
            done: false,
        };
        match checked {
            Ok(checked) => inner.checked = Some(checked),
            Err(error) => {
                let failure = inner.link.failure(error);
                inner.fail(failure);
            }
        }
        Self {
            inner: RefCell::new(inner),
        }
    }

    /// The connection asked for is open.
    pub fn handle_connected(&self, now: u64) {
        self.inner.borrow_mut().connected(now);
    }

    /// The connection asked for could not be opened.
    pub fn handle_connect_failed(&self, now: u64, failure: ConnectFailure) {
        let mut inner = self.inner.borrow_mut();
        if inner.done || inner.link.phase() != LinkPhase::Connecting {
            return;
        }
        inner.lost(now, &Loss::ConnectFailed(failure));
    }

    /// A message arrived.
    pub fn handle_message(&self, now: u64, message: WsMessage) {
        self.inner.borrow_mut().message(now, message);
    }

    /// The open connection ended.
    pub fn handle_closed(&self, now: u64, close: CloseInfo) {
        self.inner.borrow_mut().closed(now, close);
    }

    /// `pcm_len` more bytes were appended to the driver's buffer.
    pub fn push_audio(&self, _now: u64, pcm_len: u32) -> Result<(), Backpressure> {
        self.inner.borrow_mut().push(pcm_len)
    }

    /// No more audio.
    pub fn end_audio(&self, _now: u64) {
        self.inner.borrow_mut().audio_ended = true;
    }

    /// Finish now with what was recognized.
    pub fn abort(&self, _now: u64) {
        let mut inner = self.inner.borrow_mut();
        if !inner.done {
            inner.finish("Recognition stopped by the client");
        }
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
        let wants = inner.wants_connection();
        let inner = &mut *inner;
        match inner.link.poll_connect(now, &inner.settings, wants)? {
            Ok(mut request) => {
                if inner
                    .checked
                    .as_ref()
                    .is_some_and(|checked| checked.language_id.is_some())
                {
                    request.plan.url = crate::connection::urls::with_query(&request.plan.url, "lidEnabled", "true");
                }
                let notice = SessionNotice::Connecting(request.attempt);
                inner.events.push_back(RecognitionEvent::Notice(notice));
                Some(request)
            }
            Err(failure) => {
                inner.fail(failure);
                None
            }
        }
    }

    /// The next thing to send, if one is due.
    pub fn poll_transmit(&self, now: u64) -> Option<Transmit> {
        self.inner.borrow_mut().transmit(now)
    }

    /// The next event.
    pub fn poll_event(&self) -> Option<RecognitionEvent> {
        self.inner.borrow_mut().events.pop_front()
    }

    /// When to call `handle_timeout`.
    pub fn poll_timeout(&self) -> Option<u64> {
        self.inner.borrow().deadline()
    }

    /// End of the audio the service has finished with.
    pub fn acknowledged_bytes(&self) -> u64 {
        self.inner.borrow().codec.progress().acknowledged_bytes
    }

    /// `finished` or `failed` was produced.
    pub fn is_done(&self) -> bool {
        self.inner.borrow().done
    }
}

impl Inner {
    fn acknowledged(&self) -> u64 {
        self.codec.progress().acknowledged_bytes
    }

    fn chunk_bytes(&self) -> u64 {
        self.checked.as_ref().map_or(3200, |checked| {
            let chunk = checked.byte_rate * CHUNK_MS / 1000;
            let chunk = chunk - chunk % checked.block_align.max(1);
            chunk.clamp(checked.block_align.max(2), u64::from(super::session::MAX_AUDIO_CHUNK))
        })
    }

    /// Work that needs a connection: audio the service has not finished with, or the end of
    /// the audio still to be confirmed.
    fn wants_connection(&self) -> bool {
        self.pushed > self.acknowledged() || self.audio_ended || self.link.connections() == 0
    }

    fn connected(&mut self, now: u64) {
        if self.done || self.link.phase() != LinkPhase::Connecting {
            return;
        }
        if let Some(notice) = self.link.connected(now) {
            self.events.push_back(RecognitionEvent::Notice(notice));
        }
        self.last_rx = now;
        self.last_tx = now;
        self.heard_on_connection = false;
        self.rotation_due = false;
        let request_id = self.link.next_request_id();
        match self.codec.start(now, &request_id) {
            Ok(plan) => self.begin_turn(plan),
            Err(error) => {
                let failure = self.link.failure(error);
                self.fail(failure);
            }
        }
    }

    fn begin_turn(&mut self, plan: super::session::TurnPlan) {
        self.transmits.extend(plan.frames.into_iter().map(Transmit::Message));
        self.cursor = plan.replay_from;
        self.turn_open = true;
        self.end_sent = false;
    }

    fn push(&mut self, pcm_len: u32) -> Result<(), Backpressure> {
        let limit = self.checked.as_ref().map_or(0, |checked| checked.limit_bytes);
        let acknowledged = self.acknowledged();
        let pushed = self.pushed.saturating_add(u64::from(pcm_len));
        if pushed.saturating_sub(acknowledged) > limit && !self.done {
            return Err(Backpressure {
                pushed_bytes: self.pushed,
                acknowledged_bytes: acknowledged,
                limit_bytes: limit,
            });
        }
        if !self.done && !self.audio_ended {
            self.pushed = pushed;
        }
        Ok(())
    }

    fn transmit(&mut self, now: u64) -> Option<Transmit> {
        if let Some(transmit) = self.transmits.pop_front() {
            self.last_tx = now;
            return Some(transmit);
        }
        if self.done || self.link.up_since().is_none() || !self.turn_open || self.end_sent {
            return None;
        }
        let chunk = self.chunk_bytes();
        if self.cursor < self.pushed {
            let available = self.pushed - self.cursor;
            if available < chunk && !self.audio_ended && self.cursor >= self.high_water {
                return None; // wait for a whole chunk of new audio
            }
            let len = available.min(chunk);
            if self.cursor >= self.high_water && self.pace_wait(now).is_some() {
                return None;
            }
            let len32 = u32::try_from(len).unwrap_or(super::session::MAX_AUDIO_CHUNK);
            return match self.codec.audio_header(now, len32) {
                Ok(header) => {
                    let start = self.cursor;
                    self.cursor += u64::from(len32);
                    self.high_water = self.high_water.max(self.cursor);
                    self.last_tx = now;
                    Some(Transmit::Audio(AudioTransmit {
                        header,
                        start,
                        end: self.cursor,
                    }))
                }
                Err(AudioError::Backpressure(_)) => None,
                Err(AudioError::Failed(error)) => {
                    let failure = self.link.failure(error);
                    self.fail(failure);
                    self.transmits.pop_front()
                }
            };
        }
        if self.audio_ended {
            return match self.codec.finish(now) {
                Ok(frame) => {
                    self.end_sent = true;
                    self.last_tx = now;
                    Some(Transmit::Message(frame))
                }
                Err(error) => {
                    let failure = self.link.failure(error);
                    self.fail(failure);
                    self.transmits.pop_front()
                }
            };
        }
        None
    }

    /// When the next chunk of new audio may go out under the pace, if later than `now`.
    fn pace_wait(&mut self, now: u64) -> Option<u64> {
        let factor = self.link.policy().pace?;
        let byte_rate = self.checked.as_ref().map_or(32_000, |checked| checked.byte_rate) as f64;
        let (anchor_time, anchor_offset) = *self.pace_anchor.get_or_insert((now, self.cursor));
        let audio_ms = (self.cursor.saturating_sub(anchor_offset)) as f64 * 1000.0 / byte_rate;
        let due = anchor_time.saturating_add((audio_ms / factor) as u64);
        (due > now).then_some(due)
    }

    fn message(&mut self, now: u64, message: WsMessage) {
        if self.done || self.link.up_since().is_none() {
            return;
        }
        self.last_rx = now;
        self.heard_on_connection = true;
        let events = match self.codec.receive(now, message) {
            Ok(events) => events,
            Err(error) => {
                self.drop_connection(now, &Loss::Refused(error));
                return;
            }
        };
        for event in events {
            match event {
                TurnEvent::TurnStarted(tag) => self.events.push_back(RecognitionEvent::TurnStarted(tag)),
                TurnEvent::SpeechStartDetected(at) => {
                    self.events.push_back(RecognitionEvent::SpeechStartDetected(at));
                }
                TurnEvent::SpeechEndDetected(at) => self.events.push_back(RecognitionEvent::SpeechEndDetected(at)),
                TurnEvent::Hypothesis(partial) => self.events.push_back(RecognitionEvent::Hypothesis(partial)),
                TurnEvent::Fragment(partial) => self.events.push_back(RecognitionEvent::Fragment(partial)),
                TurnEvent::Phrase(phrase) => {
                    if phrase.status == RecognitionStatus::Success {
                        self.recognized = self.recognized.saturating_add(1);
                    } else {
                        self.unrecognized = self.unrecognized.saturating_add(1);
                    }
                    self.link.progress();
                    self.events.push_back(RecognitionEvent::Phrase(phrase));
                    if self.rotation_due {
                        self.rotate(now);
                        return;
                    }
                }
                TurnEvent::TurnEnded(summary) => {
                    self.turn_open = false;
                    if summary.complete {
                        self.finish("Normal closure by client");
                        return;
                    }
                    let request_id = self.link.next_request_id();
                    match self.codec.next_turn(now, &request_id) {
                        Ok(plan) => self.begin_turn(plan),
                        Err(error) => {
                            let failure = self.link.failure(error);
                            self.fail(failure);
                            return;
                        }
                    }
                }
                TurnEvent::Ignored(what) => log(LogLevel::Debug, &format!("recognizer ignored {what}")),
            }
        }
    }

    fn closed(&mut self, now: u64, close: CloseInfo) {
        if self.done || self.link.up_since().is_none() {
            return;
        }
        self.turn_open = false;
        let everything_heard = self.audio_ended && self.acknowledged() >= self.pushed;
        if everything_heard {
            // The service has finished with all the audio; the missing `turn.end` adds nothing.
            self.finish_closed();
            return;
        }
        self.lost(now, &Loss::Closed(close));
    }

    /// Leave the current connection (tell the driver to close it) and handle the loss.
    fn drop_connection(&mut self, now: u64, loss: &Loss) {
        self.turn_open = false;
        self.lost(now, loss);
        self.transmits.clear();
        self.transmits
            .push_back(client_close("Abandoning a stalled or unusable connection"));
    }

    fn lost(&mut self, now: u64, loss: &Loss) {
        match self.link.lost(now, &self.settings, loss) {
            LossOutcome::Retry(notice) => {
                log(LogLevel::Debug, &format!("recognizer: {}", notice.cause));
                self.events
                    .push_back(RecognitionEvent::Notice(SessionNotice::Reconnecting(notice)));
            }
            LossOutcome::Failed(failure) => self.fail(failure),
        }
    }

    fn rotate(&mut self, now: u64) {
        self.transmits.clear();
        self.transmits
            .push_back(client_close("Replacing the connection before its lifetime ends"));
        self.turn_open = false;
        self.rotation_due = false;
        self.events.push_back(RecognitionEvent::Notice(SessionNotice::Rotating));
        self.link.rotate(now);
    }

    fn idle_close(&mut self, now: u64) {
        self.transmits.clear();
        self.transmits
            .push_back(client_close("Idle: reconnecting when there is audio"));
        self.turn_open = false;
        self.link.disconnect(now);
    }

    fn timeout(&mut self, now: u64) {
        if self.done {
            return;
        }
        let Some(since) = self.link.up_since() else {
            return;
        };
        let policy = self.link.policy().clone();
        let age = now.saturating_sub(since);
        if age >= policy.hard_rotation_ms() {
            self.rotate(now);
            return;
        }
        if age >= policy.soft_rotation_ms() {
            if self.pushed <= self.acknowledged() {
                self.rotate(now);
                return;
            }
            self.rotation_due = true;
        }
        if let Some(deadline) = self.response_deadline()
            && now >= deadline
        {
            self.drop_connection(now, &Loss::ResponseTimeout(self.link.response_timeout_ms()));
            return;
        }
        let quiet_since = self.last_rx.max(self.last_tx);
        if now.saturating_sub(quiet_since) >= policy.idle_ms && self.idle_possible() {
            self.idle_close(now);
        }
    }

    /// Nothing is in flight and nothing can be sent: the connection only waits for audio.
    fn idle_possible(&self) -> bool {
        !self.audio_ended && self.cursor >= self.pushed && self.pushed <= self.acknowledged()
    }

    /// A response is due: after the end of audio, or on a connection that heard nothing yet.
    fn response_deadline(&self) -> Option<u64> {
        let since = self.link.up_since()?;
        let timeout = self.link.response_timeout_ms();
        if self.end_sent || (!self.heard_on_connection && self.cursor > self.acknowledged()) {
            Some(self.last_rx.max(since).saturating_add(timeout))
        } else {
            None
        }
    }

    fn deadline(&self) -> Option<u64> {
        if self.done {
            return None;
        }
        let mut deadline = self.link.timeout().filter(|_| self.wants_connection());
        let mut consider = |at: u64| deadline = Some(deadline.map_or(at, |d: u64| d.min(at)));
        if let Some(since) = self.link.up_since() {
            let policy = self.link.policy();
            if self.rotation_due {
                consider(since.saturating_add(policy.hard_rotation_ms()));
            } else {
                consider(since.saturating_add(policy.soft_rotation_ms()));
            }
            if let Some(at) = self.response_deadline() {
                consider(at);
            }
            if self.idle_possible() {
                consider(self.last_rx.max(self.last_tx).saturating_add(policy.idle_ms));
            }
            if let (Some(factor), Some((anchor_time, anchor_offset))) = (policy.pace, self.pace_anchor)
                && self.turn_open
                && self.cursor < self.pushed
                && self.cursor >= self.high_water
            {
                let byte_rate = self.checked.as_ref().map_or(32_000, |checked| checked.byte_rate) as f64;
                let audio_ms = (self.cursor.saturating_sub(anchor_offset)) as f64 * 1000.0 / byte_rate;
                consider(anchor_time.saturating_add((audio_ms / factor) as u64));
            }
        }
        deadline
    }

    fn summary(&self) -> RecognitionSummary {
        RecognitionSummary {
            recognized: self.recognized,
            unrecognized: self.unrecognized,
            acknowledged_bytes: self.acknowledged(),
            connections: self.link.connections(),
            reconnects: self.link.reconnects(),
        }
    }

    /// Done: close the connection (if open) and report the summary.
    fn finish(&mut self, reason: &str) {
        self.transmits.clear();
        if self.link.up_since().is_some() {
            self.transmits.push_back(client_close(reason));
        }
        self.finish_closed();
    }

    fn finish_closed(&mut self) {
        self.link.close();
        self.done = true;
        let summary = self.summary();
        self.events.push_back(RecognitionEvent::Finished(summary));
    }

    fn fail(&mut self, failure: SessionFailure) {
        if self.done {
            return;
        }
        let connected = self.link.up_since().is_some();
        self.transmits.clear();
        if connected {
            self.transmits.push_back(client_close("Recognition failed"));
        }
        self.link.close();
        self.done = true;
        self.events.push_back(RecognitionEvent::Failed(failure));
    }
}
