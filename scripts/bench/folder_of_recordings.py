"""A folder of recordings two ways against one emulator: `azspeech transcribe -j 4` (fast
transcription, one request per file) and `azspeech stt` one file at a time (the real-time
WebSocket), plus `azspeech stt -j 4` for the same parallelism on the WebSocket path.

Every run is its own process tree: wall time from the parent, CPU (user + system) and peak RSS
of the client from wait4, and the emulator's CPU over the run from /proc/PID/stat. Both paths must
read the same words from every file, or the figures mean nothing and the script fails.

Usage: folder_of_recordings.py AZSPEECH EMULATOR_PID FOLDER RUNS
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time
import wave

azspeech, emulator_pid, folder, runs = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
files = sorted(os.path.join(folder, name) for name in os.listdir(folder) if name.endswith(".wav"))
ticks_per_second = os.sysconf("SC_CLK_TCK")


def emulator_cpu():
    with open(f"/proc/{emulator_pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / ticks_per_second


def spoken_words(text):
    return [w for w in (re.sub(r"[^\w]", "", token).lower() for token in text.split()) if w]


def measured(commands):
    """Run the commands one after another in a child Python, so that its RUSAGE_CHILDREN covers
    exactly these processes: wall (s), client CPU (s), client peak RSS (MB), emulator CPU (s)."""
    script = (
        "import resource, subprocess, sys, json\n"
        "commands = json.loads(sys.argv[1])\n"
        "for argv, path in commands:\n"
        "    with open(path or '/dev/null', 'wb') as out:\n"
        "        done = subprocess.run(argv, stdout=out, stderr=subprocess.PIPE)\n"
        "    if done.returncode != 0:\n"
        "        sys.stderr.write(done.stderr.decode(errors='replace')[-2000:])\n"
        "        sys.exit(f'{argv[1]} failed with exit code {done.returncode}')\n"
        "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(json.dumps([u.ru_utime + u.ru_stime, u.ru_maxrss]))\n"
    )
    emulator_before = emulator_cpu()
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-c", script, json.dumps(commands)], capture_output=True, text=True)
    wall = time.monotonic() - start
    if done.returncode != 0:
        sys.exit(done.stderr)
    cpu, peak_kb = json.loads(done.stdout)
    return wall, cpu, peak_kb / 1024, emulator_cpu() - emulator_before


def transcripts(directory):
    return {name: spoken_words(open(os.path.join(directory, name)).read()) for name in sorted(os.listdir(directory))}


work = os.path.dirname(folder.rstrip("/"))
modes = {}
outputs = {}
for mode in ("transcribe -j 4", "stt, one file at a time", "stt -j 4"):
    figures = []
    for _ in range(runs):
        out = os.path.join(work, "out-" + re.sub(r"\W+", "-", mode))
        shutil.rmtree(out, ignore_errors=True)
        os.makedirs(out)
        if mode == "transcribe -j 4":
            commands = [[[azspeech, "transcribe", "-j", "4", "-o", out, "--force", *files], None]]
        elif mode == "stt -j 4":
            commands = [[[azspeech, "stt", "-j", "4", "-o", out, *files], None]]
        else:
            commands = [
                [[azspeech, "stt", path], os.path.join(out, os.path.basename(path)[:-4] + ".txt")] for path in files
            ]
        figures.append(measured(commands))
        outputs[mode] = transcripts(out)
    modes[mode] = figures

reference = outputs["stt, one file at a time"]
words = sum(len(w) for w in reference.values())
for mode, got in outputs.items():
    if got != reference:
        differing = [name for name in reference if got.get(name) != reference[name]]
        sys.exit(f"{mode} read different words from {len(differing)} files, e.g. {differing[:3]}")
print(f"every mode read the same {words} words from {len(reference)} files")


def spread(values, fmt):
    values = sorted(values)
    middle = values[len(values) // 2]
    return fmt.format(middle) if values[0] == values[-1] else f"{fmt.format(middle)} ({fmt.format(values[0])}–{fmt.format(values[-1])})"


audio_seconds = 0.0
for path in files:
    with wave.open(path, "rb") as w:
        audio_seconds += w.getnframes() / w.getframerate()
print(f"{len(files)} files, {audio_seconds / 60:.1f} minutes of audio, {runs} runs per mode (median, min–max)")
print("| mode | wall (s) | client CPU (s) | client peak RSS (MB) | emulator CPU (s) | audio ÷ wall |")
print("|---|---|---|---|---|---|")
for mode, figures in modes.items():
    walls = [f[0] for f in figures]
    print(
        f"| `{mode}` | {spread(walls, '{:.2f}')} | {spread([f[1] for f in figures], '{:.2f}')} | "
        f"{spread([f[2] for f in figures], '{:.1f}')} | {spread([f[3] for f in figures], '{:.2f}')} | "
        f"{audio_seconds / sorted(walls)[len(walls) // 2]:.0f}× |"
    )
