#!/usr/bin/env bash
# Benchmarks of the Python and Node packages next to the official Speech SDK of each language, in
# one run against one loopback emulator (BENCHMARKS.md, "Python and Node packages"): install size,
# import + from_env time, a TTS paragraph and a 10-minute STT (wall, CPU, peak RSS), and the
# per-chunk cost of the core calls in each runtime.
#
#   bash scripts/bench-bindings.sh            (after cargo build)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bench="$root/scripts/bench_bindings"
target="${CARGO_TARGET_DIR:-$root/target}"
cargo build --quiet --locked -p azspeech-host --manifest-path "$root/Cargo.toml"
azspeech="$target/debug/azspeech"
work="$(mktemp -d)"
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
quiet=(--quiet --disable-pip-version-check)

# Python: our wheel, the official SDK (the version tests/conformance pins), and an empty venv.
AZSPEECH_BIN="$azspeech" python3 -m pip wheel "${quiet[@]}" --no-deps -w "$work/dist" "$root/bindings/python"
rm -rf "$root/bindings/python/build" "$root/bindings/python/src/azspeech.egg-info"
for venv in azspeech sdk empty; do python3 -m venv "$work/venv-$venv"; done
"$work/venv-azspeech/bin/pip" install "${quiet[@]}" "$work"/dist/azspeech-*.whl
"$work/venv-sdk/bin/pip" install "${quiet[@]}" "$(grep azure-cognitiveservices-speech "$root/tests/conformance/requirements.txt")"

# Node: our tarball and the official SDK, each in an empty project.
(cd "$root/bindings/node" && AZSPEECH_BIN="$azspeech" npm pack --silent --pack-destination "$work/dist" >/dev/null)
for project in azspeech sdk; do
  mkdir -p "$work/node-$project"
  printf '{"name": "bench-%s", "private": true, "type": "module"}\n' "$project" > "$work/node-$project/package.json"
  cp "$bench/task.mjs" "$bench/boundary.mjs" "$work/node-$project/"
done
(cd "$work/node-azspeech" && npm install --no-audit --no-fund --loglevel=error "$work"/dist/azspeech-*.tgz >/dev/null)
(cd "$work/node-sdk" && npm install --no-audit --no-fund --loglevel=error microsoft-cognitiveservices-speech-sdk@1.52.0 >/dev/null)

"$azspeech" emulator --port 0 --ready-file "$work/ready.json" --verbosity quiet >"$work/emulator.log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do [ -s "$work/ready.json" ] && break; sleep 0.1; done

echo "## Boundary cost per 100-ms chunk"
"$work/venv-azspeech/bin/python" "$bench/boundary.py"
(cd "$work/node-azspeech" && node boundary.mjs)
echo
python3 "$bench/run.py" "$work" "$work/ready.json"
echo
echo "machine: $(nproc) cores, $(python3 --version), node $(node --version), $(date -u +%Y-%m-%d)"
