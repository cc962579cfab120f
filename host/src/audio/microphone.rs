//! Microphone capture for speech-to-text (feature `microphone`).
//!
//! The audio thread (cpal) downmixes each captured frame to mono and pushes it into a wait-free
//! ring buffer ([`rtrb`]) holding [`BUFFER_SECONDS`] of audio; it never blocks and never
//! allocates. [`Microphone::next_chunk`] takes the samples out, resamples them to 16 kHz when
//! the device does not capture at that rate, and hands 16-bit PCM to the recognition loop.
//! If recognition falls so far behind that the buffer fills, the first dropped frame is
//! remembered and recognition stops with [`AudioDeviceError::Overrun`] when it reaches that
//! point: audio is never lost silently.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use cpal::traits::{DeviceTrait, StreamTrait};
use cpal::{FromSample, SampleFormat, SizedSample};

use super::device::{self, AudioDeviceError, Chosen, Direction, Opening, StallWatch, StreamFailure};
use super::resample::{self, MonoResampler};

/// Captured audio the buffer holds before frames are dropped.
pub const BUFFER_SECONDS: u32 = 30;
/// How often [`Microphone::next_chunk`] looks for new audio while waiting.
const POLL: Duration = Duration::from_millis(20);

/// What the audio thread and the reader share.
#[derive(Debug)]
struct CaptureState {
    /// Frames the device delivered, kept or dropped.
    captured: AtomicU64,
    /// Index of the first dropped frame; `u64::MAX` while none was dropped.
    lost_at: AtomicU64,
}

/// Ends a recording from elsewhere (a Ctrl-C handler): audio captured so far is still recognized.
/// Made before the microphone is opened and given to [`Microphone::open`]; clones share the flag.
#[derive(Debug, Clone, Default)]
pub struct MicrophoneStop(Arc<AtomicBool>);

impl MicrophoneStop {
    /// Stop recording.
    pub fn stop(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    fn is_requested(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// An open microphone producing 16-bit mono PCM at [`Microphone::sample_rate`].
pub struct Microphone {
    stream: Option<cpal::Stream>,
    consumer: rtrb::Consumer<f32>,
    state: Arc<CaptureState>,
    failure: StreamFailure,
    stop: MicrophoneStop,
    resampler: MonoResampler,
    device: String,
    chosen: Chosen,
    output_rate: u32,
    frames_taken: u64,
    frame_limit: u64,
}

impl std::fmt::Debug for Microphone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Microphone")
            .field("device", &self.device)
            .field("config", &self.chosen)
            .field("frames_taken", &self.frames_taken)
            .finish_non_exhaustive()
    }
}

impl Microphone {
    /// Open `device` (or the default input) and start capturing. PCM comes out at `output_rate`
    /// (16 000 for the service); `duration` ends the recording after that much audio, and so does
    /// `stop`.
    pub fn open(
        device: Option<&str>,
        output_rate: u32,
        duration: Option<Duration>,
        stop: MicrophoneStop,
    ) -> Result<Self, AudioDeviceError> {
        let opening = Opening::new(Direction::Input, device, output_rate)?;
        let chosen = opening.chosen;
        let name = opening.name.clone();
        let (producer, consumer) = rtrb::RingBuffer::new((chosen.rate * BUFFER_SECONDS) as usize);
        let state = Arc::new(CaptureState {
            captured: AtomicU64::new(0),
            lost_at: AtomicU64::new(u64::MAX),
        });
        let failure = StreamFailure::default();
        let build = match chosen.format {
            SampleFormat::I16 => build::<i16>,
            SampleFormat::F32 => build::<f32>,
            SampleFormat::I32 => build::<i32>,
            SampleFormat::U16 => build::<u16>,
            SampleFormat::U8 => build::<u8>,
            other => return Err(device::unsupported_format(Direction::Input, &name, other)),
        };
        let stream = build(&opening, producer, Arc::clone(&state), &failure)
            .map_err(|error| device::unusable(Direction::Input, &name, &error))?;
        stream
            .play()
            .map_err(|error| device::unusable(Direction::Input, &name, &error))?;
        let resampler = opening.resampler(chosen.rate, output_rate)?;
        let frame_limit = duration.map_or(u64::MAX, |d| (d.as_secs_f64() * f64::from(chosen.rate)).round() as u64);
        tracing::info!("recording from {name} ({chosen})");
        Ok(Self {
            stream: Some(stream),
            consumer,
            state,
            failure,
            stop,
            resampler,
            device: name,
            chosen,
            output_rate,
            frames_taken: 0,
            frame_limit,
        })
    }

    /// The device's name.
    pub fn device(&self) -> &str {
        &self.device
    }

    /// The configuration the device was opened with.
    pub fn config(&self) -> Chosen {
        self.chosen
    }

    /// The rate of the PCM this microphone produces.
    pub fn sample_rate(&self) -> u32 {
        self.output_rate
    }

    /// Up to `max_bytes` of 16-bit PCM, waiting until that much has been captured; the rest when
    /// the recording ends; empty after that. Cancel safe: captured audio stays buffered until a
    /// call returns it.
    pub async fn next_chunk(&mut self, max_bytes: usize) -> Result<Vec<u8>, AudioDeviceError> {
        let max_samples = (max_bytes / 2).max(1);
        let mut watch = StallWatch::new(std::time::Instant::now());
        loop {
            self.take_captured()?;
            let ready = self.resampler.ready_len();
            if ready >= max_samples || self.resampler.is_finished() {
                let count = ready.min(max_samples);
                let mut pcm = Vec::with_capacity(count * 2);
                for _ in 0..count {
                    let sample = self.resampler.pop().unwrap_or_default();
                    pcm.extend_from_slice(&resample::to_i16(sample).to_le_bytes());
                }
                return Ok(pcm);
            }
            watch.check(
                self.state.captured.load(Ordering::Relaxed),
                std::time::Instant::now(),
                Direction::Input,
                &self.device,
            )?;
            tokio::time::sleep(POLL).await;
        }
    }

    fn failed(&self, detail: String) -> AudioDeviceError {
        AudioDeviceError::Failed {
            direction: Direction::Input,
            device: self.device.clone(),
            detail,
        }
    }

    /// Move what the audio thread captured into the resampler; end the recording when asked or
    /// when the duration is reached; fail at the first dropped frame or a device failure.
    fn take_captured(&mut self) -> Result<(), AudioDeviceError> {
        if self.resampler.is_finished() {
            return Ok(());
        }
        self.failure.check(Direction::Input, &self.device)?;
        let stop_requested = self.stop.is_requested();
        // Count what is buffered before reading where the first loss was: the audio thread records
        // a loss before it pushes anything after it, so every frame counted here that lies behind
        // a gap is already known to.
        let buffered = self.consumer.slots() as u64;
        let lost_at = self.state.lost_at.load(Ordering::Acquire);
        let step = next_step(buffered, self.frames_taken, lost_at, self.frame_limit, stop_requested);
        if step.take > 0
            && let Ok(chunk) = self.consumer.read_chunk(step.take as usize)
        {
            let (first, second) = chunk.as_slices();
            let pushed = self.resampler.push(first).and_then(|()| self.resampler.push(second));
            chunk.commit_all();
            pushed.map_err(|detail| self.failed(detail))?;
            self.frames_taken += step.take;
        }
        match step.then {
            After::Continue => Ok(()),
            After::Finish => {
                // Stop the device first, so nothing more is captured behind the end.
                self.stream = None;
                self.resampler.finish().map_err(|detail| self.failed(detail))
            }
            After::Overrun => Err(AudioDeviceError::Overrun {
                device: self.device.clone(),
                at_ms: lost_at * 1000 / u64::from(self.chosen.rate),
                buffer_ms: u64::from(BUFFER_SECONDS) * 1000,
            }),
        }
    }
}

/// What to do after taking captured frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum After {
    /// Keep recording.
    Continue,
    /// The recording is over (stopped, or the duration reached): flush and end.
    Finish,
    /// The next frame is the first one the audio thread had to drop.
    Overrun,
}

/// One step of [`Microphone::next_chunk`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Step {
    /// Frames to take out of the ring buffer now.
    take: u64,
    then: After,
}

/// Take what is buffered, but never past the first dropped frame (`lost_at`) or the duration
/// (`limit`). A stop or the duration ends the recording with everything before it kept; reaching
/// the dropped frame otherwise is an overrun.
fn next_step(buffered: u64, taken: u64, lost_at: u64, limit: u64, stop_requested: bool) -> Step {
    let take = buffered
        .min(lost_at.saturating_sub(taken))
        .min(limit.saturating_sub(taken));
    let after = taken + take;
    let then = if after >= limit || (stop_requested && (after >= lost_at || take == buffered)) {
        After::Finish
    } else if after >= lost_at {
        After::Overrun
    } else {
        After::Continue
    };
    Step { take, then }
}

/// Build the input stream for sample type `T`. The callback downmixes and pushes; nothing in it
/// blocks or allocates.
fn build<T>(
    opening: &Opening,
    mut producer: rtrb::Producer<f32>,
    state: Arc<CaptureState>,
    failure: &StreamFailure,
) -> Result<cpal::Stream, cpal::Error>
where
    T: SizedSample,
    f32: FromSample<T>,
{
    let channels = usize::from(opening.chosen.channels);
    let scale = 1.0 / channels as f32;
    opening.device.build_input_stream::<T, _, _>(
        opening.stream_config(),
        move |data: &[T], _: &cpal::InputCallbackInfo| {
            let frames = data.chunks_exact(channels);
            // One atomic add per callback, not per frame: the indices follow from the first.
            let first = state.captured.fetch_add(frames.len() as u64, Ordering::Relaxed);
            for (index, frame) in (first..).zip(frames) {
                let mono = frame.iter().map(|&sample| sample.to_sample::<f32>()).sum::<f32>() * scale;
                if producer.push(mono).is_err() {
                    let _ = state
                        .lost_at
                        .compare_exchange(u64::MAX, index, Ordering::Release, Ordering::Relaxed);
                }
            }
        },
        failure.callback(Direction::Input, opening.name.clone()),
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const NONE_LOST: u64 = u64::MAX;
    const NO_LIMIT: u64 = u64::MAX;

    #[test]
    fn steps_keep_every_frame_before_a_loss_or_the_end() {
        // (buffered, taken, lost_at, limit, stop) -> (take, then)
        let cases = [
            ((100, 0, NONE_LOST, NO_LIMIT, false), (100, After::Continue)),
            ((0, 500, NONE_LOST, NO_LIMIT, false), (0, After::Continue)),
            // The duration cuts inside the buffer: take up to it, then finish.
            ((100, 950, NONE_LOST, 1000, false), (50, After::Finish)),
            ((0, 1000, NONE_LOST, 1000, false), (0, After::Finish)),
            // A loss ahead: take up to it; reaching it is an overrun.
            ((100, 0, 60, NO_LIMIT, false), (60, After::Overrun)),
            ((100, 0, 160, NO_LIMIT, false), (100, After::Continue)),
            // The duration ends before the loss: no error, the lost audio was never wanted.
            ((100, 0, 160, 80, false), (80, After::Finish)),
            // Ctrl-C: take everything recorded so far and finish, even right at a loss.
            ((100, 0, NONE_LOST, NO_LIMIT, true), (100, After::Finish)),
            ((100, 0, 60, NO_LIMIT, true), (60, After::Finish)),
        ];
        for ((buffered, taken, lost_at, limit, stop), (take, then)) in cases {
            assert_eq!(
                next_step(buffered, taken, lost_at, limit, stop),
                Step { take, then },
                "buffered {buffered}, taken {taken}, lost at {lost_at}, limit {limit}, stop {stop}"
            );
        }
    }
}
