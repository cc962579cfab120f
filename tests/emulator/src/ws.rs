//! One WebSocket connection: receiving and sending USP messages through the component's codec,
//! counting them for fault triggers, closing with the service's codes, and recording the end.
//!
//! Two service limits apply to every connection (usp.md §9.1): the idle limit (no USP message
//! either way for `idle_timeout`, 180 s by default; WebSocket pings do not count) and the
//! maximum lifetime (`max_connection` from the upgrade, 10 minutes by default). Both close with
//! 1000; audio the client sent after the last phrase is lost with the connection.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::time::Instant;

use azspeech_component::usp::{self, Headers, header};
use futures_util::{FutureExt, SinkExt, StreamExt};
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::config::Verbosity;
use crate::emulator::Shared;
use crate::faults::{Armed, Counters, FaultAction, HostileKind, MalformedKind, Trigger};
use crate::limits::{IDLE_REASON, LIFETIME_REASON, Slot};
use crate::stats;
use crate::tokens::random_hex;

type Stream = WebSocketStream<TokioIo<Upgraded>>;

/// A message from the client.
pub(crate) enum In {
    Text(String),
    Binary(Vec<u8>),
}

/// The connection is over (closed, dropped, or failed); the record is updated.
#[derive(Debug)]
pub(crate) struct Ended;

/// A WebSocket connection to a client.
pub(crate) struct Conn {
    ws: Stream,
    shared: Arc<Shared>,
    seq: u64,
    pub(crate) connection_id: String,
    faults: Vec<Armed>,
    counters: Counters,
    /// The request id of the turn in progress (for malformed-frame faults).
    pub(crate) current_request_id: Option<String>,
    ended: bool,
    /// When the maximum connection duration is reached.
    deadline: Option<Instant>,
    /// The last USP message either way (for the idle limit).
    last_activity: Instant,
    /// The place in the concurrency quota, given back when the connection is dropped.
    _slot: Option<Slot>,
}

/// The JSON content type of service messages.
pub(crate) const JSON_UTF8: &str = "application/json; charset=utf-8";

impl Conn {
    pub(crate) fn new(ws: Stream, shared: Arc<Shared>, seq: u64, connection_id: String, faults: Vec<Armed>) -> Self {
        Conn {
            ws,
            shared,
            seq,
            connection_id,
            faults,
            counters: Counters::default(),
            current_request_id: None,
            ended: false,
            deadline: None,
            last_activity: Instant::now(),
            _slot: None,
        }
    }

    /// Close after `lifetime` (from now), and hold `slot` in the quota while open.
    pub(crate) fn with_limits(mut self, lifetime: Option<Duration>, slot: Slot) -> Self {
        let now = Instant::now();
        self.deadline = lifetime.map(|l| now + l);
        self.last_activity = now;
        self._slot = Some(slot);
        self
    }

    /// Close because the maximum connection duration is reached.
    async fn lifetime_close(&mut self) -> Ended {
        tracing::info!(connection = %self.connection_id, "maximum connection duration reached");
        stats::bump(&self.shared.stats.lifetime_closes);
        self.close(1000, LIFETIME_REASON).await
    }

    fn verbose(&self) -> bool {
        self.shared.config.verbosity >= Verbosity::Messages
    }

    fn record_end(&mut self, code: u16, note: Option<String>) {
        if self.ended {
            return;
        }
        self.ended = true;
        self.shared.log.update(self.seq, |r| {
            r.close_code = Some(code);
            if note.is_some() {
                r.note = note;
            }
        });
    }

    /// Fire the faults whose trigger is reached.
    pub(crate) async fn check_faults(&mut self) -> Result<(), Ended> {
        let mut i = 0;
        while i < self.faults.len() {
            let trigger = match &self.faults[i].action {
                FaultAction::Abort { after }
                | FaultAction::Close { after, .. }
                | FaultAction::Stall { after, .. }
                | FaultAction::Malformed { after, .. }
                | FaultAction::Truncated { after, .. }
                | FaultAction::Hostile { after, .. } => *after,
                FaultAction::Refuse | FaultAction::HttpStatus { .. } => {
                    i += 1;
                    continue;
                }
            };
            if !Trigger::fired(trigger, &self.counters) {
                i += 1;
                continue;
            }
            let Armed { action, counts } = self.faults.remove(i);
            tracing::warn!(connection = %self.connection_id, ?action, "fault fires");
            if counts {
                stats::bump(&self.shared.stats.faults_injected);
            }
            match action {
                FaultAction::Abort { .. } => {
                    self.record_end(1006, Some("fault: dropped without close frame".to_owned()));
                    // Dropping the stream closes TCP without a WebSocket close frame.
                    return Err(Ended);
                }
                FaultAction::Close { code, reason, .. } => {
                    return Err(self.close(code, &reason).await);
                }
                FaultAction::Stall { millis, .. } => match millis {
                    Some(ms) => tokio::time::sleep(Duration::from_millis(ms)).await,
                    None => {
                        // Until the client goes away: read and discard, send nothing.
                        while let Some(Ok(message)) = self.ws.next().await {
                            if message.is_close() {
                                break;
                            }
                        }
                        self.record_end(1006, Some("fault: stalled until the client left".to_owned()));
                        return Err(Ended);
                    }
                },
                FaultAction::Malformed { kind, .. } => {
                    let id = self.current_request_id.clone().unwrap_or_else(|| random_hex(16));
                    let stamp = usp::format_timestamp(self.shared.now_ms());
                    let message = match kind {
                        MalformedKind::TextWithoutSeparator => Message::text(format!(
                            "X-RequestId:{id}\r\nContent-Type:{JSON_UTF8}\r\nPath:speech.hypothesis\r\n{{\"Text\":\"x\",\"Offset\":0,\"Duration\":0}}"
                        )),
                        MalformedKind::TextWithoutPath => {
                            Message::text(format!("X-RequestId:{id}\r\nX-Timestamp:{stamp}\r\n\r\n{{}}"))
                        }
                        MalformedKind::WrongRequestId => Message::text(format!(
                            "X-RequestId:{}\r\nContent-Type:{JSON_UTF8}\r\nX-Timestamp:{stamp}\r\nPath:speech.hypothesis\r\n\r\n{{\"Text\":\"wrong request\",\"Offset\":0,\"Duration\":0}}",
                            random_hex(16)
                        )),
                        MalformedKind::TruncatedJson => Message::text(format!(
                            "X-RequestId:{id}\r\nContent-Type:{JSON_UTF8}\r\nX-Timestamp:{stamp}\r\nPath:speech.phrase\r\n\r\n{{\"RecognitionStatus\":\"Succ"
                        )),
                        MalformedKind::BinaryBadPrefix => {
                            let mut frame = vec![0x10, 0x00];
                            frame.extend_from_slice(b"Path:audio\r\n");
                            Message::binary(frame)
                        }
                        MalformedKind::BinaryTruncated => Message::binary(vec![0x00]),
                    };
                    if self.ws.send(message).await.is_err() {
                        self.record_end(1006, Some("client went away".to_owned()));
                        return Err(Ended);
                    }
                }
                FaultAction::Truncated { binary, .. } => {
                    self.send_truncated(binary).await;
                    return Err(Ended);
                }
                FaultAction::Hostile { kind, .. } => {
                    if !self.send_hostile(kind).await {
                        self.record_end(1006, Some("client went away".to_owned()));
                        return Err(Ended);
                    }
                    if kind != HostileKind::PingFlood {
                        while let Some(Ok(message)) = self.ws.next().await {
                            if message.is_close() {
                                break;
                            }
                        }
                        self.record_end(1006, Some(format!("fault: hostile {kind:?}, then silent")));
                        return Err(Ended);
                    }
                }
                FaultAction::Refuse | FaultAction::HttpStatus { .. } => {}
            }
        }
        Ok(())
    }

    /// Write the first half of a frame whose header announces the whole, below the WebSocket
    /// layer, then end (dropping the connection closes TCP).
    async fn send_truncated(&mut self, binary: bool) {
        let id = self.current_request_id.clone().unwrap_or_else(|| random_hex(16));
        let stamp = usp::format_timestamp(self.shared.now_ms());
        let (opcode, payload) = if binary {
            let headers = Headers::new()
                .with(header::REQUEST_ID, &id)
                .with(header::TIMESTAMP, &stamp)
                .with(header::CONTENT_TYPE, "audio/x-wav")
                .with(header::STREAM_ID, "1")
                .with(header::PATH, "audio");
            (
                0x82u8,
                usp::encode_binary(&headers, &[0u8; 1024]).unwrap_or_else(|_| vec![0; 1024]),
            )
        } else {
            let body = format!(
                "{{\"Text\":\"{}\",\"Offset\":0,\"Duration\":10000000}}",
                "truncated ".repeat(20).trim_end()
            );
            let text = format!(
                "X-RequestId:{id}\r\nContent-Type:{JSON_UTF8}\r\nX-Timestamp:{stamp}\r\nPath:speech.hypothesis\r\n\r\n{body}"
            );
            (0x81u8, text.into_bytes())
        };
        // FIN + opcode, then a 16-bit length (the payload is 126..65535 bytes), unmasked (server).
        let len = u16::try_from(payload.len()).unwrap_or(u16::MAX);
        let mut frame = vec![opcode, 126];
        frame.extend_from_slice(&len.to_be_bytes());
        frame.extend_from_slice(&payload[..payload.len() / 2]);
        let _ = self.ws.flush().await;
        let io = self.ws.get_mut();
        let _ = io.write_all(&frame).await;
        let _ = io.flush().await;
        self.record_end(1006, Some("fault: truncated frame, then dropped".to_owned()));
    }

    /// Send what a hostile service sends; `false` if the client is gone.
    async fn send_hostile(&mut self, kind: HostileKind) -> bool {
        let id = self.current_request_id.clone().unwrap_or_else(|| random_hex(16));
        let stamp = usp::format_timestamp(self.shared.now_ms());
        let phrase = |body: &str| {
            format!(
                "X-RequestId:{id}\r\nContent-Type:{JSON_UTF8}\r\nX-Timestamp:{stamp}\r\nPath:speech.phrase\r\n\r\n{body}"
            )
        };
        match kind {
            HostileKind::EndlessFrame | HostileKind::InvalidUtf8 => {
                let frame = if kind == HostileKind::EndlessFrame {
                    // FIN + binary, 64-bit length 2^40, unmasked (server), then no payload.
                    let mut frame = vec![0x82u8, 127];
                    frame.extend_from_slice(&(1u64 << 40).to_be_bytes());
                    frame
                } else {
                    let mut payload = phrase("{\"DisplayText\":\"").into_bytes();
                    payload.extend_from_slice(&[0xC3, 0x28, 0xFF, 0xFE]);
                    payload.extend_from_slice(b"\"}");
                    let len = u16::try_from(payload.len()).unwrap_or(u16::MAX);
                    let mut frame = vec![0x81u8, 126];
                    frame.extend_from_slice(&len.to_be_bytes());
                    frame.extend_from_slice(&payload);
                    frame
                };
                if self.ws.flush().await.is_err() {
                    return false;
                }
                let io = self.ws.get_mut();
                io.write_all(&frame).await.is_ok() && io.flush().await.is_ok()
            }
            HostileKind::DeepJson => {
                let body = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
                self.ws.send(Message::text(phrase(&body))).await.is_ok()
            }
            HostileKind::HugeJson => {
                let body = format!("{{\"DisplayText\":\"{}\"}}", "a".repeat(8 << 20));
                self.ws.send(Message::text(phrase(&body))).await.is_ok()
            }
            HostileKind::PingFlood => {
                for _ in 0..10_000 {
                    if self.ws.feed(Message::Ping(vec![0x50; 125].into())).await.is_err() {
                        return false;
                    }
                }
                self.ws.flush().await.is_ok()
            }
        }
    }

    /// Turn what the socket gave into a client message (`None` for control frames).
    fn convert(
        &mut self,
        next: Option<Result<Message, tokio_tungstenite::tungstenite::Error>>,
    ) -> Result<Option<In>, Ended> {
        let message = match next {
            None => {
                self.record_end(1006, Some("client dropped the connection".to_owned()));
                return Err(Ended);
            }
            Some(Err(e)) => {
                self.record_end(1006, Some(format!("connection error: {e}")));
                return Err(Ended);
            }
            Some(Ok(message)) => message,
        };
        match message {
            Message::Text(text) => Ok(Some(In::Text(text.as_str().to_owned()))),
            Message::Binary(bytes) => Ok(Some(In::Binary(bytes.to_vec()))),
            Message::Close(frame) => {
                let code = frame.as_ref().map(|f| u16::from(f.code)).unwrap_or(1005);
                let reason = frame.map(|f| f.reason.to_string()).unwrap_or_default();
                self.record_end(
                    code,
                    Some(format!("closed by the client: {code} {reason}").trim_end().to_owned()),
                );
                Err(Ended)
            }
            Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => Ok(None),
        }
    }

    async fn received(&mut self, incoming: In) -> Result<In, Ended> {
        self.last_activity = Instant::now();
        self.counters.received_frames += 1;
        self.counters.received_bytes += match &incoming {
            In::Text(t) => t.len() as u64,
            In::Binary(b) => b.len() as u64,
        };
        self.check_faults().await?;
        Ok(incoming)
    }

    /// The next message from the client.
    pub(crate) async fn recv(&mut self) -> Result<In, Ended> {
        loop {
            let idle_at = self.shared.config.idle_timeout.map(|limit| self.last_activity + limit);
            let deadline = self.deadline;
            let next = tokio::select! {
                next = self.ws.next() => next,
                () = sleep_until(idle_at) => {
                    stats::bump(&self.shared.stats.idle_closes);
                    return Err(self.close(1000, IDLE_REASON).await);
                }
                () = sleep_until(deadline) => return Err(self.lifetime_close().await),
            };
            if let Some(incoming) = self.convert(next)? {
                return self.received(incoming).await;
            }
        }
    }

    /// A message from the client that is already waiting, without blocking (`None` if there is
    /// none).
    pub(crate) async fn try_recv(&mut self) -> Option<Result<In, Ended>> {
        loop {
            let next = self.ws.next().now_or_never()?;
            match self.convert(next) {
                Err(e) => return Some(Err(e)),
                // A control frame (a pong of a ping flood): look at what follows it.
                Ok(None) => {}
                Ok(Some(incoming)) => return Some(self.received(incoming).await),
            }
        }
    }

    async fn send(&mut self, message: Message, len: usize) -> Result<(), Ended> {
        if self.ws.send(message).await.is_err() {
            self.record_end(1006, Some("client went away".to_owned()));
            return Err(Ended);
        }
        self.last_activity = Instant::now();
        self.counters.sent_frames += 1;
        self.counters.sent_bytes += len as u64;
        if self.deadline.is_some_and(|d| self.last_activity >= d) {
            return Err(self.lifetime_close().await);
        }
        self.check_faults().await
    }

    /// Send a text message with the service's headers: `X-RequestId` (as the client wrote it),
    /// `Content-Type`, `X-Timestamp`, `Path`, a blank line, then `body`.
    pub(crate) async fn send_text(&mut self, path: &str, request_id: &str, body: &str) -> Result<(), Ended> {
        let stamp = usp::format_timestamp(self.shared.now_ms());
        let headers = Headers::new()
            .with(header::REQUEST_ID, request_id)
            .with(header::CONTENT_TYPE, JSON_UTF8)
            .with(header::TIMESTAMP, &stamp)
            .with(header::PATH, path);
        let text = match usp::encode_text(&headers, body) {
            Ok(t) => t,
            Err(e) => {
                tracing::error!("cannot encode {path}: {e}");
                return Err(self.close(1011, "Internal server error").await);
            }
        };
        if self.verbose() {
            tracing::info!(connection = %self.connection_id, "-> {path} {request_id} {body}");
        }
        let len = text.len();
        self.send(Message::text(text), len).await
    }

    /// Send a binary `audio` message (synthesis).
    pub(crate) async fn send_audio(
        &mut self,
        request_id: &str,
        stream_id: &str,
        content_type: &str,
        payload: &[u8],
    ) -> Result<(), Ended> {
        let stamp = usp::format_timestamp(self.shared.now_ms());
        let headers = Headers::new()
            .with(header::REQUEST_ID, request_id)
            .with(header::TIMESTAMP, &stamp)
            .with(header::CONTENT_TYPE, content_type)
            .with(header::STREAM_ID, stream_id)
            .with(header::PATH, "audio");
        let frame = match usp::encode_binary(&headers, payload) {
            Ok(f) => f,
            Err(e) => {
                tracing::error!("cannot encode audio: {e}");
                return Err(self.close(1011, "Internal server error").await);
            }
        };
        if self.verbose() {
            tracing::info!(connection = %self.connection_id, "-> audio {request_id} {} bytes", payload.len());
        }
        let len = frame.len();
        self.send(Message::binary(frame), len).await
    }

    /// Close with `code` and `reason`, wait briefly for the client's close, and record it.
    pub(crate) async fn close(&mut self, code: u16, reason: &str) -> Ended {
        let mut reason = reason.to_owned();
        while reason.len() > 123 {
            reason.pop();
        }
        let frame = CloseFrame {
            code: CloseCode::from(code),
            reason: reason.clone().into(),
        };
        self.record_end(code, Some(reason));
        if self.ws.send(Message::Close(Some(frame))).await.is_ok() {
            let _ = tokio::time::timeout(Duration::from_secs(2), async {
                while let Some(Ok(message)) = self.ws.next().await {
                    if message.is_close() {
                        break;
                    }
                }
            })
            .await;
        }
        Ended
    }

    /// A protocol violation by the client: log it clearly and close with `code`.
    pub(crate) async fn violation(&mut self, code: u16, reason: &str) -> Ended {
        tracing::warn!(connection = %self.connection_id, code, "protocol violation: {reason}");
        self.close(code, reason).await
    }

    /// Parse a client text frame, log it, and skip telemetry (never answered): `Ok(None)` for
    /// telemetry, a close with the service's code for a malformed frame.
    pub(crate) async fn read_text<'a>(&mut self, text: &'a str) -> Result<Option<usp::TextMessage<'a>>, Ended> {
        let message = match usp::parse_text(text) {
            Ok(message) => message,
            Err(error) => {
                let (code, reason) = frame_error_close(error, false);
                return Err(self.violation(code, &reason).await);
            }
        };
        self.log_in(&format!("{} {}", message.path, message.request_id().unwrap_or("-")));
        if message.path.eq_ignore_ascii_case(usp::path::TELEMETRY) {
            return Ok(None);
        }
        Ok(Some(message))
    }

    pub(crate) fn log_in(&self, what: &str) {
        if self.verbose() {
            tracing::info!(connection = %self.connection_id, "<- {what}");
        }
    }
}

/// Sleep until `at`; forever if `None`.
async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Check `X-Timestamp` (required, ISO-8601 UTC with 3–7 fraction digits and `Z`) and
/// `X-RequestId` (required when `require_id`; 32 hex digits when present). Returns the close code
/// and reason of a violation.
pub(crate) fn check_common_headers(headers: &Headers<'_>, require_id: bool) -> Result<(), (u16, String)> {
    match headers.get(header::TIMESTAMP) {
        None | Some("") => return Err((1002, "Missing/Empty header. X-Timestamp.".to_owned())),
        Some(stamp) => {
            if let Err(e) = usp::parse_timestamp(stamp) {
                return Err((
                    1002,
                    format!("Invalid request. X-Timestamp header value '{stamp}' is invalid: {e}."),
                ));
            }
        }
    }
    match headers.request_id() {
        None | Some("") if require_id => Err((1002, "Missing/Empty header. X-RequestId.".to_owned())),
        Some(id) if !id.is_empty() && !usp::is_request_id(id) => Err((
            1002,
            "Invalid request. X-RequestId header value was not specified in no-dash UUID format.".to_owned(),
        )),
        _ => Ok(()),
    }
}

/// The close code and reason for a frame the codec rejected (LEGACY texts, usp.md §6.2).
pub(crate) fn frame_error_close(error: usp::FrameError, binary: bool) -> (u16, String) {
    use usp::FrameError as E;
    match error {
        E::MissingPath => (1002, "Missing/Empty header. Path.".to_owned()),
        E::MissingSeparator => (
            1007,
            "Incorrect message format. Text message contains no header separator.".to_owned(),
        ),
        E::TruncatedHeader { .. } => (
            1007,
            "Incorrect message format. Binary message has invalid header size prefix.".to_owned(),
        ),
        E::HeaderTooLong { .. } if binary => (
            1007,
            "Incorrect message format. Binary message has invalid header size.".to_owned(),
        ),
        other => (1007, format!("Incorrect message format. {other}.")),
    }
}

/// Whether a `Content-Type` value is `expected` (ignoring case and parameters).
pub(crate) fn content_type_is(value: Option<&str>, expected: &str) -> bool {
    value.is_some_and(|v| {
        v.split(';')
            .next()
            .is_some_and(|t| t.trim().eq_ignore_ascii_case(expected))
    })
}
