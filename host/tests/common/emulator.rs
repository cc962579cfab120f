//! An emulator on its own tokio runtime, and running the CLI against it.

use std::path::Path;
use std::process::Command;

use azspeech_emulator::{Emulator, EmulatorConfig, HostForm, RunningEmulator, Verbosity};

/// An emulator running on its own tokio runtime for the duration of a test.
pub struct Running {
    emulator: Option<RunningEmulator>,
    runtime: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
}

impl Running {
    pub fn start(form: HostForm, tls: bool) -> Self {
        Self::with(form, tls, |config| config)
    }

    /// An emulator whose configuration `adjust` may change (faults, limits).
    pub fn with(form: HostForm, tls: bool, adjust: impl FnOnce(EmulatorConfig) -> EmulatorConfig) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("rt");
        let mut config = EmulatorConfig::new()
            .default_form(form)
            .tls(tls)
            .verbosity(Verbosity::Quiet);
        if tls {
            config = config.ca_file(dir.path().join("ca.pem"));
        }
        let config = adjust(config);
        let emulator = runtime.block_on(Emulator::start(config)).expect("emulator starts");
        Self {
            emulator: Some(emulator),
            runtime,
            _dir: dir,
        }
    }

    pub fn emulator(&self) -> &RunningEmulator {
        self.emulator.as_ref().expect("running")
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(emulator) = self.emulator.take() {
            self.runtime.block_on(emulator.shutdown());
        }
    }
}

/// `azspeech` with only `env` (plus PATH, the private `home` and the shared cache), not started.
pub fn azspeech_command(env: &[(String, String)], args: &[&str], home: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_azspeech"));
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("AZSPEECH_CACHE_DIR", super::shared_cache_dir())
        .env("AZSPEECH_IDENTITY_RETRY", "none")
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    command
}

/// Run `azspeech` with only `env` (plus PATH, a private HOME and cache); exit code, stdout, stderr.
pub fn azspeech(env: &[(String, String)], args: &[&str]) -> (Option<i32>, String, String) {
    let home = tempfile::tempdir().expect("tempdir");
    let output = azspeech_command(env, args, home.path())
        .output()
        .expect("azspeech runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The emulator's variables for Entra with its service principal instead of a key: no
/// `SPEECH_KEY`/`SPEECH_KEY_SECONDARY`, and without `unused_location` (`SPEECH_REGION` to go by
/// the endpoint, `SPEECH_ENDPOINT` to go by the region).
pub fn service_principal_env(emulator: &RunningEmulator, unused_location: &str) -> Vec<(String, String)> {
    let mut env = super::fixture::without(
        emulator.env_vars(),
        &["SPEECH_KEY", "SPEECH_KEY_SECONDARY", unused_location],
    );
    env.extend(emulator.service_principal_env_vars());
    env.push(("SPEECH_CREDENTIAL".into(), "service-principal".into()));
    env
}
