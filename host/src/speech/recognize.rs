//! Speech-to-text: stream PCM from a [`RecognitionAudio`] source (a WAV file or, with the
//! `microphone` feature, a microphone) through a recognition session.
//!
//! The loop does three things and nothing else:
//! 1. sends what the core frames (`speech.config`, `speech.context`, the WAV header, each audio
//!    chunk as `core header ++ pcm`, the end-of-audio frame);
//! 2. feeds every received message to the core and hands its events to the caller as they come;
//! 3. keeps the audio the service has not acknowledged yet in a bounded replay buffer, and stops
//!    reading the source while the core reports backpressure (the service is behind by more than
//!    the session's limit), so memory stays flat however long the file is.

use std::collections::VecDeque;

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

use super::{SessionError, SpeechClient, fresh_id, to_message};
use crate::audio::input::PcmSource;
use crate::clock::{Clock, SystemClock};
use crate::core_runtime::{
    AudioError, AudioFormat, CoreInstance, RecognitionEvent, RecognitionOptions, RequestKind, ResourceAny, WsMessage,
};

/// Where recognition audio comes from: 16-bit mono PCM at [`RecognitionAudio::sample_rate`].
pub trait RecognitionAudio {
    /// 16 000 or 8 000.
    fn sample_rate(&self) -> u32;

    /// Up to `max_bytes` (whole samples) of PCM; empty at the end of the audio. The future must
    /// be cancel safe: dropping it before it completes loses no audio.
    fn next_chunk(&mut self, max_bytes: usize) -> impl Future<Output = Result<Vec<u8>, SessionError>>;
}

impl RecognitionAudio for PcmSource {
    fn sample_rate(&self) -> u32 {
        PcmSource::sample_rate(self)
    }

    /// Reads the file synchronously: the future does its work on its first poll, so a future
    /// that is dropped unpolled has read nothing.
    async fn next_chunk(&mut self, max_bytes: usize) -> Result<Vec<u8>, SessionError> {
        let mut pcm = Vec::with_capacity(max_bytes);
        self.read_pcm(max_bytes, &mut pcm)?;
        Ok(pcm)
    }
}

#[cfg(feature = "microphone")]
impl RecognitionAudio for crate::audio::microphone::Microphone {
    fn sample_rate(&self) -> u32 {
        crate::audio::microphone::Microphone::sample_rate(self)
    }

    async fn next_chunk(&mut self, max_bytes: usize) -> Result<Vec<u8>, SessionError> {
        Ok(crate::audio::microphone::Microphone::next_chunk(self, max_bytes).await?)
    }
}

/// PCM bytes per audio message: 100 ms at 16 kHz, as the official SDK sends.
pub const CHUNK_BYTES: usize = 3200;

/// What happened, for the exit code.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RecognizeSummary {
    /// Phrases with recognized speech.
    pub recognized: usize,
    /// Phrases without (no match, silence).
    pub unrecognized: usize,
    /// PCM bytes sent.
    pub sent_bytes: u64,
}

/// The replay buffer: audio sent but not yet acknowledged, with its absolute stream offset.
#[derive(Debug, Default)]
struct ReplayBuffer {
    chunks: VecDeque<(u64, Vec<u8>)>,
    bytes: usize,
}

impl ReplayBuffer {
    fn push(&mut self, offset: u64, pcm: Vec<u8>) {
        self.bytes += pcm.len();
        self.chunks.push_back((offset, pcm));
    }

    /// Drop every chunk that ends at or before `acknowledged`.
    fn release(&mut self, acknowledged: u64) {
        while let Some((offset, pcm)) = self.chunks.front() {
            if offset + pcm.len() as u64 > acknowledged {
                break;
            }
            self.bytes -= pcm.len();
            self.chunks.pop_front();
        }
    }
}

impl SpeechClient<'_> {
    /// Recognize `source`, calling `on_event` for every event as it arrives.
    pub async fn recognize(
        &self,
        source: &mut impl RecognitionAudio,
        options: &RecognitionOptions,
        mut on_event: impl FnMut(&RecognitionEvent),
    ) -> Result<RecognizeSummary, SessionError> {
        let clock = SystemClock;
        let mut core: CoreInstance = self.runtime.instantiate()?;
        let options = RecognitionOptions {
            audio: AudioFormat {
                sample_rate: source.sample_rate(),
                bits_per_sample: 16,
                channels: 1,
            },
            ..options.clone()
        };
        let session: ResourceAny = core.recognition_session(self.settings, &options)?;
        let socket = self.connect(&mut core, RequestKind::SttWebsocket).await?;
        let (mut sink, mut stream) = socket.split();
        let send_error = |error: tokio_tungstenite::tungstenite::Error| SessionError::Network(error.to_string());

        let turn = core
            .recognition_start(session, clock.now_ms(), &fresh_id())?
            .map_err(SessionError::service)?;
        for frame in turn.frames {
            sink.send(to_message(frame)).await.map_err(send_error)?;
        }

        let mut summary = RecognizeSummary::default();
        let mut replay = ReplayBuffer::default();
        let mut sent_offset: u64 = 0;
        let mut audio_done = false;
        let mut backpressured = false;
        // A chunk read but not sent yet (the core refused it under backpressure).
        let mut pcm: Vec<u8> = Vec::new();
        loop {
            let may_read = !audio_done && pcm.is_empty();
            let may_send = !audio_done && !backpressured && !pcm.is_empty();
            tokio::select! {
                biased;
                incoming = stream.next() => {
                    let message = match incoming {
                        Some(Ok(Message::Text(text))) => WsMessage::Text(text.as_str().to_owned()),
                        Some(Ok(Message::Binary(bytes))) => WsMessage::Binary(bytes.to_vec()),
                        Some(Ok(Message::Close(frame))) => {
                            let (code, reason) = frame.map(|f| (u16::from(f.code), f.reason.as_str().to_owned())).unwrap_or((1005, String::new()));
                            if audio_done && code == 1000 {
                                return Ok(summary);
                            }
                            return Err(SessionError::service(core.classify_close(code, &reason)?));
                        }
                        Some(Ok(_)) => continue,
                        Some(Err(error)) => return Err(SessionError::Network(error.to_string())),
                        None => return Err(SessionError::Network("the service closed the connection without a close frame".into())),
                    };
                    let events = core.recognition_receive(session, clock.now_ms(), &message)?.map_err(SessionError::service)?;
                    let mut turn_ended = None;
                    for event in &events {
                        match event {
                            RecognitionEvent::Phrase(phrase) => {
                                if phrase.status == crate::core_runtime::RecognitionStatus::Success {
                                    summary.recognized += 1;
                                } else {
                                    summary.unrecognized += 1;
                                }
                            }
                            RecognitionEvent::TurnEnded(turn) => turn_ended = Some(*turn),
                            _ => {}
                        }
                        on_event(event);
                    }
                    let progress = core.recognition_progress(session)?;
                    replay.release(progress.acknowledged_bytes);
                    backpressured = false;
                    if let Some(turn) = turn_ended {
                        // `complete`: a single-utterance (`--once`) turn is over, whatever audio
                        // is left; otherwise stop once all the audio has been heard.
                        if turn.complete || (audio_done && progress.acknowledged_bytes >= sent_offset) {
                            let _ = sink.send(Message::Close(None)).await;
                            return Ok(summary);
                        }
                        // The service ended the turn with audio left: a new turn replays what
                        // it has not acknowledged, then streaming goes on.
                        let next = core.recognition_next_turn(session, clock.now_ms(), &fresh_id())?.map_err(SessionError::service)?;
                        for frame in next.frames {
                            sink.send(to_message(frame)).await.map_err(send_error)?;
                        }
                        let replayed: Vec<(u64, Vec<u8>)> = replay.chunks.iter().filter(|(offset, pcm)| offset + pcm.len() as u64 > next.replay_from).cloned().collect();
                        for (offset, chunk) in replayed {
                            let skip = usize::try_from(next.replay_from.saturating_sub(offset)).unwrap_or(0).min(chunk.len());
                            let tail = &chunk[skip..];
                            send_audio(&mut core, session, &mut sink, clock.now_ms(), tail).await?;
                        }
                        if audio_done {
                            let end = core.recognition_finish(session, clock.now_ms())?.map_err(SessionError::service)?;
                            sink.send(to_message(end)).await.map_err(send_error)?;
                        }
                    }
                }
                chunk = source.next_chunk(CHUNK_BYTES), if may_read => {
                    pcm = chunk?;
                    if pcm.is_empty() {
                        audio_done = true;
                        let end = core.recognition_finish(session, clock.now_ms())?.map_err(SessionError::service)?;
                        sink.send(to_message(end)).await.map_err(send_error)?;
                    }
                }
                () = std::future::ready(()), if may_send => {
                    let len = pcm.len();
                    match core.recognition_audio_header(session, clock.now_ms(), len as u32)? {
                        Ok(header) => {
                            let mut frame = header;
                            frame.extend_from_slice(&pcm);
                            sink.send(Message::Binary(frame.into())).await.map_err(send_error)?;
                            replay.push(sent_offset, std::mem::take(&mut pcm));
                            sent_offset += len as u64;
                            summary.sent_bytes = sent_offset;
                        }
                        // The service is behind by the session's limit: keep the chunk and wait
                        // for the next acknowledgement.
                        Err(AudioError::Backpressure(_)) => backpressured = true,
                        Err(AudioError::Failed(error)) => return Err(SessionError::service(error)),
                    }
                }
            }
        }
    }
}

async fn send_audio<S>(
    core: &mut CoreInstance,
    session: ResourceAny,
    sink: &mut S,
    now: u64,
    pcm: &[u8],
) -> Result<(), SessionError>
where
    S: futures_util::Sink<Message, Error = tokio_tungstenite::tungstenite::Error> + Unpin,
{
    let header = match core.recognition_audio_header(session, now, pcm.len() as u32)? {
        Ok(header) => header,
        Err(AudioError::Backpressure(_)) => {
            return Err(SessionError::Network(
                "replay exceeded the unacknowledged-audio limit".into(),
            ));
        }
        Err(AudioError::Failed(error)) => return Err(SessionError::service(error)),
    };
    let mut frame = header;
    frame.extend_from_slice(pcm);
    sink.send(Message::Binary(frame.into()))
        .await
        .map_err(|e| SessionError::Network(e.to_string()))
}
