"""Per-chunk cost of the core calls in wasmtime-py: one 100-ms chunk of 16-kHz audio pushed
(`push-audio`), its frame polled (`poll-transmit`: header bytes and [start, end) offsets, the
audio itself stays in Python), events and the timeout polled. Prints microseconds per chunk."""

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
start = time.perf_counter()
for _ in range(CHUNKS):
    assert session.call("push-audio", now, 3200) is None
    while (transmit := session.call("poll-transmit", now)) is not None:
        if transmit.tag == "audio":
            header_bytes = len(transmit.payload.header)
    while session.call("poll-event") is not None:
        pass
    session.call("poll-timeout")
per_chunk = (time.perf_counter() - start) / CHUNKS * 1e6
print(json.dumps({"runtime": "python wasmtime-py", "us_per_chunk": round(per_chunk, 1), "audio_header_bytes": header_bytes}))
