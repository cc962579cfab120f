"""azspeech (release) next to the official Speech SDKs for Python and Node, on the same work, in
one run against one loopback emulator. Called by scripts/bench.sh, which installs the SDKs.

python3 side_by_side.py AZSPEECH PYTHON_WITH_SDK NODE_PROJECT WORK [RUNS] [LONG_SECONDS]

Each task runs in its own process; wall time from the parent, CPU and peak RSS from wait4.
- Start to the first audio frame sent (STT): from just before the process is spawned to the
  moment the emulator receives the first audio message of the turn (its
  `azspeech_emulator::first_audio` log line, wall clock in microseconds; same machine).
- Start to the first audio byte written (TTS): to the first byte on the process's stdout.
- A TTS paragraph end to end, and STT of a long file (one hour by default): wall, CPU, RSS.
Prints a Markdown table, each figure with the ratio SDK / azspeech. Medians of RUNS (5) runs;
the long STT runs once per client (three times for azspeech).
"""

import json
import os
import re
import statistics
import subprocess
import sys
import time
import wave
from pathlib import Path

HERE = Path(__file__).resolve().parent
AZSPEECH, PYTHON, NODE_PROJECT, WORK = sys.argv[1], sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4])
RUNS = int(sys.argv[5]) if len(sys.argv) > 5 else 5
LONG_SECONDS = int(sys.argv[6]) if len(sys.argv) > 6 else 3600
PARAGRAPH = (
    "Azure AI Speech turns text into natural sounding audio. This paragraph is long enough to show how "
    "quickly the first audio arrives, and how long the whole synthesis takes. Audio is written as it "
    "arrives, so a player can start before synthesis ends."
)
SENTENCES = [
    "The quick brown fox jumps over the lazy dog.",
    "Azure speech works offline with the emulator.",
    "Every utterance arrives in order with its offset.",
]
FIRST_AUDIO = re.compile(r"first audio of a turn .*unix_us=(\d+)")


def client_argv(client: str, task: str, arg: str, ready: Path) -> tuple[list[str], Path | None]:
    if client == "azspeech":
        if task == "stt":
            return [AZSPEECH, "stt", arg], None
        return [AZSPEECH, "tts", arg, "--format", "raw-16khz-16bit-mono-pcm", "-o", "-"], None
    if client == "python":
        return [PYTHON, str(HERE / "sdk_python.py"), str(ready), task, arg], None
    return ["node", str(HERE / "sdk_node.mjs"), str(ready), task, arg], NODE_PROJECT


def run(client: str, task: str, arg: str, ready: Path, env: dict) -> dict:
    """One process: wall to exit, wall to the first stdout byte, CPU, peak RSS, stdout."""
    argv, cwd = client_argv(client, task, arg, ready)
    start_unix = time.time()
    start = time.perf_counter()
    child = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = child.stdout.read(1)
    first_byte = time.perf_counter() - start if first else None
    out = first + child.stdout.read()
    err = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"{client} {task} failed ({status}): {err.decode(errors='replace')[-2000:]}")
    return {
        "start_unix": start_unix,
        "wall": wall,
        "first_byte": first_byte,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss_mb": usage.ru_maxrss / 1024,
        "out": out,
    }


def first_frame_after(log: Path, start_unix: float) -> float | None:
    """Seconds from `start_unix` to the first audio message the emulator logged after it."""
    for line in log.read_text(errors="replace").splitlines():
        m = FIRST_AUDIO.search(line)
        if m and int(m.group(1)) / 1e6 >= start_unix:
            return int(m.group(1)) / 1e6 - start_unix
    return None


def words(text: str) -> list[str]:
    return ["".join(c for c in w if c.isalnum()).lower() for w in text.split() if any(c.isalnum() for c in w)]


def make_long_wav(path: Path, seconds: int, env: dict) -> tuple[int, list[str]]:
    """The sentences, each synthesized once by this emulator, a second of silence after each,
    repeated to `seconds`. Returns the number of utterances and the words said."""
    clips = []
    for index, sentence in enumerate(SENTENCES):
        clip = WORK / f"sentence-{index}.wav"
        subprocess.run(
            [AZSPEECH, "tts", sentence, "--format", "riff-16khz-16bit-mono-pcm", "-o", str(clip)],
            env=env, check=True, stderr=subprocess.DEVNULL,
        )
        with wave.open(str(clip)) as source:
            clips.append(source.readframes(source.getnframes()))
    silence = b"\0\0" * 16000
    said, n = [], 0
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        written = 0
        while written < seconds * 16000:
            clip = clips[n % 3]
            out.writeframes(clip + silence)
            written += (len(clip) + len(silence)) // 2
            said += words(SENTENCES[n % 3])
            n += 1
    return n, said


def heard(client: str, out: bytes) -> list[str]:
    text = out.decode(errors="replace")
    if client == "azspeech":
        return words(text)
    return words(json.loads(text.strip().splitlines()[-1])["text"])


def median(values: list[float]) -> float:
    return statistics.median(values)


def main() -> None:
    WORK.mkdir(parents=True, exist_ok=True)
    ready, log = WORK / "side-by-side-emulator.json", WORK / "side-by-side-emulator.log"
    emulator = subprocess.Popen(
        [AZSPEECH, "--log-level", "warn,azspeech_emulator::first_audio=info", "emulator", "--port", "0",
         "--verbosity", "quiet", "--ready-file", str(ready)],
        stdout=subprocess.DEVNULL, stderr=open(log, "w"),
    )
    try:
        for _ in range(300):
            if ready.exists() and ready.stat().st_size:
                break
            time.sleep(0.1)
        info = json.loads(ready.read_text())
        env = {**os.environ, **info["env"], "AZSPEECH_CACHE_DIR": str(WORK / "azspeech-cache")}
        subprocess.run([AZSPEECH, "doctor"], env=env, stdout=subprocess.DEVNULL, check=True)  # compile cache
        # The emulator renders a text once and keeps it (synth.rs): render the paragraph before
        # the first measured run, so every client gets the same, cached, service.
        subprocess.run([AZSPEECH, "tts", PARAGRAPH, "--format", "raw-16khz-16bit-mono-pcm", "-o", str(WORK / "warm.pcm")],
                       env=env, check=True, stderr=subprocess.DEVNULL)
        short = WORK / "short.wav"
        subprocess.run(
            [AZSPEECH, "tts", SENTENCES[0], "--format", "riff-16khz-16bit-mono-pcm", "-o", str(short)],
            env=env, check=True, stderr=subprocess.DEVNULL,
        )
        long = WORK / "long.wav"
        utterances, said = make_long_wav(long, LONG_SECONDS, env)
        with wave.open(str(long)) as source:
            long_seconds = source.getnframes() / source.getframerate()
        clients = ["azspeech", "python", "node"]
        rows: dict[str, dict] = {}
        for client in clients:
            frames, tts_first, tts_wall, tts_cpu, tts_rss = [], [], [], [], []
            for _ in range(RUNS):
                r = run(client, "stt", str(short), ready, env)
                if heard(client, r["out"]) != words(SENTENCES[0]):
                    raise SystemExit(f"{client} heard {r['out'][:200]!r}")
                frame = first_frame_after(log, r["start_unix"])
                if frame is None:
                    raise SystemExit(f"{client}: no first-audio line in the emulator log")
                frames.append(frame)
                t = run(client, "tts", PARAGRAPH, ready, env)
                if len(t["out"]) < 100_000:
                    raise SystemExit(f"{client} tts wrote only {len(t['out'])} bytes")
                tts_first.append(t["first_byte"])
                tts_wall.append(t["wall"])
                tts_cpu.append(t["cpu"])
                tts_rss.append(t["rss_mb"])
            longs = []
            for _ in range(3 if client == "azspeech" else 1):
                r = run(client, "stt", str(long), ready, env)
                got = heard(client, r["out"])
                if got != said:
                    raise SystemExit(f"{client}: the long file's transcript differs ({len(got)} words, {len(said)} said)")
                longs.append(r)
            rows[client] = {
                "first_frame_ms": median(frames) * 1000,
                "tts_first_ms": median(tts_first) * 1000,
                "tts_wall_ms": median(tts_wall) * 1000,
                "tts_cpu_ms": median(tts_cpu) * 1000,
                "tts_rss_mb": median(tts_rss),
                "long_wall_s": median([r["wall"] for r in longs]),
                "long_cpu_s": median([r["cpu"] for r in longs]),
                "long_rss_mb": median([r["rss_mb"] for r in longs]),
                "tts_bytes": len(t["out"]),
            }
            print(f"measured {client}: {rows[client]}", file=sys.stderr)
    finally:
        emulator.terminate()
        emulator.wait()

    measures = [
        ("start → first STT audio frame at the emulator (ms)", "first_frame_ms", "{:.0f}"),
        ("start → first TTS audio byte on stdout (ms)", "tts_first_ms", "{:.0f}"),
        ("TTS paragraph end to end: wall (ms)", "tts_wall_ms", "{:.0f}"),
        ("TTS paragraph: CPU (ms)", "tts_cpu_ms", "{:.0f}"),
        ("TTS paragraph: peak RSS (MB)", "tts_rss_mb", "{:.0f}"),
        (f"STT of {long_seconds / 60:.0f} min: wall (s)", "long_wall_s", "{:.1f}"),
        (f"STT of {long_seconds / 60:.0f} min: CPU (s)", "long_cpu_s", "{:.2f}"),
        (f"STT of {long_seconds / 60:.0f} min: peak RSS (MB)", "long_rss_mb", "{:.0f}"),
    ]
    print(f"side by side: medians of {RUNS} runs (long STT: 3 runs azspeech, 1 per SDK); "
          f"long file {long_seconds:.0f} s, {utterances} utterances, every transcript checked word by word; "
          f"TTS paragraph {len(PARAGRAPH)} characters, raw 16-kHz PCM")
    print("| what | azspeech | Python SDK (×) | Node SDK (×) |")
    print("|---|---|---|---|")
    for label, key, fmt in measures:
        ours = rows["azspeech"][key]
        cells = [fmt.format(ours)]
        for client in ("python", "node"):
            theirs = rows[client][key]
            ratio = theirs / ours if ours else float("inf")
            cells.append(f"{fmt.format(theirs)} ({ratio:.1f}×)")
        print(f"| {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
