//! The synthesis session against the Python Speech SDK capture
//! (`reference/sdk-capture-detailed.md` §7, `reference/sdk-capture.md`): frames verbatim, every
//! service message shape, audio as payload ranges, SSML checks, formats and WAVE headers.

#![allow(clippy::unwrap_used)]

use azspeech_component::bindings::exports::azspeech::core::config::{Setting, SettingSource, SettingValue, Settings};
use azspeech_component::bindings::exports::azspeech::core::messages::WsMessage;
use azspeech_component::bindings::exports::azspeech::core::synthesis::{AudioEncoding, SynthesisOptions};
use azspeech_component::bindings::exports::azspeech::core::types::SpeechError;
use azspeech_component::config;
use azspeech_component::synthesis::SynthesisSession;
use azspeech_component::synthesis::session::RequestEvent as SynthesisEvent;
use azspeech_component::synthesis::{formats, split};
use azspeech_component::usp::{self, Headers, parse_text};
use serde_json::Value;

/// 2026-11-23T00:32:17.700Z, the capture's timestamp.
const NOW: u64 = 1_795_393_937_700;
const RID: &str = "b22be910ae294fc1a4d73ebc956de9b7";
const RID2: &str = "33018bafeef842609d5c512908790d7b";
const STREAM: &str = "B117388C87AE433F99FD7D5C8B2B884A";

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

fn options() -> SynthesisOptions {
    SynthesisOptions {
        output_format: "riff-16khz-16bit-mono-pcm".into(),
        voice: "en-US-AvaMultilingualNeural".into(),
        language: "en-US".into(),
        rate: None,
        pitch: None,
        volume: None,
        style: None,
        style_degree: None,
        role: None,
        word_boundaries: false,
        sentence_boundaries: false,
        punctuation_boundaries: false,
        visemes: false,
        bookmarks: false,
    }
}

fn text(message: &WsMessage) -> &str {
    match message {
        WsMessage::Text(text) => text,
        WsMessage::Binary(_) => panic!("expected a text frame"),
    }
}

fn header_lines(text: &str) -> Vec<&str> {
    text.split("\r\n\r\n").next().unwrap().split("\r\n").collect()
}

fn body(message: &WsMessage) -> &str {
    parse_text(text(message)).unwrap().body
}

fn service(path: &str, request_id: &str, body: &str) -> WsMessage {
    WsMessage::Text(format!(
        "X-RequestId:{request_id}\r\nContent-Type:application/json; charset=utf-8\r\nX-Timestamp:2026-11-23T00:32:17.712Z\r\nPath:{path}\r\n\r\n{body}"
    ))
}

fn audio_frame(request_id: &str, stream: Option<&str>, payload: &[u8]) -> Vec<u8> {
    let mut headers = Headers::new()
        .with("X-RequestId", request_id)
        .with("X-Timestamp", "2026-11-23T00:32:17.713Z")
        .with("Content-Type", "raw-16khz-16bit-mono-pcm");
    if let Some(stream) = stream {
        headers.push("X-StreamId", stream);
    }
    usp::encode_binary(&headers.with("Path", "audio"), payload).unwrap()
}

fn one(events: Vec<SynthesisEvent>) -> SynthesisEvent {
    assert_eq!(events.len(), 1, "{events:?}");
    events.into_iter().next().unwrap()
}

#[test]
fn speak_text_matches_the_python_sdk() {
    let mut with_boundaries = options();
    with_boundaries.word_boundaries = true;
    with_boundaries.punctuation_boundaries = true;
    let session = SynthesisSession::new(settings(), with_boundaries);
    let frames = session.speak_text(NOW, RID, "Hello from the fake server.").unwrap();
    assert_eq!(frames.len(), 3);
    assert_eq!(
        header_lines(text(&frames[0])),
        ["X-Timestamp:2026-11-23T00:32:17.700Z", "Path:speech.config"]
    );
    let config: Value = serde_json::from_str(body(&frames[0])).unwrap();
    let keys = |value: &Value| value.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&config), ["context"]);
    assert_eq!(keys(&config["context"]), ["os", "system"]);
    assert_eq!(config["context"]["system"]["name"], "azspeech");

    assert_eq!(
        header_lines(text(&frames[1])),
        [
            "X-Timestamp:2026-11-23T00:32:17.700Z",
            "Path:synthesis.context",
            "X-RequestId:b22be910ae294fc1a4d73ebc956de9b7"
        ]
    );
    assert_eq!(
        body(&frames[1]),
        r#"{"synthesis":{"audio":{"outputFormat":"raw-16khz-16bit-mono-pcm","metadataOptions":{"visemeEnabled":false,"bookmarkEnabled":false,"wordBoundaryEnabled":true,"punctuationBoundaryEnabled":true,"sentenceBoundaryEnabled":false,"sessionEndEnabled":true}},"language":{"autoDetection":false}}}"#
    );
    assert_eq!(
        header_lines(text(&frames[2])),
        [
            "X-Timestamp:2026-11-23T00:32:17.700Z",
            "Path:ssml",
            "Content-Type:application/ssml+xml",
            "X-RequestId:b22be910ae294fc1a4d73ebc956de9b7"
        ]
    );
    assert_eq!(
        body(&frames[2]),
        "<speak version='1.0' xmlns='http://www.w3.org/2001/10/synthesis' xmlns:mstts='http://www.w3.org/2001/mstts' xmlns:emo='http://www.w3.org/2009/10/emotionml' xml:lang='en-US'><voice name='en-US-AvaMultilingualNeural'>Hello from the fake server.</voice></speak>"
    );
}

#[test]
fn escaping_matches_the_python_sdk() {
    let mut aria = options();
    aria.voice = "en-US-AriaNeural".into();
    aria.output_format = "raw-16khz-16bit-mono-pcm".into();
    let session = SynthesisSession::new(settings(), aria);
    let frames = session.speak_text(NOW, RID2, "Hello <world> & friends").unwrap();
    assert_eq!(
        body(&frames[1]),
        r#"{"synthesis":{"audio":{"outputFormat":"raw-16khz-16bit-mono-pcm","metadataOptions":{"visemeEnabled":false,"bookmarkEnabled":false,"wordBoundaryEnabled":false,"punctuationBoundaryEnabled":false,"sentenceBoundaryEnabled":false,"sessionEndEnabled":true}},"language":{"autoDetection":false}}}"#
    );
    assert_eq!(
        body(&frames[2]),
        "<speak version='1.0' xmlns='http://www.w3.org/2001/10/synthesis' xmlns:mstts='http://www.w3.org/2001/mstts' xmlns:emo='http://www.w3.org/2009/10/emotionml' xml:lang='en-US'><voice name='en-US-AriaNeural'>Hello &lt;world&gt; &amp; friends</voice></speak>"
    );
}

#[test]
fn adversarial_text_is_escaped_into_well_formed_ssml() {
    let long = "a<b&c>'d\"e ".repeat(20_000);
    let cases: Vec<(&str, &str)> = vec![
        ("say \"hi\" & 'bye'", "say &quot;hi&quot; &amp; &apos;bye&apos;"),
        ("x ]]> y", "x ]]&gt; y"),
        ("&amp; &lt;", "&amp;amp; &amp;lt;"),
        ("</voice></speak><speak>", "&lt;/voice&gt;&lt;/speak&gt;&lt;speak&gt;"),
        ("emoji 👩‍💻 ok", "emoji 👩‍💻 ok"),
        ("nul\u{0}bell\u{7}vt\u{b}ff\u{c}", "nulbellvtff"),
        ("one\r\ntwo\rthree\nfour\tfive", "one\r\ntwo\rthree\nfour\tfive"),
        ("\u{FEFF}bom", "\u{FEFF}bom"),
        ("\u{FFFF}", ""),
        (long.as_str(), ""),
    ];
    for (index, (input, expected)) in cases.iter().enumerate() {
        let session = SynthesisSession::new(settings(), options());
        let result = session.speak_text(NOW, RID, input);
        if index == 8 {
            // Only a character XML cannot carry: nothing is left to say.
            assert!(matches!(result, Err(SpeechError::BadRequest(_))), "{result:?}");
            continue;
        }
        let frames = result.unwrap();
        let ssml = body(&frames[2]);
        assert!(azspeech_component::ssml::check(ssml).is_ok(), "case {index}");
        if !expected.is_empty() {
            assert!(ssml.contains(&format!(">{expected}</voice>")), "case {index}: {ssml}");
        }
    }
    let session = SynthesisSession::new(settings(), options());
    assert!(matches!(
        session.speak_text(NOW, RID, "  \n "),
        Err(SpeechError::BadRequest(_))
    ));
}

#[test]
fn prosody_voice_and_language_options() {
    let mut prosody = options();
    prosody.rate = Some("+10%".into());
    prosody.pitch = Some("-2st".into());
    prosody.voice = String::new();
    prosody.language = String::new();
    let defaults = settings();
    let session = SynthesisSession::new(defaults.clone(), prosody);
    let frames = session.speak_text(NOW, RID, "Hi").unwrap();
    assert!(body(&frames[2]).contains(&format!(
        "xml:lang='{}'><voice name='{}'><prosody rate='+10%' pitch='-2st'>Hi</prosody></voice></speak>",
        defaults.language, defaults.voice
    )));
    let bad: [fn(&mut SynthesisOptions); 7] = [
        |o| o.output_format = "riff-16khz-16bit-mono-mp3".into(),
        |o| o.output_format = String::new(),
        |o| o.output_format = "riff-16khz-16kbps-mono-siren".into(),
        |o| o.rate = Some("ludicrous".into()),
        |o| o.pitch = Some("'/><x a='".into()),
        |o| o.language = "english".into(),
        |o| o.voice = "a\nb".into(),
    ];
    for change in bad {
        let mut changed = options();
        change(&mut changed);
        let session = SynthesisSession::new(settings(), changed.clone());
        let error = session.speak_text(NOW, RID, "Hi").unwrap_err();
        assert!(matches!(error, SpeechError::Configuration(_)), "{changed:?}: {error:?}");
    }
}

/// Style, degree, role and volume: built into `mstts:express-as` and `prosody` (escaped,
/// validated), and bad values are configuration errors that name the fix.
#[test]
fn expression_options_build_express_as_and_volume() {
    type Case = (fn(&mut SynthesisOptions), &'static str);
    let built: [Case; 4] = [
        (
            |o| {
                o.style = Some("cheerful".into());
                o.style_degree = Some(1.5);
                o.role = Some("youngadultfemale".into());
                o.volume = Some("+20%".into());
            },
            "<voice name='VOICE'><mstts:express-as style='cheerful' styledegree='1.5' role='YoungAdultFemale'><prosody volume='+20%'>Hi</prosody></mstts:express-as></voice></speak>",
        ),
        (
            |o| o.style = Some(" narration-professional ".into()),
            "<voice name='VOICE'><mstts:express-as style='narration-professional'>Hi</mstts:express-as></voice></speak>",
        ),
        (
            |o| {
                o.volume = Some("x-soft".into());
                o.rate = Some("slow".into());
            },
            "<voice name='VOICE'><prosody rate='slow' volume='x-soft'>Hi</prosody></voice></speak>",
        ),
        (
            |o| o.volume = Some("   ".into()),
            "<voice name='VOICE'>Hi</voice></speak>",
        ),
    ];
    for (change, expected) in built {
        let mut changed = options();
        change(&mut changed);
        let session = SynthesisSession::new(settings(), changed.clone());
        let frames = session.speak_text(NOW, RID, "Hi").unwrap();
        let expected = expected.replace("VOICE", &changed.voice);
        assert!(
            body(&frames[2]).ends_with(&expected),
            "{changed:?}: {}",
            body(&frames[2])
        );
    }
    type Change = fn(&mut SynthesisOptions);
    let bad: [(Change, &str); 7] = [
        (|o| o.style = Some("'/><x a='".into()), "style must be a style name"),
        (|o| o.style_degree = Some(1.0), "needs a style"),
        (|o| o.role = Some("Girl".into()), "needs a style"),
        (
            |o| {
                o.style = Some("sad".into());
                o.style_degree = Some(3.0);
            },
            "between 0.01 and 2",
        ),
        (
            |o| {
                o.style = Some("sad".into());
                o.role = Some("Grandma".into());
            },
            "YoungAdultFemale",
        ),
        (|o| o.volume = Some("loudest".into()), "volume must be"),
        (|o| o.volume = Some("150".into()), "0 to 100"),
    ];
    for (change, says) in bad {
        let mut changed = options();
        change(&mut changed);
        let session = SynthesisSession::new(settings(), changed.clone());
        match session.speak_text(NOW, RID, "Hi").unwrap_err() {
            SpeechError::Configuration(detail) => assert!(detail.message.contains(says), "{changed:?}: {detail:?}"),
            other => panic!("{changed:?}: {other:?}"),
        }
    }
}

#[test]
fn full_service_sequence() {
    let mut boundaries = options();
    boundaries.word_boundaries = true;
    let session = SynthesisSession::new(settings(), boundaries);
    session.speak_text(NOW, RID, "Hello from the fake server.").unwrap();
    assert!(matches!(
        one(session.receive(NOW, service("turn.start", RID, r#"{"context": {"serviceTag": "fake-tts-tag-0001"}}"#)).unwrap()),
        SynthesisEvent::TurnStarted(Some(tag)) if tag == "fake-tts-tag-0001"
    ));
    let response = format!(
        r#"{{"context": {{"serviceTag": "fake-tts-tag-0001"}}, "audio": {{"type": "inline", "streamId": "{STREAM}"}}}}"#
    );
    assert!(matches!(
        one(session.receive(NOW, service("response", RID, &response)).unwrap()),
        SynthesisEvent::Response(Some(stream)) if stream == STREAM
    ));
    let metadata = r#"{"Metadata": [{"Type": "WordBoundary", "Data": {"Offset": 500000, "Duration": 3000000, "text": {"Text": "Hello", "Length": 5, "BoundaryType": "WordBoundary"}}}, {"Type": "WordBoundary", "Data": {"Offset": 4000000, "Duration": 3000000, "text": {"Text": "from", "Length": 4, "BoundaryType": "WordBoundary"}}}, {"Type": "WordBoundary", "Data": {"Offset": 7000000, "Duration": 1000000, "text": {"Text": ".", "Length": 1, "BoundaryType": "PunctuationBoundary"}}}]}"#;
    let events = session.receive(NOW, service("audio.metadata", RID, metadata)).unwrap();
    assert_eq!(events.len(), 3);
    match &events[0] {
        SynthesisEvent::WordBoundary(word) => {
            assert_eq!(
                (word.offset, word.duration, word.text.as_str()),
                (500_000, 3_000_000, "Hello")
            );
            assert_eq!((word.text_offset, word.text_length), (Some(0), 5));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(&events[1], SynthesisEvent::WordBoundary(word) if word.text_offset == Some(6)));
    assert!(matches!(&events[2], SynthesisEvent::PunctuationBoundary(mark) if mark.text_offset == Some(26)));

    let payload: Vec<u8> = (0..8192u32).map(|i| (i % 251) as u8).collect();
    let frame = audio_frame(RID, Some(STREAM), &payload);
    assert_eq!(u16::from_be_bytes([frame[0], frame[1]]), 180);
    match one(session.receive(NOW, WsMessage::Binary(frame.clone())).unwrap()) {
        SynthesisEvent::Audio(range) => {
            assert_eq!((range.start, range.len), (182, 8192));
            assert_eq!(&frame[182..], payload.as_slice());
        }
        other => panic!("{other:?}"),
    }
    // The zero-copy path: only the header part of the frame enters the component.
    match one(session
        .receive_binary_head(NOW, &frame[..182], frame.len() as u32)
        .unwrap())
    {
        SynthesisEvent::Audio(range) => assert_eq!((range.start, range.len), (182, 8192)),
        other => panic!("{other:?}"),
    }
    match one(session
        .receive_binary_head(NOW, &frame[..300], frame.len() as u32)
        .unwrap())
    {
        SynthesisEvent::Audio(range) => assert_eq!((range.start, range.len), (182, 8192)),
        other => panic!("{other:?}"),
    }
    // Stream ids compare case-insensitively; an empty payload carries nothing.
    let lower = audio_frame(RID, Some(&STREAM.to_lowercase()), b"ab");
    assert!(matches!(
        one(session.receive(NOW, WsMessage::Binary(lower)).unwrap()),
        SynthesisEvent::Audio(_)
    ));
    assert!(
        session
            .receive(NOW, WsMessage::Binary(audio_frame(RID, Some(STREAM), b"")))
            .unwrap()
            .is_empty()
    );
    // Audio of another stream is ignored.
    let other = audio_frame(RID, Some("00000000000000000000000000000000"), b"ab");
    assert!(matches!(
        one(session.receive(NOW, WsMessage::Binary(other)).unwrap()),
        SynthesisEvent::Ignored(_)
    ));

    let end = r#"{"Metadata":[{"Type":"SessionEnd","Data":{"Offset":10000000}}]}"#;
    assert!(matches!(
        one(session.receive(NOW, service("audio.metadata", RID, end)).unwrap()),
        SynthesisEvent::SessionEnd(10_000_000)
    ));
    assert!(matches!(
        one(session.receive(NOW, service("turn.end", RID, "{}")).unwrap()),
        SynthesisEvent::TurnEnded
    ));
    // After turn.end the request is over.
    assert!(matches!(
        one(session
            .receive(NOW, WsMessage::Binary(audio_frame(RID, Some(STREAM), b"ab")))
            .unwrap()),
        SynthesisEvent::Ignored(_)
    ));

    // The next request on the same connection: no speech.config.
    let frames = session.speak_text(NOW, RID2, "Again").unwrap();
    assert_eq!(frames.len(), 2);
    assert!(text(&frames[0]).contains("Path:synthesis.context"));
}

#[test]
fn minimal_python_sequence_without_response() {
    let session = SynthesisSession::new(settings(), options());
    session.speak_text(NOW, RID, "Hi").unwrap();
    let minimal = WsMessage::Text(format!("X-RequestId:{RID}\r\nPath:turn.start\r\n\r\n"));
    assert!(matches!(
        one(session.receive(NOW, minimal).unwrap()),
        SynthesisEvent::TurnStarted(None)
    ));
    let frame = audio_frame(RID, None, b"abcd");
    assert!(matches!(
        one(session.receive(NOW, WsMessage::Binary(frame)).unwrap()),
        SynthesisEvent::Audio(range) if range.len == 4
    ));
    let null_stream = r#"{"audio":{"type":"inline","streamId":null}}"#;
    assert!(matches!(
        one(session.receive(NOW, service("response", RID, null_stream)).unwrap()),
        SynthesisEvent::Response(None)
    ));
    let frame = audio_frame(RID, Some("whatever"), b"ab");
    assert!(matches!(
        one(session.receive(NOW, WsMessage::Binary(frame)).unwrap()),
        SynthesisEvent::Audio(_)
    ));
    assert!(matches!(
        one(session.receive(NOW, service("turn.end", RID, "")).unwrap()),
        SynthesisEvent::TurnEnded
    ));
}

#[test]
fn every_metadata_shape() {
    let mut all = options();
    all.visemes = true;
    all.bookmarks = true;
    all.sentence_boundaries = true;
    let session = SynthesisSession::new(settings(), all);
    let frames = session.speak_text(NOW, RID, "One two. Three!").unwrap();
    let context: Value = serde_json::from_str(body(&frames[1])).unwrap();
    let metadata = &context["synthesis"]["audio"]["metadataOptions"];
    assert_eq!(metadata["visemeEnabled"], true);
    assert_eq!(metadata["bookmarkEnabled"], true);
    assert_eq!(metadata["sentenceBoundaryEnabled"], true);
    assert_eq!(metadata["wordBoundaryEnabled"], false);
    let body = r#"{"Metadata":[
        {"Type":"SentenceBoundary","Data":{"Offset":0,"Duration":9000000,"text":{"Text":"One two.","Length":8,"BoundaryType":"SentenceBoundary"}}},
        {"Type":"WordBoundary","Data":{"Offset":100,"Duration":"200","text":{"Text":"two","BoundaryType":"WordBoundary"}}},
        {"Type":"SentenceBoundary","Data":{"Offset":9000000,"Duration":5000000,"text":{"Text":"Three!","Length":6,"BoundaryType":"SentenceBoundary"}}},
        {"Type":"Viseme","Data":{"Offset":300,"VisemeId":2,"AnimationChunk":"{}","IsLastAnimation":true}},
        {"Type":"Viseme","Data":{"Offset":400,"VisemeId":5}},
        {"Type":"Bookmark","Data":{"Offset":500,"Bookmark":"mark1"}},
        {"Type":"TalkingAvatarSignal","Data":{}},
        {"Type":"SessionEnd","Data":{"Offset":14000000}}
    ]}"#;
    let events = session.receive(NOW, service("audio.metadata", RID, body)).unwrap();
    assert_eq!(events.len(), 8);
    assert!(
        matches!(&events[0], SynthesisEvent::SentenceBoundary(b) if b.text_offset == Some(0) && b.text_length == 8)
    );
    assert!(
        matches!(&events[1], SynthesisEvent::WordBoundary(b) if b.text_offset == Some(4) && b.text_length == 3 && b.duration == 200)
    );
    assert!(matches!(&events[2], SynthesisEvent::SentenceBoundary(b) if b.text_offset == Some(9)));
    assert!(
        matches!(&events[3], SynthesisEvent::Viseme(v) if v.viseme_id == 2 && v.is_last_animation && v.animation == "{}" && v.offset == 300)
    );
    assert!(matches!(&events[4], SynthesisEvent::Viseme(v) if v.viseme_id == 5 && !v.is_last_animation));
    assert!(matches!(&events[5], SynthesisEvent::Bookmark(b) if b.name == "mark1" && b.offset == 500));
    assert!(matches!(&events[6], SynthesisEvent::Ignored(note) if note.contains("TalkingAvatarSignal")));
    assert!(matches!(&events[7], SynthesisEvent::SessionEnd(14_000_000)));
    // A word not found in the input has no text offset.
    let body = r#"{"Metadata":[{"Type":"WordBoundary","Data":{"Offset":1,"Duration":1,"text":{"Text":"absent","Length":6,"BoundaryType":"WordBoundary"}}}]}"#;
    assert!(matches!(
        one(session.receive(NOW, service("audio.metadata", RID, body)).unwrap()),
        SynthesisEvent::WordBoundary(b) if b.text_offset.is_none()
    ));
}

#[test]
fn requests_are_serial_and_ids_fresh() {
    let session = SynthesisSession::new(settings(), options());
    assert!(matches!(
        session.speak_text(NOW, "nope", "Hi"),
        Err(SpeechError::BadRequest(_))
    ));
    session.speak_text(NOW, &RID.to_uppercase(), "Hi").unwrap();
    assert!(matches!(
        session.speak_text(NOW, RID2, "Hi"),
        Err(SpeechError::BadRequest(_))
    ));
    session.receive(NOW, service("turn.end", RID, "{}")).unwrap();
    assert!(matches!(
        session.speak_text(NOW, RID, "Hi"),
        Err(SpeechError::BadRequest(_))
    ));
    let frames = session.speak_text(NOW, RID2, "Hi").unwrap();
    assert!(text(&frames[0]).contains(&format!("X-RequestId:{RID2}")));
}

#[test]
fn other_requests_and_unknown_paths_are_ignored_and_malformed_is_protocol() {
    let session = SynthesisSession::new(settings(), options());
    session.speak_text(NOW, RID, "Hi").unwrap();
    let other = "00000000000000000000000000000000";
    assert!(matches!(
        one(session.receive(NOW, service("turn.start", other, "{}")).unwrap()),
        SynthesisEvent::Ignored(_)
    ));
    assert!(matches!(
        one(session
            .receive(NOW, WsMessage::Binary(audio_frame(other, None, b"ab")))
            .unwrap()),
        SynthesisEvent::Ignored(_)
    ));
    assert!(matches!(
        one(session.receive(NOW, service("audio.end", RID, "{}")).unwrap()),
        SynthesisEvent::Ignored(_)
    ));
    let binary_other =
        usp::encode_binary(&Headers::new().with("Path", "video").with("X-RequestId", RID), b"x").unwrap();
    assert!(matches!(
        one(session.receive(NOW, WsMessage::Binary(binary_other)).unwrap()),
        SynthesisEvent::Ignored(_)
    ));
    let cases = vec![
        WsMessage::Text("Path:turn.start\r\n\r\n{}".into()),
        WsMessage::Text(format!("X-RequestId:{RID}\r\nPath:turn.start\r\n")),
        WsMessage::Binary(vec![0, 200, b'P']),
        service("audio.metadata", RID, r#"{"Metadata":{}}"#),
        service(
            "audio.metadata",
            RID,
            r#"{"Metadata":[{"Type":"WordBoundary","Data":{"Offset":-1}}]}"#,
        ),
        service("response", RID, r#"{"audio":{"streamId":5}}"#),
        service("turn.start", RID, "not json"),
    ];
    for message in cases {
        assert!(
            matches!(session.receive(NOW, message.clone()), Err(SpeechError::Protocol(_))),
            "{message:?}"
        );
    }
    // Binary heads that lie about their length.
    assert!(matches!(
        session.receive_binary_head(NOW, &[0], 10),
        Err(SpeechError::BadRequest(_))
    ));
    assert!(matches!(
        session.receive_binary_head(NOW, &[0, 100, b'P'], 50),
        Err(SpeechError::Protocol(_))
    ));
    assert!(matches!(
        session.receive_binary_head(NOW, &[0xff, 0xff], 70_000),
        Err(SpeechError::Protocol(_))
    ));
    assert!(matches!(
        session.receive_binary_head(NOW, &[0, 100, b'P'], 500),
        Err(SpeechError::BadRequest(_))
    ));
}

#[test]
fn speak_ssml_checks_and_passes_documents_through() {
    let session = SynthesisSession::new(settings(), options());
    let document = "<speak version='1.0' xmlns='http://www.w3.org/2001/10/synthesis' xml:lang='en-US'><voice name='en-US-AvaMultilingualNeural'>Hi <break time='200ms'/> there &amp; <bookmark mark='m'/>you</voice></speak>";
    let frames = session.speak_ssml(NOW, RID, document).unwrap();
    assert_eq!(body(&frames[2]), document);
    session.receive(NOW, service("turn.end", RID, "{}")).unwrap();
    match session.speak_ssml(NOW, RID2, "<speak><voice name='a'>Tom & Jerry</voice></speak>") {
        Err(SpeechError::BadRequest(detail)) => {
            assert!(detail.message.contains("at byte 27"), "{}", detail.message);
            assert!(detail.message.contains("&amp;"), "{}", detail.message);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        session.speak_ssml(NOW, RID2, "<speak>no voice</speak>"),
        Err(SpeechError::BadRequest(_))
    ));
    assert!(matches!(
        session.speak_ssml(NOW, RID2, "plain text"),
        Err(SpeechError::BadRequest(_))
    ));
    // A failed check sends nothing and does not use the id.
    assert!(
        session
            .speak_ssml(NOW, RID2, "<speak><voice name='a'>ok</voice></speak>")
            .is_ok()
    );
}

#[test]
fn formats_table() {
    for format in formats::FORMATS {
        let info = formats::describe(format.name).unwrap();
        assert_eq!(info.name, format.name);
        assert_eq!(info.needs_riff_header, format.name.starts_with("riff-"));
        if info.needs_riff_header {
            assert_eq!(info.wire_name, format.name.replacen("riff-", "raw-", 1));
            assert!(formats::describe(&info.wire_name).is_ok());
        } else {
            assert_eq!(info.wire_name, info.name);
        }
        let header = formats::wav_header(format.name, 0);
        let expects_header = matches!(
            info.encoding,
            AudioEncoding::Pcm | AudioEncoding::Mulaw | AudioEncoding::Alaw
        );
        assert_eq!(header.is_ok(), expects_header, "{}", format.name);
    }
    assert_eq!(formats::FORMATS.len(), 40);
    let info = formats::describe("RIFF-24KHZ-16BIT-MONO-PCM").unwrap();
    assert_eq!(
        (info.wire_name.as_str(), info.sample_rate),
        ("raw-24khz-16bit-mono-pcm", 24_000)
    );
    match formats::describe("riff-24khz-16bit-mono-mp3") {
        Err(SpeechError::Configuration(detail)) => {
            assert!(detail.hint.contains("riff-24khz-16bit-mono-pcm"), "{}", detail.hint)
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        formats::describe("amr-wb-16000h"),
        Err(SpeechError::Configuration(_))
    ));
}

#[test]
fn wav_headers_for_the_host() {
    // 32 000 bytes of 16 kHz PCM: the JS SDK's 44-byte header layout.
    let header = formats::wav_header("riff-16khz-16bit-mono-pcm", 32_000).unwrap();
    let hex: String = header.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        hex,
        "52494646247d000057415645666d74201000000001000100803e0000007d00000200100064617461007d0000"
    );
    let mulaw = formats::wav_header("raw-8khz-8bit-mono-mulaw", 8).unwrap();
    assert_eq!(&mulaw[20..24], &[7, 0, 1, 0]);
    assert_eq!(&mulaw[32..36], &[1, 0, 8, 0]);
    let alaw = formats::wav_header("riff-8khz-8bit-mono-alaw", u32::MAX).unwrap();
    assert_eq!(&alaw[20..22], &[6, 0]);
    assert_eq!(&alaw[4..8], &u32::MAX.to_le_bytes());
    assert!(matches!(
        formats::wav_header("audio-24khz-48kbitrate-mono-mp3", 1),
        Err(SpeechError::Configuration(_))
    ));
}

#[test]
fn split_text_keeps_everything() {
    let text = "The first sentence is here. The second one follows! And a third? Finally, a very long closing sentence without end";
    let pieces = split::split_text(text, 30);
    assert_eq!(pieces.concat(), text);
    assert!(pieces.iter().all(|piece| piece.chars().count() <= 30));
    assert_eq!(pieces[0], "The first sentence is here. ");
}
