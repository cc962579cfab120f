"""The official fast-transcription client (azure-ai-transcription, PyPI) against the azspeech emulator.

Run by tests/conformance/run.sh, which starts the emulators and exports where they listen:
AZSPEECH_EMULATOR_INFO (loopback, plain HTTP) and AZSPEECH_TRANSCRIPTION_EMULATOR_INFO (the
custom-domain form over TLS, where Entra tokens are accepted; azure-core sends bearer tokens over
https only). If the official client cannot talk to the emulator, the emulator is wrong.
"""

import functools
import http.server
import io
import json
import os
import threading
import urllib.request
import wave

import pytest
from azure.ai.transcription import TranscriptionClient
from azure.ai.transcription.models import (
    TranscriptionContent,
    TranscriptionDiarizationOptions,
    TranscriptionOptions,
)
from azure.core.credentials import AccessToken, AzureKeyCredential
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError
from azure.identity import ManagedIdentityCredential


def _info(variable):
    with open(os.environ[variable], encoding="utf-8") as handle:
        return json.load(handle)


INFO = _info("AZSPEECH_EMULATOR_INFO")
# `--form custom-domain --tls`: requests to 127.0.0.1 are its custom domain.
SECURE = _info("AZSPEECH_TRANSCRIPTION_EMULATOR_INFO")
SECURE_ENDPOINT = SECURE["endpoint"].replace("http://", "https://", 1)
# Its first two transcription requests get 429 with Retry-After: 1.
THROTTLED = _info("AZSPEECH_TRANSCRIPTION_THROTTLED_EMULATOR_INFO")
WORK = os.environ.get("AZSPEECH_CONFORMANCE_WORK", "")

AVA = "en-US-AvaMultilingualNeural"
GUY = "en-US-GuyNeural"


def speak(info, voice, text, tts_path="/cognitiveservices/v1"):
    """16 kHz mono PCM of `text` in `voice`, synthesized by the emulator (so it can recognize it)."""
    ssml = f"<speak version='1.0' xml:lang='{voice[:5]}'><voice name='{voice}'>{text}</voice></speak>"
    request = urllib.request.Request(
        info["endpoint"] + tts_path,
        data=ssml.encode(),
        headers={
            "Ocp-Apim-Subscription-Key": info["key"],
            "Content-Type": "application/ssml+xml",
            "X-Microsoft-OutputFormat": "raw-16khz-16bit-mono-pcm",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read()


def wav_bytes(*utterances):
    """A mono 16 kHz WAV of the utterances, each after a second of silence."""
    silence = b"\0\0" * 16000
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        for pcm in utterances:
            w.writeframes(silence + pcm)
        w.writeframes(silence)
    return out.getvalue()


def key_client(info=INFO, key=None):
    return TranscriptionClient(endpoint=info["endpoint"], credential=AzureKeyCredential(key or info["key"]))


def transcribe(client, audio, **options):
    return client.transcribe(TranscriptionContent(definition=TranscriptionOptions(**options), audio=audio))


class EmulatorTokenCredential:
    """A TokenCredential handing out tokens of the emulator's managed-identity endpoint."""

    def __init__(self, info):
        self.info = info
        self.scopes = []

    def get_token(self, *scopes, **_kwargs):
        self.scopes.append(scopes)
        url = self.info["msi_endpoint"] + "?api-version=2019-08-01&resource=https%3A%2F%2Fcognitiveservices.azure.com"
        request = urllib.request.Request(url, headers={"X-IDENTITY-HEADER": self.info["identity_header"]})
        with urllib.request.urlopen(request, timeout=10) as response:
            return AccessToken(json.load(response)["access_token"], 2_000_000_000)


def secure_client(credential):
    return TranscriptionClient(endpoint=SECURE_ENDPOINT, credential=credential, connection_verify=SECURE["ca_file"])


def test_a_file_with_a_key():
    hello = "Fast transcription from the official client."
    audio = wav_bytes(speak(INFO, AVA, hello))
    result = transcribe(key_client(), audio, locales=["en-US"])
    assert [p.text for p in result.phrases] == [hello]
    assert result.combined_phrases[0].text == hello
    assert result.duration_milliseconds == (len(audio) - 44) // 32
    phrase = result.phrases[0]
    assert phrase.locale == "en-US"
    assert 1000 <= phrase.offset_milliseconds < 1500
    assert [w.text for w in phrase.words] == hello.split()
    assert phrase.speaker is None and phrase.channel is None


def test_a_file_with_a_token_credential_on_the_custom_domain():
    text = "Entra tokens work on the custom domain."
    credential = EmulatorTokenCredential(SECURE)
    result = transcribe(
        secure_client(credential), wav_bytes(speak(SECURE, AVA, text, "/tts/cognitiveservices/v1")), locales=["en-US"]
    )
    assert [p.text for p in result.phrases] == [text]
    assert credential.scopes == [("https://cognitiveservices.azure.com/.default",)]


def test_a_file_with_azure_identity_managed_identity(monkeypatch):
    monkeypatch.setenv("IDENTITY_ENDPOINT", SECURE["msi_endpoint"])
    monkeypatch.setenv("IDENTITY_HEADER", SECURE["identity_header"])
    text = "A managed identity from azure identity."
    result = transcribe(
        secure_client(ManagedIdentityCredential()),
        wav_bytes(speak(SECURE, AVA, text, "/tts/cognitiveservices/v1")),
        locales=["en-US"],
    )
    assert [p.text for p in result.phrases] == [text]


def test_a_raw_entra_token_is_refused_on_the_regional_form():
    # The loopback emulator accepts it; the service's regional hosts do not (Entra needs a custom
    # domain). azure-core sends bearer tokens over https only, so this goes to the TLS emulator
    # with a key first to prove the path, then with a token and a regional Host.
    credential = EmulatorTokenCredential(SECURE)
    client = TranscriptionClient(
        endpoint=SECURE_ENDPOINT,
        credential=credential,
        connection_verify=SECURE["ca_file"],
        headers={"Host": "westeurope.api.cognitive.microsoft.com"},
    )
    with pytest.raises(ClientAuthenticationError) as refused:
        transcribe(client, wav_bytes(b"\0\0" * 1600), locales=["en-US"])
    assert refused.value.status_code == 401


def dialogue():
    turns = [
        (AVA, "Good afternoon, how can I help?"),
        (GUY, "I would like to book a table."),
        (AVA, "For how many people?"),
    ]
    return turns, wav_bytes(*(speak(INFO, voice, text) for voice, text in turns))


def test_diarization_enabled_tells_the_voices_apart():
    turns, audio = dialogue()
    # The 1.0.0 model marks `enabled` read-only, so it is sent through the raw mapping.
    diarization = TranscriptionDiarizationOptions({"enabled": True, "maxSpeakers": 2})
    result = transcribe(key_client(), audio, locales=["en-US"], diarization_options=diarization)
    assert [(p.text, p.speaker) for p in result.phrases] == [
        (turns[0][1], 0),
        (turns[1][1], 1),
        (turns[2][1], 0),
    ]


def test_max_speakers_alone_gives_no_speakers():
    # azure-sdk-for-python#44436: the service needs `enabled: true`; maxSpeakers alone is ignored.
    turns, audio = dialogue()
    result = transcribe(key_client(), audio, diarization_options=TranscriptionDiarizationOptions(max_speakers=2))
    assert [p.text for p in result.phrases] == [text for _, text in turns]
    assert all(p.speaker is None for p in result.phrases)


def test_language_identification_among_locales():
    text = "Guten Tag, wie geht es Ihnen?"
    result = transcribe(key_client(), wav_bytes(speak(INFO, "de-DE-KatjaNeural", text)), locales=["en-US", "de-DE"])
    assert [(p.text, p.locale) for p in result.phrases] == [(text, "de-DE")]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *_args):
        pass


def test_transcribe_from_a_loopback_audio_url(tmp_path):
    text = "Audio fetched from a URL."
    (tmp_path / "clip.wav").write_bytes(wav_bytes(speak(INFO, AVA, text)))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(tmp_path)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/clip.wav"
        result = key_client().transcribe_from_url(url, options=TranscriptionOptions(locales=["en-US"]))
        assert [p.text for p in result.phrases] == [text]
    finally:
        server.shutdown()


def test_errors_reach_the_caller():
    audio = wav_bytes(b"\0\0" * 1600)
    with pytest.raises(ClientAuthenticationError) as wrong_key:
        transcribe(key_client(key="0" * 32), audio, locales=["en-US"])
    assert wrong_key.value.status_code == 401
    with pytest.raises(HttpResponseError) as bad:
        transcribe(key_client(), audio, diarization_options=TranscriptionDiarizationOptions({"enabled": True, "maxSpeakers": 40}))
    assert bad.value.status_code == 400
    assert "maxSpeakers" in str(bad.value)
    # The client leaves out an empty definition; the part is required (TranscriptionContent.definition).
    with pytest.raises(HttpResponseError) as no_definition:
        transcribe(key_client(), audio)
    assert no_definition.value.status_code == 400
    assert "'definition'" in str(no_definition.value)


def test_429_with_retry_after_is_retried_by_the_client():
    text = "Throttled twice, then transcribed."
    audio = wav_bytes(speak(THROTTLED, AVA, text))
    result = transcribe(key_client(THROTTLED), audio, locales=["en-US"])
    assert [p.text for p in result.phrases] == [text]
    with open(os.path.join(WORK, "transcription-throttled.log"), encoding="utf-8", errors="replace") as handle:
        answers = [line.rsplit("-> ", 1)[1][:3] for line in handle if "transcriptions:transcribe" in line]
    assert answers == ["429", "429", "200"], answers
