//! The text-to-speech WebSocket session, and synthesis shared with TTS REST.
//!
//! Checks (sdk-capture-detailed §10 items 6, 7, 12): `speech.config` first and once (with or
//! without `X-RequestId` / `Content-Type`); `synthesis.context` with an `X-RequestId`, JSON, and a
//! known `synthesis.audio.outputFormat` (unknown → 1007; known but not emulated → 1007 "not
//! supported by the emulator"); `ssml` with the same `X-RequestId`, `Content-Type:
//! application/ssml+xml` (missing → 1002, other → 1007), well-formed with a `<speak>` root and
//! `<voice name>` of a known voice (else 1007). `metadataOptions` booleans may be strings.
//!
//! Reply (usp.md §5.2, sdk-capture-detailed §10 item 18): `turn.start` → `response` (stream id)
//! → binary `audio` frames of at most 8192 bytes (headers `X-RequestId`, `X-Timestamp`,
//! `Content-Type: <format>`, `X-StreamId`, `Path: audio`), with `audio.metadata` word and
//! sentence boundaries sent just before the frame in which they start → `audio.metadata`
//! `SessionEnd` → `turn.end`. A `synthesis.control` `{"action":"stop"}` ends the audio early.
//! Streaming text input (`text.piece`/`text.end`) is supported with `synthesis.input.voiceName`.

use std::collections::VecDeque;
use std::sync::Arc;

use azspeech_component::usp::{self, header};
use serde_json::{Value, json};

use crate::emulator::Shared;
use crate::formats::{self, Lookup, OutputFormat};
use crate::ssml::{self, Segment};
use crate::synth::{self, Rendered};
use crate::tokens::random_hex;
use crate::ws::{Conn, Ended, In, check_common_headers, content_type_is, frame_error_close};

/// Synthesized audio in an output format.
pub(crate) struct Synthesized {
    /// Encoded audio, no RIFF header.
    pub(crate) bytes: Vec<u8>,
    /// The rendering at the output rate (timings in output samples).
    pub(crate) rendered: Rendered,
}

/// How long `turn.end` follows the last audio of a turn that announced word or sentence
/// boundaries. The service renders as it streams, so its `turn.end` never comes microseconds
/// after the metadata; and the Python Speech SDK (1.53) loses boundary events whose handlers had
/// not run yet when `turn.end` completed the request (`speak_text_async().get()` returned with
/// 0 to 4 of 5 words). Measured on a loaded 2-core machine, 60 turns each: back to back, 1 to 4
/// turns lost events (with every boundary sent before the audio too); 5 ms, 1; 15 ms, 50 ms,
/// none; 100 ms keeps a margin. Turns without boundary events are not delayed.
const BOUNDARIES_SETTLE: std::time::Duration = std::time::Duration::from_millis(100);

/// Render `segments` in `format` and register the result for recognition.
pub(crate) async fn synthesize(
    shared: &Shared,
    segments: &[Segment],
    format: OutputFormat,
) -> Result<Synthesized, String> {
    let rendered = shared.engine.render(segments).await?;
    let rendered = synth::to_rate(&rendered, format.rate);
    let bytes = format.encode(&rendered.samples);
    if !rendered.text.is_empty() {
        let decoded = format.decode(&bytes);
        shared.register_synthesized(&decoded, format.rate, &rendered);
    }
    Ok(Synthesized { bytes, rendered })
}

#[derive(Debug, Clone)]
struct Context {
    id: String,
    format: OutputFormat,
    word_boundaries: bool,
    sentence_boundaries: bool,
    session_end: bool,
    /// Streaming text input: the voice, and the text so far.
    streaming: Option<(String, String)>,
}

struct Session {
    shared: Arc<Shared>,
    config_seen: bool,
    pending: Option<Context>,
    finished: VecDeque<String>,
    /// Messages that arrived during a synthesis, handled after it.
    deferred: VecDeque<String>,
}

fn flag(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// Run a TTS session until the connection ends.
pub(crate) async fn run(mut conn: Conn, shared: Arc<Shared>) {
    let mut session = Session {
        shared,
        config_seen: false,
        pending: None,
        finished: VecDeque::new(),
        deferred: VecDeque::new(),
    };
    if conn.check_faults().await.is_err() {
        return;
    }
    loop {
        while let Some(text) = session.deferred.pop_front() {
            if session.text(&mut conn, &text).await.is_err() {
                return;
            }
        }
        let result = match conn.recv().await {
            Ok(In::Text(text)) => session.text(&mut conn, &text).await,
            Ok(In::Binary(bytes)) => {
                let reason = match usp::parse_binary(&bytes) {
                    Err(e) => frame_error_close(e, true).1,
                    Ok(m) => format!(
                        "Invalid request. Unexpected binary message '{}' on a synthesis connection.",
                        m.path
                    ),
                };
                Err(conn.violation(1007, &reason).await)
            }
            Err(Ended) => return,
        };
        if result.is_err() {
            return;
        }
    }
}

impl Session {
    fn is_finished(&self, id: &str) -> bool {
        self.finished.iter().any(|f| f.eq_ignore_ascii_case(id))
    }

    async fn text(&mut self, conn: &mut Conn, text: &str) -> Result<(), Ended> {
        let Some(message) = conn.read_text(text).await? else {
            return Ok(());
        };
        let path = message.path.to_ascii_lowercase();
        let require_id = path != usp::path::SPEECH_CONFIG;
        if let Err((code, reason)) = check_common_headers(&message.headers, require_id) {
            return Err(conn.violation(code, &reason).await);
        }
        if path == usp::path::SPEECH_CONFIG {
            if self.config_seen {
                return Err(conn
                    .violation(
                        1007,
                        "Invalid request. speech.config was already sent on this connection.",
                    )
                    .await);
            }
            let version = serde_json::from_str::<Value>(message.body).ok().and_then(|b| {
                b.pointer("/context/system/version")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            });
            if version.is_none() {
                return Err(conn
                    .violation(
                        1007,
                        "Invalid request. speech.config must be a JSON object with context.system.version.",
                    )
                    .await);
            }
            self.config_seen = true;
            return Ok(());
        }
        if !self.config_seen {
            return Err(conn
                .violation(
                    1007,
                    "Invalid request. The first message on a connection must be speech.config.",
                )
                .await);
        }
        let id = message.request_id().unwrap_or_default().to_owned();
        match path.as_str() {
            "synthesis.context" => self.context(conn, &id, message.body).await,
            "ssml" => {
                let ct = message.headers.get(header::CONTENT_TYPE);
                if ct.is_none() {
                    return Err(conn.violation(1002, "Missing/Empty header. Content-Type.").await);
                }
                if !content_type_is(ct, usp::content_type::SSML) {
                    return Err(conn
                        .violation(
                            1007,
                            &format!(
                                "Invalid request. ssml has Content-Type {}, not application/ssml+xml.",
                                ct.unwrap_or("")
                            ),
                        )
                        .await);
                }
                let Some(context) = self.take_context(&id) else {
                    return Err(conn
                        .violation(
                            1007,
                            &format!("Invalid request. ssml for X-RequestId {id} without a synthesis.context."),
                        )
                        .await);
                };
                let segments = match ssml::parse(message.body, &self.shared.voices) {
                    Ok(s) => s,
                    Err(e) => return Err(conn.violation(1007, &format!("Invalid SSML. {e}")).await),
                };
                self.speak(conn, context, &segments).await
            }
            "text.piece" | "text.end" => {
                let Some(context) = self.pending.as_mut().filter(|c| c.id.eq_ignore_ascii_case(&id)) else {
                    return Err(conn
                        .violation(
                            1007,
                            &format!("Invalid request. {path} without a streaming synthesis.context."),
                        )
                        .await);
                };
                let Some((voice, text)) = context.streaming.as_mut() else {
                    return Err(conn
                        .violation(
                            1007,
                            "Invalid request. text.piece on a synthesis.context that is not streaming.",
                        )
                        .await);
                };
                if path == "text.piece" {
                    text.push_str(message.body);
                    return Ok(());
                }
                let (voice, text) = (voice.clone(), text.clone());
                let Some(context) = self.take_context(&id) else {
                    return Ok(());
                };
                let escaped = text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
                let ssml_text =
                    format!("<speak version='1.0' xml:lang='en-US'><voice name='{voice}'>{escaped}</voice></speak>");
                let segments = match ssml::parse(&ssml_text, &self.shared.voices) {
                    Ok(s) => s,
                    Err(e) => return Err(conn.violation(1007, &format!("Invalid request. {e}")).await),
                };
                self.speak(conn, context, &segments).await
            }
            "synthesis.control" => Ok(()),
            _ => Err(conn
                .violation(
                    1007,
                    &format!("Invalid request. Unknown message path '{}'.", message.path),
                )
                .await),
        }
    }

    fn take_context(&mut self, id: &str) -> Option<Context> {
        if self.pending.as_ref().is_some_and(|c| c.id.eq_ignore_ascii_case(id)) {
            self.pending.take()
        } else {
            None
        }
    }

    async fn context(&mut self, conn: &mut Conn, id: &str, body: &str) -> Result<(), Ended> {
        if self.is_finished(id) {
            return Err(conn
                .violation(1002, "Invalid request. Reuse of request identifiers is not allowed.")
                .await);
        }
        if let Some(pending) = &self.pending {
            let reason = format!(
                "Invalid request. synthesis.context for {id} while request {} is pending.",
                pending.id
            );
            return Err(conn.violation(1007, &reason).await);
        }
        let Some(body) = serde_json::from_str::<Value>(body).ok().filter(Value::is_object) else {
            return Err(conn
                .violation(1007, "Invalid request. synthesis.context is not a JSON object.")
                .await);
        };
        let Some(name) = body.pointer("/synthesis/audio/outputFormat").and_then(Value::as_str) else {
            return Err(conn
                .violation(
                    1007,
                    "Invalid request. synthesis.context has no synthesis.audio.outputFormat.",
                )
                .await);
        };
        let format = match formats::lookup(name) {
            Lookup::Supported(f) => f,
            Lookup::NotEmulated(n) => {
                return Err(conn
                    .violation(
                        1007,
                        &format!("Unsupported output format {n}: not supported by the emulator (PCM and G.711 only)."),
                    )
                    .await);
            }
            Lookup::Unknown => {
                return Err(conn
                    .violation(1007, &format!("Invalid request. Unknown output format '{name}'."))
                    .await);
            }
        };
        let options = body.pointer("/synthesis/audio/metadataOptions");
        let option = |name: &str| flag(options.and_then(|o| o.get(name)));
        let streaming = if flag(body.pointer("/synthesis/input/bidirectionalStreamingMode")) {
            let voice = body
                .pointer("/synthesis/input/voiceName")
                .and_then(Value::as_str)
                .unwrap_or("en-US-AvaMultilingualNeural")
                .to_owned();
            Some((voice, String::new()))
        } else {
            None
        };
        self.pending = Some(Context {
            id: id.to_owned(),
            format,
            word_boundaries: option("wordBoundaryEnabled"),
            sentence_boundaries: option("sentenceBoundaryEnabled"),
            session_end: options.is_none() || option("sessionEndEnabled"),
            streaming,
        });
        conn.current_request_id = Some(id.to_owned());
        Ok(())
    }

    async fn speak(&mut self, conn: &mut Conn, context: Context, segments: &[Segment]) -> Result<(), Ended> {
        let id = context.id.clone();
        if self.finished.len() >= 512 {
            self.finished.pop_front();
        }
        self.finished.push_back(id.clone());
        let format = context.format;
        let synthesized = match synthesize(&self.shared, segments, format).await {
            Ok(s) => s,
            Err(e) => {
                tracing::error!("synthesis failed: {e}");
                return Err(conn.close(1011, "Internal server error. Synthesis failed.").await);
            }
        };
        let tag = random_hex(16);
        let stream_id = random_hex(16).to_ascii_uppercase();
        conn.send_text(
            usp::path::TURN_START,
            &id,
            &json!({"context": {"serviceTag": tag}}).to_string(),
        )
        .await?;
        conn.send_text(
            usp::path::RESPONSE,
            &id,
            &json!({"context": {"serviceTag": tag}, "audio": {"type": "inline", "streamId": stream_id}}).to_string(),
        )
        .await?;
        let rate = u64::from(format.rate);
        let ticks = |samples: usize| samples as u64 * 10_000_000 / rate;
        let sample_bytes = format.sample_bytes();
        let mut audio = if format.riff {
            format.riff_header(synthesized.bytes.len())
        } else {
            Vec::new()
        };
        let header_len = audio.len();
        audio.extend_from_slice(&synthesized.bytes);
        let rendered = &synthesized.rendered;
        let mut boundaries: Vec<(usize, Value)> = Vec::new();
        if context.word_boundaries {
            for w in &rendered.words {
                boundaries.push((
                    w.start,
                    json!({"Type": "WordBoundary", "Data": {"Offset": ticks(w.start), "Duration": ticks(w.len),
                        "text": {"Text": w.text, "Length": w.text.chars().count(), "BoundaryType": "WordBoundary"}}}),
                ));
            }
        }
        if context.sentence_boundaries {
            for s in &rendered.sentences {
                boundaries.push((
                    s.start,
                    json!({"Type": "SentenceBoundary", "Data": {"Offset": ticks(s.start), "Duration": ticks(s.len),
                        "text": {"Text": s.text, "Length": s.text.chars().count(), "BoundaryType": "SentenceBoundary"}}}),
                ));
            }
        }
        boundaries.sort_by_key(|(start, _)| *start);
        let announces_boundaries = !boundaries.is_empty();
        let mut boundaries = boundaries.into_iter().peekable();
        let chunk = 8192 - 8192 % sample_bytes.max(1);
        let mut sent = 0usize;
        let mut stopped = false;
        while sent < audio.len() {
            let end = (sent + chunk).min(audio.len());
            let end_sample = end.saturating_sub(header_len) / sample_bytes.max(1);
            let mut metadata = Vec::new();
            while let Some((start, _)) = boundaries.peek() {
                if *start < end_sample {
                    if let Some((_, item)) = boundaries.next() {
                        metadata.push(item);
                    }
                } else {
                    break;
                }
            }
            if !metadata.is_empty() {
                conn.send_text(
                    usp::path::AUDIO_METADATA,
                    &id,
                    &json!({"Metadata": metadata}).to_string(),
                )
                .await?;
            }
            conn.send_audio(&id, &stream_id, format.name, &audio[sent..end]).await?;
            sent = end;
            // A stop request may be waiting.
            match conn.try_recv().await {
                None => {}
                Some(Err(e)) => return Err(e),
                Some(Ok(In::Text(text))) => {
                    let stop = usp::parse_text(&text).ok().is_some_and(|m| {
                        m.path.eq_ignore_ascii_case("synthesis.control")
                            && serde_json::from_str::<Value>(m.body)
                                .ok()
                                .and_then(|b| b.get("action").and_then(Value::as_str).map(str::to_owned))
                                .is_some_and(|a| a.eq_ignore_ascii_case("stop"))
                    });
                    if stop {
                        stopped = true;
                        break;
                    }
                    // Anything else during synthesis is handled after it.
                    self.deferred.push_back(text);
                }
                Some(Ok(In::Binary(_))) => {
                    return Err(conn
                        .violation(
                            1007,
                            "Invalid request. Unexpected binary message on a synthesis connection.",
                        )
                        .await);
                }
            }
        }
        if context.session_end {
            let played = sent.saturating_sub(header_len) / sample_bytes.max(1);
            let total = if stopped { played } else { rendered.samples.len() };
            conn.send_text(
                usp::path::AUDIO_METADATA,
                &id,
                &json!({"Metadata": [{"Type": "SessionEnd", "Data": {"Offset": ticks(total)}}]}).to_string(),
            )
            .await?;
        }
        if announces_boundaries {
            tokio::time::sleep(BOUNDARIES_SETTLE).await;
        }
        conn.send_text(usp::path::TURN_END, &id, "{}").await
    }
}
