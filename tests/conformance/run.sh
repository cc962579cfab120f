#!/usr/bin/env bash
# Conformance: the official Microsoft Speech SDK for Python (azure-cognitiveservices-speech,
# from PyPI) and the official fast-transcription client (azure-ai-transcription) against the
# azspeech emulator. If the real SDK cannot talk to the emulator, the
# emulator is wrong.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$here/.venv"

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"

cargo build --quiet --locked -p azspeech-host --manifest-path "$root/Cargo.toml"
azspeech="${CARGO_TARGET_DIR:-$root/target}/debug/azspeech"

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# start NAME [emulator flags...]: an emulator on a free loopback port; its variables in NAME.json
start() {
  local name="$1"; shift
  # Requests are logged at info level: the reconnect tests count upgrades in the log.
  "$azspeech" --log-level info emulator --port 0 --ready-file "$work/$name.json" "$@" >"$work/$name.log" 2>&1 &
  pids+=("$!")
  for _ in $(seq 1 300); do
    [ -s "$work/$name.json" ] && return 0
    sleep 0.1
  done
  echo "conformance: the $name emulator did not start; its log:" >&2
  cat "$work/$name.log" >&2
  exit 1
}

start main
start custom --form custom-domain
printf '[{"action": {"http-status": {"status": 429, "retry_after_secs": 1}}}]\n' > "$work/faults-429.json"
start throttled --faults "$work/faults-429.json"
# Connections that live three seconds, as the service's ten minutes would for a long file.
start limited --max-connection-secs 3
# Fast transcription with Entra: the custom-domain form over TLS (azure-core sends bearer tokens
# over https only).
start transcription --form custom-domain --tls --ca-file "$work/transcription-ca.pem"
printf '[{"action": {"http-status": {"status": 429, "retry_after_secs": 1}}, "target": "transcription", "first": 2}]\n' > "$work/faults-transcription-429.json"
start transcription-throttled --faults "$work/faults-transcription-429.json"

export AZSPEECH_EMULATOR_INFO="$work/main.json"
export AZSPEECH_THROTTLED_EMULATOR_INFO="$work/throttled.json"
export AZSPEECH_LIMITED_EMULATOR_INFO="$work/limited.json"
export AZSPEECH_CUSTOM_DOMAIN_EMULATOR_INFO="$work/custom.json"
export AZSPEECH_TRANSCRIPTION_EMULATOR_INFO="$work/transcription.json"
export AZSPEECH_TRANSCRIPTION_THROTTLED_EMULATOR_INFO="$work/transcription-throttled.json"
export AZSPEECH_CONFORMANCE_WORK="$work"
cd "$here"
"$venv/bin/python" -m pytest -q -p no:cacheprovider test_sdk_conformance.py test_transcription_conformance.py
