//! The speech-to-text WebSocket session.
//!
//! Client messages are checked as listed in sdk-capture-detailed §10 items 5–11 and usp.md §10:
//!
//! | check | violation |
//! |---|---|
//! | text frame has `\r\n\r\n`; binary prefix fits; header lines well formed (codec) | 1007 `Incorrect message format. …` |
//! | `Path` present | 1002 `Missing/Empty header. Path.` |
//! | `X-Timestamp` present, ISO-8601 UTC with 3–7 fraction digits and `Z` | 1002 |
//! | `X-RequestId` on every message but `speech.config`/`telemetry`, 32 hex digits | 1002 |
//! | `X-StreamId`, when present, a decimal number | 1002 |
//! | `speech.config` first, once, JSON with `context.system.version` | 1007 |
//! | `speech.context` starts each turn, JSON object, not during a turn, id not reused | 1007 / 1002 (reuse) |
//! | `speech.context` `languageId`: 1–4 supported locales (`DetectAtAudioStart`), 1–10 (`DetectContinuous`) | 1007 |
//! | audio only for a turn started by `speech.context` | 1007 |
//! | first audio of a turn: `Content-Type: audio/x-wav`, 44-byte RIFF header, 16-bit PCM, matching `speech.config` | 1007 |
//! | later audio: no `Content-Type`, ≤ 8192 bytes, whole sample frames; empty = end of audio | 1007 |
//! | `telemetry` accepted at any time, never answered | – |
//!
//! Replies follow the SDK crash-hazard rules (usp.md §3): exact header names, a blank line and a
//! JSON body on every text message, the client's `X-RequestId` echoed byte-identical,
//! `turn.start` first and a `speech.phrase` before every `turn.end`. Interactive turns end after
//! the first phrase (`speech.endDetected`, `speech.phrase`, `turn.end`); conversation and
//! dictation turns keep sending phrases while audio arrives and end after the empty audio
//! message (`speech.endDetected`, an `EndOfDictation` phrase covering trailing audio, `turn.end`).
//! A `/speech/universal/v2` turn whose `speech.context` names no mode is interactive.

use std::collections::VecDeque;
use std::sync::Arc;

use azspeech_component::usp::{self, header, wav};
use serde_json::{Value, json};

use crate::config::RecognitionTuning;
use crate::dsp::{self, Resampler};
use crate::emulator::Shared;
use crate::hosts::PathMode;
use crate::languages::{self, LanguageId};
use crate::recognizer::{Detector, Event, Phrase, Status};
use crate::tokens::random_hex;
use crate::ws::{Conn, Ended, In, check_common_headers, content_type_is, frame_error_close};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Interactive,
    Conversation,
    Dictation,
}

struct Turn {
    id: String,
    mode: Mode,
    language_id: Option<LanguageId>,
    detailed: bool,
    word_timings: bool,
    format: Option<wav::WavFormat>,
    resampler: Option<Resampler>,
    detector: Detector,
    started: bool,
    done: bool,
}

struct Session {
    shared: Arc<Shared>,
    path_mode: PathMode,
    query_detailed: bool,
    query_word_timings: bool,
    query_initial_silence_ms: Option<u32>,
    query_segmentation_ms: Option<u32>,
    config_seen: bool,
    declared: (Option<u32>, Option<u16>, Option<u16>),
    turn: Option<Turn>,
    finished: VecDeque<String>,
    /// The language identified at the start of the audio (`DetectAtAudioStart`): it holds for
    /// the rest of the connection.
    language_at_start: Option<String>,
}

fn number(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Run an STT session until the connection ends.
pub(crate) async fn run(mut conn: Conn, shared: Arc<Shared>, path_mode: PathMode, query: Vec<(String, String)>) {
    let q = |name: &str| crate::auth::query_value(&query, name).map(str::to_ascii_lowercase);
    let mut session = Session {
        shared,
        path_mode,
        query_detailed: q("format").as_deref() == Some("detailed"),
        query_word_timings: q("wordLevelTimestamps").as_deref() == Some("true"),
        query_initial_silence_ms: q("initialSilenceTimeoutMs").and_then(|v| v.parse().ok()),
        query_segmentation_ms: q("segmentationSilenceTimeoutMs").and_then(|v| v.parse().ok()),
        config_seen: false,
        declared: (None, None, None),
        turn: None,
        finished: VecDeque::new(),
        language_at_start: None,
    };
    if conn.check_faults().await.is_err() {
        return;
    }
    loop {
        let result = match conn.recv().await {
            Ok(In::Text(text)) => session.text(&mut conn, &text).await,
            Ok(In::Binary(bytes)) => session.binary(&mut conn, &bytes).await,
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

    fn finish_turn_id(&mut self, id: &str) {
        if self.finished.len() >= 512 {
            self.finished.pop_front();
        }
        self.finished.push_back(id.to_owned());
    }

    async fn text(&mut self, conn: &mut Conn, text: &str) -> Result<(), Ended> {
        let Some(message) = conn.read_text(text).await? else {
            return Ok(());
        };
        let path = message.path.to_ascii_lowercase();
        if path == usp::path::SPEECH_CONFIG {
            if let Err((code, reason)) = check_common_headers(&message.headers, false) {
                return Err(conn.violation(code, &reason).await);
            }
            if self.config_seen {
                return Err(conn
                    .violation(
                        1007,
                        "Invalid request. speech.config was already sent on this connection.",
                    )
                    .await);
            }
            if let Some(ct) = message.headers.get(header::CONTENT_TYPE)
                && !content_type_is(Some(ct), usp::content_type::JSON)
            {
                return Err(conn
                    .violation(
                        1007,
                        &format!("Invalid request. speech.config has Content-Type {ct}, not application/json."),
                    )
                    .await);
            }
            let body: Option<Value> = serde_json::from_str(message.body).ok();
            let version = body
                .as_ref()
                .and_then(|b| b.pointer("/context/system/version"))
                .and_then(Value::as_str);
            if version.is_none() {
                return Err(conn
                    .violation(
                        1007,
                        "Invalid request. speech.config must be a JSON object with context.system.version.",
                    )
                    .await);
            }
            if let Some(source) = body.as_ref().and_then(|b| b.pointer("/context/audio/source")) {
                self.declared = (
                    number(source.get("samplerate")).and_then(|v| u32::try_from(v).ok()),
                    number(source.get("bitspersample")).and_then(|v| u16::try_from(v).ok()),
                    number(source.get("channelcount")).and_then(|v| u16::try_from(v).ok()),
                );
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
        if path != usp::path::SPEECH_CONTEXT {
            return Err(conn
                .violation(
                    1007,
                    &format!("Invalid request. Unknown message path '{}'.", message.path),
                )
                .await);
        }
        if let Err((code, reason)) = check_common_headers(&message.headers, true) {
            return Err(conn.violation(code, &reason).await);
        }
        if let Some(ct) = message.headers.get(header::CONTENT_TYPE)
            && !content_type_is(Some(ct), usp::content_type::JSON)
        {
            return Err(conn
                .violation(
                    1007,
                    &format!("Invalid request. speech.context has Content-Type {ct}, not application/json."),
                )
                .await);
        }
        let id = message.request_id().unwrap_or_default().to_owned();
        if let Some(turn) = &self.turn
            && !turn.done
        {
            let reason = format!("Invalid request. speech.context while turn {} is in progress.", turn.id);
            return Err(conn.violation(1007, &reason).await);
        }
        if self.is_finished(&id) {
            return Err(conn
                .violation(1002, "Invalid request. Reuse of request identifiers is not allowed.")
                .await);
        }
        let Some(body) = serde_json::from_str::<Value>(message.body)
            .ok()
            .filter(Value::is_object)
        else {
            return Err(conn
                .violation(1007, "Invalid request. speech.context is not a JSON object.")
                .await);
        };
        let language_id = match LanguageId::from_context(&body) {
            Ok(language_id) => language_id,
            Err(reason) => return Err(conn.violation(1007, &reason).await),
        };
        let mut turn = self.new_turn(id.clone(), &body);
        turn.language_id = language_id;
        self.turn = Some(turn);
        conn.current_request_id = Some(id);
        Ok(())
    }

    fn new_turn(&self, id: String, body: &Value) -> Turn {
        let mode_text = body
            .pointer("/phraseDetection/mode")
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase);
        let mode = match mode_text.as_deref() {
            Some("interactive") => Mode::Interactive,
            Some("conversation") => Mode::Conversation,
            Some("dictation") => Mode::Dictation,
            _ => match self.path_mode {
                PathMode::Interactive | PathMode::Universal => Mode::Interactive,
                PathMode::Conversation => Mode::Conversation,
                PathMode::Dictation => Mode::Dictation,
            },
        };
        let detailed = self.query_detailed
            || body
                .pointer("/phraseOutput/format")
                .and_then(Value::as_str)
                .is_some_and(|f| f.eq_ignore_ascii_case("detailed"));
        let word_timings = self.query_word_timings
            || body
                .pointer("/phraseOutput/detailed/options")
                .and_then(Value::as_array)
                .is_some_and(|o| o.iter().any(|v| v.as_str() == Some("WordTimings")));
        let mut tuning: RecognitionTuning = self.shared.config.recognition;
        if let Some(ms) = number(body.pointer("/phraseDetection/initialSilenceTimeout"))
            .and_then(|v| u32::try_from(v).ok())
            .or(self.query_initial_silence_ms)
        {
            tuning.initial_silence_timeout_ms = ms;
        }
        let mode_key = match mode {
            Mode::Interactive => "interactive",
            Mode::Conversation => "conversation",
            Mode::Dictation => "dictation",
        };
        if let Some(ms) = number(body.pointer(&format!(
            "/phraseDetection/{mode_key}/segmentation/segmentationSilenceTimeoutMs"
        )))
        .and_then(|v| u32::try_from(v).ok())
        .or(self.query_segmentation_ms)
        {
            tuning.segmentation_silence_ms = ms.clamp(100, 5000);
        }
        let continuous = mode != Mode::Interactive;
        Turn {
            id,
            mode,
            language_id: None,
            detailed,
            word_timings,
            format: None,
            resampler: None,
            detector: Detector::new(self.shared.registry.clone(), tuning, continuous),
            started: false,
            done: false,
        }
    }

    async fn binary(&mut self, conn: &mut Conn, bytes: &[u8]) -> Result<(), Ended> {
        let message = match usp::parse_binary(bytes) {
            Ok(m) => m,
            Err(e) => {
                let (code, reason) = frame_error_close(e, true);
                return Err(conn.violation(code, &reason).await);
            }
        };
        conn.log_in(&format!(
            "{} {} {} bytes",
            message.path,
            message.request_id().unwrap_or("-"),
            message.payload.len()
        ));
        if !message.path.eq_ignore_ascii_case(usp::path::AUDIO) {
            return Err(conn
                .violation(
                    1007,
                    &format!(
                        "Invalid request. Binary messages must have Path audio, not '{}'.",
                        message.path
                    ),
                )
                .await);
        }
        if let Err((code, reason)) = check_common_headers(&message.headers, true) {
            return Err(conn.violation(code, &reason).await);
        }
        if let Some(stream) = message.headers.get(header::STREAM_ID)
            && (stream.is_empty() || !stream.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(conn
                .violation(
                    1002,
                    &format!("Invalid request. X-StreamId header value '{stream}' is not a number."),
                )
                .await);
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
        let current = self.turn.as_ref().is_some_and(|t| t.id.eq_ignore_ascii_case(&id));
        if !current || self.turn.as_ref().is_some_and(|t| t.done) {
            if current || self.is_finished(&id) {
                // Audio still in flight for a turn that already ended (the client sends faster
                // than the service answers, and JS sends a second empty frame after turn.end).
                tracing::debug!(connection = %conn.connection_id, "audio for finished turn {id} ignored");
                return Ok(());
            }
            return Err(conn
                .violation(
                    1007,
                    &format!("Invalid request. Audio for X-RequestId {id}, which no speech.context started."),
                )
                .await);
        }
        let content_type = message.headers.get(header::CONTENT_TYPE);
        let payload = message.payload;
        let Some(turn) = self.turn.as_mut() else {
            return Ok(());
        };
        let format = match turn.format {
            Some(format) => {
                if payload.is_empty() {
                    return self.end_of_audio(conn).await;
                }
                if let Some(ct) = content_type {
                    return Err(conn
                        .violation(
                            1007,
                            &format!("Invalid request. Only the first audio message of a turn carries a Content-Type (got {ct})."),
                        )
                        .await);
                }
                if payload.len() > 8192 {
                    return Err(conn
                        .violation(
                            1007,
                            &format!(
                                "Invalid request. Audio message of {} bytes; at most 8192 are allowed.",
                                payload.len()
                            ),
                        )
                        .await);
                }
                format
            }
            None => {
                if payload.is_empty() {
                    return self.end_of_audio(conn).await;
                }
                let format = match self.check_header(content_type, payload) {
                    Ok(f) => f,
                    Err(reason) => return Err(conn.violation(1007, &reason).await),
                };
                let Some(turn) = self.turn.as_mut() else {
                    return Ok(());
                };
                turn.format = Some(format);
                if format.sample_rate != dsp::RATE {
                    turn.resampler = Some(Resampler::new(format.sample_rate, dsp::RATE));
                }
                turn.started = true;
                let id = turn.id.clone();
                // For benchmarks (process start to the first audio frame on the wire), off
                // unless the log filter enables this target: `azspeech --log-level
                // warn,azspeech_emulator::first_audio=info emulator ...`.
                tracing::info!(
                    target: "azspeech_emulator::first_audio",
                    connection = %conn.connection_id,
                    unix_us = unix_micros(),
                    "first audio of a turn"
                );
                let tag = random_hex(16);
                conn.send_text(
                    usp::path::TURN_START,
                    &id,
                    &json!({"context": {"serviceTag": tag}}).to_string(),
                )
                .await?;
                let rest = &payload[wav::WAV_HEADER_LEN..];
                if rest.is_empty() {
                    return Ok(());
                }
                return self.audio(conn, format, rest).await;
            }
        };
        let block = usize::from(format.block_align()).max(1);
        if payload.len() % block != 0 {
            return Err(conn
                .violation(
                    1007,
                    &format!(
                        "Invalid audio. A message of {} bytes is not a whole number of {block}-byte sample frames.",
                        payload.len()
                    ),
                )
                .await);
        }
        self.audio(conn, format, payload).await
    }

    fn check_header(&self, content_type: Option<&str>, payload: &[u8]) -> Result<wav::WavFormat, String> {
        if !content_type_is(content_type, usp::content_type::WAV) {
            return Err(format!(
                "Invalid request. The first audio message of a turn must be a RIFF/WAVE header with Content-Type audio/x-wav (got {}).",
                content_type.unwrap_or("none")
            ));
        }
        if payload.len() < wav::WAV_HEADER_LEN {
            return Err(format!(
                "Invalid audio format. The first audio message has {} bytes; a RIFF/WAVE header has 44.",
                payload.len()
            ));
        }
        let parsed = wav::parse_wav_header(&payload[..wav::WAV_HEADER_LEN])
            .map_err(|e| format!("Invalid audio format. {e}."))?;
        let f = parsed.format;
        if f.encoding != wav::WavEncoding::Pcm {
            return Err(
                "Unsupported audio format. A-law and mu-law input are not supported by the emulator.".to_owned(),
            );
        }
        if f.bits_per_sample != 16 {
            return Err(format!(
                "Unsupported audio format. {}-bit PCM; the emulator accepts 16-bit PCM.",
                f.bits_per_sample
            ));
        }
        if f.channels == 0 || f.channels > 8 || !(8000..=48000).contains(&f.sample_rate) {
            return Err(format!(
                "Invalid audio format. {} channels at {} Hz.",
                f.channels, f.sample_rate
            ));
        }
        let (rate, bits, channels) = self.declared;
        if rate.is_some_and(|r| r != f.sample_rate)
            || bits.is_some_and(|b| b != f.bits_per_sample)
            || channels.is_some_and(|c| c != f.channels)
        {
            let show = |v: Option<String>| v.unwrap_or_else(|| "?".to_owned());
            return Err(format!(
                "Invalid audio format. WAV header {} Hz/{} bit/{} ch does not match speech.config {} Hz/{} bit/{} ch.",
                f.sample_rate,
                f.bits_per_sample,
                f.channels,
                show(rate.map(|v| v.to_string())),
                show(bits.map(|v| v.to_string())),
                show(channels.map(|v| v.to_string())),
            ));
        }
        Ok(f)
    }

    async fn audio(&mut self, conn: &mut Conn, format: wav::WavFormat, pcm: &[u8]) -> Result<(), Ended> {
        let Some(turn) = self.turn.as_mut() else {
            return Ok(());
        };
        let channels = usize::from(format.channels).max(1);
        let mono: Vec<i16> = pcm
            .chunks_exact(2 * channels)
            .map(|frame| {
                let sum: i32 = frame
                    .chunks_exact(2)
                    .map(|c| i32::from(i16::from_le_bytes([c[0], c[1]])))
                    .sum();
                (sum / channels as i32) as i16
            })
            .collect();
        let samples = match turn.resampler.as_mut() {
            Some(r) => r.push(&mono),
            None => mono,
        };
        let events = turn.detector.push(&samples);
        self.send_events(conn, events).await
    }

    async fn send_events(&mut self, conn: &mut Conn, events: Vec<Event>) -> Result<(), Ended> {
        let Some(turn) = self.turn.as_mut() else {
            return Ok(());
        };
        let id = turn.id.clone();
        for event in events {
            match event {
                Event::StartDetected { offset } => {
                    conn.send_text(
                        usp::path::SPEECH_START_DETECTED,
                        &id,
                        &json!({"Offset": offset}).to_string(),
                    )
                    .await?;
                }
                Event::Hypothesis { text, offset, duration } => {
                    let body = json!({"Text": text, "Offset": offset, "Duration": duration});
                    conn.send_text(usp::path::SPEECH_HYPOTHESIS, &id, &body.to_string())
                        .await?;
                }
                Event::Phrase(phrase) => {
                    let language = identify(turn.language_id.as_ref(), &phrase, &mut self.language_at_start);
                    let body = phrase_json(&phrase, turn.detailed, turn.word_timings, language.as_deref());
                    if turn.mode == Mode::Interactive {
                        let end = phrase.offset + phrase.duration;
                        conn.send_text(usp::path::SPEECH_END_DETECTED, &id, &json!({"Offset": end}).to_string())
                            .await?;
                        conn.send_text(usp::path::SPEECH_PHRASE, &id, &body).await?;
                        conn.send_text(usp::path::TURN_END, &id, "{}").await?;
                        turn.done = true;
                        self.finish_turn_id(&id);
                        return Ok(());
                    }
                    conn.send_text(usp::path::SPEECH_PHRASE, &id, &body).await?;
                }
            }
        }
        Ok(())
    }

    async fn end_of_audio(&mut self, conn: &mut Conn) -> Result<(), Ended> {
        let Some(turn) = self.turn.as_mut() else {
            return Ok(());
        };
        let id = turn.id.clone();
        if !turn.started {
            turn.started = true;
            let tag = random_hex(16);
            conn.send_text(
                usp::path::TURN_START,
                &id,
                &json!({"context": {"serviceTag": tag}}).to_string(),
            )
            .await?;
        }
        let mut events = Vec::new();
        if let Some(r) = turn.resampler.as_mut() {
            let tail = r.finish();
            events.extend(turn.detector.push(&tail));
        }
        events.extend(turn.detector.finish());
        if turn.mode == Mode::Interactive {
            return self.send_events(conn, events).await;
        }
        let received = turn.detector.received_ticks();
        let (tail, rest): (Vec<Event>, Vec<Event>) = events
            .into_iter()
            .partition(|e| matches!(e, Event::Phrase(p) if p.status == Status::EndOfDictation));
        self.send_events(conn, rest).await?;
        let Some(turn) = self.turn.as_mut() else {
            return Ok(());
        };
        let detailed = turn.detailed;
        let unknown = turn.language_id.as_ref().map(|_| languages::UNKNOWN);
        conn.send_text(
            usp::path::SPEECH_END_DETECTED,
            &id,
            &json!({"Offset": received}).to_string(),
        )
        .await?;
        for event in tail {
            if let Event::Phrase(p) = event {
                conn.send_text(
                    usp::path::SPEECH_PHRASE,
                    &id,
                    &phrase_json(&p, detailed, false, unknown),
                )
                .await?;
            }
        }
        conn.send_text(usp::path::TURN_END, &id, "{}").await?;
        if let Some(turn) = self.turn.as_mut() {
            turn.done = true;
        }
        self.finish_turn_id(&id);
        Ok(())
    }
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// The language a phrase is reported in: none without language identification; continuous
/// identification names each recognized phrase's own language; at the start of the audio the
/// first recognized phrase decides for the connection. Unrecognized phrases are `Unknown`.
fn identify(language_id: Option<&LanguageId>, phrase: &Phrase, at_start: &mut Option<String>) -> Option<String> {
    let language_id = language_id?;
    if phrase.status != Status::Success {
        return Some(languages::UNKNOWN.to_owned());
    }
    if language_id.continuous {
        return Some(language_id.identify(phrase.locale.as_deref()));
    }
    Some(
        at_start
            .get_or_insert_with(|| language_id.identify(phrase.locale.as_deref()))
            .clone(),
    )
}

/// The `speech.phrase` body (simple or detailed; usp.md §5.1, sdk-capture-detailed §10 item 15),
/// with `PrimaryLanguage` when the language is identified.
fn phrase_json(p: &Phrase, detailed: bool, word_timings: bool, language: Option<&str>) -> String {
    let mut v = json!({
        "Id": random_hex(16),
        "RecognitionStatus": p.status.as_str(),
        "Offset": p.offset,
        "Duration": p.duration,
        "Channel": 0,
        "DisplayText": p.display,
    });
    if detailed && p.status == Status::Success {
        let mut best = json!({
            "Confidence": round4(p.confidence),
            "Lexical": p.lexical,
            "ITN": p.lexical,
            "MaskedITN": p.lexical,
            "Display": p.display,
        });
        if word_timings {
            best["Words"] = p
                .words
                .iter()
                .map(|(word, offset, duration)| {
                    json!({"Word": word, "Offset": offset, "Duration": duration, "Confidence": round4(p.confidence)})
                })
                .collect();
        }
        v["NBest"] = json!([best]);
    }
    if let Some(language) = language {
        let confidence = if language == languages::UNKNOWN {
            "Unknown"
        } else {
            "High"
        };
        v["PrimaryLanguage"] = json!({"Language": language, "Confidence": confidence});
    }
    v.to_string()
}

/// The wall clock in microseconds since the Unix epoch (0 if the clock is before it), to compare
/// with a benchmark's own clock in another process.
fn unix_micros() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros())
}
