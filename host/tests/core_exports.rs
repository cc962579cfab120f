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

fn not_implemented(error: &SpeechError) -> bool {
    matches!(error, SpeechError::NotImplemented(detail) if detail.message.contains("not implemented yet"))
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
        match core.plan(&settings, kind, &ids).expect("call") {
            Ok(plan) => {
                assert!(
                    plan.url.starts_with("ws://127.0.0.1:5000/") || plan.url.starts_with("http://127.0.0.1:5000/"),
                    "{kind:?}: {}",
                    plan.url
                );
                assert!(!plan.url.to_ascii_lowercase().contains("key="), "{}", plan.url);
            }
            Err(error) => assert_eq!(error.code, ConfigErrorCode::NotImplemented, "{error:?}"),
        }
    }
    let http = core.classify_http(&settings, 401, None, "Access denied").expect("call");
    assert!(
        matches!(http, SpeechError::Authentication(ref d) if d.http_status == Some(401)) || not_implemented(&http),
        "{http:?}"
    );
    let close = core.classify_close(1007, "bad audio").expect("call");
    assert!(
        matches!(close, SpeechError::BadRequest(ref d) if d.close_code == Some(1007)) || not_implemented(&close),
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
        word_timestamps: false,
        phrase_list: vec![],
        audio: AudioFormat {
            sample_rate: 16_000,
            bits_per_sample: 16,
            channels: 1,
        },
    };
    let session = core
        .recognition_session(&loopback_settings(), &options)
        .expect("constructor");
    let request_id = "0123456789abcdef0123456789abcdef";
    match core.recognition_start(session, 0, request_id).expect("call") {
        Ok(frames) => assert!(!frames.is_empty()),
        Err(error) => assert!(not_implemented(&error), "{error:?}"),
    }
    match core.recognition_audio_header(session, 0, 3200).expect("call") {
        Ok(header) => assert!(header.len() > 2),
        Err(error) => assert!(not_implemented(&error), "{error:?}"),
    }
    match core.recognition_finish(session, 0).expect("call") {
        Ok(_) => {}
        Err(error) => assert!(not_implemented(&error), "{error:?}"),
    }
    let turn_start = WsMessage::Text(format!(
        "X-RequestId:{request_id}\r\nContent-Type:application/json; charset=utf-8\r\nPath:turn.start\r\n\r\n{{}}"
    ));
    match core.recognition_receive(session, 0, &turn_start).expect("call") {
        Ok(events) => assert!(!events.is_empty()),
        Err(error) => assert!(not_implemented(&error), "{error:?}"),
    }
    core.drop_session(session).expect("drop");
}

#[test]
fn synthesis_session_exports() {
    let mut core = core();
    let options = SynthesisOptions {
        output_format: "riff-24khz-16bit-mono-pcm".into(),
        voice: String::new(),
        word_boundaries: true,
        sentence_boundaries: false,
    };
    let session = core
        .synthesis_session(&loopback_settings(), &options)
        .expect("constructor");
    let request_id = "0123456789abcdef0123456789abcdef";
    match core
        .synthesis_speak_text(session, 0, request_id, "Hello <world> & friends")
        .expect("call")
    {
        Ok(frames) => assert!(!frames.is_empty()),
        Err(error) => assert!(not_implemented(&error), "{error:?}"),
    }
    let turn_end = WsMessage::Text(format!("X-RequestId:{request_id}\r\nPath:turn.end\r\n\r\n{{}}"));
    match core.synthesis_receive(session, 0, &turn_end).expect("call") {
        Ok(events) => assert!(!events.is_empty()),
        Err(error) => assert!(not_implemented(&error), "{error:?}"),
    }
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
