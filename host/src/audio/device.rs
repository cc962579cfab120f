//! What the microphone and the speaker share: finding a device by name, choosing a stream
//! configuration, and the errors that say how to fix a missing or broken device.
//!
//! Only built with the `microphone` or `speaker` feature (cpal; ALSA on Linux).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cpal::traits::{DeviceTrait, HostTrait};

use super::resample::MonoResampler;
use cpal::{SampleFormat, SupportedStreamConfigRange};

/// Capture or playback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// A microphone.
    Input,
    /// A speaker.
    Output,
}

impl std::fmt::Display for Direction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Input => "input (microphone)",
            Self::Output => "output (speaker)",
        })
    }
}

impl Direction {
    fn list_command(self) -> &'static str {
        match self {
            Self::Input => "arecord -L",
            Self::Output => "aplay -L",
        }
    }
}

/// Why an audio device cannot be used. Every case says what to do.
#[derive(Debug, thiserror::Error)]
pub enum AudioDeviceError {
    /// No such device, or no default one.
    #[error(
        "no {direction} device {wanted}: {detail}. Available: {available}. Fix: pick one with --device NAME, \
         or connect a device and check that the system sees it (`{list}` on Linux)"
    )]
    NotFound {
        /// Capture or playback.
        direction: Direction,
        /// The name asked for, or `(default)`.
        wanted: String,
        /// What the audio system said.
        detail: String,
        /// Device names that would work.
        available: String,
        /// The system command that lists devices.
        list: &'static str,
    },
    /// The device exists but will not open with any usable configuration.
    #[error("the {direction} device {device} cannot be opened: {detail}. Fix: {fix}")]
    Unusable {
        /// Capture or playback.
        direction: Direction,
        /// The device.
        device: String,
        /// What the audio system said.
        detail: String,
        /// What to do.
        fix: String,
    },
    /// The device stopped working mid-stream (unplugged, taken by another program).
    #[error("the {direction} device {device} failed: {detail}. Fix: reconnect it or pick another with --device NAME")]
    Failed {
        /// Capture or playback.
        direction: Direction,
        /// The device.
        device: String,
        /// What the audio system said.
        detail: String,
    },
    /// Recognition fell so far behind the microphone that captured audio had to be dropped.
    #[error(
        "audio from {device} was lost at {at_ms} ms: recognition fell more than {buffer_ms} ms behind the microphone. \
         Fix: check the network to the Speech endpoint, or record to a file and run `azspeech stt FILE`"
    )]
    Overrun {
        /// The device.
        device: String,
        /// Where the gap starts, in milliseconds of captured audio.
        at_ms: u64,
        /// How much audio the capture buffer holds.
        buffer_ms: u64,
    },
}

/// A sample format the host converts to and from `f32`.
pub(crate) fn is_supported_format(format: SampleFormat) -> bool {
    matches!(
        format,
        SampleFormat::I16 | SampleFormat::F32 | SampleFormat::I32 | SampleFormat::U16 | SampleFormat::U8
    )
}

/// A stream configuration the device offers, reduced to what the choice depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Offer {
    pub channels: u16,
    pub min_rate: u32,
    pub max_rate: u32,
    pub format: SampleFormat,
}

impl From<&SupportedStreamConfigRange> for Offer {
    fn from(range: &SupportedStreamConfigRange) -> Self {
        Self {
            channels: range.channels(),
            min_rate: range.min_sample_rate(),
            max_rate: range.max_sample_rate(),
            format: range.sample_format(),
        }
    }
}

/// The stream configuration chosen for a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chosen {
    /// Interleaved channels.
    pub channels: u16,
    /// Frames per second.
    pub rate: u32,
    /// Sample format.
    pub format: SampleFormat,
}

impl std::fmt::Display for Chosen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} Hz, {} channel(s), {}", self.rate, self.channels, self.format)
    }
}

/// Prefer the rate the audio already has (no resampling: the official SDK opens microphones at
/// 16 kHz mono too), then fewer channels, then 16-bit integer over float over the rest. `None`
/// when no offer includes `wanted_rate`: the caller then takes the device's default and converts.
pub(crate) fn choose(offers: &[Offer], wanted_rate: u32) -> Option<Chosen> {
    let format_rank = |format: SampleFormat| match format {
        SampleFormat::I16 => 0,
        SampleFormat::F32 => 1,
        _ => 2,
    };
    offers
        .iter()
        .filter(|offer| {
            is_supported_format(offer.format)
                && offer.channels > 0
                && (offer.min_rate..=offer.max_rate).contains(&wanted_rate)
        })
        .min_by_key(|offer| (offer.channels, format_rank(offer.format)))
        .map(|offer| Chosen {
            channels: offer.channels,
            rate: wanted_rate,
            format: offer.format,
        })
}

/// Find the device called `wanted` (a name as `arecord -L` / `aplay -L` print it, or cpal's
/// `host:name` form), or the default one.
pub(crate) fn find(direction: Direction, wanted: Option<&str>) -> Result<(cpal::Device, String), AudioDeviceError> {
    let host = cpal::default_host();
    let not_found = |detail: String, available: String| AudioDeviceError::NotFound {
        direction,
        wanted: wanted.map_or_else(|| "(default)".to_owned(), |name| format!("\"{name}\"")),
        detail,
        available,
        list: direction.list_command(),
    };
    let devices: Vec<(cpal::Device, String)> = match direction {
        Direction::Input => host.input_devices(),
        Direction::Output => host.output_devices(),
    }
    .map(|devices| devices.map(|device| (device.clone(), device_name(&device))).collect())
    .unwrap_or_default();
    let available = if devices.is_empty() {
        "none".to_owned()
    } else {
        devices
            .iter()
            .map(|(_, name)| name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match wanted {
        Some(name) => devices
            .into_iter()
            .find(|(device, short)| short == name || device.id().map(|id| id.to_string() == name).unwrap_or(false))
            .ok_or_else(|| not_found("the audio system does not list it".into(), available)),
        None => {
            let device = match direction {
                Direction::Input => host.default_input_device(),
                Direction::Output => host.default_output_device(),
            }
            .ok_or_else(|| not_found("the audio system has no default device".into(), available.clone()))?;
            let name = device_name(&device);
            Ok((device, name))
        }
    }
}

/// The name a user passes to `--device`: the audio system's own (e.g. ALSA's `default`, `hw:0,0`).
fn device_name(device: &cpal::Device) -> String {
    device
        .id()
        .map(|id| id.id().to_owned())
        .unwrap_or_else(|_| "(unnamed)".to_owned())
}

/// Open-time failures, with the fix that fits the error kind.
pub(crate) fn unusable(direction: Direction, device: &str, error: &cpal::Error) -> AudioDeviceError {
    use cpal::ErrorKind;
    let fix = match error.kind() {
        ErrorKind::DeviceBusy => "close the program that is using it, or pick another with --device NAME",
        ErrorKind::PermissionDenied => "give this user access to audio devices (on Linux, the `audio` group)",
        ErrorKind::HostUnavailable => "start the sound server (PipeWire / PulseAudio) or check ALSA",
        ErrorKind::DeviceNotAvailable => "connect the device, or pick another with --device NAME",
        _ => "pick another device with --device NAME",
    };
    AudioDeviceError::Unusable {
        direction,
        device: device.to_owned(),
        detail: error.to_string(),
        fix: fix.to_owned(),
    }
}

/// A device whose sample format the host does not convert.
pub(crate) fn unsupported_format(direction: Direction, device: &str, format: SampleFormat) -> AudioDeviceError {
    AudioDeviceError::Unusable {
        direction,
        device: device.to_owned(),
        detail: format!("it only offers {format} samples"),
        fix: "pick a device with 8/16/32-bit integer or 32-bit float PCM using --device NAME".into(),
    }
}

/// Whether a stream error only degrades audio (and is logged) rather than ending the stream.
fn is_transient(error: &cpal::Error) -> bool {
    matches!(
        error.kind(),
        cpal::ErrorKind::DeviceChanged | cpal::ErrorKind::Xrun | cpal::ErrorKind::RealtimeDenied
    )
}

/// The configuration to open `device` with: see [`choose`]; otherwise the device's default.
pub(crate) fn configure(
    direction: Direction,
    device: &cpal::Device,
    name: &str,
    wanted_rate: u32,
) -> Result<Chosen, AudioDeviceError> {
    let offers: Vec<Offer> = match direction {
        Direction::Input => device
            .supported_input_configs()
            .map(|c| c.map(|r| Offer::from(&r)).collect()),
        Direction::Output => device
            .supported_output_configs()
            .map(|c| c.map(|r| Offer::from(&r)).collect()),
    }
    .unwrap_or_default();
    if let Some(chosen) = choose(&offers, wanted_rate) {
        return Ok(chosen);
    }
    let default = match direction {
        Direction::Input => device.default_input_config(),
        Direction::Output => device.default_output_config(),
    }
    .map_err(|error| unusable(direction, name, &error))?;
    if !is_supported_format(default.sample_format()) {
        return Err(unsupported_format(direction, name, default.sample_format()));
    }
    Ok(Chosen {
        channels: default.channels(),
        rate: default.sample_rate(),
        format: default.sample_format(),
    })
}

/// A device found and configured, ready for its stream to be built.
pub(crate) struct Opening {
    /// The device.
    pub device: cpal::Device,
    /// Its name, as `--device` takes it.
    pub name: String,
    /// The configuration chosen.
    pub chosen: Chosen,
    direction: Direction,
}

impl Opening {
    /// Find the device ([`find`]) and choose its configuration ([`configure`]).
    pub(crate) fn new(direction: Direction, wanted: Option<&str>, wanted_rate: u32) -> Result<Self, AudioDeviceError> {
        let (device, name) = find(direction, wanted)?;
        let chosen = configure(direction, &device, &name, wanted_rate)?;
        Ok(Self {
            device,
            name,
            chosen,
            direction,
        })
    }

    /// The converter between `from_rate` and `to_rate` for this device's stream.
    pub(crate) fn resampler(&self, from_rate: u32, to_rate: u32) -> Result<MonoResampler, AudioDeviceError> {
        MonoResampler::new(from_rate, to_rate).map_err(|detail| AudioDeviceError::Unusable {
            direction: self.direction,
            device: self.name.clone(),
            detail,
            fix: "pick another device with --device NAME".into(),
        })
    }

    /// The cpal stream configuration for [`Opening::chosen`].
    pub(crate) fn stream_config(&self) -> cpal::StreamConfig {
        cpal::StreamConfig {
            channels: self.chosen.channels,
            sample_rate: self.chosen.rate,
            buffer_size: cpal::BufferSize::Default,
        }
    }
}

/// Where a stream's error callback (on the audio thread) leaves the first fatal error for the
/// async side to report; transient ones (xruns, rerouting) are only logged.
#[derive(Debug, Clone, Default)]
pub(crate) struct StreamFailure(Arc<Mutex<Option<String>>>);

impl StreamFailure {
    /// The error callback for a stream on device `name`.
    pub(crate) fn callback(&self, direction: Direction, name: String) -> impl FnMut(cpal::Error) + Send + 'static {
        let slot = Arc::clone(&self.0);
        move |error: cpal::Error| {
            if is_transient(&error) {
                tracing::warn!("{direction} device {name}: {error}");
            } else if let Ok(mut failure) = slot.lock() {
                failure.get_or_insert_with(|| error.to_string());
            }
        }
    }

    /// The recorded failure, if any, as an error for `device`.
    pub(crate) fn check(&self, direction: Direction, device: &str) -> Result<(), AudioDeviceError> {
        match self.0.lock().ok().and_then(|mut failure| failure.take()) {
            Some(detail) => Err(AudioDeviceError::Failed {
                direction,
                device: device.to_owned(),
                detail,
            }),
            None => Ok(()),
        }
    }
}

/// How long a running stream may deliver (microphone) or take (speaker) no audio at all before
/// it counts as failed. A working device moves every few milliseconds, silence included.
pub const STALL_TIMEOUT: Duration = Duration::from_secs(5);

/// Notices a stream whose frame counter stopped moving, so a hung device is an error that says
/// so rather than a run that waits forever.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StallWatch {
    last_count: u64,
    since: Instant,
}

impl StallWatch {
    /// Start watching at `now`.
    pub(crate) fn new(now: Instant) -> Self {
        Self {
            last_count: 0,
            since: now,
        }
    }

    /// The counter is `count` at `now`: an error once it has not moved for [`STALL_TIMEOUT`].
    pub(crate) fn check(
        &mut self,
        count: u64,
        now: Instant,
        direction: Direction,
        device: &str,
    ) -> Result<(), AudioDeviceError> {
        if count != self.last_count {
            self.last_count = count;
            self.since = now;
            return Ok(());
        }
        if now.saturating_duration_since(self.since) < STALL_TIMEOUT {
            return Ok(());
        }
        Err(AudioDeviceError::Failed {
            direction,
            device: device.to_owned(),
            detail: format!(
                "it has {} no audio for {} s",
                match direction {
                    Direction::Input => "delivered",
                    Direction::Output => "taken",
                },
                STALL_TIMEOUT.as_secs()
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer(channels: u16, min_rate: u32, max_rate: u32, format: SampleFormat) -> Offer {
        Offer {
            channels,
            min_rate,
            max_rate,
            format,
        }
    }

    #[test]
    fn the_choice_prefers_the_wanted_rate_then_mono_then_16_bit() {
        type Case<'a> = (&'a [Offer], u32, Option<(u16, SampleFormat)>);
        let cases: &[Case<'_>] = &[
            // A typical sound-server device offers everything: 16 kHz mono 16-bit, as the SDK opens it.
            (
                &[
                    offer(2, 8_000, 192_000, SampleFormat::F32),
                    offer(1, 8_000, 192_000, SampleFormat::F32),
                    offer(1, 8_000, 192_000, SampleFormat::I16),
                ],
                16_000,
                Some((1, SampleFormat::I16)),
            ),
            // Stereo-only hardware at the right rate: take it and downmix.
            (
                &[offer(2, 16_000, 48_000, SampleFormat::I16)],
                16_000,
                Some((2, SampleFormat::I16)),
            ),
            // Float beats 32-bit integer.
            (
                &[
                    offer(1, 24_000, 24_000, SampleFormat::I32),
                    offer(1, 24_000, 24_000, SampleFormat::F32),
                ],
                24_000,
                Some((1, SampleFormat::F32)),
            ),
            // A 48 kHz-only device: no offer has the rate, so the default (converted) is used.
            (&[offer(2, 48_000, 48_000, SampleFormat::I16)], 16_000, None),
            // Formats the host cannot convert are never chosen.
            (&[offer(1, 8_000, 48_000, SampleFormat::I64)], 16_000, None),
            (&[], 16_000, None),
        ];
        for (offers, rate, expected) in cases {
            let chosen = choose(offers, *rate).map(|c| (c.channels, c.format));
            assert_eq!(chosen, *expected, "{offers:?} at {rate} Hz");
            if let Some(chosen) = choose(offers, *rate) {
                assert_eq!(chosen.rate, *rate);
            }
        }
    }

    #[test]
    fn a_stream_that_stops_moving_is_a_failure_after_the_timeout() {
        let start = Instant::now();
        let mut watch = StallWatch::new(start);
        let at = |ms: u64| start + Duration::from_millis(ms);
        assert!(watch.check(0, at(4_000), Direction::Input, "mic").is_ok());
        assert!(
            watch.check(480, at(4_900), Direction::Input, "mic").is_ok(),
            "moving again"
        );
        assert!(
            watch.check(480, at(9_800), Direction::Input, "mic").is_ok(),
            "4.9 s still"
        );
        let error = watch
            .check(480, at(9_900), Direction::Input, "mic")
            .expect_err("5 s without audio");
        assert!(error.to_string().contains("delivered no audio for 5 s"), "{error}");
        let mut watch = StallWatch::new(start);
        let error = watch
            .check(0, at(5_000), Direction::Output, "spk")
            .expect_err("never started");
        assert!(error.to_string().contains("taken no audio"), "{error}");
    }

    #[test]
    fn a_missing_device_names_the_fix() {
        let error = AudioDeviceError::NotFound {
            direction: Direction::Input,
            wanted: "\"usb-mic\"".into(),
            detail: "the audio system does not list it".into(),
            available: "default, null".into(),
            list: Direction::Input.list_command(),
        };
        let text = error.to_string();
        for needle in ["usb-mic", "--device NAME", "default, null", "arecord -L"] {
            assert!(text.contains(needle), "{text}");
        }
    }
}
