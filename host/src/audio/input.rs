//! Audio file input for speech-to-text, decoded as the session pulls it and never loaded whole.
//!
//! Any file [`super::decode::AudioDecoder`] reads (WAV of any PCM or float flavour, FLAC, MP3,
//! AAC/M4A, Ogg Vorbis, Ogg Opus) becomes 16-bit mono PCM: 16-bit mono WAV at 16 kHz or 8 kHz goes
//! straight through, bit for bit; everything else is downmixed to mono and resampled to 16 kHz
//! with rubato. A file that cannot be used (not audio, an unknown codec, damaged or truncated)
//! gets an error that names its container and codec and says how to fix it.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use symphonia::core::io::ReadOnlySource;

use super::decode::AudioDecoder;
pub use super::decode::InputFormat;
use super::resample::{self, MonoResampler};

/// Rates the service takes directly.
pub const NATIVE_RATES: [u32; 2] = [16_000, 8_000];
/// The rate everything else is converted to.
pub const CONVERTED_RATE: u32 = 16_000;

/// What is supported, for error messages.
pub const SUPPORTED: &str = "WAV (8/16/24/32-bit integer or 32-bit float PCM, µ-law, A-law, \
     WAVE_FORMAT_EXTENSIBLE), FLAC, MP3, AAC (M4A/MP4 or ADTS), Ogg Vorbis and Ogg Opus, \
     any sample rate and channel count";

/// How to turn anything else into a file azspeech reads.
pub const CONVERT_FIX: &str = "convert it to WAV first, e.g. `ffmpeg -i INPUT -ac 1 -ar 16000 OUTPUT.wav` \
     (for Opus also `opusdec INPUT OUTPUT.wav`)";

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
    /// Not an audio container azspeech reads.
    #[error("{source_name} is not usable audio: {reason}. Supported: {SUPPORTED}.\n  fix: {CONVERT_FIX}")]
    Unsupported {
        /// The file name, or `stdin`.
        source_name: String,
        /// What is wrong.
        reason: String,
    },
    /// A container azspeech reads holding a codec it does not decode.
    #[error(
        "{source_name}: the {container} container holds {codec} audio, which azspeech does not decode. \
         Supported: {SUPPORTED}.\n  fix: {CONVERT_FIX}"
    )]
    UnsupportedCodec {
        /// The file name, or `stdin`.
        source_name: String,
        /// The container (e.g. `wave`, `isomp4`).
        container: String,
        /// The codec.
        codec: String,
    },
    /// The audio data cannot be decoded.
    #[error(
        "{source_name} is damaged ({codec} in {container}): {detail}.\n  fix: re-create or re-download the \
         file; if another player reads it, {CONVERT_FIX}"
    )]
    Corrupt {
        /// The file name, or `stdin`.
        source_name: String,
        /// The container.
        container: String,
        /// The codec.
        codec: String,
        /// What the decoder found.
        detail: String,
    },
    /// The audio ends (or stops being decodable) well before the header says it should.
    #[error(
        "{source_name} ({codec} in {container}) is truncated or damaged: the header announces {expected} sample \
         frames, only about {read} could be decoded.\n  fix: re-create or re-download the file"
    )]
    Truncated {
        /// The file name, or `stdin`.
        source_name: String,
        /// The container.
        container: String,
        /// The codec.
        codec: String,
        /// Frames announced by the header.
        expected: u64,
        /// Frames actually decoded.
        read: u64,
    },
}

enum Pipeline {
    /// 16-bit mono at a native rate: samples go straight through.
    PassThrough {
        /// The samples of the last packet, and how many of them have been handed out.
        packet: Vec<i16>,
        taken: usize,
    },
    /// Decode, downmix, resample.
    Convert(Box<Converter>),
}

struct Converter {
    resampler: MonoResampler,
    /// The last packet's interleaved samples, reused between packets.
    packet: Vec<f32>,
    /// The same downmixed to mono.
    mono: Vec<f32>,
}

/// A streaming source of 16-bit mono PCM at [`PcmSource::sample_rate`].
pub struct PcmSource {
    source_name: String,
    decoder: AudioDecoder,
    pipeline: Pipeline,
    /// Frames decoded so far, at the input's rate.
    frames_read: u64,
    /// Frames the header announces, and how many of them may be missing at the end before the
    /// file counts as truncated.
    frames_expected: Option<(u64, u64)>,
}

impl std::fmt::Debug for PcmSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PcmSource")
            .field("source", &self.source_name)
            .field("format", self.decoder.format())
            .finish_non_exhaustive()
    }
}

/// Bytes of the smallest WAV header, for the early truncation estimate.
const WAV_HEADER_BYTES: u64 = 44;

impl PcmSource {
    /// Open an audio file, or standard input for `-`.
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
        let metadata = file.metadata().map_err(io_error)?;
        if metadata.is_dir() {
            return Err(io_error(std::io::Error::other("it is a directory")));
        }
        let extension = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
        let decoder = AudioDecoder::open(&name, Box::new(file), extension.as_deref())?;
        let source = Self::new(name, decoder)?;
        // A WAV file shorter than its header announces is truncated: say so before any
        // connection is made rather than halfway through streaming.
        let format = source.decoder.format();
        if let (Some((expected, _)), Some(frame_bytes)) = (source.frames_expected, wav_frame_bytes(format))
            && metadata.is_file()
            && metadata.len() < expected.saturating_mul(frame_bytes)
        {
            return Err(source.truncated(metadata.len().saturating_sub(WAV_HEADER_BYTES) / frame_bytes));
        }
        // A file whose header announces no audio at all (an empty WAV data chunk) would be
        // sent as silence and come back as "no speech": say what is wrong instead.
        if matches!(source.frames_expected, Some((0, _))) {
            return Err(AudioInputError::Unsupported {
                source_name: source.source_name.clone(),
                reason: format!(
                    "it holds no audio: its {} header announces 0 sample frames (an empty data chunk)",
                    source.decoder.format().container
                ),
            });
        }
        Ok(source)
    }

    /// Read audio from any reader (not seekable: formats that need to seek, such as an MP4
    /// whose index is at the end, need [`PcmSource::open`]).
    pub fn from_reader(source_name: &str, reader: Box<dyn Read + Send>) -> Result<Self, AudioInputError> {
        let source = ReadOnlySource::new(SyncReader(std::sync::Mutex::new(reader)));
        let decoder = AudioDecoder::open(source_name, Box::new(source), None)?;
        Self::new(source_name.to_owned(), decoder)
    }

    fn new(source_name: String, decoder: AudioDecoder) -> Result<Self, AudioInputError> {
        let format = decoder.format().clone();
        let pass_through = format.is_pcm_s16 && format.channels == 1 && NATIVE_RATES.contains(&format.sample_rate);
        let pipeline = if pass_through {
            Pipeline::PassThrough {
                packet: Vec::new(),
                taken: 0,
            }
        } else {
            let resampler = MonoResampler::new(format.sample_rate, CONVERTED_RATE).map_err(|e| decoder.corrupt(e))?;
            Pipeline::Convert(Box::new(Converter {
                resampler,
                packet: Vec::new(),
                mono: Vec::new(),
            }))
        };
        Ok(Self {
            frames_expected: announced_frames(&format),
            source_name,
            decoder,
            pipeline,
            frames_read: 0,
        })
    }

    /// The rate of the PCM this source produces (16 kHz or 8 kHz).
    pub fn sample_rate(&self) -> u32 {
        match self.pipeline {
            Pipeline::PassThrough { .. } => self.decoder.format().sample_rate,
            Pipeline::Convert(_) => CONVERTED_RATE,
        }
    }

    /// The input file's container, codec and layout.
    pub fn input_format(&self) -> &InputFormat {
        self.decoder.format()
    }

    /// Whether the input is converted (decoded, resampled, downmixed or re-quantized).
    pub fn is_converted(&self) -> bool {
        matches!(self.pipeline, Pipeline::Convert(_))
    }

    /// Duration announced by the container, in milliseconds (for progress); 0 if unknown.
    pub fn announced_duration_ms(&self) -> u64 {
        let format = self.decoder.format();
        format.frames.map_or(0, |frames| {
            frames.saturating_mul(1000) / u64::from(format.sample_rate.max(1))
        })
    }

    /// Append up to `max_bytes` (rounded down to whole samples) of PCM to `out`. Returns the
    /// number of bytes appended; 0 means the end of the audio.
    pub fn read_pcm(&mut self, max_bytes: usize, out: &mut Vec<u8>) -> Result<usize, AudioInputError> {
        let max_samples = max_bytes / 2;
        let start = out.len();
        let written = |out: &Vec<u8>| (out.len() - start) / 2;
        let mut at_end = false;
        match &mut self.pipeline {
            Pipeline::PassThrough { packet, taken } => {
                while written(out) < max_samples {
                    if *taken < packet.len() {
                        let n = (max_samples - written(out)).min(packet.len() - *taken);
                        for sample in &packet[*taken..*taken + n] {
                            out.extend_from_slice(&sample.to_le_bytes());
                        }
                        *taken += n;
                        continue;
                    }
                    let frames = self.decoder.read_packet(packet)?;
                    *taken = 0;
                    if frames == 0 {
                        at_end = true;
                        break;
                    }
                    self.frames_read += frames as u64;
                }
            }
            Pipeline::Convert(converter) => {
                let channels = usize::from(self.decoder.format().channels);
                while written(out) < max_samples {
                    if let Some(sample) = converter.resampler.pop() {
                        out.extend_from_slice(&resample::to_i16(sample).to_le_bytes());
                        continue;
                    }
                    if converter.resampler.is_drained() {
                        break;
                    }
                    let frames = self.decoder.read_packet(&mut converter.packet)?;
                    if frames == 0 {
                        at_end = true;
                        converter.resampler.finish().map_err(|e| self.decoder.corrupt(e))?;
                        continue;
                    }
                    self.frames_read += frames as u64;
                    downmix(&converter.packet, channels, &mut converter.mono);
                    converter
                        .resampler
                        .push(&converter.mono)
                        .map_err(|e| self.decoder.corrupt(e))?;
                }
            }
        }
        if at_end {
            self.check_complete()?;
        }
        Ok(out.len() - start)
    }

    /// At the end of the audio: an error if much less was decoded than the header announced.
    fn check_complete(&self) -> Result<(), AudioInputError> {
        match self.frames_expected {
            Some((expected, tolerance)) if self.frames_read + tolerance < expected => {
                Err(self.truncated(self.frames_read))
            }
            _ => Ok(()),
        }
    }

    fn truncated(&self, read: u64) -> AudioInputError {
        let format = self.decoder.format();
        AudioInputError::Truncated {
            source_name: self.source_name.clone(),
            container: format.container.clone(),
            codec: format.codec.clone(),
            expected: self.frames_expected.map_or(0, |(expected, _)| expected),
            read,
        }
    }
}

/// `std::io::stdin()` and other readers are `Send` but not `Sync`, which symphonia's sources
/// must be; reads only ever happen from one thread at a time.
struct SyncReader(std::sync::Mutex<Box<dyn Read + Send>>);

impl Read for SyncReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0
            .get_mut()
            .map_err(|_| std::io::Error::other("reader poisoned"))?
            .read(buf)
    }
}

/// Average interleaved frames of `channels` samples into `mono` (cleared first).
fn downmix(interleaved: &[f32], channels: usize, mono: &mut Vec<f32>) {
    mono.clear();
    if channels == 1 {
        mono.extend_from_slice(interleaved);
        return;
    }
    let scale = 1.0 / channels as f32;
    mono.extend(
        interleaved
            .chunks_exact(channels)
            .map(|frame| frame.iter().sum::<f32>() * scale),
    );
}

/// Bytes per frame of a WAV file's PCM data, where the file length can be checked against the
/// header's announced length.
fn wav_frame_bytes(format: &InputFormat) -> Option<u64> {
    if format.container != "wave" {
        return None;
    }
    let bits = format.bits_per_sample?;
    Some(u64::from(format.channels) * u64::from(bits.div_ceil(8)))
}

/// The frames a file must deliver, and the shortfall tolerated. WAV (unless its header says
/// "unknown length", as a stream written to a pipe does) and FLAC announce exact counts, and
/// any shortfall is a truncation; other containers' counts may be estimates (an MP3 without a
/// VBR header), so only a shortfall of more than 5 % and 100 ms counts.
fn announced_frames(format: &InputFormat) -> Option<(u64, u64)> {
    let frames = format.frames?;
    match format.container.as_str() {
        "wave" => {
            let frame_bytes = wav_frame_bytes(format)?;
            // A data length at or near u32::MAX is a streaming writer's "unknown".
            (frames.saturating_mul(frame_bytes) < u64::from(u32::MAX) - 0xFFFF).then_some((frames, 0))
        }
        "flac" => Some((frames, 0)),
        _ => Some((frames, (frames / 20).max(u64::from(format.sample_rate) / 10))),
    }
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

    /// Every regression vector the fuzzer found for the audio decoder gives a result, never a
    /// panic, both from a file (seekable) and from a pipe.
    #[test]
    fn fuzz_regression_vectors_get_an_error_not_a_panic() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../component/fuzz/regressions/audio_decode");
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).expect("regression vectors") {
            let path = entry.expect("entry").path();
            let bytes = std::fs::read(&path).expect("vector");
            let from_pipe = read_all(bytes);
            let from_file = PcmSource::open(&path).and_then(|mut source| {
                let mut pcm = Vec::new();
                while source.read_pcm(3200, &mut pcm)? > 0 {}
                Ok(pcm.len())
            });
            if path.ends_with("wav-fmt-50000-channels.wav") {
                // symphonia-format-riff 0.6.1 overflows u16 on this header (chunks.rs:100).
                for error in [
                    from_pipe.expect_err("refused").to_string(),
                    from_file.expect_err("refused").to_string(),
                ] {
                    assert!(error.contains("claims 50000 channels"), "{error}");
                }
            }
            seen += 1;
        }
        assert!(seen >= 1, "no vectors in {}", dir.display());
    }

    #[test]
    fn an_empty_data_chunk_is_refused_as_holding_no_audio() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("empty.wav");
        std::fs::write(&path, wav(spec(16_000, 1, 16, hound::SampleFormat::Int), 0, |_, _| 0.0)).expect("write");
        let error = PcmSource::open(&path).expect_err("refused").to_string();
        assert!(error.contains("holds no audio"), "{error}");
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
