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

# The emulator speaks intelligibly through espeak-ng when it is installed (otherwise it uses its
# deterministic built-in synthesizer). The conformance run needs python3 with venv.
if ! command -v espeak-ng >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "setup: apt-get install espeak-ng"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq espeak-ng >/dev/null) \
      || echo "setup: espeak-ng could not be installed; the emulator will use its built-in synthesizer" >&2
  else
    echo "setup: espeak-ng not found; the emulator will use its built-in synthesizer" >&2
  fi
fi
# The microphone and speaker features (off by default) link ALSA: the test suite builds them
# too, so it needs ALSA's headers and pkg-config.
if ! pkg-config --exists alsa 2>/dev/null; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "setup: apt-get install libasound2-dev pkg-config"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libasound2-dev pkg-config >/dev/null) \
      || echo "setup: libasound2-dev could not be installed; the microphone/speaker tests will be skipped" >&2
  else
    echo "setup: ALSA headers not found (apt install libasound2-dev pkg-config); the microphone/speaker tests will be skipped" >&2
  fi
fi
# The proxy tests (host/tests/proxy.rs) run a real HTTP proxy, Debian's tinyproxy, on loopback.
if ! command -v tinyproxy >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "setup: apt-get install tinyproxy"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tinyproxy >/dev/null) \
      || echo "setup: tinyproxy could not be installed; the proxy tests will be skipped (and fail under CI)" >&2
  else
    echo "setup: tinyproxy not found (apt install tinyproxy); the proxy tests will be skipped (and fail under CI)" >&2
  fi
fi
if ! python3 -c 'import venv' >/dev/null 2>&1; then
  echo "setup: python3 with the venv module is needed for the Speech SDK conformance run" >&2
  exit 1
fi
