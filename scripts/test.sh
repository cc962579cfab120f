#!/usr/bin/env bash
# The whole test suite: Rust unit and integration tests (native core logic, the core component
# through wasmtime, the CLI, the emulator), the component from Node through jco, the Python and Node
# packages (tests/bindings), and the official
# Microsoft Speech SDK for Python against the emulator.
set -euo pipefail
cd "$(dirname "$0")/.."
# Nothing here reads standard input; give every step an empty one (cargo's probe runs `rustc -`).
exec </dev/null
bash scripts/setup.sh
cargo test --workspace --locked
# Every parser of untrusted input fuzzed for a bounded time from its seeds (scripts/fuzz.sh).
bash scripts/fuzz.sh run
# Microphone and speaker (cargo features, off by default because they link ALSA), through ALSA
# with files standing in for the sound card (host/tests/audio_devices.rs).
if pkg-config --exists alsa 2>/dev/null; then
  cargo test -p azspeech-host --features audio-devices --locked --lib --test audio_devices --test cli_surface
elif [ -n "${CI:-}" ]; then
  echo "test: ALSA headers missing (apt install libasound2-dev pkg-config); CI needs the microphone/speaker tests" >&2
  exit 1
else
  echo "test: ALSA headers missing (apt install libasound2-dev pkg-config): microphone/speaker tests skipped" >&2
fi
bash tests/jco/run.sh
# The shared scenario table through the Rust library and the Python and Node packages (built and
# installed as users do).
bash tests/bindings/run.sh
bash tests/conformance/run.sh
