#!/usr/bin/env bash
# The main job. Until text-to-speech and speech-to-text land, it shows what the core decides for
# a few typical configurations with `azspeech doctor` (no Azure account, no network).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo build --quiet --locked -p azspeech-host
azspeech=target/debug/azspeech

run() {
  echo
  echo "\$ $*"
  env -i PATH="$PATH" HOME="${HOME:-/tmp}" "$@" || echo "(exit code $?)"
}

run SPEECH_KEY=demo-key-not-real SPEECH_REGION=westeurope "$azspeech" doctor
run SPEECH_ENDPOINT=https://contoso-speech.cognitiveservices.azure.com \
    SPEECH_RESOURCE_ID=/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/contoso-speech \
    SPEECH_CREDENTIAL=managed-identity "$azspeech" doctor
run SPEECH_REGION=westeurope "$azspeech" doctor
