//! Fault injection: every recovery path a client needs can be provoked on purpose.

mod common;
use std::time::Duration;

use common::*;

const TTS: &str = "/cognitiveservices/websocket/v1";

async fn try_upgrade(emulator: &RunningEmulator, path: &str) -> Result<Ws, Refused> {
    let id = new_id();
    upgrade(
        &Target::loopback(emulator),
        path,
        &[
            ("Ocp-Apim-Subscription-Key", emulator.primary_key()),
            ("X-ConnectionId", &id),
        ],
    )
    .await
}

#[tokio::test]
async fn throttled_first_upgrade_with_retry_after() {
    let emulator = start(config().fault(Fault::http_status(429, Some(3), FaultTarget::Stt).first(1))).await;
    let refused = try_upgrade(&emulator, CONVERSATION).await.err().expect("refused");
    assert_eq!(refused.status, 429);
    assert_eq!(refused.retry_after.as_deref(), Some("3"));
    assert!(refused.body.contains("retry after 3 seconds"), "{}", refused.body);
    // Only the first: the second attempt and TTS are fine.
    assert!(try_upgrade(&emulator, CONVERSATION).await.is_ok());
    assert!(try_upgrade(&emulator, TTS).await.is_ok());
    assert_eq!(emulator.request_log()[0].note.as_deref(), Some("fault: HTTP 429"));
}

#[tokio::test]
async fn upgrade_statuses_for_every_connection() {
    for status in [401u16, 403, 500, 503] {
        let emulator = start(config().fault(Fault::http_status(status, None, FaultTarget::Websocket))).await;
        for _ in 0..2 {
            assert_eq!(try_upgrade(&emulator, TTS).await.err().map(|r| r.status), Some(status));
        }
    }
}

#[tokio::test]
async fn rest_and_token_endpoint_faults() {
    let emulator = start(
        config()
            .fault(Fault::http_status(503, Some(1), FaultTarget::Sts).first(1))
            .fault(Fault::http_status(500, None, FaultTarget::Identity).first(1)),
    )
    .await;
    let target = Target::loopback(&emulator);
    let headers = [
        ("Ocp-Apim-Subscription-Key", emulator.primary_key()),
        ("Content-Length", "0"),
    ];
    assert_eq!(
        http(&target, "POST", "/sts/v1.0/issueToken", &headers, b"")
            .await
            .status,
        503
    );
    assert_eq!(
        http(&target, "POST", "/sts/v1.0/issueToken", &headers, b"")
            .await
            .status,
        200
    );
    let header = emulator.config().identity_header.clone();
    let path = "/msi/token?api-version=2019-08-01&resource=https://cognitiveservices.azure.com";
    assert_eq!(
        http(&target, "GET", path, &[("x-identity-header", &header)], b"")
            .await
            .status,
        500
    );
    assert_eq!(
        http(&target, "GET", path, &[("x-identity-header", &header)], b"")
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn refused_connections() {
    let emulator = start(config().fault(Fault::new(FaultAction::Refuse, FaultTarget::Any).first(1))).await;
    let refused = try_upgrade(&emulator, CONVERSATION).await.err().expect("refused");
    assert_eq!(refused.status, 0, "no HTTP answer at all: {}", refused.body);
    assert!(try_upgrade(&emulator, CONVERSATION).await.is_ok());
    assert_eq!(emulator.request_log()[0].status, 0);
}

/// Start a recognition turn and send `chunks` audio chunks; return what came back.
async fn stream_audio(ws: &mut Ws, chunks: usize) -> Vec<Reply> {
    ws.send_text(speech_config(16000)).await;
    let id = new_id();
    ws.send_text(text_frame("speech.context", Some(&id), None, CONTEXT))
        .await;
    ws.send_binary(audio_frame(&id, Some("audio/x-wav"), &wav_header(16000)))
        .await;
    for _ in 0..chunks {
        ws.send_binary(audio_frame(&id, None, &[0u8; 3200])).await;
    }
    let mut replies = Vec::new();
    loop {
        let reply = ws.recv_within(Duration::from_secs(5)).await;
        let stop = !matches!(reply, Reply::Text(_) | Reply::Binary(_));
        replies.push(reply);
        if stop {
            return replies;
        }
    }
}

#[tokio::test]
async fn abort_after_received_frames_is_a_1006() {
    let action = FaultAction::Abort {
        after: Trigger::ReceivedFrames(5),
    };
    let emulator = start(config().fault(Fault::new(action, FaultTarget::Stt))).await;
    let mut ws = try_upgrade(&emulator, CONVERSATION).await.expect("open");
    let replies = stream_audio(&mut ws, 10).await;
    assert!(matches!(replies.last(), Some(Reply::Dropped(_))), "{replies:?}");
    assert!(!replies.iter().any(|r| matches!(r, Reply::Close(..))));
    let log = emulator.request_log();
    assert_eq!(log[0].close_code, Some(1006));
}

#[tokio::test]
async fn close_with_a_code_after_sent_frames() {
    let action = FaultAction::Close {
        after: Trigger::SentFrames(1),
        code: 1011,
        reason: "Internal server error".to_owned(),
    };
    let emulator = start(config().fault(Fault::new(action, FaultTarget::Stt).first(1))).await;
    let mut ws = try_upgrade(&emulator, CONVERSATION).await.expect("open");
    let replies = stream_audio(&mut ws, 2).await;
    // turn.start went out, then the close.
    assert!(
        matches!(&replies[0], Reply::Text(t) if parse(t).path == "turn.start"),
        "{replies:?}"
    );
    assert!(
        matches!(replies.last(), Some(Reply::Close(1011, r)) if r == "Internal server error"),
        "{replies:?}"
    );
    // The next connection is healthy (the fault applied to the first only).
    let mut ws = try_upgrade(&emulator, CONVERSATION).await.expect("open");
    ws.send_text(speech_config(16000)).await;
    let replies = recognize_turn(&mut ws, &new_id(), CONTEXT, 16000, &[0; 1600]).await;
    assert_eq!(replies.last().map(|p| p.path.as_str()), Some("turn.end"));
}

#[tokio::test]
async fn throttling_close_4429_on_tts() {
    let action = FaultAction::Close {
        after: Trigger::ReceivedFrames(1),
        code: 4429,
        reason: "The request is throttled because you have exceeded the concurrent request limit".to_owned(),
    };
    let emulator = start(config().fault(Fault::new(action, FaultTarget::Tts))).await;
    let mut ws = try_upgrade(&emulator, TTS).await.expect("open");
    ws.send_text(tts_speech_config()).await;
    let (code, reason) = ws.expect_close().await;
    assert_eq!(code, 4429);
    assert!(reason.starts_with("The request is throttled"));
}

#[tokio::test]
async fn malformed_frames() {
    for (kind, check) in [
        (MalformedKind::TextWithoutSeparator, "separator"),
        (MalformedKind::TextWithoutPath, "path"),
        (MalformedKind::BinaryBadPrefix, "prefix"),
        (MalformedKind::BinaryTruncated, "truncated"),
        (MalformedKind::WrongRequestId, "id"),
        (MalformedKind::TruncatedJson, "json"),
    ] {
        let action = FaultAction::Malformed {
            after: Trigger::SentFrames(1),
            kind,
        };
        let emulator = start(config().fault(Fault::new(action, FaultTarget::Stt))).await;
        let mut ws = try_upgrade(&emulator, CONVERSATION).await.expect("open");
        ws.send_text(speech_config(16000)).await;
        let id = new_id();
        ws.send_text(text_frame("speech.context", Some(&id), None, CONTEXT))
            .await;
        ws.send_binary(audio_frame(&id, Some("audio/x-wav"), &wav_header(16000)))
            .await;
        // turn.start, then the broken frame.
        assert!(matches!(ws.recv().await, Reply::Text(t) if parse(&t).path == "turn.start"));
        match (ws.recv().await, check) {
            (Reply::Text(t), "separator") => {
                assert_eq!(
                    azspeech_component::usp::parse_text(&t),
                    Err(azspeech_component::usp::FrameError::MissingSeparator)
                );
            }
            (Reply::Text(t), "path") => {
                assert_eq!(
                    azspeech_component::usp::parse_text(&t),
                    Err(azspeech_component::usp::FrameError::MissingPath)
                );
            }
            (Reply::Text(t), "id") => assert_ne!(parse(&t).header("X-RequestId"), Some(id.as_str())),
            (Reply::Text(t), "json") => {
                let m = azspeech_component::usp::parse_text(&t).expect("frame ok");
                assert!(serde_json::from_str::<serde_json::Value>(m.body).is_err());
            }
            (Reply::Binary(b), "prefix" | "truncated") => assert!(azspeech_component::usp::parse_binary(&b).is_err()),
            (other, what) => panic!("{what}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn stall_sends_nothing_until_the_client_leaves() {
    let action = FaultAction::Stall {
        after: Trigger::ReceivedFrames(3),
        millis: None,
    };
    let emulator = start(config().fault(Fault::new(action, FaultTarget::Tts))).await;
    let mut ws = try_upgrade(&emulator, TTS).await.expect("open");
    ws.send_text(tts_speech_config()).await;
    let id = new_id();
    ws.send_text(text_frame(
        "synthesis.context",
        Some(&id),
        None,
        &synthesis_context("raw-16khz-16bit-mono-pcm", false),
    ))
    .await;
    ws.send_text(text_frame(
        "ssml",
        Some(&id),
        Some("application/ssml+xml"),
        &sdk_ssml("en-US-AriaNeural", "Stalled."),
    ))
    .await;
    assert!(matches!(
        ws.recv_within(Duration::from_millis(300)).await,
        Reply::Silent
    ));
    let _ = futures_util::SinkExt::close(&mut ws.stream).await;
    drop(ws);
    // The record notes the stall once the client has left.
    for _ in 0..50 {
        if emulator.request_log()[0].close_code.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        emulator.request_log()[0]
            .note
            .as_deref()
            .is_some_and(|n| n.contains("stalled"))
    );
}

#[tokio::test]
async fn a_timed_stall_then_normal_service() {
    let action = FaultAction::Stall {
        after: Trigger::SentBytes(1),
        millis: Some(50),
    };
    let emulator = start(config().fault(Fault::new(action, FaultTarget::Tts))).await;
    let mut ws = try_upgrade(&emulator, TTS).await.expect("open");
    ws.send_text(tts_speech_config()).await;
    let s = synthesize_turn(
        &mut ws,
        &new_id(),
        "raw-16khz-16bit-mono-pcm",
        &sdk_ssml("en-US-AriaNeural", "Slow start."),
        false,
    )
    .await;
    assert!(!s.audio.is_empty());
}

#[test]
fn faults_from_json() {
    let config = EmulatorConfig::from_json(
        r#"{"region": "eastus", "faults": [
            {"action": "refuse", "target": "any", "first": 2},
            {"action": {"http-status": {"status": 429, "retry_after_secs": 2}}, "target": "stt", "first": 1},
            {"action": {"abort": {"after": {"received-frames": 5}}}},
            {"action": {"close": {"after": {"sent-frames": 3}, "code": 1007, "reason": "Quota exceeded"}}, "target": "tts"},
            {"action": {"stall": {"after": {"sent-bytes": 16384}, "millis": 4000}}},
            {"action": {"malformed": {"after": {"received-frames": 3}, "kind": "text-without-separator"}}}
        ]}"#,
    )
    .expect("parses");
    assert_eq!(config.region, "eastus");
    assert_eq!(config.faults.len(), 6);
    assert_eq!(
        config.faults[0],
        Fault::new(FaultAction::Refuse, FaultTarget::Any).first(2)
    );
    assert_eq!(config.faults[2].target, FaultTarget::Websocket);
    assert!(EmulatorConfig::from_json(r#"{"faults": [{"action": "refuse", "target": "stt"}]}"#).is_err());
    assert!(
        EmulatorConfig::from_json(
            r#"{"faults": [{"action": {"close": {"after": {"sent-frames": 1}, "code": 1006}}}]}"#
        )
        .is_err()
    );
    assert!(EmulatorConfig::from_json(r#"{"bind": "0.0.0.0:0"}"#).is_err());
    assert!(EmulatorConfig::from_json(r#"{"unknown": 1}"#).is_err());
}
