//! WAV input for speech-to-text, streamed and never loaded whole.
//!
//! PCM 16-bit mono at 16 kHz or 8 kHz goes straight through. Other rates, channel counts and
//! sample formats (8/24/32-bit integer, 32-bit float) are downmixed to mono and resampled to
//! 16 kHz with rubato. Anything else (compressed WAV, µ-law, not a WAV at all, a truncated file)
//! gets an error that says what is supported.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use super::resample::{self, MonoResampler};

/// Rates the service takes directly.
pub const NATIVE_RATES: [u32; 2] = [16_000, 8_000];
/// The rate everything else is converted to.
pub const CONVERTED_RATE: u32 = 16_000;
/// Frames decoded per read from a file that is converted.
const DECODE_FRAMES: usize = resample::CHUNK_FRAMES;

/// What is supported, for error messages.
pub const SUPPORTED: &str = "WAV (RIFF/WAVE) with integer PCM (8, 16, 24 or 32 bits) or 32-bit float samples, \
     any sample rate and channel count; 16-bit mono at 16 kHz or 8 kHz is sent as is, \
     everything else is downmixed to mono and resampled to 16 kHz";

/// Why an input file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum AudioInputError {
    /// The file could not be opened or read.
    #[error("cannot read {source_name}: {error}")]
    Io {
        /// The file name, or `stdin`.
        source_name: String,
        /// The I/O error.
        error: std::io::Error,
    },
    /// Not a WAV file, or a WAV file with an unsupported encoding.
    #[error("{source_name} is not usable audio: {reason}. Supported: {SUPPORTED}")]
    Unsupported {
        /// The file name, or `stdin`.
        source_name: String,
        /// What is wrong.
        reason: String,
    },
    /// The data ends before the header says it should.
    #[error(
        "{source_name} is truncated: the header announces {expected} sample frames, the data ends after about {read}"
    )]
    Truncated {
        /// The file name, or `stdin`.
        source_name: String,
        /// Frames announced by the header.
        expected: u64,
        /// Frames actually read.
        read: u64,
    },
}

enum Pipeline {
    /// 16-bit mono at a native rate: bytes go straight through.
    PassThrough,
    /// Decode, downmix, resample.
    Convert(Box<Converter>),
}

struct Converter {
    resampler: MonoResampler,
    /// Decoded mono frames, reused between reads.
    decoded: Vec<f32>,
}

/// A streaming source of 16-bit mono PCM at [`PcmSource::sample_rate`].
pub struct PcmSource {
    source_name: String,
    reader: hound::WavReader<Box<dyn Read + Send>>,
    spec: hound::WavSpec,
    pipeline: Pipeline,
    frames_read: u64,
    frames_expected: u64,
    ended: bool,
}

impl std::fmt::Debug for PcmSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PcmSource")
            .field("source", &self.source_name)
            .field("spec", &self.spec)
            .finish_non_exhaustive()
    }
}

impl PcmSource {
    /// Open a WAV file, or standard input for `-`.
    pub fn open(path: &Path) -> Result<Self, AudioInputError> {
        if path == Path::new("-") {
            return Self::from_reader("stdin", Box::new(std::io::stdin()));
        }
        let name = path.display().to_string();
        let io_error = |error| AudioInputError::Io {
            source_name: name.clone(),
            error,
        };
        let file = File::open(path).map_err(io_error)?;
        let file_len = file.metadata().map_err(io_error)?.len();
        let source = Self::from_reader(&name, Box::new(BufReader::with_capacity(64 * 1024, file)))?;
        // A regular file shorter than its header announces is truncated: say so before any
        // connection is made rather than halfway through streaming.
        let frame_bytes = u64::from(source.spec.channels) * u64::from(source.spec.bits_per_sample.div_ceil(8));
        let announced = source.frames_expected.saturating_mul(frame_bytes);
        if file_len < announced {
            let available = file_len.saturating_sub(44) / frame_bytes.max(1);
            return Err(AudioInputError::Truncated {
                source_name: name,
                expected: source.frames_expected,
                read: available,
            });
        }
        Ok(source)
    }

    /// Read WAV data from any reader.
    pub fn from_reader(source_name: &str, reader: Box<dyn Read + Send>) -> Result<Self, AudioInputError> {
        let unsupported = |reason: String| AudioInputError::Unsupported {
            source_name: source_name.to_owned(),
            reason,
        };
        let reader = hound::WavReader::new(reader).map_err(|error| match error {
            hound::Error::IoError(error) => AudioInputError::Io {
                source_name: source_name.to_owned(),
                error,
            },
            other => unsupported(other.to_string()),
        })?;
        let spec = reader.spec();
        if spec.channels == 0 || spec.sample_rate == 0 {
            return Err(unsupported(
                "the header declares zero channels or a zero sample rate".into(),
            ));
        }
        let pass_through = spec.sample_format == hound::SampleFormat::Int
            && spec.bits_per_sample == 16
            && spec.channels == 1
            && NATIVE_RATES.contains(&spec.sample_rate);
        let pipeline = if pass_through {
            Pipeline::PassThrough
        } else {
            match (spec.sample_format, spec.bits_per_sample) {
                (hound::SampleFormat::Int, 8 | 16 | 24 | 32) | (hound::SampleFormat::Float, 32) => {}
                (format, bits) => return Err(unsupported(format!("{bits}-bit {format:?} samples"))),
            }
            Pipeline::Convert(Box::new(Converter {
                resampler: MonoResampler::new(spec.sample_rate, CONVERTED_RATE).map_err(unsupported)?,
                decoded: Vec::with_capacity(DECODE_FRAMES),
            }))
        };
        let frames_expected = u64::from(reader.duration());
        Ok(Self {
            source_name: source_name.to_owned(),
            reader,
            spec,
            pipeline,
            frames_read: 0,
            frames_expected,
            ended: false,
        })
    }

    /// The rate of the PCM this source produces (16 kHz or 8 kHz).
    pub fn sample_rate(&self) -> u32 {
        match self.pipeline {
            Pipeline::PassThrough => self.spec.sample_rate,
            Pipeline::Convert(_) => CONVERTED_RATE,
        }
    }

    /// The input file's format.
    pub fn input_spec(&self) -> hound::WavSpec {
        self.spec
    }

    /// Whether the input is converted (resampled, downmixed or re-quantized).
    pub fn is_converted(&self) -> bool {
        matches!(self.pipeline, Pipeline::Convert(_))
    }

    /// Duration announced by the header, in milliseconds (for progress).
    pub fn announced_duration_ms(&self) -> u64 {
        self.frames_expected.saturating_mul(1000) / u64::from(self.spec.sample_rate)
    }

    /// Append up to `max_bytes` (rounded down to whole samples) of PCM to `out`. Returns the
    /// number of bytes appended; 0 means the end of the audio.
    pub fn read_pcm(&mut self, max_bytes: usize, out: &mut Vec<u8>) -> Result<usize, AudioInputError> {
        let max_samples = max_bytes / 2;
        let start = out.len();
        match &mut self.pipeline {
            Pipeline::PassThrough => {
                let mut samples = self.reader.samples::<i16>();
                while (out.len() - start) / 2 < max_samples && !self.ended {
                    match samples.next() {
                        Some(Ok(sample)) => {
                            out.extend_from_slice(&sample.to_le_bytes());
                            self.frames_read += 1;
                        }
                        Some(Err(error)) => {
                            return Err(read_error(
                                &self.source_name,
                                error,
                                self.frames_expected,
                                self.frames_read,
                            ));
                        }
                        None => self.ended = true,
                    }
                }
            }
            Pipeline::Convert(converter) => {
                while (out.len() - start) / 2 < max_samples {
                    if let Some(sample) = converter.resampler.pop() {
                        out.extend_from_slice(&resample::to_i16(sample).to_le_bytes());
                        continue;
                    }
                    if converter.resampler.is_drained() {
                        break;
                    }
                    let frames = read_mono_frames(
                        &mut self.reader,
                        self.spec,
                        &mut converter.decoded,
                        DECODE_FRAMES,
                        &self.source_name,
                        self.frames_expected,
                        &mut self.frames_read,
                    )?;
                    let unsupported = |reason| AudioInputError::Unsupported {
                        source_name: self.source_name.clone(),
                        reason,
                    };
                    converter.resampler.push(&converter.decoded).map_err(unsupported)?;
                    if frames < DECODE_FRAMES {
                        converter.resampler.finish().map_err(unsupported)?;
                    }
                }
            }
        }
        Ok(out.len() - start)
    }
}

fn read_error(source_name: &str, error: hound::Error, expected: u64, read: u64) -> AudioInputError {
    match error {
        // hound reports a short read as UnexpectedEof or as "Failed to read enough bytes".
        hound::Error::IoError(error)
            if error.kind() == std::io::ErrorKind::UnexpectedEof || error.to_string().contains("enough bytes") =>
        {
            AudioInputError::Truncated {
                source_name: source_name.to_owned(),
                expected,
                read,
            }
        }
        hound::Error::IoError(error) => AudioInputError::Io {
            source_name: source_name.to_owned(),
            error,
        },
        other => AudioInputError::Unsupported {
            source_name: source_name.to_owned(),
            reason: other.to_string(),
        },
    }
}

/// Read up to `frames` frames, downmixed to mono f32 in [-1, 1], into `buffer` (cleared first).
/// Returns the number of frames read; fewer than asked means the end of the data.
fn read_mono_frames(
    reader: &mut hound::WavReader<Box<dyn Read + Send>>,
    spec: hound::WavSpec,
    buffer: &mut Vec<f32>,
    frames: usize,
    source_name: &str,
    expected: u64,
    frames_read: &mut u64,
) -> Result<usize, AudioInputError> {
    buffer.clear();
    let channels = usize::from(spec.channels);
    let scale = match spec.sample_format {
        hound::SampleFormat::Float => 1.0,
        hound::SampleFormat::Int => 1.0 / (1u64 << (spec.bits_per_sample - 1)) as f32,
    };
    let mut frame_sum = 0.0f32;
    let mut in_frame = 0usize;
    let mut push = |value: f32, buffer: &mut Vec<f32>| {
        frame_sum += value;
        in_frame += 1;
        if in_frame == channels {
            buffer.push(frame_sum / channels as f32);
            frame_sum = 0.0;
            in_frame = 0;
        }
    };
    let wanted = frames * channels;
    let mut taken = 0;
    match spec.sample_format {
        hound::SampleFormat::Float => {
            for sample in reader.samples::<f32>().take(wanted) {
                let sample = sample.map_err(|e| read_error(source_name, e, expected, *frames_read))?;
                push(sample, buffer);
                taken += 1;
            }
        }
        hound::SampleFormat::Int => {
            for sample in reader.samples::<i32>().take(wanted) {
                let sample = sample.map_err(|e| read_error(source_name, e, expected, *frames_read))?;
                push(sample as f32 * scale, buffer);
                taken += 1;
            }
        }
    }
    let frames_got = taken / channels;
    *frames_read += frames_got as u64;
    Ok(frames_got)
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    fn wav(spec: hound::WavSpec, frames: usize, mut sample: impl FnMut(usize, u16) -> f64) -> Vec<u8> {
        let mut bytes = Cursor::new(Vec::new());
        {
            let mut writer = hound::WavWriter::new(&mut bytes, spec).expect("writer");
            for frame in 0..frames {
                for channel in 0..spec.channels {
                    let value = sample(frame, channel);
                    match (spec.sample_format, spec.bits_per_sample) {
                        (hound::SampleFormat::Float, _) => writer.write_sample(value as f32),
                        (_, 8) => writer.write_sample((value * 127.0) as i8),
                        (_, 16) => writer.write_sample((value * 32767.0) as i16),
                        (_, bits) => writer.write_sample((value * f64::from((1u32 << (bits - 1)) - 1)) as i32),
                    }
                    .expect("sample");
                }
            }
            writer.finalize().expect("finalize");
        }
        bytes.into_inner()
    }

    fn spec(rate: u32, channels: u16, bits: u16, format: hound::SampleFormat) -> hound::WavSpec {
        hound::WavSpec {
            channels,
            sample_rate: rate,
            bits_per_sample: bits,
            sample_format: format,
        }
    }

    fn read_all(bytes: Vec<u8>) -> Result<(u32, Vec<i16>), AudioInputError> {
        let mut source = PcmSource::from_reader("test.wav", Box::new(Cursor::new(bytes)))?;
        let mut pcm = Vec::new();
        while source.read_pcm(3200, &mut pcm)? > 0 {}
        let samples = pcm.chunks_exact(2).map(|b| i16::from_le_bytes([b[0], b[1]])).collect();
        Ok((source.sample_rate(), samples))
    }

    fn sine(freq: f64, rate: u32) -> impl FnMut(usize, u16) -> f64 {
        move |frame, _| 0.5 * (2.0 * std::f64::consts::PI * freq * frame as f64 / f64::from(rate)).sin()
    }

    /// Rising zero crossings per second: the frequency of a sine.
    fn frequency(samples: &[i16], rate: u32) -> f64 {
        let crossings = samples.windows(2).filter(|w| w[0] < 0 && w[1] >= 0).count();
        crossings as f64 * f64::from(rate) / samples.len() as f64
    }

    #[test]
    fn sixteen_khz_mono_passes_through_bit_exact() {
        let bytes = wav(
            spec(16_000, 1, 16, hound::SampleFormat::Int),
            16_000,
            sine(440.0, 16_000),
        );
        let expected: Vec<i16> = hound::WavReader::new(Cursor::new(bytes.clone()))
            .expect("reader")
            .samples::<i16>()
            .map(|s| s.expect("sample"))
            .collect();
        let (rate, samples) = read_all(bytes).expect("reads");
        assert_eq!(rate, 16_000);
        assert_eq!(samples, expected);
    }

    #[test]
    fn eight_khz_mono_stays_at_eight_khz() {
        let (rate, samples) = read_all(wav(
            spec(8_000, 1, 16, hound::SampleFormat::Int),
            4_000,
            sine(300.0, 8_000),
        ))
        .expect("reads");
        assert_eq!((rate, samples.len()), (8_000, 4_000));
    }

    #[test]
    fn other_formats_are_converted_to_16_khz_mono_keeping_length_and_pitch() {
        let cases = [
            spec(44_100, 2, 16, hound::SampleFormat::Int),
            spec(48_000, 1, 24, hound::SampleFormat::Int),
            spec(22_050, 1, 32, hound::SampleFormat::Float),
            spec(16_000, 2, 16, hound::SampleFormat::Int),
            spec(11_025, 1, 8, hound::SampleFormat::Int),
            spec(8_000, 2, 16, hound::SampleFormat::Int),
        ];
        for spec in cases {
            let seconds = 2;
            let frames = spec.sample_rate as usize * seconds;
            let (rate, samples) = read_all(wav(spec, frames, sine(440.0, spec.sample_rate))).expect("reads");
            assert_eq!(rate, 16_000, "{spec:?}");
            let expected = 16_000 * seconds;
            assert!(
                samples.len().abs_diff(expected) <= 1,
                "{spec:?}: {} samples, expected {expected}",
                samples.len()
            );
            let f = frequency(&samples, 16_000);
            assert!((f - 440.0).abs() < 5.0, "{spec:?}: pitch {f} Hz");
        }
    }

    #[test]
    fn stereo_is_downmixed_by_averaging() {
        let bytes = wav(spec(16_000, 2, 16, hound::SampleFormat::Int), 100, |_, channel| {
            if channel == 0 { 0.5 } else { 0.0 }
        });
        let (_, samples) = read_all(bytes).expect("reads");
        assert!(samples.iter().all(|&s| (s - 8191).abs() <= 2), "{:?}", &samples[..4]);
    }

    #[test]
    fn truncated_and_foreign_files_get_clear_errors() {
        let mut bytes = wav(
            spec(16_000, 1, 16, hound::SampleFormat::Int),
            16_000,
            sine(440.0, 16_000),
        );
        bytes.truncate(bytes.len() / 2 + 1);
        match read_all(bytes) {
            Err(AudioInputError::Truncated { expected, read, .. }) => assert!(expected == 16_000 && read < expected),
            other => panic!("expected a truncation error, got {other:?}"),
        }
        for junk in [
            b"not a wav file at all".to_vec(),
            Vec::new(),
            b"RIFF\x10\x00\x00\x00WAVE".to_vec(),
        ] {
            match read_all(junk) {
                Err(error @ (AudioInputError::Unsupported { .. } | AudioInputError::Io { .. })) => {
                    assert!(error.to_string().contains("test.wav"), "{error}");
                }
                other => panic!("expected an error, got {other:?}"),
            }
        }
    }

    #[test]
    fn reads_whole_samples_only() {
        let bytes = wav(spec(16_000, 1, 16, hound::SampleFormat::Int), 10, sine(440.0, 16_000));
        let mut source = PcmSource::from_reader("t", Box::new(Cursor::new(bytes))).expect("opens");
        let mut pcm = Vec::new();
        assert_eq!(source.read_pcm(5, &mut pcm).expect("read"), 4);
    }
}
