//! On-disk cache of the precompiled core component.
//!
//! Compiling the component with Cranelift takes tens of milliseconds; mapping a precompiled copy
//! takes well under one. The cache file name carries the SHA-256 of the component, the wasmtime
//! version and the engine's compatibility hash, so a new component, a new wasmtime or a different
//! engine configuration never loads a stale artifact.
//!
//! Loading a precompiled artifact runs native code, so the cache directory is created private to
//! the user (0700) and files are written atomically (temporary file + rename) with mode 0600.
//! Set `AZSPEECH_CACHE_DIR` to move it, or `AZSPEECH_CACHE_DIR=off` to disable it.

use std::fs;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Where precompiled artifacts live, if anywhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactCache {
    dir: Option<PathBuf>,
}

impl ArtifactCache {
    /// A cache in `dir`.
    pub fn in_dir(dir: impl Into<PathBuf>) -> Self {
        Self { dir: Some(dir.into()) }
    }

    /// No cache: compile on every load.
    pub fn disabled() -> Self {
        Self { dir: None }
    }

    /// `AZSPEECH_CACHE_DIR` (`off` disables), else `$XDG_CACHE_HOME/azspeech`, else
    /// `$HOME/.cache/azspeech`, else disabled.
    pub fn from_environment() -> Self {
        match std::env::var_os("AZSPEECH_CACHE_DIR") {
            Some(dir) if dir == "off" => Self::disabled(),
            Some(dir) if !dir.is_empty() => Self::in_dir(dir),
            _ => std::env::var_os("XDG_CACHE_HOME")
                .filter(|dir| !dir.is_empty())
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
                .map(|base| Self::in_dir(base.join("azspeech")))
                .unwrap_or_else(Self::disabled),
        }
    }

    /// The cache directory, if caching is on.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// The file that holds (or will hold) the artifact for `component` under `engine`.
    pub fn artifact_path(&self, engine: &wasmtime::Engine, component: &[u8]) -> Option<PathBuf> {
        let dir = self.dir.as_ref()?;
        let digest = Sha256::digest(component);
        let short: String = digest.iter().take(16).map(|byte| format!("{byte:02x}")).collect();
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        let engine_hash = hasher.finish();
        Some(dir.join(format!(
            "azspeech-core-{short}-wasmtime-{}-{engine_hash:016x}.cwasm",
            crate::WASMTIME_VERSION
        )))
    }

    /// Store `artifact` at `path` atomically, private to the user.
    pub fn store(path: &Path, artifact: &[u8]) -> std::io::Result<()> {
        let dir = path.parent().unwrap_or(Path::new("."));
        create_private_dir(dir)?;
        let temporary = dir.join(format!(".{}.{}.tmp", file_name(path), std::process::id()));
        {
            let mut file = open_private(&temporary)?;
            file.write_all(artifact)?;
            file.sync_all()?;
        }
        fs::rename(&temporary, path).inspect_err(|_| {
            let _ = fs::remove_file(&temporary);
        })
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    fs::create_dir_all(dir)
}

#[cfg(unix)]
fn open_private(path: &Path) -> std::io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn open_private(path: &Path) -> std::io::Result<fs::File> {
    fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)
}
