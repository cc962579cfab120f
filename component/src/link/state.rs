//! [`Link`]: one session's connection lifecycle. When to connect, with which key and whether
//! to bypass a cached token; what a loss means (retry after a delay, fail over to the
//! secondary key, refresh the credential, or give up); what was tried.

use std::collections::VecDeque;

use super::backoff;
use super::ids::IdSource;
use super::network;
use super::policy::{MAX_RETRY_AFTER_MS, Policy};
use crate::bindings::exports::azspeech::core::config::Settings;
use crate::bindings::exports::azspeech::core::connection::{AuthPlan, KeySlot, RequestIds, RequestKind};
use crate::bindings::exports::azspeech::core::link::{
    CloseInfo, ConnectFailure, ConnectRequest, ReconnectNotice, SessionFailure, SessionNotice,
};
use crate::bindings::exports::azspeech::core::types::{FailureDetail, SpeechError};
use crate::failures;

/// Lines kept in [`SessionFailure::tried`].
pub const MAX_TRIED_LINES: usize = 20;

/// Connections in a row that may stall (a due response never began) before the session gives
/// up, whatever the attempt budget says: a silent service ends the run in about
/// `response_timeout × (1 + 1/3)` instead of ten full timeouts.
pub const MAX_STALLED_CONNECTIONS: u32 = 2;

/// After a stalled connection, the next one waits this fraction (1/n) of the response timeout:
/// a service that answers at all answers a fresh connection quickly.
pub const STALLED_TIMEOUT_DIVISOR: u64 = 3;

/// Where the connection stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPhase {
    /// No connection, and none any more: the session is over.
    Idle,
    /// Between connections: the next one may open from this time on, once the session has
    /// work for it.
    Waiting {
        /// Not before this time.
        not_before: u64,
    },
    /// The driver is opening the connection it was asked for.
    Connecting,
    /// Open since this time.
    Up {
        /// When it opened.
        since: u64,
    },
}

/// A lost or refused connection, as the session saw it.
#[derive(Debug, Clone)]
pub enum Loss {
    /// The attempt failed.
    ConnectFailed(ConnectFailure),
    /// The open connection ended.
    Closed(CloseInfo),
    /// A response that was due did not begin within the policy's timeout (ms).
    ResponseTimeout(u64),
    /// The service sent something the session cannot use (a malformed frame, an error status).
    Refused(SpeechError),
}

/// What the session does after a loss.
#[derive(Debug, Clone)]
pub enum LossOutcome {
    /// A new attempt is scheduled.
    Retry(ReconnectNotice),
    /// The session is over.
    Failed(SessionFailure),
}

/// One session's connection lifecycle.
#[derive(Debug)]
pub struct Link {
    policy: Policy,
    ids: IdSource,
    kind: RequestKind,
    /// STT keeps one `X-ConnectionId` across reconnects (as the SDKs do); TTS takes a new one.
    session_connection_id: Option<String>,
    phase: LinkPhase,
    attempts: u32,
    failures_in_row: u32,
    key_slot: KeySlot,
    failed_over: bool,
    failover_notice_due: bool,
    fresh_credential: bool,
    refreshed_since_connect: bool,
    /// The auth plan of the current or last attempt.
    auth: Option<AuthPlan>,
    tried: VecDeque<String>,
    connections: u32,
    reconnects: u32,
    /// Connections in a row whose due response never began (reset by progress).
    stalls_in_row: u32,
}

impl Link {
    /// A link for `kind` requests; the first connection is wanted at once.
    pub fn new(policy: Policy, kind: RequestKind) -> Self {
        let mut ids = IdSource::new(policy.seed);
        let session_connection_id = matches!(kind, RequestKind::SttWebsocket).then(|| ids.next_id());
        let key_slot = policy.key_slot;
        Self {
            policy,
            ids,
            kind,
            session_connection_id,
            phase: LinkPhase::Waiting { not_before: 0 },
            attempts: 0,
            failures_in_row: 0,
            key_slot,
            failed_over: false,
            failover_notice_due: false,
            fresh_credential: false,
            refreshed_since_connect: false,
            auth: None,
            tried: VecDeque::new(),
            connections: 0,
            reconnects: 0,
            stalls_in_row: 0,
        }
    }

    /// How long a due response may take to begin on the current connection (ms): the policy's
    /// timeout, or a third of it after a stalled connection.
    pub fn response_timeout_ms(&self) -> u64 {
        if self.stalls_in_row == 0 {
            self.policy.response_timeout_ms
        } else {
            (self.policy.response_timeout_ms / STALLED_TIMEOUT_DIVISOR).max(1)
        }
    }

    /// The policy in force.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// A fresh request id.
    pub fn next_request_id(&mut self) -> String {
        self.ids.next_id()
    }

    /// Where the connection stands.
    pub fn phase(&self) -> LinkPhase {
        self.phase
    }

    /// When the open connection opened.
    pub fn up_since(&self) -> Option<u64> {
        match self.phase {
            LinkPhase::Up { since } => Some(since),
            _ => None,
        }
    }

    /// Connections opened so far.
    pub fn connections(&self) -> u32 {
        self.connections
    }

    /// Connections replaced so far.
    pub fn reconnects(&self) -> u32 {
        self.reconnects
    }

    /// When the next attempt may start, if one is scheduled.
    pub fn timeout(&self) -> Option<u64> {
        match self.phase {
            LinkPhase::Waiting { not_before } => Some(not_before),
            _ => None,
        }
    }

    /// The connect request due now, if the session `wants` a connection. A plan that cannot
    /// be made ends the session.
    pub fn poll_connect(
        &mut self,
        now: u64,
        settings: &Settings,
        wants: bool,
    ) -> Option<Result<ConnectRequest, SessionFailure>> {
        match self.phase {
            LinkPhase::Waiting { not_before } if wants && now >= not_before => {}
            _ => return None,
        }
        let connection_id = match &self.session_connection_id {
            Some(id) => id.clone(),
            None => self.ids.next_id(),
        };
        let plan = match crate::connection::plan(settings, self.kind, &RequestIds { connection_id }) {
            Ok(plan) => plan,
            Err(error) => {
                let error = SpeechError::Configuration(FailureDetail {
                    http_status: None,
                    close_code: None,
                    message: error.message,
                    hint: error.fix,
                });
                return Some(Err(self.failure(error)));
            }
        };
        let mut plan = plan;
        let slot = if settings.has_secondary_key {
            self.key_slot
        } else {
            KeySlot::Primary
        };
        match &mut plan.auth {
            AuthPlan::SubscriptionKey(key) => *key = slot,
            AuthPlan::StsExchange(sts) => sts.key = slot,
            AuthPlan::Bearer(_) => {}
        }
        self.auth = Some(plan.auth.clone());
        self.attempts = self.attempts.saturating_add(1);
        self.phase = LinkPhase::Connecting;
        Some(Ok(ConnectRequest {
            plan,
            fresh_credential: std::mem::take(&mut self.fresh_credential),
            attempt: self.attempts,
        }))
    }

    /// The requested connection opened. Returns the key-failover notice when the secondary
    /// key just worked.
    pub fn connected(&mut self, now: u64) -> Option<SessionNotice> {
        self.phase = LinkPhase::Up { since: now };
        self.connections = self.connections.saturating_add(1);
        self.refreshed_since_connect = false;
        std::mem::take(&mut self.failover_notice_due).then_some(SessionNotice::KeyFailover(KeySlot::Secondary))
    }

    /// The session made progress (a phrase, a finished request): the budget starts again.
    pub fn progress(&mut self) {
        self.failures_in_row = 0;
        self.stalls_in_row = 0;
    }

    /// Move to a fresh connection now (lifetime rotation): not a failure.
    pub fn rotate(&mut self, now: u64) {
        self.phase = LinkPhase::Waiting { not_before: now };
        self.reconnects = self.reconnects.saturating_add(1);
    }

    /// The session left the connection (idle, or the service closed an idle one): not a
    /// failure. A new one is opened as soon as the session has work again; whether it has is
    /// the session's `wants` in [`Link::poll_connect`].
    pub fn disconnect(&mut self, now: u64) {
        self.phase = LinkPhase::Waiting { not_before: now };
    }

    /// The connection is gone for good (the session finished).
    pub fn close(&mut self) {
        self.phase = LinkPhase::Idle;
    }

    /// A failure made of `error` and what was tried.
    pub fn failure(&self, error: SpeechError) -> SessionFailure {
        SessionFailure {
            error,
            attempts: self.attempts,
            tried: self.tried.iter().cloned().collect(),
        }
    }

    fn note(&mut self, line: String) {
        if self.tried.len() == MAX_TRIED_LINES {
            self.tried.pop_front();
        }
        self.tried.push_back(line);
    }

    fn uses_key(&self) -> bool {
        matches!(self.auth, Some(AuthPlan::SubscriptionKey(_) | AuthPlan::StsExchange(_)))
    }

    fn uses_token(&self) -> bool {
        matches!(self.auth, Some(AuthPlan::Bearer(_) | AuthPlan::StsExchange(_)))
    }

    /// Decide what a loss means. `now` schedules the retry.
    pub fn lost(&mut self, now: u64, settings: &Settings, loss: &Loss) -> LossOutcome {
        let lived = self.up_since().map(|since| now.saturating_sub(since));
        let (error, what) = classify(settings, loss);
        let key_name = match self.key_slot {
            KeySlot::Primary => "SPEECH_KEY",
            KeySlot::Secondary => "SPEECH_KEY_SECONDARY",
        };
        let with_key = if self.uses_key() {
            format!(" with {key_name}")
        } else {
            String::new()
        };
        let lived = lived.map_or(String::new(), |ms| {
            format!(" after {}.{} s", ms / 1000, ms % 1000 / 100)
        });
        let line = format!("attempt {}: {what}{with_key}{lived}", self.attempts);
        self.note(line.clone());
        self.failures_in_row = self.failures_in_row.saturating_add(1);
        let stalled_out = if matches!(loss, Loss::ResponseTimeout(_)) {
            self.stalls_in_row = self.stalls_in_row.saturating_add(1);
            self.stalls_in_row >= MAX_STALLED_CONNECTIONS
        } else {
            false
        };
        let over_budget = self.failures_in_row > self.policy.max_attempts || stalled_out;
        let error = if stalled_out {
            stall_verdict(error, self.stalls_in_row)
        } else {
            error
        };
        let delay = match &error {
            SpeechError::Authentication(_)
                if self.uses_key()
                    && self.key_slot == KeySlot::Primary
                    && settings.has_secondary_key
                    && !self.failed_over =>
            {
                self.key_slot = KeySlot::Secondary;
                self.failed_over = true;
                self.failover_notice_due = true;
                Some(0)
            }
            SpeechError::Authentication(_) if self.uses_token() && !self.refreshed_since_connect => {
                self.fresh_credential = true;
                self.refreshed_since_connect = true;
                Some(0)
            }
            SpeechError::Throttled(throttle) => match throttle.retry_after_ms {
                Some(wait) if wait > MAX_RETRY_AFTER_MS => None,
                wait => Some(backoff::delay_ms(
                    &self.policy,
                    self.failures_in_row,
                    wait,
                    &mut self.ids,
                )),
            },
            SpeechError::Transient(_) => Some(backoff::delay_ms(
                &self.policy,
                self.failures_in_row,
                None,
                &mut self.ids,
            )),
            // A frame from the service that cannot be used may be a glitch on the way: retry.
            // The service saying that we broke the protocol (close 1002) is not.
            SpeechError::Protocol(_) if matches!(loss, Loss::Refused(_)) => Some(backoff::delay_ms(
                &self.policy,
                self.failures_in_row,
                None,
                &mut self.ids,
            )),
            _ => None,
        };
        match delay {
            Some(delay_ms) if !over_budget => {
                self.phase = LinkPhase::Waiting {
                    not_before: now.saturating_add(delay_ms),
                };
                self.reconnects = self.reconnects.saturating_add(1);
                LossOutcome::Retry(ReconnectNotice {
                    attempt: self.attempts.saturating_add(1),
                    delay_ms,
                    cause: line,
                })
            }
            _ => {
                self.phase = LinkPhase::Idle;
                LossOutcome::Failed(self.failure(error))
            }
        }
    }
}

/// The classified error of a loss and a one-line description of it.
fn classify(settings: &Settings, loss: &Loss) -> (SpeechError, String) {
    match loss {
        Loss::ConnectFailed(ConnectFailure::Rejected(rejected)) => (
            failures::classify_http(settings, rejected.status, rejected.retry_after.as_deref(), &rejected.body),
            format!("upgrade refused with HTTP {}", rejected.status),
        ),
        Loss::ConnectFailed(ConnectFailure::Credential(credential)) => {
            let detail = FailureDetail {
                http_status: credential.http_status,
                close_code: None,
                message: credential.message.clone(),
                hint: "the credential could not be obtained: the message says from where and why".to_owned(),
            };
            let error = match credential.http_status {
                Some(429 | 500..=599) => SpeechError::Transient(detail),
                Some(403) => SpeechError::Forbidden(detail),
                _ => SpeechError::Authentication(detail),
            };
            (error, "no credential".to_owned())
        }
        Loss::ConnectFailed(ConnectFailure::Proxy(refusal)) => (
            crate::proxy::refusal::classify(refusal),
            format!("the proxy refused the tunnel with HTTP {}", refusal.status),
        ),
        Loss::ConnectFailed(ConnectFailure::Network(failure)) => (
            network::classify(settings, failure),
            format!("could not connect ({})", crate::failures::excerpt(&failure.message)),
        ),
        Loss::Closed(CloseInfo::Frame(frame)) => (
            failures::classify_close(frame.code, &frame.reason),
            format!(
                "closed by the service with {} {}",
                frame.code,
                crate::failures::excerpt(&frame.reason)
            )
            .trim_end()
            .to_owned(),
        ),
        Loss::Closed(CloseInfo::Broken(failure)) => (
            network::classify(settings, failure),
            format!("connection broke ({})", crate::failures::excerpt(&failure.message)),
        ),
        Loss::ResponseTimeout(ms) => (
            SpeechError::Transient(FailureDetail {
                http_status: None,
                close_code: None,
                message: format!(
                    "the service stalled: it sent nothing for {} while a response was due",
                    seconds_text(*ms)
                ),
                hint: "the service or a proxy stalled: azspeech reconnects; if it repeats, check proxies and the service's health".to_owned(),
            }),
            format!("no response for {}", seconds_text(*ms)),
        ),
        Loss::Refused(error) => (error.clone(), format!("the session was refused ({})", kind_name(error))),
    }
}

/// `ms` as seconds for people: "30 s", "3.3 s".
fn seconds_text(ms: u64) -> String {
    if ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else {
        format!("{}.{} s", ms / 1000, ms % 1000 / 100)
    }
}

/// The final error of a session whose connections stalled `stalls` times in a row.
fn stall_verdict(error: SpeechError, stalls: u32) -> SpeechError {
    match error {
        SpeechError::Transient(detail) => SpeechError::Transient(FailureDetail {
            message: format!("{} ({stalls} connections in a row stalled)", detail.message),
            hint: "the service stopped answering: check its health (the Azure status page, `azspeech doctor --probe`) and any proxy or firewall between, which may hold WebSockets open without passing traffic; --response-timeout-secs (AZSPEECH_RESPONSE_TIMEOUT_SECS) sets how long to wait".to_owned(),
            ..detail
        }),
        other => other,
    }
}

/// A short name of an error case, for `tried` lines.
pub fn kind_name(error: &SpeechError) -> &'static str {
    match error {
        SpeechError::Configuration(_) => "configuration",
        SpeechError::Authentication(_) => "authentication",
        SpeechError::Forbidden(_) => "forbidden",
        SpeechError::Throttled(_) => "throttled",
        SpeechError::Transient(_) => "transient",
        SpeechError::BadRequest(_) => "bad request",
        SpeechError::Protocol(_) => "protocol",
        SpeechError::NotImplemented(_) => "not implemented",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bindings::exports::azspeech::core::config::{Setting, SettingSource, SettingValue};
    use crate::link::policy::default_wit_policy;

    fn settings() -> Settings {
        let vars = [
            (
                "SPEECH_ENDPOINT",
                SettingValue::Text("http://127.0.0.1:5000".to_owned()),
            ),
            ("SPEECH_KEY", SettingValue::Secret(true)),
        ]
        .map(|(name, value)| Setting {
            name: name.to_owned(),
            value,
            source: SettingSource::Environment,
        });
        crate::config::resolve(&vars).expect("settings resolve")
    }

    fn connect(link: &mut Link, now: u64, settings: &Settings) {
        let request = link.poll_connect(now, settings, true);
        assert!(matches!(request, Some(Ok(_))), "{request:?}");
        link.connected(now);
    }

    fn stall(link: &mut Link, now: u64, settings: &Settings) -> LossOutcome {
        let timeout = link.response_timeout_ms();
        link.lost(now, settings, &Loss::ResponseTimeout(timeout))
    }

    #[test]
    fn a_stalled_connection_shortens_the_next_wait_and_two_in_a_row_end_the_session() {
        let settings = settings();
        let mut link = Link::new(Policy::from_wit(&default_wit_policy(5)), RequestKind::SttWebsocket);
        assert_eq!(link.response_timeout_ms(), 30_000);
        connect(&mut link, 0, &settings);
        let LossOutcome::Retry(notice) = stall(&mut link, 30_000, &settings) else {
            panic!("the first stall is retried");
        };
        assert!(notice.cause.contains("no response for 30 s"), "{}", notice.cause);
        assert_eq!(link.response_timeout_ms(), 10_000, "a third after a stall");
        let LinkPhase::Waiting { not_before } = link.phase() else {
            panic!("waiting for the next attempt");
        };
        connect(&mut link, not_before, &settings);
        let LossOutcome::Failed(failure) = stall(&mut link, not_before + 10_000, &settings) else {
            panic!("the second stall in a row ends the session, well before ten attempts");
        };
        assert_eq!(failure.attempts, 2);
        let SpeechError::Transient(detail) = &failure.error else {
            panic!("a stall is a lost connection: {:?}", failure.error);
        };
        assert!(detail.message.contains("stalled"), "{}", detail.message);
        assert!(detail.message.contains("10 s"), "{}", detail.message);
        assert!(
            detail.message.contains("2 connections in a row stalled"),
            "{}",
            detail.message
        );
        assert!(detail.hint.contains("--response-timeout-secs"), "{}", detail.hint);
        assert_eq!(link.phase(), LinkPhase::Idle);
    }

    #[test]
    fn progress_restores_the_full_timeout_and_the_stall_budget() {
        let settings = settings();
        let mut link = Link::new(Policy::from_wit(&default_wit_policy(5)), RequestKind::TtsWebsocket);
        let mut now = 0;
        for round in 0..5 {
            connect(&mut link, now, &settings);
            assert_eq!(link.response_timeout_ms(), 30_000, "round {round}");
            link.progress();
            now += 30_000;
            assert!(
                matches!(stall(&mut link, now, &settings), LossOutcome::Retry(_)),
                "round {round}: one stall after progress is retried"
            );
            let LinkPhase::Waiting { not_before } = link.phase() else {
                panic!("waiting");
            };
            connect(&mut link, not_before, &settings);
            assert_eq!(link.response_timeout_ms(), 10_000);
            link.progress();
            now = not_before + 1_000;
            link.disconnect(now);
        }
    }

    #[test]
    fn other_losses_do_not_count_as_stalls() {
        let settings = settings();
        let mut link = Link::new(Policy::from_wit(&default_wit_policy(5)), RequestKind::SttWebsocket);
        connect(&mut link, 0, &settings);
        assert!(matches!(stall(&mut link, 30_000, &settings), LossOutcome::Retry(_)));
        let LinkPhase::Waiting { not_before } = link.phase() else {
            panic!("waiting");
        };
        connect(&mut link, not_before, &settings);
        let reset = Loss::Closed(CloseInfo::Frame(
            crate::bindings::exports::azspeech::core::link::CloseFrame {
                code: 1011,
                reason: "Internal server error".to_owned(),
            },
        ));
        assert!(matches!(
            link.lost(not_before + 5, &settings, &reset),
            LossOutcome::Retry(_)
        ));
        assert_eq!(
            link.response_timeout_ms(),
            10_000,
            "still after a stall, no progress yet"
        );
    }
}
