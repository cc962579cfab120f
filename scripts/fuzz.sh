#!/usr/bin/env bash
# Fuzz every parser of untrusted input (component/fuzz/fuzz_targets) with libFuzzer, on stable
# Rust: libfuzzer-sys is built with the sanitizer-coverage flags cargo-fuzz would pass.
#
#   bash scripts/fuzz.sh check     build, then run every committed seed and regression vector once
#   bash scripts/fuzz.sh run [S]   build, then fuzz every target for S seconds (default 5) from its
#                                  seeds (what scripts/test.sh runs in CI)
#   bash scripts/fuzz.sh campaign [N] [TARGET...]
#                                  N executions per target (default 10^7), one job at a time,
#                                  figures printed as a Markdown table (BENCHMARKS.md);
#                                  FUZZ_MAX_SECONDS caps each target's time (for slow targets)
#
# A crash fails the run and leaves the input in $FUZZ_OUT (printed). Make it a regression vector:
# copy it to component/fuzz/regressions/<target>/, fix the parser, and add a unit test that runs it
# (the fuzz_regression tests in component/ and host/ run every file there).
set -euo pipefail
cd "$(dirname "$0")/.."
exec </dev/null
mode="${1:-run}"
shift || true

fuzz_dir=component/fuzz
triple="$(rustc -vV | sed -n 's/^host: //p')"
target_dir="${CARGO_TARGET_DIR:-$PWD/target}/fuzz"
bin_dir="$target_dir/$triple/release"
out="${FUZZ_OUT:-$target_dir/out}"
mkdir -p "$out"

targets() {
  sed -n 's/^name = "\(.*\)"$/\1/p' "$fuzz_dir/Cargo.toml" | grep -v '^azspeech-component-fuzz$'
}

build() {
  command -v c++ >/dev/null 2>&1 || {
    echo "fuzz: libFuzzer needs a C++ compiler: apt install g++" >&2
    exit 1
  }
  local flags="--cfg fuzzing -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4"
  flags+=" -Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table"
  flags+=" -Cllvm-args=-sanitizer-coverage-trace-compares"
  # --target keeps the flags off build scripts and proc macros.
  (cd "$fuzz_dir" && RUSTFLAGS="$flags" CARGO_TARGET_DIR="$target_dir" \
    cargo build --release --locked --target "$triple" --bins)
}

# A libFuzzer final statistic (-print_final_stats=1) from a log: stat_of NAME LOG.
stat_of() {
  sed -n "s/^stat::$1: *\([0-9]*\).*/\1/p" "$2" | tail -n 1
}

# Inputs of a target: its seeds and its regression vectors (read-only for libFuzzer).
inputs() {
  local target="$1"
  for dir in "$fuzz_dir/seeds/$target" "$fuzz_dir/regressions/$target"; do
    [ -d "$dir" ] && echo "$dir"
  done
}

# Run one target: fuzz_one TARGET ARGS...; the corpus grows in $out/corpus/TARGET.
fuzz_one() {
  local target="$1"
  shift
  local corpus="$out/corpus/$target"
  mkdir -p "$corpus"
  local log="$out/$target.log"
  # shellcheck disable=SC2046
  if ! "$bin_dir/$target" "$@" -artifact_prefix="$out/$target-" -print_final_stats=1 \
    "$corpus" $(inputs "$target") >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "fuzz: $target FAILED; the input is in $out/$target-* (log: $log)." >&2
    echo "fuzz: copy it to $fuzz_dir/regressions/$target/, fix the parser, and add a unit test." >&2
    return 1
  fi
}

case "$mode" in
  check)
    build
    for target in $(targets); do
      # -runs=0: execute the given inputs once, no mutation.
      "$bin_dir/$target" -runs=0 $(inputs "$target") >"$out/$target.check.log" 2>&1 || {
        tail -n 40 "$out/$target.check.log" >&2
        echo "fuzz: $target fails on a committed input" >&2
        exit 1
      }
      echo "fuzz check: $target ok"
    done
    ;;
  run)
    seconds="${1:-5}"
    build
    failed=0
    for target in $(targets); do
      if fuzz_one "$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=1024; then
        echo "fuzz run: $target $(stat_of number_of_executed_units "$out/$target.log") executions in ${seconds} s, no crash"
      else
        failed=1
      fi
    done
    exit "$failed"
    ;;
  campaign)
    runs="${1:-10000000}"
    shift || true
    build
    list="${*:-$(targets)}"
    echo "| target | executions | exec/s | time (s) | crashes | corpus (files) | peak RSS (MB) |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    for target in $list; do
      started=$(date +%s)
      crashes=0
      cap=()
      [ -n "${FUZZ_MAX_SECONDS:-}" ] && cap=(-max_total_time="$FUZZ_MAX_SECONDS")
      fuzz_one "$target" -runs="$runs" "${cap[@]}" -timeout=10 -rss_limit_mb=2048 || crashes=1
      elapsed=$(( $(date +%s) - started ))
      log="$out/$target.log"
      execs=$(stat_of number_of_executed_units "$log")
      rate=$(stat_of average_exec_per_sec "$log")
      rss=$(stat_of peak_rss_mb "$log")
      corpus=$(find "$out/corpus/$target" -type f | wc -l)
      echo "| $target | $execs | $rate | $elapsed | $crashes | $corpus | $rss |"
    done
    ;;
  *)
    echo "usage: bash scripts/fuzz.sh check | run [SECONDS] | campaign [RUNS] [TARGET...]" >&2
    exit 2
    ;;
esac
