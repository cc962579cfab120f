//! A token cache with refresh ahead of expiry and one fetch under concurrency.
//!
//! Each key (a scope, an STS URL) has a slot behind an async mutex: concurrent callers queue on
//! it, the first one fetches, the others find the fresh token. A token is reused until
//! `refresh_ahead_ms` before its expiry.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::clock::Clock;
use crate::secret::Secret;

/// A token and when it stops being usable.
#[derive(Debug, Clone)]
pub struct CachedToken {
    /// The token.
    pub token: Secret,
    /// Unix milliseconds after which it must not be used.
    pub expires_at_ms: u64,
}

type Slot = Arc<tokio::sync::Mutex<Option<CachedToken>>>;

/// Tokens by key.
#[derive(Debug)]
pub struct TokenCache {
    clock: Arc<dyn Clock>,
    refresh_ahead_ms: u64,
    slots: Mutex<HashMap<String, Slot>>,
    fetches: AtomicU64,
}

impl TokenCache {
    /// An empty cache that refreshes `refresh_ahead_ms` before expiry.
    pub fn new(clock: Arc<dyn Clock>, refresh_ahead_ms: u64) -> Self {
        Self {
            clock,
            refresh_ahead_ms,
            slots: Mutex::new(HashMap::new()),
            fetches: AtomicU64::new(0),
        }
    }

    /// The token for `key`, fetching it with `fetch` if absent or due for refresh.
    pub async fn get<E, F, Fut>(&self, key: &str, fetch: F) -> Result<Secret, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<CachedToken, E>>,
    {
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            slots.entry(key.to_owned()).or_default().clone()
        };
        let mut cached = slot.lock().await;
        if let Some(token) = cached.as_ref()
            && self.clock.now_ms().saturating_add(self.refresh_ahead_ms) < token.expires_at_ms
        {
            return Ok(token.token.clone());
        }
        self.fetches.fetch_add(1, Ordering::SeqCst);
        let fresh = fetch().await?;
        let token = fresh.token.clone();
        *cached = Some(fresh);
        Ok(token)
    }

    /// Forget the token for `key`, so the next [`TokenCache::get`] fetches a fresh one (the
    /// service refused it).
    pub async fn invalidate(&self, key: &str) {
        let slot = {
            let slots = self.slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            slots.get(key).cloned()
        };
        if let Some(slot) = slot {
            *slot.lock().await = None;
        }
    }

    /// How many fetches the cache has made.
    pub fn fetches(&self) -> u64 {
        self.fetches.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::{CachedToken, TokenCache};
    use crate::clock::{Clock, ManualClock};
    use crate::secret::Secret;

    const MINUTE: u64 = 60_000;

    async fn fetch_token(clock: &ManualClock, counter: &AtomicU64, lifetime_ms: u64) -> Result<CachedToken, String> {
        let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
        // Yield so concurrent callers really overlap with this fetch.
        tokio::task::yield_now().await;
        Ok(CachedToken {
            token: Secret::new(format!("token-{n}")),
            expires_at_ms: clock.now_ms() + lifetime_ms,
        })
    }

    #[tokio::test]
    async fn entra_tokens_are_reused_until_five_minutes_before_expiry() {
        let clock = Arc::new(ManualClock::new(1_000_000));
        let cache = TokenCache::new(clock.clone(), 5 * MINUTE);
        let counter = AtomicU64::new(0);
        let get = || cache.get("scope", || fetch_token(&clock, &counter, 60 * MINUTE));
        assert_eq!(get().await.expect("token").expose(), "token-1");
        clock.advance_ms(54 * MINUTE);
        assert_eq!(get().await.expect("token").expose(), "token-1", "still 6 minutes left");
        clock.advance_ms(MINUTE + 1);
        assert_eq!(
            get().await.expect("token").expose(),
            "token-2",
            "refreshed ahead of expiry"
        );
        assert_eq!(cache.fetches(), 2);
    }

    #[tokio::test]
    async fn sts_tokens_are_kept_at_most_their_max_age() {
        let clock = Arc::new(ManualClock::new(0));
        let cache = TokenCache::new(clock.clone(), 0);
        let counter = AtomicU64::new(0);
        let get = || {
            cache.get(
                "https://westeurope.api.cognitive.microsoft.com/sts/v1.0/issueToken",
                || fetch_token(&clock, &counter, 9 * MINUTE),
            )
        };
        assert_eq!(get().await.expect("token").expose(), "token-1");
        clock.advance_ms(9 * MINUTE - 1);
        assert_eq!(get().await.expect("token").expose(), "token-1");
        clock.advance_ms(1);
        assert_eq!(
            get().await.expect("token").expose(),
            "token-2",
            "never used past 9 minutes"
        );
    }

    #[tokio::test]
    async fn concurrent_callers_share_one_fetch() {
        let clock = Arc::new(ManualClock::new(0));
        let cache = TokenCache::new(clock.clone(), 5 * MINUTE);
        let counter = AtomicU64::new(0);
        let callers = (0..16).map(|_| cache.get("scope", || fetch_token(&clock, &counter, 60 * MINUTE)));
        let tokens = futures_util::future::join_all(callers).await;
        assert!(tokens.iter().all(|t| t.as_ref().expect("token").expose() == "token-1"));
        assert_eq!(counter.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn keys_are_cached_separately_and_failures_are_not_cached() {
        let clock = Arc::new(ManualClock::new(0));
        let cache = TokenCache::new(clock.clone(), 0);
        let failed: Result<Secret, String> = cache.get("a", || async { Err("endpoint down".to_owned()) }).await;
        assert!(failed.is_err());
        let counter = AtomicU64::new(0);
        assert_eq!(
            cache
                .get("a", || fetch_token(&clock, &counter, MINUTE))
                .await
                .expect("token")
                .expose(),
            "token-1"
        );
        assert_eq!(
            cache
                .get("b", || fetch_token(&clock, &counter, MINUTE))
                .await
                .expect("token")
                .expose(),
            "token-2"
        );
    }
}
