//! Builds the azspeech core component so that ordinary cargo commands (`cargo build`, `cargo test`,
//! `cargo run -p azspeech-host`) need no manual pre-step.
//!
//! 1. Build `azspeech-component` as a core module for `wasm32-unknown-unknown` with a nested
//!    `cargo build --profile component`, in its own target directory (sharing the outer one
//!    deadlocks on cargo's lock) and without the outer build's RUSTFLAGS.
//! 2. Turn the core module into a component with `wit-component`. wit-bindgen embedded the
//!    component type, so the WIT need not be passed again. Because the core module targets
//!    `wasm32-unknown-unknown`, the component imports only what its world declares (no WASI).
//! 3. Write it to `$OUT_DIR/azspeech_core.wasm`; the host embeds it with `include_bytes!`.
//!
//! `AZSPEECH_COMPONENT_WASM=/path/to/core.wasm` skips steps 1-2 and embeds a prebuilt component.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const TARGET: &str = "wasm32-unknown-unknown";
const PROFILE: &str = "component";

fn main() {
    if let Err(message) = run() {
        // A build script error is shown verbatim; make it say what to do.
        eprintln!("\nerror: building the azspeech core component failed:\n{message}\n");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").map_err(|e| e.to_string())?);
    let workspace = manifest_dir
        .parent()
        .ok_or("host crate has no parent directory")?
        .to_path_buf();
    let out_dir = PathBuf::from(env::var("OUT_DIR").map_err(|e| e.to_string())?);
    let output = out_dir.join("azspeech_core.wasm");

    println!(
        "cargo:rustc-env=AZSPEECH_WASMTIME_VERSION={}",
        locked_version(&workspace, "wasmtime")
    );
    write_contract(&workspace.join("wit"), &out_dir.join("azspeech_contract.wit"))?;
    println!("cargo:rerun-if-env-changed=AZSPEECH_COMPONENT_WASM");
    if let Some(prebuilt) = env::var_os("AZSPEECH_COMPONENT_WASM") {
        let prebuilt = PathBuf::from(prebuilt);
        println!("cargo:rerun-if-changed={}", prebuilt.display());
        fs::copy(&prebuilt, &output).map_err(|e| format!("AZSPEECH_COMPONENT_WASM={}: {e}", prebuilt.display()))?;
        return Ok(());
    }

    for watched in [
        "component/src",
        "component/Cargo.toml",
        "wit",
        "Cargo.toml",
        "Cargo.lock",
    ] {
        watch(&workspace.join(watched));
    }

    check_target_installed()?;
    let target_dir = env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace.join("target"))
        .join("azspeech-component");
    let core_module = build_core_module(&workspace, &target_dir)?;
    let bytes = fs::read(&core_module).map_err(|e| format!("reading {}: {e}", core_module.display()))?;
    let component = wit_component::ComponentEncoder::default()
        .module(&bytes)
        .and_then(|encoder| encoder.validate(true).encode())
        .map_err(|e| format!("turning {} into a component: {e:#}", core_module.display()))?;
    write_if_changed(&output, &component)?;
    println!("cargo:rustc-env=AZSPEECH_CORE_MODULE={}", core_module.display());
    Ok(())
}

/// The WIT contract as one file (what `azspeech component --wit` writes): `azspeech.wit`, then
/// every other `wit/*.wit` in name order without its (identical) `package` line.
fn write_contract(wit_dir: &Path, output: &Path) -> Result<(), String> {
    let read = |path: &Path| fs::read_to_string(path).map_err(|e| format!("reading {}: {e}", path.display()));
    let mut contract = read(&wit_dir.join("azspeech.wit"))?;
    let mut others: Vec<PathBuf> = fs::read_dir(wit_dir)
        .map_err(|e| format!("reading {}: {e}", wit_dir.display()))?
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "wit") && !path.ends_with("azspeech.wit"))
        .collect();
    others.sort();
    for path in others {
        contract.push('\n');
        for line in read(&path)?.lines().filter(|line| !line.starts_with("package ")) {
            contract.push_str(line);
            contract.push('\n');
        }
    }
    write_if_changed(output, contract.as_bytes())
}

/// The version of `package` recorded in Cargo.lock (part of the artifact cache key).
fn locked_version(workspace: &Path, package: &str) -> String {
    let lock = fs::read_to_string(workspace.join("Cargo.lock")).unwrap_or_default();
    let needle = format!("name = \"{package}\"\nversion = \"");
    lock.find(&needle)
        .and_then(|at| lock[at + needle.len()..].split('"').next())
        .unwrap_or("unknown")
        .to_owned()
}

/// Re-run the build script when anything under `path` changes.
fn watch(path: &Path) {
    if let Ok(entries) = fs::read_dir(path) {
        for entry in entries.flatten() {
            watch(&entry.path());
        }
    }
    println!("cargo:rerun-if-changed={}", path.display());
}

/// The wasm target's standard library must be installed; say exactly how if it is not.
fn check_target_installed() -> Result<(), String> {
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let sysroot = Command::new(&rustc)
        .args(["--print", "sysroot"])
        .output()
        .map_err(|e| format!("running `{rustc} --print sysroot`: {e}"))?;
    let sysroot = String::from_utf8_lossy(&sysroot.stdout).trim().to_owned();
    let libdir = Path::new(&sysroot).join("lib/rustlib").join(TARGET).join("lib");
    if libdir.is_dir() {
        Ok(())
    } else {
        Err(format!(
            "the Rust target `{TARGET}` is not installed (no {}).\n\
             Install it with:\n\n    rustup target add {TARGET}\n\n\
             or point AZSPEECH_COMPONENT_WASM at a prebuilt azspeech core component.",
            libdir.display()
        ))
    }
}

fn build_core_module(workspace: &Path, target_dir: &Path) -> Result<PathBuf, String> {
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(&cargo);
    command
        .current_dir(workspace)
        .args(["build", "--quiet", "--locked", "-p", "azspeech-component", "--lib"])
        .args(["--target", TARGET, "--profile", PROFILE])
        .arg("--target-dir")
        .arg(target_dir);
    // The outer build's flags (coverage, target-cpu=native, clippy's wrapper) must not leak in.
    for leaked in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_BUILD_RUSTFLAGS",
        "CARGO_TARGET_DIR",
        "CARGO_PRIMARY_PACKAGE",
        "CARGO_MAKEFLAGS",
        "MAKEFLAGS",
        "MFLAGS",
    ] {
        command.env_remove(leaked);
    }
    // The nested build reads no input, but cargo's target probe runs `rustc -`, which reads
    // standard input as source: give it an empty one rather than whatever the outer build has.
    command.stdin(std::process::Stdio::null());
    let status = command
        .status()
        .map_err(|e| format!("running `{cargo} build` for {TARGET}: {e}"))?;
    if !status.success() {
        return Err(format!(
            "`cargo build -p azspeech-component --target {TARGET} --profile {PROFILE}` failed ({status})"
        ));
    }
    let module = target_dir.join(TARGET).join(PROFILE).join("azspeech_component.wasm");
    if module.is_file() {
        Ok(module)
    } else {
        Err(format!("expected {} after the build", module.display()))
    }
}

fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<(), String> {
    if fs::read(path).ok().as_deref() == Some(bytes) {
        return Ok(());
    }
    fs::write(path, bytes).map_err(|e| format!("writing {}: {e}", path.display()))
}
