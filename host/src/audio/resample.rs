//! Streaming sample-rate conversion of mono audio with rubato, shared by WAV input, microphone
//! capture and speaker playback.
//!
//! Samples go in with [`MonoResampler::push`] in blocks of any size and come out with
//! [`MonoResampler::pop`] as soon as a resampler chunk is complete; [`MonoResampler::finish`]
//! flushes the tail. The output is trimmed of the resampler's delay at the start and capped at
//! the exact converted length at the end, so timestamps computed from sample counts stay right.

use std::collections::VecDeque;

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Async, FixedAsync, Indexing, PolynomialDegree, Resampler};

/// Frames fed to the resampler per call.
pub const CHUNK_FRAMES: usize = 1024;

/// A streaming converter of mono `f32` samples from one rate to another.
pub struct MonoResampler {
    /// `None` when both rates are equal: samples pass through untouched.
    resampler: Option<Async<f32>>,
    ratio: f64,
    input: Vec<f32>,
    output: Vec<f32>,
    ready: VecDeque<f32>,
    finished: bool,
    delay_to_skip: usize,
    frames_in: u64,
    frames_out: u64,
}

impl std::fmt::Debug for MonoResampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MonoResampler")
            .field("ratio", &self.ratio)
            .field("frames_in", &self.frames_in)
            .field("frames_out", &self.frames_out)
            .finish_non_exhaustive()
    }
}

impl MonoResampler {
    /// A converter from `from_rate` to `to_rate` samples per second.
    pub fn new(from_rate: u32, to_rate: u32) -> Result<Self, String> {
        if from_rate == 0 || to_rate == 0 {
            return Err("a sample rate of 0 Hz".into());
        }
        let ratio = f64::from(to_rate) / f64::from(from_rate);
        let resampler = if from_rate == to_rate {
            None
        } else {
            Some(
                Async::<f32>::new_poly(ratio, 1.0, PolynomialDegree::Septic, CHUNK_FRAMES, 1, FixedAsync::Input)
                    .map_err(|error| format!("cannot resample {from_rate} Hz to {to_rate} Hz: {error}"))?,
            )
        };
        let delay_to_skip = resampler.as_ref().map(Resampler::output_delay).unwrap_or(0);
        Ok(Self {
            resampler,
            ratio,
            input: Vec::with_capacity(CHUNK_FRAMES),
            output: Vec::new(),
            ready: VecDeque::new(),
            finished: false,
            delay_to_skip,
            frames_in: 0,
            frames_out: 0,
        })
    }

    /// Feed samples; converted ones become available from [`MonoResampler::pop`] chunk by chunk.
    pub fn push(&mut self, samples: &[f32]) -> Result<(), String> {
        if self.finished {
            return Err("audio pushed after the end of the stream".into());
        }
        self.frames_in += samples.len() as u64;
        if self.resampler.is_none() {
            self.ready.extend(samples);
            self.frames_out += samples.len() as u64;
            return Ok(());
        }
        for &sample in samples {
            self.input.push(sample);
            if self.input.len() == CHUNK_FRAMES {
                self.resample(CHUNK_FRAMES)?;
                self.input.clear();
            }
        }
        Ok(())
    }

    /// The end of the stream: convert what is buffered and flush the resampler's delay.
    pub fn finish(&mut self) -> Result<(), String> {
        if self.finished {
            return Ok(());
        }
        self.finished = true;
        if self.resampler.is_none() {
            return Ok(());
        }
        let partial = self.input.len();
        self.resample(partial)?;
        self.input.clear();
        // Feed silence until the delayed tail has come out; the output is capped at the exact
        // converted length.
        let mut remaining = self.delay_to_skip + self.resampler.as_ref().map(Resampler::output_delay).unwrap_or(0);
        while remaining > 0 && self.frames_out < self.frames_expected_out() {
            self.resample(0)?;
            remaining = remaining.saturating_sub(CHUNK_FRAMES);
        }
        Ok(())
    }

    /// The next converted sample, if one is ready.
    pub fn pop(&mut self) -> Option<f32> {
        self.ready.pop_front()
    }

    /// Converted samples ready to be taken.
    pub fn ready_len(&self) -> usize {
        self.ready.len()
    }

    /// Whether [`MonoResampler::finish`] has been called.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Whether the stream has ended and every converted sample has been taken.
    pub fn is_drained(&self) -> bool {
        self.finished && self.ready.is_empty()
    }

    fn frames_expected_out(&self) -> u64 {
        (self.frames_in as f64 * self.ratio).round() as u64
    }

    fn resample(&mut self, frames: usize) -> Result<(), String> {
        let Some(resampler) = self.resampler.as_mut() else {
            return Ok(());
        };
        self.input.resize(CHUNK_FRAMES, 0.0);
        let input = InterleavedSlice::new(&self.input[..], 1, CHUNK_FRAMES).map_err(|e| e.to_string())?;
        let out_frames = resampler.output_frames_max();
        self.output.resize(out_frames, 0.0);
        let mut output = InterleavedSlice::new_mut(&mut self.output[..], 1, out_frames).map_err(|e| e.to_string())?;
        let indexing = Indexing::new().partial_len(frames);
        let (_, written) = resampler
            .process_into_buffer(&input, &mut output, Some(&indexing))
            .map_err(|e| e.to_string())?;
        let skip = self.delay_to_skip.min(written);
        self.delay_to_skip -= skip;
        let allowed = usize::try_from(self.frames_expected_out().saturating_sub(self.frames_out)).unwrap_or(usize::MAX);
        let produced = &self.output[skip..written];
        let produced = &produced[..produced.len().min(allowed)];
        self.frames_out += produced.len() as u64;
        self.ready.extend(produced);
        Ok(())
    }
}

/// A sample in [-1, 1] as 16-bit PCM (rounded, clamped).
pub fn to_i16(sample: f32) -> i16 {
    (sample * 32767.0).round().clamp(-32768.0, 32767.0) as i16
}

/// A 16-bit PCM sample in [-1, 1].
pub fn from_i16(sample: i16) -> f32 {
    f32::from(sample) / 32768.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn convert(from: u32, to: u32, input: &[f32], block: usize) -> Vec<f32> {
        let mut resampler = MonoResampler::new(from, to).expect("resampler");
        let mut out = Vec::new();
        for piece in input.chunks(block) {
            resampler.push(piece).expect("push");
            while let Some(sample) = resampler.pop() {
                out.push(sample);
            }
        }
        resampler.finish().expect("finish");
        while let Some(sample) = resampler.pop() {
            out.push(sample);
        }
        assert!(resampler.is_drained());
        out
    }

    fn sine(freq: f32, rate: u32, seconds: f32) -> Vec<f32> {
        let n = (rate as f32 * seconds) as usize;
        (0..n)
            .map(|i| 0.5 * (2.0 * std::f32::consts::PI * freq * i as f32 / rate as f32).sin())
            .collect()
    }

    fn pitch(samples: &[f32], rate: u32) -> f32 {
        let crossings = samples.windows(2).filter(|w| w[0] < 0.0 && w[1] >= 0.0).count();
        crossings as f32 * rate as f32 / samples.len() as f32
    }

    #[test]
    fn equal_rates_pass_through_exactly() {
        let input = sine(440.0, 16_000, 0.5);
        assert_eq!(convert(16_000, 16_000, &input, 333), input);
    }

    #[test]
    fn length_and_pitch_survive_any_block_size() {
        for (from, to) in [
            (48_000, 16_000),
            (44_100, 16_000),
            (16_000, 48_000),
            (24_000, 44_100),
            (8_000, 16_000),
        ] {
            let input = sine(440.0, from, 1.5);
            for block in [1, 100, CHUNK_FRAMES, 5000] {
                let out = convert(from, to, &input, block);
                let expected = (input.len() as f64 * f64::from(to) / f64::from(from)).round() as usize;
                assert_eq!(out.len(), expected, "{from}->{to} in blocks of {block}");
                let f = pitch(&out, to);
                assert!((f - 440.0).abs() < 5.0, "{from}->{to}: pitch {f}");
            }
        }
    }

    #[test]
    fn the_same_input_gives_the_same_output_whatever_the_blocks() {
        let input = sine(300.0, 44_100, 0.7);
        assert_eq!(
            convert(44_100, 16_000, &input, 1),
            convert(44_100, 16_000, &input, 4096)
        );
    }

    #[test]
    fn pushing_after_the_end_is_an_error_not_a_panic() {
        let mut resampler = MonoResampler::new(48_000, 16_000).expect("resampler");
        resampler.finish().expect("finish");
        assert!(resampler.push(&[0.0]).is_err());
        assert!(MonoResampler::new(0, 16_000).is_err());
    }

    #[test]
    fn sixteen_bit_conversion_round_trips_and_clamps() {
        for sample in [i16::MIN + 1, -1000, 0, 1, 12345, i16::MAX] {
            assert!((to_i16(from_i16(sample)) - sample).abs() <= 1, "{sample}");
        }
        assert_eq!(to_i16(2.0), i16::MAX);
        assert_eq!(to_i16(-2.0), i16::MIN);
    }
}
