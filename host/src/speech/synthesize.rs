//! Text-to-speech: the core's synthesizer, pumped; audio goes to a [`SynthesisSink`] (a file, a
//! pipe, a speaker) as it arrives.
//!
//! Binary audio frames are not copied into the core: only their header block goes in
//! (`handle-binary-head`), and the core answers with the range of the frame that holds audio.
//! The core splits long text, sends the requests one by one, and sends a request again after a
//! lost connection; before it does, the sink is told to discard that request's audio so far.

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

use super::{SessionError, SpeechClient, close_message, deadline_instant, ended, to_message};
use crate::audio::output::AudioWriter;
use crate::clock::{Clock, SystemClock};
use crate::core_runtime::{CloseInfo, SynthesisEvent, SynthesisOptions, SynthesisSummary, Transmit, WsMessage};
use crate::transport::websocket::socket_failure;

/// Where synthesized audio goes, chunk by chunk as it arrives.
pub trait SynthesisSink {
    /// Take the next piece of audio (raw samples for `riff-*` / `raw-*` formats, encoded bytes
    /// otherwise). May wait, e.g. while a speaker's queue is full.
    fn write(&mut self, audio: &[u8]) -> impl Future<Output = Result<(), SessionError>>;

    /// Take back every audio byte from `offset` on (a request is being sent again after its
    /// connection failed). A sink that cannot (a pipe, a speaker) fails with an error that
    /// says so, unless nothing past `offset` was written.
    #[allow(clippy::result_large_err)] // the same error type as every session call
    fn discard_from(&mut self, offset: u64) -> Result<(), SessionError>;
}

impl SynthesisSink for AudioWriter {
    async fn write(&mut self, audio: &[u8]) -> Result<(), SessionError> {
        Ok(AudioWriter::write(self, audio)?)
    }

    fn discard_from(&mut self, offset: u64) -> Result<(), SessionError> {
        discard_from_writer(self, offset)
    }
}

/// Truncate a writer's audio to `offset` bytes, or say why it cannot be done.
#[allow(clippy::result_large_err)] // the same error type as every session call
pub fn discard_from_writer(writer: &mut AudioWriter, offset: u64) -> Result<(), SessionError> {
    if writer.audio_len() <= offset {
        return Ok(());
    }
    if writer.truncate_audio(offset)? {
        return Ok(());
    }
    Err(SessionError::Network(format!(
        "the connection failed in the middle of a sentence after its audio was already streamed to {}; azspeech sends the sentence again, but a pipe cannot take back what was written.\n  fix: write to a file with -o FILE (a file is rewound and the sentence rewritten), or retry",
        writer.label()
    )))
}

/// What to synthesize.
#[derive(Debug, Clone)]
pub enum SpeechInput {
    /// Plain text; the core escapes it into SSML (and splits long text into requests).
    Text(String),
    /// SSML, passed through after a well-formedness check.
    Ssml(String),
}

/// An event with the audio handed out before it.
#[derive(Debug, Clone)]
pub struct TimedEvent {
    /// The event from the core (boundary offsets already on the output's timeline).
    pub event: SynthesisEvent,
    /// Audio bytes written before this event.
    pub audio_bytes_before: u64,
}

impl SpeechClient<'_> {
    /// Synthesize `input` into `sink`, calling `on_event` for every event.
    pub async fn synthesize(
        &self,
        input: &SpeechInput,
        options: &SynthesisOptions,
        sink: &mut impl SynthesisSink,
        mut on_event: impl FnMut(&TimedEvent),
    ) -> Result<SynthesisSummary, SessionError> {
        let clock = SystemClock;
        let mut core = self.runtime.instantiate()?;
        let synthesizer = core.synthesizer(self.settings, options, &self.policy())?;
        match input {
            SpeechInput::Text(text) => synthesizer.speak_text(&mut core, text)?,
            SpeechInput::Ssml(ssml) => synthesizer.speak_ssml(&mut core, ssml)?,
        }
        .map_err(SessionError::service)?;
        synthesizer.end_input(&mut core, clock.now_ms())?;
        let mut socket = None;
        let mut written: u64 = 0;
        // The binary frame whose head went in last: audio events name ranges of it.
        let mut frame: Option<tokio_tungstenite::tungstenite::Bytes> = None;
        loop {
            let now = clock.now_ms();
            if let Some(request) = synthesizer.poll_connect(&mut core, now)? {
                match self.open(&request).await {
                    Ok(opened) => {
                        socket = Some(opened.split());
                        synthesizer.handle_connected(&mut core, clock.now_ms())?;
                    }
                    Err(failure) => synthesizer.handle_connect_failed(&mut core, clock.now_ms(), &failure)?,
                }
                continue;
            }
            while let Some(transmit) = synthesizer.poll_transmit(&mut core, now)? {
                let Some((sender, _)) = socket.as_mut() else { break };
                let message = match transmit {
                    Transmit::Message(message) => to_message(message),
                    Transmit::Audio(_) => continue,
                    Transmit::Close(close) => {
                        let _ = sender.send(close_message(&close)).await;
                        socket = None;
                        continue;
                    }
                };
                if let Err(error) = sender.send(message).await {
                    socket = None;
                    let close = CloseInfo::Broken(socket_failure(&error));
                    synthesizer.handle_closed(&mut core, clock.now_ms(), &close)?;
                    break;
                }
            }
            while let Some(event) = synthesizer.poll_event(&mut core)? {
                match &event {
                    SynthesisEvent::Audio(range) => {
                        let start = range.start as usize;
                        let end = start + range.len as usize;
                        if let Some(audio) = frame.as_ref().and_then(|frame| frame.get(start..end)) {
                            sink.write(audio).await?;
                            written += audio.len() as u64;
                        }
                    }
                    SynthesisEvent::RequestRestarted(restart) => {
                        sink.discard_from(restart.discard_from)?;
                        written = written.min(restart.discard_from);
                    }
                    SynthesisEvent::Finished(summary) => return Ok(*summary),
                    SynthesisEvent::Failed(failure) => return Err(SessionError::gave_up(failure.clone())),
                    SynthesisEvent::Notice(notice) => {
                        self.notice(notice);
                        continue;
                    }
                    _ => {}
                }
                on_event(&TimedEvent {
                    event,
                    audio_bytes_before: written,
                });
            }
            frame = None;
            let deadline = synthesizer.poll_timeout(&mut core)?;
            let incoming = async {
                match socket.as_mut() {
                    Some((_, stream)) => stream.next().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                incoming = incoming => {
                    let now = clock.now_ms();
                    match incoming {
                        Some(Ok(Message::Text(text))) => {
                            synthesizer.handle_message(&mut core, now, &WsMessage::Text(text.as_str().to_owned()))?;
                        }
                        Some(Ok(Message::Binary(bytes))) => {
                            let head_len = bytes
                                .get(..2)
                                .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
                                .unwrap_or(0);
                            let head = bytes.get(..(2 + head_len).min(bytes.len())).unwrap_or_default();
                            synthesizer.handle_binary_head(&mut core, now, head, bytes.len() as u32)?;
                            frame = Some(bytes);
                        }
                        other => if let Some(close) = ended(other) {
                            socket = None;
                            synthesizer.handle_closed(&mut core, now, &close)?;
                        },
                    }
                }
                () = tokio::time::sleep_until(deadline_instant(now, deadline.unwrap_or(now))), if deadline.is_some() => {
                    synthesizer.handle_timeout(&mut core, clock.now_ms())?;
                }
            }
        }
    }
}
