//! Speech-to-text: stream PCM from a [`RecognitionAudio`] source (a WAV file or, with the
//! `microphone` feature, a microphone) through the core's recognizer.
//!
//! The pump keeps the audio in an [`AudioRing`] (the core names byte ranges of it, so audio is
//! never copied into the core) and does nothing but: open the connection the core asks for,
//! send what it yields, feed back messages and closes, push audio while the core accepts it,
//! and sleep until the socket, the source or the core's timeout wakes it. Reconnects, replay,
//! pacing and lifetimes are the core's.

use std::collections::VecDeque;

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

use super::{SessionError, SpeechClient, close_message, deadline_instant, ended, to_message};
use crate::audio::input::PcmSource;
use crate::clock::{Clock, SystemClock};
use crate::core_runtime::{
    AudioFormat, CloseInfo, RecognitionEvent, RecognitionOptions, RecognitionSummary, Transmit, WsMessage,
};
use crate::transport::websocket::socket_failure;

/// Where recognition audio comes from: 16-bit mono PCM at [`RecognitionAudio::sample_rate`].
pub trait RecognitionAudio {
    /// 16 000 or 8 000.
    fn sample_rate(&self) -> u32;

    /// Up to `max_bytes` (whole samples) of PCM; empty at the end of the audio. The future must
    /// be cancel safe: dropping it before it completes loses no audio.
    fn next_chunk(&mut self, max_bytes: usize) -> impl Future<Output = Result<Vec<u8>, SessionError>> + Send;
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

/// Recognition audio already in memory (16-bit little-endian mono PCM), e.g. a recording that many
/// sessions share: clones share the bytes, each with its own position.
#[derive(Debug, Clone)]
pub struct PcmBuffer {
    pcm: std::sync::Arc<[u8]>,
    sample_rate: u32,
    at: usize,
}

impl PcmBuffer {
    /// `pcm` at `sample_rate` (16 000 or 8 000), read from the start.
    pub fn new(pcm: impl Into<std::sync::Arc<[u8]>>, sample_rate: u32) -> Self {
        Self {
            pcm: pcm.into(),
            sample_rate,
            at: 0,
        }
    }
}

impl RecognitionAudio for PcmBuffer {
    fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    async fn next_chunk(&mut self, max_bytes: usize) -> Result<Vec<u8>, SessionError> {
        let end = self.at.saturating_add(max_bytes).min(self.pcm.len());
        let chunk = self.pcm[self.at..end].to_vec();
        self.at = end;
        Ok(chunk)
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

/// PCM bytes read from the source at a time: 100 ms at 16 kHz, as the official SDK sends.
pub const CHUNK_BYTES: usize = 3200;

/// The audio the service has not finished with, addressed by stream offsets.
#[derive(Debug, Default)]
pub struct AudioRing {
    bytes: VecDeque<u8>,
    /// Stream offset of `bytes[0]`.
    base: u64,
}

impl AudioRing {
    /// Append pushed audio.
    pub fn push(&mut self, pcm: &[u8]) {
        self.bytes.extend(pcm);
    }

    /// Drop audio before `offset` (the service finished with it).
    pub fn release(&mut self, offset: u64) {
        let drop = usize::try_from(offset.saturating_sub(self.base))
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        self.bytes.drain(..drop);
        self.base += drop as u64;
    }

    /// Append `[start, end)` of the stream to `out`; `false` if the ring no longer (or not
    /// yet) holds all of it.
    pub fn copy_range(&self, start: u64, end: u64, out: &mut Vec<u8>) -> bool {
        if start < self.base || end < start {
            return false;
        }
        let from = usize::try_from(start - self.base).unwrap_or(usize::MAX);
        let to = usize::try_from(end - self.base).unwrap_or(usize::MAX);
        if to > self.bytes.len() {
            return false;
        }
        let (front, back) = self.bytes.as_slices();
        for (index, slice) in [(0, front), (front.len(), back)] {
            let lo = from.max(index).min(index + slice.len());
            let hi = to.max(index).min(index + slice.len());
            out.extend_from_slice(&slice[lo - index..hi - index]);
        }
        true
    }
}

type Socket = super::SpeechSocket;
type SocketSink = futures_util::stream::SplitSink<Socket, Message>;
type SocketStream = futures_util::stream::SplitStream<Socket>;

impl SpeechClient<'_> {
    /// Recognize `source`, calling `on_event` for every event as it arrives.
    pub async fn recognize(
        &self,
        source: &mut impl RecognitionAudio,
        options: &RecognitionOptions,
        mut on_event: impl FnMut(&RecognitionEvent),
    ) -> Result<RecognitionSummary, SessionError> {
        let clock = SystemClock;
        let mut core = self.runtime.instantiate()?;
        let options = RecognitionOptions {
            audio: AudioFormat {
                sample_rate: source.sample_rate(),
                bits_per_sample: 16,
                channels: 1,
            },
            ..options.clone()
        };
        let recognizer = core.recognizer(self.settings, &options, &self.policy())?;
        let mut ring = AudioRing::default();
        let mut socket: Option<(SocketSink, SocketStream)> = None;
        // A chunk read but not accepted yet (the core reported backpressure).
        let mut pending: Vec<u8> = Vec::new();
        let mut source_done = false;
        let mut frame = Vec::new();
        // Acknowledgements only move when a message arrives.
        let mut heard = false;
        loop {
            let now = clock.now_ms();
            // The core asks for a connection only while there is none open.
            if socket.is_none()
                && let Some(request) = recognizer.poll_connect(&mut core, now)?
            {
                match self.open(&request).await {
                    Ok(opened) => {
                        socket = Some(opened.split());
                        recognizer.handle_connected(&mut core, clock.now_ms())?;
                    }
                    Err(failure) => recognizer.handle_connect_failed(&mut core, clock.now_ms(), &failure)?,
                }
                continue;
            }
            while let Some(transmit) = recognizer.poll_transmit(&mut core, now)? {
                let Some((sink, _)) = socket.as_mut() else { break };
                let message = match transmit {
                    Transmit::Message(message) => to_message(message),
                    Transmit::Audio(audio) => {
                        frame.clear();
                        frame.extend_from_slice(&audio.header);
                        if !ring.copy_range(audio.start, audio.end, &mut frame) {
                            return Err(SessionError::Network(format!(
                                "internal error: audio [{}, {}) is no longer buffered",
                                audio.start, audio.end
                            )));
                        }
                        Message::Binary(std::mem::take(&mut frame).into())
                    }
                    Transmit::Close(close) => {
                        let _ = sink.send(close_message(&close)).await;
                        socket = None;
                        continue;
                    }
                };
                if let Err(error) = sink.send(message).await {
                    socket = None;
                    recognizer.handle_closed(&mut core, clock.now_ms(), &CloseInfo::Broken(socket_failure(&error)))?;
                    break;
                }
            }
            while let Some(event) = recognizer.poll_event(&mut core)? {
                match event {
                    RecognitionEvent::Finished(summary) => return Ok(summary),
                    RecognitionEvent::Failed(failure) => return Err(SessionError::gave_up(failure)),
                    RecognitionEvent::Notice(notice) => self.notice(&notice),
                    event => on_event(&event),
                }
            }
            if std::mem::take(&mut heard) {
                ring.release(recognizer.acknowledged_bytes(&mut core)?);
            }
            if !pending.is_empty() {
                match recognizer.push_audio(&mut core, now, pending.len() as u32)? {
                    Ok(()) => {
                        ring.push(&pending);
                        pending.clear();
                        continue;
                    }
                    Err(_backpressure) => {}
                }
            }
            let deadline = recognizer.poll_timeout(&mut core)?;
            let may_read = !source_done && pending.is_empty();
            let incoming = async {
                match socket.as_mut() {
                    Some((_, stream)) => stream.next().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                biased;
                incoming = incoming => {
                    let now = clock.now_ms();
                    let message = match incoming {
                        Some(Ok(Message::Text(text))) => Some(WsMessage::Text(text.as_str().to_owned())),
                        Some(Ok(Message::Binary(bytes))) => Some(WsMessage::Binary(bytes.to_vec())),
                        other => match ended(other) {
                            Some(close) => {
                                socket = None;
                                recognizer.handle_closed(&mut core, now, &close)?;
                                None
                            }
                            None => None,
                        },
                    };
                    if let Some(message) = message {
                        recognizer.handle_message(&mut core, now, &message)?;
                        heard = true;
                    }
                }
                chunk = source.next_chunk(CHUNK_BYTES), if may_read => {
                    let chunk = chunk?;
                    let now = clock.now_ms();
                    if chunk.is_empty() {
                        source_done = true;
                        recognizer.end_audio(&mut core, now)?;
                    } else {
                        pending = chunk;
                    }
                }
                () = tokio::time::sleep_until(deadline_instant(now, deadline.unwrap_or(now))), if deadline.is_some() => {
                    recognizer.handle_timeout(&mut core, clock.now_ms())?;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::AudioRing;

    #[test]
    fn ranges_are_copied_across_the_ring_boundary_and_released_ones_refused() {
        // A ring of 128 bytes holding stream bytes [60, 160): the last 32 wrap around to the
        // ring's physical start, so ranges past 128 span both halves.
        let mut ring = AudioRing {
            bytes: std::collections::VecDeque::with_capacity(128),
            base: 0,
        };
        let capacity = ring.bytes.capacity();
        let stream: Vec<u8> = (0..=255).collect();
        ring.push(&stream[..100]);
        ring.release(60);
        ring.push(&stream[100..160]);
        assert_eq!(ring.bytes.capacity(), capacity, "no reallocation");
        assert!(!ring.bytes.as_slices().1.is_empty(), "the ring wraps");
        // (start, end, copied?)
        let table: &[(u64, u64, bool)] = &[
            (60, 100, true),
            (60, 160, true),
            (90, 150, true),
            (159, 160, true),
            (100, 100, true),
            (59, 70, false),
            (150, 161, false),
            (120, 110, false),
        ];
        for &(start, end, ok) in table {
            let mut out = vec![9];
            assert_eq!(ring.copy_range(start, end, &mut out), ok, "[{start}, {end})");
            if ok {
                assert_eq!(&out[1..], &stream[start as usize..end as usize], "[{start}, {end})");
            }
        }
        ring.release(300);
        let mut out = Vec::new();
        assert!(!ring.copy_range(159, 160, &mut out), "all released");
        assert!(ring.copy_range(160, 160, &mut out) && out.is_empty());
    }
}
