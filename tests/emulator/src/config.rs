//! [`EmulatorConfig`]: what the emulated resource looks like and how the emulator behaves.
//!
//! Every field has a default that makes a working emulator: a `westeurope` resource with the
//! custom domain `contoso-speech`, two random keys, a system-assigned managed identity and a
//! service principal that both hold the *Cognitive Services Speech User* role, plain HTTP on
//! `127.0.0.1:<random port>`. The builder methods change one thing each.
//!
//! The standalone `azspeech emulator` reads the same settings from a JSON file
//! ([`EmulatorConfig::from_json`]) and from `AZSPEECH_EMULATOR_*` variables
//! ([`EmulatorConfig::from_env`]).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use crate::clock::{Clock, SystemClock};
use crate::faults::{Fault, FaultEntry};
use crate::storm::Storm;
use crate::tokens::STS_LIFETIME_SECS;
use crate::tokens::random_hex;
use crate::voices::Voice;

/// The default ARM resource id of the emulated Speech resource.
pub const DEFAULT_RESOURCE_ID: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/azspeech-emulator/providers/Microsoft.CognitiveServices/accounts/contoso-speech";
/// The default Entra tenant of the emulated identities.
pub const DEFAULT_TENANT_ID: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
/// Client id of the default service principal (app registration).
pub const DEFAULT_APP_CLIENT_ID: &str = "11111111-2222-4333-8444-555555555555";
/// Client id of the default user-assigned managed identity.
pub const DEFAULT_USER_ASSIGNED_CLIENT_ID: &str = "66666666-7777-4888-8999-000000000000";
/// The role the emulator treats as granting access to Speech (RBAC: least privilege for STT/TTS).
pub const SPEECH_ROLE: &str = "Cognitive Services Speech User";

/// The Azure cloud of the emulated resource: decides host suffixes and the token audience.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Cloud {
    /// Azure public cloud (`*.microsoft.com`, `*.cognitiveservices.azure.com`).
    #[default]
    Public,
    /// Azure US Government (`*.azure.us`, `*.api.cognitive.microsoft.us`).
    #[serde(alias = "usgov", alias = "azureusgovernment")]
    UsGov,
    /// Azure China, operated by 21Vianet (`*.azure.cn`).
    #[serde(alias = "azurechina")]
    China,
}

impl Cloud {
    /// Suffix of the regional speech hosts: `{region}.stt.speech.<suffix>`.
    pub fn speech_suffix(self) -> &'static str {
        match self {
            Cloud::Public => "microsoft.com",
            Cloud::UsGov => "azure.us",
            Cloud::China => "azure.cn",
        }
    }

    /// Suffix of the regional API hosts: `{region}.<suffix>` (STS `issueToken`).
    pub fn api_suffix(self) -> &'static str {
        match self {
            Cloud::Public => "api.cognitive.microsoft.com",
            Cloud::UsGov => "api.cognitive.microsoft.us",
            Cloud::China => "api.cognitive.azure.cn",
        }
    }

    /// Suffix of custom-domain hosts: `{name}.<suffix>`.
    pub fn custom_domain_suffix(self) -> &'static str {
        match self {
            Cloud::Public => "cognitiveservices.azure.com",
            Cloud::UsGov => "cognitiveservices.azure.us",
            Cloud::China => "cognitiveservices.azure.cn",
        }
    }

    /// The Entra audience of Speech tokens (the scope without `/.default`).
    pub fn audience(self) -> &'static str {
        match self {
            Cloud::Public => "https://cognitiveservices.azure.com",
            Cloud::UsGov => "https://cognitiveservices.azure.us",
            Cloud::China => "https://cognitiveservices.azure.cn",
        }
    }

    /// Short lowercase name (`public`, `usgov`, `china`).
    pub fn name(self) -> &'static str {
        match self {
            Cloud::Public => "public",
            Cloud::UsGov => "usgov",
            Cloud::China => "china",
        }
    }
}

/// Which kind of host a request was addressed to, from its `Host` header.
///
/// The form decides which paths exist (custom domains put `/stt/` or `/tts/` in front) and which
/// credentials are accepted (a raw Entra token only on a custom domain; an STS token only on the
/// form that issued it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HostForm {
    /// `{region}.stt.speech.{suffix}`: speech-to-text.
    RegionalStt,
    /// `{region}.tts.speech.{suffix}` (or `.voice.speech.`): text-to-speech and voices.
    RegionalTts,
    /// `{region}.api.cognitive.{suffix}`: the STS `issueToken` endpoint.
    RegionalApi,
    /// `{name}.cognitiveservices.azure.{com,us,cn}`: the resource's custom domain.
    CustomDomain,
    /// `127.0.0.1`, `localhost`, `::1` (or no `Host`): like a container, it serves the regional
    /// (container) paths of every service, and like a custom domain it accepts raw Entra tokens.
    #[default]
    Loopback,
}

impl HostForm {
    /// A short name for logs (`regional-stt`, `custom-domain`, `loopback`, ...).
    pub fn name(self) -> &'static str {
        match self {
            HostForm::RegionalStt => "regional-stt",
            HostForm::RegionalTts => "regional-tts",
            HostForm::RegionalApi => "regional-api",
            HostForm::CustomDomain => "custom-domain",
            HostForm::Loopback => "loopback",
        }
    }

    /// Whether this is one of the regional forms.
    pub fn is_regional(self) -> bool {
        matches!(
            self,
            HostForm::RegionalStt | HostForm::RegionalTts | HostForm::RegionalApi
        )
    }
}

/// How a managed identity or app is represented in the emulator.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum IdentityKind {
    /// The system-assigned managed identity (requests without `client_id`).
    SystemAssigned,
    /// A user-assigned managed identity, selected by `client_id` / `object_id`.
    UserAssigned,
    /// An app registration: client-credentials grant with a secret or a client assertion
    /// (workload identity). Any JWT-shaped assertion is accepted: the emulator cannot verify a
    /// Kubernetes-issued token.
    ServicePrincipal {
        /// The client secret; `None` accepts only client assertions.
        secret: Option<String>,
    },
}

/// An Entra identity the token endpoints can issue tokens for.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Identity {
    /// Kind and credentials.
    #[serde(flatten)]
    pub kind: IdentityKind,
    /// Client (application) id.
    pub client_id: String,
    /// Object (principal) id: the `oid` claim.
    pub object_id: String,
    /// Whether the identity holds a Speech data role on the resource; without it, tokens are
    /// issued but their use gets HTTP 403.
    #[serde(default = "yes")]
    pub has_role: bool,
}

fn yes() -> bool {
    true
}

impl Identity {
    /// The default system-assigned managed identity (with the role).
    pub fn system_assigned() -> Self {
        Identity {
            kind: IdentityKind::SystemAssigned,
            client_id: "5b1a4e2c-0000-4000-8000-00000000a001".to_owned(),
            object_id: "0b5e6a2d-0000-4000-8000-00000000b001".to_owned(),
            has_role: true,
        }
    }

    /// The default user-assigned managed identity (with the role).
    pub fn user_assigned() -> Self {
        Identity {
            kind: IdentityKind::UserAssigned,
            client_id: DEFAULT_USER_ASSIGNED_CLIENT_ID.to_owned(),
            object_id: "0b5e6a2d-0000-4000-8000-00000000b002".to_owned(),
            has_role: true,
        }
    }

    /// The default app registration, with a fresh random secret (and the role).
    pub fn service_principal() -> Self {
        Identity {
            kind: IdentityKind::ServicePrincipal {
                secret: Some(format!("emu~{}", random_hex(20))),
            },
            client_id: DEFAULT_APP_CLIENT_ID.to_owned(),
            object_id: "0b5e6a2d-0000-4000-8000-00000000b003".to_owned(),
            has_role: true,
        }
    }
}

/// A recording with its transcript that the recognizer knows (besides what it synthesized).
#[derive(Debug, Clone, PartialEq)]
pub struct Fixture {
    /// A WAV file (16-bit PCM, any rate, any channel count: channels are averaged).
    pub wav: FixtureAudio,
    /// What is said, as it should be displayed (`Hello world.`).
    pub transcript: String,
}

/// Where a fixture's audio comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum FixtureAudio {
    /// A WAV file on disk, read at start.
    File(PathBuf),
    /// WAV bytes.
    Bytes(Vec<u8>),
}

/// Which synthesizer produces text-to-speech audio.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SynthesizerChoice {
    /// `espeak-ng` when it is on `PATH`, else the built-in synthesizer.
    #[default]
    Auto,
    /// `espeak-ng` (start fails if it is missing).
    Espeak,
    /// The deterministic built-in synthesizer (tones and noise per syllable; not intelligible).
    BuiltIn,
}

/// How much the emulator logs (through `tracing`) per request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verbosity {
    /// Only protocol violations and faults (warn).
    Quiet,
    /// Plus one line per HTTP request / WebSocket connection (info).
    #[default]
    Requests,
    /// Plus one line per WebSocket message in either direction (info).
    Messages,
}

/// Recognition timing knobs (all in milliseconds of audio, not wall time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "snake_case")]
pub struct RecognitionTuning {
    /// Silence that ends an unrecognized speech segment (the service's segmentation silence).
    pub segmentation_silence_ms: u32,
    /// Interactive mode: no speech within this much audio gives `InitialSilenceTimeout`.
    pub initial_silence_timeout_ms: u32,
    /// Continuous modes: this much silence without a result is acknowledged with an
    /// `InitialSilenceTimeout` phrase, so clients can free their replay buffers.
    pub silence_ack_ms: u32,
    /// Longest unrecognized segment before a `NoMatch` phrase is forced.
    pub max_segment_ms: u32,
    /// A hypothesis is sent after each this much matched speech.
    pub hypothesis_interval_ms: u32,
}

impl Default for RecognitionTuning {
    fn default() -> Self {
        RecognitionTuning {
            segmentation_silence_ms: 500,
            initial_silence_timeout_ms: 5000,
            silence_ack_ms: 20_000,
            max_segment_ms: 20_000,
            hypothesis_interval_ms: 1000,
        }
    }
}

/// Everything the emulator needs to start. Build with [`EmulatorConfig::new`] (or
/// `default()`) and the builder methods.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Where to listen: loopback only (`127.0.0.1:0` by default: a free port).
    pub bind: SocketAddr,
    /// Region of the emulated resource.
    pub region: String,
    /// Custom-domain name (subdomain) of the emulated resource.
    pub custom_domain: String,
    /// Cloud of the emulated resource.
    pub cloud: Cloud,
    /// ARM resource id (for `aad#{resourceId}#{token}`).
    pub resource_id: String,
    /// Key 1.
    pub primary_key: String,
    /// Key 2.
    pub secondary_key: String,
    /// `disableLocalAuth`: keys and key-derived STS tokens are rejected with 401.
    pub local_auth_disabled: bool,
    /// The form of requests whose `Host` names no Azure host (loopback, or unknown names).
    pub default_form: HostForm,
    /// Serve TLS (`https`/`wss`) as well as plain HTTP on the same port, with a generated CA.
    pub tls: bool,
    /// Where to write the generated CA certificate (PEM) at start, if anywhere.
    pub ca_file: Option<PathBuf>,
    /// Entra tenant of the identities.
    pub tenant_id: String,
    /// Identities the token endpoints know.
    pub identities: Vec<Identity>,
    /// The secret App Service passes in `IDENTITY_HEADER` (checked in `x-identity-header`).
    pub identity_header: String,
    /// Lifetime of Entra / managed-identity tokens.
    pub token_lifetime: Duration,
    /// Lifetime of STS `issueToken` tokens (the service's: 10 minutes).
    pub sts_token_lifetime: Duration,
    /// Legacy behaviour of Azure-Samples/cognitive-services-speech-sdk#2890: a raw Entra token
    /// on the custom-domain TTS paths is rejected with 401 (fixed in the service for SDK 1.51).
    pub reject_raw_entra_for_custom_domain_tts: bool,
    /// Faults to inject.
    pub faults: Vec<Fault>,
    /// Fault storms: seeded random mixes of faults over many WebSocket connections.
    pub storms: Vec<Storm>,
    /// Recordings the recognizer knows.
    pub fixtures: Vec<Fixture>,
    /// Which synthesizer to use.
    pub synthesizer: SynthesizerChoice,
    /// Extra voices besides the built-in handful.
    pub extra_voices: Vec<Voice>,
    /// Recognition timing.
    pub recognition: RecognitionTuning,
    /// Close WebSockets idle (no message either way) for this long with 1000, like the service
    /// (180 s); `None` never.
    pub idle_timeout: Option<Duration>,
    /// Close every WebSocket this long after its upgrade (wall time) with 1000 `Maximum
    /// connection duration exceeded`, like the service's 10-minute limit; `None` never. A
    /// `maxConnectionDurationSecs` query parameter shortens it for one connection.
    pub max_connection: Option<Duration>,
    /// Refuse a WebSocket upgrade beyond this many open STT and TTS connections with 429 and
    /// `Retry-After: 1`; `None`: no quota.
    pub max_concurrent_connections: Option<u32>,
    /// Regenerate the primary key (as `az cognitiveservices account keys regenerate` does) once
    /// this many WebSocket upgrades have been accepted (0: at start).
    pub regenerate_primary_key_after_connections: Option<u64>,
    /// Fast transcription: the largest request body accepted (413 beyond; default 300 MB, the
    /// quotas page's limit).
    pub transcription_max_bytes: u64,
    /// Fast transcription: the longest audio accepted (400 `AudioLengthLimitExceeded` beyond;
    /// default 2 h).
    pub transcription_max_duration: Duration,
    /// Fast and batch transcription requests per minute before 429 with `Retry-After` (default
    /// 600, the quotas page's; `None`: no quota).
    pub transcriptions_per_minute: Option<u32>,
    /// Batch transcription: how long a job stays `NotStarted` (default 1 s).
    pub batch_queue_time: Duration,
    /// Batch transcription: how long a job is `Running` at least (default 1 s; longer if its
    /// audio takes longer to fetch and transcribe).
    pub batch_processing_time: Duration,
    /// Batch transcription: how long a download from (or upload to) storage may take before the
    /// input fails with `Timeout` (default 30 s; the service gives about 20 minutes).
    pub batch_fetch_timeout: Duration,
    /// Logging verbosity.
    pub verbosity: Verbosity,
    /// The clock for token validity.
    pub clock: Arc<dyn Clock>,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            region: "westeurope".to_owned(),
            custom_domain: "contoso-speech".to_owned(),
            cloud: Cloud::Public,
            resource_id: DEFAULT_RESOURCE_ID.to_owned(),
            primary_key: random_hex(16),
            secondary_key: random_hex(16),
            local_auth_disabled: false,
            default_form: HostForm::Loopback,
            tls: false,
            ca_file: None,
            tenant_id: DEFAULT_TENANT_ID.to_owned(),
            identities: vec![
                Identity::system_assigned(),
                Identity::user_assigned(),
                Identity::service_principal(),
            ],
            identity_header: random_hex(16),
            token_lifetime: Duration::from_secs(3599),
            sts_token_lifetime: Duration::from_secs(STS_LIFETIME_SECS),
            reject_raw_entra_for_custom_domain_tts: false,
            faults: Vec::new(),
            storms: Vec::new(),
            fixtures: Vec::new(),
            synthesizer: SynthesizerChoice::Auto,
            extra_voices: Vec::new(),
            recognition: RecognitionTuning::default(),
            idle_timeout: Some(Duration::from_secs(180)),
            max_connection: Some(Duration::from_secs(600)),
            max_concurrent_connections: None,
            regenerate_primary_key_after_connections: None,
            transcription_max_bytes: 300 * 1000 * 1000,
            transcription_max_duration: Duration::from_secs(2 * 3600),
            transcriptions_per_minute: Some(600),
            batch_queue_time: Duration::from_secs(1),
            batch_processing_time: Duration::from_secs(1),
            batch_fetch_timeout: Duration::from_secs(30),
            verbosity: Verbosity::Requests,
            clock: Arc::new(SystemClock),
        }
    }
}

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The bind address is not loopback.
    #[error("the emulator binds to loopback only; {0} is not a loopback address")]
    NotLoopback(SocketAddr),
    /// A JSON configuration could not be parsed.
    #[error("invalid emulator configuration: {0}")]
    Json(#[from] serde_json::Error),
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A value is out of range or inconsistent.
    #[error("invalid emulator configuration: {0}")]
    Invalid(String),
}

impl EmulatorConfig {
    /// The defaults (see the module documentation).
    pub fn new() -> Self {
        Self::default()
    }

    /// Listen on `addr` (must be loopback; port 0 picks a free port).
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.bind = addr;
        self
    }

    /// Region of the emulated resource (e.g. `eastus`, `usgovvirginia`).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into().to_ascii_lowercase();
        self
    }

    /// Custom-domain name of the emulated resource (`contoso-speech`).
    pub fn custom_domain(mut self, name: impl Into<String>) -> Self {
        self.custom_domain = name.into().to_ascii_lowercase();
        self
    }

    /// Cloud of the emulated resource.
    pub fn cloud(mut self, cloud: Cloud) -> Self {
        self.cloud = cloud;
        self
    }

    /// ARM resource id.
    pub fn resource_id(mut self, id: impl Into<String>) -> Self {
        self.resource_id = id.into();
        self
    }

    /// The two accepted keys.
    pub fn keys(mut self, primary: impl Into<String>, secondary: impl Into<String>) -> Self {
        self.primary_key = primary.into();
        self.secondary_key = secondary.into();
        self
    }

    /// `disableLocalAuth`.
    pub fn local_auth_disabled(mut self, disabled: bool) -> Self {
        self.local_auth_disabled = disabled;
        self
    }

    /// The form of requests to loopback or unknown host names.
    pub fn default_form(mut self, form: HostForm) -> Self {
        self.default_form = form;
        self
    }

    /// Also serve TLS with a generated test CA.
    pub fn tls(mut self, enabled: bool) -> Self {
        self.tls = enabled;
        self
    }

    /// Write the CA certificate (PEM) to this file at start (implies nothing without TLS).
    pub fn ca_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_file = Some(path.into());
        self
    }

    /// Replace the identities.
    pub fn identities(mut self, identities: Vec<Identity>) -> Self {
        self.identities = identities;
        self
    }

    /// Whether the default identities hold the Speech role (`false`: tokens are issued, their
    /// use gets 403).
    pub fn role_assigned(mut self, assigned: bool) -> Self {
        for identity in &mut self.identities {
            identity.has_role = assigned;
        }
        self
    }

    /// Lifetime of issued Entra / managed-identity tokens.
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = lifetime;
        self
    }

    /// Lifetime of tokens issued by STS `issueToken` (default 10 minutes).
    pub fn sts_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.sts_token_lifetime = lifetime;
        self
    }

    /// Add a fault.
    pub fn fault(mut self, fault: Fault) -> Self {
        self.faults.push(fault);
        self
    }

    /// Add a fault storm.
    pub fn storm(mut self, storm: Storm) -> Self {
        self.storms.push(storm);
        self
    }

    /// Add an entry of a faults list (a fault or a storm).
    pub fn fault_entry(self, entry: FaultEntry) -> Self {
        match entry {
            FaultEntry::Fault(f) => self.fault(f),
            FaultEntry::Storm(s) => self.storm(s),
        }
    }

    /// Register a WAV file with its transcript.
    pub fn fixture_file(mut self, wav: impl Into<PathBuf>, transcript: impl Into<String>) -> Self {
        self.fixtures.push(Fixture {
            wav: FixtureAudio::File(wav.into()),
            transcript: transcript.into(),
        });
        self
    }

    /// Register WAV bytes with their transcript.
    pub fn fixture_bytes(mut self, wav: Vec<u8>, transcript: impl Into<String>) -> Self {
        self.fixtures.push(Fixture {
            wav: FixtureAudio::Bytes(wav),
            transcript: transcript.into(),
        });
        self
    }

    /// Choose the synthesizer.
    pub fn synthesizer(mut self, choice: SynthesizerChoice) -> Self {
        self.synthesizer = choice;
        self
    }

    /// Recognition timing.
    pub fn recognition(mut self, tuning: RecognitionTuning) -> Self {
        self.recognition = tuning;
        self
    }

    /// Idle WebSocket timeout (`None`: never).
    pub fn idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// Maximum WebSocket lifetime, from the upgrade (`None`: unlimited; default 600 s).
    pub fn max_connection(mut self, lifetime: Option<Duration>) -> Self {
        self.max_connection = lifetime;
        self
    }

    /// Maximum number of open WebSockets (STT and TTS together; `None`: unlimited).
    pub fn max_concurrent_connections(mut self, max: Option<u32>) -> Self {
        self.max_concurrent_connections = max;
        self
    }

    /// Regenerate the primary key once `connections` WebSocket upgrades have been accepted.
    pub fn regenerate_primary_key_after_connections(mut self, connections: Option<u64>) -> Self {
        self.regenerate_primary_key_after_connections = connections;
        self
    }

    /// Logging verbosity.
    pub fn verbosity(mut self, verbosity: Verbosity) -> Self {
        self.verbosity = verbosity;
        self
    }

    /// The clock for token validity (tests pass a [`ManualClock`](crate::ManualClock)).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// See [`EmulatorConfig::transcription_max_bytes`].
    pub fn transcription_max_bytes(mut self, bytes: u64) -> Self {
        self.transcription_max_bytes = bytes;
        self
    }

    /// See [`EmulatorConfig::transcription_max_duration`].
    pub fn transcription_max_duration(mut self, duration: Duration) -> Self {
        self.transcription_max_duration = duration;
        self
    }

    /// See [`EmulatorConfig::batch_queue_time`] and [`EmulatorConfig::batch_processing_time`].
    pub fn batch_timing(mut self, queue: Duration, processing: Duration) -> Self {
        self.batch_queue_time = queue;
        self.batch_processing_time = processing;
        self
    }

    /// See [`EmulatorConfig::batch_fetch_timeout`].
    pub fn batch_fetch_timeout(mut self, timeout: Duration) -> Self {
        self.batch_fetch_timeout = timeout;
        self
    }

    /// See [`EmulatorConfig::transcriptions_per_minute`].
    pub fn transcriptions_per_minute(mut self, limit: Option<u32>) -> Self {
        self.transcriptions_per_minute = limit;
        self
    }

    /// Legacy (#2890) rejection of raw Entra tokens on custom-domain TTS.
    pub fn reject_raw_entra_for_custom_domain_tts(mut self, reject: bool) -> Self {
        self.reject_raw_entra_for_custom_domain_tts = reject;
        self
    }

    /// Check the configuration (loopback bind, non-empty names and keys).
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !self.bind.ip().is_loopback() {
            return Err(ConfigError::NotLoopback(self.bind));
        }
        if self.region.is_empty() || !self.region.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(ConfigError::Invalid(format!(
                "region `{}` is not a region name",
                self.region
            )));
        }
        let name_ok = (2..=64).contains(&self.custom_domain.len())
            && self
                .custom_domain
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !self.custom_domain.ends_with('-');
        if !name_ok {
            return Err(ConfigError::Invalid(format!(
                "custom domain `{}` must be 2-64 letters, digits and '-', not ending with '-'",
                self.custom_domain
            )));
        }
        if self.primary_key.is_empty() || self.secondary_key.is_empty() {
            return Err(ConfigError::Invalid("keys must not be empty".to_owned()));
        }
        if self.identity_header.is_empty() {
            return Err(ConfigError::Invalid("identity header must not be empty".to_owned()));
        }
        for fault in &self.faults {
            fault.validate().map_err(ConfigError::Invalid)?;
        }
        for storm in &self.storms {
            storm.validate().map_err(ConfigError::Invalid)?;
        }
        if self.max_concurrent_connections == Some(0) {
            return Err(ConfigError::Invalid(
                "max_concurrent_connections must be at least 1 (leave it out for no quota)".to_owned(),
            ));
        }
        if self.max_connection == Some(Duration::ZERO) {
            return Err(ConfigError::Invalid(
                "max_connection must be longer than 0 (None: unlimited)".to_owned(),
            ));
        }
        Ok(())
    }

    /// Read a JSON configuration file (see [`EmulatorConfig::from_json`]).
    pub fn from_json_file(path: impl Into<PathBuf>) -> Result<Self, ConfigError> {
        let path = path.into();
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
            path: path.clone(),
            source,
        })?;
        Self::from_json(&text)
    }

    /// Parse a JSON configuration. Every field is optional; unknown fields are an error:
    ///
    /// ```json
    /// {"bind": "127.0.0.1:5000", "region": "eastus", "custom_domain": "contoso",
    ///  "cloud": "public", "resource_id": "/subscriptions/…", "keys": ["k1", "k2"],
    ///  "local_auth_disabled": false, "default_form": "loopback", "tls": true,
    ///  "ca_file": "/tmp/emulator-ca.pem", "role_assigned": true, "token_lifetime_secs": 3599,
    ///  "identity_header": "secret", "synthesizer": "built-in", "verbosity": "messages",
    ///  "idle_timeout_secs": 180, "max_connection_ms": 600000, "max_concurrent_connections": 100,
    ///  "sts_token_lifetime_secs": 600, "regenerate_primary_key_after_connections": 10,
    ///  "recognition": {"segmentation_silence_ms": 500},
    ///  "fixtures": [{"wav": "hello.wav", "transcript": "Hello world."}],
    ///  "faults": [{"action": {"http-status": {"status": 429, "retry_after_secs": 2}},
    ///              "target": "stt", "first": 1},
    ///             {"storm": {"seed": 7, "target": "stt", "max_faults": 20}}]}
    /// ```
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        let file: ConfigFile = serde_json::from_str(text)?;
        file.apply(Self::default())
    }

    /// The defaults changed by `AZSPEECH_EMULATOR_CONFIG` (a JSON file, see
    /// [`EmulatorConfig::from_json`]) and `AZSPEECH_EMULATOR_FAULTS` (a JSON array of faults and
    /// storms, added to the file's).
    pub fn from_env() -> Result<Self, ConfigError> {
        let mut config = match std::env::var_os("AZSPEECH_EMULATOR_CONFIG").filter(|v| !v.is_empty()) {
            Some(path) => Self::from_json_file(PathBuf::from(path))?,
            None => Self::default(),
        };
        if let Ok(faults) = std::env::var("AZSPEECH_EMULATOR_FAULTS")
            && !faults.trim().is_empty()
        {
            let entries: Vec<FaultEntry> = serde_json::from_str(&faults)?;
            for entry in entries {
                config = config.fault_entry(entry);
            }
            config.validate()?;
        }
        Ok(config)
    }

    /// The custom-domain host name (`contoso-speech.cognitiveservices.azure.com`).
    pub fn custom_domain_host(&self) -> String {
        format!("{}.{}", self.custom_domain, self.cloud.custom_domain_suffix())
    }

    /// The regional host of `form` (`westeurope.stt.speech.microsoft.com`); `None` for the
    /// custom-domain and loopback forms.
    pub fn regional_host(&self, form: HostForm) -> Option<String> {
        let suffix = self.cloud.speech_suffix();
        match form {
            HostForm::RegionalStt => Some(format!("{}.stt.speech.{suffix}", self.region)),
            HostForm::RegionalTts => Some(format!("{}.tts.speech.{suffix}", self.region)),
            HostForm::RegionalApi => Some(format!("{}.{}", self.region, self.cloud.api_suffix())),
            HostForm::CustomDomain | HostForm::Loopback => None,
        }
    }
}

/// The JSON shape of a configuration file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    bind: Option<SocketAddr>,
    region: Option<String>,
    custom_domain: Option<String>,
    cloud: Option<Cloud>,
    resource_id: Option<String>,
    keys: Option<(String, String)>,
    local_auth_disabled: Option<bool>,
    default_form: Option<HostForm>,
    tls: Option<bool>,
    ca_file: Option<PathBuf>,
    tenant_id: Option<String>,
    identities: Option<Vec<Identity>>,
    role_assigned: Option<bool>,
    identity_header: Option<String>,
    token_lifetime_secs: Option<u64>,
    sts_token_lifetime_secs: Option<u64>,
    reject_raw_entra_for_custom_domain_tts: Option<bool>,
    faults: Option<Vec<FaultEntry>>,
    fixtures: Option<Vec<FixtureFile>>,
    synthesizer: Option<SynthesizerChoice>,
    voices: Option<Vec<Voice>>,
    recognition: Option<RecognitionTuning>,
    idle_timeout_secs: Option<u64>,
    max_connection_ms: Option<u64>,
    max_concurrent_connections: Option<u32>,
    regenerate_primary_key_after_connections: Option<u64>,
    transcription_max_bytes: Option<u64>,
    transcription_max_duration_secs: Option<u64>,
    transcriptions_per_minute: Option<u32>,
    batch_queue_ms: Option<u64>,
    batch_processing_ms: Option<u64>,
    batch_fetch_timeout_ms: Option<u64>,
    verbosity: Option<Verbosity>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FixtureFile {
    wav: PathBuf,
    transcript: String,
}

impl ConfigFile {
    fn apply(self, mut c: EmulatorConfig) -> Result<EmulatorConfig, ConfigError> {
        if let Some(v) = self.bind {
            c = c.bind(v);
        }
        if let Some(v) = self.region {
            c = c.region(v);
        }
        if let Some(v) = self.custom_domain {
            c = c.custom_domain(v);
        }
        if let Some(v) = self.cloud {
            c.cloud = v;
        }
        if let Some(v) = self.resource_id {
            c.resource_id = v;
        }
        if let Some((primary, secondary)) = self.keys {
            c = c.keys(primary, secondary);
        }
        if let Some(v) = self.local_auth_disabled {
            c.local_auth_disabled = v;
        }
        if let Some(v) = self.default_form {
            c.default_form = v;
        }
        if let Some(v) = self.tls {
            c.tls = v;
        }
        if let Some(v) = self.ca_file {
            c.ca_file = Some(v);
        }
        if let Some(v) = self.tenant_id {
            c.tenant_id = v;
        }
        if let Some(v) = self.identities {
            c.identities = v;
        }
        if let Some(v) = self.role_assigned {
            c = c.role_assigned(v);
        }
        if let Some(v) = self.identity_header {
            c.identity_header = v;
        }
        if let Some(v) = self.token_lifetime_secs {
            c.token_lifetime = Duration::from_secs(v);
        }
        if let Some(v) = self.reject_raw_entra_for_custom_domain_tts {
            c.reject_raw_entra_for_custom_domain_tts = v;
        }
        if let Some(v) = self.sts_token_lifetime_secs {
            c.sts_token_lifetime = Duration::from_secs(v);
        }
        for entry in self.faults.unwrap_or_default() {
            c = c.fault_entry(entry);
        }
        if let Some(v) = self.fixtures {
            for f in v {
                c = c.fixture_file(f.wav, f.transcript);
            }
        }
        if let Some(v) = self.synthesizer {
            c.synthesizer = v;
        }
        if let Some(v) = self.voices {
            c.extra_voices = v;
        }
        if let Some(v) = self.recognition {
            c.recognition = v;
        }
        if let Some(v) = self.idle_timeout_secs {
            c.idle_timeout = (v > 0).then(|| Duration::from_secs(v));
        }
        if let Some(v) = self.max_connection_ms {
            c.max_connection = (v > 0).then(|| Duration::from_millis(v));
        }
        if let Some(v) = self.max_concurrent_connections {
            c.max_concurrent_connections = Some(v);
        }
        if let Some(v) = self.regenerate_primary_key_after_connections {
            c.regenerate_primary_key_after_connections = Some(v);
        }
        if let Some(v) = self.transcription_max_bytes {
            c.transcription_max_bytes = v;
        }
        if let Some(v) = self.transcription_max_duration_secs {
            c.transcription_max_duration = Duration::from_secs(v);
        }
        if let Some(v) = self.transcriptions_per_minute {
            c.transcriptions_per_minute = (v > 0).then_some(v);
        }
        if let Some(v) = self.batch_queue_ms {
            c.batch_queue_time = Duration::from_millis(v);
        }
        if let Some(v) = self.batch_processing_ms {
            c.batch_processing_time = Duration::from_millis(v);
        }
        if let Some(v) = self.batch_fetch_timeout_ms {
            c.batch_fetch_timeout = Duration::from_millis(v);
        }
        if let Some(v) = self.verbosity {
            c.verbosity = v;
        }
        c.validate()?;
        Ok(c)
    }
}
