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

#[test]
fn recognition_session_exports() {
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
    };
    let session = core
        .recognition_session(&loopback_settings(), &options)
        .expect("constructor");
    let request_id = "0123456789abcdef0123456789abcdef";
    let turn = core
        .recognition_start(session, 0, request_id)
        .expect("call")
        .expect("starts");
    let paths: Vec<String> = turn
        .frames
        .iter()
        .map(|frame| match frame {
            WsMessage::Text(text) => text
                .lines()
                .find(|l| l.starts_with("Path:"))
                .unwrap_or_default()
                .to_owned(),
            WsMessage::Binary(_) => "binary".to_owned(),
        })
        .collect();
    assert_eq!(
        paths,
        ["Path:speech.config", "Path:speech.context", "binary"],
        "config, context, WAV header"
    );
    let header = core
        .recognition_audio_header(session, 0, 3200)
        .expect("call")
        .expect("a header");
    assert_eq!(
        usize::from(u16::from_be_bytes([header[0], header[1]])) + 2,
        header.len()
    );
    assert!(
        matches!(
            core.recognition_audio_header(session, 0, 3).expect("call"),
            Err(AudioError::Failed(_))
        ),
        "odd PCM length"
    );
    assert_eq!(core.recognition_progress(session).expect("call").sent_bytes, 3200);
    let turn_start = WsMessage::Text(format!(
        "X-RequestId:{request_id}\r\nContent-Type:application/json; charset=utf-8\r\nPath:turn.start\r\n\r\n{{\"context\":{{\"serviceTag\":\"t\"}}}}"
    ));
    let events = core
        .recognition_receive(session, 0, &turn_start)
        .expect("call")
        .expect("parses");
    assert!(
        matches!(events.as_slice(), [RecognitionEvent::TurnStarted(Some(tag))] if tag == "t"),
        "{events:?}"
    );
    let phrase = WsMessage::Text(format!(
        "X-RequestId:{request_id}\r\nPath:speech.phrase\r\n\r\n{{\"RecognitionStatus\":\"Success\",\"DisplayText\":\"Hi.\",\"Offset\":0,\"Duration\":1000000}}"
    ));
    let events = core
        .recognition_receive(session, 0, &phrase)
        .expect("call")
        .expect("parses");
    assert!(
        matches!(events.as_slice(), [RecognitionEvent::Phrase(p)] if p.text == "Hi."),
        "{events:?}"
    );
    assert_eq!(
        core.recognition_progress(session).expect("call").acknowledged_bytes,
        3200,
        "100 ms acknowledged"
    );
    let early = core
        .recognition_next_turn(session, 0, "fedcba9876543210fedcba9876543210")
        .expect("call");
    assert!(
        matches!(early, Err(SpeechError::BadRequest(_))),
        "a new turn only after turn.end: {early:?}"
    );
    let turn_end = WsMessage::Text(format!("X-RequestId:{request_id}\r\nPath:turn.end\r\n\r\n{{}}"));
    let events = core
        .recognition_receive(session, 0, &turn_end)
        .expect("call")
        .expect("parses");
    assert!(
        matches!(events.as_slice(), [RecognitionEvent::TurnEnded(_)]),
        "{events:?}"
    );
    let next = core
        .recognition_next_turn(session, 0, "fedcba9876543210fedcba9876543210")
        .expect("call")
        .expect("next turn");
    assert_eq!(next.replay_from, 3200, "everything acknowledged: nothing to replay");
    assert!(!next.frames.is_empty());
    let end = core.recognition_finish(session, 0).expect("call").expect("end frame");
    assert!(
        matches!(end, WsMessage::Binary(ref b) if b.len() == usize::from(u16::from_be_bytes([b[0], b[1]])) + 2),
        "empty payload"
    );
    core.drop_session(session).expect("drop");
}

#[test]
fn synthesis_session_exports() {
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
        word_boundaries: true,
        sentence_boundaries: false,
        punctuation_boundaries: false,
        visemes: false,
        bookmarks: false,
    };
    let session = core
        .synthesis_session(&loopback_settings(), &options)
        .expect("constructor");
    let request_id = "0123456789abcdef0123456789abcdef";
    let frames = core
        .synthesis_speak_text(session, 0, request_id, "Hello <world> & friends")
        .expect("call")
        .expect("frames");
    let ssml = frames.iter().find_map(|f| match f {
        WsMessage::Text(t) if t.contains("Path:ssml") => Some(t.clone()),
        _ => None,
    });
    assert!(
        ssml.expect("an ssml frame")
            .contains("Hello &lt;world&gt; &amp; friends")
    );
    let bad = core
        .synthesis_speak_ssml(session, 0, "fedcba9876543210fedcba9876543210", "<speak><voice>")
        .expect("call");
    assert!(bad.is_err(), "malformed SSML is rejected before sending");
    let turn_end = WsMessage::Text(format!("X-RequestId:{request_id}\r\nPath:turn.end\r\n\r\n{{}}"));
    let events = core.synthesis_receive(session, 0, &turn_end).expect("call");
    assert!(events.is_ok(), "{events:?}");
    let head = b"\x00\x1cPath:audio\r\nX-RequestId:x\r\n";
    let _ = core.synthesis_receive_binary_head(session, 0, head, 100).expect("call");
    core.drop_session(session).expect("drop");
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
