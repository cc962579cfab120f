//! Helpers shared by the CLI integration tests: running `azspeech` with a clean environment, a
//! fake `az` on PATH, loopback ports.

#![allow(dead_code, unreachable_pub)]

pub mod audio;
pub mod emulator;
pub mod fixture;
pub mod golden;
pub mod storage;

use std::net::TcpListener;
use std::path::Path;
use std::process::Command;

/// A loopback port with nothing listening on it.
pub fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    port
}

/// Write a fake `az` into `dir` that prints `token` as an access token valid for an hour.
pub fn fake_az(dir: &Path, token: &str) {
    let script = dir.join("az");
    let expires = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time")
        .as_secs()
        + 3600;
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho '{{\"accessToken\":\"{token}\",\"expires_on\":{expires},\"tokenType\":\"Bearer\",\"tenant\":\"t\"}}'\n"
        ),
    )
    .expect("write az");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
}

/// What one `azspeech` run printed.
pub struct Run {
    /// The arguments.
    pub args: Vec<String>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// The exit code.
    pub code: Option<i32>,
}

/// A compiled-component cache shared by every run of one test binary, so the component is
/// compiled once (at trace level, wasmtime's compile log alone is millions of lines).
pub fn shared_cache_dir() -> &'static Path {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("tempdir")).path()
}

/// Run `azspeech --log-level <level> args...` with only `env` (plus PATH with a fake `az` that
/// prints `az_token`, a private HOME, the shared component cache, and identity retries off).
pub fn run_azspeech(env: &[(&str, String)], az_token: &str, log_level: &str, args: &[&str]) -> Run {
    let dir = tempfile::tempdir().expect("tempdir");
    fake_az(dir.path(), az_token);
    let path = format!("{}:{}", dir.path().display(), std::env::var("PATH").unwrap_or_default());
    let mut command = Command::new(env!("CARGO_BIN_EXE_azspeech"));
    command
        .arg("--log-level")
        .arg(log_level)
        .args(args)
        .env_clear()
        .env("PATH", path)
        .env("HOME", dir.path())
        .env("AZSPEECH_CACHE_DIR", shared_cache_dir())
        .env("AZSPEECH_IDENTITY_RETRY", "none")
        .env("RUST_BACKTRACE", "1");
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().expect("azspeech runs");
    Run {
        args: args.iter().map(|a| (*a).to_owned()).collect(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        code: output.status.code(),
    }
}
