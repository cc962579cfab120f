//! Every export of the core, called through wasmtime by the host, and the artifact cache.

use azspeech_host::artifact_cache::ArtifactCache;
use azspeech_host::core_runtime::*;

fn core() -> CoreInstance {
    CoreRuntime::load(&ArtifactCache::disabled())
        .expect("core loads")
        .instantiate()
        .expect("instantiates")
}

fn text(name: &str, value: &str) -> Setting {
    Setting {
        name: name.into(),
        value: SettingValue::Text(value.into()),
        source: SettingSource::Environment,
    }
}

fn secret(name: &str) -> Setting {
    Setting {
        name: name.into(),
        value: SettingValue::Secret(true),
        source: SettingSource::Environment,
    }
}

/// A settings value for calls that need one, built by hand (independent of `resolve`).
fn loopback_settings() -> Settings {
    Settings {
        auth: AuthMode::Key,
        endpoint: azspeech_host::core_runtime::Endpoint {
            kind: EndpointKind::Loopback,
            secure: false,
            host: "127.0.0.1".into(),
            port: Some(5000),
        },
        cloud: Cloud::Public,
        region: None,
        resource_id: None,
        language: "en-US".into(),
        voice: "en-US-AvaMultilingualNeural".into(),
        credential: CredentialSource::None,
        has_secondary_key: false,
        explanation: vec![],
        notes: vec![],
        origins: vec![],
    }
}

#[test]
fn config_exports() {
    let mut core = core();
    let secrets = core.secret_names().expect("call");
    assert!(secrets.contains(&"SPEECH_KEY".to_owned()), "{secrets:?}");
    assert!(secrets.contains(&"SPEECH_KEY_SECONDARY".to_owned()), "{secrets:?}");
    let resolved = core
        .resolve(&[secret("SPEECH_KEY"), text("SPEECH_REGION", "westeurope")])
        .expect("call");
    let settings = resolved.expect("key + region resolves");
    assert_eq!(settings.auth, AuthMode::Key);
    assert_eq!(settings.region.as_deref(), Some("westeurope"));
    let findings = core.diagnose(&settings).expect("call");
    assert!(
        findings.iter().any(|f| f.level == Level::Warning),
        "keys are below the security baseline: {findings:?}"
    );
    let error = core
        .resolve(&[text("SPEECH_REGION", "westeurope")])
        .expect("call")
        .expect_err("no credential");
    assert_ne!(error.code, ConfigErrorCode::NotImplemented);
    assert!(!error.fix.is_empty());
    let findings = core.diagnose(&loopback_settings()).expect("call");
    assert!(findings.iter().all(|f| !f.code.is_empty()));
}

#[test]
fn connection_and_failure_exports() {
    let mut core = core();
    let settings = loopback_settings();
    let ids = RequestIds {
        connection_id: "0123456789abcdef0123456789abcdef".into(),
    };
    for kind in [
        RequestKind::SttWebsocket,
        RequestKind::TtsWebsocket,
        RequestKind::TtsRest,
        RequestKind::VoicesList,
        RequestKind::StsToken,
    ] {
        let plan = core
            .plan(&settings, kind, &ids)
            .expect("call")
            .expect("loopback key settings plan every request");
        assert!(
            plan.url.starts_with("ws://127.0.0.1:5000/") || plan.url.starts_with("http://127.0.0.1:5000/"),
            "{kind:?}: {}",
            plan.url
        );
        assert!(!plan.url.to_ascii_lowercase().contains("key="), "{}", plan.url);
        assert!(
            matches!(plan.auth, AuthPlan::SubscriptionKey(KeySlot::Primary)),
            "{kind:?}: {:?}",
            plan.auth
        );
    }
    let http = core.classify_http(&settings, 401, None, "Access denied").expect("call");
    assert!(
        matches!(http, SpeechError::Authentication(ref d) if d.http_status == Some(401)),
        "{http:?}"
    );
    let throttled = core.classify_http(&settings, 429, Some("7"), "").expect("call");
    assert!(
        matches!(throttled, SpeechError::Throttled(ref t) if t.retry_after_ms == Some(7000)),
        "{throttled:?}"
    );
    let close = core.classify_close(1007, "bad audio").expect("call");
    assert!(
        matches!(close, SpeechError::BadRequest(ref d) if d.close_code == Some(1007)),
        "{close:?}"
    );
}

fn policy() -> SessionPolicy {
    SessionPolicy {
        seed: 42,
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

fn path_of(message: &WsMessage) -> String {
    match message {
        WsMessage::Text(text) => text
            .lines()
            .find(|l| l.starts_with("Path:"))
            .unwrap_or_default()
            .to_owned(),
        WsMessage::Binary(_) => "binary".to_owned(),
    }
}

fn request_id_of(message: &WsMessage) -> String {
    match message {
        WsMessage::Text(text) => text
            .lines()
            .find_map(|l| l.strip_prefix("X-RequestId:"))
            .unwrap_or_default()
            .trim()
            .to_owned(),
        WsMessage::Binary(_) => String::new(),
    }
}

/// The recognizer through wasmtime: connect, frames, audio as ranges of the driver's buffer,
/// a phrase, a dropped connection with replay, the end of audio and `finished`.
#[test]
fn recognizer_exports() {
    let mut core = core();
    let options = RecognitionOptions {
        mode: RecognitionMode::Conversation,
        language: String::new(),
        format: OutputFormat::Simple,
        profanity: None,
        word_timestamps: false,
        phrase_list: vec![],
        audio: AudioFormat {
            sample_rate: 16_000,
            bits_per_sample: 16,
            channels: 1,
        },
        max_unacknowledged_ms: None,
        language_id: None,
    };
    let recognizer = core
        .recognizer(&loopback_settings(), &options, &policy())
        .expect("constructor");
    let request = recognizer
        .poll_connect(&mut core, 0)
        .expect("call")
        .expect("connect at once");
    assert!(
        request.plan.url.starts_with("ws://127.0.0.1:5000/"),
        "{}",
        request.plan.url
    );
    assert_eq!(request.attempt, 1);
    recognizer.handle_connected(&mut core, 1).expect("call");
    recognizer
        .push_audio(&mut core, 1, 6400)
        .expect("call")
        .expect("accepted");
    let mut sent = Vec::new();
    while let Some(transmit) = recognizer.poll_transmit(&mut core, 2).expect("call") {
        sent.push(transmit);
    }
    let mut messages = sent.iter().filter_map(|t| match t {
        Transmit::Message(m) => Some(m),
        _ => None,
    });
    let config = messages.next().expect("speech.config");
    assert_eq!(path_of(config), "Path:speech.config");
    let context = messages.next().expect("speech.context");
    assert_eq!(path_of(context), "Path:speech.context");
    let request_id = request_id_of(context);
    let audio: Vec<(u64, u64)> = sent
        .iter()
        .filter_map(|t| match t {
            Transmit::Audio(a) => Some((a.start, a.end)),
            _ => None,
        })
        .collect();
    assert_eq!(audio, [(0, 3200), (3200, 6400)], "two 100-ms chunks named by range");
    let phrase = WsMessage::Text(format!(
        "X-RequestId:{request_id}\r\nPath:speech.phrase\r\n\r\n{{\"RecognitionStatus\":\"Success\",\"DisplayText\":\"Hi.\",\"Offset\":0,\"Duration\":1000000}}"
    ));
    recognizer.handle_message(&mut core, 3, &phrase).expect("call");
    assert_eq!(recognizer.acknowledged_bytes(&mut core).expect("call"), 3200);
    // The connection drops: the core schedules a reconnect and replays from 3200.
    let drop = CloseInfo::Frame(CloseFrame {
        code: 1011,
        reason: "Internal server error".into(),
    });
    recognizer.handle_closed(&mut core, 4, &drop).expect("call");
    let wake = recognizer
        .poll_timeout(&mut core)
        .expect("call")
        .expect("a reconnect time");
    assert!((54..=104).contains(&wake), "backoff of 50-100 ms: {wake}");
    assert!(
        recognizer.poll_connect(&mut core, 4).expect("call").is_none(),
        "not yet"
    );
    let again = recognizer
        .poll_connect(&mut core, wake)
        .expect("call")
        .expect("reconnect");
    assert_eq!(again.attempt, 2);
    let id = |r: &ConnectRequest| {
        r.plan
            .headers
            .iter()
            .find(|(n, _)| n == "X-ConnectionId")
            .map(|(_, v)| v.clone())
    };
    assert_eq!(id(&again), id(&request), "the same X-ConnectionId on every reconnect");
    recognizer.handle_connected(&mut core, wake).expect("call");
    recognizer.end_audio(&mut core, wake).expect("call");
    let mut replay = Vec::new();
    let mut context = None;
    while let Some(transmit) = recognizer.poll_transmit(&mut core, wake).expect("call") {
        match transmit {
            Transmit::Audio(a) => replay.push((a.start, a.end)),
            Transmit::Message(m) if path_of(&m) == "Path:speech.context" => context = Some(request_id_of(&m)),
            _ => {}
        }
    }
    assert_eq!(replay, [(3200, 6400)], "only the unacknowledged audio is replayed");
    let second_id = context.expect("a new turn");
    assert_ne!(second_id, request_id, "a new X-RequestId");
    for (path, body) in [
        (
            "speech.phrase",
            "{\"RecognitionStatus\":\"Success\",\"DisplayText\":\"There.\",\"Offset\":0,\"Duration\":1000000}",
        ),
        ("turn.end", "{}"),
    ] {
        let message = WsMessage::Text(format!("X-RequestId:{second_id}\r\nPath:{path}\r\n\r\n{body}"));
        recognizer.handle_message(&mut core, wake + 1, &message).expect("call");
    }
    let mut phrases = Vec::new();
    let mut finished = None;
    while let Some(event) = recognizer.poll_event(&mut core).expect("call") {
        match event {
            RecognitionEvent::Phrase(p) => phrases.push((p.text, p.offset)),
            RecognitionEvent::Finished(summary) => finished = Some(summary),
            _ => {}
        }
    }
    assert_eq!(
        phrases,
        [("Hi.".to_owned(), 0), ("There.".to_owned(), 1_000_000)],
        "offsets rebased onto the unbroken stream"
    );
    let summary = finished.expect("finished");
    assert_eq!((summary.recognized, summary.connections, summary.reconnects), (2, 2, 1));
    assert!(recognizer.is_done(&mut core).expect("call"));
    recognizer.drop(&mut core).expect("drop");
}

/// The synthesizer through wasmtime: queued text, frames, audio ranges, `finished`.
#[test]
fn synthesizer_exports() {
    let mut core = core();
    let format = core
        .synthesis_describe_format("riff-24khz-16bit-mono-pcm")
        .expect("call")
        .expect("known format");
    assert!(format.needs_riff_header && format.sample_rate == 24_000 && format.wire_name == "raw-24khz-16bit-mono-pcm");
    assert!(
        core.synthesis_describe_format("riff-7khz-nonsense")
            .expect("call")
            .is_err()
    );
    let header = core
        .synthesis_wav_header("riff-24khz-16bit-mono-pcm", 48_000)
        .expect("call")
        .expect("header");
    assert_eq!(&header[..4], b"RIFF");
    let pieces = core.synthesis_split_text("One. Two. Three.", 6).expect("call");
    assert_eq!(pieces.concat(), "One. Two. Three.");
    let options = SynthesisOptions {
        output_format: "riff-24khz-16bit-mono-pcm".into(),
        voice: String::new(),
        language: String::new(),
        rate: None,
        pitch: None,
        volume: None,
        style: None,
        style_degree: None,
        role: None,
        word_boundaries: true,
        sentence_boundaries: false,
        punctuation_boundaries: false,
        visemes: false,
        bookmarks: false,
    };
    let synthesizer = core
        .synthesizer(&loopback_settings(), &options, &policy())
        .expect("constructor");
    assert!(
        synthesizer
            .speak_ssml(&mut core, "<speak><voice>")
            .expect("call")
            .is_err(),
        "malformed SSML is rejected when queued"
    );
    assert_eq!(
        synthesizer
            .speak_text(&mut core, "Hello <world> & friends")
            .expect("call")
            .ok(),
        Some(0)
    );
    synthesizer.end_input(&mut core, 0).expect("call");
    synthesizer.poll_connect(&mut core, 0).expect("call").expect("connect");
    synthesizer.handle_connected(&mut core, 1).expect("call");
    let mut frames = Vec::new();
    while let Some(Transmit::Message(message)) = synthesizer.poll_transmit(&mut core, 1).expect("call") {
        frames.push(message);
    }
    let ssml = frames
        .iter()
        .find(|f| path_of(f) == "Path:ssml")
        .expect("an ssml frame");
    let request_id = request_id_of(ssml);
    assert!(matches!(ssml, WsMessage::Text(t) if t.contains("Hello &lt;world&gt; &amp; friends")));
    let head = format!("Path:audio\r\nX-RequestId:{request_id}\r\n");
    let mut frame = (head.len() as u16).to_be_bytes().to_vec();
    frame.extend_from_slice(head.as_bytes());
    synthesizer
        .handle_binary_head(&mut core, 2, &frame, frame.len() as u32 + 480)
        .expect("call");
    let turn_end = WsMessage::Text(format!("X-RequestId:{request_id}\r\nPath:turn.end\r\n\r\n{{}}"));
    synthesizer.handle_message(&mut core, 3, &turn_end).expect("call");
    let mut audio = Vec::new();
    let mut finished = None;
    while let Some(event) = synthesizer.poll_event(&mut core).expect("call") {
        match event {
            SynthesisEvent::Audio(range) => audio.push((range.start as usize, range.len)),
            SynthesisEvent::Finished(summary) => finished = Some(summary),
            _ => {}
        }
    }
    assert_eq!(audio, [(frame.len(), 480)], "the audio's range in the frame");
    assert_eq!(finished.map(|s| (s.audio_bytes, s.requests)), Some((480, 1)));
    assert!(matches!(
        synthesizer.poll_transmit(&mut core, 4).expect("call"),
        Some(Transmit::Close(CloseFrame { code: 1000, .. }))
    ));
    synthesizer.drop(&mut core).expect("drop");
}

#[test]
fn sessions_get_separate_instances_from_one_runtime() {
    let runtime = CoreRuntime::load(&ArtifactCache::disabled()).expect("loads");
    let mut first = runtime.instantiate().expect("first");
    let mut second = runtime.instantiate().expect("second");
    assert_eq!(
        first.secret_names().expect("call"),
        second.secret_names().expect("call")
    );
}

#[test]
fn the_compiled_artifact_is_cached_on_disk_and_reused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = ArtifactCache::in_dir(dir.path().join("cache"));
    let first = CoreRuntime::load(&cache).expect("first load");
    let LoadSource::CompiledAndCached(path) = first.source().clone() else {
        panic!("first load should compile and cache, got {:?}", first.source());
    };
    let name = path.file_name().expect("name").to_string_lossy().into_owned();
    assert!(
        name.contains(&format!("wasmtime-{}", azspeech_host::WASMTIME_VERSION)),
        "{name}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "cache files are private");
        let dir_mode = std::fs::metadata(path.parent().expect("dir"))
            .expect("meta")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(dir_mode, 0o700, "the cache directory is private");
    }
    let second = CoreRuntime::load(&cache).expect("second load");
    assert_eq!(second.source(), &LoadSource::Cached(path.clone()));
    second
        .instantiate()
        .expect("instantiates")
        .secret_names()
        .expect("callable from the cached artifact");

    // A corrupt artifact is replaced, not trusted. (Drop the runtime that maps the file first:
    // truncating a mapped file in place is what the cache's temp-file-and-rename write avoids.)
    drop(second);
    std::fs::write(&path, b"not a wasmtime artifact").expect("corrupt it");
    let third = CoreRuntime::load(&cache).expect("third load");
    assert_eq!(third.source(), &LoadSource::CompiledAndCached(path.clone()));
    third
        .instantiate()
        .expect("instantiates")
        .secret_names()
        .expect("callable");

    // A different component gets a different key.
    let engine = wasmtime::Engine::default();
    let a = cache
        .artifact_path(&engine, azspeech_host::CORE_COMPONENT)
        .expect("path");
    let b = cache.artifact_path(&engine, b"\0asm other bytes").expect("path");
    assert_ne!(a, b);
}
