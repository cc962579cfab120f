//! The audio stream's clock: bytes of PCM versus the service's 100-ns ticks, and where each turn
//! starts. Service offsets are relative to the first PCM byte of the current turn (the WAV
//! header excluded); the session reports them relative to the first byte of the whole stream.

/// Ticks (100 ns) per second.
pub const TICKS_PER_SECOND: u64 = 10_000_000;

/// Converts between PCM bytes and ticks for one audio format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    byte_rate: u64,
    block_align: u64,
}

impl Clock {
    /// A clock for `byte_rate` bytes per second in sample frames of `block_align` bytes (both
    /// at least 1).
    pub fn new(byte_rate: u64, block_align: u64) -> Self {
        Self {
            byte_rate: byte_rate.max(1),
            block_align: block_align.max(1),
        }
    }

    /// The duration of `bytes` of audio, in ticks (rounded down, saturating).
    pub fn ticks(&self, bytes: u64) -> u64 {
        let ticks = u128::from(bytes) * u128::from(TICKS_PER_SECOND) / u128::from(self.byte_rate);
        u64::try_from(ticks).unwrap_or(u64::MAX)
    }

    /// The bytes of whole sample frames that fit in `ticks` (rounded down, saturating).
    pub fn bytes(&self, ticks: u64) -> u64 {
        let bytes = u128::from(ticks) * u128::from(self.byte_rate) / u128::from(TICKS_PER_SECOND);
        let bytes = u64::try_from(bytes).unwrap_or(u64::MAX);
        bytes - bytes % self.block_align
    }
}

/// Where the current turn's audio starts in the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TurnBase {
    /// Absolute byte offset of the turn's first PCM byte.
    pub bytes: u64,
    /// The same, in ticks.
    pub ticks: u64,
}

impl TurnBase {
    /// A turn starting at `bytes`.
    pub fn at(clock: &Clock, bytes: u64) -> Self {
        Self {
            bytes,
            ticks: clock.ticks(bytes),
        }
    }

    /// A turn-relative offset made absolute.
    pub fn absolute(&self, relative_ticks: u64) -> u64 {
        self.ticks.saturating_add(relative_ticks)
    }

    /// The absolute byte offset of the end of a phrase that ends `relative_end_ticks` after the
    /// turn's start (whole sample frames, rounded down so that no unrecognized audio is
    /// dropped from the replay buffer).
    pub fn end_bytes(&self, clock: &Clock, relative_end_ticks: u64) -> u64 {
        self.bytes.saturating_add(clock.bytes(relative_end_ticks))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn sixteen_khz() {
        let clock = Clock::new(32_000, 2);
        assert_eq!(clock.ticks(32_000), 10_000_000);
        assert_eq!(clock.ticks(32_908), 10_283_750);
        assert_eq!(clock.bytes(10_283_750), 32_908);
        assert_eq!(clock.bytes(10_000_000), 32_000);
        // 1 tick short of a whole sample rounds down to the previous sample.
        assert_eq!(clock.bytes(624), 0);
        assert_eq!(clock.bytes(625), 2);
        assert_eq!(clock.ticks(u64::MAX), u64::MAX);
        assert_eq!(clock.ticks(u64::MAX / 1_000), 5_764_607_523_034_234_687);
        assert_eq!(clock.bytes(u64::MAX) % 2, 0);
    }

    #[test]
    fn eight_khz_and_rebasing() {
        let clock = Clock::new(16_000, 2);
        let base = TurnBase::at(&clock, 16_000);
        assert_eq!(base.ticks, 10_000_000);
        assert_eq!(base.absolute(5), 10_000_005);
        assert_eq!(base.end_bytes(&clock, 5_000_000), 24_000);
        assert_eq!(base.absolute(u64::MAX), u64::MAX);
    }
}
