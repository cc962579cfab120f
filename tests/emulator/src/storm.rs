//! Fault storms: a seeded random mix of faults over many WebSocket connections, so that a client's
//! reconnect logic meets every failure in many orders, reproducibly.
//!
//! A [`Storm`] sits in the faults list beside [`Fault`](crate::Fault)s:
//!
//! ```json
//! [{"storm": {"seed": 7, "target": "stt", "max_faults": 120, "probability": 0.6,
//!             "actions": ["abort", "close-1011", "close-1001", "close-1000", "close-4429",
//!                         "http-503", "http-429", "refuse", "truncated-frame", "stall"],
//!             "max_after_received_frames": 60, "stall_ms": 3000}}]
//! ```
//!
//! Each WebSocket upgrade matching `target` (counted in arrival order) draws three numbers from a
//! splitmix64 stream seeded with `seed`: whether it is hit (with `probability`), which action, and
//! for mid-stream actions after how many received frames (uniform in
//! `1..=max_after_received_frames`). After `max_faults` hits the storm is over, so a client that
//! keeps retrying always gets through. The same seed gives the same sequence
//! ([`Storm::plan`] computes it without an emulator). Storms never touch REST or token endpoints.
//!
//! | action | what the client sees |
//! |---|---|
//! | `refuse` | the upgrade request is read, then TCP is closed without an HTTP answer |
//! | `http-<status>` | that status on the upgrade with a service-style JSON body (`http-429` with `Retry-After: 1`) |
//! | `abort` | TCP closed without a close frame after N received frames (1006) |
//! | `close-<code>` | a close frame with that code after N received frames |
//! | `stall` | after N received frames nothing is sent or read for `stall_ms`, then TCP is closed |
//! | `truncated-frame` | after N received frames the start of a frame (text on STT, binary on TTS), then TCP is closed |

use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;

use serde::Deserialize;

use crate::faults::{FaultAction, FaultTarget, RequestKind, Trigger};

/// One kind of fault a storm can pick.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(try_from = "String")]
pub enum StormAction {
    /// `abort`: drop TCP without a close frame (1006 at the client), mid-stream.
    Abort,
    /// `close-<code>`: send a close frame with this code, mid-stream.
    Close(u16),
    /// `http-<status>`: answer the upgrade with this status.
    Http(u16),
    /// `refuse`: close TCP after reading the upgrade request, without an answer.
    Refuse,
    /// `truncated-frame`: send the start of a frame, then drop TCP, mid-stream.
    TruncatedFrame,
    /// `stall`: send and read nothing for `stall_ms`, then drop TCP, mid-stream.
    Stall,
}

impl StormAction {
    /// The default mix: every action of the example above.
    pub fn all() -> Vec<StormAction> {
        vec![
            StormAction::Abort,
            StormAction::Close(1011),
            StormAction::Close(1001),
            StormAction::Close(1000),
            StormAction::Close(4429),
            StormAction::Http(503),
            StormAction::Http(429),
            StormAction::Refuse,
            StormAction::TruncatedFrame,
            StormAction::Stall,
        ]
    }

    /// Whether the action happens on an open WebSocket (after a number of received frames)
    /// rather than on the upgrade.
    pub fn is_mid_stream(self) -> bool {
        !matches!(self, StormAction::Http(_) | StormAction::Refuse)
    }

    fn validate(self) -> Result<(), String> {
        match self {
            StormAction::Close(code) if !(1000..=4999).contains(&code) || matches!(code, 1004 | 1005 | 1006 | 1015) => {
                Err(format!(
                    "storm action close-{code}: that code cannot be sent in a close frame"
                ))
            }
            StormAction::Http(status) if !(300..=599).contains(&status) => {
                Err(format!("storm action http-{status}: not an error status (300-599)"))
            }
            _ => Ok(()),
        }
    }

    /// The close reason sent with `close-<code>`.
    pub(crate) fn close_reason(code: u16) -> String {
        match code {
            1000 => "Normal closure".to_owned(),
            1001 => "Going away".to_owned(),
            1011 => "Internal server error".to_owned(),
            1013 => "Try again later".to_owned(),
            4429 => "The request is throttled because you have exceeded the concurrent request limit allowed for your subscription.".to_owned(),
            _ => format!("Injected close {code}"),
        }
    }
}

impl fmt::Display for StormAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StormAction::Abort => f.write_str("abort"),
            StormAction::Close(code) => write!(f, "close-{code}"),
            StormAction::Http(status) => write!(f, "http-{status}"),
            StormAction::Refuse => f.write_str("refuse"),
            StormAction::TruncatedFrame => f.write_str("truncated-frame"),
            StormAction::Stall => f.write_str("stall"),
        }
    }
}

impl FromStr for StormAction {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let number = |rest: &str| {
            rest.parse::<u16>()
                .map_err(|_| format!("storm action `{s}`: `{rest}` is not a number"))
        };
        let action = match s {
            "abort" => StormAction::Abort,
            "refuse" => StormAction::Refuse,
            "truncated-frame" => StormAction::TruncatedFrame,
            "stall" => StormAction::Stall,
            _ => {
                if let Some(code) = s.strip_prefix("close-") {
                    StormAction::Close(number(code)?)
                } else if let Some(status) = s.strip_prefix("http-") {
                    StormAction::Http(number(status)?)
                } else {
                    return Err(format!(
                        "unknown storm action `{s}` (abort, close-<code>, http-<status>, refuse, truncated-frame, stall)"
                    ));
                }
            }
        };
        action.validate()?;
        Ok(action)
    }
}

impl TryFrom<String> for StormAction {
    type Error = String;

    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

fn default_probability() -> f64 {
    0.5
}

fn default_max_after() -> u64 {
    60
}

fn default_stall_ms() -> u64 {
    3000
}

/// A seeded random mix of faults over many WebSocket connections (see the module docs).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Storm {
    /// Seed of the splitmix64 stream: the same seed gives the same sequence.
    pub seed: u64,
    /// Which upgrades it applies to: `websocket` (default), `stt` or `tts`.
    #[serde(default)]
    pub target: FaultTarget,
    /// How many faults in all; afterwards every connection is healthy.
    pub max_faults: u64,
    /// Chance that a connection is hit (0 to 1; default 0.5).
    #[serde(default = "default_probability")]
    pub probability: f64,
    /// The actions to pick from, uniformly (default: [`StormAction::all`]).
    #[serde(default = "StormAction::all")]
    pub actions: Vec<StormAction>,
    /// Mid-stream actions fire after 1 to this many frames from the client (default 60).
    #[serde(default = "default_max_after")]
    pub max_after_received_frames: u64,
    /// How long `stall` stalls before dropping the connection (default 3000 ms).
    #[serde(default = "default_stall_ms")]
    pub stall_ms: u64,
}

/// What a storm does to one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StormHit {
    /// The action.
    pub action: StormAction,
    /// For mid-stream actions, the number of client frames after which it fires (0 for actions
    /// on the upgrade).
    pub after_received_frames: u64,
}

impl Storm {
    /// A storm with the default mix, probability 0.5, triggers in 1..=60 frames and 3 s stalls.
    pub fn new(seed: u64, target: FaultTarget, max_faults: u64) -> Self {
        Storm {
            seed,
            target,
            max_faults,
            probability: default_probability(),
            actions: StormAction::all(),
            max_after_received_frames: default_max_after(),
            stall_ms: default_stall_ms(),
        }
    }

    /// Chance that a connection is hit.
    pub fn probability(mut self, probability: f64) -> Self {
        self.probability = probability;
        self
    }

    /// The actions to pick from.
    pub fn actions(mut self, actions: Vec<StormAction>) -> Self {
        self.actions = actions;
        self
    }

    /// Upper bound of the mid-stream trigger (client frames).
    pub fn max_after_received_frames(mut self, frames: u64) -> Self {
        self.max_after_received_frames = frames;
        self
    }

    /// How long `stall` stalls.
    pub fn stall_ms(mut self, ms: u64) -> Self {
        self.stall_ms = ms;
        self
    }

    /// Check that the storm can be carried out.
    pub fn validate(&self) -> Result<(), String> {
        if !matches!(
            self.target,
            FaultTarget::Websocket | FaultTarget::Stt | FaultTarget::Tts
        ) {
            return Err("a storm applies to WebSocket connections only: target websocket, stt or tts".to_owned());
        }
        if !(0.0..=1.0).contains(&self.probability) {
            return Err(format!("storm probability {} is not between 0 and 1", self.probability));
        }
        if self.actions.is_empty() {
            return Err("a storm needs at least one action".to_owned());
        }
        if self.max_after_received_frames == 0 {
            return Err("storm max_after_received_frames must be at least 1".to_owned());
        }
        self.actions.iter().try_for_each(|a| a.validate())
    }

    /// What the storm does to the first `connections` matching connections, in order (`None`:
    /// spared). The running emulator follows exactly this plan.
    pub fn plan(&self, connections: usize) -> Vec<Option<StormHit>> {
        let mut run = StormRun::new(self.clone());
        (0..connections).map(|_| run.next()).collect()
    }
}

/// splitmix64 (Steele, Lea, Flood 2014): tiny, fast, good enough to shuffle faults.
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A storm in progress.
#[derive(Debug)]
struct StormRun {
    storm: Storm,
    rng: SplitMix64,
    hits: u64,
}

impl StormRun {
    fn new(storm: Storm) -> Self {
        StormRun {
            rng: SplitMix64(storm.seed),
            storm,
            hits: 0,
        }
    }

    /// The decision for the next matching connection. Three numbers are drawn for every
    /// connection, hit or not, so the sequence depends on the seed and the index only.
    fn next(&mut self) -> Option<StormHit> {
        let coin = self.rng.unit();
        let pick = self.rng.next();
        let trigger = self.rng.next();
        if self.hits >= self.storm.max_faults || coin >= self.storm.probability {
            return None;
        }
        let action = *self
            .storm
            .actions
            .get((pick % self.storm.actions.len() as u64) as usize)?;
        self.hits += 1;
        Some(StormHit {
            action,
            after_received_frames: if action.is_mid_stream() {
                1 + trigger % self.storm.max_after_received_frames
            } else {
                0
            },
        })
    }
}

/// What a storm hit means for one upgrade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Strike {
    /// Close TCP without answering.
    Refuse,
    /// Answer with this status (and `Retry-After` seconds).
    Status(u16, Option<u64>),
    /// Accept, then carry out these faults, in order, when their triggers are reached (they
    /// count as one injected fault).
    MidStream(Vec<FaultAction>),
}

/// The configured storms and where each stands.
#[derive(Debug)]
pub(crate) struct StormBook {
    storms: Vec<(FaultTarget, Mutex<StormRun>)>,
}

impl StormBook {
    pub(crate) fn new(storms: Vec<Storm>) -> Self {
        StormBook {
            storms: storms
                .into_iter()
                .map(|s| (s.target, Mutex::new(StormRun::new(s))))
                .collect(),
        }
    }

    /// The storm hits for this upgrade (each storm whose target matches draws once), with a
    /// description for the log.
    pub(crate) fn take(&self, kind: RequestKind) -> Vec<(Strike, String)> {
        let mut strikes = Vec::new();
        for (target, run) in &self.storms {
            if !target.matches(kind) {
                continue;
            }
            let mut run = run.lock().unwrap_or_else(|e| e.into_inner());
            let stall_ms = run.storm.stall_ms;
            let Some(hit) = run.next() else {
                continue;
            };
            let after = Trigger::ReceivedFrames(hit.after_received_frames);
            let strike = match hit.action {
                StormAction::Refuse => Strike::Refuse,
                StormAction::Http(status) => Strike::Status(status, (status == 429).then_some(1)),
                StormAction::Abort => Strike::MidStream(vec![FaultAction::Abort { after }]),
                StormAction::Close(code) => Strike::MidStream(vec![FaultAction::Close {
                    after,
                    code,
                    reason: StormAction::close_reason(code),
                }]),
                StormAction::TruncatedFrame => Strike::MidStream(vec![FaultAction::Truncated {
                    after,
                    binary: kind == RequestKind::Tts,
                }]),
                StormAction::Stall => Strike::MidStream(vec![
                    FaultAction::Stall {
                        after,
                        millis: Some(stall_ms),
                    },
                    FaultAction::Abort { after },
                ]),
            };
            let what = if hit.action.is_mid_stream() {
                format!(
                    "storm: {} after {} received frames",
                    hit.action, hit.after_received_frames
                )
            } else {
                format!("storm: {}", hit.action)
            };
            strikes.push((strike, what));
        }
        strikes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_reference_values() {
        // First outputs for seed 1234567 (from the reference implementation).
        let mut rng = SplitMix64(1_234_567);
        assert_eq!(rng.next(), 6_457_827_717_110_365_317);
        assert_eq!(rng.next(), 3_203_168_211_198_807_973);
    }

    #[test]
    fn actions_parse_and_print() {
        for action in StormAction::all() {
            assert_eq!(action.to_string().parse::<StormAction>(), Ok(action));
        }
        assert!("close-1006".parse::<StormAction>().is_err());
        assert!("http-200".parse::<StormAction>().is_err());
        assert!("explode".parse::<StormAction>().is_err());
    }
}
