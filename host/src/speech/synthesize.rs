//! Text-to-speech: send what the core frames, hand audio to a [`SynthesisSink`] (a file, a pipe,
//! a speaker) as it arrives.
//!
//! Binary audio frames are not copied into the core: only their header block goes in
//! (`receive-binary-head`), and the core answers with the range of the frame that holds audio.
//! Long plain text is split at sentence boundaries by the core and synthesized as consecutive
//! turns on one connection; offsets of later turns are shifted by the audio already written, so
//! the output is one seamless stream with consistent boundary timings.

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

use super::{SessionError, SpeechClient, fresh_id, to_message};
use crate::audio::output::AudioWriter;
use crate::clock::{Clock, SystemClock};
use crate::core_runtime::{FormatInfo, RequestKind, SynthesisEvent, SynthesisOptions, WsMessage};

/// Longest plain-text piece sent in one request (characters); longer text is split at sentence
/// boundaries. The service caps one request's audio at 10 minutes.
pub const MAX_REQUEST_CHARS: u32 = 3000;

/// Where synthesized audio goes, chunk by chunk as it arrives.
pub trait SynthesisSink {
    /// Take the next piece of audio (raw samples for `riff-*` / `raw-*` formats, encoded bytes
    /// otherwise). May wait, e.g. while a speaker's queue is full.
    fn write(&mut self, audio: &[u8]) -> impl Future<Output = Result<(), SessionError>>;
}

impl SynthesisSink for AudioWriter {
    async fn write(&mut self, audio: &[u8]) -> Result<(), SessionError> {
        Ok(AudioWriter::write(self, audio)?)
    }
}

/// What to synthesize.
#[derive(Debug, Clone)]
pub enum SpeechInput {
    /// Plain text; the core escapes it into SSML.
    Text(String),
    /// SSML, passed through after a well-formedness check.
    Ssml(String),
}

/// An event with its offset shifted to the whole output's timeline.
#[derive(Debug, Clone)]
pub struct TimedEvent {
    /// The event from the core (boundary offsets already shifted).
    pub event: SynthesisEvent,
    /// Audio bytes written before this event.
    pub audio_bytes_before: u64,
}

/// What synthesis produced.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SynthesizeSummary {
    /// Audio bytes written.
    pub audio_bytes: u64,
    /// Requests (turns) made.
    pub requests: usize,
}

/// 100-ns ticks of audio in `bytes` of 16-bit mono PCM at `sample_rate` (0 for compressed formats).
fn pcm_ticks(format: &FormatInfo, bytes: u64) -> u64 {
    if format.sample_rate == 0 || format.encoding != crate::core_runtime::AudioEncoding::Pcm {
        return 0;
    }
    bytes.saturating_mul(10_000_000) / (u64::from(format.sample_rate) * 2)
}

fn shift(event: SynthesisEvent, ticks: u64) -> SynthesisEvent {
    match event {
        SynthesisEvent::WordBoundary(mut b) => {
            b.offset += ticks;
            SynthesisEvent::WordBoundary(b)
        }
        SynthesisEvent::PunctuationBoundary(mut b) => {
            b.offset += ticks;
            SynthesisEvent::PunctuationBoundary(b)
        }
        SynthesisEvent::SentenceBoundary(mut b) => {
            b.offset += ticks;
            SynthesisEvent::SentenceBoundary(b)
        }
        SynthesisEvent::SessionEnd(offset) => SynthesisEvent::SessionEnd(offset + ticks),
        other => other,
    }
}

impl SpeechClient<'_> {
    /// Synthesize `input` into `sink`, calling `on_event` for every event.
    pub async fn synthesize(
        &self,
        input: &SpeechInput,
        options: &SynthesisOptions,
        format: &FormatInfo,
        sink: &mut impl SynthesisSink,
        mut on_event: impl FnMut(&TimedEvent),
    ) -> Result<SynthesizeSummary, SessionError> {
        let clock = SystemClock;
        let mut core = self.runtime.instantiate()?;
        let pieces: Vec<String> = match input {
            SpeechInput::Text(text) => core.synthesis_split_text(text, MAX_REQUEST_CHARS)?,
            SpeechInput::Ssml(ssml) => vec![ssml.clone()],
        };
        let session = core.synthesis_session(self.settings, options)?;
        let socket = self.connect(&mut core, RequestKind::TtsWebsocket).await?;
        let (mut socket_sink, mut stream) = socket.split();
        let mut written: u64 = 0;
        let network = |error: tokio_tungstenite::tungstenite::Error| SessionError::Network(error.to_string());
        let mut summary = SynthesizeSummary::default();
        for piece in &pieces {
            let request_id = fresh_id();
            let frames = match input {
                SpeechInput::Text(_) => core.synthesis_speak_text(session, clock.now_ms(), &request_id, piece)?,
                SpeechInput::Ssml(_) => core.synthesis_speak_ssml(session, clock.now_ms(), &request_id, piece)?,
            }
            .map_err(SessionError::service)?;
            for frame in frames {
                socket_sink.send(to_message(frame)).await.map_err(network)?;
            }
            summary.requests += 1;
            let turn_base = pcm_ticks(format, written);
            loop {
                let events = match stream.next().await {
                    Some(Ok(Message::Text(text))) => {
                        core.synthesis_receive(session, clock.now_ms(), &WsMessage::Text(text.as_str().to_owned()))?
                    }
                    Some(Ok(Message::Binary(frame))) => {
                        let head_len = frame
                            .get(..2)
                            .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
                            .unwrap_or(0);
                        let head = frame.get(..(2 + head_len).min(frame.len())).unwrap_or_default();
                        let events = core
                            .synthesis_receive_binary_head(session, clock.now_ms(), head, frame.len() as u32)?
                            .map_err(SessionError::service)?;
                        for event in &events {
                            if let SynthesisEvent::Audio(range) = event {
                                let start = range.start as usize;
                                let end = start + range.len as usize;
                                if let Some(audio) = frame.get(start..end) {
                                    sink.write(audio).await?;
                                    written += audio.len() as u64;
                                }
                            }
                        }
                        Ok(events)
                    }
                    Some(Ok(Message::Close(frame))) => {
                        let (code, reason) = frame
                            .map(|f| (u16::from(f.code), f.reason.as_str().to_owned()))
                            .unwrap_or((1005, String::new()));
                        return Err(SessionError::service(core.classify_close(code, &reason)?));
                    }
                    Some(Ok(_)) => continue,
                    Some(Err(error)) => return Err(SessionError::Network(error.to_string())),
                    None => {
                        return Err(SessionError::Network(
                            "the service closed the connection mid-synthesis".into(),
                        ));
                    }
                }
                .map_err(SessionError::service)?;
                let mut ended = false;
                for event in events {
                    ended |= matches!(event, SynthesisEvent::TurnEnded);
                    let timed = TimedEvent {
                        event: shift(event, turn_base),
                        audio_bytes_before: written,
                    };
                    on_event(&timed);
                }
                if ended {
                    break;
                }
            }
        }
        let _ = socket_sink.send(Message::Close(None)).await;
        summary.audio_bytes = written;
        Ok(summary)
    }
}
