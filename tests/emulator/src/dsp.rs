//! Signal processing: resampling, frame features, lenient WAV reading.

use std::f64::consts::PI;

/// The rate at which recognition works (and fingerprints are computed).
pub(crate) const RATE: u32 = 16_000;
/// Samples per 10 ms frame at [`RATE`].
pub(crate) const FRAME: usize = 160;
/// 100-ns ticks per sample at [`RATE`].
pub(crate) const TICKS_PER_SAMPLE: u64 = 10_000_000 / RATE as u64;

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// A windowed-sinc polyphase resampler between two integer rates. Output sample `n` is the
/// band-limited value of the input at time `n / to` exactly (a symmetric kernel: no delay), so
/// offsets keep their meaning across rates.
#[derive(Debug, Clone)]
pub(crate) struct Resampler {
    up: u64,
    down: u64,
    half: usize,
    table: Vec<f32>,
    /// Input samples not yet fully used, starting at absolute input index `base`.
    input: Vec<f32>,
    base: u64,
    /// Next output sample index.
    next: u64,
}

impl Resampler {
    pub(crate) fn new(from: u32, to: u32) -> Self {
        let g = gcd(u64::from(from), u64::from(to)).max(1);
        let up = u64::from(to) / g;
        let down = u64::from(from) / g;
        let fc = (f64::from(to) / f64::from(from)).min(1.0) * 0.97;
        let half = ((16.0 / fc).ceil() as usize).max(1);
        let taps = 2 * half;
        let mut table = vec![0f32; up as usize * taps];
        for p in 0..up as usize {
            let frac = p as f64 / up as f64;
            for j in 0..taps {
                // Input index k = i0 - half + 1 + j; distance d = t - k = frac + half - 1 - j.
                let d = frac + half as f64 - 1.0 - j as f64;
                let x = PI * fc * d;
                let sinc = if x.abs() < 1e-12 { 1.0 } else { x.sin() / x };
                let w = d / half as f64;
                // Blackman window over [-1, 1].
                let window = if w.abs() >= 1.0 {
                    0.0
                } else {
                    0.42 + 0.5 * (PI * w).cos() + 0.08 * (2.0 * PI * w).cos()
                };
                table[p * taps + j] = (fc * sinc * window) as f32;
            }
        }
        Resampler {
            up,
            down,
            half,
            table,
            input: Vec::new(),
            base: 0,
            next: 0,
        }
    }

    fn produce(&mut self, end_of_input: bool, out: &mut Vec<i16>) {
        let taps = 2 * self.half;
        let available = self.base + self.input.len() as u64;
        loop {
            let pos = self.next * self.down;
            let i0 = pos / self.up;
            let phase = (pos % self.up) as usize;
            if end_of_input {
                if i0 >= available {
                    break;
                }
            } else if i0 + self.half as u64 >= available {
                break;
            }
            let coefficients = &self.table[phase * taps..(phase + 1) * taps];
            let mut acc = 0f32;
            let first = i0 as i64 - self.half as i64 + 1;
            for (j, c) in coefficients.iter().enumerate() {
                let k = first + j as i64;
                if k < self.base as i64 {
                    continue; // before the start: zero (or already dropped, which cannot happen)
                }
                let idx = (k as u64 - self.base) as usize;
                if let Some(x) = self.input.get(idx) {
                    acc += c * x;
                }
            }
            out.push(acc.round().clamp(-32768.0, 32767.0) as i16);
            self.next += 1;
        }
        // Drop input no longer needed by future outputs.
        let pos = self.next * self.down;
        let keep_from = (pos / self.up).saturating_sub(self.half as u64 + 1);
        if keep_from > self.base {
            let drop = ((keep_from - self.base) as usize).min(self.input.len());
            self.input.drain(..drop);
            self.base += drop as u64;
        }
    }

    /// Feed input samples; returns the output samples now available.
    pub(crate) fn push(&mut self, samples: &[i16]) -> Vec<i16> {
        self.input.extend(samples.iter().map(|&s| f32::from(s)));
        let mut out = Vec::new();
        self.produce(false, &mut out);
        out
    }

    /// End of input: the remaining output samples.
    pub(crate) fn finish(&mut self) -> Vec<i16> {
        let mut out = Vec::new();
        self.produce(true, &mut out);
        out
    }
}

/// Resample a whole signal.
pub(crate) fn resample(samples: &[i16], from: u32, to: u32) -> Vec<i16> {
    if from == to {
        return samples.to_vec();
    }
    let mut r = Resampler::new(from, to);
    let mut out = r.push(samples);
    out.extend(r.finish());
    // Exactly round(len * to / from) samples.
    let expected = ((samples.len() as u64 * u64::from(to) + u64::from(from) / 2) / u64::from(from)) as usize;
    out.truncate(expected);
    out
}

/// RMS level of a frame in dBFS.
pub(crate) fn level_db(frame: &[i16]) -> f32 {
    if frame.is_empty() {
        return -120.0;
    }
    let sum: f64 = frame.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
    let rms = (sum / frame.len() as f64).sqrt();
    (20.0 * (rms / 32768.0 + 1e-9).log10()) as f32
}

/// Number of bands in a frame feature.
pub(crate) const BANDS: usize = 4;
/// Band energies below this are clamped (dB relative to a full-scale sine).
pub(crate) const FLOOR_DB: f32 = -65.0;

/// Band energies (dB) of one 10 ms frame at 16 kHz: 125–690, 690–1500, 1500–3000, 3000–7000 Hz.
/// Sub-band energies below 8 kHz survive band-limited resampling, so a resampled copy of an
/// utterance has nearly the same features.
pub(crate) fn band_features(frame: &[i16]) -> [f32; BANDS] {
    const N: usize = 256;
    let mut re = [0f64; N];
    let mut im = [0f64; N];
    let len = frame.len().min(FRAME);
    for (i, &s) in frame.iter().take(len).enumerate() {
        let w = 0.5 - 0.5 * (2.0 * PI * i as f64 / len as f64).cos();
        re[i] = f64::from(s) * w;
    }
    fft(&mut re, &mut im);
    const EDGES: [usize; BANDS + 1] = [2, 11, 24, 48, 112];
    // A full-scale sine in one bin: (32768 * sum(w) / 2)^2 with sum(w) = len / 2.
    let full = (32768.0 * (len as f64 / 2.0) / 2.0).powi(2);
    let mut out = [FLOOR_DB; BANDS];
    for b in 0..BANDS {
        let energy: f64 = (EDGES[b]..EDGES[b + 1]).map(|k| re[k] * re[k] + im[k] * im[k]).sum();
        let db = (10.0 * (energy / full + 1e-12).log10()) as f32;
        out[b] = db.max(FLOOR_DB);
    }
    out
}

/// In-place radix-2 FFT (length a power of two).
fn fft(re: &mut [f64], im: &mut [f64]) {
    let n = re.len();
    let mut j = 0;
    for i in 1..n {
        let mut bit = n >> 1;
        while j & bit != 0 {
            j ^= bit;
            bit >>= 1;
        }
        j |= bit;
        if i < j {
            re.swap(i, j);
            im.swap(i, j);
        }
    }
    let mut len = 2;
    while len <= n {
        let angle = -2.0 * PI / len as f64;
        for start in (0..n).step_by(len) {
            for k in 0..len / 2 {
                let (s, c) = (angle * k as f64).sin_cos();
                let a = start + k;
                let b = a + len / 2;
                let tr = re[b] * c - im[b] * s;
                let ti = re[b] * s + im[b] * c;
                re[b] = re[a] - tr;
                im[b] = im[a] - ti;
                re[a] += tr;
                im[a] += ti;
            }
        }
        len <<= 1;
    }
}

/// Decoded WAV audio.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Wav {
    pub(crate) rate: u32,
    /// Mono samples (channels averaged).
    pub(crate) samples: Vec<i16>,
}

/// Read 16-bit PCM WAV bytes, tolerating streaming headers (sizes 0 or 0xFFFFFFFF, as
/// `espeak-ng --stdout` writes) by reading the data chunk to the end. Channels are averaged.
pub(crate) fn read_wav(bytes: &[u8]) -> Result<Wav, String> {
    let planar = read_wav_channels(bytes)?;
    let count = planar.channels.len() as i32;
    let frames = planar.channels.first().map_or(0, Vec::len);
    let samples = (0..frames)
        .map(|i| {
            let sum: i32 = planar.channels.iter().map(|c| i32::from(c[i])).sum();
            (sum / count) as i16
        })
        .collect();
    Ok(Wav {
        rate: planar.rate,
        samples,
    })
}

/// Decoded WAV audio, one sample vector per channel.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PlanarWav {
    pub(crate) rate: u32,
    /// At least one channel; all of the same length.
    pub(crate) channels: Vec<Vec<i16>>,
}

/// Read 16-bit PCM WAV bytes into separate channels (see [`read_wav`] for the tolerated headers).
pub(crate) fn read_wav_channels(bytes: &[u8]) -> Result<PlanarWav, String> {
    if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return Err("not a RIFF/WAVE file".to_owned());
    }
    let mut pos = 12;
    let mut format: Option<(u16, u16, u32, u16)> = None;
    while pos + 8 <= bytes.len() {
        let id = &bytes[pos..pos + 4];
        let size = u32::from_le_bytes([bytes[pos + 4], bytes[pos + 5], bytes[pos + 6], bytes[pos + 7]]) as usize;
        let body = pos + 8;
        if id == b"fmt " {
            if body + 16 > bytes.len() {
                return Err("truncated fmt chunk".to_owned());
            }
            let f = &bytes[body..body + 16];
            let tag = u16::from_le_bytes([f[0], f[1]]);
            let channels = u16::from_le_bytes([f[2], f[3]]);
            let rate = u32::from_le_bytes([f[4], f[5], f[6], f[7]]);
            let bits = u16::from_le_bytes([f[14], f[15]]);
            format = Some((tag, channels, rate, bits));
        } else if id == b"data" {
            let (tag, channels, rate, bits) = format.ok_or("data chunk before fmt chunk")?;
            if !(tag == 1 || tag == 0xFFFE) || bits != 16 {
                return Err(format!(
                    "only 16-bit PCM WAV is supported (format tag {tag}, {bits} bits)"
                ));
            }
            if channels == 0 || rate == 0 {
                return Err("WAV with 0 channels or 0 Hz".to_owned());
            }
            let end = if size == 0 || size == 0xFFFF_FFFF || body + size > bytes.len() {
                bytes.len()
            } else {
                body + size
            };
            let data = &bytes[body..end];
            let count = usize::from(channels);
            let frames = data.len() / (2 * count);
            let mut planar = vec![Vec::with_capacity(frames); count];
            for frame in data.chunks_exact(2 * count) {
                for (channel, c) in planar.iter_mut().zip(frame.chunks_exact(2)) {
                    channel.push(i16::from_le_bytes([c[0], c[1]]));
                }
            }
            return Ok(PlanarWav { rate, channels: planar });
        }
        pos = body + size + (size & 1);
        if size == 0xFFFF_FFFF {
            break;
        }
    }
    Err("no data chunk".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(rate: u32, freq: f64, secs: f64) -> Vec<i16> {
        (0..(f64::from(rate) * secs) as usize)
            .map(|i| (10000.0 * (2.0 * PI * freq * i as f64 / f64::from(rate)).sin()) as i16)
            .collect()
    }

    #[test]
    fn resampling_keeps_time_and_tone() {
        for (from, to) in [
            (24000, 16000),
            (22050, 16000),
            (16000, 24000),
            (8000, 16000),
            (48000, 16000),
        ] {
            let input = sine(from, 440.0, 0.5);
            let out = resample(&input, from, to);
            assert_eq!(
                out.len(),
                (input.len() as u64 * u64::from(to) / u64::from(from)) as usize
            );
            let reference = sine(to, 440.0, 0.5);
            // Compare the middle (edges see zero padding).
            let mid = out.len() / 4..out.len() * 3 / 4;
            let err: f64 = mid
                .clone()
                .map(|i| (f64::from(out[i]) - f64::from(reference[i])).abs())
                .sum::<f64>()
                / mid.len() as f64;
            assert!(err < 60.0, "{from}->{to}: mean error {err}");
        }
    }

    #[test]
    fn streaming_equals_offline() {
        let input = sine(24000, 300.0, 0.3);
        let offline = resample(&input, 24000, 16000);
        let mut r = Resampler::new(24000, 16000);
        let mut streamed = Vec::new();
        for chunk in input.chunks(777) {
            streamed.extend(r.push(chunk));
        }
        streamed.extend(r.finish());
        streamed.truncate(offline.len());
        assert_eq!(streamed, offline);
    }

    #[test]
    fn features_see_the_band() {
        let low = band_features(&sine(16000, 400.0, 0.01));
        let high = band_features(&sine(16000, 5000.0, 0.01));
        assert!(low[0] > low[3] + 30.0, "{low:?}");
        assert!(high[3] > high[0] + 30.0, "{high:?}");
        assert_eq!(band_features(&[0; FRAME]), [FLOOR_DB; BANDS]);
    }
}
