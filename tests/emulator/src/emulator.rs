//! Starting, inspecting and stopping an emulator.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::config::{ConfigError, EmulatorConfig, FixtureAudio, HostForm, SPEECH_ROLE, SynthesizerChoice};
use crate::faults::{FaultBook, RequestKind};
use crate::hosts::HostInfo;
use crate::keys::{KeySlot, Keys};
use crate::limits::Quota;
use crate::log::{RequestLog, RequestRecord};
use crate::recognizer::{Registry, Source};
use crate::stats::{self, Stats};
use crate::storm::StormBook;
use crate::synth::{Engine, Rendered};
use crate::tls::TestPki;
use crate::tokens::{EntraClaims, StsClaims, TokenService};
use crate::transcription::RateLimit;
use crate::voices::Voice;
use crate::{batch, dsp, server, synth, voices};

/// Why the emulator could not start (or a fixture could not be registered).
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The port could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// `espeak-ng` was required but is not installed.
    #[error("espeak-ng is not installed (apt-get install espeak-ng), or choose the built-in synthesizer")]
    EspeakMissing,
    /// The test CA could not be generated.
    #[error("cannot set up TLS: {0}")]
    Tls(String),
    /// A file could not be written or read.
    #[error("{0}")]
    Io(String),
    /// A fixture's audio is unusable.
    #[error("fixture `{transcript}`: {reason}")]
    Fixture {
        /// Its transcript.
        transcript: String,
        /// Why.
        reason: String,
    },
}

/// State shared by every connection.
pub(crate) struct Shared {
    pub(crate) config: EmulatorConfig,
    pub(crate) tokens: TokenService,
    pub(crate) log: RequestLog,
    pub(crate) faults: FaultBook,
    pub(crate) storms: StormBook,
    pub(crate) keys: Keys,
    pub(crate) stats: stats::Counters,
    pub(crate) quota: Quota,
    /// Fast and batch transcription requests in the last minute.
    pub(crate) transcription_rate: RateLimit,
    /// Batch transcription jobs.
    pub(crate) batch: batch::Store,
    pub(crate) registry: Arc<Registry>,
    pub(crate) engine: Engine,
    pub(crate) voices: Vec<Voice>,
    pub(crate) pki: Option<TestPki>,
    pub(crate) addr: SocketAddr,
    tasks: Mutex<JoinSet<()>>,
    pub(crate) shutdown: watch::Receiver<bool>,
}

impl Shared {
    pub(crate) fn now_ms(&self) -> u64 {
        self.config.clock.now_ms()
    }

    pub(crate) fn now_secs(&self) -> u64 {
        self.now_ms() / 1000
    }

    /// Count an accepted WebSocket upgrade, and regenerate the primary key if configured to
    /// after this many.
    pub(crate) fn upgrade_accepted(&self, kind: RequestKind) {
        let counter = match kind {
            RequestKind::Stt => &self.stats.stt_connections,
            _ => &self.stats.tts_connections,
        };
        stats::bump(counter);
        let accepted = self
            .stats
            .accepted_upgrades
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
            + 1;
        if self.config.regenerate_primary_key_after_connections == Some(accepted) {
            let key = self.keys.regenerate(KeySlot::Primary);
            tracing::warn!("primary key regenerated after {accepted} connections; it is now {key}");
        }
    }

    /// Run a task that shutdown aborts.
    pub(crate) fn spawn(&self, task: impl std::future::Future<Output = ()> + Send + 'static) {
        let mut tasks = self.tasks.lock().unwrap_or_else(|e| e.into_inner());
        while tasks.try_join_next().is_some() {}
        tasks.spawn(task);
    }

    /// Remember synthesized audio for recognition: `samples` are the samples as sent (decoded),
    /// at `rate`; `rendered` holds the timing at the same rate.
    pub(crate) fn register_synthesized(&self, samples: &[i16], rate: u32, rendered: &Rendered) {
        let samples16 = dsp::resample(samples, rate, dsp::RATE);
        let scale = |n: usize| (n as u64 * u64::from(dsp::RATE) / u64::from(rate)) as usize;
        let words: Vec<synth::Timed> = rendered
            .words
            .iter()
            .map(|w| synth::Timed {
                text: w.text.clone(),
                start: scale(w.start),
                len: scale(w.len),
            })
            .collect();
        // Long texts are recognized sentence by sentence, as the service segments long speech at
        // pauses: that also acknowledges audio progressively (a client gives up after about a
        // minute of unacknowledged audio). Up to the longest segment, the whole text is known
        // too, and the longest match wins.
        let max_whole = self.config.recognition.max_segment_ms as usize * dsp::RATE as usize / 1000;
        if (samples16.len() <= max_whole || rendered.sentences.len() < 2)
            && !self.registry.register(
                &samples16,
                &rendered.text,
                &words,
                Source::Synthesized,
                rendered.locale.as_deref(),
                rendered.voice.as_deref(),
            )
        {
            tracing::debug!(text = %rendered.text, "synthesized audio has no speech; not registered");
        }
        if rendered.sentences.len() < 2 {
            return;
        }
        // Each sentence from the end of the previous one to the start of the next, so its
        // onset is found exactly where a stream scan finds it.
        for (i, sentence) in rendered.sentences.iter().enumerate() {
            let from = if i == 0 {
                0
            } else {
                let previous = &rendered.sentences[i - 1];
                scale(previous.start + previous.len)
            };
            let to = rendered
                .sentences
                .get(i + 1)
                .map_or(samples16.len(), |next| scale(next.start))
                .min(samples16.len());
            if from >= to {
                continue;
            }
            let (start, end) = (scale(sentence.start), scale(sentence.start + sentence.len));
            let sentence_words: Vec<synth::Timed> = words
                .iter()
                .filter(|w| w.start >= start && w.start < end.max(start + 1))
                .map(|w| synth::Timed {
                    text: w.text.clone(),
                    start: w.start - from,
                    len: w.len,
                })
                .collect();
            self.registry.register(
                &samples16[from..to],
                &sentence.text,
                &sentence_words,
                Source::Synthesized,
                rendered.locale.as_deref(),
                rendered.voice.as_deref(),
            );
        }
    }

    /// Mint an Entra token for an identity.
    pub(crate) fn mint_entra(
        &self,
        client_id: &str,
        object_id: &str,
        has_role: bool,
        audience: &str,
        lifetime: Duration,
    ) -> (String, u64) {
        let now = self.now_secs();
        let exp = now + lifetime.as_secs();
        let claims = EntraClaims {
            aud: audience.to_owned(),
            iss: format!("https://sts.windows.net/{}/", self.config.tenant_id),
            iat: now,
            nbf: now,
            exp,
            oid: object_id.to_owned(),
            tid: self.config.tenant_id.clone(),
            appid: client_id.to_owned(),
            idtyp: "app".to_owned(),
            roles: if has_role {
                vec![SPEECH_ROLE.to_owned()]
            } else {
                Vec::new()
            },
            xms_emu: "entra".to_owned(),
        };
        (self.tokens.mint_entra(&claims), exp)
    }

    /// Mint an STS token valid on hosts like `host`.
    pub(crate) fn mint_sts(&self, host: &HostInfo) -> String {
        let c = &self.config;
        let subscription = c
            .resource_id
            .split('/')
            .skip_while(|s| !s.eq_ignore_ascii_case("subscriptions"))
            .nth(1)
            .unwrap_or("00000000-0000-0000-0000-000000000000")
            .to_owned();
        let claims = StsClaims {
            region: c.region.clone(),
            subscription_id: subscription,
            product_id: "SpeechServices.S0".to_owned(),
            endpoint: format!("https://{}.{}/internal/v1.0/", c.region, c.cloud.api_suffix()),
            resource_id: c.resource_id.clone(),
            scope: "speechservices".to_owned(),
            aud: format!("urn:ms.speechservices.{}", c.region),
            exp: self.now_secs() + c.sts_token_lifetime.as_secs(),
            iss: "urn:ms.cognitiveservices".to_owned(),
            xms_emu: "sts".to_owned(),
            xms_emu_host: host.sts_binding(c),
        };
        self.tokens.mint_sts(&claims)
    }
}

/// Entry point: start an emulator.
#[derive(Debug)]
pub struct Emulator;

impl Emulator {
    /// Validate `config`, bind, generate TLS material, load fixtures and start serving.
    pub async fn start(config: EmulatorConfig) -> Result<RunningEmulator, EmulatorError> {
        config.validate()?;
        let engine = match config.synthesizer {
            SynthesizerChoice::BuiltIn => Engine::BuiltIn,
            SynthesizerChoice::Espeak if Engine::espeak_available() => Engine::Espeak,
            SynthesizerChoice::Espeak => return Err(EmulatorError::EspeakMissing),
            SynthesizerChoice::Auto if Engine::espeak_available() => Engine::Espeak,
            SynthesizerChoice::Auto => Engine::BuiltIn,
        };
        let pki = if config.tls {
            Some(crate::tls::generate(&config).map_err(EmulatorError::Tls)?)
        } else {
            None
        };
        if let (Some(pki), Some(path)) = (&pki, &config.ca_file) {
            std::fs::write(path, &pki.ca_pem)
                .map_err(|e| EmulatorError::Io(format!("cannot write the CA to {}: {e}", path.display())))?;
        }
        let registry = Arc::new(Registry::default());
        for fixture in &config.fixtures {
            let bytes = match &fixture.wav {
                FixtureAudio::Bytes(b) => b.clone(),
                FixtureAudio::File(path) => std::fs::read(path).map_err(|e| EmulatorError::Fixture {
                    transcript: fixture.transcript.clone(),
                    reason: format!("cannot read {}: {e}", path.display()),
                })?,
            };
            register_fixture(&registry, &bytes, &fixture.transcript)?;
        }
        let listener = tokio::net::TcpListener::bind(config.bind)
            .await
            .map_err(|source| EmulatorError::Bind {
                addr: config.bind,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| EmulatorError::Bind {
            addr: config.bind,
            source,
        })?;
        let mut voices = voices::builtin();
        voices.extend(config.extra_voices.iter().cloned());
        let (stop, shutdown) = watch::channel(false);
        let keys = Keys::new(config.primary_key.clone(), config.secondary_key.clone());
        if config.regenerate_primary_key_after_connections == Some(0) {
            keys.regenerate(KeySlot::Primary);
        }
        let shared = Arc::new(Shared {
            faults: FaultBook::new(config.faults.clone()),
            storms: StormBook::new(config.storms.clone()),
            keys,
            stats: stats::Counters::default(),
            quota: Quota::new(config.max_concurrent_connections),
            transcription_rate: RateLimit::new(config.transcriptions_per_minute),
            batch: batch::Store::new(pki.as_ref().map(|p| p.ca_der.as_slice()), config.batch_fetch_timeout),
            config,
            tokens: TokenService::new(),
            log: RequestLog::default(),
            registry,
            engine,
            voices,
            pki,
            addr,
            tasks: Mutex::new(JoinSet::new()),
            shutdown,
        });
        let accept = tokio::spawn(server::accept_loop(shared.clone(), listener));
        tracing::info!(%addr, synthesizer = shared.engine.name(), tls = shared.pki.is_some(), "Speech emulator listening");
        Ok(RunningEmulator {
            shared,
            stop,
            accept: Some(accept),
        })
    }
}

fn register_fixture(registry: &Registry, wav: &[u8], transcript: &str) -> Result<(), EmulatorError> {
    let err = |reason: String| EmulatorError::Fixture {
        transcript: transcript.to_owned(),
        reason,
    };
    let wav = dsp::read_wav(wav).map_err(err)?;
    let samples = dsp::resample(&wav.samples, wav.rate, dsp::RATE);
    let words = synth::align(transcript, &samples, dsp::RATE);
    if registry.register(&samples, transcript, &words, Source::Fixture, None, None) {
        Ok(())
    } else {
        Err(err(
            "the audio contains no speech (nothing louder than -45 dBFS)".to_owned()
        ))
    }
}

/// Options for [`RunningEmulator::mint_entra_token`].
#[derive(Debug, Clone)]
pub struct MintOptions {
    /// `oid` (default: the system-assigned identity's).
    pub object_id: Option<String>,
    /// Client id (`appid`).
    pub client_id: Option<String>,
    /// Whether the identity holds the Speech role.
    pub has_role: bool,
    /// Lifetime (default: the configured token lifetime).
    pub lifetime: Option<Duration>,
    /// Audience (default: the cloud's Cognitive Services audience).
    pub audience: Option<String>,
}

impl Default for MintOptions {
    fn default() -> Self {
        MintOptions {
            object_id: None,
            client_id: None,
            has_role: true,
            lifetime: None,
            audience: None,
        }
    }
}

/// URLs of the token endpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenEndpoints {
    /// App Service managed identity: `IDENTITY_ENDPOINT` (`http://127.0.0.1:<port>/msi/token`).
    pub managed_identity: String,
    /// IMDS base for Python's `AZURE_POD_IDENTITY_AUTHORITY_HOST` (`http://127.0.0.1:<port>`).
    pub imds_authority: String,
    /// Entra authority host (`https://127.0.0.1:<port>` with TLS, else `http://…`, which
    /// azure-identity clients refuse).
    pub authority: String,
    /// `{authority}/{tenant}/oauth2/v2.0/token`.
    pub entra_token: String,
    /// `{authority}/{tenant}/v2.0/.well-known/openid-configuration`.
    pub openid_configuration: String,
    /// STS on loopback: `http://127.0.0.1:<port>/sts/v1.0/issueToken`.
    pub sts: String,
}

/// A running emulator. Dropping it stops serving (abruptly); [`shutdown`](Self::shutdown) waits.
pub struct RunningEmulator {
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    accept: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for RunningEmulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningEmulator")
            .field("addr", &self.shared.addr)
            .finish()
    }
}

impl RunningEmulator {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.shared.addr
    }

    /// `http://127.0.0.1:<port>`.
    pub fn http_url(&self) -> String {
        format!("http://{}", self.shared.addr)
    }

    /// `ws://127.0.0.1:<port>`.
    pub fn ws_url(&self) -> String {
        format!("ws://{}", self.shared.addr)
    }

    /// `https://127.0.0.1:<port>` if TLS is on.
    pub fn https_url(&self) -> Option<String> {
        self.shared
            .pki
            .as_ref()
            .map(|_| format!("https://{}", self.shared.addr))
    }

    /// The test CA certificate (PEM), if TLS is on. Clients trust it to reach the emulator.
    pub fn ca_pem(&self) -> Option<&str> {
        self.shared.pki.as_ref().map(|p| p.ca_pem.as_str())
    }

    /// The test CA certificate (DER), if TLS is on.
    pub fn ca_der(&self) -> Option<&[u8]> {
        self.shared.pki.as_ref().map(|p| p.ca_der.as_slice())
    }

    /// The configuration in force (names, identities, limits...; its keys are those configured
    /// at start: [`key`](Self::key) gives the current ones).
    pub fn config(&self) -> &EmulatorConfig {
        &self.shared.config
    }

    /// Key 1 as configured at start (after [`regenerate_key`](Self::regenerate_key), the
    /// current value is [`key`](Self::key)`(KeySlot::Primary)`).
    pub fn primary_key(&self) -> &str {
        &self.shared.config.primary_key
    }

    /// Key 2 as configured at start (see [`key`](Self::key) for the current value).
    pub fn secondary_key(&self) -> &str {
        &self.shared.config.secondary_key
    }

    /// The current value of a key.
    pub fn key(&self, slot: KeySlot) -> String {
        self.shared.keys.get(slot)
    }

    /// Regenerate a key while running: from now on its old value is refused with 401 and a new
    /// random value (returned) is accepted in its place; the other key is unchanged.
    pub fn regenerate_key(&self, slot: KeySlot) -> String {
        let key = self.shared.keys.regenerate(slot);
        tracing::info!(?slot, "key regenerated");
        key
    }

    /// The counters so far (connections, refusals, limit closes, injected faults).
    pub fn stats(&self) -> Stats {
        self.shared.stats.snapshot()
    }

    /// The synthesizer in use (`espeak-ng` or `built-in`).
    pub fn synthesizer(&self) -> &'static str {
        self.shared.engine.name()
    }

    /// How many utterances (synthesized and fixtures) the recognizer knows.
    pub fn known_utterances(&self) -> usize {
        self.shared.registry.len()
    }

    /// Register a recording (WAV bytes, 16-bit PCM) with its transcript while running.
    pub fn register_fixture(&self, wav: &[u8], transcript: &str) -> Result<(), EmulatorError> {
        register_fixture(&self.shared.registry, wav, transcript)
    }

    /// The token endpoint URLs.
    pub fn token_endpoint_urls(&self) -> TokenEndpoints {
        let http = self.http_url();
        let authority = self.https_url().unwrap_or_else(|| http.clone());
        let tenant = &self.shared.config.tenant_id;
        TokenEndpoints {
            managed_identity: format!("{http}/msi/token"),
            imds_authority: http.clone(),
            entra_token: format!("{authority}/{tenant}/oauth2/v2.0/token"),
            openid_configuration: format!("{authority}/{tenant}/v2.0/.well-known/openid-configuration"),
            authority,
            sts: format!("{http}/sts/v1.0/issueToken"),
        }
    }

    /// The variables a client needs for key auth against the configured default form:
    /// `SPEECH_ENDPOINT` (loopback URL; with TLS and a non-loopback default form, the real
    /// custom-domain URL or only `SPEECH_REGION`, plus `AZSPEECH_CONNECT_TO`), `SPEECH_KEY`,
    /// `SPEECH_KEY_SECONDARY`, `SPEECH_REGION`, `SPEECH_RESOURCE_ID`, `SPEECH_CLOUD` (if not
    /// public) and `AZSPEECH_CA_FILE` (if the CA was written to a file).
    pub fn env_vars(&self) -> Vec<(String, String)> {
        let c = &self.shared.config;
        let mut vars: Vec<(String, String)> = Vec::new();
        let mut push = |k: &str, v: String| vars.push((k.to_owned(), v));
        let tls = self.shared.pki.is_some();
        let ca_file = c.ca_file.as_ref().filter(|_| tls);
        let addr = self.shared.addr;
        match c.default_form {
            HostForm::CustomDomain if tls => {
                let host = c.custom_domain_host();
                push("SPEECH_ENDPOINT", format!("https://{host}/"));
                push("AZSPEECH_CONNECT_TO", format!("{host}={addr}"));
            }
            HostForm::RegionalStt | HostForm::RegionalTts | HostForm::RegionalApi if tls => {
                let hosts: Vec<String> = [HostForm::RegionalStt, HostForm::RegionalTts, HostForm::RegionalApi]
                    .into_iter()
                    .filter_map(|f| c.regional_host(f))
                    .map(|h| format!("{h}={addr}"))
                    .collect();
                push("AZSPEECH_CONNECT_TO", hosts.join(","));
            }
            _ => {
                let scheme = if ca_file.is_some() { "https" } else { "http" };
                push("SPEECH_ENDPOINT", format!("{scheme}://{addr}"));
            }
        }
        push("SPEECH_KEY", self.key(KeySlot::Primary));
        push("SPEECH_KEY_SECONDARY", self.key(KeySlot::Secondary));
        push("SPEECH_REGION", c.region.clone());
        push("SPEECH_RESOURCE_ID", c.resource_id.clone());
        if c.cloud != crate::config::Cloud::Public {
            push("SPEECH_CLOUD", c.cloud.name().to_owned());
        }
        if let Some(path) = ca_file {
            push("AZSPEECH_CA_FILE", path.display().to_string());
        }
        vars
    }

    /// Variables for an App Service managed identity (`IDENTITY_ENDPOINT`, `IDENTITY_HEADER`;
    /// with `user_assigned`, also `AZURE_CLIENT_ID` of the default user-assigned identity).
    pub fn managed_identity_env_vars(&self, user_assigned: bool) -> Vec<(String, String)> {
        let mut vars = vec![
            (
                "IDENTITY_ENDPOINT".to_owned(),
                self.token_endpoint_urls().managed_identity,
            ),
            ("IDENTITY_HEADER".to_owned(), self.shared.config.identity_header.clone()),
        ];
        if user_assigned
            && let Some(identity) = self
                .shared
                .config
                .identities
                .iter()
                .find(|i| i.kind == crate::config::IdentityKind::UserAssigned)
        {
            vars.push(("AZURE_CLIENT_ID".to_owned(), identity.client_id.clone()));
        }
        vars
    }

    /// Variables for the first service principal with a secret: `AZURE_TENANT_ID`,
    /// `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET`, `AZURE_AUTHORITY_HOST` (https only with TLS).
    pub fn service_principal_env_vars(&self) -> Vec<(String, String)> {
        let c = &self.shared.config;
        let mut vars = vec![
            ("AZURE_TENANT_ID".to_owned(), c.tenant_id.clone()),
            ("AZURE_AUTHORITY_HOST".to_owned(), self.token_endpoint_urls().authority),
        ];
        if let Some((client_id, secret)) = c.identities.iter().find_map(|i| match &i.kind {
            crate::config::IdentityKind::ServicePrincipal { secret: Some(s) } => Some((i.client_id.clone(), s.clone())),
            _ => None,
        }) {
            vars.push(("AZURE_CLIENT_ID".to_owned(), client_id));
            vars.push(("AZURE_CLIENT_SECRET".to_owned(), secret));
        }
        vars
    }

    /// Every request seen so far (secrets redacted).
    pub fn request_log(&self) -> Vec<RequestRecord> {
        self.shared.log.snapshot()
    }

    /// Mint an Entra token this emulator accepts (the same tokens its token endpoints issue).
    pub fn mint_entra_token(&self, options: MintOptions) -> String {
        let c = &self.shared.config;
        let default_identity = c.identities.first();
        let object_id = options
            .object_id
            .or_else(|| default_identity.map(|i| i.object_id.clone()))
            .unwrap_or_default();
        let client_id = options
            .client_id
            .or_else(|| default_identity.map(|i| i.client_id.clone()))
            .unwrap_or_default();
        let audience = options.audience.unwrap_or_else(|| c.cloud.audience().to_owned());
        let lifetime = options.lifetime.unwrap_or(c.token_lifetime);
        self.shared
            .mint_entra(&client_id, &object_id, options.has_role, &audience, lifetime)
            .0
    }

    /// Mint an STS token as `issueToken` on a host of `form` would (valid for the configured STS
    /// token lifetime, 10 minutes by default, only on that form).
    pub fn mint_sts_token(&self, form: HostForm) -> String {
        let host = HostInfo {
            name: String::new(),
            form,
            foreign: false,
        };
        self.shared.mint_sts(&host)
    }

    /// A multi-line summary for people: URLs, keys, CA, token endpoints.
    pub fn banner(&self) -> String {
        let mut out = format!(
            "Azure Speech emulator on {} (synthesizer: {}, TLS: {})\n",
            self.shared.addr,
            self.synthesizer(),
            if self.shared.pki.is_some() { "yes" } else { "no" }
        );
        for (k, v) in self.env_vars() {
            out.push_str(&format!("  {k}={v}\n"));
        }
        let t = self.token_endpoint_urls();
        out.push_str(&format!(
            "  managed identity: IDENTITY_ENDPOINT={} IDENTITY_HEADER={}\n",
            t.managed_identity, self.shared.config.identity_header
        ));
        out.push_str(&format!(
            "  Entra authority: {} (tenant {})\n",
            t.authority, self.shared.config.tenant_id
        ));
        out
    }

    /// Stop accepting, end every connection, and wait for the server task.
    pub async fn shutdown(mut self) {
        self.stop_now().await;
    }

    async fn stop_now(&mut self) {
        let _ = self.stop.send(true);
        if let Some(accept) = self.accept.take() {
            let _ = accept.await;
        }
        let tasks = {
            let mut tasks = self.shared.tasks.lock().unwrap_or_else(|e| e.into_inner());
            std::mem::take(&mut *tasks)
        };
        let mut tasks = tasks;
        tasks.shutdown().await;
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(accept) = self.accept.take() {
            accept.abort();
        }
        let mut tasks = self.shared.tasks.lock().unwrap_or_else(|e| e.into_inner());
        tasks.abort_all();
    }
}

/// Start an emulator, print its [`banner`](RunningEmulator::banner), and serve until Ctrl-C.
pub async fn run_until_ctrl_c(config: EmulatorConfig) -> Result<(), EmulatorError> {
    let emulator = Emulator::start(config).await?;
    println!("{}", emulator.banner());
    println!("Press Ctrl-C to stop.");
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| EmulatorError::Io(format!("cannot wait for Ctrl-C: {e}")))?;
    emulator.shutdown().await;
    Ok(())
}
