//! Identifiers and jitter from a host-supplied seed: the core has no randomness of its own.
//!
//! SplitMix64 (Steele, Lea, Flood 2014): a tiny generator with a full 2^64 period, plenty for
//! request ids that only need to be unique within a session and jitter that only needs to
//! spread reconnects.

/// A deterministic source of ids and jitter.
#[derive(Debug, Clone)]
pub struct IdSource {
    state: u64,
}

impl IdSource {
    /// A source seeded by the host.
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A fresh id: 32 lowercase hexadecimal digits, as `X-ConnectionId` and `X-RequestId` take.
    pub fn next_id(&mut self) -> String {
        format!("{:016x}{:016x}", self.next_u64(), self.next_u64())
    }

    /// A value uniform in `[low, high]` (`low` if the range is empty).
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        if high <= low {
            return low;
        }
        let span = high - low;
        match span.checked_add(1) {
            Some(width) => low + self.next_u64() % width,
            None => self.next_u64(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_request_ids_and_distinct() {
        let mut ids = IdSource::new(7);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..1000 {
            let id = ids.next_id();
            assert!(crate::usp::is_request_id(&id), "{id}");
            assert_eq!(id, id.to_ascii_lowercase());
            assert!(seen.insert(id));
        }
        assert_eq!(IdSource::new(7).next_id(), IdSource::new(7).next_id());
        assert_ne!(IdSource::new(7).next_id(), IdSource::new(8).next_id());
    }

    #[test]
    fn between_stays_in_range() {
        let mut ids = IdSource::new(1);
        for _ in 0..1000 {
            let value = ids.between(50, 100);
            assert!((50..=100).contains(&value));
        }
        assert_eq!(ids.between(5, 5), 5);
        assert_eq!(ids.between(9, 3), 9);
        let _ = ids.between(0, u64::MAX);
    }
}
