//! Fault injection: make the emulator fail the way Azure sometimes does, on purpose.
//!
//! A [`Fault`] is an action, a target (which requests it applies to) and a count (the first N
//! matching requests, or all). In JSON (configuration file or `AZSPEECH_EMULATOR_FAULTS`):
//!
//! ```json
//! [{"action": "refuse", "first": 2},
//!  {"action": {"http-status": {"status": 429, "retry_after_secs": 3}}, "target": "stt", "first": 1},
//!  {"action": {"abort": {"after": {"received-frames": 5}}}, "target": "stt"},
//!  {"action": {"close": {"after": {"sent-frames": 3}, "code": 1011, "reason": "Internal server error"}}},
//!  {"action": {"stall": {"after": {"sent-bytes": 16384}, "millis": 4000}}, "target": "tts"},
//!  {"action": {"malformed": {"after": {"received-frames": 3}, "kind": "text-without-separator"}}}]
//! ```
//!
//! | action | where | what the client sees |
//! |---|---|---|
//! | `refuse` | TCP accept (any request) | the connection is closed before any byte is read: reset / EOF during the handshake (a listening port cannot return ECONNREFUSED) |
//! | `http-status` | HTTP request or WebSocket upgrade | that status (401, 403, 429 with `Retry-After`, 500, 503, ...) and a service-style JSON body |
//! | `abort` | open WebSocket | TCP closed without a close frame: close code 1006 at the client |
//! | `close` | open WebSocket | a close frame with that code and reason (1007, 1011, 4429, ...) |
//! | `stall` | open WebSocket | nothing is sent or read for that long (or until the client leaves) |
//! | `malformed` | open WebSocket | one broken frame, then the session goes on |
//! | `truncated` | open WebSocket | the start of a frame (text, or binary with `"binary": true`), then TCP closed: a truncated frame / EOF |
//! | `hostile` | open WebSocket | a hostile service: an endless frame announced, invalid UTF-8 in a text frame, deeply nested or huge JSON, a ping flood (see [`HostileKind`]) |
//!
//! A service silent after the upgrade is `{"action": {"stall": {"after": {"received-frames": 0}}}}`:
//! it reads and discards what the client sends and answers nothing.
//!
//! The list may also hold [`Storm`](crate::Storm)s (`{"storm": {...}}`), a seeded random mix of
//! these faults over many connections; see [`FaultEntry`].

use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Deserializer};

use crate::storm::Storm;

/// One fault: what to do, to which requests, how many times.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    /// What happens.
    pub action: FaultAction,
    /// Which requests it applies to (default: WebSocket connections, STT and TTS).
    #[serde(default)]
    pub target: FaultTarget,
    /// Apply to the first N matching requests only; `None`: to all.
    #[serde(default)]
    pub first: Option<u64>,
}

impl Fault {
    /// A fault applied to every matching request.
    pub fn new(action: FaultAction, target: FaultTarget) -> Self {
        Fault {
            action,
            target,
            first: None,
        }
    }

    /// Only the first `n` matching requests.
    pub fn first(mut self, n: u64) -> Self {
        self.first = Some(n);
        self
    }

    /// Answer with `status` (and `Retry-After` seconds, if given).
    pub fn http_status(status: u16, retry_after_secs: Option<u64>, target: FaultTarget) -> Self {
        Fault::new(
            FaultAction::HttpStatus {
                status,
                retry_after_secs,
                body: None,
            },
            target,
        )
    }

    /// Check that the fault can be carried out.
    pub fn validate(&self) -> Result<(), String> {
        match &self.action {
            FaultAction::Refuse if self.target != FaultTarget::Any => Err(
                "a `refuse` fault happens at TCP accept, before the request is known: its target must be `any`"
                    .to_owned(),
            ),
            FaultAction::HttpStatus { status, .. } if !(300..=599).contains(status) => {
                Err(format!("fault status {status} is not an error status (300-599)"))
            }
            FaultAction::Close { code, .. }
                if !(1000..=4999).contains(code) || matches!(code, 1004 | 1005 | 1006 | 1015) =>
            {
                Err(format!(
                    "close code {code} cannot be sent in a close frame (use `abort` for 1006)"
                ))
            }
            FaultAction::Abort { .. }
            | FaultAction::Close { .. }
            | FaultAction::Stall { .. }
            | FaultAction::Malformed { .. }
            | FaultAction::Truncated { .. }
            | FaultAction::Hostile { .. }
                if matches!(
                    self.target,
                    FaultTarget::Rest | FaultTarget::Sts | FaultTarget::Identity | FaultTarget::Transcription
                ) =>
            {
                Err("mid-stream faults apply to WebSocket targets only (websocket, stt, tts, any)".to_owned())
            }
            _ => Ok(()),
        }
    }
}

/// What a fault does.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub enum FaultAction {
    /// Close the TCP connection at accept (target must be `any`; counts TCP connections).
    Refuse,
    /// Answer the request or the WebSocket upgrade with this HTTP status.
    HttpStatus {
        /// The status (e.g. 401, 403, 429, 500, 503).
        status: u16,
        /// `Retry-After` in seconds.
        #[serde(default)]
        retry_after_secs: Option<u64>,
        /// The body (default: a service-style JSON error).
        #[serde(default)]
        body: Option<String>,
    },
    /// Drop the TCP connection without a close frame (1006 at the client).
    Abort {
        /// When.
        after: Trigger,
    },
    /// Send a close frame.
    Close {
        /// When.
        after: Trigger,
        /// Close code (1007, 1011, 4429, ...).
        code: u16,
        /// Close reason.
        #[serde(default)]
        reason: String,
    },
    /// Stop sending and reading.
    Stall {
        /// When.
        after: Trigger,
        /// For how long; `None`: until the client goes away.
        #[serde(default)]
        millis: Option<u64>,
    },
    /// Send one malformed frame, then go on.
    Malformed {
        /// When.
        after: Trigger,
        /// Which kind of breakage.
        kind: MalformedKind,
    },
    /// Act as a hostile service (see [`HostileKind`]); except for the ping flood, the
    /// connection then reads and discards until the client leaves.
    Hostile {
        /// When.
        after: Trigger,
        /// What is sent.
        kind: HostileKind,
    },
    /// Send the start of a frame (its header announces more than follows), then drop the TCP
    /// connection: the client sees a truncated frame, then EOF.
    Truncated {
        /// When.
        after: Trigger,
        /// A binary frame (else a text frame).
        #[serde(default)]
        binary: bool,
    },
}

/// What a hostile service sends ([`FaultAction::Hostile`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HostileKind {
    /// A binary frame header announcing 2^40 payload bytes, then nothing: the client must
    /// refuse the length instead of waiting for (or allocating) it.
    EndlessFrame,
    /// A text frame whose payload is not UTF-8 (below the WebSocket layer, which checks it).
    InvalidUtf8,
    /// A `speech.phrase` whose JSON body nests 100 000 arrays.
    DeepJson,
    /// A `speech.phrase` whose JSON body is 8 MiB (a string of that length).
    HugeJson,
    /// 10 000 pings with 125-byte payloads as fast as the socket takes them, then the session
    /// goes on.
    PingFlood,
}

/// When a mid-stream fault fires, counted on one WebSocket connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub enum Trigger {
    /// After this many messages from the client (0: right after the upgrade).
    ReceivedFrames(u64),
    /// After this many messages to the client.
    SentFrames(u64),
    /// After this many payload bytes from the client.
    ReceivedBytes(u64),
    /// After this many payload bytes to the client.
    SentBytes(u64),
}

impl Trigger {
    pub(crate) fn fired(self, counters: &Counters) -> bool {
        match self {
            Trigger::ReceivedFrames(n) => counters.received_frames >= n,
            Trigger::SentFrames(n) => counters.sent_frames >= n,
            Trigger::ReceivedBytes(n) => counters.received_bytes >= n,
            Trigger::SentBytes(n) => counters.sent_bytes >= n,
        }
    }
}

/// Kinds of malformed frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MalformedKind {
    /// A text message without the blank line between headers and body.
    TextWithoutSeparator,
    /// A text message without a `Path` header.
    TextWithoutPath,
    /// A text message (`speech.hypothesis`) whose `X-RequestId` is not the client's.
    WrongRequestId,
    /// A text message whose JSON body is cut in the middle.
    TruncatedJson,
    /// A binary message whose header-length prefix exceeds the message.
    BinaryBadPrefix,
    /// A binary message of a single byte.
    BinaryTruncated,
}

/// Which requests a fault applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FaultTarget {
    /// Every request (HTTP, WebSocket, token endpoints) and, for `refuse`, every TCP connection.
    Any,
    /// STT and TTS WebSocket upgrades.
    #[default]
    Websocket,
    /// STT WebSocket upgrades.
    Stt,
    /// TTS WebSocket upgrades.
    Tts,
    /// TTS REST and the voices list.
    Rest,
    /// STS `issueToken`.
    Sts,
    /// Managed-identity and Entra token endpoints.
    Identity,
    /// Fast and batch transcription REST (`/speechtotext/…`).
    Transcription,
}

/// What kind of request is being served (for fault matching).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RequestKind {
    Tcp,
    Stt,
    Tts,
    Rest,
    Sts,
    Identity,
    Transcription,
}

impl FaultTarget {
    pub(crate) fn matches(self, kind: RequestKind) -> bool {
        match self {
            FaultTarget::Any => true,
            FaultTarget::Websocket => matches!(kind, RequestKind::Stt | RequestKind::Tts),
            FaultTarget::Stt => kind == RequestKind::Stt,
            FaultTarget::Tts => kind == RequestKind::Tts,
            FaultTarget::Rest => kind == RequestKind::Rest,
            FaultTarget::Sts => kind == RequestKind::Sts,
            FaultTarget::Identity => kind == RequestKind::Identity,
            FaultTarget::Transcription => kind == RequestKind::Transcription,
        }
    }
}

/// Per-connection message and byte counts.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Counters {
    pub(crate) received_frames: u64,
    pub(crate) sent_frames: u64,
    pub(crate) received_bytes: u64,
    pub(crate) sent_bytes: u64,
}

/// A mid-stream fault waiting for its trigger on one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Armed {
    pub(crate) action: FaultAction,
    /// Firing it counts as one injected fault (the second half of a storm's stall-then-abort
    /// does not).
    pub(crate) counts: bool,
}

impl Armed {
    /// One fault.
    pub(crate) fn one(action: FaultAction) -> Self {
        Armed { action, counts: true }
    }

    /// Faults carried out together (in order), counted as one.
    pub(crate) fn group(actions: Vec<FaultAction>) -> impl Iterator<Item = Armed> {
        actions
            .into_iter()
            .enumerate()
            .map(|(i, action)| Armed { action, counts: i == 0 })
    }
}

/// The configured faults and how many requests each has matched.
#[derive(Debug)]
pub(crate) struct FaultBook {
    faults: Vec<(Fault, AtomicU64)>,
}

impl FaultBook {
    pub(crate) fn new(faults: Vec<Fault>) -> Self {
        FaultBook {
            faults: faults.into_iter().map(|f| (f, AtomicU64::new(0))).collect(),
        }
    }

    /// The faults that apply to this request (counting it against every matching fault).
    pub(crate) fn take(&self, kind: RequestKind) -> Vec<FaultAction> {
        let mut actions = Vec::new();
        for (fault, seen) in &self.faults {
            let is_refuse = fault.action == FaultAction::Refuse;
            // `refuse` counts TCP connections; everything else counts requests.
            if is_refuse != (kind == RequestKind::Tcp) || !fault.target.matches(kind) {
                continue;
            }
            let index = seen.fetch_add(1, Ordering::SeqCst);
            if fault.first.is_none_or(|n| index < n) {
                actions.push(fault.action.clone());
            }
        }
        actions
    }
}

/// One entry of a faults list: a [`Fault`], or a [`Storm`] written `{"storm": {...}}`.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultEntry {
    /// A fault.
    Fault(Fault),
    /// A storm of faults.
    Storm(Storm),
}

impl<'de> Deserialize<'de> for FaultEntry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct StormEntry {
            storm: Storm,
        }
        // Dispatch on the `storm` key, so that each kind reports its own errors.
        let value = serde_json::Value::deserialize(deserializer)?;
        let entry = if value.get("storm").is_some() {
            serde_json::from_value::<StormEntry>(value).map(|e| FaultEntry::Storm(e.storm))
        } else {
            serde_json::from_value::<Fault>(value).map(FaultEntry::Fault)
        };
        entry.map_err(serde::de::Error::custom)
    }
}

impl FaultEntry {
    /// Check that the entry can be carried out.
    pub fn validate(&self) -> Result<(), String> {
        match self {
            FaultEntry::Fault(f) => f.validate(),
            FaultEntry::Storm(s) => s.validate(),
        }
    }
}
