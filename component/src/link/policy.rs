//! The session policy with its defaults filled in (`link.session-policy`).

use crate::bindings::exports::azspeech::core::connection::KeySlot;
use crate::bindings::exports::azspeech::core::link::{Pace, SessionPolicy};

/// Attempts in a row without progress before a session gives up.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 10;
/// First reconnect delay (ms).
pub const DEFAULT_BACKOFF_INITIAL_MS: u64 = 100;
/// Longest computed reconnect delay (ms).
pub const DEFAULT_BACKOFF_MAX_MS: u64 = 15_000;
/// The service's connection lifetime (usp.md §9.1: about 10 minutes).
pub const DEFAULT_MAX_CONNECTION_MS: u64 = 600_000;
/// Idle connections are closed by the service after 180 s (usp.md §9.1); close ours first.
pub const DEFAULT_IDLE_MS: u64 = 150_000;
/// A due response that has not begun for this long means the connection is lost.
pub const DEFAULT_RESPONSE_TIMEOUT_MS: u64 = 30_000;
/// The longest `Retry-After` honoured; a longer one ends the session (the fix is the quota).
pub const MAX_RETRY_AFTER_MS: u64 = 300_000;

/// A policy with every default applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// Seed for ids and jitter.
    pub seed: u64,
    /// Attempts in a row without progress.
    pub max_attempts: u32,
    /// First reconnect delay (ms).
    pub backoff_initial_ms: u64,
    /// Longest computed reconnect delay (ms).
    pub backoff_max_ms: u64,
    /// The service's connection lifetime (ms).
    pub max_connection_ms: u64,
    /// Close idle connections after this long (ms).
    pub idle_ms: u64,
    /// A due response that has not begun for this long means a lost connection (ms).
    pub response_timeout_ms: u64,
    /// Audio pacing: `None` = as fast as acknowledged; `Some(f)` = f × real time.
    pub pace: Option<f64>,
    /// The key to send first.
    pub key_slot: KeySlot,
}

impl Policy {
    /// Apply the defaults; out-of-range values are clamped to something that works (at least
    /// one attempt, a lifetime of at least a second, a positive pace).
    pub fn from_wit(policy: &SessionPolicy) -> Self {
        let pace = match policy.pace {
            Pace::Max => None,
            Pace::Factor(factor) if factor.is_finite() && factor > 0.0 => Some(factor.clamp(0.01, 1000.0)),
            Pace::Factor(_) => None,
        };
        Self {
            seed: policy.seed,
            max_attempts: policy.max_attempts.unwrap_or(DEFAULT_MAX_ATTEMPTS).max(1),
            backoff_initial_ms: policy.backoff_initial_ms.map_or(DEFAULT_BACKOFF_INITIAL_MS, u64::from),
            backoff_max_ms: policy.backoff_max_ms.map_or(DEFAULT_BACKOFF_MAX_MS, u64::from),
            max_connection_ms: policy.max_connection_ms.unwrap_or(DEFAULT_MAX_CONNECTION_MS).max(1_000),
            idle_ms: policy.idle_ms.unwrap_or(DEFAULT_IDLE_MS).max(1_000),
            response_timeout_ms: policy
                .response_timeout_ms
                .unwrap_or(DEFAULT_RESPONSE_TIMEOUT_MS)
                .max(1_000),
            pace,
            key_slot: policy.key_slot,
        }
    }

    /// After this connection age a session moves to a fresh connection at its next phrase
    /// boundary (90 % of the lifetime).
    pub fn soft_rotation_ms(&self) -> u64 {
        self.max_connection_ms / 10 * 9
    }

    /// After this age it moves in any case (95 % of the lifetime).
    pub fn hard_rotation_ms(&self) -> u64 {
        self.max_connection_ms / 20 * 19
    }
}

/// The policy a host gets with every field left to its default.
pub fn default_wit_policy(seed: u64) -> SessionPolicy {
    SessionPolicy {
        seed,
        max_attempts: None,
        backoff_initial_ms: None,
        backoff_max_ms: None,
        max_connection_ms: None,
        idle_ms: None,
        response_timeout_ms: None,
        pace: Pace::Max,
        key_slot: KeySlot::Primary,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_clamping() {
        let policy = Policy::from_wit(&default_wit_policy(3));
        assert_eq!(policy.max_attempts, DEFAULT_MAX_ATTEMPTS);
        assert_eq!(policy.max_connection_ms, 600_000);
        assert_eq!(policy.soft_rotation_ms(), 540_000);
        assert_eq!(policy.hard_rotation_ms(), 570_000);
        assert_eq!(policy.pace, None);
        let odd = SessionPolicy {
            max_attempts: Some(0),
            max_connection_ms: Some(5),
            idle_ms: Some(0),
            response_timeout_ms: Some(1),
            pace: Pace::Factor(f64::NAN),
            ..default_wit_policy(3)
        };
        let policy = Policy::from_wit(&odd);
        assert_eq!(policy.max_attempts, 1);
        assert_eq!(policy.max_connection_ms, 1_000);
        assert_eq!(policy.idle_ms, 1_000);
        assert_eq!(policy.response_timeout_ms, 1_000);
        assert_eq!(policy.pace, None);
        let paced = Policy::from_wit(&SessionPolicy {
            pace: Pace::Factor(2.0),
            ..default_wit_policy(3)
        });
        assert_eq!(paced.pace, Some(2.0));
    }
}
