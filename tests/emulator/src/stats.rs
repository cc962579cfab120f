//! Counters on a running emulator, for tests to read: how many connections it accepted, refused,
//! closed for which limit, and how many faults it injected.
//!
//! Each counter is one relaxed atomic add on the path that produces it; [`Stats`] is a snapshot.

use std::sync::atomic::{AtomicU64, Ordering};

/// A snapshot of the emulator's counters (see [`RunningEmulator::stats`](crate::RunningEmulator::stats)).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Speech-to-text WebSocket upgrades accepted (101).
    pub stt_connections: u64,
    /// Text-to-speech WebSocket upgrades accepted (101).
    pub tts_connections: u64,
    /// Requests to a WebSocket path answered with anything but 101 (auth, quota, faults, a
    /// malformed upgrade, or the connection dropped by a fault before any answer).
    pub rejected_upgrades: u64,
    /// Upgrades and REST calls that presented an expired Entra or STS token.
    pub expired_tokens_presented: u64,
    /// Responses with status 401 (any endpoint).
    pub unauthorized: u64,
    /// Responses with status 429 (faults, storms and the concurrency quota).
    pub throttled: u64,
    /// WebSockets closed because they reached the maximum connection duration.
    pub lifetime_closes: u64,
    /// WebSockets closed because no message went either way for the idle timeout.
    pub idle_closes: u64,
    /// Faults (configured or from a storm) that were carried out.
    pub faults_injected: u64,
}

/// The live counters.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) stt_connections: AtomicU64,
    pub(crate) tts_connections: AtomicU64,
    pub(crate) rejected_upgrades: AtomicU64,
    pub(crate) expired_tokens_presented: AtomicU64,
    pub(crate) unauthorized: AtomicU64,
    pub(crate) throttled: AtomicU64,
    pub(crate) lifetime_closes: AtomicU64,
    pub(crate) idle_closes: AtomicU64,
    pub(crate) faults_injected: AtomicU64,
    /// STT and TTS together (for the key-regeneration trigger).
    pub(crate) accepted_upgrades: AtomicU64,
}

/// Add one.
pub(crate) fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

impl Counters {
    /// Count a response status (401 and 429 are counted).
    pub(crate) fn status(&self, status: u16) {
        match status {
            401 => bump(&self.unauthorized),
            429 => bump(&self.throttled),
            _ => {}
        }
    }

    /// A snapshot.
    pub(crate) fn snapshot(&self) -> Stats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Stats {
            stt_connections: get(&self.stt_connections),
            tts_connections: get(&self.tts_connections),
            rejected_upgrades: get(&self.rejected_upgrades),
            expired_tokens_presented: get(&self.expired_tokens_presented),
            unauthorized: get(&self.unauthorized),
            throttled: get(&self.throttled),
            lifetime_closes: get(&self.lifetime_closes),
            idle_closes: get(&self.idle_closes),
            faults_injected: get(&self.faults_injected),
        }
    }
}
