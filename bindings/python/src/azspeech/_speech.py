"""The public API: `from_env()` and `Speech`."""

from __future__ import annotations

import os
import secrets
import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping

from . import _sessions
from ._core import CoreModule, Rec, plain, session_policy
from ._credentials import Credentials
from ._transport import TransportOptions
from .errors import AudioError

# Variable name prefixes passed to the core (the Rust host's `settings_input::PREFIXES`).
PREFIXES = ("SPEECH_", "AZURE_", "IDENTITY_", "MSI_", "IMDS_")
DEFAULT_OUTPUT_FORMAT = "riff-16khz-16bit-mono-pcm"


def settings_from_environment(environ: Mapping[str, str], secret_names: list[str]) -> list[tuple[str, str | bool, str]]:
    """The core's `setting` list: secrets only as present (non-blank) or not."""
    return sorted(
        (name, bool(value.strip()) if name in secret_names else value, "environment")
        for name, value in environ.items()
        if name.startswith(PREFIXES)
    )


@dataclass
class Transcript:
    """What `recognize_file` returns: the phrases' text joined, the phrases, the summary."""

    text: str
    phrases: list[Any] = field(default_factory=list)
    summary: Any = None


class Speech:
    """A resolved configuration plus what sessions need (credentials, transport). Sessions are
    independent: one `Speech` may serve many threads, each session on its own core instance."""

    def __init__(self, environ: Mapping[str, str], credential: Any = None, flags: Mapping[str, str] | None = None) -> None:
        self._module = CoreModule.shared()
        core = self._module.instantiate()
        settings = settings_from_environment(environ, core.secret_names())
        overridden = {name for name, _, _ in settings} & set(flags or {})
        settings = [s for s in settings if s[0] not in overridden]
        settings += [(name, value, "flag") for name, value in (flags or {}).items()]
        self._settings = core.resolve(settings)
        self._transport = TransportOptions.from_env(environ)
        self._credentials = Credentials(environ, credential, self._transport)
        if credential is None and plain(self._settings).auth == "entra":
            self._credentials.require_entra()

    @property
    def settings(self) -> Any:
        """The resolved, secret-free settings (auth, endpoint, region, language, voice...)."""
        return plain(self._settings)

    def explain(self) -> dict[str, Any]:
        """What `azspeech doctor --json` reports (without probing): the mode chosen and why,
        the URLs and auth of each request, and the findings with their fixes."""
        core = self._module.instantiate()
        s = plain(self._settings)
        plans = {kind: core.plan(self._settings, f"{kind}-websocket", "0" * 32) for kind in ("stt", "tts")}

        def token_format(auth: tuple[str, Any]) -> str:
            if auth[0] == "subscription-key":
                return "none"
            return "aad" if auth[0] == "bearer" and auth[1].format is not None else "raw"

        return {
            "auth": s.auth,
            "endpoint_kind": s.endpoint.kind,
            "endpoint_host": s.endpoint.host,
            "cloud": s.cloud,
            "region": s.region,
            "resource_id": s.resource_id,
            "language": s.language,
            "voice": s.voice,
            "stt_url": plans["stt"].url,
            "tts_url": plans["tts"].url,
            "token_format": token_format(plans["stt"].auth),
            "tts_token_format": token_format(plans["tts"].auth),
            "stt_auth": plans["stt"].auth[0],
            "tts_auth": plans["tts"].auth[0],
            "credential_source": s.credential,
            "explanation": s.explanation,
            "findings": [vars(f) for f in core.diagnose(self._settings)],
        }

    def _policy(self, pace: float | None = None, max_connection_ms: int | None = None) -> Rec:
        slot = "secondary" if self._credentials.secondary_preferred else "primary"
        return session_policy(secrets.randbits(64), slot, pace, max_connection_ms)

    def recognize(
        self,
        path: str | os.PathLike,
        *,
        mode: str = "conversation",
        language: str = "",
        detailed: bool = False,
        word_timestamps: bool = False,
        phrase_list: list[str] | tuple[str, ...] = (),
        pace: float | None = None,
        max_connection_ms: int | None = None,
    ) -> Iterator[_sessions.Event]:
        """Events of recognizing a WAV file (16-bit mono PCM, 16 or 8 kHz): `hypothesis`,
        `phrase` (each final phrase exactly once, in order), ..., and `finished` last. `pace`:
        times real time (none = as fast as the service acknowledges)."""
        try:
            source = wave.open(str(path), "rb")
        except (OSError, wave.Error, EOFError) as error:
            raise AudioError(f"cannot read {path} as a WAV file: {error}", "pass a RIFF/WAVE file of 16-bit PCM") from None
        with source:
            if source.getsampwidth() != 2 or source.getnchannels() != 1 or source.getframerate() not in (8000, 16000):
                raise AudioError(
                    f"{path} is {source.getnchannels()} channel(s) of {8 * source.getsampwidth()}-bit audio at "
                    f"{source.getframerate()} Hz; recognition takes 16-bit mono PCM at 16 or 8 kHz",
                    f"convert it, e.g. `sox {path} -r 16000 -c 1 -b 16 out.wav`",
                )
            options = Rec(
                mode=mode,
                language=language,
                format="detailed" if detailed else "simple",
                profanity=None,
                word_timestamps=word_timestamps,
                phrase_list=list(phrase_list),
                audio=Rec(sample_rate=source.getframerate(), bits_per_sample=16, channels=1),
                max_unacknowledged_ms=None,
                language_id=None,
            )
            pcm = _WavPcm(source)
            core = self._module.instantiate()
            yield from _sessions.recognize(self, core, pcm, options, self._policy(pace, max_connection_ms))

    def recognize_file(self, path: str | os.PathLike, **options: Any) -> Transcript:
        """The whole transcript of a WAV file (see `recognize` for the options)."""
        transcript = Transcript("")
        for event in self.recognize(path, **options):
            if event.kind == "phrase" and event.value.status == "success":
                transcript.phrases.append(event.value)
            elif event.kind == "finished":
                transcript.summary = event.value
        transcript.text = " ".join(p.text for p in transcript.phrases)
        return transcript

    def synthesize(
        self,
        text: str,
        *,
        ssml: bool = False,
        output_format: str = DEFAULT_OUTPUT_FORMAT,
        voice: str = "",
        language: str = "",
        word_boundaries: bool = False,
        sentence_boundaries: bool = False,
    ) -> Iterator[_sessions.Event]:
        """Events of synthesizing `text` (or SSML): `audio` events (bytes in `.audio`: raw samples
        for `riff-*`/`raw-*` formats), boundaries, `request-restarted` (discard the audio from
        `.value.discard_from` on: the request is sent again), and `finished` last."""
        options = Rec(
            output_format=output_format,
            voice=voice,
            language=language,
            rate=None,
            pitch=None,
            volume=None,
            style=None,
            style_degree=None,
            role=None,
            word_boundaries=word_boundaries,
            sentence_boundaries=sentence_boundaries,
            punctuation_boundaries=False,
            visemes=False,
            bookmarks=False,
        )
        core = self._module.instantiate()
        yield from _sessions.synthesize(self, core, [(ssml, text)], options, self._policy())

    def synthesize_to_file(self, text: str, path: str | os.PathLike, **options: Any) -> Any:
        """Synthesize into a file (a WAV file for `riff-*` formats); returns the summary. A
        request sent again after a dropped connection rewinds the file first."""
        output_format = options.setdefault("output_format", DEFAULT_OUTPUT_FORMAT)
        core = self._module.instantiate()
        riff = core.describe_format(output_format).needs_riff_header
        header_len = len(core.wav_header(output_format, 0)) if riff else 0
        target, partial = Path(path), Path(f"{path}.partial")
        summary, written = None, 0
        try:
            with open(partial, "wb") as out:
                out.write(core.wav_header(output_format, 0) if riff else b"")
                for event in self.synthesize(text, **options):
                    if event.kind == "audio":
                        out.write(event.audio)
                        written += len(event.audio)
                    elif event.kind == "request-restarted" and event.value.discard_from < written:
                        written = event.value.discard_from
                        out.seek(header_len + written)
                        out.truncate()
                    elif event.kind == "finished":
                        summary = event.value
                if riff:
                    out.seek(0)
                    out.write(core.wav_header(output_format, written))
            partial.replace(target)
        finally:
            partial.unlink(missing_ok=True)
        return summary


class _WavPcm:
    """A WAV file's PCM, read in byte counts."""

    def __init__(self, source: wave.Wave_read) -> None:
        self._source = source

    def read(self, n: int) -> bytes:
        return self._source.readframes(n // 2)


def from_env(
    credential: Any = None,
    *,
    environ: Mapping[str, str] | None = None,
    language: str | None = None,
    voice: str | None = None,
) -> Speech:
    """A `Speech` from the same variables as the azspeech CLI (`SPEECH_KEY`, `SPEECH_REGION`,
    `SPEECH_ENDPOINT`, `SPEECH_AUTH`, `SPEECH_RESOURCE_ID`, `SPEECH_LANGUAGE`, ...), resolved by
    the core. `credential`: for Entra ID, any object with `get_token(scope)` /
    `get_token_info(scope)` (azure-identity), or a callable returning a token. Raises
    `ConfigurationError` with the fix when the variables cannot work."""
    flags = {k: v for k, v in (("SPEECH_LANGUAGE", language), ("SPEECH_VOICE", voice)) if v is not None}
    return Speech(dict(os.environ if environ is None else environ), credential, flags)
