//! The embedder's API: [`Speech`], built once, serving any number of concurrent sessions.
//!
//! A [`Speech`] owns what every session needs (the loaded core, the resolved settings, the
//! credential broker with its token caches, the transport options and TLS) behind an `Arc`;
//! cloning it is cheap and every clone shares the one loaded core and the caches. Each session
//! instantiates its own core instance from the pre-linked component, in microseconds.
//!
//! - [`Speech::synthesize_to_file`] and [`Speech::recognize_file`] do the whole job.
//! - [`Speech::synthesize`] and [`Speech::recognize`] stream: audio chunks and events, or
//!   recognition events, as they arrive.
//! - [`Speech::client`] hands out the session driver for your own audio sources and sinks.
//! - [`Speech::explain`] says what `azspeech doctor` says, as a value.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tokio::sync::mpsc;

use crate::artifact_cache::ArtifactCache;
use crate::audio::input::PcmSource;
use crate::audio::output::{AudioOutputError, AudioWriter};
use crate::clock::SystemClock;
use crate::core_runtime::{
    AudioFormat, ConfigError, ConnectionPlan, CoreError, CoreInstance, CoreRuntime, FormatInfo, OutputFormat,
    PhraseResult, RecognitionEvent, RecognitionMode, RecognitionOptions, RecognitionStatus, RecognitionSummary,
    RequestIds, RequestKind, Setting, Settings, SpeechError, SynthesisOptions, SynthesisSummary,
};
use crate::credentials::{CredentialBroker, EntraEnvironment, KeyRing, RetryPolicy};
use crate::exit_code::ExitCode;
use crate::explanation::Explanation;
use crate::profile::Profile;
use crate::secret::Secret;
use crate::settings_input;
use crate::speech::recognize::RecognitionAudio;
use crate::speech::synthesize::{SpeechInput, SynthesisSink, TimedEvent};
use crate::speech::{SessionError, SessionTuning, SpeechClient};
use crate::transport::proxy_router::ProxyRouter;
use crate::transport::{TransportOptions, http_client, tls};

/// Why a [`Speech`] could not be built or a request failed. Every case says what to do.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The settings cannot work; `fix` names the variable or value to change.
    #[error("configuration error{}: {}\n  fix: {}", variable_text(.0), .0.message, .0.fix)]
    Configuration(ConfigError),
    /// A transport option is unusable (a `--connect-to` entry, the CA file).
    #[error("{0}")]
    Transport(String),
    /// The settings profile cannot be read (or holds a secret); the message says what to do.
    #[error("profile: {0}")]
    Profile(crate::profile::ProfileError),
    /// A session failed: credential, network, service, audio input or output.
    #[error(transparent)]
    Session(Box<SessionError>),
}

fn variable_text(error: &ConfigError) -> String {
    error.variable.as_deref().map(|v| format!(" ({v})")).unwrap_or_default()
}

impl From<SessionError> for Error {
    fn from(error: SessionError) -> Self {
        Self::Session(Box::new(error))
    }
}

impl From<CoreError> for Error {
    fn from(error: CoreError) -> Self {
        SessionError::Core(error).into()
    }
}

impl From<crate::audio::input::AudioInputError> for Error {
    fn from(error: crate::audio::input::AudioInputError) -> Self {
        SessionError::Input(error).into()
    }
}

impl Error {
    /// The exit code the `azspeech` CLI uses for this failure.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Self::Configuration(_) | Self::Transport(_) | Self::Profile(_) => ExitCode::Configuration,
            Self::Session(error) => error.exit_code(),
        }
    }

    /// The classified service failure, when the service (or the core) refused the request.
    pub fn speech_error(&self) -> Option<&SpeechError> {
        match self {
            Self::Session(session) => match session.as_ref() {
                SessionError::Service { error, .. } => Some(error),
                _ => None,
            },
            _ => None,
        }
    }
}

/// Builds a [`Speech`]: where settings and secrets come from, the transport, the core cache.
///
/// Settings given here override the environment, as the CLI's flags do.
#[derive(Default)]
pub struct SpeechBuilder {
    read_environment: bool,
    profile: Option<String>,
    settings: Vec<Setting>,
    primary_key: Option<Secret>,
    secondary_key: Option<Secret>,
    token_credential: Option<Arc<dyn azure_core::credentials::TokenCredential>>,
    transport: Option<TransportOptions>,
    connect_to: Vec<(String, std::net::SocketAddr)>,
    ca_file: Option<PathBuf>,
    proxy_flag: Option<String>,
    no_proxy: bool,
    cache: Option<ArtifactCache>,
    core: Option<Arc<CoreRuntime>>,
    tuning: SessionTuning,
}

impl std::fmt::Debug for SpeechBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpeechBuilder")
            .field("read_environment", &self.read_environment)
            .field("settings", &self.settings)
            .field("token_credential", &self.token_credential.is_some())
            .finish_non_exhaustive()
    }
}

impl SpeechBuilder {
    /// Read the process environment: the `SPEECH_*`, `AZURE_*` and `IDENTITY_*` variables,
    /// `SPEECH_KEY` / `SPEECH_KEY_SECONDARY`, `AZSPEECH_CONNECT_TO`, `AZSPEECH_CA_FILE` and
    /// `AZSPEECH_CACHE_DIR` (see the README's table of variables).
    pub fn from_environment(mut self) -> Self {
        self.read_environment = true;
        self
    }

    /// Read settings from this profile (`azspeech config set --profile NAME ...`) instead of
    /// the one `SPEECH_PROFILE` names. Profiles are read with [`SpeechBuilder::from_environment`]
    /// or when named here; flags and the environment take precedence over them.
    pub fn profile(mut self, name: impl Into<String>) -> Self {
        self.profile = Some(name.into());
        self
    }

    /// Set one setting by its variable name, e.g. `("SPEECH_REGION", "westeurope")`. Secrets
    /// are refused here: use [`SpeechBuilder::key`].
    pub fn setting(mut self, name: &str, value: &str) -> Self {
        self.settings.push(settings_input::flag(name, value));
        self
    }

    /// Add settings (each overrides the variable of its name), e.g. parsed command-line flags.
    pub fn settings(mut self, settings: impl IntoIterator<Item = Setting>) -> Self {
        self.settings.extend(settings);
        self
    }

    /// The resource key (`SPEECH_KEY`). It stays in the host: the core only learns that one is
    /// present.
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.primary_key = Some(Secret::new(key.into()));
        self
    }

    /// The second resource key (`SPEECH_KEY_SECONDARY`), used when the first is refused.
    pub fn secondary_key(mut self, key: impl Into<String>) -> Self {
        self.secondary_key = Some(Secret::new(key.into()));
        self
    }

    /// Get Microsoft Entra tokens from this credential (any `azure_core` `TokenCredential`,
    /// e.g. one of `azure_identity`'s) instead of the one `SPEECH_CREDENTIAL` names. Selects
    /// `SPEECH_AUTH=entra` unless a setting says otherwise.
    pub fn token_credential(mut self, credential: Arc<dyn azure_core::credentials::TokenCredential>) -> Self {
        self.token_credential = Some(credential);
        self
    }

    /// Connect to `addr` for requests to `host` (a resolver override, like curl's
    /// `--connect-to`): TLS still verifies `host`.
    pub fn connect_to(mut self, host: &str, addr: std::net::SocketAddr) -> Self {
        self.connect_to.push((host.to_ascii_lowercase(), addr));
        self
    }

    /// Trust this CA certificate (PEM) in addition to the system roots.
    pub fn ca_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_file = Some(path.into());
        self
    }

    /// Send every request through this HTTP proxy (`http://[USER:PASSWORD@]host[:port]`), like
    /// `--proxy`: it wins over `HTTPS_PROXY` and the other variables; `NO_PROXY` still applies.
    /// The credentials stay in the host and go only into `Proxy-Authorization`.
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy_flag = Some(url.into());
        self
    }

    /// Connect directly, ignoring every proxy setting (like `--no-proxy`).
    pub fn no_proxy(mut self) -> Self {
        self.no_proxy = true;
        self
    }

    /// Replace the transport options (resolver overrides, extra CA) as a whole.
    pub fn transport(mut self, options: TransportOptions) -> Self {
        self.transport = Some(options);
        self
    }

    /// Where the compiled core is cached (default: `AZSPEECH_CACHE_DIR`, else the user's cache
    /// directory; [`ArtifactCache::disabled`] compiles it in memory every time).
    pub fn artifact_cache(mut self, cache: ArtifactCache) -> Self {
        self.cache = Some(cache);
        self
    }

    /// Use an already loaded core (several [`Speech`] values with different settings can
    /// share one).
    pub fn core(mut self, core: Arc<CoreRuntime>) -> Self {
        self.core = Some(core);
        self
    }

    /// Pacing and connection lifetime of sessions.
    pub fn tuning(mut self, tuning: SessionTuning) -> Self {
        self.tuning = tuning;
        self
    }

    /// Load the core (unless given) and resolve the settings, without preparing any transport
    /// (what `azspeech doctor` needs to explain a configuration).
    pub fn resolve(&self) -> Result<Resolution, Error> {
        let core = match &self.core {
            Some(core) => core.clone(),
            None => {
                let cache = self.cache.clone().unwrap_or_else(ArtifactCache::from_environment);
                Arc::new(CoreRuntime::load(&cache)?)
            }
        };
        let mut instance = core.instantiate()?;
        let secret_names = instance.secret_names()?;
        let (profile, mut inputs) = if self.read_environment || self.profile.is_some() {
            settings_input::load_profile(self.profile.as_deref(), |name| std::env::var(name).ok(), &secret_names)
                .map_err(Error::Profile)?
        } else {
            (Profile::default(), Vec::new())
        };
        if self.read_environment {
            inputs.extend(settings_input::from_environment(std::env::vars_os(), &secret_names));
        }
        if let Some(refused) = self.settings.iter().find(|s| secret_names.contains(&s.name)) {
            return Err(Error::Configuration(ConfigError {
                code: crate::core_runtime::ConfigErrorCode::InvalidValue,
                variable: Some(refused.name.clone()),
                message: format!("{} is a secret and cannot be given as a setting", refused.name),
                fix: "pass keys with SpeechBuilder::key / secondary_key (or the environment), and Entra credentials with token_credential".into(),
            }));
        }
        for (name, key) in [
            ("SPEECH_KEY", &self.primary_key),
            ("SPEECH_KEY_SECONDARY", &self.secondary_key),
        ] {
            if let Some(key) = key {
                inputs.retain(|s| s.name != name);
                inputs.push(settings_input::secret(name, !key.expose().trim().is_empty()));
            }
        }
        let explicit_auth = self.settings.iter().any(|s| s.name == "SPEECH_AUTH");
        inputs.extend(self.settings.iter().cloned());
        if self.token_credential.is_some() && !explicit_auth {
            inputs.push(settings_input::flag("SPEECH_AUTH", "entra"));
        }
        let settings = instance.resolve(&inputs)?.map_err(Error::Configuration)?;
        Ok(Resolution {
            core,
            instance,
            settings,
            profile,
        })
    }

    /// Load the core (unless given), resolve the settings and prepare credentials and TLS.
    /// Nothing is sent until a session starts.
    pub fn build(self) -> Result<Speech, Error> {
        let Resolution { core, settings, .. } = self.resolve()?;
        let keys = if self.read_environment {
            KeyRing::from_environment()
        } else {
            KeyRing::default()
        }
        .with_overrides(self.primary_key, self.secondary_key);
        let mut transport = match self.transport {
            Some(options) => options,
            None if self.read_environment => {
                TransportOptions::from_environment().map_err(|error| Error::Transport(error.to_string()))?
            }
            None => TransportOptions::default(),
        };
        transport.connect_to.extend(self.connect_to);
        if let Some(ca) = self.ca_file {
            transport.extra_ca_file = Some(ca);
        }
        if let Some(url) = &self.proxy_flag {
            transport.proxy.set_proxy_flag(url);
        }
        if self.no_proxy {
            transport.proxy.set_no_proxy_flag();
        }
        let proxy =
            ProxyRouter::new(&core, transport.proxy.clone()).map_err(|error| Error::Transport(error.to_string()))?;
        let http = http_client::build(&transport, &proxy).map_err(|error| Error::Transport(error.to_string()))?;
        let tls = tls::client_config(transport.extra_ca_file.as_deref())
            .map_err(|error| Error::Transport(error.to_string()))?;
        let (entra, retry) = if self.read_environment {
            (EntraEnvironment::from_environment(), RetryPolicy::from_environment())
        } else {
            (EntraEnvironment::default(), RetryPolicy::default())
        };
        let mut broker = CredentialBroker::new(&settings, keys, entra, http.clone(), retry, Arc::new(SystemClock))
            .with_proxy_router(proxy.clone());
        if let Some(credential) = self.token_credential {
            broker = broker.with_token_credential(credential);
        }
        Ok(Speech {
            shared: Arc::new(Shared {
                core,
                settings,
                broker,
                http,
                transport,
                proxy,
                tls,
                tuning: self.tuning,
            }),
        })
    }
}

/// A loaded core and resolved settings: [`SpeechBuilder::resolve`].
#[derive(Debug)]
pub struct Resolution {
    /// The loaded core.
    pub core: Arc<CoreRuntime>,
    /// The instance that resolved the settings, for further planning.
    pub instance: CoreInstance,
    /// The resolved settings.
    pub settings: Settings,
    /// The profile whose settings were read (empty when none exists or none was read).
    pub profile: Profile,
}

struct Shared {
    core: Arc<CoreRuntime>,
    settings: Settings,
    broker: CredentialBroker,
    http: reqwest::Client,
    transport: TransportOptions,
    proxy: Arc<ProxyRouter>,
    tls: Arc<rustls::ClientConfig>,
    tuning: SessionTuning,
}

/// Azure AI Speech, configured: text to speech and speech to text in every auth mode.
///
/// Cheap to clone; clones share the loaded core and the credential caches, and any number of
/// sessions may run at once.
#[derive(Clone)]
pub struct Speech {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Speech {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Speech")
            .field("auth", &self.shared.settings.auth)
            .field("endpoint", &self.shared.settings.endpoint)
            .finish_non_exhaustive()
    }
}

/// What [`Speech::synthesize_to_file`] wrote.
#[derive(Debug, Clone)]
pub struct SynthesisReport {
    /// The output format.
    pub format: FormatInfo,
    /// Audio bytes written (without the WAV header).
    pub audio_bytes: u64,
    /// The synthesizer's summary (requests, retries).
    pub summary: SynthesisSummary,
}

/// What [`Speech::recognize_file`] heard.
#[derive(Debug, Clone)]
pub struct Transcript {
    /// Every final phrase, in order (including no-match results).
    pub phrases: Vec<PhraseResult>,
    /// The recognizer's summary.
    pub summary: RecognitionSummary,
}

impl Transcript {
    /// The recognized text: the successful phrases joined by spaces.
    pub fn text(&self) -> String {
        let texts: Vec<&str> = self
            .phrases
            .iter()
            .filter(|p| p.status == RecognitionStatus::Success && !p.text.is_empty())
            .map(|p| p.text.as_str())
            .collect();
        texts.join(" ")
    }
}

/// One piece of a [`SynthesisStream`], in the order it happened.
#[derive(Debug, Clone)]
pub enum SynthesisOutput {
    /// Audio bytes (samples for `riff-*` / `raw-*` formats, without a WAV header; encoded bytes
    /// otherwise).
    Audio(Vec<u8>),
    /// An event (boundaries, visemes, bookmarks, request progress).
    Event(TimedEvent),
    /// A request is being sent again after its connection failed: drop every audio byte from
    /// this offset (counted over all `Audio` items) before using what follows.
    Discard {
        /// Audio bytes to keep.
        from: u64,
    },
}

/// Default options for text to speech: 24 kHz 16-bit mono WAV samples, no events.
impl Default for SynthesisOptions {
    fn default() -> Self {
        Self {
            output_format: "riff-24khz-16bit-mono-pcm".to_owned(),
            voice: String::new(),
            language: String::new(),
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
}

/// Default options for speech to text: continuous (conversation) recognition, detailed results
/// with word timings, the configuration's language. The audio format is the source's.
impl Default for RecognitionOptions {
    fn default() -> Self {
        Self {
            mode: RecognitionMode::Conversation,
            language: String::new(),
            format: OutputFormat::Detailed,
            profanity: None,
            word_timestamps: true,
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
}

impl Speech {
    /// Configure from the environment, as the `azspeech` CLI does: the seed's variables
    /// (`SPEECH_REGION`, `SPEECH_ENDPOINT`, `SPEECH_KEY`, `SPEECH_RESOURCE_ID`, `AZURE_*`, ...).
    pub fn from_env() -> Result<Self, Error> {
        Self::builder().from_environment().build()
    }

    /// A builder that starts from nothing (call [`SpeechBuilder::from_environment`] to read the
    /// environment too).
    pub fn builder() -> SpeechBuilder {
        SpeechBuilder::default()
    }

    /// The resolved settings: auth mode, endpoint, cloud, voice, language, and why.
    pub fn settings(&self) -> &Settings {
        &self.shared.settings
    }

    /// The loaded core, for calls of your own (`plan`, `classify_http`, format helpers).
    pub fn core(&self) -> &Arc<CoreRuntime> {
        &self.shared.core
    }

    /// The HTTP client every REST request uses (the same TLS roots and overrides).
    pub fn http_client(&self) -> &reqwest::Client {
        &self.shared.http
    }

    /// The route of each request (direct or through which proxy, and why).
    pub fn proxy_router(&self) -> &Arc<ProxyRouter> {
        &self.shared.proxy
    }

    /// The credential broker (header for an auth plan, token caches).
    pub fn credentials(&self) -> &CredentialBroker {
        &self.shared.broker
    }

    /// The plan of one request (`RequestKind::VoicesList`, `TtsRest`, ...) with a fresh
    /// connection id: URL, non-secret headers, and the auth plan the credential comes from.
    pub fn plan(&self, kind: RequestKind) -> Result<ConnectionPlan, Error> {
        let mut core = self.shared.core.instantiate()?;
        let ids = RequestIds {
            connection_id: uuid::Uuid::new_v4().simple().to_string(),
        };
        core.plan(&self.shared.settings, kind, &ids)?
            .map_err(Error::Configuration)
    }

    /// What `azspeech doctor` prints, as a value.
    pub fn explain(&self) -> Result<Explanation, Error> {
        let mut core = self.shared.core.instantiate()?;
        Explanation::of(&mut core, self.shared.settings.clone())?.map_err(Error::Configuration)
    }

    /// The session driver, for your own audio sources ([`RecognitionAudio`]) and sinks
    /// ([`SynthesisSink`]).
    pub fn client(&self) -> SpeechClient<'_> {
        SpeechClient {
            runtime: &self.shared.core,
            settings: &self.shared.settings,
            broker: &self.shared.broker,
            transport: &self.shared.transport,
            proxy: &self.shared.proxy,
            tls: self.shared.tls.clone(),
            tuning: self.shared.tuning.clone(),
        }
    }

    /// Synthesize `input` into the file `path` (`-` for stdout), written as audio arrives and
    /// renamed into place when complete; WAV formats get a correct header.
    pub async fn synthesize_to_file(
        &self,
        input: &SpeechInput,
        path: &Path,
        options: &SynthesisOptions,
    ) -> Result<SynthesisReport, Error> {
        let mut core = self.shared.core.instantiate()?;
        let format = core
            .synthesis_describe_format(&options.output_format)?
            .map_err(SessionError::service)?;
        let header = |len: u64| -> Result<Option<Vec<u8>>, Error> {
            if !format.needs_riff_header {
                return Ok(None);
            }
            let mut core = self.shared.core.instantiate()?;
            let len = u32::try_from(len).unwrap_or(u32::MAX);
            Ok(Some(
                core.synthesis_wav_header(&format.name, len)?
                    .map_err(SessionError::service)?,
            ))
        };
        let mut writer =
            AudioWriter::create(path, header(u64::from(u32::MAX))?.as_deref()).map_err(SessionError::from)?;
        let summary = self.client().synthesize(input, options, &mut writer, |_| {}).await?;
        let audio_bytes = writer
            .finish(header(summary.audio_bytes)?.as_deref())
            .map_err(SessionError::from)?;
        Ok(SynthesisReport {
            format,
            audio_bytes,
            summary,
        })
    }

    /// Synthesize `input`, streaming audio chunks and events as they arrive. Runs on the
    /// current tokio runtime; dropping the stream ends the session.
    pub fn synthesize(&self, input: SpeechInput, options: SynthesisOptions) -> SynthesisStream {
        let (sender, receiver) = mpsc::channel(STREAM_BUFFER);
        let speech = self.clone();
        let task = tokio::spawn(async move {
            let mut sink = ChannelSink {
                pending: Arc::new(Mutex::new(VecDeque::new())),
                sender,
            };
            let pending = sink.pending.clone();
            let result = speech
                .client()
                .synthesize(&input, &options, &mut sink, |timed| {
                    queue(&pending, SynthesisOutput::Event(timed.clone()));
                })
                .await;
            let _ = sink.flush().await;
            if let Err(error) = result {
                let _ = sink.sender.send(Err(error.into())).await;
            }
        });
        SynthesisStream { receiver, task }
    }

    /// Recognize the audio file `path` (WAV; other rates and channel counts are converted) with
    /// the default options and the configuration's language.
    pub async fn recognize_file(&self, path: &Path) -> Result<Transcript, Error> {
        let mut source = PcmSource::open(path).map_err(SessionError::from)?;
        self.recognize_source(&mut source, &RecognitionOptions::default()).await
    }

    /// Recognize any [`RecognitionAudio`] source to the end, collecting the final phrases.
    pub async fn recognize_source(
        &self,
        source: &mut impl RecognitionAudio,
        options: &RecognitionOptions,
    ) -> Result<Transcript, Error> {
        let mut phrases = Vec::new();
        let summary = self
            .client()
            .recognize(source, options, |event| {
                if let RecognitionEvent::Phrase(phrase) = event {
                    phrases.push(phrase.clone());
                }
            })
            .await?;
        Ok(Transcript { phrases, summary })
    }

    /// Recognize `source`, streaming every recognition event as it arrives (the last one is
    /// `finished`; a failure ends the stream with an error). Runs on the current tokio
    /// runtime; dropping the stream ends the session.
    pub fn recognize<A>(&self, mut source: A, options: RecognitionOptions) -> RecognitionStream
    where
        A: RecognitionAudio + Send + 'static,
    {
        let (sender, receiver) = mpsc::unbounded_channel();
        let speech = self.clone();
        let task = tokio::spawn(async move {
            let result = speech
                .client()
                .recognize(&mut source, &options, |event| {
                    let _ = sender.send(Ok(event.clone()));
                })
                .await;
            let _ = sender.send(match result {
                Ok(summary) => Ok(RecognitionEvent::Finished(summary)),
                Err(error) => Err(error.into()),
            });
        });
        RecognitionStream { receiver, task }
    }
}

/// Synthesis items buffered between the session and the consumer (each chunk is one frame of
/// audio, a few kilobytes).
const STREAM_BUFFER: usize = 64;

/// A stream of [`SynthesisOutput`]; ends after the last audio, or with an error.
#[derive(Debug)]
pub struct SynthesisStream {
    receiver: mpsc::Receiver<Result<SynthesisOutput, Error>>,
    task: tokio::task::JoinHandle<()>,
}

impl futures_util::Stream for SynthesisStream {
    type Item = Result<SynthesisOutput, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.receiver.poll_recv(cx)
    }
}

impl Drop for SynthesisStream {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A stream of [`RecognitionEvent`]s; ends after `finished`, or with an error.
#[derive(Debug)]
pub struct RecognitionStream {
    receiver: mpsc::UnboundedReceiver<Result<RecognitionEvent, Error>>,
    task: tokio::task::JoinHandle<()>,
}

impl futures_util::Stream for RecognitionStream {
    type Item = Result<RecognitionEvent, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.receiver.poll_recv(cx)
    }
}

impl Drop for RecognitionStream {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Events and discards wait here until the next audio chunk (or the end) sends them, so the
/// consumer sees everything in order and a slow consumer slows the session down.
type Pending = Arc<Mutex<VecDeque<SynthesisOutput>>>;

fn queue(pending: &Pending, item: SynthesisOutput) {
    if let Ok(mut pending) = pending.lock() {
        pending.push_back(item);
    }
}

struct ChannelSink {
    pending: Pending,
    sender: mpsc::Sender<Result<SynthesisOutput, Error>>,
}

impl ChannelSink {
    async fn send(&self, item: SynthesisOutput) -> Result<(), SessionError> {
        self.sender.send(Ok(item)).await.map_err(|_| {
            SessionError::Output(AudioOutputError {
                path: "the synthesis stream".to_owned(),
                error: std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the stream was dropped"),
            })
        })
    }

    async fn flush(&self) -> Result<(), SessionError> {
        loop {
            let next = self.pending.lock().ok().and_then(|mut pending| pending.pop_front());
            match next {
                Some(item) => self.send(item).await?,
                None => return Ok(()),
            }
        }
    }
}

impl SynthesisSink for ChannelSink {
    async fn write(&mut self, audio: &[u8]) -> Result<(), SessionError> {
        self.flush().await?;
        self.send(SynthesisOutput::Audio(audio.to_vec())).await
    }

    fn discard_from(&mut self, offset: u64) -> Result<(), SessionError> {
        queue(&self.pending, SynthesisOutput::Discard { from: offset });
        Ok(())
    }
}
