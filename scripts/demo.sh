#!/usr/bin/env bash
# The main job on a fresh machine, no Azure account needed: start the built-in emulator,
# synthesize a sentence to a WAV file, recognize it, print what was heard and where the audio is.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo run --locked -p azspeech-host -- demo "$@"
