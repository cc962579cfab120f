#!/usr/bin/env bash
# One scenario table, three drivers, against the emulator: the Rust library
# (host/examples/scenarios.rs), and the Python and Node packages as users install them: builds the
# wheel and the npm tarball from the checkout, installs each into a fresh venv / an empty npm
# project, and runs tests/scenarios/scenarios.json from the installed packages (not from the
# source tree).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
table="$root/tests/scenarios/scenarios.json"
target="${CARGO_TARGET_DIR:-$root/target}"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "bindings: node and npm are required (apt-get install nodejs npm)" >&2
  exit 1
fi
cargo build --quiet --locked -p azspeech-host --bin azspeech --example scenarios --manifest-path "$root/Cargo.toml"
azspeech="$target/debug/azspeech"

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/rust" "$work/py" "$work/node" "$work/dist"

# The emulators of the table: "NAME ARGS..." lines.
python3 - "$table" "$work" > "$work/emulators.txt" <<'EOF'
import json, sys
table, work = json.load(open(sys.argv[1])), sys.argv[2]
for name, spec in table["emulators"].items():
    args = list(spec.get("args", []))
    if "--tls" in args:
        args += ["--ca-file", f"{work}/{name}-ca.pem"]
    if spec.get("faults"):
        path = f"{work}/{name}-faults.json"
        json.dump(spec["faults"], open(path, "w"))
        args += ["--faults", path]
    print(name, *args)
EOF
# start_emulators DIR: every emulator of the table, on a free loopback port; variables in DIR/NAME.json.
# Each driver gets its own set: faults apply to the first N connections of an emulator.
start_emulators() {
  local dir="$1" name args
  mkdir -p "$dir"
  while read -r name args; do
    # shellcheck disable=SC2086 # the table's arguments have no spaces
    "$azspeech" --log-level info emulator --port 0 --ready-file "$dir/$name.json" $args >"$dir/$name.log" 2>&1 &
    pids+=("$!")
  done < "$work/emulators.txt"
  while read -r name _; do
    for _ in $(seq 1 300); do
      [ -s "$dir/$name.json" ] && break
      sleep 0.1
    done
    if [ ! -s "$dir/$name.json" ]; then
      echo "bindings: the $name emulator did not start; its log:" >&2
      cat "$dir/$name.log" >&2
      exit 1
    fi
  done < "$work/emulators.txt"
}

pip_quiet=(--quiet --disable-pip-version-check)
status=0

# Rust: the library's example driver.
start_emulators "$work/rust/ready"
(cd "$work/rust" && AZSPEECH_CACHE_DIR="$work/rust/cache" "$target/debug/examples/scenarios" "$table" "$work/rust/ready" "$work/rust") || status=1
echo "bindings: rust scenarios done after ${SECONDS}s"

# Python: the wheel, into a fresh venv (with azure-identity for the managed-identity rows).
python3 -m venv "$work/py/venv"
py="$work/py/venv/bin/python"
AZSPEECH_BIN="$azspeech" "$py" -m pip wheel "${pip_quiet[@]}" --no-deps -w "$work/dist" "$root/bindings/python"
rm -rf "$root/bindings/python/build" "$root/bindings/python/src/azspeech.egg-info"
wheel="$(ls "$work"/dist/azspeech-*.whl)"
"$py" -m pip install "${pip_quiet[@]}" "$wheel[entra]"
echo "bindings: python package installed after ${SECONDS}s"
start_emulators "$work/py/ready"
(cd "$work/py" && AZSPEECH_CACHE_DIR="$work/py/cache" "$py" "$here/run_scenarios.py" "$table" "$work/py/ready" "$work/py") || status=1
echo "bindings: python scenarios done after ${SECONDS}s"

# Node: the tarball (npm pack runs `prepare`: jco transpiles the core), into an empty project.
(cd "$root/bindings/node" && AZSPEECH_BIN="$azspeech" npm pack --silent --pack-destination "$work/dist" >/dev/null)
tarball="$(ls "$work"/dist/azspeech-*.tgz)"
cd "$work/node"
printf '{"name": "azspeech-scenarios", "private": true, "type": "module"}\n' > package.json
npm install --no-audit --no-fund --loglevel=error "$tarball" @azure/identity@4.13.1 >/dev/null
cp "$here/run_scenarios.mjs" .
echo "bindings: node package installed after ${SECONDS}s"
start_emulators "$work/node/ready"
node run_scenarios.mjs "$table" "$work/node/ready" "$work/node" || status=1
echo "bindings: done after ${SECONDS}s"
exit "$status"
