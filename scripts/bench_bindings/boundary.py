"""Per-chunk cost of the core calls in wasmtime-py: one 100-ms chunk of 16-kHz audio pushed
(`push-audio`), its frame polled (`poll-transmit`: header bytes and [start, end) offsets, the
audio itself stays in Python), events and the timeout polled. Prints wall and CPU microseconds
per chunk (CPU time is less disturbed by other load), and CPU by call."""

import json
import time

from azspeech._core import CoreModule, Rec, Session, session_policy

CHUNKS = 250
core = CoreModule.shared().instantiate()
settings = core.resolve([("SPEECH_KEY", True, "environment"), ("SPEECH_ENDPOINT", "ws://127.0.0.1:9", "environment")])
options = Rec(mode="conversation", language="", format="simple", profanity=None, word_timestamps=False, phrase_list=[],
              audio=Rec(sample_rate=16000, bits_per_sample=16, channels=1), max_unacknowledged_ms=60000)
session = Session(core, "recognition", "recognizer", settings, options, session_policy(1, "primary", None, None))
now = int(time.time() * 1000)
session.call("poll-connect", now)
session.call("handle-connected", now)
while session.call("poll-transmit", now) is not None:
    pass
header_bytes = 0
cpu = {"push-audio": 0.0, "poll-transmit": 0.0, "poll-event": 0.0, "poll-timeout": 0.0}


def call(name, *args):
    start = time.process_time()
    result = session.call(name, *args)
    cpu[name] += time.process_time() - start
    return result


wall = time.perf_counter()
for _ in range(CHUNKS):
    assert call("push-audio", now, 3200) is None
    while (transmit := call("poll-transmit", now)) is not None:
        if transmit.tag == "audio":
            header_bytes = len(transmit.payload.header)
    while call("poll-event") is not None:
        pass
    call("poll-timeout")
wall = (time.perf_counter() - wall) / CHUNKS * 1e6
print(json.dumps({
    "runtime": "python wasmtime-py",
    "wall_us_per_chunk": round(wall),
    "cpu_us_per_chunk": round(sum(cpu.values()) / CHUNKS * 1e6),
    "cpu_us_per_chunk_by_call": {name: round(v / CHUNKS * 1e6) for name, v in cpu.items()},
    "audio_header_bytes": header_bytes,
}))
