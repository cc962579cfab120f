#!/usr/bin/env bash
# Transpile the core component with jco and call it from Node (node:test).
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "jco check: node and npm are required (apt-get install nodejs npm)" >&2
  exit 1
fi
mkdir -p out
cargo run --quiet --locked -p azspeech-host -- component --wasm out/azspeech-core.wasm >/dev/null
[ -x node_modules/.bin/jco ] || npm install --no-audit --no-fund --loglevel=error
rm -rf out/js
node_modules/.bin/jco transpile out/azspeech-core.wasm -o out/js --instantiation async --name azspeech-core --quiet
node --test test.mjs
