//! The service's limits (usp.md §9.1): connection lifetime, idle limit, concurrency quota, token
//! lifetimes, key regeneration, and the counters tests read them back with.

mod common;
use std::sync::Arc;
use std::time::Duration;

use common::*;

const TTS: &str = "/cognitiveservices/websocket/v1";
/// Far longer than any limit a test sets: a broken limit fails the test instead of hanging it.
const BOUND: Duration = Duration::from_secs(20);

fn headers_with_key<'a>(key: &'a str, id: &'a str) -> [(&'a str, &'a str); 2] {
    [("Ocp-Apim-Subscription-Key", key), ("X-ConnectionId", id)]
}

async fn open(emulator: &RunningEmulator, path: &str, key: &str) -> Result<Ws, Refused> {
    let id = new_id();
    upgrade(&Target::loopback(emulator), path, &headers_with_key(key, &id)).await
}

/// Read until the server closes (or `BOUND` passes); the close code and reason.
async fn close_within_bound(ws: &mut Ws) -> (u16, String) {
    let result = tokio::time::timeout(BOUND, async {
        loop {
            match ws.recv_within(BOUND).await {
                Reply::Close(code, reason) => return (code, reason),
                Reply::Text(_) | Reply::Binary(_) => continue,
                other => panic!("expected a close frame, got {other:?}"),
            }
        }
    })
    .await;
    result.expect("closed before the bound")
}

/// Wait (up to `BOUND`) until `check` holds on the emulator's stats.
async fn stats_eventually(emulator: &RunningEmulator, what: &str, check: impl Fn(&Stats) -> bool) {
    let start = std::time::Instant::now();
    while !check(&emulator.stats()) {
        assert!(start.elapsed() < BOUND, "{what}: {:?}", emulator.stats());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn connections_end_at_the_maximum_duration_even_when_busy() {
    let emulator = start(
        config()
            .idle_timeout(None)
            .max_connection(Some(Duration::from_millis(400))),
    )
    .await;
    let mut ws = open(&emulator, CONVERSATION, emulator.primary_key())
        .await
        .expect("open");
    ws.send_text(speech_config(16000)).await;
    let id = new_id();
    ws.send_text(text_frame("speech.context", Some(&id), None, CONTEXT))
        .await;
    ws.send_binary(audio_frame(&id, Some("audio/x-wav"), &wav_header(16000)))
        .await;
    // Keep streaming silence: activity does not extend the lifetime.
    let streaming = async {
        loop {
            ws.send_binary(audio_frame(&id, None, &[0u8; 3200])).await;
            match ws.recv_within(Duration::from_millis(50)).await {
                Reply::Close(code, reason) => return (code, reason),
                Reply::Text(_) | Reply::Binary(_) | Reply::Silent => {}
                other => panic!("expected a close frame, got {other:?}"),
            }
        }
    };
    let (code, reason) = tokio::time::timeout(BOUND, streaming)
        .await
        .expect("closed before the bound");
    assert_eq!((code, reason.as_str()), (1000, "Maximum connection duration exceeded"));
    stats_eventually(&emulator, "one lifetime close", |s| s.lifetime_closes == 1).await;
    assert_eq!(emulator.stats().idle_closes, 0);
    assert_eq!(emulator.request_log()[0].close_code, Some(1000));
}

#[tokio::test]
async fn the_query_parameter_shortens_the_lifetime_for_that_connection() {
    // The configured 10 minutes would never be reached in a test; the parameter's 1 s is.
    let emulator = start(config().idle_timeout(None)).await;
    for path in [
        format!("{CONVERSATION}&maxConnectionDurationSecs=1"),
        format!("{TTS}?maxConnectionDurationSecs=1"),
    ] {
        let mut ws = open(&emulator, &path, emulator.primary_key()).await.expect("open");
        let (code, reason) = close_within_bound(&mut ws).await;
        assert_eq!(
            (code, reason.as_str()),
            (1000, "Maximum connection duration exceeded"),
            "{path}"
        );
    }
    stats_eventually(&emulator, "two lifetime closes", |s| s.lifetime_closes == 2).await;
    // Without the parameter, the connection stays open.
    let mut ws = open(&emulator, CONVERSATION, emulator.primary_key())
        .await
        .expect("open");
    assert!(matches!(
        ws.recv_within(Duration::from_millis(1500)).await,
        Reply::Silent
    ));
}

#[tokio::test]
async fn the_configured_lifetime_wins_when_shorter_than_the_parameter() {
    let emulator = start(
        config()
            .idle_timeout(None)
            .max_connection(Some(Duration::from_millis(200))),
    )
    .await;
    let path = format!("{CONVERSATION}&maxConnectionDurationSecs=600");
    let mut ws = open(&emulator, &path, emulator.primary_key()).await.expect("open");
    let (code, reason) = close_within_bound(&mut ws).await;
    assert_eq!((code, reason.as_str()), (1000, "Maximum connection duration exceeded"));
}

#[tokio::test]
async fn idle_tts_connections_are_closed_too() {
    let emulator = start(config().idle_timeout(Some(Duration::from_millis(200)))).await;
    let mut ws = open(&emulator, TTS, emulator.primary_key()).await.expect("open");
    ws.send_text(tts_speech_config()).await;
    let (code, reason) = close_within_bound(&mut ws).await;
    assert_eq!(code, 1000);
    assert!(reason.contains("idle"), "{reason}");
    stats_eventually(&emulator, "one idle close", |s| s.idle_closes == 1).await;
    assert_eq!(emulator.stats().lifetime_closes, 0);
}

#[tokio::test]
async fn messages_keep_a_connection_from_going_idle() {
    let emulator = start(config().idle_timeout(Some(Duration::from_millis(600)))).await;
    let mut ws = open(&emulator, CONVERSATION, emulator.primary_key())
        .await
        .expect("open");
    ws.send_text(speech_config(16000)).await;
    // Telemetry is never answered, but it is a message: 2 s of it every 100 ms, well past the
    // idle limit.
    for _ in 0..20 {
        ws.send_text(text_frame("telemetry", Some(&new_id()), Some("application/json"), "{}"))
            .await;
        match ws.recv_within(Duration::from_millis(100)).await {
            Reply::Silent => {}
            other => panic!("closed while active: {other:?}"),
        }
    }
    assert_eq!(emulator.stats().idle_closes, 0);
    // Then silence: closed.
    let (code, reason) = close_within_bound(&mut ws).await;
    assert_eq!(code, 1000);
    assert!(reason.contains("idle"), "{reason}");
}

#[tokio::test]
async fn upgrades_beyond_the_concurrency_quota_get_429() {
    let emulator = start(config().max_concurrent_connections(Some(2))).await;
    let key = emulator.primary_key().to_owned();
    // STT and TTS count together.
    let first = open(&emulator, CONVERSATION, &key).await.expect("first");
    let _second = open(&emulator, TTS, &key).await.expect("second");
    let refused = open(&emulator, CONVERSATION, &key).await.err().expect("third refused");
    assert_eq!(refused.status, 429);
    assert_eq!(refused.retry_after.as_deref(), Some("1"));
    let body: serde_json::Value = serde_json::from_str(&refused.body).expect("JSON body");
    assert_eq!(body["error"]["code"], "429");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("retry after 1 seconds")),
        "{body}"
    );
    assert!(open(&emulator, TTS, &key).await.is_err(), "TTS is refused too");
    // One closes: the next upgrade gets through (once the server has seen the close).
    let mut first = first;
    let _ = futures_util::SinkExt::close(&mut first.stream).await;
    drop(first);
    let start = std::time::Instant::now();
    let _third = loop {
        match open(&emulator, CONVERSATION, &key).await {
            Ok(ws) => break ws,
            Err(r) => {
                assert_eq!(r.status, 429);
                assert!(start.elapsed() < BOUND, "the slot was never given back");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    };
    let stats = emulator.stats();
    assert!(stats.throttled >= 2, "{stats:?}");
    assert_eq!(stats.rejected_upgrades, stats.throttled);
    assert_eq!((stats.stt_connections, stats.tts_connections), (2, 1));
    assert!(
        emulator.request_log()[2]
            .note
            .as_deref()
            .is_some_and(|n| n.contains("quota"))
    );
}

#[tokio::test]
async fn sts_tokens_expire_after_the_configured_lifetime() {
    let clock = Arc::new(ManualClock::starting_now());
    let emulator = start(
        config()
            .clock(clock.clone())
            .sts_token_lifetime(Duration::from_secs(60)),
    )
    .await;
    let target = Target::loopback(&emulator);
    let issued = http(
        &target,
        "POST",
        "/sts/v1.0/issueToken",
        &[
            ("Ocp-Apim-Subscription-Key", emulator.primary_key()),
            ("Content-Length", "0"),
        ],
        b"",
    )
    .await;
    assert_eq!(issued.status, 200);
    let token = issued.text();
    let claims = decode_payload(&token).expect("claims");
    let now = clock.now_ms() / 1000;
    assert_eq!(claims["exp"].as_u64(), Some(now + 60));
    let bearer = format!("Bearer {token}");
    let with_token = |id: &str| {
        [
            ("Authorization".to_owned(), bearer.clone()),
            ("X-ConnectionId".to_owned(), id.to_owned()),
        ]
    };
    let try_upgrade = |headers: [(String, String); 2]| {
        let target = target.clone();
        async move {
            let h: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
            upgrade(&target, CONVERSATION, &h)
                .await
                .map(|_| 101)
                .unwrap_or_else(|r| r.status)
        }
    };
    assert_eq!(try_upgrade(with_token(&new_id())).await, 101);
    clock.advance_secs(59);
    assert_eq!(try_upgrade(with_token(&new_id())).await, 101, "still valid at 0:59");
    assert_eq!(emulator.stats().expired_tokens_presented, 0);
    clock.advance_secs(1);
    assert_eq!(try_upgrade(with_token(&new_id())).await, 401, "expired at 1:00");
    let voices = http(
        &target,
        "GET",
        "/cognitiveservices/voices/list",
        &[("Authorization", bearer.as_str())],
        b"",
    )
    .await;
    assert_eq!(voices.status, 401);
    let stats = emulator.stats();
    assert_eq!(stats.expired_tokens_presented, 2, "{stats:?}");
    assert_eq!(stats.unauthorized, 2, "{stats:?}");
    let log = emulator.request_log();
    let refused = &log[log.len() - 2];
    assert_eq!(refused.auth, AuthKind::StsToken);
    assert_eq!(refused.note.as_deref(), Some("STS token expired"));
}

#[tokio::test]
async fn entra_tokens_expire_after_the_configured_lifetime() {
    let clock = Arc::new(ManualClock::starting_now());
    let emulator = start(config().clock(clock.clone()).token_lifetime(Duration::from_secs(120))).await;
    let bearer = format!("Bearer {}", emulator.mint_entra_token(MintOptions::default()));
    let (emulator, bearer) = (&emulator, bearer.as_str());
    let status = move || async move {
        let id = new_id();
        upgrade(
            &Target::loopback(emulator),
            TTS,
            &[("Authorization", bearer), ("X-ConnectionId", &id)],
        )
        .await
        .map(|_| 101)
        .unwrap_or_else(|r| r.status)
    };
    assert_eq!(status().await, 101);
    clock.advance_secs(119);
    assert_eq!(status().await, 101);
    clock.advance_secs(1);
    assert_eq!(status().await, 401);
    let stats = emulator.stats();
    assert_eq!(
        (
            stats.expired_tokens_presented,
            stats.unauthorized,
            stats.tts_connections
        ),
        (1, 1, 2)
    );
    assert_eq!(stats.rejected_upgrades, 1);
    // A wrong key is unauthorized but no expired token.
    assert!(open(emulator, TTS, "0123").await.is_err());
    assert_eq!(emulator.stats().expired_tokens_presented, 1);
    assert_eq!(emulator.stats().unauthorized, 2);
}

#[tokio::test]
async fn a_regenerated_key_is_refused_and_its_successor_accepted() {
    let emulator = start(config()).await;
    let old = emulator.key(KeySlot::Primary);
    assert_eq!(old, emulator.primary_key());
    assert!(open(&emulator, CONVERSATION, &old).await.is_ok());
    let new = emulator.regenerate_key(KeySlot::Primary);
    assert_ne!(new, old);
    assert_eq!(emulator.key(KeySlot::Primary), new);
    let refused = open(&emulator, CONVERSATION, &old)
        .await
        .err()
        .expect("old key refused");
    assert_eq!(refused.status, 401);
    assert!(refused.body.contains("invalid subscription key"), "{}", refused.body);
    assert!(open(&emulator, TTS, &new).await.is_ok());
    assert!(
        open(&emulator, TTS, emulator.secondary_key()).await.is_ok(),
        "secondary unchanged"
    );
    assert_eq!(emulator.key(KeySlot::Secondary), emulator.secondary_key());
    // REST and STS follow the same keys.
    let sts = http(
        &Target::loopback(&emulator),
        "POST",
        "/sts/v1.0/issueToken",
        &[("Ocp-Apim-Subscription-Key", old.as_str()), ("Content-Length", "0")],
        b"",
    )
    .await;
    assert_eq!(sts.status, 401);
    let vars: std::collections::HashMap<String, String> = emulator.env_vars().into_iter().collect();
    assert_eq!(vars["SPEECH_KEY"], new);
    assert_eq!(emulator.stats().unauthorized, 2);
    // Regenerating the secondary leaves the new primary alone.
    let secondary = emulator.regenerate_key(KeySlot::Secondary);
    assert!(open(&emulator, TTS, emulator.secondary_key()).await.is_err());
    assert!(open(&emulator, TTS, &secondary).await.is_ok());
    assert!(open(&emulator, TTS, &new).await.is_ok());
}

#[tokio::test]
async fn the_primary_key_can_be_regenerated_after_some_connections() {
    let emulator = start(config().regenerate_primary_key_after_connections(Some(2))).await;
    let key = emulator.primary_key().to_owned();
    assert!(open(&emulator, CONVERSATION, &key).await.is_ok());
    assert!(open(&emulator, TTS, &key).await.is_ok());
    assert_eq!(
        open(&emulator, CONVERSATION, &key).await.err().map(|r| r.status),
        Some(401)
    );
    assert!(open(&emulator, CONVERSATION, emulator.secondary_key()).await.is_ok());
    assert!(
        open(&emulator, CONVERSATION, &emulator.key(KeySlot::Primary))
            .await
            .is_ok()
    );
}

#[test]
fn limits_from_json() {
    let config = EmulatorConfig::from_json(
        r#"{"max_connection_ms": 1500, "max_concurrent_connections": 3, "idle_timeout_secs": 20,
            "sts_token_lifetime_secs": 30, "token_lifetime_secs": 90,
            "regenerate_primary_key_after_connections": 5}"#,
    )
    .expect("parses");
    assert_eq!(config.max_connection, Some(Duration::from_millis(1500)));
    assert_eq!(config.max_concurrent_connections, Some(3));
    assert_eq!(config.idle_timeout, Some(Duration::from_secs(20)));
    assert_eq!(config.sts_token_lifetime, Duration::from_secs(30));
    assert_eq!(config.token_lifetime, Duration::from_secs(90));
    assert_eq!(config.regenerate_primary_key_after_connections, Some(5));
    let defaults = EmulatorConfig::new();
    assert_eq!(defaults.max_connection, Some(Duration::from_secs(600)));
    assert_eq!(defaults.max_concurrent_connections, None);
    assert_eq!(defaults.sts_token_lifetime, Duration::from_secs(STS_LIFETIME_SECS));
    let off = EmulatorConfig::from_json(r#"{"max_connection_ms": 0}"#).expect("parses");
    assert_eq!(off.max_connection, None);
    assert!(EmulatorConfig::from_json(r#"{"max_concurrent_connections": 0}"#).is_err());
}
