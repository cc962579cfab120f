//! Fault storms: a seeded random mix of faults over many connections, the same for the same seed.

mod common;
use std::time::Duration;

use common::*;
use tokio::io::AsyncReadExt;

const TTS: &str = "/cognitiveservices/websocket/v1";

/// What a client saw on one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    /// The upgrade got this status (0: TCP closed without an answer), with `Retry-After`.
    Refused(u16, Option<String>),
    /// A close frame with this code.
    Closed(u16),
    /// TCP closed without a close frame (abort, stall, truncated frame).
    Dropped,
    /// The turn completed.
    Served,
}

/// What the plan says the client will see.
fn expected(hit: Option<StormHit>) -> Outcome {
    match hit.map(|h| h.action) {
        None => Outcome::Served,
        Some(StormAction::Refuse) => Outcome::Refused(0, None),
        Some(StormAction::Http(429)) => Outcome::Refused(429, Some("1".to_owned())),
        Some(StormAction::Http(status)) => Outcome::Refused(status, None),
        Some(StormAction::Close(code)) => Outcome::Closed(code),
        Some(StormAction::Abort | StormAction::Stall | StormAction::TruncatedFrame) => Outcome::Dropped,
    }
}

/// One STT connection: config, context, header, 12 audio chunks, end of audio (16 frames, more
/// than any trigger the test storms draw), then the replies until `turn.end` or the end.
async fn one_connection(emulator: &RunningEmulator) -> Outcome {
    let id = new_id();
    let headers = [
        ("Ocp-Apim-Subscription-Key", emulator.primary_key()),
        ("X-ConnectionId", id.as_str()),
    ];
    let mut ws = match upgrade(&Target::loopback(emulator), CONVERSATION, &headers).await {
        Ok(ws) => ws,
        Err(refused) => return Outcome::Refused(refused.status, refused.retry_after),
    };
    ws.send_text(speech_config(16000)).await;
    let turn = new_id();
    ws.send_text(text_frame("speech.context", Some(&turn), None, CONTEXT))
        .await;
    ws.send_binary(audio_frame(&turn, Some("audio/x-wav"), &wav_header(16000)))
        .await;
    for _ in 0..12 {
        ws.send_binary(audio_frame(&turn, None, &[0u8; 3200])).await;
    }
    ws.send_binary(audio_frame(&turn, None, &[])).await;
    loop {
        match ws.recv_within(Duration::from_secs(10)).await {
            Reply::Text(t) if parse(&t).path == "turn.end" => return Outcome::Served,
            Reply::Text(_) | Reply::Binary(_) => {}
            Reply::Close(code, _) => return Outcome::Closed(code),
            Reply::Dropped(_) => return Outcome::Dropped,
            Reply::Silent => panic!("nothing for 10 s"),
        }
    }
}

fn test_storm(seed: u64) -> Storm {
    Storm::new(seed, FaultTarget::Stt, 15)
        .probability(0.6)
        .max_after_received_frames(12)
        .stall_ms(30)
}

async fn run_storm(storm: Storm, connections: usize) -> (Vec<Outcome>, Stats) {
    let emulator = start(config().storm(storm)).await;
    let mut outcomes = Vec::new();
    for _ in 0..connections {
        outcomes.push(one_connection(&emulator).await);
    }
    // TTS is not the storm's target: untouched.
    let id = new_id();
    let tts = upgrade(
        &Target::loopback(&emulator),
        TTS,
        &[
            ("Ocp-Apim-Subscription-Key", emulator.primary_key()),
            ("X-ConnectionId", &id),
        ],
    )
    .await;
    assert!(tts.is_ok(), "the storm hit TTS");
    (outcomes, emulator.stats())
}

#[tokio::test]
async fn a_storm_follows_its_plan_and_repeats_with_the_same_seed() {
    let storm = test_storm(7);
    let plan = storm.plan(50);
    let hits = plan.iter().flatten().count() as u64;
    assert_eq!(
        hits, 15,
        "probability 0.6 over 50 connections reaches max_faults: {plan:?}"
    );
    let (first, stats) = run_storm(storm.clone(), 50).await;
    let expected: Vec<Outcome> = plan.iter().copied().map(expected).collect();
    assert_eq!(first, expected);
    assert_eq!(stats.faults_injected, hits);
    let refused = plan.iter().flatten().filter(|h| !h.action.is_mid_stream()).count() as u64;
    // Every refusal is a rejected upgrade; every other connection (and the TTS one) was accepted.
    assert_eq!(stats.rejected_upgrades, refused);
    assert_eq!(stats.stt_connections, 50 - refused);
    assert_eq!(stats.tts_connections, 1);
    // Once max_faults are spent, every connection gets through.
    let last_hit = plan.iter().rposition(Option::is_some).expect("a hit");
    assert!(first[last_hit + 1..].iter().all(|o| *o == Outcome::Served));
    // Same seed, new emulator: the same sequence.
    let (second, _) = run_storm(storm, 50).await;
    assert_eq!(first, second);
}

#[test]
fn plans_are_deterministic_and_bounded() {
    let a = test_storm(42).plan(200);
    assert_eq!(a, test_storm(42).plan(200));
    assert_ne!(a, test_storm(43).plan(200), "another seed, another storm");
    assert_eq!(a.iter().flatten().count(), 15);
    // A longer plan starts with the shorter one.
    assert_eq!(test_storm(42).plan(20), a[..20]);
    for hit in a.iter().flatten() {
        if hit.action.is_mid_stream() {
            assert!((1..=12).contains(&hit.after_received_frames), "{hit:?}");
        } else {
            assert_eq!(hit.after_received_frames, 0);
        }
    }
    // Probability 1: the first max_faults connections are hit, then none.
    let all = Storm::new(1, FaultTarget::Websocket, 5).probability(1.0).plan(8);
    assert!(all[..5].iter().all(Option::is_some) && all[5..].iter().all(Option::is_none));
    // Probability 0: never.
    assert!(
        Storm::new(1, FaultTarget::Websocket, 5)
            .probability(0.0)
            .plan(50)
            .iter()
            .all(Option::is_none)
    );
    // Every action of the mix shows up in a long enough storm.
    let many = Storm::new(9, FaultTarget::Websocket, 10_000)
        .probability(1.0)
        .plan(2_000);
    for action in StormAction::all() {
        assert!(
            many.iter().flatten().any(|h| h.action == action),
            "{action} never drawn"
        );
    }
}

#[tokio::test]
async fn a_storm_can_truncate_a_frame() {
    let storm = Storm::new(3, FaultTarget::Stt, 1)
        .probability(1.0)
        .actions(vec![StormAction::TruncatedFrame])
        .max_after_received_frames(1);
    let emulator = start(config().storm(storm)).await;
    let id = new_id();
    let mut ws = upgrade(
        &Target::loopback(&emulator),
        CONVERSATION,
        &[
            ("Ocp-Apim-Subscription-Key", emulator.primary_key()),
            ("X-ConnectionId", &id),
        ],
    )
    .await
    .expect("open");
    ws.send_text(speech_config(16000)).await;
    // Read the raw bytes under the WebSocket layer: a text frame whose length says more than
    // what arrives before EOF.
    let mut raw = Vec::new();
    // EOF, or a reset: either way `raw` holds what arrived before.
    let _eof_or_reset = tokio::time::timeout(Duration::from_secs(20), async {
        match ws.stream.get_mut() {
            tokio_tungstenite::MaybeTlsStream::Plain(tcp) => tcp.read_to_end(&mut raw).await,
            _ => unreachable!("plain"),
        }
    })
    .await
    .expect("EOF before the bound");
    assert!(raw.len() > 4, "{raw:?}");
    assert_eq!(raw[0], 0x81, "a final text frame");
    assert_eq!(raw[1], 126, "with a 16-bit length");
    let announced = usize::from(u16::from_be_bytes([raw[2], raw[3]]));
    assert!(raw.len() - 4 < announced, "{} of {announced} bytes", raw.len() - 4);
    assert!(String::from_utf8_lossy(&raw[4..]).contains("Path:speech.hypothesis"));
    assert_eq!(emulator.stats().faults_injected, 1);
    assert_eq!(emulator.request_log()[0].close_code, Some(1006));
}

#[tokio::test]
async fn a_configured_truncated_binary_frame_on_tts() {
    let action = FaultAction::Truncated {
        after: Trigger::ReceivedFrames(1),
        binary: true,
    };
    let emulator = start(config().fault(Fault::new(action, FaultTarget::Tts))).await;
    let id = new_id();
    let mut ws = upgrade(
        &Target::loopback(&emulator),
        TTS,
        &[
            ("Ocp-Apim-Subscription-Key", emulator.primary_key()),
            ("X-ConnectionId", &id),
        ],
    )
    .await
    .expect("open");
    ws.send_text(tts_speech_config()).await;
    assert!(matches!(ws.recv().await, Reply::Dropped(_)));
    assert_eq!(emulator.stats().faults_injected, 1);
}

#[tokio::test]
async fn storm_http_429_has_retry_after_and_counts_as_throttled() {
    let storm = Storm::new(5, FaultTarget::Websocket, 2)
        .probability(1.0)
        .actions(vec![StormAction::Http(429)]);
    let emulator = start(config().storm(storm)).await;
    for expected in [Some(429), Some(429), None] {
        let id = new_id();
        let result = upgrade(
            &Target::loopback(&emulator),
            TTS,
            &[
                ("Ocp-Apim-Subscription-Key", emulator.primary_key()),
                ("X-ConnectionId", &id),
            ],
        )
        .await;
        match (result, expected) {
            (Err(r), Some(status)) => {
                assert_eq!(r.status, status);
                assert_eq!(r.retry_after.as_deref(), Some("1"));
                assert!(r.body.contains("\"code\":\"429\""), "{}", r.body);
            }
            (Ok(_), None) => {}
            (other, _) => panic!("{:?}", other.err()),
        }
    }
    let stats = emulator.stats();
    assert_eq!(
        (stats.throttled, stats.faults_injected, stats.tts_connections),
        (2, 2, 1)
    );
    assert_eq!(emulator.request_log()[0].note.as_deref(), Some("storm: http-429"));
}

#[tokio::test]
async fn storms_never_touch_token_endpoints() {
    let storm = Storm::new(5, FaultTarget::Websocket, 100)
        .probability(1.0)
        .actions(vec![StormAction::Http(503), StormAction::Refuse]);
    let emulator = start(config().storm(storm)).await;
    let target = Target::loopback(&emulator);
    for _ in 0..5 {
        let r = http(
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
        assert_eq!(r.status, 200);
    }
    let header = emulator.config().identity_header.clone();
    let path = "/msi/token?api-version=2019-08-01&resource=https://cognitiveservices.azure.com";
    assert_eq!(
        http(&target, "GET", path, &[("x-identity-header", &header)], b"")
            .await
            .status,
        200
    );
    assert_eq!(emulator.stats().faults_injected, 0);
    // A storm cannot even be configured on them.
    for target in ["sts", "identity", "rest", "any"] {
        let json = format!(r#"{{"faults": [{{"storm": {{"seed": 1, "max_faults": 1, "target": "{target}"}}}}]}}"#);
        assert!(EmulatorConfig::from_json(&json).is_err(), "{target}");
    }
}

#[test]
fn storms_from_json() {
    let config = EmulatorConfig::from_json(
        r#"{"faults": [
            {"action": "refuse", "target": "any", "first": 1},
            {"storm": {"seed": 7, "target": "stt", "max_faults": 120, "probability": 0.6,
                       "actions": ["abort", "close-1011", "close-1001", "close-1000", "close-4429",
                                   "http-503", "http-429", "refuse", "truncated-frame", "stall"],
                       "max_after_received_frames": 60}},
            {"storm": {"seed": 8, "max_faults": 3, "stall_ms": 500}}
        ]}"#,
    )
    .expect("parses");
    assert_eq!(config.faults.len(), 1);
    assert_eq!(config.storms.len(), 2);
    let expected = Storm::new(7, FaultTarget::Stt, 120)
        .probability(0.6)
        .actions(StormAction::all())
        .max_after_received_frames(60);
    assert_eq!(config.storms[0], expected);
    assert_eq!(config.storms[0].stall_ms, 3000);
    let defaults = &config.storms[1];
    assert_eq!(defaults.target, FaultTarget::Websocket);
    assert_eq!(defaults.probability, 0.5);
    assert_eq!(defaults.actions, StormAction::all());
    assert_eq!(defaults.max_after_received_frames, 60);
    assert_eq!(defaults.stall_ms, 500);
    // Errors say what is wrong.
    for (bad, needle) in [
        (
            r#"{"storm": {"seed": 1, "max_faults": 1, "actions": ["explode"]}}"#,
            "explode",
        ),
        (
            r#"{"storm": {"seed": 1, "max_faults": 1, "actions": ["close-1006"]}}"#,
            "close-1006",
        ),
        (
            r#"{"storm": {"seed": 1, "max_faults": 1, "probability": 1.5}}"#,
            "probability",
        ),
        (r#"{"storm": {"seed": 1, "max_faults": 1, "actions": []}}"#, "action"),
        (r#"{"storm": {"seed": 1, "max_faults": 1, "colour": "red"}}"#, "colour"),
        (r#"{"storm": {"seed": 1}}"#, "max_faults"),
        (r#"{"storm": {"seed": 1, "max_faults": 1}, "first": 2}"#, "first"),
    ] {
        let error = EmulatorConfig::from_json(&format!(r#"{{"faults": [{bad}]}}"#))
            .err()
            .unwrap_or_else(|| panic!("{bad} was accepted"))
            .to_string();
        assert!(error.contains(needle), "{bad}: {error}");
    }
    // The faults list of `azspeech emulator --faults` and AZSPEECH_EMULATOR_FAULTS.
    let entries: Vec<FaultEntry> =
        serde_json::from_str(r#"[{"storm": {"seed": 2, "max_faults": 4}}, {"action": "refuse", "target": "any"}]"#)
            .expect("entries");
    assert!(matches!(&entries[0], FaultEntry::Storm(s) if s.seed == 2 && s.max_faults == 4));
    assert!(matches!(&entries[1], FaultEntry::Fault(f) if f.action == FaultAction::Refuse));
}
