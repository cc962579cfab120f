//! The reconnect delay: exponential in the failures in a row, capped, with "equal jitter"
//! (a uniform draw from the upper half of the delay), and never shorter than a `Retry-After`.

use super::IdSource;
use super::policy::Policy;

/// The delay before attempt number `failures_in_row + 1` (`failures_in_row` ≥ 1).
pub fn delay_ms(policy: &Policy, failures_in_row: u32, retry_after_ms: Option<u64>, ids: &mut IdSource) -> u64 {
    let exponent = failures_in_row.saturating_sub(1).min(32);
    let ceiling = policy
        .backoff_initial_ms
        .saturating_mul(1u64 << exponent)
        .min(policy.backoff_max_ms)
        .max(policy.backoff_initial_ms.min(policy.backoff_max_ms));
    let jittered = ids.between(ceiling / 2, ceiling);
    jittered.max(retry_after_ms.unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::super::policy::default_wit_policy;
    use super::*;

    #[test]
    fn grows_doubles_and_caps() {
        let policy = Policy::from_wit(&default_wit_policy(1));
        let mut ids = IdSource::new(1);
        // (failures in row, lowest, highest)
        let table: &[(u32, u64, u64)] = &[
            (1, 50, 100),
            (2, 100, 200),
            (3, 200, 400),
            (8, 6_400, 12_800),
            (9, 7_500, 15_000),
            (40, 7_500, 15_000),
        ];
        for &(failures, low, high) in table {
            for _ in 0..200 {
                let delay = delay_ms(&policy, failures, None, &mut ids);
                assert!((low..=high).contains(&delay), "{failures}: {delay}");
            }
        }
    }

    #[test]
    fn retry_after_is_a_floor() {
        let policy = Policy::from_wit(&default_wit_policy(1));
        let mut ids = IdSource::new(1);
        assert_eq!(delay_ms(&policy, 1, Some(3_000), &mut ids), 3_000);
        assert_eq!(delay_ms(&policy, 1, Some(60_000), &mut ids), 60_000);
        assert!(delay_ms(&policy, 1, Some(0), &mut ids) >= 50);
    }
}
