//! The recognition session against the Python Speech SDK capture
//! (`reference/sdk-capture-detailed.md` §3–§6): our frames compared field by field, one test per
//! service message shape, acknowledgement, backpressure, multi-turn rebasing and reconnects.

#![allow(clippy::unwrap_used)]

use azspeech_component::bindings::exports::azspeech::core::config::{Setting, SettingSource, SettingValue, Settings};
use azspeech_component::bindings::exports::azspeech::core::messages::WsMessage;
use azspeech_component::bindings::exports::azspeech::core::recognition::{
    AudioFormat, LanguageId, LanguageIdMode, OutputFormat, Profanity, RecognitionMode, RecognitionOptions,
    RecognitionStatus,
};
use azspeech_component::bindings::exports::azspeech::core::types::SpeechError;
use azspeech_component::config;
use azspeech_component::recognition::RecognitionSession;
use azspeech_component::recognition::session::{AudioError, TurnEvent as RecognitionEvent, TurnPlan};
use azspeech_component::usp::{self, parse_binary, parse_text};
use serde_json::{Value, json};

/// 2026-11-23T00:30:03.534Z, the capture's timestamp.
const NOW: u64 = 1_795_393_803_534;
const RID: &str = "d8bfd5c4bb89478bbaeae93cf2bad660";
const RID2: &str = "9420ec8d01d8415cab5657353db12d17";
const PYTHON_RIFF: &str = "524946460000000057415645666d74201000000001000100803e0000007d0000020010006461746100000000";

fn setting(name: &str, value: &str) -> Setting {
    Setting {
        name: name.to_owned(),
        value: if config::SECRET_NAMES.contains(&name) {
            SettingValue::Secret(true)
        } else {
            SettingValue::Text(value.to_owned())
        },
        source: SettingSource::Environment,
    }
}

fn settings() -> Settings {
    config::resolve(&[setting("SPEECH_KEY", "k"), setting("SPEECH_REGION", "westeurope")]).unwrap()
}

fn options(mode: RecognitionMode) -> RecognitionOptions {
    RecognitionOptions {
        mode,
        language: "en-us".into(),
        format: OutputFormat::Simple,
        profanity: None,
        word_timestamps: false,
        phrase_list: Vec::new(),
        audio: AudioFormat {
            sample_rate: 16_000,
            bits_per_sample: 16,
            channels: 1,
        },
        max_unacknowledged_ms: None,
        language_id: None,
    }
}

fn session(options: RecognitionOptions) -> RecognitionSession {
    RecognitionSession::new(settings(), options)
}

fn text(message: &WsMessage) -> &str {
    match message {
        WsMessage::Text(text) => text,
        WsMessage::Binary(_) => panic!("expected a text frame"),
    }
}

fn binary(message: &WsMessage) -> &[u8] {
    match message {
        WsMessage::Binary(bytes) => bytes,
        WsMessage::Text(_) => panic!("expected a binary frame"),
    }
}

fn header_lines(text: &str) -> Vec<&str> {
    text.split("\r\n\r\n").next().unwrap().split("\r\n").collect()
}

fn body_json(message: &WsMessage) -> Value {
    serde_json::from_str(parse_text(text(message)).unwrap().body).unwrap()
}

fn unhex(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

/// A service message with the headers the capture's fake server sent.
fn service(path: &str, request_id: &str, body: &str) -> WsMessage {
    WsMessage::Text(format!(
        "X-RequestId:{request_id}\r\nContent-Type:application/json; charset=utf-8\r\nX-Timestamp:2026-11-23T00:23:25.566Z\r\nPath:{path}\r\n\r\n{body}"
    ))
}

fn receive_one(session: &RecognitionSession, message: WsMessage) -> RecognitionEvent {
    let mut events = session.receive(NOW, message).unwrap();
    assert_eq!(events.len(), 1);
    events.remove(0)
}

fn send_audio(session: &RecognitionSession, bytes: u64) {
    let mut left = bytes;
    while left > 0 {
        let chunk = left.min(3200) as u32;
        session.audio_header(NOW, chunk).unwrap();
        left -= u64::from(chunk);
    }
}

fn without_mode(mut body: Value) -> Value {
    body["phraseDetection"].as_object_mut().unwrap().remove("mode");
    body
}

#[test]
fn timestamp_constant_is_the_capture() {
    assert_eq!(usp::format_timestamp(NOW), "2026-11-23T00:30:03.534Z");
}

#[test]
fn start_matches_the_python_sdk_frames() {
    let session = session(options(RecognitionMode::Interactive));
    let TurnPlan {
        frames,
        replay_from,
        stream_id,
    } = session.start(NOW, RID).unwrap();
    assert_eq!((replay_from, stream_id), (0, 1));
    assert_eq!(frames.len(), 3);

    // speech.config: same headers in the same order; same body shape.
    assert_eq!(
        header_lines(text(&frames[0])),
        [
            "X-Timestamp:2026-11-23T00:30:03.534Z",
            "Path:speech.config",
            "Content-Type:application/json"
        ]
    );
    let python: Value = serde_json::from_str(r#"{"context":{"system":{"version":"1.53.0","name":"SpeechSDK","build":"Linux-x64","lang":"Python"},"os":{"name":"Linux 6.18.44-fc-v595 #1 SMP PREEMPT_DYNAMIC @0 x86_64 glibc/2.36","version":"6.18.44-fc-v595","platform":"Linux"},"audio":{"source":{"type":"File","model":"","samplerate":"16000","bitspersample":"16","channelcount":"1"}}}}"#).unwrap();
    let ours = body_json(&frames[0]);
    let keys = |value: &Value| value.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&ours["context"]), keys(&python["context"]));
    assert_eq!(keys(&ours["context"]["system"]), keys(&python["context"]["system"]));
    assert_eq!(keys(&ours["context"]["os"]), keys(&python["context"]["os"]));
    assert_eq!(ours["context"]["system"]["name"], "azspeech");
    assert_eq!(ours["context"]["system"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(ours["context"]["system"]["lang"], "Rust");
    let mut source = ours["context"]["audio"]["source"].clone();
    assert_eq!(
        source["type"], "Stream",
        "the host pushes PCM, as a Python push stream does"
    );
    source["type"] = json!("File");
    assert_eq!(source, python["context"]["audio"]["source"]);

    // speech.context: same headers (no Content-Type), same body plus the explicit mode.
    assert_eq!(
        header_lines(text(&frames[1])),
        [
            "X-Timestamp:2026-11-23T00:30:03.534Z",
            "Path:speech.context",
            "X-RequestId:d8bfd5c4bb89478bbaeae93cf2bad660"
        ]
    );
    let context = body_json(&frames[1]);
    assert_eq!(context["phraseDetection"]["mode"], "Interactive");
    assert_eq!(
        without_mode(context),
        json!({"phraseDetection":{"language":"en-us"},"audio":{"streams":{"1":null}}})
    );
    assert!(
        parse_text(text(&frames[1]))
            .unwrap()
            .body
            .starts_with(r#"{"phraseDetection":{"language":"en-us","#)
    );

    // The first audio frame is byte-identical to the Python SDK's.
    let mut python_frame = vec![0x00, 0x88];
    python_frame.extend_from_slice(b"X-Timestamp:2026-11-23T00:30:03.534Z\r\nPath:audio\r\nContent-Type:audio/x-wav\r\nX-RequestId:d8bfd5c4bb89478bbaeae93cf2bad660\r\nX-StreamId:1\r\n");
    python_frame.extend_from_slice(&unhex(PYTHON_RIFF));
    assert_eq!(binary(&frames[2]), python_frame.as_slice());

    // Chunks and the end of audio: 110-byte header blocks, as captured.
    let chunk = session.audio_header(NOW, 3200).unwrap();
    let mut python_chunk = vec![0x00, 0x6e];
    python_chunk.extend_from_slice(b"X-Timestamp:2026-11-23T00:30:03.534Z\r\nPath:audio\r\nX-RequestId:d8bfd5c4bb89478bbaeae93cf2bad660\r\nX-StreamId:1\r\n");
    assert_eq!(chunk, python_chunk);
    assert_eq!(session.audio_header(NOW, 908).unwrap(), python_chunk);
    let end = session.finish(NOW).unwrap();
    assert_eq!(binary(&end), python_chunk.as_slice());
    assert!(parse_binary(binary(&end)).unwrap().payload.is_empty());
    assert_eq!(session.progress().sent_bytes, 4108);
}

#[test]
fn context_options_match_the_python_sdk() {
    let mut detailed = options(RecognitionMode::Conversation);
    detailed.format = OutputFormat::Detailed;
    let frames = session(detailed).start(NOW, RID).unwrap().frames;
    let body = body_json(&frames[1]);
    assert_eq!(body["phraseDetection"]["mode"], "Conversation");
    assert_eq!(
        without_mode(body),
        serde_json::from_str::<Value>(r#"{"phraseDetection":{"language":"en-us"},"audio":{"streams":{"1":null}},"phraseOutput":{"format":"Detailed","detailed":{"options":["WordTimings","WordConfidence"]}}}"#).unwrap()
    );

    let mut raw = options(RecognitionMode::Dictation);
    raw.language = "de-DE".into();
    raw.profanity = Some(Profanity::Raw);
    let body = body_json(&session(raw).start(NOW, RID).unwrap().frames[1]);
    assert_eq!(
        body["phraseDetection"],
        json!({"language":"de-DE","mode":"Dictation","enrichment":{"profanity":"raw"}})
    );

    let mut words = options(RecognitionMode::Conversation);
    words.word_timestamps = true;
    words.profanity = Some(Profanity::Removed);
    words.phrase_list = vec!["Contoso".into(), "  azspeech  ".into()];
    let body = body_json(&session(words).start(NOW, RID).unwrap().frames[1]);
    assert_eq!(
        body["phraseOutput"],
        json!({"format":"Detailed","detailed":{"options":["WordTimings"]}})
    );
    assert_eq!(body["phraseDetection"]["enrichment"]["profanity"], "removed");
    assert_eq!(
        body["dgi"],
        json!({"groups":[{"type":"Generic","items":[{"text":"Contoso"},{"text":"azspeech"}]}],"bias":1})
    );

    let mut masked = options(RecognitionMode::Interactive);
    masked.profanity = Some(Profanity::Masked);
    masked.language = String::new();
    let body = body_json(&session(masked).start(NOW, RID).unwrap().frames[1]);
    assert_eq!(body["phraseDetection"]["enrichment"]["profanity"], "masked");
    assert_eq!(body["phraseDetection"]["language"], settings().language.as_str());
}

fn language_id(mode: LanguageIdMode, languages: &[&str]) -> Option<LanguageId> {
    Some(LanguageId {
        languages: languages.iter().map(|l| (*l).to_owned()).collect(),
        mode,
    })
}

/// The `languageId` section and `phraseResults` as the Speech SDK sends them (usp.md §4.3).
#[test]
fn language_identification_context_matches_the_sdk() {
    let cases = [
        (
            LanguageIdMode::AtStart,
            OutputFormat::Simple,
            "DetectAtAudioStart",
            json!({"phraseResults":{"resultType":"Always"}}),
        ),
        (
            LanguageIdMode::Continuous,
            OutputFormat::Detailed,
            "DetectContinuous",
            json!({"format":"Detailed","detailed":{"options":["WordTimings","WordConfidence"]},"phraseResults":{"resultType":"Always"}}),
        ),
    ];
    for (mode, format, wire_mode, phrase_output) in cases {
        let mut lid = options(RecognitionMode::Conversation);
        lid.format = format;
        lid.language_id = language_id(mode, &["en-US", " de-DE ", "fr-FR"]);
        let frame = &session(lid).start(NOW, RID).unwrap().frames[1];
        let raw = text(frame);
        let at = |key: &str| raw.find(&format!("\"{key}\"")).unwrap();
        assert!(
            at("phraseDetection") < at("languageId")
                && at("languageId") < at("audio")
                && at("audio") < at("phraseOutput"),
            "{raw}"
        );
        let body = body_json(frame);
        assert_eq!(
            body["languageId"],
            json!({"languages":["en-US","de-DE","fr-FR"],"mode":wire_mode,"onSuccess":{"action":"Recognize"},"onUnknown":{"action":"None"},"priority":"PrioritizeLatency"})
        );
        assert_eq!(body["phraseOutput"], phrase_output);
    }
    let plain = body_json(
        &session(options(RecognitionMode::Conversation))
            .start(NOW, RID)
            .unwrap()
            .frames[1],
    );
    assert!(
        plain.get("languageId").is_none() && plain.get("phraseOutput").is_none(),
        "{plain}"
    );
}

/// `PrimaryLanguage.Language` becomes the phrase's language; `Unknown` or none is no language.
#[test]
fn phrases_carry_the_identified_language() {
    let cases = [
        (
            r#","PrimaryLanguage":{"Language":"de-DE","Confidence":"High"}"#,
            Some("de-DE"),
        ),
        (
            r#","PrimaryLanguage":{"Language":"Unknown","Confidence":"Unknown"}"#,
            None,
        ),
        (r#","PrimaryLanguage":{}"#, None),
        ("", None),
    ];
    for (extra, expected) in cases {
        let mut lid = options(RecognitionMode::Conversation);
        lid.language_id = language_id(LanguageIdMode::Continuous, &["en-US", "de-DE"]);
        let session = session(lid);
        session.start(NOW, RID).unwrap();
        send_audio(&session, 32_000);
        session.receive(NOW, service("turn.start", RID, "{}")).unwrap();
        let body =
            format!(r#"{{"RecognitionStatus":"Success","DisplayText":"Hallo.","Offset":0,"Duration":1000000{extra}}}"#);
        match receive_one(&session, service("speech.phrase", RID, &body)) {
            RecognitionEvent::Phrase(phrase) => assert_eq!(phrase.language.as_deref(), expected, "{body}"),
            other => panic!("{other:?}"),
        }
    }
    let session = session(options(RecognitionMode::Conversation));
    session.start(NOW, RID).unwrap();
    send_audio(&session, 32_000);
    session.receive(NOW, service("turn.start", RID, "{}")).unwrap();
    let bad = r#"{"RecognitionStatus":"Success","DisplayText":"x","Offset":0,"Duration":1,"PrimaryLanguage":"de-DE"}"#;
    assert!(matches!(
        session.receive(NOW, service("speech.phrase", RID, bad)),
        Err(SpeechError::Protocol(_))
    ));
}

#[test]
fn eight_khz_audio() {
    let mut eight = options(RecognitionMode::Interactive);
    eight.audio.sample_rate = 8_000;
    let session = session(eight);
    let frames = session.start(NOW, RID).unwrap().frames;
    assert_eq!(
        body_json(&frames[0])["context"]["audio"]["source"]["samplerate"],
        "8000"
    );
    let wav = usp::wav::parse_wav_header(parse_binary(binary(&frames[2])).unwrap().payload).unwrap();
    assert_eq!(wav.format, usp::wav::WavFormat::pcm(8_000, 16, 1));
    send_audio(&session, 16_000);
    // 1 s at 8 kHz = 16000 bytes = 10 000 000 ticks.
    session.receive(NOW, service("turn.start", RID, "{}")).unwrap();
    receive_one(
        &session,
        service(
            "speech.phrase",
            RID,
            r#"{"RecognitionStatus":"Success","DisplayText":"x","Offset":0,"Duration":10000000}"#,
        ),
    );
    assert_eq!(session.progress().acknowledged_bytes, 16_000);
}

#[test]
fn invalid_options_are_configuration_errors() {
    let mut cases = Vec::new();
    let mut bad = options(RecognitionMode::Interactive);
    bad.audio.sample_rate = 44_100;
    cases.push(bad);
    let mut bad = options(RecognitionMode::Interactive);
    bad.audio.channels = 2;
    cases.push(bad);
    let mut bad = options(RecognitionMode::Interactive);
    bad.audio.bits_per_sample = 8;
    cases.push(bad);
    let mut bad = options(RecognitionMode::Interactive);
    bad.language = "en US\r\nX-Evil: 1".into();
    cases.push(bad);
    let mut bad = options(RecognitionMode::Interactive);
    bad.phrase_list = vec!["ok".into(), "   ".into()];
    cases.push(bad);
    let mut bad = options(RecognitionMode::Interactive);
    bad.max_unacknowledged_ms = Some(999);
    cases.push(bad);
    // The service's limits on language identification: 4 candidates at the start of the audio,
    // 10 continuously (continuous recognition only); tags, each once.
    let five = ["en-US", "de-DE", "fr-FR", "es-ES", "it-IT"];
    let eleven = [
        "en-US", "de-DE", "fr-FR", "es-ES", "it-IT", "ja-JP", "ko-KR", "pt-BR", "nl-NL", "sv-SE", "da-DK",
    ];
    for (mode, recognition, languages) in [
        (LanguageIdMode::AtStart, RecognitionMode::Conversation, &five[..]),
        (LanguageIdMode::Continuous, RecognitionMode::Conversation, &eleven[..]),
        (LanguageIdMode::AtStart, RecognitionMode::Conversation, &[][..]),
        (
            LanguageIdMode::AtStart,
            RecognitionMode::Conversation,
            &["en-US", "de_DE"][..],
        ),
        (
            LanguageIdMode::AtStart,
            RecognitionMode::Conversation,
            &["en-US", "EN-us"][..],
        ),
        (
            LanguageIdMode::Continuous,
            RecognitionMode::Interactive,
            &["en-US", "de-DE"][..],
        ),
    ] {
        let mut bad = options(recognition);
        bad.language_id = language_id(mode, languages);
        cases.push(bad);
    }
    for options in cases {
        let error = session(options.clone()).start(NOW, RID).unwrap_err();
        assert!(matches!(error, SpeechError::Configuration(_)), "{options:?}: {error:?}");
    }
}

#[test]
fn request_ids_are_checked_and_lowercased() {
    let session = session(options(RecognitionMode::Conversation));
    for bad in [
        "",
        "xyz",
        "d8bfd5c4-bb89-478b-baea-e93cf2bad660",
        "d8bfd5c4bb89478bbaeae93cf2bad66\n",
    ] {
        assert!(
            matches!(session.start(NOW, bad), Err(SpeechError::BadRequest(_))),
            "{bad:?}"
        );
    }
    let frames = session.start(NOW, &RID.to_uppercase()).unwrap().frames;
    assert!(text(&frames[1]).contains(&format!("X-RequestId:{RID}\r\n")));
    // The service echoes it (in any case) and the session accepts it.
    let event = receive_one(&session, service("turn.start", &RID.to_uppercase(), "{}"));
    assert!(matches!(event, RecognitionEvent::TurnStarted(None)));
    // A request id cannot be reused.
    session.receive(NOW, service("turn.end", RID, "{}")).unwrap();
    assert!(matches!(session.next_turn(NOW, RID), Err(SpeechError::BadRequest(_))));
}

#[test]
fn full_realistic_sequence() {
    let session = session(options(RecognitionMode::Interactive));
    session.start(NOW, RID).unwrap();
    send_audio(&session, 32_908);
    session.finish(NOW).unwrap();
    let event = receive_one(
        &session,
        service(
            "turn.start",
            RID,
            r#"{"context": {"serviceTag": "fake-service-tag-0001"}}"#,
        ),
    );
    assert!(matches!(&event, RecognitionEvent::TurnStarted(Some(tag)) if tag == "fake-service-tag-0001"));
    let event = receive_one(&session, service("speech.startDetected", RID, r#"{"Offset": 0}"#));
    assert!(matches!(event, RecognitionEvent::SpeechStartDetected(0)));
    let event = receive_one(
        &session,
        service(
            "speech.hypothesis",
            RID,
            r#"{"Text": "hello", "Offset": 0, "Duration": 5141875}"#,
        ),
    );
    match event {
        RecognitionEvent::Hypothesis(partial) => {
            assert_eq!(
                (partial.text.as_str(), partial.offset, partial.duration),
                ("hello", 0, 5_141_875)
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        session.progress().acknowledged_bytes,
        0,
        "hypotheses do not acknowledge audio"
    );
    let event = receive_one(&session, service("speech.endDetected", RID, r#"{"Offset": 10283750}"#));
    assert!(matches!(event, RecognitionEvent::SpeechEndDetected(10_283_750)));
    let event = receive_one(
        &session,
        service(
            "speech.phrase",
            RID,
            r#"{"RecognitionStatus": "Success", "Offset": 0, "Duration": 10283750, "DisplayText": "Hello from the fake server."}"#,
        ),
    );
    match event {
        RecognitionEvent::Phrase(phrase) => {
            assert_eq!(phrase.status, RecognitionStatus::Success);
            assert_eq!(phrase.text, "Hello from the fake server.");
            assert_eq!((phrase.offset, phrase.duration), (0, 10_283_750));
            assert!(phrase.alternatives.is_empty());
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(session.progress().acknowledged_bytes, 32_908);
    match receive_one(&session, service("turn.end", RID, "{}")) {
        RecognitionEvent::TurnEnded(summary) => {
            assert!(summary.complete);
            assert_eq!(summary.progress.sent_bytes, 32_908);
            assert_eq!(summary.progress.acknowledged_bytes, 32_908);
            assert_eq!(summary.progress.limit_bytes, 960_000);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(session.next_turn(NOW, RID2), Err(SpeechError::BadRequest(_))));
    assert!(matches!(session.start(NOW, RID2), Err(SpeechError::BadRequest(_))));
}

#[test]
fn minimal_headers_and_spaced_style_are_accepted() {
    let session = session(options(RecognitionMode::Interactive));
    session.start(NOW, RID).unwrap();
    let minimal = WsMessage::Text(format!("X-RequestId:{RID}\r\nPath:turn.start\r\n\r\n"));
    assert!(matches!(
        receive_one(&session, minimal),
        RecognitionEvent::TurnStarted(None)
    ));
    let spaced = WsMessage::Text(format!(
        "Path: speech.hypothesis\r\nX-RequestId: {RID}\r\n\r\n{{\"Text\":\"a\",\"Offset\":\"5\",\"Duration\":\"7\",\"Unknown\":{{\"x\":[1]}},\"SpeakerId\":\"Guest-1\"}}"
    ));
    assert!(matches!(
        receive_one(&session, spaced),
        RecognitionEvent::Hypothesis(partial) if partial.offset == 5 && partial.duration == 7
    ));
    let lower_path = WsMessage::Text(format!(
        "x-requestid:{RID}\r\npath:Speech.Fragment\r\n\r\n{{\"Text\":\"b\"}}"
    ));
    assert!(matches!(receive_one(&session, lower_path), RecognitionEvent::Fragment(partial) if partial.text == "b"));
}

#[test]
fn detailed_phrase() {
    let mut detailed = options(RecognitionMode::Conversation);
    detailed.format = OutputFormat::Detailed;
    let session = session(detailed);
    session.start(NOW, RID).unwrap();
    send_audio(&session, 64_000);
    let body = r#"{"Id":"4f93","RecognitionStatus":"Success","Offset":5800000,"Duration":13100000,"Channel":0,"DisplayText":"Hi.","SNR":35.0,"NBest":[{"Confidence":0.93,"Lexical":"hi","ITN":"hi","MaskedITN":"hi","Display":"Hi.","Words":[{"Word":"hi","Offset":5800000,"Duration":13100000,"Confidence":"0.9"}],"DisplayWords":[]},{"Confidence":0.5,"Lexical":"high","ITN":"high","MaskedITN":"high","Display":"High."}]}"#;
    match receive_one(&session, service("speech.phrase", RID, body)) {
        RecognitionEvent::Phrase(phrase) => {
            assert_eq!(phrase.text, "Hi.");
            assert_eq!((phrase.offset, phrase.duration), (5_800_000, 13_100_000));
            assert_eq!(phrase.alternatives.len(), 2);
            let best = &phrase.alternatives[0];
            assert_eq!(best.confidence, 0.93);
            assert_eq!(
                (best.lexical.as_str(), best.itn.as_str(), best.masked_itn.as_str()),
                ("hi", "hi", "hi")
            );
            assert_eq!(best.display, "Hi.");
            assert_eq!(best.words.len(), 1);
            assert_eq!(best.words[0].word, "hi");
            assert_eq!((best.words[0].offset, best.words[0].duration), (5_800_000, 13_100_000));
            assert_eq!(best.words[0].confidence, Some(0.9));
            assert!(phrase.alternatives[1].words.is_empty());
        }
        other => panic!("{other:?}"),
    }
    // (5 800 000 + 13 100 000) ticks = 1.89 s = 60 480 bytes.
    assert_eq!(session.progress().acknowledged_bytes, 60_480);
    // Without DisplayText, NBest[0].Display is the text (the JavaScript SDK's reading).
    let body = r#"{"RecognitionStatus":"Success","Offset":0,"Duration":1,"NBest":[{"Confidence":0.9,"Display":"From NBest."}]}"#;
    assert!(matches!(
        receive_one(&session, service("speech.phrase", RID, body)),
        RecognitionEvent::Phrase(phrase) if phrase.text == "From NBest."
    ));
}

#[test]
fn recognition_statuses() {
    let ok: &[(&str, RecognitionStatus)] = &[
        ("Success", RecognitionStatus::Success),
        ("NoMatch", RecognitionStatus::NoMatch),
        ("InitialSilenceTimeout", RecognitionStatus::InitialSilenceTimeout),
        ("BabbleTimeout", RecognitionStatus::BabbleTimeout),
        ("EndOfDictation", RecognitionStatus::EndOfDictation),
    ];
    for (status, expected) in ok {
        let session = session(options(RecognitionMode::Conversation));
        session.start(NOW, RID).unwrap();
        let body = format!(r#"{{"RecognitionStatus":"{status}","Offset":0,"Duration":0}}"#);
        match receive_one(&session, service("speech.phrase", RID, &body)) {
            RecognitionEvent::Phrase(phrase) => assert_eq!(phrase.status, *expected),
            other => panic!("{other:?}"),
        }
    }
    type Check = fn(&SpeechError) -> bool;
    let errors: &[(&str, Check)] = &[
        (
            "Error",
            |e| matches!(e, SpeechError::Transient(d) if d.message.contains("internal error")),
        ),
        ("ServiceUnavailable", |e| matches!(e, SpeechError::Transient(_))),
        (
            "TooManyRequests",
            |e| matches!(e, SpeechError::Throttled(t) if t.retry_after_ms.is_none()),
        ),
        (
            "BadRequest",
            |e| matches!(e, SpeechError::BadRequest(d) if d.message.contains("unsupported audio format")),
        ),
        (
            "Forbidden",
            |e| matches!(e, SpeechError::Forbidden(d) if d.message.contains("quota")),
        ),
        ("Unauthorized", |e| matches!(e, SpeechError::Authentication(_))),
        (
            "SomethingNew",
            |e| matches!(e, SpeechError::Protocol(d) if d.message.contains("SomethingNew")),
        ),
    ];
    for (status, check) in errors {
        let session = session(options(RecognitionMode::Conversation));
        session.start(NOW, RID).unwrap();
        let body = format!(r#"{{"RecognitionStatus":"{status}","Offset":0,"Duration":0}}"#);
        let error = session.receive(NOW, service("speech.phrase", RID, &body)).unwrap_err();
        assert!(check(&error), "{status}: {error:?}");
    }
}

#[test]
fn other_turns_and_unknown_paths_are_ignored() {
    let session = session(options(RecognitionMode::Conversation));
    // Before start, nothing is current.
    assert!(matches!(
        receive_one(&session, service("turn.start", RID, "{}")),
        RecognitionEvent::Ignored(_)
    ));
    session.start(NOW, RID).unwrap();
    let other = "00000000000000000000000000000000";
    match receive_one(&session, service("speech.phrase", other, "not even json")) {
        RecognitionEvent::Ignored(note) => assert!(note.contains(other), "{note}"),
        event => panic!("{event:?}"),
    }
    assert!(matches!(
        receive_one(&session, service("translation.hypothesis", RID, "{}")),
        RecognitionEvent::Ignored(note) if note.contains("translation.hypothesis")
    ));
    let binary_frame = usp::encode_binary(
        &usp::Headers::new().with("Path", "audio").with("X-RequestId", RID),
        b"xx",
    )
    .unwrap();
    assert!(matches!(
        receive_one(&session, WsMessage::Binary(binary_frame)),
        RecognitionEvent::Ignored(_)
    ));
}

#[test]
fn malformed_messages_are_protocol_errors() {
    let session = session(options(RecognitionMode::Conversation));
    session.start(NOW, RID).unwrap();
    let cases: Vec<(WsMessage, &str)> = vec![
        (
            WsMessage::Text(format!("X-RequestId:{RID}\r\nPath:turn.start\r\n{{}}")),
            "blank line",
        ),
        (WsMessage::Text("Path:turn.start\r\n\r\n{}".into()), "X-RequestId"),
        (WsMessage::Text(format!("X-RequestId:{RID}\r\n\r\n{{}}")), "Path"),
        (WsMessage::Binary(vec![0x00]), "truncated"),
        (service("speech.phrase", RID, "{not json"), "not valid JSON"),
        (service("speech.phrase", RID, "[1,2]"), "not a JSON object"),
        (service("speech.phrase", RID, r#"{"Offset":0}"#), "RecognitionStatus"),
        (
            service("speech.phrase", RID, r#"{"RecognitionStatus":"Success","Offset":-5}"#),
            "Offset",
        ),
        (
            service("speech.phrase", RID, r#"{"RecognitionStatus":"Success","NBest":[1]}"#),
            "NBest",
        ),
        (service("speech.hypothesis", RID, r#"{"Text":5}"#), "Text"),
        (service("speech.startDetected", RID, r#"{"Offset":"soon"}"#), "Offset"),
        (service("turn.end", RID, "nope"), "turn.end"),
    ];
    for (message, needle) in cases {
        match session.receive(NOW, message.clone()) {
            Err(SpeechError::Protocol(detail)) => {
                assert!(detail.message.contains(needle), "{needle}: {}", detail.message)
            }
            other => panic!("{message:?}: {other:?}"),
        }
    }
}

#[test]
fn audio_chunks_are_checked() {
    let session = session(options(RecognitionMode::Conversation));
    assert!(matches!(
        session.audio_header(NOW, 3200),
        Err(AudioError::Failed(SpeechError::BadRequest(_)))
    ));
    assert!(matches!(session.finish(NOW), Err(SpeechError::BadRequest(_))));
    session.start(NOW, RID).unwrap();
    for bad in [0, 1, 3199, 8193, u32::MAX] {
        assert!(
            matches!(
                session.audio_header(NOW, bad),
                Err(AudioError::Failed(SpeechError::BadRequest(_)))
            ),
            "{bad}"
        );
    }
    assert_eq!(session.progress().sent_bytes, 0);
    session.audio_header(NOW, 8192).unwrap();
    session.audio_header(NOW, 2).unwrap();
    assert_eq!(session.progress().sent_bytes, 8194);
    session.finish(NOW).unwrap();
    assert!(matches!(session.audio_header(NOW, 2), Err(AudioError::Failed(_))));
    assert!(matches!(session.finish(NOW), Err(SpeechError::BadRequest(_))));
}

#[test]
fn backpressure_bounds_unacknowledged_audio() {
    let mut bounded = options(RecognitionMode::Conversation);
    bounded.max_unacknowledged_ms = Some(1_000);
    let session = session(bounded);
    session.start(NOW, RID).unwrap();
    send_audio(&session, 32_000);
    match session.audio_header(NOW, 3200) {
        Err(AudioError::Backpressure(progress)) => {
            assert_eq!(
                (progress.sent_bytes, progress.acknowledged_bytes, progress.limit_bytes),
                (32_000, 0, 32_000)
            );
        }
        other => panic!("{other:?}"),
    }
    // A hypothesis does not relieve it; a phrase does.
    session
        .receive(
            NOW,
            service(
                "speech.hypothesis",
                RID,
                r#"{"Text":"a","Offset":0,"Duration":9000000}"#,
            ),
        )
        .unwrap();
    assert!(matches!(
        session.audio_header(NOW, 3200),
        Err(AudioError::Backpressure(_))
    ));
    session
        .receive(
            NOW,
            service(
                "speech.phrase",
                RID,
                r#"{"RecognitionStatus":"Success","DisplayText":"a","Offset":1000000,"Duration":4000000}"#,
            ),
        )
        .unwrap();
    assert_eq!(session.progress().acknowledged_bytes, 16_000);
    send_audio(&session, 16_000);
    assert!(matches!(session.audio_header(NOW, 2), Err(AudioError::Backpressure(_))));
    // The service cannot acknowledge audio that was never sent.
    session
        .receive(
            NOW,
            service(
                "speech.phrase",
                RID,
                r#"{"RecognitionStatus":"Success","DisplayText":"b","Offset":0,"Duration":999999999999}"#,
            ),
        )
        .unwrap();
    assert_eq!(session.progress().acknowledged_bytes, 48_000);
}

#[test]
fn continuous_turns_rebase_offsets_and_replay_the_tail() {
    let session = session(options(RecognitionMode::Conversation));
    let plan = session.start(NOW, RID).unwrap();
    assert_eq!((plan.replay_from, plan.stream_id), (0, 1));
    send_audio(&session, 64_000);
    session.finish(NOW).unwrap();
    session
        .receive(NOW, service("turn.start", RID, r#"{"context":{"serviceTag":"tag-1"}}"#))
        .unwrap();
    session
        .receive(
            NOW,
            service(
                "speech.phrase",
                RID,
                r#"{"RecognitionStatus":"Success","DisplayText":"one","Offset":0,"Duration":10000000}"#,
            ),
        )
        .unwrap();
    let summary = match receive_one(&session, service("turn.end", RID, "{}")) {
        RecognitionEvent::TurnEnded(summary) => summary,
        other => panic!("{other:?}"),
    };
    assert!(!summary.complete, "half the audio is unacknowledged");
    assert_eq!(
        (summary.progress.sent_bytes, summary.progress.acknowledged_bytes),
        (64_000, 32_000)
    );
    // Late messages of the finished turn are ignored.
    assert!(matches!(
        receive_one(&session, service("speech.phrase", RID, "{}")),
        RecognitionEvent::Ignored(_)
    ));

    let plan = session.next_turn(NOW, RID2).unwrap();
    assert_eq!((plan.replay_from, plan.stream_id), (32_000, 2));
    assert_eq!(plan.frames.len(), 2, "no speech.config on the same connection");
    let context = body_json(&plan.frames[0]);
    assert_eq!(
        context["continuation"],
        json!({"previousServiceTag":"tag-1","audio":{"streams":{"1":{"offset":"10000000"}}}})
    );
    let wav_frame = parse_binary(binary(&plan.frames[1])).unwrap();
    assert_eq!(wav_frame.headers.get("X-StreamId"), Some("2"));
    assert_eq!(wav_frame.headers.get("Content-Type"), Some("audio/x-wav"));
    assert_eq!(wav_frame.request_id(), Some(RID2));
    assert_eq!(session.progress().sent_bytes, 32_000);
    let chunk = session.audio_header(NOW, 3200).unwrap();
    assert_eq!(parse_binary(&chunk).unwrap().headers.get("X-StreamId"), Some("2"));
    send_audio(&session, 28_800);
    assert_eq!(session.progress().sent_bytes, 64_000);
    session.finish(NOW).unwrap();

    // Offsets in the new turn are relative to its first byte (stream offset 1 s).
    session
        .receive(
            NOW,
            service("turn.start", RID2, r#"{"context":{"serviceTag":"tag-2"}}"#),
        )
        .unwrap();
    assert!(matches!(
        receive_one(&session, service("speech.startDetected", RID2, r#"{"Offset":2000000}"#)),
        RecognitionEvent::SpeechStartDetected(12_000_000)
    ));
    assert!(matches!(
        receive_one(&session, service("speech.hypothesis", RID2, r#"{"Text":"t","Offset":0,"Duration":1}"#)),
        RecognitionEvent::Hypothesis(partial) if partial.offset == 10_000_000
    ));
    let body = r#"{"RecognitionStatus":"Success","DisplayText":"Two.","Offset":2000000,"Duration":8000000,"NBest":[{"Confidence":1,"Display":"Two.","Words":[{"Word":"two","Offset":2000000,"Duration":8000000}]}]}"#;
    match receive_one(&session, service("speech.phrase", RID2, body)) {
        RecognitionEvent::Phrase(phrase) => {
            assert_eq!((phrase.offset, phrase.duration), (12_000_000, 8_000_000));
            assert_eq!(phrase.alternatives[0].words[0].offset, 12_000_000);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        receive_one(&session, service("speech.endDetected", RID2, r#"{"Offset":10000000}"#)),
        RecognitionEvent::SpeechEndDetected(20_000_000)
    ));
    match receive_one(&session, service("turn.end", RID2, "{}")) {
        RecognitionEvent::TurnEnded(summary) => {
            assert!(summary.complete);
            assert_eq!(summary.progress.acknowledged_bytes, 64_000);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn continuation_context_matches_the_python_sdk() {
    let session = session(options(RecognitionMode::Conversation));
    session.start(NOW, RID).unwrap();
    // 269 000 000 ticks = 26.9 s = 860 800 bytes.
    send_audio(&session, 860_800 + 3_200);
    session.finish(NOW).unwrap();
    session
        .receive(
            NOW,
            service(
                "turn.start",
                RID,
                r#"{"context":{"serviceTag":"fake-service-tag-0001"}}"#,
            ),
        )
        .unwrap();
    session
        .receive(
            NOW,
            service(
                "speech.phrase",
                RID,
                r#"{"RecognitionStatus":"Success","DisplayText":"x","Offset":0,"Duration":269000000}"#,
            ),
        )
        .unwrap();
    session.receive(NOW, service("turn.end", RID, "{}")).unwrap();
    let plan = session.next_turn(NOW, RID2).unwrap();
    assert_eq!(plan.replay_from, 860_800);
    assert_eq!(
        header_lines(text(&plan.frames[0])),
        [
            "X-Timestamp:2026-11-23T00:30:03.534Z",
            "Path:speech.context",
            "X-RequestId:9420ec8d01d8415cab5657353db12d17"
        ]
    );
    let python: Value = serde_json::from_str(r#"{"phraseDetection":{"language":"en-us"},"audio":{"streams":{"1":null}},"continuation":{"previousServiceTag":"fake-service-tag-0001","audio":{"streams":{"1":{"offset":"269000000"}}}}}"#).unwrap();
    assert_eq!(without_mode(body_json(&plan.frames[0])), python);
}

#[test]
fn silent_tail_does_not_loop_forever() {
    let session = session(options(RecognitionMode::Conversation));
    session.start(NOW, RID).unwrap();
    send_audio(&session, 64_000);
    session.finish(NOW).unwrap();
    session
        .receive(
            NOW,
            service(
                "speech.phrase",
                RID,
                r#"{"RecognitionStatus":"Success","DisplayText":"x","Offset":0,"Duration":10000000}"#,
            ),
        )
        .unwrap();
    assert!(matches!(
        receive_one(&session, service("turn.end", RID, "{}")),
        RecognitionEvent::TurnEnded(summary) if !summary.complete
    ));
    // The continuation turn replays the tail; the service finds nothing more in it.
    session.next_turn(NOW, RID2).unwrap();
    send_audio(&session, 32_000);
    session.finish(NOW).unwrap();
    session
        .receive(
            NOW,
            service(
                "speech.phrase",
                RID2,
                r#"{"RecognitionStatus":"NoMatch","Offset":0,"Duration":0}"#,
            ),
        )
        .unwrap();
    assert!(matches!(
        receive_one(&session, service("turn.end", RID2, "{}")),
        RecognitionEvent::TurnEnded(summary) if summary.complete
    ));
}

#[test]
fn service_ended_turn_early_continues() {
    let session = session(options(RecognitionMode::Dictation));
    session.start(NOW, RID).unwrap();
    send_audio(&session, 6_400);
    // The service ends the turn (for example at its 10-minute limit) before the end of audio.
    assert!(matches!(
        receive_one(&session, service("turn.end", RID, "{}")),
        RecognitionEvent::TurnEnded(summary) if !summary.complete
    ));
    assert!(matches!(session.audio_header(NOW, 2), Err(AudioError::Failed(_))));
    assert!(matches!(session.next_turn(NOW, RID2), Ok(plan) if plan.replay_from == 0 && plan.stream_id == 2));
    assert!(matches!(
        session.next_turn(NOW, "11111111111111111111111111111111"),
        Err(SpeechError::BadRequest(_))
    ));
}

#[test]
fn reconnect_resends_config_and_replays_from_the_acknowledged_offset() {
    let session = session(options(RecognitionMode::Conversation));
    session.start(NOW, RID).unwrap();
    send_audio(&session, 64_000);
    session
        .receive(NOW, service("turn.start", RID, r#"{"context":{"serviceTag":"t"}}"#))
        .unwrap();
    session
        .receive(
            NOW,
            service(
                "speech.phrase",
                RID,
                r#"{"RecognitionStatus":"Success","DisplayText":"x","Offset":0,"Duration":5000000}"#,
            ),
        )
        .unwrap();
    // The socket drops; the host reconnects and starts again with a new request id.
    let plan = session.start(NOW, RID2).unwrap();
    assert_eq!((plan.replay_from, plan.stream_id, plan.frames.len()), (16_000, 1, 3));
    assert!(text(&plan.frames[0]).contains("Path:speech.config"));
    assert_eq!(
        body_json(&plan.frames[1])["continuation"]["audio"]["streams"]["1"]["offset"],
        "5000000"
    );
    // Messages of the dropped connection's turn are ignored.
    assert!(matches!(
        receive_one(&session, service("speech.phrase", RID, "{}")),
        RecognitionEvent::Ignored(_)
    ));
    assert_eq!(session.progress().sent_bytes, 16_000);
}

/// Deterministic xorshift for the no-panic loop.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn hostile_messages_never_panic() {
    let session = session(options(RecognitionMode::Conversation));
    session.start(NOW, RID).unwrap();
    let bodies = [
        r#"{"RecognitionStatus":"Success","Offset":18446744073709551615,"Duration":18446744073709551615,"NBest":[{"Words":[{"Offset":1e300}]}]}"#,
        r#"{"Offset":1.5}"#,
        r#"{"Offset":"99999999999999999999999"}"#,
        r#"{"context":[]}"#,
        r#"{"context":{"serviceTag":7}}"#,
        r#"{"NBest":{}}"#,
        "\u{0}",
        "{\"Text\":\"\u{1F600}\"}",
        "",
    ];
    let paths = [
        "turn.start",
        "speech.startDetected",
        "speech.hypothesis",
        "speech.phrase",
        "speech.endDetected",
        "speech.fragment",
    ];
    for body in bodies {
        for path in paths {
            let _ = session.receive(NOW, service(path, RID, body));
        }
    }
    let mut rng = Rng(0x1234_5678_9ABC_DEF1);
    let seed = service(
        "speech.phrase",
        RID,
        r#"{"RecognitionStatus":"Success","Offset":1,"Duration":2,"DisplayText":"x"}"#,
    );
    let seed = text(&seed).to_owned();
    for _ in 0..5_000 {
        let mut bytes = seed.clone().into_bytes();
        for _ in 0..(rng.next() % 4 + 1) {
            let at = (rng.next() as usize) % bytes.len();
            bytes[at] = b"\r\n:{}\"0aZ"[(rng.next() % 9) as usize];
        }
        if let Ok(text) = String::from_utf8(bytes) {
            let _ = session.receive(NOW, WsMessage::Text(text));
        }
        let len = (rng.next() % 64) as usize;
        let frame: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let _ = session.receive(NOW, WsMessage::Binary(frame));
    }
    // Still usable afterwards.
    session.audio_header(NOW, 2).unwrap();
}
