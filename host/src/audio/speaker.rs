//! Speaker playback for text-to-speech (feature `speaker`).
//!
//! Synthesized 16-bit PCM is converted to the device's rate (when the device does not take the
//! synthesis rate as is), copied to every channel and queued in a wait-free ring buffer
//! ([`rtrb`]) of [`BUFFER_SECONDS`]; the audio thread (cpal) plays from it and fills gaps with
//! silence. [`Speaker::play_pcm16`] waits while the buffer is full, so a synthesis that runs
//! faster than real time is held back instead of growing memory; [`Speaker::finish`] returns
//! once the last sample has been handed to the device and the device's buffer has played out.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use cpal::traits::{DeviceTrait, StreamTrait};
use cpal::{FromSample, SampleFormat, SizedSample};

use super::device::{self, AudioDeviceError, Chosen, Direction, Opening, StallWatch, StreamFailure};
use super::resample::{self, MonoResampler};

/// Audio queued ahead of the device.
pub const BUFFER_SECONDS: u32 = 2;
/// Audio queued before the device starts, so a network hiccup at the start is not a gap.
const PREBUFFER_MS: u32 = 200;
/// How often a full queue or the end of playback is checked.
const POLL: Duration = Duration::from_millis(20);

/// An open speaker playing 16-bit mono PCM at the rate it was opened with.
pub struct Speaker {
    stream: cpal::Stream,
    producer: rtrb::Producer<f32>,
    /// Frames the audio thread has handed to the device.
    played: Arc<AtomicU64>,
    failure: StreamFailure,
    resampler: MonoResampler,
    channels: usize,
    device: String,
    chosen: Chosen,
    /// The first byte of a sample split across two writes.
    odd_byte: Option<u8>,
    frames_queued: u64,
    started: bool,
}

impl std::fmt::Debug for Speaker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Speaker")
            .field("device", &self.device)
            .field("config", &self.chosen)
            .field("frames_queued", &self.frames_queued)
            .finish_non_exhaustive()
    }
}

impl Speaker {
    /// Open `device` (or the default output) for 16-bit mono PCM at `source_rate`.
    pub fn open(device: Option<&str>, source_rate: u32) -> Result<Self, AudioDeviceError> {
        let opening = Opening::new(Direction::Output, device, source_rate)?;
        let chosen = opening.chosen;
        let name = opening.name.clone();
        let channels = usize::from(chosen.channels);
        let (producer, consumer) = rtrb::RingBuffer::new((chosen.rate * BUFFER_SECONDS) as usize * channels);
        let played = Arc::new(AtomicU64::new(0));
        let failure = StreamFailure::default();
        let build = match chosen.format {
            SampleFormat::I16 => build::<i16>,
            SampleFormat::F32 => build::<f32>,
            SampleFormat::I32 => build::<i32>,
            SampleFormat::U16 => build::<u16>,
            SampleFormat::U8 => build::<u8>,
            other => return Err(device::unsupported_format(Direction::Output, &name, other)),
        };
        let stream = build(&opening, consumer, Arc::clone(&played), &failure)
            .map_err(|error| device::unusable(Direction::Output, &name, &error))?;
        let resampler = opening.resampler(source_rate, chosen.rate)?;
        tracing::info!("playing on {name} ({chosen})");
        Ok(Self {
            stream,
            producer,
            played,
            failure,
            resampler,
            channels,
            device: name,
            chosen,
            odd_byte: None,
            frames_queued: 0,
            started: false,
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

    /// Queue little-endian 16-bit PCM; waits while the queue is full.
    pub async fn play_pcm16(&mut self, pcm: &[u8]) -> Result<(), AudioDeviceError> {
        let samples = decode_pcm16(&mut self.odd_byte, pcm);
        self.resampler.push(&samples).map_err(|detail| self.failed(detail))?;
        self.queue_ready().await
    }

    /// Play out what is queued and return when the device has played it.
    pub async fn finish(mut self) -> Result<(), AudioDeviceError> {
        self.resampler.finish().map_err(|detail| self.failed(detail))?;
        self.queue_ready().await?;
        self.start()?;
        let mut watch = StallWatch::new(std::time::Instant::now());
        while self.played.load(Ordering::Acquire) < self.frames_queued {
            self.check_failure()?;
            self.check_stall(&mut watch)?;
            tokio::time::sleep(POLL).await;
        }
        // The last frames are in the device's own buffer now: let it play out.
        let buffered = self.stream.buffer_size().map(u64::from).unwrap_or(0);
        let latency_ms = (buffered * 1000 / u64::from(self.chosen.rate)).min(2000) + 50;
        tokio::time::sleep(Duration::from_millis(latency_ms)).await;
        self.check_failure()
    }

    async fn queue_ready(&mut self) -> Result<(), AudioDeviceError> {
        let mut watch = StallWatch::new(std::time::Instant::now());
        while self.resampler.ready_len() > 0 {
            self.check_failure()?;
            let frames = (self.producer.slots() / self.channels).min(self.resampler.ready_len());
            if frames == 0 {
                self.check_stall(&mut watch)?;
                tokio::time::sleep(POLL).await;
                continue;
            }
            let channels = self.channels;
            let resampler = &mut self.resampler;
            let interleaved =
                (0..frames).flat_map(|_| std::iter::repeat_n(resampler.pop().unwrap_or_default(), channels));
            if let Ok(chunk) = self.producer.write_chunk_uninit(frames * channels) {
                chunk.fill_from_iter(interleaved);
                self.frames_queued += frames as u64;
            }
            if self.frames_queued >= u64::from(self.chosen.rate * PREBUFFER_MS / 1000) {
                self.start()?;
            }
        }
        Ok(())
    }

    /// Start the device once enough audio is queued (or at the end, for very short audio).
    fn start(&mut self) -> Result<(), AudioDeviceError> {
        if !self.started {
            self.stream
                .play()
                .map_err(|error| device::unusable(Direction::Output, &self.device, &error))?;
            self.started = true;
        }
        Ok(())
    }

    fn check_stall(&self, watch: &mut StallWatch) -> Result<(), AudioDeviceError> {
        let played = self.played.load(Ordering::Acquire);
        watch.check(played, std::time::Instant::now(), Direction::Output, &self.device)
    }

    fn check_failure(&self) -> Result<(), AudioDeviceError> {
        self.failure.check(Direction::Output, &self.device)
    }

    fn failed(&self, detail: String) -> AudioDeviceError {
        AudioDeviceError::Failed {
            direction: Direction::Output,
            device: self.device.clone(),
            detail,
        }
    }
}

/// Little-endian 16-bit PCM as samples in [-1, 1]. A sample split across two pieces of audio
/// is kept in `odd_byte` and completed by the next piece.
fn decode_pcm16(odd_byte: &mut Option<u8>, pcm: &[u8]) -> Vec<f32> {
    let mut bytes = pcm;
    let mut samples = Vec::with_capacity(pcm.len() / 2 + 1);
    if let Some(low) = *odd_byte
        && let Some((&high, rest)) = bytes.split_first()
    {
        samples.push(resample::from_i16(i16::from_le_bytes([low, high])));
        *odd_byte = None;
        bytes = rest;
    }
    let pairs = bytes.chunks_exact(2);
    if let Some(&last) = pairs.remainder().first() {
        *odd_byte = Some(last);
    }
    samples.extend(pairs.map(|pair| resample::from_i16(i16::from_le_bytes([pair[0], pair[1]]))));
    samples
}

/// Build the output stream for sample type `T`. The callback plays whole frames from the queue
/// and silence when it runs dry; nothing in it blocks or allocates.
fn build<T>(
    opening: &Opening,
    mut consumer: rtrb::Consumer<f32>,
    played: Arc<AtomicU64>,
    failure: &StreamFailure,
) -> Result<cpal::Stream, cpal::Error>
where
    T: SizedSample + FromSample<f32>,
{
    let channels = usize::from(opening.chosen.channels);
    opening.device.build_output_stream::<T, _, _>(
        opening.stream_config(),
        move |data: &mut [T], _: &cpal::OutputCallbackInfo| {
            let frames = (consumer.slots() / channels).min(data.len() / channels);
            let mut filled = 0;
            if let Ok(chunk) = consumer.read_chunk(frames * channels) {
                let (first, second) = chunk.as_slices();
                for (out, &sample) in data.iter_mut().zip(first.iter().chain(second)) {
                    *out = T::from_sample(sample);
                    filled += 1;
                }
                chunk.commit_all();
            }
            for out in &mut data[filled..] {
                *out = T::EQUILIBRIUM;
            }
            played.fetch_add((filled / channels) as u64, Ordering::Release);
        },
        failure.callback(Direction::Output, opening.name.clone()),
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_split_across_pieces_are_joined_in_order() {
        let pcm: Vec<u8> = [1i16, -2, 300, i16::MIN, i16::MAX]
            .iter()
            .flat_map(|s| s.to_le_bytes())
            .collect();
        let whole = decode_pcm16(&mut None, &pcm);
        for split in [&[1usize, 2, 7][..], &[3, 3, 3], &[1; 10], &[0, 5, 0, 5]] {
            let mut odd_byte = None;
            let mut joined = Vec::new();
            let mut rest = &pcm[..];
            for &len in split {
                let (piece, tail) = rest.split_at(len.min(rest.len()));
                joined.extend(decode_pcm16(&mut odd_byte, piece));
                rest = tail;
            }
            joined.extend(decode_pcm16(&mut odd_byte, rest));
            assert_eq!(joined, whole, "pieces {split:?}");
            assert_eq!(odd_byte, None);
        }
        assert_eq!(whole.len(), 5);
        assert_eq!(resample::to_i16(whole[2]), 300);
    }
}
