#!/usr/bin/env bash
# The whole test suite: Rust unit and integration tests (native core logic, the core component
# through wasmtime, the CLI, the emulator), the component from Node through jco, and the official
# Microsoft Speech SDK for Python against the emulator.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo test --workspace --locked
bash tests/jco/run.sh
bash tests/conformance/run.sh
