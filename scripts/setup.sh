#!/usr/bin/env bash
# Installs what building and testing azspeech needs on a fresh machine. Safe to run repeatedly.
set -euo pipefail

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: cargo not found. Install Rust (rustup) first." >&2
  exit 1
fi

# The core component is built for wasm32-unknown-unknown (see host/build.rs); clippy also checks
# that the core builds for wasm32-wasip2.
if command -v rustup >/dev/null 2>&1; then
  installed=$(rustup target list --installed)
  for target in wasm32-unknown-unknown wasm32-wasip2; do
    if ! grep -qx "$target" <<<"$installed"; then
      echo "setup: rustup target add $target"
      rustup target add "$target"
    fi
  done
else
  echo "setup: rustup not found; make sure the wasm32-unknown-unknown standard library is installed." >&2
fi
