"""N concurrent sessions from one process through the library API (host/examples/load.rs), for
several N, each against a fresh emulator in its own process; then a soak of repeated rounds.
Called by scripts/bench.sh (which raises the open-file limit for the big N).

python3 concurrency.py AZSPEECH LOAD_EXAMPLE WORK [N,N,...] [SOAK_N] [SOAK_ROUNDS]

Prints a Markdown table: the client's peak RSS, RSS per session, CPU (and per hour of
recognized audio), p50/p99 time to the first result and to completion, errors and wrong
results; the emulator's own CPU and peak RSS at the same load; and the soak's RSS after round 1
and after the last round (a leak check).
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

AZSPEECH, LOAD, WORK = sys.argv[1], sys.argv[2], Path(sys.argv[3])
SIZES = [int(n) for n in (sys.argv[4] if len(sys.argv) > 4 else "10,100,1000").split(",")]
SOAK_N = int(sys.argv[5]) if len(sys.argv) > 5 else 100
SOAK_ROUNDS = int(sys.argv[6]) if len(sys.argv) > 6 else 20


def load(sessions: int, rounds: int, name: str) -> dict:
    """Run the load program against a fresh emulator; its summary."""
    ready = WORK / f"{name}.json"
    emulator = subprocess.Popen(
        [AZSPEECH, "emulator", "--port", "0", "--verbosity", "quiet", "--ready-file", str(ready)],
        stdout=subprocess.DEVNULL, stderr=open(WORK / f"{name}-emulator.log", "w"),
    )
    try:
        for _ in range(300):
            if ready.exists() and ready.stat().st_size:
                break
            time.sleep(0.1)
        env = {**os.environ, **json.loads(ready.read_text())["env"], "AZSPEECH_CACHE_DIR": str(WORK / "cache")}
        argv = [LOAD, "--sessions", str(sessions), "--rounds", str(rounds), "--emulator-pid", str(emulator.pid)]
        result = subprocess.run(argv, env=env, capture_output=True, text=True)
        sys.stderr.write(result.stdout)
        summary = next((line[len("summary: "):] for line in result.stdout.splitlines() if line.startswith("summary: ")), None)
        if summary is None:
            raise SystemExit(f"load {sessions} failed ({result.returncode}): {result.stderr[-3000:]}")
        parsed = json.loads(summary)
        parsed["exit"] = result.returncode
        if result.returncode != 0:
            sys.stderr.write(result.stderr[-3000:])
        return parsed
    finally:
        emulator.terminate()
        emulator.wait()


def main() -> None:
    WORK.mkdir(parents=True, exist_ok=True)
    load(2, 1, "warm-up")  # compiles the core into the shared artifact cache
    results = [load(n, 1, f"load-{n}") for n in SIZES]
    soak = load(SOAK_N, SOAK_ROUNDS, f"soak-{SOAK_N}") if SOAK_ROUNDS > 0 else None
    print("concurrency: one process, one loaded core, N sessions at once (half STT of a 1-minute recording, "
          "half TTS of a paragraph), each N against a fresh emulator in its own process")
    print("| N | client peak RSS | RSS per session | client CPU | CPU per hour of STT audio | first result p50 / p99 | "
          "done p50 / p99 | errors | wrong | emulator CPU | emulator peak RSS |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        e = r.get("emulator") or {}
        print(
            f"| {r['sessions']} | {r['peak_rss_mb']:.0f} MB | {r['rss_per_session_kb']:.0f} KB | {r['cpu_s']:.2f} s | "
            f"{r['cpu_s_per_audio_hour']:.2f} s | {r['first_result_p50_ms']:.0f} / {r['first_result_p99_ms']:.0f} ms | "
            f"{r['done_p50_ms']:.0f} / {r['done_p99_ms']:.0f} ms | {r['errors']} | {r['wrong']} | "
            f"{e.get('cpu_s', 0):.2f} s | {e.get('peak_rss_mb', 0):.0f} MB |"
        )
    if soak:
        print(
            f"soak: {soak['sessions']} sessions × {soak['rounds']} rounds: RSS after round 1 "
            f"{soak['rss_after_first_round_mb']:.1f} MB, after round {soak['rounds']} {soak['rss_after_last_round_mb']:.1f} MB; "
            f"peak {soak['peak_rss_mb']:.1f} MB; {soak['errors']} errors, {soak['wrong']} wrong of "
            f"{soak['sessions'] * soak['rounds']}"
        )
    failed = [r for r in results + ([soak] if soak else []) if r["exit"] != 0]
    if failed:
        raise SystemExit(f"{len(failed)} load run(s) had errors or wrong results")


if __name__ == "__main__":
    main()
