//! Loading the core component into wasmtime and calling it.
//!
//! One [`CoreRuntime`] per process: it owns the engine and an `InstancePre` (imports resolved
//! once). Each [`CoreInstance`] is a fresh store and instance, created in microseconds; a
//! speech session gets its own, so sessions share no guest memory.

use std::path::PathBuf;

use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Engine, Store};

use crate::artifact_cache::ArtifactCache;

#[allow(missing_docs, unreachable_pub, clippy::all)]
mod bindings {
    wasmtime::component::bindgen!({
        world: "speech-core",
        path: "../wit",
    });
}

pub use bindings::azspeech::core::diagnostics::LogLevel;
pub use bindings::exports::azspeech::core::config::{Endpoint, Setting, SettingSource, SettingValue, Settings};
pub use bindings::exports::azspeech::core::connection::{
    AuthPlan, BearerPlan, ConnectionPlan, KeySlot, RequestIds, RequestKind, StsPlan, TokenFormat,
};
pub use bindings::exports::azspeech::core::link::{
    AudioTransmit, CloseFrame, CloseInfo, ConnectFailure, ConnectRequest, CredentialFailure, NetworkErrorKind,
    NetworkFailure, Pace, ProxyRefusal, ReconnectNotice, SessionFailure, SessionNotice, SessionPolicy, Transmit,
    UpgradeRejection,
};
pub use bindings::exports::azspeech::core::messages::{PayloadRange, WsMessage};
pub use bindings::exports::azspeech::core::proxy::{ProxyRoute, ProxyServer, ProxySettings, RouteReason};
pub use bindings::exports::azspeech::core::reachability::{
    AddressClass, Advice, ClassifiedAddress, ConnectOutcome, ReachabilityReport, Resolution, Verdict,
};
pub use bindings::exports::azspeech::core::recognition::{
    Alternative, AudioFormat, Backpressure, LanguageId, LanguageIdMode, OutputFormat, PartialResult, PhraseResult,
    Profanity, RecognitionEvent, RecognitionMode, RecognitionOptions, RecognitionStatus, RecognitionSummary,
    RecognizedWord,
};
pub use bindings::exports::azspeech::core::synthesis::{
    AudioEncoding, Bookmark, Boundary, FormatInfo, RequestRestart, SynthesisEvent, SynthesisOptions, SynthesisSummary,
    Viseme,
};
pub use bindings::exports::azspeech::core::transcription::{
    BatchJob, BatchRequest, CombinedText, FileKind, FilePage, JobFile, JobPage, JobStatus, ProfanityMode, ReportEntry,
    TranscribedPhrase, TranscribedWord, TranscriptionCall, TranscriptionOptions, TranscriptionResult, Upload,
};
pub use bindings::exports::azspeech::core::types::{
    AuthMode, Cloud, ConfigError, ConfigErrorCode, CredentialSource, EndpointKind, FailureDetail, Finding, Level,
    SpeechError, ThrottleDetail,
};
pub use wasmtime::component::ResourceAny;

impl SpeechError {
    /// The failure's kind as a stable word: `configuration`, `authentication`, `forbidden`,
    /// `throttled`, `transient`, `bad-request`, `protocol` or `not-implemented`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Configuration(_) => "configuration",
            Self::Authentication(_) => "authentication",
            Self::Forbidden(_) => "forbidden",
            Self::Throttled(_) => "throttled",
            Self::Transient(_) => "transient",
            Self::BadRequest(_) => "bad-request",
            Self::Protocol(_) => "protocol",
            Self::NotImplemented(_) => "not-implemented",
        }
    }

    /// What happened, the likely cause and the fix.
    pub fn detail(&self) -> &FailureDetail {
        match self {
            Self::Configuration(d)
            | Self::Authentication(d)
            | Self::Forbidden(d)
            | Self::Transient(d)
            | Self::BadRequest(d)
            | Self::Protocol(d)
            | Self::NotImplemented(d) => d,
            Self::Throttled(t) => &t.detail,
        }
    }

    /// The same, to add to (a host that knows more, e.g. of its own retry budget).
    pub fn detail_mut(&mut self) -> &mut FailureDetail {
        match self {
            Self::Configuration(d)
            | Self::Authentication(d)
            | Self::Forbidden(d)
            | Self::Transient(d)
            | Self::BadRequest(d)
            | Self::Protocol(d)
            | Self::NotImplemented(d) => d,
            Self::Throttled(t) => &mut t.detail,
        }
    }
}

/// Why the core could not be loaded or called. Every case is a bug or a broken installation,
/// never a user configuration problem (those come back as values from the core).
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// The embedded component did not compile; the build is broken.
    #[error("compiling the azspeech core component failed (a broken build): {0:#}")]
    Compile(wasmtime::Error),
    /// Instantiating failed; the component and the host disagree about the contract.
    #[error("instantiating the azspeech core failed (component and host disagree): {0:#}")]
    Instantiate(wasmtime::Error),
    /// The core trapped (a panic inside the component); its message went to the log.
    #[error("the azspeech core trapped in `{call}` (a bug; run with --log-level debug for its message): {source:#}")]
    Trap {
        /// The export that trapped.
        call: &'static str,
        /// wasmtime's description, with the guest backtrace.
        source: wasmtime::Error,
    },
}

/// Per-instance host state: what the `diagnostics` import needs.
#[derive(Debug, Default)]
pub struct CoreState {
    _private: (),
}

impl bindings::azspeech::core::diagnostics::Host for CoreState {
    fn log(&mut self, level: LogLevel, message: String) {
        match level {
            LogLevel::Error => tracing::error!(target: "azspeech::core", "{message}"),
            LogLevel::Warn => tracing::warn!(target: "azspeech::core", "{message}"),
            LogLevel::Debug => tracing::debug!(target: "azspeech::core", "{message}"),
        }
    }
}

/// How the component was obtained, for diagnostics and benchmarks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadSource {
    /// Compiled now; not cached (cache disabled or not writable).
    Compiled,
    /// Compiled now and written to this cache file.
    CompiledAndCached(PathBuf),
    /// Mapped from this cache file.
    Cached(PathBuf),
}

/// The loaded core: engine plus pre-linked component.
pub struct CoreRuntime {
    engine: Engine,
    pre: bindings::SpeechCorePre<CoreState>,
    source: LoadSource,
}

impl std::fmt::Debug for CoreRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CoreRuntime")
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl CoreRuntime {
    /// Load the embedded core component, through `cache`.
    pub fn load(cache: &ArtifactCache) -> Result<Self, CoreError> {
        Self::load_bytes(crate::CORE_COMPONENT, cache)
    }

    /// Load a given component (tests use this to check rejection of foreign imports).
    pub fn load_bytes(component_bytes: &[u8], cache: &ArtifactCache) -> Result<Self, CoreError> {
        let engine = Engine::new(&wasmtime::Config::new()).map_err(CoreError::Compile)?;
        let (component, source) = load_component(&engine, component_bytes, cache)?;
        let mut linker = Linker::<CoreState>::new(&engine);
        bindings::SpeechCore::add_to_linker::<CoreState, HasSelf<CoreState>>(&mut linker, |state| state)
            .map_err(CoreError::Instantiate)?;
        let instance_pre = linker.instantiate_pre(&component).map_err(CoreError::Instantiate)?;
        let pre = bindings::SpeechCorePre::new(instance_pre).map_err(CoreError::Instantiate)?;
        Ok(Self { engine, pre, source })
    }

    /// Where the compiled component came from.
    pub fn source(&self) -> &LoadSource {
        &self.source
    }

    /// A fresh instance with its own store.
    pub fn instantiate(&self) -> Result<CoreInstance, CoreError> {
        let mut store = Store::new(&self.engine, CoreState::default());
        let core = self.pre.instantiate(&mut store).map_err(CoreError::Instantiate)?;
        Ok(CoreInstance { store, core })
    }
}

fn load_component(engine: &Engine, bytes: &[u8], cache: &ArtifactCache) -> Result<(Component, LoadSource), CoreError> {
    let Some(path) = cache.artifact_path(engine, bytes) else {
        return Ok((
            Component::new(engine, bytes).map_err(CoreError::Compile)?,
            LoadSource::Compiled,
        ));
    };
    if path.is_file() {
        // SAFETY: deserializing runs native code from the file. The file lives in the user's
        // private cache directory (0700), was written by this program atomically, and its name
        // binds it to this component's hash and this engine's compatibility hash; wasmtime
        // additionally checks the engine configuration recorded in the artifact.
        #[allow(unsafe_code)]
        match unsafe { Component::deserialize_file(engine, &path) } {
            Ok(component) => return Ok((component, LoadSource::Cached(path))),
            Err(error) => tracing::warn!("ignoring unusable cached artifact {}: {error:#}", path.display()),
        }
    }
    let artifact = engine.precompile_component(bytes).map_err(CoreError::Compile)?;
    let source = match ArtifactCache::store(&path, &artifact) {
        Ok(()) => LoadSource::CompiledAndCached(path),
        Err(error) => {
            tracing::debug!("not caching the compiled core at {}: {error}", path.display());
            LoadSource::Compiled
        }
    };
    // SAFETY: `artifact` was produced just now by `precompile_component` on this engine.
    #[allow(unsafe_code)]
    let component = unsafe { Component::deserialize(engine, &artifact) }.map_err(CoreError::Compile)?;
    Ok((component, source))
}

/// One instance of the core, with typed calls to every export.
pub struct CoreInstance {
    store: Store<CoreState>,
    core: bindings::SpeechCore,
}

impl std::fmt::Debug for CoreInstance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CoreInstance").finish_non_exhaustive()
    }
}

fn trap(call: &'static str) -> impl FnOnce(wasmtime::Error) -> CoreError {
    move |source| CoreError::Trap { call, source }
}

impl CoreInstance {
    /// `config.secret-names`.
    pub fn secret_names(&mut self) -> Result<Vec<String>, CoreError> {
        self.core
            .azspeech_core_config()
            .call_secret_names(&mut self.store)
            .map_err(trap("config.secret-names"))
    }

    /// `config.resolve`.
    pub fn resolve(&mut self, settings: &[Setting]) -> Result<Result<Settings, ConfigError>, CoreError> {
        self.core
            .azspeech_core_config()
            .call_resolve(&mut self.store, settings)
            .map_err(trap("config.resolve"))
    }

    /// `config.diagnose`.
    pub fn diagnose(&mut self, settings: &Settings) -> Result<Vec<Finding>, CoreError> {
        self.core
            .azspeech_core_config()
            .call_diagnose(&mut self.store, settings)
            .map_err(trap("config.diagnose"))
    }

    /// `connection.plan`.
    pub fn plan(
        &mut self,
        settings: &Settings,
        kind: RequestKind,
        ids: &RequestIds,
    ) -> Result<Result<ConnectionPlan, ConfigError>, CoreError> {
        self.core
            .azspeech_core_connection()
            .call_plan(&mut self.store, settings, kind, ids)
            .map_err(trap("connection.plan"))
    }

    /// `failures.classify-http`.
    pub fn classify_http(
        &mut self,
        settings: &Settings,
        status: u16,
        retry_after: Option<&str>,
        body: &str,
    ) -> Result<SpeechError, CoreError> {
        self.core
            .azspeech_core_failures()
            .call_classify_http(&mut self.store, settings, status, retry_after, body)
            .map_err(trap("failures.classify-http"))
    }

    /// `failures.classify-close`.
    pub fn classify_close(&mut self, code: u16, reason: &str) -> Result<SpeechError, CoreError> {
        self.core
            .azspeech_core_failures()
            .call_classify_close(&mut self.store, code, reason)
            .map_err(trap("failures.classify-close"))
    }

    /// `failures.classify-network`.
    pub fn classify_network(
        &mut self,
        settings: &Settings,
        failure: &NetworkFailure,
    ) -> Result<SpeechError, CoreError> {
        self.core
            .azspeech_core_failures()
            .call_classify_network(&mut self.store, settings, failure)
            .map_err(trap("failures.classify-network"))
    }

    /// `proxy.route`.
    pub fn proxy_route(
        &mut self,
        settings: &ProxySettings,
        url: &str,
    ) -> Result<Result<ProxyRoute, ConfigError>, CoreError> {
        self.core
            .azspeech_core_proxy()
            .call_route(&mut self.store, settings, url)
            .map_err(trap("proxy.route"))
    }

    /// `proxy.classify-refusal`.
    pub fn classify_proxy_refusal(&mut self, refusal: &ProxyRefusal) -> Result<SpeechError, CoreError> {
        self.core
            .azspeech_core_proxy()
            .call_classify_refusal(&mut self.store, refusal)
            .map_err(trap("proxy.classify-refusal"))
    }

    /// `reachability.assess`.
    pub fn assess_reachability(
        &mut self,
        settings: &Settings,
        host: &str,
        resolution: &Resolution,
        outcome: &ConnectOutcome,
    ) -> Result<ReachabilityReport, CoreError> {
        self.core
            .azspeech_core_reachability()
            .call_assess(&mut self.store, settings, host, resolution, outcome)
            .map_err(trap("reachability.assess"))
    }

    /// `recognition.recognizer` constructor.
    pub fn recognizer(
        &mut self,
        settings: &Settings,
        options: &RecognitionOptions,
        policy: &SessionPolicy,
    ) -> Result<Recognizer, CoreError> {
        let resource = self
            .core
            .azspeech_core_recognition()
            .recognizer()
            .call_constructor(&mut self.store, settings, options, *policy)
            .map_err(trap("recognition.recognizer"))?;
        Ok(Recognizer(resource))
    }

    /// `synthesis.synthesizer` constructor.
    pub fn synthesizer(
        &mut self,
        settings: &Settings,
        options: &SynthesisOptions,
        policy: &SessionPolicy,
    ) -> Result<Synthesizer, CoreError> {
        let resource = self
            .core
            .azspeech_core_synthesis()
            .synthesizer()
            .call_constructor(&mut self.store, settings, options, *policy)
            .map_err(trap("synthesis.synthesizer"))?;
        Ok(Synthesizer(resource))
    }

    /// `synthesis.describe-format`.
    pub fn synthesis_describe_format(&mut self, name: &str) -> Result<Result<FormatInfo, SpeechError>, CoreError> {
        self.core
            .azspeech_core_synthesis()
            .call_describe_format(&mut self.store, name)
            .map_err(trap("synthesis.describe-format"))
    }

    /// `synthesis.list-formats`.
    pub fn synthesis_list_formats(&mut self) -> Result<Vec<FormatInfo>, CoreError> {
        self.core
            .azspeech_core_synthesis()
            .call_list_formats(&mut self.store)
            .map_err(trap("synthesis.list-formats"))
    }

    /// `synthesis.wav-header`.
    pub fn synthesis_wav_header(
        &mut self,
        format: &str,
        data_len: u32,
    ) -> Result<Result<Vec<u8>, SpeechError>, CoreError> {
        self.core
            .azspeech_core_synthesis()
            .call_wav_header(&mut self.store, format, data_len)
            .map_err(trap("synthesis.wav-header"))
    }

    /// `synthesis.split-text`.
    pub fn synthesis_split_text(&mut self, text: &str, max_chars: u32) -> Result<Vec<String>, CoreError> {
        self.core
            .azspeech_core_synthesis()
            .call_split_text(&mut self.store, text, max_chars)
            .map_err(trap("synthesis.split-text"))
    }

    /// `transcription.plan`.
    pub fn transcription_plan(
        &mut self,
        settings: &Settings,
        call: &TranscriptionCall,
        ids: &RequestIds,
    ) -> Result<Result<ConnectionPlan, ConfigError>, CoreError> {
        self.core
            .azspeech_core_transcription()
            .call_plan(&mut self.store, settings, call, ids)
            .map_err(trap("transcription.plan"))
    }

    /// `transcription.definition`.
    pub fn transcription_definition(
        &mut self,
        options: &TranscriptionOptions,
    ) -> Result<Result<String, SpeechError>, CoreError> {
        self.core
            .azspeech_core_transcription()
            .call_definition(&mut self.store, options)
            .map_err(trap("transcription.definition"))
    }

    /// `transcription.check-upload`.
    pub fn transcription_check_upload(&mut self, upload: Upload) -> Result<Result<(), SpeechError>, CoreError> {
        self.core
            .azspeech_core_transcription()
            .call_check_upload(&mut self.store, upload)
            .map_err(trap("transcription.check-upload"))
    }

    /// `transcription.submit-body`.
    pub fn transcription_submit_body(
        &mut self,
        request: &BatchRequest,
    ) -> Result<Result<String, SpeechError>, CoreError> {
        self.core
            .azspeech_core_transcription()
            .call_submit_body(&mut self.store, request)
            .map_err(trap("transcription.submit-body"))
    }

    /// `transcription.parse-result`.
    pub fn transcription_parse_result(
        &mut self,
        body: &str,
    ) -> Result<Result<TranscriptionResult, SpeechError>, CoreError> {
        self.core
            .azspeech_core_transcription()
            .call_parse_result(&mut self.store, body)
            .map_err(trap("transcription.parse-result"))
    }

    /// `transcription.parse-batch-result`.
    pub fn transcription_parse_batch_result(
        &mut self,
        body: &str,
    ) -> Result<Result<TranscriptionResult, SpeechError>, CoreError> {
        self.core
            .azspeech_core_transcription()
            .call_parse_batch_result(&mut self.store, body)
            .map_err(trap("transcription.parse-batch-result"))
    }

    /// `transcription.parse-job`.
    pub fn transcription_parse_job(&mut self, body: &str) -> Result<Result<BatchJob, SpeechError>, CoreError> {
        self.core
            .azspeech_core_transcription()
            .call_parse_job(&mut self.store, body)
            .map_err(trap("transcription.parse-job"))
    }

    /// `transcription.parse-jobs`.
    pub fn transcription_parse_jobs(&mut self, body: &str) -> Result<Result<JobPage, SpeechError>, CoreError> {
        self.core
            .azspeech_core_transcription()
            .call_parse_jobs(&mut self.store, body)
            .map_err(trap("transcription.parse-jobs"))
    }

    /// `transcription.parse-files`.
    pub fn transcription_parse_files(&mut self, body: &str) -> Result<Result<FilePage, SpeechError>, CoreError> {
        self.core
            .azspeech_core_transcription()
            .call_parse_files(&mut self.store, body)
            .map_err(trap("transcription.parse-files"))
    }

    /// `transcription.parse-report`.
    pub fn transcription_parse_report(
        &mut self,
        body: &str,
    ) -> Result<Result<Vec<ReportEntry>, SpeechError>, CoreError> {
        self.core
            .azspeech_core_transcription()
            .call_parse_report(&mut self.store, body)
            .map_err(trap("transcription.parse-report"))
    }

    /// `transcription.classify`.
    pub fn transcription_classify(
        &mut self,
        settings: &Settings,
        status: u16,
        retry_after: Option<&str>,
        body: &str,
    ) -> Result<SpeechError, CoreError> {
        self.core
            .azspeech_core_transcription()
            .call_classify(&mut self.store, settings, status, retry_after, body)
            .map_err(trap("transcription.classify"))
    }

    /// `transcription.retry-delay`.
    pub fn transcription_retry_delay(
        &mut self,
        error: &SpeechError,
        retry_after: Option<&str>,
        attempt: u32,
    ) -> Result<Option<u64>, CoreError> {
        self.core
            .azspeech_core_transcription()
            .call_retry_delay(&mut self.store, error, retry_after, attempt)
            .map_err(trap("transcription.retry-delay"))
    }

    /// `transcription.poll-delay`.
    pub fn transcription_poll_delay(&mut self, retry_after: Option<&str>) -> Result<u64, CoreError> {
        self.core
            .azspeech_core_transcription()
            .call_poll_delay(&mut self.store, retry_after)
            .map_err(trap("transcription.poll-delay"))
    }

    /// Drop a session resource inside the guest.
    pub fn drop_session(&mut self, session: ResourceAny) -> Result<(), CoreError> {
        session.resource_drop(&mut self.store).map_err(trap("resource drop"))
    }
}

/// Typed calls on one resource of the core. `$accessor` picks the interface, `$resource` the
/// resource inside it; each method maps a trap to [`CoreError::Trap`].
macro_rules! resource_calls {
    ($handle:ident, $interface:ident, $resource:ident, $name:literal, {
        $( $(#[$doc:meta])* fn $method:ident => $call:ident ( $( $arg:ident : $ty:ty ),* ) -> $ret:ty; )*
    }) => {
        impl $handle {
            $(
                $(#[$doc])*
                pub fn $method(&self, core: &mut CoreInstance $(, $arg: $ty)*) -> Result<$ret, CoreError> {
                    core.core
                        .$interface()
                        .$resource()
                        .$call(&mut core.store, self.0 $(, $arg)*)
                        .map_err(trap(concat!($name, ".", stringify!($method))))
                }
            )*

            /// Drop the resource inside the guest.
            pub fn drop(self, core: &mut CoreInstance) -> Result<(), CoreError> {
                self.0.resource_drop(&mut core.store).map_err(trap("resource drop"))
            }
        }
    };
}

/// A `recognition.recognizer` resource of one [`CoreInstance`].
#[derive(Debug, Clone, Copy)]
pub struct Recognizer(ResourceAny);

resource_calls!(Recognizer, azspeech_core_recognition, recognizer, "recognizer", {
    /// `handle-connected`.
    fn handle_connected => call_handle_connected(now: u64) -> ();
    /// `handle-connect-failed`.
    fn handle_connect_failed => call_handle_connect_failed(now: u64, failure: &ConnectFailure) -> ();
    /// `handle-message`.
    fn handle_message => call_handle_message(now: u64, message: &WsMessage) -> ();
    /// `handle-closed`.
    fn handle_closed => call_handle_closed(now: u64, close: &CloseInfo) -> ();
    /// `push-audio`.
    fn push_audio => call_push_audio(now: u64, pcm_len: u32) -> Result<(), Backpressure>;
    /// `end-audio`.
    fn end_audio => call_end_audio(now: u64) -> ();
    /// `abort`.
    fn abort => call_abort(now: u64) -> ();
    /// `handle-timeout`.
    fn handle_timeout => call_handle_timeout(now: u64) -> ();
    /// `poll-connect`.
    fn poll_connect => call_poll_connect(now: u64) -> Option<ConnectRequest>;
    /// `poll-transmit`.
    fn poll_transmit => call_poll_transmit(now: u64) -> Option<Transmit>;
    /// `poll-event`.
    fn poll_event => call_poll_event() -> Option<RecognitionEvent>;
    /// `poll-timeout`.
    fn poll_timeout => call_poll_timeout() -> Option<u64>;
    /// `acknowledged-bytes`.
    fn acknowledged_bytes => call_acknowledged_bytes() -> u64;
    /// `is-done`.
    fn is_done => call_is_done() -> bool;
});

/// A `synthesis.synthesizer` resource of one [`CoreInstance`].
#[derive(Debug, Clone, Copy)]
pub struct Synthesizer(ResourceAny);

resource_calls!(Synthesizer, azspeech_core_synthesis, synthesizer, "synthesizer", {
    /// `speak-text`.
    fn speak_text => call_speak_text(text: &str) -> Result<u32, SpeechError>;
    /// `speak-ssml`.
    fn speak_ssml => call_speak_ssml(ssml: &str) -> Result<u32, SpeechError>;
    /// `end-input`.
    fn end_input => call_end_input(now: u64) -> ();
    /// `handle-connected`.
    fn handle_connected => call_handle_connected(now: u64) -> ();
    /// `handle-connect-failed`.
    fn handle_connect_failed => call_handle_connect_failed(now: u64, failure: &ConnectFailure) -> ();
    /// `handle-message`.
    fn handle_message => call_handle_message(now: u64, message: &WsMessage) -> ();
    /// `handle-binary-head`.
    fn handle_binary_head => call_handle_binary_head(now: u64, head: &[u8], frame_len: u32) -> ();
    /// `handle-closed`.
    fn handle_closed => call_handle_closed(now: u64, close: &CloseInfo) -> ();
    /// `handle-timeout`.
    fn handle_timeout => call_handle_timeout(now: u64) -> ();
    /// `poll-connect`.
    fn poll_connect => call_poll_connect(now: u64) -> Option<ConnectRequest>;
    /// `poll-transmit`.
    fn poll_transmit => call_poll_transmit(now: u64) -> Option<Transmit>;
    /// `poll-event`.
    fn poll_event => call_poll_event() -> Option<SynthesisEvent>;
    /// `poll-timeout`.
    fn poll_timeout => call_poll_timeout() -> Option<u64>;
    /// `is-done`.
    fn is_done => call_is_done() -> bool;
});
