//! Strict message checks: each violation closes the socket with the service's code (1002 for
//! headers, 1007 for payloads), while what the real SDKs send passes (sdk-capture-detailed §10,
//! usp.md §10).

mod common;
use azspeech_component::usp::{self, Headers};
use common::*;

const TTS: &str = "/cognitiveservices/websocket/v1";

async fn stt(emulator: &RunningEmulator) -> Ws {
    connect_key(&Target::loopback(emulator), CONVERSATION, emulator.primary_key()).await
}

async fn tts(emulator: &RunningEmulator) -> Ws {
    connect_key(&Target::loopback(emulator), TTS, emulator.primary_key()).await
}

/// Build a text frame from explicit header lines.
fn raw_text(lines: &[(&str, &str)], body: &str) -> String {
    let mut headers = Headers::new();
    for (n, v) in lines {
        headers.push(n, v);
    }
    usp::encode_text(&headers, body).expect("encode")
}

fn raw_binary(lines: &[(&str, &str)], payload: &[u8]) -> Vec<u8> {
    let mut headers = Headers::new();
    for (n, v) in lines {
        headers.push(n, v);
    }
    usp::encode_binary(&headers, payload).expect("encode")
}

/// Open STT, run `prepare` frames (configured connection), send `frames`, expect `code`.
async fn expect_stt_close(emulator: &RunningEmulator, configured: bool, frames: Vec<Frame>, code: u16, needle: &str) {
    let mut ws = stt(emulator).await;
    if configured {
        ws.send_text(speech_config(16000)).await;
    }
    for frame in frames {
        match frame {
            Frame::Text(t) => ws.send_text(t).await,
            Frame::Binary(b) => ws.send_binary(b).await,
        }
    }
    let (got, reason) = ws.expect_close().await;
    assert_eq!(got, code, "reason: {reason}");
    assert!(reason.contains(needle), "reason `{reason}` lacks `{needle}`");
}

enum Frame {
    Text(String),
    Binary(Vec<u8>),
}

fn context(id: &str) -> Frame {
    Frame::Text(text_frame("speech.context", Some(id), None, CONTEXT))
}

fn header_frame(id: &str) -> Frame {
    Frame::Binary(audio_frame(id, Some("audio/x-wav"), &wav_header(16000)))
}

#[tokio::test]
async fn stt_violations_and_their_close_codes() {
    let emulator = start(config()).await;
    let id = new_id();
    let ts = stamp();
    // Framing.
    expect_stt_close(
        &emulator,
        false,
        vec![Frame::Text("Path:speech.config\r\n{}".into())],
        1007,
        "no header separator",
    )
    .await;
    expect_stt_close(
        &emulator,
        false,
        vec![Frame::Binary(vec![0x10, 0x00, b'P'])],
        1007,
        "header size prefix",
    )
    .await;
    expect_stt_close(
        &emulator,
        false,
        vec![Frame::Text(format!("X-Timestamp:{ts}\r\n\r\n{{}}"))],
        1002,
        "Path",
    )
    .await;
    // Headers.
    expect_stt_close(
        &emulator,
        false,
        vec![Frame::Text(raw_text(&[("Path", "speech.config")], "{}"))],
        1002,
        "X-Timestamp",
    )
    .await;
    expect_stt_close(
        &emulator,
        false,
        vec![Frame::Text(raw_text(
            &[("X-Timestamp", "2026-11-23T00:30:03.53Z"), ("Path", "speech.config")],
            "{}",
        ))],
        1002,
        "X-Timestamp",
    )
    .await;
    expect_stt_close(
        &emulator,
        true,
        vec![Frame::Text(text_frame("speech.context", None, None, CONTEXT))],
        1002,
        "X-RequestId",
    )
    .await;
    expect_stt_close(
        &emulator,
        true,
        vec![Frame::Text(text_frame(
            "speech.context",
            Some("1f1abfba-15da-4f9c-9772-ae6d954839f1"),
            None,
            CONTEXT,
        ))],
        1002,
        "no-dash UUID",
    )
    .await;
    expect_stt_close(
        &emulator,
        true,
        vec![
            context(&id),
            Frame::Binary(raw_binary(
                &[
                    ("X-Timestamp", &ts),
                    ("Path", "audio"),
                    ("Content-Type", "audio/x-wav"),
                    ("X-RequestId", &id),
                    ("X-StreamId", "one"),
                ],
                &wav_header(16000),
            )),
        ],
        1002,
        "X-StreamId",
    )
    .await;
    // Order.
    expect_stt_close(&emulator, false, vec![context(&id)], 1007, "speech.config").await;
    expect_stt_close(
        &emulator,
        true,
        vec![Frame::Text(speech_config(16000))],
        1007,
        "already sent",
    )
    .await;
    expect_stt_close(
        &emulator,
        true,
        vec![Frame::Text(text_frame("speech.config", None, None, "{}"))],
        1007,
        "already",
    )
    .await;
    expect_stt_close(
        &emulator,
        false,
        vec![Frame::Text(text_frame(
            "speech.config",
            None,
            None,
            r#"{"context":{}}"#,
        ))],
        1007,
        "context.system.version",
    )
    .await;
    expect_stt_close(&emulator, true, vec![header_frame(&id)], 1007, "no speech.context").await;
    expect_stt_close(
        &emulator,
        true,
        vec![context(&id), context(&new_id())],
        1007,
        "in progress",
    )
    .await;
    expect_stt_close(
        &emulator,
        true,
        vec![Frame::Text(text_frame("speech.bogus", Some(&id), None, "{}"))],
        1007,
        "Unknown message path",
    )
    .await;
    expect_stt_close(
        &emulator,
        true,
        vec![Frame::Text(text_frame("speech.context", Some(&id), None, "not json"))],
        1007,
        "JSON",
    )
    .await;
    // Audio.
    expect_stt_close(
        &emulator,
        true,
        vec![context(&id), Frame::Binary(audio_frame(&id, None, &wav_header(16000)))],
        1007,
        "audio/x-wav",
    )
    .await;
    expect_stt_close(
        &emulator,
        true,
        vec![
            context(&id),
            Frame::Binary(audio_frame(&id, Some("audio/x-wav"), &[0u8; 44])),
        ],
        1007,
        "RIFF",
    )
    .await;
    expect_stt_close(
        &emulator,
        true,
        vec![
            context(&id),
            Frame::Binary(audio_frame(&id, Some("audio/x-wav"), &wav_header(24000))),
        ],
        1007,
        "does not match speech.config",
    )
    .await;
    expect_stt_close(
        &emulator,
        true,
        vec![
            context(&id),
            header_frame(&id),
            Frame::Binary(audio_frame(&id, None, &[0u8; 3201])),
        ],
        1007,
        "sample frames",
    )
    .await;
    expect_stt_close(
        &emulator,
        true,
        vec![
            context(&id),
            header_frame(&id),
            Frame::Binary(audio_frame(&id, None, &[0u8; 8194])),
        ],
        1007,
        "8192",
    )
    .await;
    expect_stt_close(
        &emulator,
        true,
        vec![
            context(&id),
            header_frame(&id),
            Frame::Binary(audio_frame(&id, Some("audio/x-wav"), &[0u8; 3200])),
        ],
        1007,
        "Content-Type",
    )
    .await;
    expect_stt_close(
        &emulator,
        true,
        vec![
            context(&id),
            Frame::Binary(raw_binary(
                &[("X-Timestamp", &ts), ("Path", "video"), ("X-RequestId", &id)],
                b"",
            )),
        ],
        1007,
        "Path audio",
    )
    .await;
    expect_stt_close(
        &emulator,
        true,
        vec![
            context(&id),
            header_frame(&id),
            Frame::Binary(audio_frame(&new_id(), None, &[0u8; 3200])),
        ],
        1007,
        "no speech.context",
    )
    .await;
}

#[tokio::test]
async fn request_ids_cannot_be_reused() {
    let emulator = start(config()).await;
    let mut ws = stt(&emulator).await;
    ws.send_text(speech_config(16000)).await;
    let id = new_id();
    let replies = recognize_turn(&mut ws, &id, CONTEXT, 16000, &[0i16; 1600]).await;
    assert_eq!(phrases(&replies)[0].body["RecognitionStatus"], "InitialSilenceTimeout");
    // Late empty frame (JS) and telemetry with the finished id: accepted silently.
    ws.send_binary(audio_frame(&id, None, &[])).await;
    ws.send_text(text_frame(
        "telemetry",
        Some(&id),
        Some("application/json; charset=utf-8"),
        "{}",
    ))
    .await;
    ws.send_text(text_frame("speech.context", Some(&id), None, CONTEXT))
        .await;
    let (code, reason) = ws.expect_close().await;
    assert_eq!(code, 1002);
    assert!(reason.contains("Reuse of request identifiers"), "{reason}");
    let log = emulator.request_log();
    assert_eq!(log.last().and_then(|r| r.close_code), Some(1002));
}

#[tokio::test]
async fn js_sdk_style_is_accepted() {
    let emulator = start(config()).await;
    let (samples, _) = synthesize(
        &emulator,
        "en-US-JennyNeural",
        "JavaScript style.",
        "raw-16khz-16bit-mono-pcm",
    )
    .await;
    let id = "FCFE5B07B2D34295AECBADC4AA6A6BEA";
    let key = emulator.primary_key();
    let path =
        format!("{CONVERSATION}&format=simple&Ocp-Apim-Subscription-Key={key}&X-ConnectionId={id}&connectionId={id}");
    let mut ws = upgrade(&Target::loopback(&emulator), &path, &[])
        .await
        .expect("accepted");
    let ts = stamp();
    // `Name: value` with a space, uppercase ids, speech.config carrying the id, no X-StreamId.
    let spaced = |path: &str, ct: Option<&str>, body: &str| {
        let mut s = format!("Path: {path}\r\nX-RequestId: {id}\r\nX-Timestamp: {ts}\r\n");
        if let Some(ct) = ct {
            s.push_str(&format!("Content-Type: {ct}\r\n"));
        }
        s.push_str("\r\n");
        s.push_str(body);
        s
    };
    ws.send_text(spaced(
        "speech.config",
        Some("application/json"),
        r#"{"context":{"system":{"name":"SpeechSDK","version":"1.52.0","build":"JavaScript","lang":"JavaScript"},"os":{"platform":"Node","name":"unknown","version":"unknown"},"audio":{"source":{"bitspersample":16,"channelcount":1,"connectivity":"Unknown","manufacturer":"Speech SDK","model":"PushStream","samplerate":16000,"type":"Stream"}}},"recognition":"conversation"}"#,
    ))
    .await;
    ws.send_text(spaced(
        "speech.context",
        Some("application/json"),
        r#"{"phraseDetection":{"mode":"Conversation","language":"en-US","enrichment":{}},"phraseOutput":{}}"#,
    ))
    .await;
    let binary = |ct: Option<&str>, payload: &[u8]| {
        let mut h = format!("Path: audio\r\nX-RequestId: {id}\r\nX-Timestamp: {ts}\r\n");
        if let Some(ct) = ct {
            h.push_str(&format!("Content-Type: {ct}\r\n"));
        }
        let mut frame = (h.len() as u16).to_be_bytes().to_vec();
        frame.extend_from_slice(h.as_bytes());
        frame.extend_from_slice(payload);
        frame
    };
    ws.send_binary(binary(Some("audio/x-wav"), &wav_header(16000))).await;
    for chunk in pcm_bytes(&samples).chunks(3200) {
        ws.send_binary(binary(None, chunk)).await;
    }
    ws.send_binary(binary(None, &[])).await;
    let mut paths = Vec::new();
    loop {
        match ws.recv().await {
            Reply::Text(t) => {
                let p = parse(&t);
                assert_eq!(p.header("X-RequestId"), Some(id));
                paths.push(p.path.clone());
                if p.path == "speech.phrase" && p.body["RecognitionStatus"] == "Success" {
                    assert_eq!(p.body["DisplayText"], "JavaScript style.");
                }
                if p.path == "turn.end" {
                    break;
                }
            }
            other => panic!("{other:?}"),
        }
    }
    // The second empty frame JS sends after turn.end is accepted.
    ws.send_binary(binary(None, &[])).await;
    assert!(matches!(
        ws.recv_within(std::time::Duration::from_millis(200)).await,
        Reply::Silent
    ));
    assert!(paths.contains(&"speech.phrase".to_owned()));
}

#[tokio::test]
async fn seven_digit_timestamps_are_accepted() {
    let emulator = start(config()).await;
    let mut ws = stt(&emulator).await;
    let body = r#"{"context":{"system":{"version":"1.53.0"}}}"#;
    ws.send_text(raw_text(
        &[
            ("X-Timestamp", "2026-11-23T00:30:03.5340000Z"),
            ("Path", "speech.config"),
        ],
        body,
    ))
    .await;
    let id = new_id();
    let replies = recognize_turn(&mut ws, &id, CONTEXT, 16000, &[0; 320]).await;
    assert_eq!(replies.first().map(|p| p.path.as_str()), Some("turn.start"));
}

async fn expect_tts_close(emulator: &RunningEmulator, frames: Vec<String>, code: u16, needle: &str) {
    let mut ws = tts(emulator).await;
    ws.send_text(tts_speech_config()).await;
    for f in frames {
        ws.send_text(f).await;
    }
    let (got, reason) = ws.expect_close().await;
    assert_eq!(got, code, "reason: {reason}");
    assert!(reason.contains(needle), "reason `{reason}` lacks `{needle}`");
}

#[tokio::test]
async fn tts_violations_and_their_close_codes() {
    let emulator = start(config()).await;
    let id = new_id();
    let ctx = |format: &str| text_frame("synthesis.context", Some(&id), None, &synthesis_context(format, false));
    let good_ssml = sdk_ssml("en-US-AriaNeural", "Hi");
    expect_tts_close(&emulator, vec![ctx("wav-16khz")], 1007, "Unknown output format").await;
    expect_tts_close(
        &emulator,
        vec![ctx("audio-24khz-48kbitrate-mono-mp3")],
        1007,
        "not supported by the emulator",
    )
    .await;
    expect_tts_close(
        &emulator,
        vec![
            ctx("raw-16khz-16bit-mono-pcm"),
            text_frame("ssml", Some(&id), None, &good_ssml),
        ],
        1002,
        "Content-Type",
    )
    .await;
    expect_tts_close(
        &emulator,
        vec![
            ctx("raw-16khz-16bit-mono-pcm"),
            text_frame("ssml", Some(&id), Some("text/plain"), &good_ssml),
        ],
        1007,
        "application/ssml+xml",
    )
    .await;
    expect_tts_close(
        &emulator,
        vec![
            ctx("raw-16khz-16bit-mono-pcm"),
            text_frame(
                "ssml",
                Some(&id),
                Some("application/ssml+xml"),
                "<speak><voice name='en-US-AriaNeural'>Hi</speak>",
            ),
        ],
        1007,
        "well-formed",
    )
    .await;
    expect_tts_close(
        &emulator,
        vec![
            ctx("raw-16khz-16bit-mono-pcm"),
            text_frame(
                "ssml",
                Some(&id),
                Some("application/ssml+xml"),
                &sdk_ssml("en-US-NobodyNeural", "Hi"),
            ),
        ],
        1007,
        "Unsupported voice",
    )
    .await;
    expect_tts_close(
        &emulator,
        vec![
            ctx("raw-16khz-16bit-mono-pcm"),
            text_frame(
                "ssml",
                Some(&id),
                Some("application/ssml+xml"),
                "<voice name='en-US-AriaNeural'>Hi</voice>",
            ),
        ],
        1007,
        "<speak>",
    )
    .await;
    expect_tts_close(
        &emulator,
        vec![text_frame("ssml", Some(&id), Some("application/ssml+xml"), &good_ssml)],
        1007,
        "without a synthesis.context",
    )
    .await;
    // speech.config must come first on TTS too.
    let mut ws = tts(&emulator).await;
    ws.send_text(ctx("raw-16khz-16bit-mono-pcm")).await;
    assert_eq!(ws.expect_close().await.0, 1007);
}

#[tokio::test]
async fn tts_reply_order_and_frames() {
    let emulator = start(config()).await;
    let text = "One two three four five six seven eight nine ten. Eleven twelve.";
    let (samples, s) = synthesize(&emulator, "en-US-GuyNeural", text, "raw-24khz-16bit-mono-pcm").await;
    assert_eq!(s.order.first().map(String::as_str), Some("turn.start"));
    assert_eq!(s.order.get(1).map(String::as_str), Some("response"));
    assert_eq!(s.order.last().map(String::as_str), Some("turn.end"));
    let stream_id = s.texts[1].body["audio"]["streamId"]
        .as_str()
        .expect("stream id")
        .to_owned();
    assert_eq!(s.texts[1].body["audio"]["type"], "inline");
    assert!(!s.audio_headers.is_empty());
    for headers in &s.audio_headers {
        let get = |n: &str| headers.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
        assert_eq!(get("X-StreamId"), Some(stream_id.as_str()));
        assert_eq!(get("Content-Type"), Some("raw-24khz-16bit-mono-pcm"));
        assert_eq!(get("Path"), Some("audio"));
    }
    assert!(s.audio.len() > 8192, "several frames");
    // SessionEnd = total duration; word boundaries increase and lie inside the audio.
    let metadata: Vec<serde_json::Value> = s
        .texts
        .iter()
        .filter(|p| p.path == "audio.metadata")
        .flat_map(|p| p.body["Metadata"].as_array().cloned().unwrap_or_default())
        .collect();
    let total = samples.len() as u64 * 10_000_000 / 24000;
    let session_end = metadata.iter().find(|m| m["Type"] == "SessionEnd").expect("SessionEnd");
    assert_eq!(session_end["Data"]["Offset"].as_u64(), Some(total));
    let words: Vec<&serde_json::Value> = metadata.iter().filter(|m| m["Type"] == "WordBoundary").collect();
    assert_eq!(words.len(), 12);
    let mut last = 0;
    for w in &words {
        let o = w["Data"]["Offset"].as_u64().expect("offset");
        assert!(o >= last && o < total);
        last = o;
        assert_eq!(w["Data"]["text"]["BoundaryType"], "WordBoundary");
    }
    let sentences = metadata.iter().filter(|m| m["Type"] == "SentenceBoundary").count();
    assert_eq!(sentences, 2);
    // A word boundary is sent before the audio frame that contains its start.
    let first_audio = s.order.iter().position(|p| p == "audio").expect("audio");
    let first_meta = s.order.iter().position(|p| p == "audio.metadata").expect("metadata");
    assert!(first_meta < first_audio);
}

#[tokio::test]
async fn tts_second_request_on_the_same_socket_and_g711() {
    let emulator = start(config()).await;
    let mut ws = tts(&emulator).await;
    ws.send_text(tts_speech_config()).await;
    let a = synthesize_turn(
        &mut ws,
        &new_id(),
        "raw-16khz-16bit-mono-pcm",
        &sdk_ssml("en-US-AriaNeural", "First."),
        false,
    )
    .await;
    let b = synthesize_turn(
        &mut ws,
        &new_id(),
        "raw-8khz-8bit-mono-mulaw",
        &sdk_ssml("en-US-AriaNeural", "First."),
        false,
    )
    .await;
    assert!(!a.audio.is_empty());
    // µ-law is one byte per sample at 8 kHz: a quarter of 16-bit 16 kHz.
    assert!(
        (b.audio.len() as i64 - a.audio.len() as i64 / 4).abs() < 16,
        "{} vs {}",
        b.audio.len(),
        a.audio.len()
    );
    let riff = synthesize_turn(
        &mut ws,
        &new_id(),
        "riff-16khz-16bit-mono-pcm",
        &sdk_ssml("en-US-AriaNeural", "First."),
        false,
    )
    .await;
    assert_eq!(&riff.audio[..4], b"RIFF");
}

#[tokio::test]
async fn tts_rest_and_voices() {
    let emulator = start(config()).await;
    let target = Target::loopback(&emulator);
    let key = emulator.primary_key();
    let ssml = sdk_ssml("en-US-AriaNeural", "Over REST.");
    let ok = http(
        &target,
        "POST",
        "/cognitiveservices/v1",
        &[
            ("Ocp-Apim-Subscription-Key", key),
            ("Content-Type", "application/ssml+xml"),
            ("X-Microsoft-OutputFormat", "riff-24khz-16bit-mono-pcm"),
            ("User-Agent", "tests"),
        ],
        ssml.as_bytes(),
    )
    .await;
    assert_eq!(ok.status, 200);
    assert_eq!(&ok.body[..4], b"RIFF");
    let data_len = u32::from_le_bytes([ok.body[40], ok.body[41], ok.body[42], ok.body[43]]) as usize;
    assert_eq!(data_len, ok.body.len() - 44);
    assert_eq!(
        u32::from_le_bytes([ok.body[24], ok.body[25], ok.body[26], ok.body[27]]),
        24000
    );
    let wrong_type = http(
        &target,
        "POST",
        "/cognitiveservices/v1",
        &[
            ("Ocp-Apim-Subscription-Key", key),
            ("Content-Type", "text/plain"),
            ("X-Microsoft-OutputFormat", "riff-24khz-16bit-mono-pcm"),
        ],
        ssml.as_bytes(),
    )
    .await;
    assert_eq!(wrong_type.status, 415);
    let mp3 = http(
        &target,
        "POST",
        "/cognitiveservices/v1",
        &[
            ("Ocp-Apim-Subscription-Key", key),
            ("Content-Type", "application/ssml+xml"),
            ("X-Microsoft-OutputFormat", "audio-24khz-48kbitrate-mono-mp3"),
        ],
        ssml.as_bytes(),
    )
    .await;
    assert_eq!(mp3.status, 400);
    assert!(mp3.text().contains("not supported by the emulator"));
    let bad = http(
        &target,
        "POST",
        "/cognitiveservices/v1",
        &[
            ("Ocp-Apim-Subscription-Key", key),
            ("Content-Type", "application/ssml+xml"),
            ("X-Microsoft-OutputFormat", "riff-24khz-16bit-mono-pcm"),
        ],
        b"<speak>",
    )
    .await;
    assert_eq!(bad.status, 400);
    // REST synthesis is registered for recognition too.
    let pcm = pcm_samples(&ok.body[44..]);
    let replies = recognize(&emulator, INTERACTIVE, CONTEXT, 24000, &pcm).await;
    assert_eq!(phrases(&replies)[0].body["DisplayText"], "Over REST.");

    let voices = http(
        &target,
        "GET",
        "/cognitiveservices/voices/list",
        &[("Ocp-Apim-Subscription-Key", key)],
        b"",
    )
    .await;
    let list = voices.json();
    let list = list.as_array().expect("array");
    assert!(list.len() >= 5);
    for v in list {
        for field in [
            "Name",
            "DisplayName",
            "LocalName",
            "ShortName",
            "Gender",
            "Locale",
            "LocaleName",
            "SampleRateHertz",
            "VoiceType",
            "Status",
        ] {
            assert!(v[field].is_string(), "{field} in {v}");
        }
    }
    assert!(list.iter().any(|v| v["ShortName"] == "en-US-AvaMultilingualNeural"));
}

#[tokio::test]
async fn tts_stop_ends_the_audio_early() {
    let emulator = start(config()).await;
    let mut ws = tts(&emulator).await;
    ws.send_text(tts_speech_config()).await;
    let id = new_id();
    let long: String = (0..60).map(|i| format!("word{i} ")).collect();
    ws.send_text(text_frame(
        "synthesis.context",
        Some(&id),
        None,
        &synthesis_context("raw-48khz-16bit-mono-pcm", false),
    ))
    .await;
    ws.send_text(text_frame(
        "ssml",
        Some(&id),
        Some("application/ssml+xml"),
        &sdk_ssml("en-US-AriaNeural", &long),
    ))
    .await;
    ws.send_text(text_frame(
        "synthesis.control",
        Some(&id),
        Some("application/json"),
        r#"{"action":"stop"}"#,
    ))
    .await;
    let mut audio = 0;
    loop {
        match ws.recv().await {
            Reply::Binary(b) => audio += b.len(),
            Reply::Text(t) if parse(&t).path == "turn.end" => break,
            Reply::Text(_) => {}
            other => panic!("{other:?}"),
        }
    }
    // 60 words at 48 kHz are several hundred kB; the stop cut it short.
    assert!(audio < 200_000, "{audio} bytes after stop");
}

#[tokio::test]
async fn idle_connections_are_closed_like_the_service_does() {
    let emulator = start(config().idle_timeout(Some(std::time::Duration::from_millis(100)))).await;
    let mut ws = stt(&emulator).await;
    let (code, reason) = ws.expect_close().await;
    assert_eq!(code, 1000);
    assert!(reason.contains("idle"), "{reason}");
}

#[tokio::test]
async fn tts_streaming_text_input() {
    let emulator = start(config()).await;
    let mut ws = tts(&emulator).await;
    ws.send_text(tts_speech_config()).await;
    let id = new_id();
    let context = r#"{"synthesis":{"audio":{"outputFormat":"raw-16khz-16bit-mono-pcm","metadataOptions":{"sessionEndEnabled":true}},"input":{"bidirectionalStreamingMode":true,"voiceName":"en-US-AvaMultilingualNeural"}}}"#;
    ws.send_text(text_frame(
        "synthesis.context",
        Some(&id),
        Some("application/json"),
        context,
    ))
    .await;
    ws.send_text(text_frame(
        "text.piece",
        Some(&id),
        Some("text/plain"),
        "Streamed text, ",
    ))
    .await;
    ws.send_text(text_frame("text.piece", Some(&id), Some("text/plain"), "in pieces."))
        .await;
    ws.send_text(text_frame("text.end", Some(&id), Some("text/plain"), ""))
        .await;
    let mut audio = Vec::new();
    loop {
        match ws.recv().await {
            Reply::Binary(b) => {
                audio.extend_from_slice(azspeech_component::usp::parse_binary(&b).expect("frame").payload)
            }
            Reply::Text(t) if parse(&t).path == "turn.end" => break,
            Reply::Text(_) => {}
            other => panic!("{other:?}"),
        }
    }
    let replies = recognize(&emulator, INTERACTIVE, CONTEXT, 16000, &pcm_samples(&audio)).await;
    assert_eq!(phrases(&replies)[0].body["DisplayText"], "Streamed text, in pieces.");
}
