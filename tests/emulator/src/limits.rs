//! The service's connection limits (usp.md §9.1): a maximum lifetime per WebSocket (10 minutes,
//! shortened per connection by the `maxConnectionDurationSecs` query parameter), and a quota of
//! concurrent connections (the resource tier's; 429 beyond it). The idle limit (180 s) lives
//! with the connection in `ws.rs`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// The close reason at the end of a connection's lifetime. The service's code and text are
/// unconfirmed (usp.md §9.1); the emulator closes with 1000 and this reason.
pub(crate) const LIFETIME_REASON: &str = "Maximum connection duration exceeded";

/// The close reason of an idle connection.
pub(crate) const IDLE_REASON: &str = "Connection was idle for too long.";

/// The lifetime of one connection: the configured one, or the `maxConnectionDurationSecs`
/// query parameter (whole seconds, as the JS SDK's test sets it through `setServiceProperty`)
/// if that is shorter. Values that are not a positive integer are ignored.
pub(crate) fn lifetime(configured: Option<Duration>, query: &[(String, String)]) -> Option<Duration> {
    let asked = crate::auth::query_value(query, "maxConnectionDurationSecs")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|&secs| secs > 0)
        .map(Duration::from_secs);
    match (configured, asked) {
        (Some(c), Some(a)) => Some(c.min(a)),
        (c, a) => c.or(a),
    }
}

/// Open WebSocket connections against an optional maximum.
#[derive(Debug)]
pub(crate) struct Quota {
    open: Arc<AtomicU32>,
    max: Option<u32>,
}

/// One open connection's place in the quota; dropping it frees the place.
#[derive(Debug)]
pub(crate) struct Slot(Arc<AtomicU32>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Quota {
    pub(crate) fn new(max: Option<u32>) -> Self {
        Quota {
            open: Arc::new(AtomicU32::new(0)),
            max,
        }
    }

    /// A place for one more connection, or `None` if the quota is used up.
    pub(crate) fn acquire(&self) -> Option<Slot> {
        let max = self.max.unwrap_or(u32::MAX);
        self.open
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| (n < max).then_some(n + 1))
            .ok()
            .map(|_| Slot(self.open.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shorter_lifetime_wins() {
        let q = |v: &str| vec![("maxConnectionDurationSecs".to_owned(), v.to_owned())];
        let ten = Some(Duration::from_secs(600));
        assert_eq!(lifetime(ten, &q("30")), Some(Duration::from_secs(30)));
        assert_eq!(
            lifetime(Some(Duration::from_secs(5)), &q("30")),
            Some(Duration::from_secs(5))
        );
        assert_eq!(lifetime(None, &q("30")), Some(Duration::from_secs(30)));
        assert_eq!(lifetime(ten, &q("1.5")), ten);
        assert_eq!(lifetime(ten, &q("0")), ten);
        assert_eq!(lifetime(None, &[]), None);
    }

    #[test]
    fn slots_are_given_back() {
        let quota = Quota::new(Some(2));
        let a = quota.acquire().expect("first");
        let _b = quota.acquire().expect("second");
        assert!(quota.acquire().is_none());
        drop(a);
        assert!(quota.acquire().is_some());
    }
}
