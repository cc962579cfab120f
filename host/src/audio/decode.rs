//! Audio file decoding, packet by packet, in pure Rust: symphonia demuxes WAV, FLAC, MP3, Ogg
//! and MP4/M4A (and raw ADTS AAC) and decodes PCM, FLAC, MP3, AAC-LC and Vorbis; Opus, which
//! symphonia does not decode, goes through the `opus-decoder` crate (pure Rust, RFC 8251
//! conformant). Nothing is read ahead of what the caller asks for beyond one packet, so a file of
//! any length is decoded in constant memory.
//!
//! [`AudioDecoder`] hands out interleaved samples of one packet at a time, trimmed of encoder
//! delay and padding; [`crate::audio::input::PcmSource`] turns them into what the service takes.

use std::fmt;
use std::io::{Read, Seek};

use symphonia::core::audio::conv::ConvertibleSample;
use symphonia::core::codecs::CodecParameters;
use symphonia::core::codecs::audio::well_known::{self as codecs, CODEC_ID_OPUS};
use symphonia::core::codecs::audio::{AudioCodecId, AudioCodecParameters, AudioDecoderOptions};
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, TrackType};
use symphonia::core::io::{MediaSource, MediaSourceStream, MediaSourceStreamOptions};
use symphonia::core::meta::MetadataOptions;

use super::input::AudioInputError;

/// Opus is always decoded at 48 kHz (the rate its timestamps and trims count in).
const OPUS_RATE: u32 = 48_000;
/// The longest Opus packet: 120 ms at 48 kHz.
const OPUS_MAX_FRAMES: usize = 5_760;

/// What a file holds, as its container announces it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFormat {
    /// The container, e.g. `wave`, `ogg`, `isomp4`, `flac`, `mp3`.
    pub container: String,
    /// The codec, e.g. `pcm_s16le`, `mp3`, `aac`, `vorbis`, `opus`, `flac`.
    pub codec: String,
    /// Samples per second.
    pub sample_rate: u32,
    /// Channels.
    pub channels: u16,
    /// Bits per decoded sample, where the format has a fixed number (PCM, FLAC).
    pub bits_per_sample: Option<u32>,
    /// Whether the samples are 16-bit signed integers as stored (PCM that needs no re-quantizing).
    pub is_pcm_s16: bool,
    /// Frames the container announces (for progress and truncation checks), if it does.
    pub frames: Option<u64>,
}

impl fmt::Display for InputFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} in {}, {} Hz, {} channel(s)",
            self.codec, self.container, self.sample_rate, self.channels
        )?;
        if let Some(bits) = self.bits_per_sample {
            write!(f, ", {bits}-bit")?;
        }
        Ok(())
    }
}

enum Codec {
    Symphonia(Box<dyn symphonia::core::codecs::audio::AudioDecoder>),
    Opus(Box<opus_decoder::OpusDecoder>),
}

/// A demuxer and decoder of one audio track.
pub struct AudioDecoder {
    source_name: String,
    reader: Box<dyn FormatReader + 'static>,
    track_id: u32,
    codec: Codec,
    format: InputFormat,
    /// Interleaved Opus output, reused between packets.
    opus_buffer: Vec<f32>,
    /// Frames handed out so far.
    frames_decoded: u64,
    ended: bool,
}

impl fmt::Debug for AudioDecoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AudioDecoder")
            .field("source", &self.source_name)
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

impl AudioDecoder {
    /// Find the container and the first audio track of `source` and set up its decoder.
    /// `extension` (the file's, if any) is a hint for containers without a signature (ADTS AAC).
    pub fn open(
        source_name: &str,
        source: Box<dyn MediaSource>,
        extension: Option<&str>,
    ) -> Result<Self, AudioInputError> {
        let source = checked_wave_header(source_name, source)?;
        let stream = MediaSourceStream::new(source, MediaSourceStreamOptions::default());
        let mut hint = Hint::new();
        if let Some(extension) = extension {
            hint.with_extension(extension);
        }
        // The probe scans past the start for a container signature, so a lying WAVE header
        // further in (found by the fuzzer: ADTS bytes, then RIFF) escapes the check above and
        // can still hit symphonia-format-riff's u16 overflow: a panic there is a damaged file.
        let probed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            symphonia::default::get_probe().probe(&hint, stream, FormatOptions::default(), MetadataOptions::default())
        }))
        .map_err(|_| AudioInputError::Unsupported {
            source_name: source_name.to_owned(),
            reason: "its container is damaged (the demuxer failed on a header inside it)".into(),
        })?;
        let reader = probed.map_err(|error| match error {
            SymphoniaError::IoError(error) if error.kind() != std::io::ErrorKind::UnexpectedEof => {
                AudioInputError::Io {
                    source_name: source_name.to_owned(),
                    error,
                }
            }
            SymphoniaError::IoError(_) => AudioInputError::Unsupported {
                source_name: source_name.to_owned(),
                reason: format!(
                    "the file ends before {} header is complete (truncated, or not audio)",
                    extension.map_or_else(|| "an audio".to_owned(), |e| format!("its {e}"))
                ),
            },
            SymphoniaError::Unsupported(_) => AudioInputError::Unsupported {
                source_name: source_name.to_owned(),
                reason: "not an audio container azspeech reads (no WAV, FLAC, MP3, Ogg, MP4/M4A or AAC header)".into(),
            },
            other => AudioInputError::Unsupported {
                source_name: source_name.to_owned(),
                reason: format!(
                    "{} container is damaged ({other})",
                    extension.map_or_else(|| "the".to_owned(), |e| format!("its {e}"))
                ),
            },
        })?;
        let container = reader.format_info().short_name.to_owned();
        let damaged = |codec: &str, detail: String| AudioInputError::Corrupt {
            source_name: source_name.to_owned(),
            container: container.clone(),
            codec: codec.to_owned(),
            detail,
        };
        let track = reader
            .default_track(TrackType::Audio)
            .or_else(|| reader.first_track(TrackType::Audio))
            .ok_or_else(|| damaged("none", "the file has no audio track".into()))?;
        let Some(CodecParameters::Audio(params)) = track.codec_params.clone() else {
            return Err(damaged("unknown", "the audio track has no codec parameters".into()));
        };
        let track_id = track.id;
        let frames = track.num_frames;
        let codec_name = codec_name(params.codec);
        let channels = params.channels.as_ref().map_or(0, |c| c.count());
        let sample_rate = if params.codec == CODEC_ID_OPUS {
            OPUS_RATE
        } else {
            params.sample_rate.unwrap_or(0)
        };
        if channels == 0 || sample_rate == 0 {
            return Err(damaged(
                &codec_name,
                "the header declares zero channels or no sample rate".into(),
            ));
        }
        let codec = if params.codec == CODEC_ID_OPUS {
            if channels > 2 {
                return Err(AudioInputError::UnsupportedCodec {
                    source_name: source_name.to_owned(),
                    container,
                    codec: format!("opus with {channels} channels (multistream)"),
                });
            }
            Codec::Opus(Box::new(
                opus_decoder::OpusDecoder::new(OPUS_RATE, channels)
                    .map_err(|error| damaged("opus", error.to_string()))?,
            ))
        } else {
            match symphonia::default::get_codecs().make_audio_decoder(&params, &AudioDecoderOptions::default()) {
                Ok(decoder) => Codec::Symphonia(decoder),
                Err(SymphoniaError::Unsupported(_)) => {
                    return Err(AudioInputError::UnsupportedCodec {
                        source_name: source_name.to_owned(),
                        container,
                        codec: codec_name,
                    });
                }
                Err(error) => return Err(damaged(&codec_name, error.to_string())),
            }
        };
        let format = InputFormat {
            is_pcm_s16: is_pcm_s16(&params),
            container,
            codec: codec_name,
            sample_rate,
            channels: u16::try_from(channels).unwrap_or(u16::MAX),
            bits_per_sample: params.bits_per_sample,
            frames,
        };
        Ok(Self {
            source_name: source_name.to_owned(),
            reader,
            track_id,
            codec,
            format,
            opus_buffer: Vec::new(),
            frames_decoded: 0,
            ended: false,
        })
    }

    /// What the file holds.
    pub fn format(&self) -> &InputFormat {
        &self.format
    }

    /// Decode the next packet into `out` (replacing its contents) as interleaved samples
    /// converted to `S`. Returns the number of frames; 0 means the end of the audio.
    pub fn read_packet<S: ConvertibleSample>(&mut self, out: &mut Vec<S>) -> Result<usize, AudioInputError> {
        let channels = usize::from(self.format.channels);
        out.clear();
        while !self.ended {
            let packet = match self.reader.next_packet() {
                Ok(Some(packet)) => packet,
                Ok(None) => {
                    self.ended = true;
                    break;
                }
                Err(error) => {
                    return Err(damaged_error(
                        &self.source_name,
                        &self.format,
                        self.frames_decoded,
                        error,
                    ));
                }
            };
            if packet.track_id != self.track_id {
                continue;
            }
            match &mut self.codec {
                Codec::Symphonia(decoder) => {
                    let decoded = match decoder.decode(&packet) {
                        Ok(decoded) => decoded,
                        Err(error) => {
                            return Err(damaged_error(
                                &self.source_name,
                                &self.format,
                                self.frames_decoded,
                                error,
                            ));
                        }
                    };
                    decoded.copy_to_vec_interleaved(out);
                }
                Codec::Opus(decoder) => {
                    self.opus_buffer.resize(OPUS_MAX_FRAMES * channels, 0.0);
                    let frames = decoder
                        .decode_float(&packet.data, &mut self.opus_buffer, false)
                        .map_err(|error| corrupt(&self.source_name, &self.format, error.to_string()))?;
                    // The decoder does not know the container's trims: apply them here.
                    let trim_start = (packet.trim_start.get() as usize).min(frames);
                    let trim_end = (packet.trim_end.get() as usize).min(frames - trim_start);
                    let kept = &self.opus_buffer[trim_start * channels..(frames - trim_end) * channels];
                    out.extend(kept.iter().map(|&sample| S::from_sample(sample)));
                }
            }
            let frames = out.len() / channels;
            self.frames_decoded += frames as u64;
            if frames > 0 {
                return Ok(frames);
            }
        }
        Ok(0)
    }

    /// An error saying this file's audio cannot be decoded, and why.
    pub fn corrupt(&self, detail: String) -> AudioInputError {
        corrupt(&self.source_name, &self.format, detail)
    }
}

fn corrupt(source_name: &str, format: &InputFormat, detail: String) -> AudioInputError {
    AudioInputError::Corrupt {
        source_name: source_name.to_owned(),
        container: format.container.clone(),
        codec: format.codec.clone(),
        detail,
    }
}

fn damaged_error(source_name: &str, format: &InputFormat, decoded: u64, error: SymphoniaError) -> AudioInputError {
    match error {
        SymphoniaError::IoError(error)
            if error.kind() == std::io::ErrorKind::UnexpectedEof
                && let Some(expected) = format.frames =>
        {
            AudioInputError::Truncated {
                source_name: source_name.to_owned(),
                container: format.container.clone(),
                codec: format.codec.clone(),
                expected,
                read: decoded,
            }
        }
        SymphoniaError::IoError(error) if error.kind() == std::io::ErrorKind::UnexpectedEof => corrupt(
            source_name,
            format,
            "the file ends in the middle of a packet (truncated?)".into(),
        ),
        SymphoniaError::IoError(error) => AudioInputError::Io {
            source_name: source_name.to_owned(),
            error,
        },
        other => corrupt(source_name, format, other.to_string()),
    }
}

/// `source` with its RIFF/WAVE `fmt ` chunk checked ([`super::wave_header`]) before the
/// demuxer reads it: rewound if it can seek, else with the bytes read put back in front.
fn checked_wave_header(
    source_name: &str,
    mut source: Box<dyn MediaSource>,
) -> Result<Box<dyn MediaSource>, AudioInputError> {
    let io_error = |error| AudioInputError::Io {
        source_name: source_name.to_owned(),
        error,
    };
    let prefix = super::wave_header::read_through_fmt(&mut source).map_err(io_error)?;
    super::wave_header::check(&prefix).map_err(|reason| AudioInputError::Unsupported {
        source_name: source_name.to_owned(),
        reason,
    })?;
    if source.is_seekable() {
        source.seek(std::io::SeekFrom::Start(0)).map_err(io_error)?;
        return Ok(source);
    }
    Ok(Box::new(Prefixed {
        prefix: std::io::Cursor::new(prefix),
        rest: source,
    }))
}

/// A source that cannot seek, with bytes already read from it put back in front.
struct Prefixed {
    prefix: std::io::Cursor<Vec<u8>>,
    rest: Box<dyn MediaSource>,
}

impl Read for Prefixed {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self.prefix.read(buf)? {
            0 => self.rest.read(buf),
            read => Ok(read),
        }
    }
}

impl Seek for Prefixed {
    fn seek(&mut self, _: std::io::SeekFrom) -> std::io::Result<u64> {
        Err(std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            "this stream cannot seek",
        ))
    }
}

impl MediaSource for Prefixed {
    fn is_seekable(&self) -> bool {
        false
    }

    fn byte_len(&self) -> Option<u64> {
        None
    }
}

fn is_pcm_s16(params: &AudioCodecParameters) -> bool {
    params.codec == codecs::CODEC_ID_PCM_S16LE
}

/// A codec's name for messages: symphonia's for the codecs it decodes, else a well-known name.
fn codec_name(id: AudioCodecId) -> String {
    if let Some(registered) = symphonia::default::get_codecs().get_audio_decoder(id) {
        let name = registered.codec.info.short_name;
        return name.to_owned();
    }
    let known = [
        (CODEC_ID_OPUS, "opus"),
        (codecs::CODEC_ID_ALAC, "alac"),
        (codecs::CODEC_ID_ADPCM_MS, "adpcm_ms"),
        (codecs::CODEC_ID_ADPCM_IMA_WAV, "adpcm_ima_wav"),
        (codecs::CODEC_ID_AC3, "ac3"),
        (codecs::CODEC_ID_EAC3, "eac3"),
        (codecs::CODEC_ID_DCA, "dts"),
        (codecs::CODEC_ID_WMA, "wma"),
        (codecs::CODEC_ID_SPEEX, "speex"),
        (codecs::CODEC_ID_WAVPACK, "wavpack"),
        (codecs::CODEC_ID_MP2, "mp2"),
        (codecs::CODEC_ID_MP1, "mp1"),
    ];
    known
        .iter()
        .find(|(known, _)| *known == id)
        .map_or_else(|| format!("codec {id}"), |(_, name)| (*name).to_owned())
}
