//! Tables for plans, bodies, results and error classification.

use super::*;
use crate::bindings::exports::azspeech::core::config::{Setting, SettingSource, SettingValue};
use crate::bindings::exports::azspeech::core::connection::{AuthPlan, KeySlot, TokenFormat};
use crate::bindings::exports::azspeech::core::transcription::{
    BatchRequest, FileKind, JobStatus, ProfanityMode, TranscriptionOptions, Upload,
};
use crate::bindings::exports::azspeech::core::types::{FailureDetail, SpeechError, ThrottleDetail};

fn resolve(vars: &[(&str, &str)]) -> Settings {
    let settings: Vec<Setting> = vars
        .iter()
        .map(|(name, value)| Setting {
            name: (*name).to_owned(),
            value: if name.starts_with("SPEECH_KEY") {
                SettingValue::Secret(true)
            } else {
                SettingValue::Text((*value).to_owned())
            },
            source: SettingSource::Environment,
        })
        .collect();
    crate::config::resolve(&settings).expect("resolves")
}

fn ids() -> RequestIds {
    RequestIds {
        connection_id: "0123456789abcdef0123456789abcdef".to_owned(),
    }
}

const JOB: &str = "0f7a6c1e-2b3d-4e5f-8a9b-0c1d2e3f4a5b";

#[test]
fn urls_per_endpoint_and_call() {
    let regional = resolve(&[("SPEECH_REGION", "westeurope"), ("SPEECH_KEY", "k")]);
    let custom = resolve(&[
        ("SPEECH_ENDPOINT", "https://contoso.cognitiveservices.azure.com/"),
        ("SPEECH_KEY", "k"),
    ]);
    let gov = resolve(&[("SPEECH_REGION", "usgovarizona"), ("SPEECH_KEY", "k")]);
    let china = resolve(&[("SPEECH_REGION", "chinaeast2"), ("SPEECH_KEY", "k")]);
    let loopback = resolve(&[("SPEECH_ENDPOINT", "http://127.0.0.1:5000"), ("SPEECH_KEY", "k")]);
    let v = API_VERSION;
    let cases: Vec<(&Settings, TranscriptionCall, &str, String)> = vec![
        (
            &regional,
            TranscriptionCall::Transcribe,
            "POST",
            format!(
                "https://westeurope.api.cognitive.microsoft.com/speechtotext/transcriptions:transcribe?api-version={v}"
            ),
        ),
        (
            &custom,
            TranscriptionCall::Transcribe,
            "POST",
            format!(
                "https://contoso.cognitiveservices.azure.com/speechtotext/transcriptions:transcribe?api-version={v}"
            ),
        ),
        (
            &gov,
            TranscriptionCall::Transcribe,
            "POST",
            format!(
                "https://usgovarizona.api.cognitive.microsoft.us/speechtotext/transcriptions:transcribe?api-version={v}"
            ),
        ),
        (
            &china,
            TranscriptionCall::Submit,
            "POST",
            format!("https://chinaeast2.api.cognitive.azure.cn/speechtotext/transcriptions:submit?api-version={v}"),
        ),
        (
            &loopback,
            TranscriptionCall::Transcribe,
            "POST",
            format!("http://127.0.0.1:5000/speechtotext/transcriptions:transcribe?api-version={v}"),
        ),
        (
            &regional,
            TranscriptionCall::Get(JOB.into()),
            "GET",
            format!("https://westeurope.api.cognitive.microsoft.com/speechtotext/transcriptions/{JOB}?api-version={v}"),
        ),
        (
            &regional,
            TranscriptionCall::ListFiles(JOB.into()),
            "GET",
            format!(
                "https://westeurope.api.cognitive.microsoft.com/speechtotext/transcriptions/{JOB}/files?api-version={v}"
            ),
        ),
        (
            &regional,
            TranscriptionCall::Delete(JOB.into()),
            "DELETE",
            format!("https://westeurope.api.cognitive.microsoft.com/speechtotext/transcriptions/{JOB}?api-version={v}"),
        ),
        (
            &regional,
            TranscriptionCall::ListJobs,
            "GET",
            format!("https://westeurope.api.cognitive.microsoft.com/speechtotext/transcriptions?api-version={v}"),
        ),
        (
            &loopback,
            TranscriptionCall::NextPage(format!(
                "http://127.0.0.1:5000/speechtotext/transcriptions?skip=100&top=100&api-version={v}"
            )),
            "GET",
            format!("http://127.0.0.1:5000/speechtotext/transcriptions?skip=100&top=100&api-version={v}"),
        ),
        (
            &loopback,
            TranscriptionCall::NextPage(format!(
                "http://127.0.0.1:5000/speechtotext/transcriptions/{JOB}/files?skip=2"
            )),
            "GET",
            format!("http://127.0.0.1:5000/speechtotext/transcriptions/{JOB}/files?skip=2&api-version={v}"),
        ),
    ];
    for (settings, call, method, url) in cases {
        let plan = plan(settings, &call, &ids()).unwrap_or_else(|e| panic!("{call:?}: {e:?}"));
        assert_eq!(plan.url, url, "{call:?}");
        assert_eq!(plan.method, method, "{call:?}");
        assert!(
            matches!(plan.auth, AuthPlan::SubscriptionKey(KeySlot::Primary)),
            "{call:?}"
        );
        assert!(plan.subprotocol.is_none());
        assert_eq!(
            plan.headers
                .iter()
                .any(|(n, v)| n == "Content-Type" && v == "application/json"),
            matches!(call, TranscriptionCall::Submit),
            "{call:?}"
        );
    }
}

#[test]
fn auth_plans_match_the_websocket_services_and_entra_needs_a_custom_domain() {
    let sts = resolve(&[
        ("SPEECH_REGION", "westeurope"),
        ("SPEECH_KEY", "k"),
        ("SPEECH_AUTH", "sts"),
    ]);
    match plan(&sts, &TranscriptionCall::Transcribe, &ids()).expect("plans").auth {
        AuthPlan::StsExchange(sts) => {
            assert_eq!(
                sts.token_url,
                "https://westeurope.api.cognitive.microsoft.com/sts/v1.0/issueToken"
            );
            assert_eq!(sts.audience_host, "westeurope.api.cognitive.microsoft.com");
        }
        other => panic!("{other:?}"),
    }
    let entra_custom = resolve(&[
        ("SPEECH_ENDPOINT", "https://contoso.cognitiveservices.azure.com/"),
        ("SPEECH_AUTH", "entra"),
    ]);
    match plan(&entra_custom, &TranscriptionCall::ListJobs, &ids())
        .expect("plans")
        .auth
    {
        AuthPlan::Bearer(bearer) => {
            assert_eq!(bearer.scope, "https://cognitiveservices.azure.com/.default");
            assert!(matches!(bearer.format, TokenFormat::Raw));
        }
        other => panic!("{other:?}"),
    }
    let entra_regional = resolve(&[
        ("SPEECH_REGION", "westeurope"),
        ("SPEECH_AUTH", "entra"),
        (
            "SPEECH_RESOURCE_ID",
            "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/contoso",
        ),
    ]);
    let refused = plan(&entra_regional, &TranscriptionCall::Transcribe, &ids()).expect_err("refused");
    assert_eq!(refused.code, ConfigErrorCode::UnsupportedCombination);
    assert!(refused.fix.contains("cognitiveservices.azure.com"), "{}", refused.fix);
    // A key to a host outside Azure is refused as for every other request.
    let mut foreign = resolve(&[
        ("SPEECH_ENDPOINT", "https://contoso.cognitiveservices.azure.com/"),
        ("SPEECH_KEY", "k"),
    ]);
    foreign.endpoint.host = "evil.example.com".to_owned();
    assert!(plan(&foreign, &TranscriptionCall::Transcribe, &ids()).is_err());
}

#[test]
fn ids_and_next_links_cannot_redirect_the_credential() {
    let loopback = resolve(&[("SPEECH_ENDPOINT", "http://127.0.0.1:5000"), ("SPEECH_KEY", "k")]);
    for id in [
        "",
        "../x",
        "0f7a6c1e-2b3d-4e5f-8a9b-0c1d2e3f4a5",
        "0f7a6c1e/2b3d-4e5f-8a9b-0c1d2e3f4a5b",
        "abc?x=1",
    ] {
        let error = plan(&loopback, &TranscriptionCall::Get(id.into()), &ids()).expect_err(id);
        assert_eq!(error.code, ConfigErrorCode::InvalidValue, "{id}");
    }
    for link in [
        "http://127.0.0.2:5000/speechtotext/transcriptions?skip=1",
        "http://127.0.0.1:5001/speechtotext/transcriptions?skip=1",
        "https://127.0.0.1:5000/speechtotext/transcriptions?skip=1",
        "http://127.0.0.1:5000@evil.com/speechtotext/transcriptions",
        "http://127.0.0.1:5000/speechtotext/transcriptionsX",
        "http://127.0.0.1:5000/speechtotext/transcriptions/../../sts/v1.0/issueToken",
        "http://127.0.0.1:5000/other",
        "http://127.0.0.1:5000/speechtotext/transcriptions?sig=abc",
    ] {
        let error = plan(&loopback, &TranscriptionCall::NextPage(link.into()), &ids()).expect_err(link);
        assert_eq!(error.code, ConfigErrorCode::UntrustedHost, "{link}");
    }
}

fn options() -> TranscriptionOptions {
    TranscriptionOptions {
        locales: Vec::new(),
        max_speakers: None,
        channels: Vec::new(),
        profanity: None,
        phrases: Vec::new(),
    }
}

#[test]
fn definitions() {
    let cases: Vec<(TranscriptionOptions, &str)> = vec![
        (options(), "{}"),
        (
            TranscriptionOptions {
                locales: vec!["en-US".into()],
                ..options()
            },
            r#"{"locales":["en-US"]}"#,
        ),
        (
            TranscriptionOptions {
                locales: vec!["en-US".into(), "de-DE".into()],
                max_speakers: Some(3),
                ..options()
            },
            r#"{"diarization":{"enabled":true,"maxSpeakers":3},"locales":["en-US","de-DE"]}"#,
        ),
        (
            TranscriptionOptions {
                channels: vec![0, 1],
                profanity: Some(ProfanityMode::Removed),
                ..options()
            },
            r#"{"channels":[0,1],"profanityFilterMode":"Removed"}"#,
        ),
        (
            TranscriptionOptions {
                phrases: vec!["Contoso".into()],
                profanity: Some(ProfanityMode::None),
                ..options()
            },
            r#"{"phraseList":{"phrases":["Contoso"]},"profanityFilterMode":"None"}"#,
        ),
    ];
    for (options, expected) in cases {
        let json = definition::fast(&options).expect("builds");
        let parsed: serde_json::Value = serde_json::from_str(&json).expect("json");
        let expected: serde_json::Value = serde_json::from_str(expected).expect("json");
        assert_eq!(parsed, expected);
    }
    let refused: Vec<(TranscriptionOptions, &str)> = vec![
        (
            TranscriptionOptions {
                max_speakers: Some(1),
                ..options()
            },
            "2 and 35",
        ),
        (
            TranscriptionOptions {
                max_speakers: Some(36),
                ..options()
            },
            "2 and 35",
        ),
        (
            TranscriptionOptions {
                channels: vec![2],
                ..options()
            },
            "--channels",
        ),
        (
            TranscriptionOptions {
                channels: vec![0, 0],
                ..options()
            },
            "--channels",
        ),
        (
            TranscriptionOptions {
                channels: vec![0, 1],
                max_speakers: Some(2),
                ..options()
            },
            "one channel",
        ),
        (
            TranscriptionOptions {
                locales: vec!["english please".into()],
                ..options()
            },
            "language-REGION",
        ),
        (
            TranscriptionOptions {
                phrases: vec![" ".into()],
                ..options()
            },
            "empty",
        ),
    ];
    for (options, fix) in refused {
        match definition::fast(&options) {
            Err(SpeechError::BadRequest(detail)) => assert!(detail.hint.contains(fix), "{detail:?}"),
            other => panic!("{options:?}: {other:?}"),
        }
    }
}

fn batch_request() -> BatchRequest {
    BatchRequest {
        display_name: "calls".into(),
        content_urls: vec!["https://acct.blob.core.windows.net/c/a.wav?sv=1&sig=@sas0@".into()],
        content_container_url: None,
        destination_container_url: None,
        time_to_live_hours: 48,
        options: TranscriptionOptions {
            max_speakers: Some(2),
            ..options()
        },
    }
}

#[test]
fn submit_bodies() {
    let body: serde_json::Value =
        serde_json::from_str(&definition::submit(&batch_request()).expect("builds")).expect("json");
    assert_eq!(
        body,
        serde_json::json!({
            "displayName": "calls", "locale": "en-US",
            "contentUrls": ["https://acct.blob.core.windows.net/c/a.wav?sv=1&sig=@sas0@"],
            "properties": {"timeToLiveHours": 48, "wordLevelTimestampsEnabled": true,
                "displayFormWordLevelTimestampsEnabled": true,
                "diarization": {"enabled": true, "maxSpeakers": 2}}
        })
    );
    let container = BatchRequest {
        content_urls: Vec::new(),
        content_container_url: Some("https://acct.blob.core.windows.net/in?sp=rl&sig=@sas1@".into()),
        destination_container_url: Some("https://acct.blob.core.windows.net/out?sp=w&sig=@sas2@".into()),
        options: TranscriptionOptions {
            locales: vec!["de-DE".into(), "en-US".into()],
            ..options()
        },
        ..batch_request()
    };
    let body: serde_json::Value = serde_json::from_str(&definition::submit(&container).expect("builds")).expect("json");
    assert_eq!(body["locale"], "de-DE");
    assert_eq!(
        body["contentContainerUrl"],
        "https://acct.blob.core.windows.net/in?sp=rl&sig=@sas1@"
    );
    assert!(body.get("contentUrls").is_none());
    assert_eq!(
        body["properties"]["destinationContainerUrl"],
        "https://acct.blob.core.windows.net/out?sp=w&sig=@sas2@"
    );
    assert_eq!(
        body["properties"]["languageIdentification"]["candidateLocales"],
        serde_json::json!(["de-DE", "en-US"])
    );

    let refused: Vec<(BatchRequest, &str)> = vec![
        (
            BatchRequest {
                content_urls: Vec::new(),
                ..batch_request()
            },
            "--container",
        ),
        (
            BatchRequest {
                content_container_url: Some("https://a/c".into()),
                ..batch_request()
            },
            "not both",
        ),
        (
            BatchRequest {
                time_to_live_hours: 5,
                ..batch_request()
            },
            "6 and 744",
        ),
        (
            BatchRequest {
                content_urls: vec!["https://a/x.wav?sig=realsecret".into()],
                ..batch_request()
            },
            "https://",
        ),
        (
            BatchRequest {
                content_urls: vec!["http://example.com/x.wav".into()],
                ..batch_request()
            },
            "https://",
        ),
        (
            BatchRequest {
                content_urls: vec!["https://a/x.wav".into(); 1001],
                ..batch_request()
            },
            "several jobs",
        ),
        (
            BatchRequest {
                options: TranscriptionOptions {
                    phrases: vec!["x".into()],
                    ..options()
                },
                ..batch_request()
            },
            "fast transcription",
        ),
    ];
    for (request, fix) in refused {
        match definition::submit(&request) {
            Err(SpeechError::BadRequest(detail)) => {
                assert!(detail.hint.contains(fix), "{detail:?}");
                assert!(!detail.message.contains("realsecret") && !detail.hint.contains("realsecret"));
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn fast_results_in_ticks() {
    let body = r#"{"durationMilliseconds": 182439,
        "combinedPhrases": [{"channel": 0, "text": "Good afternoon. Hi."}],
        "phrases": [
          {"channel": 0, "speaker": 1, "offsetMilliseconds": 960, "durationMilliseconds": 640,
           "text": "Good afternoon.", "locale": "en-US", "confidence": 0.93616915,
           "words": [{"text": "Good", "offsetMilliseconds": 960, "durationMilliseconds": 240},
                     {"text": "afternoon.", "offsetMilliseconds": 1200, "durationMilliseconds": 400}]},
          {"offsetMilliseconds": 2000, "durationMilliseconds": 300, "text": "Hi.", "confidence": 0.5}]}"#;
    let result = results::fast(body).expect("parses");
    assert_eq!(result.duration, 1_824_390_000);
    assert_eq!(result.combined[0].channel, Some(0));
    assert_eq!(result.combined[0].text, "Good afternoon. Hi.");
    let first = &result.phrases[0];
    assert_eq!(
        (first.offset, first.duration, first.speaker, first.channel),
        (9_600_000, 6_400_000, Some(1), Some(0))
    );
    assert_eq!(first.locale.as_deref(), Some("en-US"));
    assert_eq!(first.words[1].text, "afternoon.");
    assert_eq!(first.words[1].offset, 12_000_000);
    let second = &result.phrases[1];
    assert_eq!((second.speaker, second.channel, second.words.len()), (None, None, 0));
    for bad in [
        "",
        "[]",
        r#"{"phrases": []}"#,
        r#"{"durationMilliseconds": 1, "phrases": [{"text": "x"}]}"#,
    ] {
        assert!(matches!(results::fast(bad), Err(SpeechError::Protocol(_))), "{bad}");
    }
}

#[test]
fn batch_result_files_in_ticks() {
    let body = r#"{"source": "https://crbn.us/hello.wav?sig=@sas0@", "timestamp": "2025-05-24T13:37:05Z",
      "durationInTicks": 25800000, "durationMilliseconds": 2580, "duration": "PT2.58S",
      "combinedRecognizedPhrases": [{"channel": 0, "lexical": "hello world", "itn": "hello world", "maskedITN": "hello world", "display": "Hello world."}],
      "recognizedPhrases": [
        {"recognitionStatus": "Success", "channel": 0, "speaker": 2, "offset": "PT0.76S", "duration": "PT1.32S",
         "offsetInTicks": 7600000.0, "durationInTicks": 13200000.0,
         "nBest": [{"confidence": 0.56, "lexical": "hello world", "display": "Hello world.",
           "words": [{"word": "hello", "offsetInTicks": 7600000.0, "durationInTicks": 3600000.0, "confidence": 0.9}],
           "displayWords": [{"displayText": "Hello", "offsetInTicks": 7600000.0, "durationInTicks": 3600000.0},
                            {"displayText": "world.", "offsetInTicks": 11200000.4, "durationInTicks": 9600000.0}]}]},
        {"recognitionStatus": "NoMatch", "channel": 0, "offsetInTicks": 0.0, "durationInTicks": 1.0, "nBest": []}]}"#;
    let result = results::batch(body).expect("parses");
    assert_eq!(result.duration, 25_800_000);
    assert_eq!(result.source, "https://crbn.us/hello.wav?sig=@sas0@");
    assert_eq!(result.combined[0].text, "Hello world.");
    assert_eq!(result.phrases.len(), 1, "the no-match phrase is left out");
    let phrase = &result.phrases[0];
    assert_eq!(
        (phrase.offset, phrase.duration, phrase.speaker),
        (7_600_000, 13_200_000, Some(2))
    );
    assert_eq!(
        phrase.words.iter().map(|w| w.text.as_str()).collect::<Vec<_>>(),
        ["Hello", "world."]
    );
    assert_eq!(phrase.words[1].offset, 11_200_000);
    let lexical_only = body.replace("displayWords", "ignored");
    assert_eq!(
        results::batch(&lexical_only).expect("parses").phrases[0].words[0].text,
        "hello"
    );
}

#[test]
fn jobs_files_and_reports() {
    let job = format!(
        r#"{{"self": "https://eastus.api.cognitive.microsoft.com/speechtotext/transcriptions/{JOB}?api-version=2025-10-15",
        "displayName": "calls", "locale": "en-US", "createdDateTime": "2025-05-24T03:20:39Z",
        "lastActionDateTime": "2025-05-24T03:21:00Z", "status": "Failed",
        "properties": {{"error": {{"code": "InvalidData", "message": "recordings URI contains invalid data"}}}}}}"#
    );
    let parsed = jobs::parse_job(&job).expect("parses");
    assert_eq!(parsed.id, JOB);
    assert_eq!(parsed.status, JobStatus::Failed);
    assert_eq!(
        parsed.error,
        Some(("InvalidData".into(), "recordings URI contains invalid data".into()))
    );
    let page = jobs::parse_jobs(&format!(r#"{{"values": [{job}], "@nextLink": "http://x/next"}}"#)).expect("parses");
    assert_eq!((page.jobs.len(), page.next_link.as_deref()), (1, Some("http://x/next")));
    assert!(matches!(
        jobs::parse_job(&job.replace("Failed", "Exploded")),
        Err(SpeechError::Protocol(_))
    ));

    let files = jobs::parse_files(
        r#"{"values": [
          {"self": "x", "name": "contenturl_0.json", "kind": "Transcription", "properties": {"size": 3407},
           "links": {"contentUrl": "https://spsvcprodeus.blob.core.windows.net/b/contenturl_0.json?sv=1&sig=@sas0@"}},
          {"name": "report.json", "kind": "TranscriptionReport", "links": {"contentUrl": "https://h/report.json"}}]}"#,
    )
    .expect("parses");
    assert_eq!(files.files[0].kind, FileKind::Transcription);
    assert_eq!(files.files[0].size, Some(3407));
    assert_eq!(files.files[1].kind, FileKind::TranscriptionReport);
    assert!(files.next_link.is_none());

    let report = jobs::parse_report(
        r#"{"successfulTranscriptionsCount": 1, "failedTranscriptionsCount": 1, "details": [
          {"source": "https://a/1.wav", "status": "Succeeded"},
          {"sourceUrl": "https://a/2.wav", "status": "Failed", "errorKind": "InvalidData", "errorMessage": "cannot download"}]}"#,
    )
    .expect("parses");
    assert!(report[0].succeeded && report[0].error.is_none());
    assert_eq!(report[1].source, "https://a/2.wav");
    assert_eq!(report[1].error, Some(("InvalidData".into(), "cannot download".into())));
}

#[test]
fn errors_are_classified_with_the_fix() {
    let settings = resolve(&[("SPEECH_REGION", "westeurope"), ("SPEECH_KEY", "k")]);
    let body = |code: &str, inner: &str| {
        format!(
            r#"{{"code": "{code}", "message": "outer", "innerError": {{"code": "{inner}", "message": "inner says"}}}}"#
        )
    };
    let cases: Vec<(u16, Option<&str>, String, &str, &str)> = vec![
        (
            400,
            None,
            body("InvalidRequest", "AudioLengthLimitExceeded"),
            "bad-request",
            "azspeech batch submit",
        ),
        (413, None, String::new(), "bad-request", "azspeech batch submit"),
        (
            400,
            None,
            body("InvalidRequest", "InvalidAudioFormat"),
            "bad-request",
            "convert",
        ),
        (415, None, String::new(), "bad-request", "convert"),
        (
            400,
            None,
            body("InvalidRequest", "InvalidSubscription"),
            "configuration",
            "Standard (S0)",
        ),
        (
            422,
            None,
            body("UnprocessableEntity", "NoLanguageIdentified"),
            "bad-request",
            "--locale",
        ),
        (
            400,
            None,
            body("InvalidRequest", "BadChannelConfiguration"),
            "bad-request",
            "stereo",
        ),
        (
            400,
            None,
            body("InvalidRequest", "SomethingNew"),
            "bad-request",
            "will refuse it again",
        ),
        (
            404,
            None,
            body("NotFound", "EntityNotFound"),
            "bad-request",
            "azspeech batch list",
        ),
        (
            409,
            None,
            body("Conflict", "DeleteNotAllowed"),
            "bad-request",
            "batch wait",
        ),
        (
            401,
            None,
            r#"{"error": {"code": "401", "message": "Access denied"}}"#.to_owned(),
            "authentication",
            "SPEECH_KEY",
        ),
        (403, None, body("Forbidden", "Forbidden"), "forbidden", "network rules"),
        (
            429,
            Some("7"),
            body("TooManyRequests", "QuotaViolation"),
            "throttled",
            "wait 7 s",
        ),
        (503, Some("3"), body("ServiceUnavailable", "x"), "transient", "retry"),
        (500, None, "not json".to_owned(), "transient", "retry"),
    ];
    for (status, retry_after, body, kind, hint) in cases {
        let error = errors::classify(&settings, status, retry_after, &body);
        let (found, detail) = match &error {
            SpeechError::Configuration(d) => ("configuration", d),
            SpeechError::Authentication(d) => ("authentication", d),
            SpeechError::Forbidden(d) => ("forbidden", d),
            SpeechError::Throttled(t) => ("throttled", &t.detail),
            SpeechError::Transient(d) => ("transient", d),
            SpeechError::BadRequest(d) => ("bad-request", d),
            SpeechError::Protocol(d) => ("protocol", d),
            SpeechError::NotImplemented(d) => ("not-implemented", d),
        };
        assert_eq!(found, kind, "{status} {body}");
        assert!(detail.hint.contains(hint), "{status}: {}", detail.hint);
        assert_eq!(detail.http_status, Some(status));
        if body.contains("inner says") {
            assert!(
                detail.message.contains("inner says") && detail.message.contains('/'),
                "{}",
                detail.message
            );
        }
    }
}

fn throttled(retry_after_ms: Option<u64>) -> SpeechError {
    SpeechError::Throttled(ThrottleDetail {
        detail: detail(),
        retry_after_ms,
    })
}

fn detail() -> FailureDetail {
    FailureDetail {
        http_status: None,
        close_code: None,
        message: String::new(),
        hint: String::new(),
    }
}

#[test]
fn retry_and_poll_delays() {
    let cases: Vec<(SpeechError, Option<&str>, u32, Option<u64>)> = vec![
        (throttled(Some(7000)), None, 1, Some(7000)),
        (throttled(None), Some("3"), 1, Some(3000)),
        (throttled(None), None, 1, Some(2000)),
        (throttled(None), None, 3, Some(8000)),
        (throttled(None), None, 5, Some(32_000)),
        (throttled(Some(1000)), None, 6, None),
        (SpeechError::Transient(detail()), None, 2, Some(4000)),
        (SpeechError::Transient(detail()), Some("1"), 2, Some(1000)),
        (SpeechError::BadRequest(detail()), None, 1, None),
        (SpeechError::Authentication(detail()), None, 1, None),
        (SpeechError::Configuration(detail()), Some("1"), 1, None),
        (throttled(None), None, 0, None),
    ];
    for (error, retry_after, attempt, expected) in cases {
        assert_eq!(
            errors::retry_delay(&error, retry_after, attempt),
            expected,
            "{error:?} {attempt}"
        );
    }
    assert_eq!(errors::poll_delay(None), 5000);
    assert_eq!(errors::poll_delay(Some("2")), 2000);
    assert_eq!(errors::poll_delay(Some("0")), 250);
    assert_eq!(errors::poll_delay(Some("3600")), 60_000);
    assert_eq!(errors::poll_delay(Some("soon")), 5000);
}

#[test]
fn upload_limits_point_at_batch() {
    let upload = |size_bytes, duration_ms| Upload {
        size_bytes,
        duration_ms,
        diarization: false,
    };
    assert!(errors::check_upload(&upload(1000, Some(60_000))).is_ok());
    assert!(errors::check_upload(&upload(errors::MAX_UPLOAD_BYTES, None)).is_ok());
    for too_much in [
        upload(errors::MAX_UPLOAD_BYTES + 1, None),
        upload(1000, Some(errors::MAX_UPLOAD_MS + 1)),
    ] {
        match errors::check_upload(&too_much) {
            Err(SpeechError::BadRequest(detail)) => {
                assert!(detail.hint.contains("azspeech batch submit"), "{detail:?}")
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(matches!(
        errors::check_upload(&upload(0, None)),
        Err(SpeechError::BadRequest(_))
    ));
}
