"""The official Microsoft Speech SDK (azure-cognitiveservices-speech) against the azspeech emulator.

Run by tests/conformance/run.sh, which starts the emulators and exports where they listen.
"""

import json
import os
import re
import threading
import urllib.request
import wave

import azure.cognitiveservices.speech as speechsdk
from azure.core.credentials import AccessToken
import pytest


def _info(variable):
    with open(os.environ[variable], encoding="utf-8") as handle:
        return json.load(handle)


INFO = _info("AZSPEECH_EMULATOR_INFO")
THROTTLED = _info("AZSPEECH_THROTTLED_EMULATOR_INFO")
# An emulator whose connections end after three seconds (`--max-connection-secs 3`).
LIMITED = _info("AZSPEECH_LIMITED_EMULATOR_INFO")
# An emulator that treats requests to 127.0.0.1 as its custom domain ({name}.cognitiveservices.azure.com).
CUSTOM_DOMAIN = _info("AZSPEECH_CUSTOM_DOMAIN_EMULATOR_INFO")
WORK = os.environ["AZSPEECH_CONFORMANCE_WORK"]

STT_PATH = "/speech/recognition/conversation/cognitiveservices/v1"
STT_CUSTOM_DOMAIN_PATH = "/stt/speech/recognition/conversation/cognitiveservices/v1"
TTS_PATH = "/cognitiveservices/websocket/v1"
TTS_CUSTOM_DOMAIN_PATH = "/tts/cognitiveservices/websocket/v1"

SENTENCES = [
    "The quick brown fox jumps over the lazy dog.",
    "Azure speech works offline with the emulator.",
    "Every utterance arrives in order with its offset.",
]


def ws(info, path):
    return info["endpoint"].replace("http://", "ws://", 1) + path


def words_of(text):
    return re.sub(r"[^a-z0-9 ]", "", text.lower()).split()


def key_config(path, info=INFO, key=None):
    return speechsdk.SpeechConfig(endpoint=ws(info, path), subscription=key or info["key"])


def entra_token(info=INFO):
    """A token from the emulator's App Service managed-identity endpoint."""
    url = info["msi_endpoint"] + "?api-version=2019-08-01&resource=https%3A%2F%2Fcognitiveservices.azure.com"
    request = urllib.request.Request(url, headers={"X-IDENTITY-HEADER": info["identity_header"], "Metadata": "true"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["access_token"]


def synthesize(text, path, ssml=False, config=None):
    config = config or key_config(TTS_PATH)
    config.set_speech_synthesis_output_format(speechsdk.SpeechSynthesisOutputFormat.Riff16Khz16BitMonoPcm)
    synthesizer = speechsdk.SpeechSynthesizer(
        speech_config=config, audio_config=speechsdk.audio.AudioOutputConfig(filename=path)
    )
    boundaries = []
    synthesizer.synthesis_word_boundary.connect(lambda evt: boundaries.append((evt.text, evt.audio_offset)))
    speak = synthesizer.speak_ssml_async if ssml else synthesizer.speak_text_async
    result = speak(text).get()
    del synthesizer  # closes the output file
    return result, boundaries


def recognize_once(path, config):
    recognizer = speechsdk.SpeechRecognizer(speech_config=config, audio_config=speechsdk.audio.AudioConfig(filename=path))
    return recognizer.recognize_once_async().get()


def wav_pcm(path):
    with wave.open(path, "rb") as handle:
        assert handle.getnchannels() == 1 and handle.getsampwidth() == 2 and handle.getframerate() == 16000
        return handle.readframes(handle.getnframes())


@pytest.fixture(scope="module")
def sentence_wavs():
    paths = []
    for index, sentence in enumerate(SENTENCES):
        path = os.path.join(WORK, f"sentence-{index}.wav")
        result, _ = synthesize(sentence, path)
        assert result.reason == speechsdk.ResultReason.SynthesizingAudioCompleted, result.cancellation_details
        paths.append(path)
    return paths


def test_tts_speak_text_writes_valid_audio_with_word_boundaries():
    path = os.path.join(WORK, "speak-text.wav")
    result, boundaries = synthesize("Hello from the azspeech emulator.", path)
    assert result.reason == speechsdk.ResultReason.SynthesizingAudioCompleted, result.cancellation_details
    pcm = wav_pcm(path)
    assert len(pcm) > 16000, "at least half a second of audio"
    assert [word for word, _ in boundaries][:2] == ["Hello", "from"]
    offsets = [offset for _, offset in boundaries]
    assert offsets == sorted(offsets) and offsets[-1] > 0


def test_tts_speak_ssml():
    ssml = (
        "<speak version='1.0' xmlns='http://www.w3.org/2001/10/synthesis' xml:lang='en-US'>"
        "<voice name='en-US-AvaMultilingualNeural'>Tea &amp; biscuits at four.</voice></speak>"
    )
    path = os.path.join(WORK, "speak-ssml.wav")
    result, _ = synthesize(ssml, path, ssml=True)
    assert result.reason == speechsdk.ResultReason.SynthesizingAudioCompleted, result.cancellation_details
    assert len(wav_pcm(path)) > 0


def test_stt_recognize_once_with_a_key(sentence_wavs):
    result = recognize_once(sentence_wavs[0], key_config(STT_PATH))
    assert result.reason == speechsdk.ResultReason.RecognizedSpeech, (result.cancellation_details.reason, result.cancellation_details.error_details) if result.reason == speechsdk.ResultReason.Canceled else result.reason
    assert words_of(result.text) == words_of(SENTENCES[0])


def test_stt_recognize_once_with_an_aad_authorization_token(sentence_wavs):
    config = speechsdk.SpeechConfig(endpoint=ws(INFO, STT_PATH))
    config.authorization_token = f"aad#{INFO['resource_id']}#{entra_token()}"
    result = recognize_once(sentence_wavs[1], config)
    assert result.reason == speechsdk.ResultReason.RecognizedSpeech, (result.cancellation_details.reason, result.cancellation_details.error_details) if result.reason == speechsdk.ResultReason.Canceled else result.reason
    assert words_of(result.text) == words_of(SENTENCES[1])


class EmulatorCredential:
    """A TokenCredential that hands out a token of the emulator's managed-identity endpoint."""

    def __init__(self):
        self.scopes = []

    def get_token(self, *scopes, **_kwargs):
        self.scopes.append(scopes)
        return AccessToken(entra_token(CUSTOM_DOMAIN), 2_000_000_000)


def test_stt_raw_entra_token_from_a_token_credential_on_the_custom_domain_form():
    # The custom-domain emulator is another instance: it knows only audio it synthesized itself.
    path = os.path.join(WORK, "custom-domain.wav")
    synthesized, _ = synthesize(SENTENCES[2], path, config=key_config(TTS_CUSTOM_DOMAIN_PATH, info=CUSTOM_DOMAIN))
    assert synthesized.reason == speechsdk.ResultReason.SynthesizingAudioCompleted
    credential = EmulatorCredential()
    config = speechsdk.SpeechConfig(token_credential=credential, endpoint=ws(CUSTOM_DOMAIN, STT_CUSTOM_DOMAIN_PATH))
    result = recognize_once(path, config)
    assert result.reason == speechsdk.ResultReason.RecognizedSpeech, (result.cancellation_details.reason, result.cancellation_details.error_details) if result.reason == speechsdk.ResultReason.Canceled else result.reason
    assert words_of(result.text) == words_of(SENTENCES[2])
    assert credential.scopes and "https://cognitiveservices.azure.com/.default" in credential.scopes[0]


def joined_wav(name, sentence_paths, rounds=1):
    """The sentences one after another, `rounds` times, with a second of silence between them."""
    silence = b"\x00\x00" * 16000  # one second
    path = os.path.join(WORK, name)
    with wave.open(path, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        for index, sentence_path in enumerate(sentence_paths * rounds):
            if index:
                out.writeframes(silence)
            out.writeframes(wav_pcm(sentence_path))
    return path


def continuous(path, config, timeout=60):
    """Recognized (text, offset, duration) of a continuous recognition, and the cancellation."""
    recognizer = speechsdk.SpeechRecognizer(speech_config=config, audio_config=speechsdk.audio.AudioConfig(filename=path))
    recognized, canceled, done = [], [], threading.Event()
    recognizer.recognized.connect(
        lambda evt: recognized.append((evt.result.text, evt.result.offset, evt.result.duration))
        if evt.result.reason == speechsdk.ResultReason.RecognizedSpeech
        else None
    )
    recognizer.session_stopped.connect(lambda _evt: done.set())
    recognizer.canceled.connect(
        lambda evt: (canceled.append((evt.cancellation_details.reason, evt.cancellation_details.error_details)), done.set())
    )
    recognizer.start_continuous_recognition_async().get()
    assert done.wait(timeout), "the session ended"
    recognizer.stop_continuous_recognition_async().get()
    return recognized, canceled


def stt_upgrades(emulator):
    """STT WebSocket upgrades accepted so far by the emulator `emulator` (from its request log)."""
    with open(os.path.join(WORK, f"{emulator}.log"), encoding="utf-8", errors="replace") as handle:
        return sum(1 for line in handle if STT_PATH in line and "-> 101" in line)


def assert_reconnected_without_loss(recognized, canceled, sentences):
    errors = [c for c in canceled if c[0] == speechsdk.CancellationReason.Error]
    assert not errors, errors
    assert [words_of(text) for text, _, _ in recognized] == [words_of(s) for s in sentences]
    offsets = [offset for _, offset, _ in recognized]
    assert offsets == sorted(offsets), offsets
    for (_, offset, duration), (_, following, _) in zip(recognized, recognized[1:]):
        assert following >= offset + duration + 9_000_000, "a second of silence between utterances"


def test_sdk_reconnects_when_the_emulator_ends_connections_at_their_lifetime():
    """The SDK's own reconnect is the reference for what the service accepts: a 27-s file over
    connections that live 3 s is recognized whole, once, in order, with continuous offsets."""
    paths = []
    for index, sentence in enumerate(SENTENCES):
        path = os.path.join(WORK, f"limited-{index}.wav")
        result, _ = synthesize(sentence, path, config=key_config(TTS_PATH, info=LIMITED))
        assert result.reason == speechsdk.ResultReason.SynthesizingAudioCompleted, result.cancellation_details
        paths.append(path)
    path = joined_wav("limited-rounds.wav", paths, rounds=3)
    before = stt_upgrades("limited")
    recognized, canceled = continuous(path, key_config(STT_PATH, info=LIMITED), timeout=120)
    assert_reconnected_without_loss(recognized, canceled, SENTENCES * 3)
    assert stt_upgrades("limited") - before >= 3, "the SDK reconnected after each lifetime close"


def test_sdk_reconnects_with_max_connection_duration_secs_on_the_url(sentence_wavs):
    """`maxConnectionDurationSecs` (the JS SDK's reconnect test sets it) shortens the lifetime."""
    config = key_config(STT_PATH)
    config.set_service_property("maxConnectionDurationSecs", "2", speechsdk.ServicePropertyChannel.UriQueryParameter)
    path = joined_wav("query-limited.wav", sentence_wavs, rounds=2)
    before = stt_upgrades("main")
    recognized, canceled = continuous(path, config, timeout=120)
    assert_reconnected_without_loss(recognized, canceled, SENTENCES * 2)
    assert stt_upgrades("main") - before >= 3, "the SDK reconnected after each lifetime close"


def test_continuous_recognition_of_a_multi_utterance_file(sentence_wavs):
    path = joined_wav("three-sentences.wav", sentence_wavs)
    recognizer = speechsdk.SpeechRecognizer(
        speech_config=key_config(STT_PATH), audio_config=speechsdk.audio.AudioConfig(filename=path)
    )
    recognized, done = [], threading.Event()
    recognizer.recognized.connect(
        lambda evt: recognized.append((evt.result.text, evt.result.offset, evt.result.duration))
        if evt.result.reason == speechsdk.ResultReason.RecognizedSpeech
        else None
    )
    recognizer.session_stopped.connect(lambda _evt: done.set())
    recognizer.canceled.connect(lambda _evt: done.set())
    recognizer.start_continuous_recognition_async().get()
    assert done.wait(60), "the session ended"
    recognizer.stop_continuous_recognition_async().get()
    assert [words_of(text) for text, _, _ in recognized] == [words_of(s) for s in SENTENCES]
    offsets = [offset for _, offset, _ in recognized]
    assert offsets == sorted(offsets) and offsets[0] >= 0
    # The second utterance starts after the first one and its second of silence.
    first_end = offsets[0] + recognized[0][2]
    assert offsets[1] >= first_end + 9_000_000


def test_stt_round_trip_of_sdk_synthesized_audio():
    sentence = "Round trips keep the emulator honest."
    path = os.path.join(WORK, "round-trip.wav")
    synthesized, _ = synthesize(sentence, path)
    assert synthesized.reason == speechsdk.ResultReason.SynthesizingAudioCompleted
    result = recognize_once(path, key_config(STT_PATH))
    assert words_of(result.text) == words_of(sentence)


def test_a_wrong_key_is_an_authentication_failure_with_401(sentence_wavs):
    result = recognize_once(sentence_wavs[0], key_config(STT_PATH, key="0" * 32))
    assert result.reason == speechsdk.ResultReason.Canceled
    details = result.cancellation_details
    assert details.code == speechsdk.CancellationErrorCode.AuthenticationFailure, details.error_details
    assert "401" in details.error_details


def test_a_429_is_reported_as_too_many_requests(sentence_wavs):
    result = recognize_once(sentence_wavs[0], key_config(STT_PATH, info=THROTTLED))
    assert result.reason == speechsdk.ResultReason.Canceled
    details = result.cancellation_details
    assert details.code == speechsdk.CancellationErrorCode.TooManyRequests, details.error_details
    assert "429" in details.error_details
