#!/usr/bin/env bash
# The whole test suite: Rust unit and integration tests (native core logic, the core component
# through wasmtime, the CLI), then the component from Node through jco.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo test --workspace --locked
bash tests/jco/run.sh
