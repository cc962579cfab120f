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
pub use bindings::exports::azspeech::core::messages::{PayloadRange, WsMessage};
pub use bindings::exports::azspeech::core::recognition::{
    Alternative, AudioError, AudioFormat, OutputFormat, PartialResult, PhraseResult, Profanity, Progress,
    RecognitionEvent, RecognitionMode, RecognitionOptions, RecognitionStatus, RecognizedWord, TurnPlan, TurnSummary,
};
pub use bindings::exports::azspeech::core::synthesis::{
    AudioEncoding, Bookmark, Boundary, FormatInfo, SynthesisEvent, SynthesisOptions, Viseme,
};
pub use bindings::exports::azspeech::core::types::{
    AuthMode, Cloud, ConfigError, ConfigErrorCode, CredentialSource, EndpointKind, FailureDetail, Finding, Level,
    SpeechError, ThrottleDetail,
};
pub use wasmtime::component::ResourceAny;

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

    /// `recognition.session` constructor.
    pub fn recognition_session(
        &mut self,
        settings: &Settings,
        options: &RecognitionOptions,
    ) -> Result<ResourceAny, CoreError> {
        self.core
            .azspeech_core_recognition()
            .session()
            .call_constructor(&mut self.store, settings, options)
            .map_err(trap("recognition.session"))
    }

    /// `recognition.session.start`.
    pub fn recognition_start(
        &mut self,
        session: ResourceAny,
        now: u64,
        request_id: &str,
    ) -> Result<Result<TurnPlan, SpeechError>, CoreError> {
        self.core
            .azspeech_core_recognition()
            .session()
            .call_start(&mut self.store, session, now, request_id)
            .map_err(trap("recognition.session.start"))
    }

    /// `recognition.session.next-turn`.
    pub fn recognition_next_turn(
        &mut self,
        session: ResourceAny,
        now: u64,
        request_id: &str,
    ) -> Result<Result<TurnPlan, SpeechError>, CoreError> {
        self.core
            .azspeech_core_recognition()
            .session()
            .call_next_turn(&mut self.store, session, now, request_id)
            .map_err(trap("recognition.session.next-turn"))
    }

    /// `recognition.session.progress`.
    pub fn recognition_progress(&mut self, session: ResourceAny) -> Result<Progress, CoreError> {
        self.core
            .azspeech_core_recognition()
            .session()
            .call_progress(&mut self.store, session)
            .map_err(trap("recognition.session.progress"))
    }

    /// `recognition.session.audio-header`.
    pub fn recognition_audio_header(
        &mut self,
        session: ResourceAny,
        now: u64,
        pcm_len: u32,
    ) -> Result<Result<Vec<u8>, AudioError>, CoreError> {
        self.core
            .azspeech_core_recognition()
            .session()
            .call_audio_header(&mut self.store, session, now, pcm_len)
            .map_err(trap("recognition.session.audio-header"))
    }

    /// `recognition.session.finish`.
    pub fn recognition_finish(
        &mut self,
        session: ResourceAny,
        now: u64,
    ) -> Result<Result<WsMessage, SpeechError>, CoreError> {
        self.core
            .azspeech_core_recognition()
            .session()
            .call_finish(&mut self.store, session, now)
            .map_err(trap("recognition.session.finish"))
    }

    /// `recognition.session.receive`.
    pub fn recognition_receive(
        &mut self,
        session: ResourceAny,
        now: u64,
        message: &WsMessage,
    ) -> Result<Result<Vec<RecognitionEvent>, SpeechError>, CoreError> {
        self.core
            .azspeech_core_recognition()
            .session()
            .call_receive(&mut self.store, session, now, message)
            .map_err(trap("recognition.session.receive"))
    }

    /// `synthesis.session` constructor.
    pub fn synthesis_session(
        &mut self,
        settings: &Settings,
        options: &SynthesisOptions,
    ) -> Result<ResourceAny, CoreError> {
        self.core
            .azspeech_core_synthesis()
            .session()
            .call_constructor(&mut self.store, settings, options)
            .map_err(trap("synthesis.session"))
    }

    /// `synthesis.session.speak-text`.
    pub fn synthesis_speak_text(
        &mut self,
        session: ResourceAny,
        now: u64,
        request_id: &str,
        text: &str,
    ) -> Result<Result<Vec<WsMessage>, SpeechError>, CoreError> {
        self.core
            .azspeech_core_synthesis()
            .session()
            .call_speak_text(&mut self.store, session, now, request_id, text)
            .map_err(trap("synthesis.session.speak-text"))
    }

    /// `synthesis.session.speak-ssml`.
    pub fn synthesis_speak_ssml(
        &mut self,
        session: ResourceAny,
        now: u64,
        request_id: &str,
        ssml: &str,
    ) -> Result<Result<Vec<WsMessage>, SpeechError>, CoreError> {
        self.core
            .azspeech_core_synthesis()
            .session()
            .call_speak_ssml(&mut self.store, session, now, request_id, ssml)
            .map_err(trap("synthesis.session.speak-ssml"))
    }

    /// `synthesis.session.receive-binary-head`: only the header block of a binary frame goes in.
    pub fn synthesis_receive_binary_head(
        &mut self,
        session: ResourceAny,
        now: u64,
        head: &[u8],
        frame_len: u32,
    ) -> Result<Result<Vec<SynthesisEvent>, SpeechError>, CoreError> {
        self.core
            .azspeech_core_synthesis()
            .session()
            .call_receive_binary_head(&mut self.store, session, now, head, frame_len)
            .map_err(trap("synthesis.session.receive-binary-head"))
    }

    /// `synthesis.describe-format`.
    pub fn synthesis_describe_format(&mut self, name: &str) -> Result<Result<FormatInfo, SpeechError>, CoreError> {
        self.core
            .azspeech_core_synthesis()
            .call_describe_format(&mut self.store, name)
            .map_err(trap("synthesis.describe-format"))
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

    /// `synthesis.session.receive`.
    pub fn synthesis_receive(
        &mut self,
        session: ResourceAny,
        now: u64,
        message: &WsMessage,
    ) -> Result<Result<Vec<SynthesisEvent>, SpeechError>, CoreError> {
        self.core
            .azspeech_core_synthesis()
            .session()
            .call_receive(&mut self.store, session, now, message)
            .map_err(trap("synthesis.session.receive"))
    }

    /// Drop a session resource inside the guest.
    pub fn drop_session(&mut self, session: ResourceAny) -> Result<(), CoreError> {
        session.resource_drop(&mut self.store).map_err(trap("resource drop"))
    }
}
