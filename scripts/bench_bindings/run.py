"""Measures the Python and Node packages side by side with the official Speech SDKs, in one run,
against one loopback emulator. Called by scripts/bench-bindings.sh, which installs everything.

python3 run.py WORK READY.json
WORK holds venv-azspeech, venv-sdk, venv-empty (Python) and node-azspeech, node-sdk, node-empty
(npm projects). Prints a Markdown table.
"""

import json
import os
import statistics
import subprocess
import sys
import time
import wave
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK, READY = Path(sys.argv[1]), sys.argv[2]
PARAGRAPH = (
    "Azure AI Speech turns text into natural sounding audio and audio back into text. This paragraph is "
    "long enough to take several seconds to speak, so that the time to first byte and the streaming of "
    "audio both count. It has a few sentences of different lengths. And it ends here, with a short one."
)
SENTENCES = [
    "The quick brown fox jumps over the lazy dog.",
    "Azure speech works offline with the emulator.",
    "Every utterance arrives in order with its offset.",
]
LONG_SECONDS = 600


def du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def site_packages(venv: Path) -> Path:
    return next((venv / "lib").glob("python3*/site-packages"))


def command(runtime: str, package: str, task: str, *args: str) -> tuple[list[str], Path]:
    if runtime == "python":
        return [str(WORK / f"venv-{package}" / "bin" / "python"), str(HERE / "task.py"), package, task, READY, *args], WORK
    project = WORK / f"node-{package}"
    return ["node", str(project / "task.mjs"), package, task, READY, *args], project


def measure(runtime: str, package: str, task: str, *args: str, env: dict | None = None) -> dict:
    argv, cwd = command(runtime, package, task, *args)
    start = time.perf_counter()
    child = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, env={**os.environ, **(env or {})})
    out = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"{runtime} {package} {task} failed ({status}): {out.decode()}")
    result = json.loads(out.decode().strip().splitlines()[-1]) if out.strip() else {}
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024, **result}


def long_wav(path: Path) -> None:
    """About ten minutes of the sentences, each once synthesized by the emulator, with a second
    of silence after each (the emulator recognizes what it synthesized)."""
    clips = []
    for index, sentence in enumerate(SENTENCES):
        clip = WORK / f"sentence-{index}.wav"
        measure("python", "azspeech", "tts", sentence, str(clip))
        with wave.open(str(clip)) as source:
            clips.append(source.readframes(source.getnframes()))
    silence = b"\0\0" * 16000
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        written = 0
        while written < LONG_SECONDS * 16000:
            for clip in clips:
                out.writeframes(clip + silence)
                written += (len(clip) + len(silence)) // 2


def main() -> None:
    empty_py = du(site_packages(WORK / "venv-empty"))
    long = WORK / "ten-minutes.wav"
    long_wav(long)
    with wave.open(str(long)) as source:
        long_seconds = source.getnframes() / source.getframerate()
    rows = []
    for runtime, label in (("python", "Python"), ("node", "Node")):
        for package in ("azspeech", "sdk"):
            if runtime == "python":
                size = du(site_packages(WORK / f"venv-{package}")) - empty_py
            else:
                size = du(WORK / f"node-{package}" / "node_modules")
            starts = [measure(runtime, package, "import") for _ in range(5)]
            cold = None
            if runtime == "python" and package == "azspeech":
                cold = measure(runtime, package, "import", env={"AZSPEECH_CACHE_DIR": str(WORK / "no-cache" / str(time.time()))})["wall"]
            tts = measure(runtime, package, "tts", PARAGRAPH, str(WORK / f"{runtime}-{package}.wav"))
            stt = measure(runtime, package, "stt", str(long))
            start = (statistics.median(s["wall"] for s in starts), statistics.median(s["cpu"] for s in starts))
            rows.append((label, package, size, start, cold, tts, stt))
            print(f"measured {runtime} {package}: tts {tts} stt {stt}", file=sys.stderr)
    names = {"azspeech": "azspeech", "sdk": "official SDK"}
    print(f"STT file: {long_seconds:.0f} s of 16 kHz mono PCM ({len(SENTENCES)} sentences repeated, {long.stat().st_size // 1024} KiB)\n")
    print("| runtime | package | installed | import + from_env: wall / CPU (median of 5) | TTS paragraph: wall / CPU / peak RSS | 10-min STT: wall / CPU / peak RSS | phrases |")
    print("|---|---|---|---|---|---|---|")
    for label, package, size, start, cold, tts, stt in rows:
        start_text = f"{start[0] * 1000:.0f} ms / {start[1] * 1000:.0f} ms" + (
            f" ({cold * 1000:.0f} ms wall without the compile cache)" if cold else ""
        )
        print(
            f"| {label} | {names[package]} | {size / 1e6:.1f} MB | {start_text} | "
            f"{tts['wall']:.2f} s / {tts['cpu']:.2f} s / {tts['rss_mb']:.0f} MB | "
            f"{stt['wall']:.1f} s / {stt['cpu']:.1f} s / {stt['rss_mb']:.0f} MB | {stt['phrases']} |"
        )


if __name__ == "__main__":
    main()
