"""The official Python Speech SDK (azure-cognitiveservices-speech) doing one benchmark task
against the emulator; run in its own process by scripts/bench/side_by_side.py.

python sdk_python.py READY.json stt WAV     -> prints {"phrases": N, "text": "..."} (recognized)
python sdk_python.py READY.json tts TEXT    -> writes raw 16-kHz PCM to stdout as it arrives

The SDK paces file input at twice real time after its first 5 s ("fast lane"); its throttle
property is raised to 20 times real time (the fastest at which it stays correct, see below), so
that a 1-hour file takes minutes, not half an hour; its wall time is therefore pacing, while
its CPU and memory are work.
"""

import json
import os
import sys
import threading

import azure.cognitiveservices.speech as speechsdk


def main() -> None:
    ready_path, task, arg = sys.argv[1:4]
    ready = json.load(open(ready_path))
    endpoint = ready["endpoint"].replace("http://", "ws://", 1)
    if task == "stt":
        config = speechsdk.SpeechConfig(
            endpoint=endpoint + "/speech/recognition/conversation/cognitiveservices/v1", subscription=ready["key"]
        )
        # 20 times real time: the fastest pace found at which the SDK stays correct. At 100 times
        # it loses phrases (40 of 54 in a 10-minute file, measured here); raising
        # SPEECH-TransmitLengthBeforThrottleMs beyond a few minutes makes it stop early.
        config.set_property_by_name("SPEECH-AudioThrottleAsPercentageOfRealTime", "2000")
        recognizer = speechsdk.SpeechRecognizer(config, speechsdk.audio.AudioConfig(filename=arg))
        phrases, done, failed = [], threading.Event(), []

        def recognized(event):
            if event.result.reason == speechsdk.ResultReason.RecognizedSpeech:
                phrases.append(event.result.text)

        def canceled(event):
            if event.reason == speechsdk.CancellationReason.Error:
                failed.append(event.error_details)
            done.set()

        recognizer.recognized.connect(recognized)
        recognizer.session_stopped.connect(lambda _e: done.set())
        recognizer.canceled.connect(canceled)
        recognizer.start_continuous_recognition_async().get()
        done.wait(7200)
        recognizer.stop_continuous_recognition_async().get()
        if failed:
            raise SystemExit(f"recognition failed: {failed[0]}")
        print(json.dumps({"phrases": len(phrases), "text": " ".join(phrases)}))
    elif task == "tts":
        config = speechsdk.SpeechConfig(endpoint=endpoint + "/cognitiveservices/websocket/v1", subscription=ready["key"])
        config.set_speech_synthesis_output_format(speechsdk.SpeechSynthesisOutputFormat.Raw16Khz16BitMonoPcm)
        out = sys.stdout.buffer

        class ToStdout(speechsdk.audio.PushAudioOutputStreamCallback):
            def write(self, audio_buffer: memoryview) -> int:
                out.write(audio_buffer.tobytes())
                out.flush()
                return audio_buffer.nbytes

            def close(self) -> None:
                out.flush()

        stream = speechsdk.audio.PushAudioOutputStream(ToStdout())
        synthesizer = speechsdk.SpeechSynthesizer(config, speechsdk.audio.AudioOutputConfig(stream=stream))
        result = synthesizer.speak_text_async(arg).get()
        if result.reason != speechsdk.ResultReason.SynthesizingAudioCompleted:
            raise SystemExit(f"synthesis failed: {result.cancellation_details.error_details}")
        del synthesizer
    else:
        raise SystemExit(f"unknown task {task}")


if __name__ == "__main__":
    main()
    # The SDK's native threads can abort the interpreter's normal exit ("FATAL: exception not
    # rethrown", SIGABRT); the work is done and flushed, so leave without the teardown.
    sys.stdout.flush()
    os._exit(0)
