//! Time as the emulator sees it, injectable so tests move it without sleeping.
//!
//! Everything with a validity period (STS tokens, Entra and managed-identity tokens) reads this
//! clock, never the system time directly. Socket-level timers (idle connections) use tokio's
//! timers instead: they are about wall time, not about token validity.

use std::sync::atomic::{AtomicU64, Ordering};

/// A source of unix time in milliseconds.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Now, in unix milliseconds.
    fn now_ms(&self) -> u64;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0)
    }
}

/// A clock that moves only when told to (tests).
#[derive(Debug, Default)]
pub struct ManualClock(AtomicU64);

impl ManualClock {
    /// A clock showing `now_ms`.
    pub fn new(now_ms: u64) -> Self {
        Self(AtomicU64::new(now_ms))
    }

    /// A clock showing the current system time (then moved only by [`advance_ms`](Self::advance_ms)).
    pub fn starting_now() -> Self {
        Self::new(SystemClock.now_ms())
    }

    /// Move the clock forward.
    pub fn advance_ms(&self, ms: u64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }

    /// Move the clock forward by whole seconds.
    pub fn advance_secs(&self, secs: u64) {
        self.advance_ms(secs.saturating_mul(1000));
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}
