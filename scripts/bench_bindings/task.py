"""One measured task in Python, run in its own process by scripts/bench_bindings/run.py.

python task.py {azspeech|sdk} {import|tts|stt} READY.json [TEXT|WAV] [OUT]
Prints one JSON line of task-specific results (what was produced or heard).
"""

import json
import sys
import threading


def main():
    package, task, ready_path = sys.argv[1:4]
    ready = json.load(open(ready_path))
    if package == "azspeech":
        import azspeech

        speech = azspeech.from_env(environ=ready["env"])
        if task == "tts":
            summary = speech.synthesize_to_file(sys.argv[4], sys.argv[5])
            print(json.dumps({"audio_bytes": summary.audio_bytes}))
        elif task == "stt":
            transcript = speech.recognize_file(sys.argv[4])
            print(json.dumps({"phrases": len(transcript.phrases)}))
        return
    import azure.cognitiveservices.speech as speechsdk

    endpoint = ready["endpoint"].replace("http://", "ws://", 1)
    if task == "tts":
        config = speechsdk.SpeechConfig(endpoint=endpoint + "/cognitiveservices/websocket/v1", subscription=ready["key"])
        config.set_speech_synthesis_output_format(speechsdk.SpeechSynthesisOutputFormat.Riff16Khz16BitMonoPcm)
        synthesizer = speechsdk.SpeechSynthesizer(config, speechsdk.audio.AudioOutputConfig(filename=sys.argv[5]))
        result = synthesizer.speak_text_async(sys.argv[4]).get()
        print(json.dumps({"audio_bytes": len(result.audio_data)}))
    elif task == "stt":
        config = speechsdk.SpeechConfig(
            endpoint=endpoint + "/speech/recognition/conversation/cognitiveservices/v1", subscription=ready["key"]
        )
        recognizer = speechsdk.SpeechRecognizer(config, speechsdk.audio.AudioConfig(filename=sys.argv[4]))
        phrases, done = [], threading.Event()
        recognizer.recognized.connect(
            lambda e: phrases.append(e.result.text) if e.result.reason == speechsdk.ResultReason.RecognizedSpeech else None
        )
        recognizer.session_stopped.connect(lambda _e: done.set())
        recognizer.canceled.connect(lambda _e: done.set())
        recognizer.start_continuous_recognition_async().get()
        done.wait(3600)
        recognizer.stop_continuous_recognition_async().get()
        print(json.dumps({"phrases": len(phrases)}))


if __name__ == "__main__":
    main()
