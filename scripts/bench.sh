#!/usr/bin/env bash
# End-to-end figures for BENCHMARKS.md, against the built-in emulator on loopback:
#  - speech-to-text of a 10-minute file: wall time, CPU time and peak RSS of `azspeech stt`;
#  - the same file under a seeded storm of 100 faults (drops, 1000/1001/1011 closes, truncated
#    frames, 503 and refused upgrades): wall and CPU time, and that the transcript is identical;
#  - text-to-speech of one paragraph: time to the first audio byte on stdout, and total time;
#  - side by side with the official Python and Node Speech SDKs (installed into a cache dir):
#    start to the first STT audio frame and to the first TTS audio byte, a TTS paragraph, STT of
#    a 1-hour file, each with the ratio (scripts/bench/side_by_side.py);
#  - concurrency through the library API: N = 10, 100, 1000 sessions in one process, and a soak
#    of 20 rounds (scripts/bench/concurrency.py, host/examples/load.rs);
#  - a folder of recordings: 20 five-minute files through `azspeech transcribe -j 4` (fast
#    transcription) against `azspeech stt` one file at a time: wall, CPU and peak RSS of the
#    client, the emulator's CPU, and that both read the same words
#    (scripts/bench/folder_of_recordings.py).
# Usage: bash scripts/bench.sh   (release build; prints the figures)
#        AZSPEECH_BENCH_ONLY=cli|side-by-side|concurrency|transcribe bash scripts/bench.sh   (one part)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
only="${AZSPEECH_BENCH_ONLY:-all}"
case "$only" in all|cli|side-by-side|concurrency|transcribe) ;; *) echo "AZSPEECH_BENCH_ONLY must be cli, side-by-side, concurrency or transcribe (got $only)" >&2; exit 2 ;; esac
cargo build --quiet --locked --release -p azspeech-host --bin azspeech --example load
azspeech="${CARGO_TARGET_DIR:-$PWD/target}/release/azspeech"
load="${CARGO_TARGET_DIR:-$PWD/target}/release/examples/load"
work="$(mktemp -d)"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ)"

emulator_pid=
storm_pid=
trap 'kill "$emulator_pid" $storm_pid 2>/dev/null || true; rm -rf "$work"' EXIT
# start_emulator NAME [flags...]: an emulator on a free loopback port; its variables in NAME.json
start_emulator() {
  local name="$1"; shift
  "$azspeech" emulator --port 0 --verbosity quiet --ready-file "$work/$name.json" "$@" >"$work/$name.log" 2>&1 &
  for _ in $(seq 1 300); do [ -s "$work/$name.json" ] && break; sleep 0.1; done
}
# use_emulator NAME: export its client variables
use_emulator() {
  eval "$(python3 -c "import json,shlex;e=json.load(open('$work/$1.json'))['env'];print(' '.join(f'export {k}={shlex.quote(v)}' for k,v in e.items()))")"
}
# long_file NAME [SECONDS [FIRST]]: a file (10 minutes by default) of sentences synthesized by
# the current emulator (each emulator recognizes only what it synthesized itself), starting with
# sentence FIRST (0 to 2) so that files of a folder differ
long_file() {
  local i sentences=("The quick brown fox jumps over the lazy dog." "Azure speech works offline with the emulator." "Every utterance arrives in order with its offset.")
  for i in 0 1 2; do
    "$azspeech" tts "${sentences[$i]}" --format riff-16khz-16bit-mono-pcm -o "$work/$1-s$i.wav" 2>/dev/null
  done
  python3 - "$work" "$1" "${2:-600}" "${3:-0}" <<'PY'
import sys, wave
work, name, seconds, first = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
parts = []
for i in range(3):
    with wave.open(f"{work}/{name}-s{i}.wav", "rb") as w:
        parts.append(w.readframes(w.getnframes()))
silence = b"\0\0" * 16000
out = wave.open(f"{work}/{name}.wav", "wb"); out.setnchannels(1); out.setsampwidth(2); out.setframerate(16000)
total, n = 0, 0
while total < seconds * 32000:
    data = parts[(first + n) % 3] + silence
    out.writeframes(data); total += len(data); n += 1
out.close()
print(f"{name}.wav: {total / 32000:.1f} s, {n} utterances")
PY
}

if [ "$only" = all ] || [ "$only" = cli ]; then
start_emulator emulator
emulator_pid=$!
use_emulator emulator
export AZSPEECH_CACHE_DIR="$work/cache"
"$azspeech" doctor >/dev/null  # warm the compiled-component cache

echo "== speech-to-text, 10-minute file"
long_file long
for run in 1 2 3; do
  /usr/bin/time -f "stt: wall %e s, user %U s, sys %S s, peak RSS %M KB" "$azspeech" stt "$work/long.wav" --format json >"$work/long.json"
done
echo "recognized lines: $(wc -l <"$work/long.json")"

echo "== speech-to-text, the same file under a storm of 100 faults"
cat >"$work/storm.json" <<'JSON'
[{"storm": {"seed": 7, "target": "stt", "max_faults": 100, "probability": 1.0,
  "actions": ["abort", "close-1011", "close-1001", "close-1000", "truncated-frame", "http-503", "refuse"],
  "max_after_received_frames": 80}}]
JSON
start_emulator storm --faults "$work/storm.json"
storm_pid=$!
use_emulator storm
long_file stormy
/usr/bin/time -f "stt under 100 faults: wall %e s, user %U s, sys %S s, peak RSS %M KB" "$azspeech" stt "$work/stormy.wav" --format json >"$work/stormy.json"
if cmp -s "$work/long.json" "$work/stormy.json"; then
  echo "transcript under the storm: identical to the unbroken run ($(wc -l <"$work/stormy.json") phrases)"
else
  echo "transcript under the storm: DIFFERS from the unbroken run" >&2
  exit 1
fi
use_emulator emulator

echo "== text-to-speech, one paragraph to stdout"
paragraph="Azure AI Speech turns text into natural sounding audio. This paragraph is long enough to show how quickly the first audio arrives, and how long the whole synthesis takes. Audio is written as it arrives, so a player can start before synthesis ends."
python3 - "$azspeech" "$paragraph" <<'PY'
import subprocess, sys, time
azspeech, paragraph = sys.argv[1], sys.argv[2]
firsts, totals = [], []
for _ in range(5):
    # Raw PCM, so the first byte on the pipe is audio (a WAV header would come before synthesis).
    start = time.monotonic()
    proc = subprocess.Popen([azspeech, "tts", paragraph, "--format", "raw-24khz-16bit-mono-pcm", "-o", "-"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    proc.stdout.read(1)
    firsts.append(time.monotonic() - start)
    rest = proc.stdout.read()
    proc.wait()
    totals.append(time.monotonic() - start)
firsts.sort(); totals.sort()
print(f"tts ({len(paragraph)} characters, raw-24khz-16bit-mono-pcm): first audio byte min {firsts[0]*1000:.0f} ms median {firsts[2]*1000:.0f} ms; total min {totals[0]*1000:.0f} ms median {totals[2]*1000:.0f} ms (5 runs)")
PY
fi

if [ "$only" = all ] || [ "$only" = side-by-side ]; then
  echo "== side by side with the official SDKs"
  cache="${AZSPEECH_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/azspeech-bench}"
  python_sdk="$(grep azure-cognitiveservices-speech tests/conformance/requirements.txt)"
  node_sdk="microsoft-cognitiveservices-speech-sdk@1.52.0"
  if ! "$cache/py-sdk/bin/python" -c 'import azure.cognitiveservices.speech' 2>/dev/null \
      || [ "$("$cache/py-sdk/bin/pip" freeze 2>/dev/null | grep azure-cognitiveservices-speech)" != "$python_sdk" ]; then
    python3 -m venv "$cache/py-sdk"
    "$cache/py-sdk/bin/pip" install --quiet --disable-pip-version-check "$python_sdk"
  fi
  if [ ! -d "$cache/node-sdk/node_modules/microsoft-cognitiveservices-speech-sdk" ]; then
    mkdir -p "$cache/node-sdk"
    printf '{"name": "bench-sdk", "private": true}\n' >"$cache/node-sdk/package.json"
    (cd "$cache/node-sdk" && npm install --no-audit --no-fund --loglevel=error "$node_sdk" >/dev/null)
  fi
  echo "$python_sdk ($("$cache/py-sdk/bin/python" --version)), $node_sdk (node $(node --version))"
  python3 scripts/bench/side_by_side.py "$azspeech" "$cache/py-sdk/bin/python" "$cache/node-sdk" "$work/side-by-side" \
    "${AZSPEECH_BENCH_RUNS:-5}" "${AZSPEECH_BENCH_LONG_SECONDS:-3600}"
fi

if [ "$only" = all ] || [ "$only" = concurrency ]; then
  echo "== concurrency through the library API"
  # A thousand sessions need a thousand sockets in the client and as many in the emulator.
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  [ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge 4096 ] || echo "warning: open-file limit $(ulimit -n) is below 4096; N=1000 may fail" >&2
  python3 scripts/bench/concurrency.py "$azspeech" "$load" "$work/concurrency" \
    "${AZSPEECH_BENCH_SESSIONS:-10,100,1000}" "${AZSPEECH_BENCH_SOAK_SESSIONS:-100}" "${AZSPEECH_BENCH_SOAK_ROUNDS:-20}"
  echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
fi

if [ "$only" = all ] || [ "$only" = transcribe ]; then
  echo "== a folder of recordings: fast transcription (transcribe -j 4) vs stt one file at a time"
  start_emulator folder
  emulator_pid=$!
  use_emulator folder
  export AZSPEECH_CACHE_DIR="$work/cache"
  "$azspeech" doctor >/dev/null  # warm the compiled-component cache
  files="${AZSPEECH_BENCH_FILES:-20}"
  mkdir -p "$work/folder"
  for i in $(seq -w 1 "$files"); do
    long_file "folder/rec-$i" "${AZSPEECH_BENCH_FILE_SECONDS:-300}" "$((10#$i % 3))" >/dev/null
    rm -f "$work"/folder/rec-"$i"-s?.wav
  done
  echo "$files files of $(python3 -c "import wave;w=wave.open('$work/folder/rec-$(seq -w 1 "$files" | head -1).wav');print(f'{w.getnframes()/w.getframerate():.1f} s')") each"
  python3 scripts/bench/folder_of_recordings.py "$azspeech" "$emulator_pid" "$work/folder" "${AZSPEECH_BENCH_RUNS:-3}"
fi
