//! The recognizer's recovery paths on a virtual clock, no sockets: a small scripted service
//! recognizes utterances at fixed places of the audio stream, and the tests drop its
//! connection at every message position with every kind of loss, refuse upgrades, expire
//! tokens and keys, stall, idle and outlive the connection lifetime. What the caller sees must
//! equal the unbroken run: every phrase once, in order, with the same offsets.

#![allow(clippy::unwrap_used)]

use azspeech_component::bindings::exports::azspeech::core::config::{Setting, SettingSource, SettingValue, Settings};
use azspeech_component::bindings::exports::azspeech::core::connection::{AuthPlan, KeySlot};
use azspeech_component::bindings::exports::azspeech::core::link::{
    CloseFrame, CloseInfo, ConnectFailure, ConnectRequest, CredentialFailure, NetworkErrorKind, NetworkFailure, Pace,
    SessionNotice, SessionPolicy, Transmit, UpgradeRejection,
};
use azspeech_component::bindings::exports::azspeech::core::messages::WsMessage;
use azspeech_component::bindings::exports::azspeech::core::recognition::{
    AudioFormat, LanguageId, LanguageIdMode, OutputFormat, RecognitionEvent, RecognitionMode, RecognitionOptions,
};
use azspeech_component::bindings::exports::azspeech::core::types::SpeechError;
use azspeech_component::config;
use azspeech_component::recognition::Recognizer;

/// 16 kHz, 16-bit mono: bytes per second.
const RATE: u64 = 32_000;

/// Ticks (100 ns) of `bytes` of audio.
fn ticks(bytes: u64) -> u64 {
    bytes * 10_000_000 / RATE
}

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

fn settings(vars: &[(&str, &str)]) -> Settings {
    let vars: Vec<Setting> = vars.iter().map(|(n, v)| setting(n, v)).collect();
    config::resolve(&vars).unwrap()
}

fn key_settings() -> Settings {
    settings(&[("SPEECH_KEY", "k"), ("SPEECH_ENDPOINT", "http://127.0.0.1:5000")])
}

fn options() -> RecognitionOptions {
    RecognitionOptions {
        mode: RecognitionMode::Conversation,
        language: String::new(),
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

fn policy() -> SessionPolicy {
    SessionPolicy {
        seed: 9,
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

/// Utterances at absolute stream bytes `[start, end)`, with their text.
const UTTERANCES: &[(u64, u64, &str)] = &[
    (16_000, 80_000, "First."),
    (112_000, 176_000, "Second."),
    (208_000, 288_000, "Third."),
];
/// The whole stream: 10 s.
const STREAM: u64 = 320_000;

fn path_of(text: &str) -> &str {
    text.lines()
        .find_map(|l| l.strip_prefix("Path:"))
        .unwrap_or_default()
        .trim()
}

fn request_id_of(text: &str) -> String {
    text.lines()
        .find_map(|l| l.strip_prefix("X-RequestId:"))
        .unwrap_or_default()
        .trim()
        .to_owned()
}

fn reply(request_id: &str, path: &str, body: &str) -> WsMessage {
    WsMessage::Text(format!("X-RequestId:{request_id}\r\nPath:{path}\r\n\r\n{body}"))
}

/// A scripted service on one connection: counts offsets from the turn's first audio byte,
/// sends a phrase once the audio to an utterance's end has arrived, and `turn.end` after the
/// end of audio.
#[derive(Default)]
struct Service {
    request_id: String,
    /// Absolute stream offset of the turn's first PCM byte.
    base: Option<u64>,
    received_to: u64,
    phrases_sent: Vec<&'static str>,
    ended: bool,
}

impl Service {
    /// Take one transmit; return the replies.
    fn take(&mut self, transmit: &Transmit) -> Vec<WsMessage> {
        match transmit {
            Transmit::Message(WsMessage::Text(text)) if path_of(text) == "speech.context" => {
                *self = Service {
                    request_id: request_id_of(text),
                    ..Service::default()
                };
                vec![reply(
                    &self.request_id,
                    "turn.start",
                    "{\"context\":{\"serviceTag\":\"s\"}}",
                )]
            }
            Transmit::Message(WsMessage::Binary(frame)) => {
                let head_len = usize::from(u16::from_be_bytes([frame[0], frame[1]]));
                if frame.len() == head_len + 2 {
                    // The end of audio: the rest of the phrases, then turn.end.
                    self.ended = true;
                    let mut out = self.phrases(self.received_to);
                    out.push(reply(&self.request_id, "turn.end", "{}"));
                    out
                } else {
                    Vec::new() // the WAV header
                }
            }
            Transmit::Audio(audio) => {
                self.base.get_or_insert(audio.start);
                self.received_to = audio.end;
                self.phrases(audio.end)
            }
            _ => Vec::new(),
        }
    }

    fn phrases(&mut self, heard_to: u64) -> Vec<WsMessage> {
        let base = self.base.unwrap_or(0);
        let mut out = Vec::new();
        for &(start, end, text) in UTTERANCES {
            if end <= heard_to && start >= base && !self.phrases_sent.contains(&text) {
                self.phrases_sent.push(text);
                let body = format!(
                    "{{\"RecognitionStatus\":\"Success\",\"DisplayText\":\"{text}\",\"Offset\":{},\"Duration\":{}}}",
                    ticks(start - base),
                    ticks(end - start)
                );
                out.push(reply(&self.request_id, "speech.phrase", &body));
            }
        }
        out
    }
}

/// What a run produced.
#[derive(Debug, Default)]
struct Outcome {
    phrases: Vec<(String, u64, u64)>,
    failed: Option<(SpeechError, u32, Vec<String>)>,
    finished: bool,
    requests: Vec<ConnectRequest>,
    notices: Vec<SessionNotice>,
    closes_sent: Vec<u16>,
    now: u64,
}

/// How a connection is lost at a position.
#[derive(Debug, Clone)]
enum Drop {
    Close(u16, &'static str),
    Broken(NetworkErrorKind),
    /// The service keeps the connection open but sends nothing more.
    Silent,
}

impl Drop {
    fn info(&self) -> CloseInfo {
        match self {
            Drop::Close(code, reason) => CloseInfo::Frame(CloseFrame {
                code: *code,
                reason: (*reason).to_owned(),
            }),
            Drop::Broken(kind) => CloseInfo::Broken(NetworkFailure {
                kind: *kind,
                message: "Connection reset by peer (os error 104)".to_owned(),
            }),
            Drop::Silent => panic!("a silent service does not close"),
        }
    }
}

/// Drive a recognizer over the whole stream against the scripted service. `drops`: for each
/// connection (in order), after how many service replies it is lost and how.
fn run(recognizer: &Recognizer, drops: &[(usize, Drop)], mut upgrades: Vec<Option<ConnectFailure>>) -> Outcome {
    let mut outcome = Outcome::default();
    let mut now = 1_000u64;
    let mut pushed = 0u64;
    let mut connection = 0usize;
    let mut service: Option<Service> = None;
    let mut replies_on_connection = 0usize;
    for _step in 0..100_000 {
        // Push audio while the recognizer accepts it.
        while pushed < STREAM {
            let len = 3200.min(STREAM - pushed) as u32;
            if recognizer.push_audio(now, len).is_err() {
                break;
            }
            pushed += u64::from(len);
            if pushed == STREAM {
                recognizer.end_audio(now);
            }
        }
        if let Some(request) = recognizer.poll_connect(now) {
            outcome.requests.push(request);
            match upgrades.first().cloned() {
                Some(refusal) => {
                    upgrades.remove(0);
                    match refusal {
                        Some(failure) => recognizer.handle_connect_failed(now, failure),
                        None => {
                            service = Some(Service::default());
                            replies_on_connection = 0;
                            recognizer.handle_connected(now);
                        }
                    }
                }
                None => {
                    service = Some(Service::default());
                    replies_on_connection = 0;
                    recognizer.handle_connected(now);
                }
            }
            continue;
        }
        let mut progressed = false;
        while let Some(transmit) = recognizer.poll_transmit(now) {
            progressed = true;
            if let Transmit::Close(frame) = &transmit {
                outcome.closes_sent.push(frame.code);
                service = None;
                connection += 1;
                continue;
            }
            let Some(svc) = service.as_mut() else { continue };
            for message in svc.take(&transmit) {
                if let Some((after, drop)) = drops.get(connection)
                    && replies_on_connection >= *after
                {
                    if matches!(drop, Drop::Silent) {
                        continue;
                    }
                    service = None;
                    connection += 1;
                    recognizer.handle_closed(now, drop.info());
                    break;
                }
                replies_on_connection += 1;
                recognizer.handle_message(now, message);
            }
            if service.is_none() {
                break;
            }
        }
        while let Some(event) = recognizer.poll_event() {
            progressed = true;
            match event {
                RecognitionEvent::Phrase(phrase) => outcome.phrases.push((phrase.text, phrase.offset, phrase.duration)),
                RecognitionEvent::Finished(_) => outcome.finished = true,
                RecognitionEvent::Failed(failure) => {
                    outcome.failed = Some((failure.error, failure.attempts, failure.tried));
                }
                RecognitionEvent::Notice(notice) => outcome.notices.push(notice),
                _ => {}
            }
        }
        if recognizer.is_done() {
            break;
        }
        if !progressed {
            match recognizer.poll_timeout() {
                Some(at) => {
                    now = now.max(at);
                    recognizer.handle_timeout(now);
                }
                None => break,
            }
        }
    }
    outcome.now = now;
    outcome
}

fn expected_phrases() -> Vec<(String, u64, u64)> {
    UTTERANCES
        .iter()
        .map(|&(start, end, text)| (text.to_owned(), ticks(start), ticks(end - start)))
        .collect()
}

fn new_recognizer(settings: Settings, policy: SessionPolicy) -> Recognizer {
    Recognizer::new(settings, options(), &policy)
}

#[test]
fn an_unbroken_run_delivers_every_phrase() {
    let recognizer = new_recognizer(key_settings(), policy());
    let outcome = run(&recognizer, &[], vec![]);
    assert!(outcome.finished, "{outcome:?}");
    assert_eq!(outcome.phrases, expected_phrases());
    assert_eq!(outcome.requests.len(), 1);
    assert_eq!(outcome.closes_sent, [1000], "the client closes normally when done");
}

/// A drop after every reply position (turn.start, each phrase, turn.end) with every kind of
/// non-fatal loss: the caller sees exactly the unbroken run.
#[test]
fn a_drop_after_any_message_with_any_transient_loss_loses_and_repeats_nothing() {
    let losses = [
        Drop::Broken(NetworkErrorKind::Reset),
        Drop::Broken(NetworkErrorKind::Eof),
        Drop::Broken(NetworkErrorKind::TruncatedFrame),
        Drop::Close(1011, "Internal server error"),
        Drop::Close(1001, "Going away"),
        Drop::Close(1000, "Maximum connection duration exceeded"),
        Drop::Close(1012, "Instance is shutting down"),
        Drop::Close(4429, "The request is throttled"),
        Drop::Close(1007, "Throttled due to too many requests"),
    ];
    for position in 0..5 {
        for loss in &losses {
            let recognizer = new_recognizer(key_settings(), policy());
            let outcome = run(&recognizer, &[(position, loss.clone())], vec![]);
            assert!(outcome.finished, "drop after {position} with {loss:?}: {outcome:?}");
            assert_eq!(
                outcome.phrases,
                expected_phrases(),
                "drop after {position} with {loss:?}"
            );
            assert_eq!(outcome.requests.len(), 2, "one reconnect: {loss:?}");
            let ids: Vec<_> = outcome
                .requests
                .iter()
                .map(|r| {
                    r.plan
                        .headers
                        .iter()
                        .find(|(n, _)| n == "X-ConnectionId")
                        .unwrap()
                        .1
                        .clone()
                })
                .collect();
            assert_eq!(ids[0], ids[1], "the same X-ConnectionId across reconnects");
        }
    }
}

/// Many drops in a row, each after some progress: the budget resets on every phrase.
#[test]
fn repeated_drops_with_progress_never_exhaust_the_budget() {
    let drops: Vec<(usize, Drop)> = (0..12)
        .map(|_| (2, Drop::Close(1011, "Internal server error")))
        .collect();
    let recognizer = new_recognizer(key_settings(), policy());
    let outcome = run(&recognizer, &drops, vec![]);
    assert!(outcome.finished, "{outcome:?}");
    assert_eq!(outcome.phrases, expected_phrases());
}

#[test]
fn fatal_closes_end_the_run_with_the_code_and_what_was_tried() {
    for (code, reason) in [
        (1002, "Missing/Empty header. X-RequestId."),
        (1003, "Unsupported data"),
        (1007, "Incorrect message format."),
        (4000, "Bad parameters"),
    ] {
        let recognizer = new_recognizer(key_settings(), policy());
        let outcome = run(&recognizer, &[(1, Drop::Close(code, reason))], vec![]);
        let (error, attempts, tried) = outcome.failed.expect("fails");
        let detail = match &error {
            SpeechError::Protocol(d) | SpeechError::BadRequest(d) | SpeechError::Configuration(d) => d,
            other => panic!("{code}: {other:?}"),
        };
        assert_eq!(detail.close_code, Some(code));
        assert_eq!(attempts, 1, "{code}: no retry");
        assert!(tried[0].contains(&code.to_string()), "{tried:?}");
        assert!(!outcome.finished);
    }
}

fn refused(status: u16, retry_after: Option<&str>) -> Option<ConnectFailure> {
    Some(ConnectFailure::Rejected(UpgradeRejection {
        status,
        retry_after: retry_after.map(str::to_owned),
        body: String::new(),
    }))
}

#[test]
fn retry_after_is_honoured() {
    let recognizer = new_recognizer(key_settings(), policy());
    let request = recognizer.poll_connect(0).unwrap();
    assert_eq!(request.attempt, 1);
    recognizer.handle_connect_failed(10, refused(429, Some("3")).unwrap());
    assert_eq!(
        recognizer.poll_timeout(),
        Some(3_010),
        "exactly the 3 s the service asked for"
    );
    assert!(recognizer.poll_connect(3_009).is_none());
    assert!(recognizer.poll_connect(3_010).is_some());
}

#[test]
fn upgrade_refusals_that_will_not_change_fail_at_once() {
    for status in [400, 403, 404] {
        let recognizer = new_recognizer(key_settings(), policy());
        let outcome = run(&recognizer, &[], vec![refused(status, None)]);
        let (error, attempts, _) = outcome.failed.expect("fails");
        assert_eq!(attempts, 1, "{status}: {error:?}");
    }
}

#[test]
fn the_budget_runs_out_on_failures_without_progress_and_backoff_is_capped() {
    let recognizer = new_recognizer(key_settings(), policy());
    let outcome = run(&recognizer, &[], vec![refused(503, None); 40]);
    let (error, attempts, tried) = outcome.failed.expect("gives up");
    assert!(
        matches!(error, SpeechError::Transient(ref d) if d.http_status == Some(503)),
        "{error:?}"
    );
    assert_eq!(attempts, 11, "the first attempt and 10 retries");
    assert_eq!(tried.len(), 11);
    assert!(tried.iter().all(|line| line.contains("HTTP 503")), "{tried:?}");
    // 50..100, 100..200, ... capped at 15 s: well under 10 × 15 s in all.
    assert!(outcome.now < 1_000 + 10 * 15_000, "{}", outcome.now);
    assert!(outcome.now > 1_000 + 6_000, "it did back off: {}", outcome.now);
}

#[test]
fn a_refused_primary_key_fails_over_to_the_secondary_once() {
    let settings = settings(&[
        ("SPEECH_KEY", "wrong"),
        ("SPEECH_KEY_SECONDARY", "right"),
        ("SPEECH_ENDPOINT", "http://127.0.0.1:5000"),
    ]);
    let recognizer = new_recognizer(settings.clone(), policy());
    let outcome = run(&recognizer, &[], vec![refused(401, None), None]);
    assert!(outcome.finished, "{outcome:?}");
    assert_eq!(outcome.phrases, expected_phrases());
    let slots: Vec<_> = outcome.requests.iter().map(|r| r.plan.auth.clone()).collect();
    assert!(matches!(slots[0], AuthPlan::SubscriptionKey(KeySlot::Primary)));
    assert!(matches!(slots[1], AuthPlan::SubscriptionKey(KeySlot::Secondary)));
    assert!(
        outcome
            .notices
            .iter()
            .any(|n| matches!(n, SessionNotice::KeyFailover(KeySlot::Secondary))),
        "{:?}",
        outcome.notices
    );
    // Both refused: the run fails with the 401, naming both keys in what it tried.
    let recognizer = new_recognizer(settings, policy());
    let outcome = run(&recognizer, &[], vec![refused(401, None), refused(401, None)]);
    let (error, attempts, tried) = outcome.failed.expect("fails");
    assert!(matches!(error, SpeechError::Authentication(_)));
    assert_eq!(attempts, 2);
    assert!(
        tried[0].contains("SPEECH_KEY") && tried[1].contains("SPEECH_KEY_SECONDARY"),
        "{tried:?}"
    );
    // Without a secondary key there is nothing to fail over to.
    let recognizer = new_recognizer(key_settings(), policy());
    let outcome = run(&recognizer, &[], vec![refused(401, None)]);
    assert_eq!(outcome.failed.expect("fails").1, 1);
}

#[test]
fn a_process_that_already_failed_over_starts_with_the_secondary_key() {
    let settings = settings(&[
        ("SPEECH_KEY", "wrong"),
        ("SPEECH_KEY_SECONDARY", "right"),
        ("SPEECH_ENDPOINT", "http://127.0.0.1:5000"),
    ]);
    let recognizer = new_recognizer(
        settings,
        SessionPolicy {
            key_slot: KeySlot::Secondary,
            ..policy()
        },
    );
    let request = recognizer.poll_connect(0).unwrap();
    assert!(matches!(
        request.plan.auth,
        AuthPlan::SubscriptionKey(KeySlot::Secondary)
    ));
}

#[test]
fn a_refused_token_is_fetched_afresh_once_per_connection() {
    let entra = settings(&[("SPEECH_ENDPOINT", "https://contoso.cognitiveservices.azure.com")]);
    let recognizer = new_recognizer(entra.clone(), policy());
    let outcome = run(&recognizer, &[], vec![refused(401, None), None]);
    assert!(outcome.finished, "{outcome:?}");
    let fresh: Vec<bool> = outcome.requests.iter().map(|r| r.fresh_credential).collect();
    assert_eq!(fresh, [false, true], "the second attempt bypasses the cached token");
    // Refused again with the fresh token: give up.
    let recognizer = new_recognizer(entra.clone(), policy());
    let outcome = run(&recognizer, &[], vec![refused(401, None), refused(401, None)]);
    assert!(matches!(outcome.failed, Some((SpeechError::Authentication(_), 2, _))));
    // A long session: after each successful connection a 401 (an expired token) gets one
    // fresh fetch again.
    let recognizer = new_recognizer(entra, policy());
    let outcome = run(
        &recognizer,
        &[(1, Drop::Close(1000, "lifetime")), (1, Drop::Close(1000, "lifetime"))],
        vec![None, refused(401, None), None, refused(401, None), None],
    );
    assert!(outcome.finished, "{outcome:?}");
    let fresh: Vec<bool> = outcome.requests.iter().map(|r| r.fresh_credential).collect();
    assert_eq!(fresh, [false, false, true, false, true]);
    // STS: an exchange refused with 401 is a credential failure; with a secondary key the
    // exchange is retried with it.
    let sts = settings(&[
        ("SPEECH_KEY", "wrong"),
        ("SPEECH_KEY_SECONDARY", "right"),
        ("SPEECH_AUTH", "sts"),
        ("SPEECH_REGION", "westeurope"),
    ]);
    let recognizer = new_recognizer(sts, policy());
    let refusal = Some(ConnectFailure::Credential(CredentialFailure {
        message: "exchanging the key for a token failed: HTTP 401".into(),
        http_status: Some(401),
    }));
    let outcome = run(&recognizer, &[], vec![refusal, None]);
    assert!(outcome.finished, "{outcome:?}");
    assert!(matches!(&outcome.requests[1].plan.auth, AuthPlan::StsExchange(sts) if sts.key == KeySlot::Secondary));
}

#[test]
fn the_connection_is_replaced_at_a_phrase_boundary_before_its_lifetime_ends() {
    let recognizer = new_recognizer(
        key_settings(),
        SessionPolicy {
            max_connection_ms: Some(30_000),
            pace: Pace::Factor(1.0),
            ..policy()
        },
    );
    let outcome = run(&recognizer, &[], vec![]);
    assert!(outcome.finished, "{outcome:?}");
    assert_eq!(outcome.phrases, expected_phrases());
    assert_eq!(
        outcome.requests.len(),
        1,
        "a 10-s stream at real time fits in one 30-s connection"
    );

    // 10 s of audio at real time with a 4-s lifetime: rotated at phrase boundaries (after
    // 3.6 s), or at 3.8 s in any case; never lost.
    let recognizer = new_recognizer(
        key_settings(),
        SessionPolicy {
            max_connection_ms: Some(4_000),
            pace: Pace::Factor(1.0),
            ..policy()
        },
    );
    let outcome = run(&recognizer, &[], vec![]);
    assert!(outcome.finished, "{outcome:?}");
    assert_eq!(outcome.phrases, expected_phrases());
    assert!(outcome.requests.len() >= 3, "{}", outcome.requests.len());
    assert!(outcome.notices.iter().any(|n| matches!(n, SessionNotice::Rotating)));
    assert!(
        outcome.closes_sent.iter().all(|code| *code == 1000),
        "{:?}",
        outcome.closes_sent
    );
}

#[test]
fn pacing_sends_new_audio_at_the_factor_asked() {
    for (pace, least_ms, most_ms) in [
        (Pace::Factor(1.0), 9_800, 10_500),
        (Pace::Factor(2.0), 4_800, 5_500),
        (Pace::Max, 0, 10),
    ] {
        let recognizer = new_recognizer(key_settings(), SessionPolicy { pace, ..policy() });
        let outcome = run(&recognizer, &[], vec![]);
        assert!(outcome.finished);
        let took = outcome.now - 1_000;
        assert!((least_ms..=most_ms).contains(&took), "{pace:?}: {took} ms");
    }
}

#[test]
fn an_idle_connection_is_closed_and_reopened_when_audio_comes() {
    let recognizer = new_recognizer(key_settings(), policy());
    let request = recognizer.poll_connect(0).unwrap();
    assert_eq!(request.attempt, 1);
    recognizer.handle_connected(0);
    while recognizer.poll_transmit(0).is_some() {}
    // Nothing to send: the idle deadline is 150 s after the last message.
    assert_eq!(recognizer.poll_timeout(), Some(150_000));
    recognizer.handle_timeout(150_000);
    assert!(matches!(
        recognizer.poll_transmit(150_000),
        Some(Transmit::Close(CloseFrame { code: 1000, .. }))
    ));
    assert!(
        recognizer.poll_connect(200_000).is_none(),
        "dormant until there is audio"
    );
    recognizer.push_audio(300_000, 3200).unwrap();
    let again = recognizer.poll_connect(300_000).expect("reconnects for the audio");
    assert_eq!(again.attempt, 2);
    // The service's own idle close while nothing is pending also just waits for audio.
    recognizer.handle_connected(300_000);
    let recognizer2 = new_recognizer(key_settings(), policy());
    recognizer2.poll_connect(0).unwrap();
    recognizer2.handle_connected(0);
    while recognizer2.poll_transmit(0).is_some() {}
    recognizer2.handle_closed(180_000, Drop::Close(1000, "idle").info());
    assert!(recognizer2.poll_connect(400_000).is_none());
    assert!(!recognizer2.is_done());
}

#[test]
fn a_silent_service_after_the_end_of_audio_counts_as_a_lost_connection() {
    let recognizer = new_recognizer(key_settings(), policy());
    recognizer.poll_connect(0).unwrap();
    recognizer.handle_connected(0);
    recognizer.push_audio(0, 3200).unwrap();
    recognizer.end_audio(0);
    while recognizer.poll_transmit(0).is_some() {}
    recognizer.handle_message(0, reply("00000000000000000000000000000000", "turn.start", "{}"));
    assert_eq!(recognizer.poll_timeout(), Some(30_000));
    recognizer.handle_timeout(30_000);
    assert!(matches!(recognizer.poll_transmit(30_000), Some(Transmit::Close(_))));
    let mut reconnecting = false;
    while let Some(event) = recognizer.poll_event() {
        if let RecognitionEvent::Notice(SessionNotice::Reconnecting(notice)) = event {
            assert!(notice.cause.contains("no response for 30 s"), "{}", notice.cause);
            reconnecting = true;
        }
    }
    assert!(reconnecting);
}

/// A service that accepts the upgrade and then says nothing, on every connection: the run
/// ends with an error naming the stall after 30 s + 10 s of virtual time (the stall budget),
/// not after ten 30-second attempts.
#[test]
fn a_service_silent_after_the_upgrade_ends_the_run_within_a_minute() {
    let recognizer = new_recognizer(key_settings(), policy());
    let silent: Vec<(usize, Drop)> = (0..20).map(|_| (0, Drop::Silent)).collect();
    let outcome = run(&recognizer, &silent, vec![]);
    let (error, attempts, tried) = outcome.failed.clone().expect("the run fails");
    let SpeechError::Transient(detail) = &error else {
        panic!("a stall is a lost connection: {error:?}");
    };
    assert!(detail.message.contains("the service stalled"), "{}", detail.message);
    assert!(
        detail.message.contains("2 connections in a row stalled"),
        "{}",
        detail.message
    );
    assert_eq!(attempts, 2, "{tried:?}");
    assert!(tried[0].contains("no response for 30 s"), "{tried:?}");
    assert!(tried[1].contains("no response for 10 s"), "{tried:?}");
    let elapsed = outcome.now - 1_000;
    assert!(
        (40_000..45_000).contains(&elapsed),
        "virtual time to give up: {elapsed} ms"
    );
    assert!(outcome.phrases.is_empty());
}

/// One connection goes silent after `turn.start`; the next, with the shortened wait, answers:
/// every phrase arrives once and the run finishes.
#[test]
fn a_stall_then_a_working_connection_loses_nothing() {
    let recognizer = new_recognizer(key_settings(), policy());
    let outcome = run(&recognizer, &[(1, Drop::Silent)], vec![]);
    assert!(outcome.finished, "{outcome:?}");
    assert_eq!(outcome.phrases, expected_phrases());
    assert_eq!(outcome.requests.len(), 2);
    assert!(
        outcome.notices.iter().any(|notice| matches!(notice,
            SessionNotice::Reconnecting(n) if n.cause.contains("no response for 30 s"))),
        "{:?}",
        outcome.notices
    );
}

#[test]
fn backpressure_bounds_unacknowledged_audio() {
    let recognizer = new_recognizer(key_settings(), policy());
    let mut pushed = 0u64;
    while recognizer.push_audio(0, 3200).is_ok() {
        pushed += 3200;
        assert!(pushed <= 30 * RATE);
    }
    assert_eq!(pushed, 30 * RATE, "30 s of audio may wait for acknowledgement");
    let refusal = recognizer.push_audio(0, 3200).unwrap_err();
    assert_eq!((refusal.pushed_bytes, refusal.acknowledged_bytes), (30 * RATE, 0));
}

/// Language identification is announced in the URL (`lidEnabled=true`), as the SDK does.
#[test]
fn language_identification_is_enabled_in_the_url() {
    let plain = new_recognizer(key_settings(), policy());
    let url = plain.poll_connect(0).unwrap().plan.url;
    assert!(!url.contains("lidEnabled"), "{url}");
    let mut lid = options();
    lid.language_id = Some(LanguageId {
        languages: vec!["en-US".into(), "de-DE".into()],
        mode: LanguageIdMode::AtStart,
    });
    let recognizer = Recognizer::new(key_settings(), lid, &policy());
    let url = recognizer.poll_connect(0).unwrap().plan.url;
    assert_eq!(
        url,
        "ws://127.0.0.1:5000/speech/recognition/conversation/cognitiveservices/v1?language=en-US&lidEnabled=true"
    );
}

#[test]
fn invalid_options_fail_at_once() {
    let mut bad = options();
    bad.audio.sample_rate = 44_100;
    let recognizer = Recognizer::new(key_settings(), bad, &policy());
    assert!(matches!(recognizer.poll_event(), Some(RecognitionEvent::Failed(_))));
    assert!(recognizer.is_done());
    assert!(recognizer.poll_connect(0).is_none());
}
