//! Fast transcription (`POST /speechtotext/transcriptions:transcribe`): recognition of audio the
//! emulator synthesized, diarization by voice, channels, language identification, and the
//! service's checks (api-version, auth, multipart parts, limits, 429).

mod common;

use std::time::Duration;

use common::audio::*;
use common::*;
use serde_json::{Value, json};

const PATH: &str = "/speechtotext/transcriptions:transcribe?api-version=2025-10-15";
const AVA: &str = "en-US-AvaMultilingualNeural";
const GUY: &str = "en-US-GuyNeural";
const KATJA: &str = "de-DE-KatjaNeural";

const BOUNDARY: &str = "emulator-test-boundary-7e3f";

/// A multipart body with the given (name, filename, bytes) parts.
fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, filename, data) in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match filename {
            Some(f) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: audio/wav\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes()),
        }
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

fn request(definition: &Value, audio: &[u8]) -> Vec<u8> {
    multipart(&[
        ("audio", Some("audio.wav"), audio),
        ("definition", None, definition.to_string().as_bytes()),
    ])
}

const CONTENT_TYPE: &str = "multipart/form-data; boundary=emulator-test-boundary-7e3f";

async fn transcribe_as(target: &Target, path: &str, auth: (&str, &str), body: &[u8]) -> HttpResponse {
    http(target, "POST", path, &[auth, ("Content-Type", CONTENT_TYPE)], body).await
}

async fn transcribe(emulator: &RunningEmulator, definition: &Value, audio: &[u8]) -> Value {
    let r = transcribe_as(
        &Target::loopback(emulator),
        PATH,
        ("Ocp-Apim-Subscription-Key", emulator.primary_key()),
        &request(definition, audio),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.headers.get("apim-request-id").is_some());
    r.json()
}

fn texts(result: &Value) -> Vec<String> {
    result["phrases"]
        .as_array()
        .expect("phrases")
        .iter()
        .map(|p| p["text"].as_str().expect("text").to_owned())
        .collect()
}

#[tokio::test]
async fn transcribes_synthesized_audio_with_timed_words() {
    let emulator = start(config()).await;
    let hello = speak(&emulator, AVA, "Hello world, this is fast transcription.").await;
    let bye = speak(&emulator, AVA, "Goodbye for now.").await;
    let audio = sequence(&[&hello, &bye]);
    let result = transcribe(
        &emulator,
        &json!({"locales": ["en-US"]}),
        &wav(std::slice::from_ref(&audio)),
    )
    .await;
    assert_eq!(
        texts(&result),
        ["Hello world, this is fast transcription.", "Goodbye for now."]
    );
    assert_eq!(result["durationMilliseconds"], json!(audio.len() / 16));
    assert_eq!(
        result["combinedPhrases"],
        json!([{"text": "Hello world, this is fast transcription. Goodbye for now."}])
    );
    let first = &result["phrases"][0];
    assert_eq!(first["locale"], "en-US");
    assert!(
        first.get("speaker").is_none() && first.get("channel").is_none(),
        "{first}"
    );
    let confidence = first["confidence"].as_f64().expect("confidence");
    assert!(confidence > 0.5 && confidence <= 1.0, "{confidence}");
    // Speech starts after the first second of silence (plus the synthesizer's lead-in).
    let offset = first["offsetMilliseconds"].as_u64().expect("offset");
    assert!((1000..1500).contains(&offset), "{offset}");
    let words = first["words"].as_array().expect("words");
    let shown: Vec<&str> = words.iter().map(|w| w["text"].as_str().expect("word")).collect();
    assert_eq!(shown, ["Hello", "world,", "this", "is", "fast", "transcription."]);
    // Words are in order, inside the phrase.
    let end = offset + first["durationMilliseconds"].as_u64().expect("duration");
    let mut previous = 0;
    for w in words {
        let at = w["offsetMilliseconds"].as_u64().expect("word offset");
        assert!(at >= previous && at >= offset && at <= end, "{w}");
        previous = at;
    }
    let second = result["phrases"][1]["offsetMilliseconds"].as_u64().expect("offset");
    assert!(second >= end + 900, "second phrase at {second}, first ends at {end}");
}

#[tokio::test]
async fn unknown_audio_is_not_transcribed() {
    let emulator = start(config()).await;
    let mut seed = 99u64;
    let noise: Vec<i16> = (0..48000)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            ((seed % 16001) as i32 - 8000) as i16
        })
        .collect();
    let result = transcribe(&emulator, &json!({}), &wav(&[noise])).await;
    assert_eq!(result["phrases"], json!([]));
    assert_eq!(result["combinedPhrases"], json!([{"text": ""}]));
    assert_eq!(result["durationMilliseconds"], 3000);
}

#[tokio::test]
async fn diarization_knows_which_voice_spoke() {
    let emulator = start(config()).await;
    let a1 = speak(&emulator, AVA, "Good afternoon, how can I help?").await;
    let g1 = speak(&emulator, GUY, "I would like to book a table.").await;
    let a2 = speak(&emulator, AVA, "For how many people?").await;
    let audio = wav(&[sequence(&[&a1, &g1, &a2])]);
    let result = transcribe(
        &emulator,
        &json!({"locales": ["en-US"], "diarization": {"enabled": true, "maxSpeakers": 2}}),
        &audio,
    )
    .await;
    let speakers: Vec<(String, u64)> = result["phrases"]
        .as_array()
        .expect("phrases")
        .iter()
        .map(|p| {
            (
                p["text"].as_str().expect("text").to_owned(),
                p["speaker"].as_u64().expect("speaker"),
            )
        })
        .collect();
    assert_eq!(
        speakers,
        [
            ("Good afternoon, how can I help?".to_owned(), 0),
            ("I would like to book a table.".to_owned(), 1),
            ("For how many people?".to_owned(), 0)
        ]
    );
    // `maxSpeakers` without `enabled: true` gives no speakers (azure-sdk-for-python#44436).
    let result = transcribe(&emulator, &json!({"diarization": {"maxSpeakers": 2}}), &audio).await;
    assert_eq!(texts(&result).len(), 3);
    assert!(
        result["phrases"]
            .as_array()
            .expect("phrases")
            .iter()
            .all(|p| p.get("speaker").is_none())
    );
}

#[tokio::test]
async fn two_channels_are_transcribed_separately() {
    let emulator = start(config()).await;
    let left = speak(&emulator, AVA, "This is the agent on the left channel.").await;
    let right = speak(&emulator, GUY, "And this is the caller on the right.").await;
    let left = sequence(&[&left]);
    let mut right = sequence(&[&silence(3000), &right]);
    let frames = left.len().max(right.len());
    right.resize(frames, 0);
    let mut left = left;
    left.resize(frames, 0);
    let audio = wav(&[left, right]);
    let result = transcribe(&emulator, &json!({"channels": [0, 1]}), &audio).await;
    let by_channel: Vec<(u64, String)> = result["phrases"]
        .as_array()
        .expect("phrases")
        .iter()
        .map(|p| {
            (
                p["channel"].as_u64().expect("channel"),
                p["text"].as_str().expect("text").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        by_channel,
        [
            (0, "This is the agent on the left channel.".to_owned()),
            (1, "And this is the caller on the right.".to_owned())
        ]
    );
    assert_eq!(
        result["combinedPhrases"],
        json!([
            {"channel": 0, "text": "This is the agent on the left channel."},
            {"channel": 1, "text": "And this is the caller on the right."}
        ])
    );
    // One channel only.
    let result = transcribe(&emulator, &json!({"channels": [1]}), &audio).await;
    assert_eq!(texts(&result), ["And this is the caller on the right."]);
    // Diarization with two channels is refused, as the service does.
    let r = transcribe_as(
        &Target::loopback(&emulator),
        PATH,
        ("Ocp-Apim-Subscription-Key", emulator.primary_key()),
        &request(
            &json!({"channels": [0, 1], "diarization": {"enabled": true, "maxSpeakers": 2}}),
            &audio,
        ),
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(r.json()["code"], "InvalidArgument");
}

#[tokio::test]
async fn language_identification_picks_the_spoken_locale() {
    let emulator = start(config()).await;
    let german = speak(&emulator, KATJA, "Guten Tag, wie geht es Ihnen?").await;
    let audio = wav(&[sequence(&[&german])]);
    let result = transcribe(&emulator, &json!({"locales": ["en-US", "de-DE", "fr-FR"]}), &audio).await;
    assert_eq!(texts(&result), ["Guten Tag, wie geht es Ihnen?"]);
    assert_eq!(result["phrases"][0]["locale"], "de-DE");
    // No locales: the multilingual model reports the spoken locale too.
    let result = transcribe(&emulator, &json!({}), &audio).await;
    assert_eq!(result["phrases"][0]["locale"], "de-DE");
}

fn code(r: &HttpResponse) -> (u16, String, String) {
    let body = r.json();
    (
        r.status,
        body["code"].as_str().unwrap_or("").to_owned(),
        body["innerError"]["code"].as_str().unwrap_or("").to_owned(),
    )
}

#[tokio::test]
async fn request_checks_answer_like_the_service() {
    let emulator = start(config()).await;
    let target = Target::loopback(&emulator);
    let key = ("Ocp-Apim-Subscription-Key", emulator.primary_key());
    let hello = speak(&emulator, AVA, "Checks first.").await;
    let audio = wav(&[sequence(&[&hello])]);
    let good = request(&json!({"locales": ["en-US"]}), &audio);

    let r = transcribe_as(&target, "/speechtotext/transcriptions:transcribe", key, &good).await;
    assert_eq!(
        code(&r),
        (400, "InvalidRequest".into(), "MissingApiVersion".into()),
        "{}",
        r.text()
    );
    let r = transcribe_as(
        &target,
        "/speechtotext/transcriptions:transcribe?api-version=3.2",
        key,
        &good,
    )
    .await;
    assert_eq!(code(&r), (400, "InvalidRequest".into(), "UnsupportedApiVersion".into()));
    assert!(
        r.text().contains("2025-10-15"),
        "names the supported versions: {}",
        r.text()
    );
    for version in ["2024-11-15", "2025-10-15"] {
        let path = format!("/speechtotext/transcriptions:transcribe?api-version={version}");
        assert_eq!(transcribe_as(&target, &path, key, &good).await.status, 200, "{version}");
    }

    let r = http(
        &target,
        "POST",
        PATH,
        &[key, ("Content-Type", "application/json")],
        b"{}",
    )
    .await;
    assert_eq!(code(&r).0, 415, "{}", r.text());
    let r = http(&target, "GET", PATH, &[key], b"").await;
    assert_eq!(r.status, 405);

    let no_definition = multipart(&[("audio", Some("a.wav"), &audio)]);
    let r = transcribe_as(&target, PATH, key, &no_definition).await;
    assert_eq!(code(&r).0, 400);
    assert!(r.text().contains("'definition'"), "{}", r.text());
    let no_audio = multipart(&[("definition", None, b"{\"locales\":[\"en-US\"]}")]);
    let r = transcribe_as(&target, PATH, key, &no_audio).await;
    assert_eq!(code(&r).0, 400);
    assert!(r.text().contains("'audio'"), "{}", r.text());
    let r = transcribe_as(&target, PATH, key, &request(&json!({"locales": "en-US"}), &audio)).await;
    assert_eq!(code(&r).1, "InvalidArgument", "{}", r.text());
    for bad in [
        json!({"diarization": {"enabled": true, "maxSpeakers": 1}}),
        json!({"diarization": {"enabled": true, "maxSpeakers": 36}}),
        json!({"channels": [2]}),
        json!({"locales": ["english"]}),
        json!({"profanityFilterMode": "Loud"}),
    ] {
        let r = transcribe_as(&target, PATH, key, &request(&bad, &audio)).await;
        assert_eq!(code(&r).0, 400, "{bad}: {}", r.text());
    }
    let truncated = &good[..good.len() - 40];
    let r = transcribe_as(&target, PATH, key, truncated).await;
    assert_eq!(code(&r).0, 400, "{}", r.text());
    let r = transcribe_as(&target, PATH, key, &request(&json!({}), b"ID3 not a wav")).await;
    assert_eq!(code(&r), (400, "InvalidRequest".into(), "InvalidAudioFormat".into()));
}

#[tokio::test]
async fn credentials_follow_the_speech_rules() {
    let emulator = start(config()).await;
    let hello = speak(&emulator, AVA, "Who is calling?").await;
    let body = request(&json!({}), &wav(&[sequence(&[&hello])]));
    let regional = Target::host(&emulator, "westeurope.api.cognitive.microsoft.com");
    let custom = Target::host(&emulator, "contoso-speech.cognitiveservices.azure.com");
    let entra = format!("Bearer {}", emulator.mint_entra_token(MintOptions::default()));
    let no_role = format!(
        "Bearer {}",
        emulator.mint_entra_token(MintOptions {
            has_role: false,
            ..MintOptions::default()
        })
    );
    let sts_regional = format!("Bearer {}", emulator.mint_sts_token(HostForm::RegionalApi));
    let sts_custom = format!("Bearer {}", emulator.mint_sts_token(HostForm::CustomDomain));
    let key = emulator.primary_key().to_owned();
    let cases: [(&Target, (&str, &str), u16); 9] = [
        (&regional, ("Ocp-Apim-Subscription-Key", &key), 200),
        (&custom, ("Ocp-Apim-Subscription-Key", &key), 200),
        (&regional, ("Ocp-Apim-Subscription-Key", "wrong"), 401),
        (&regional, ("X-Nothing", "x"), 401),
        (&regional, ("Authorization", &entra), 401),
        (&custom, ("Authorization", &entra), 200),
        (&custom, ("Authorization", &no_role), 403),
        (&regional, ("Authorization", &sts_regional), 200),
        (&regional, ("Authorization", &sts_custom), 401),
    ];
    for (target, auth, status) in cases {
        let r = transcribe_as(target, PATH, auth, &body).await;
        assert_eq!(r.status, status, "{} {}: {}", target.host, auth.0, r.text());
        if status == 200 {
            assert_eq!(texts(&r.json()), ["Who is calling?"]);
        }
    }
    // Another region's host, and a path the custom domain does not serve.
    let other = Target::host(&emulator, "eastus.api.cognitive.microsoft.com");
    let r = transcribe_as(&other, PATH, ("Ocp-Apim-Subscription-Key", &key), &body).await;
    assert_eq!(r.status, 401);
    let stt_host = Target::host(&emulator, "westeurope.stt.speech.microsoft.com");
    let r = transcribe_as(&stt_host, PATH, ("Ocp-Apim-Subscription-Key", &key), &body).await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn size_and_duration_limits() {
    let emulator = start(
        config()
            .transcription_max_bytes(200_000)
            .transcription_max_duration(Duration::from_secs(5)),
    )
    .await;
    let target = Target::loopback(&emulator);
    let key = ("Ocp-Apim-Subscription-Key", emulator.primary_key());
    let long = wav(&[silence(6000)]);
    let r = transcribe_as(&target, PATH, key, &request(&json!({}), &long)).await;
    assert_eq!(
        code(&r),
        (400, "InvalidRequest".into(), "AudioLengthLimitExceeded".into()),
        "{}",
        r.text()
    );
    assert!(
        r.text().contains("batch transcription"),
        "points at batch: {}",
        r.text()
    );
    let big = wav(&[silence(4000), silence(4000)]);
    let r = transcribe_as(&target, PATH, key, &request(&json!({}), &big)).await;
    assert_eq!(
        code(&r),
        (413, "InvalidRequest".into(), "AudioSizeLimitExceeded".into()),
        "{}",
        r.text()
    );
    let fits = wav(&[silence(4000)]);
    assert_eq!(
        transcribe_as(&target, PATH, key, &request(&json!({}), &fits))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn quota_and_faults_answer_429_with_retry_after() {
    let clock = std::sync::Arc::new(ManualClock::new(1_000_000));
    let emulator = start(
        config()
            .clock(clock.clone())
            .transcriptions_per_minute(Some(2))
            .fault(Fault::http_status(503, Some(4), FaultTarget::Transcription).first(1)),
    )
    .await;
    let target = Target::loopback(&emulator);
    let key = ("Ocp-Apim-Subscription-Key", emulator.primary_key());
    let body = request(&json!({}), &wav(&[silence(1000)]));
    let r = transcribe_as(&target, PATH, key, &body).await;
    assert_eq!(r.status, 503, "the injected fault first");
    assert_eq!(r.headers.get("retry-after").and_then(|v| v.to_str().ok()), Some("4"));
    assert_eq!(transcribe_as(&target, PATH, key, &body).await.status, 200);
    clock.advance_secs(20);
    assert_eq!(transcribe_as(&target, PATH, key, &body).await.status, 200);
    let r = transcribe_as(&target, PATH, key, &body).await;
    assert_eq!(
        code(&r),
        (429, "TooManyRequests".into(), "TooManyRequests".into()),
        "{}",
        r.text()
    );
    // The first admitted request leaves the window 40 s from now.
    assert_eq!(r.headers.get("retry-after").and_then(|v| v.to_str().ok()), Some("40"));
    clock.advance_secs(40);
    assert_eq!(transcribe_as(&target, PATH, key, &body).await.status, 200);
    assert_eq!(emulator.stats().throttled, 1);
}

/// Serve `body` to every request on a loopback port (HTTP/1.0 style: close after the answer).
async fn serve_once_per_connection(body: Vec<u8>) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let body = body.clone();
            tokio::spawn(async move {
                let mut request = [0u8; 4096];
                let _ = stream.read(&mut request).await;
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: audio/wav\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes()).await;
                let _ = stream.write_all(&body).await;
            });
        }
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn audio_url_is_fetched_from_loopback_only() {
    let emulator = start(config()).await;
    let hello = speak(&emulator, AVA, "Fetched by URL.").await;
    let base = serve_once_per_connection(wav(&[sequence(&[&hello])])).await;
    let definition = json!({"audioUrl": format!("{base}/clip.wav?sig=secret"), "locales": ["en-US"]});
    let body = multipart(&[("definition", None, definition.to_string().as_bytes())]);
    let key = ("Ocp-Apim-Subscription-Key", emulator.primary_key());
    let r = transcribe_as(&Target::loopback(&emulator), PATH, key, &body).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(texts(&r.json()), ["Fetched by URL."]);
    let remote = json!({"audioUrl": "https://example.com/clip.wav?sig=secret"});
    let body = multipart(&[("definition", None, remote.to_string().as_bytes())]);
    let r = transcribe_as(&Target::loopback(&emulator), PATH, key, &body).await;
    assert_eq!(code(&r), (400, "InvalidRequest".into(), "InvalidAudioUrl".into()));
    assert!(
        r.text().contains("loopback") && !r.text().contains("secret"),
        "{}",
        r.text()
    );
}
