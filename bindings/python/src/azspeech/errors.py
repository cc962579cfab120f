"""Typed exceptions. Each carries the core's classification and its fix text.

| exception | when | what to do |
|---|---|---|
| `ConfigurationError` | the settings cannot work (`config-error`), or the service said the request's form is wrong | fix the variable named in `variable` / `fix` |
| `AuthenticationError` | 401: the key or token was refused | check the key / token form (`fix`) |
| `ForbiddenError` | 403: authenticated but not allowed | role assignment, network rules |
| `ThrottledError` | 429 / 4429 | retry after `retry_after_ms` |
| `TransientError` | dropped connections the session could not outlast | retry later |
| `BadRequestError` | bad SSML, bad audio | fix the input |
| `ProtocolError` | the peer broke the protocol | report it |
| `NotImplementedInCoreError` | the core does not do this yet | - |
| `CredentialError` | no credential could be obtained (no key, a token source failed) | see `fix` |
| `AudioError` | the input file is not usable audio | convert it |
"""

from __future__ import annotations

from typing import Any, NoReturn


class SpeechError(Exception):
    """Base class: `kind` (the core's kebab-case name), `message`, `fix`."""

    kind = "speech-error"

    def __init__(
        self,
        message: str,
        fix: str = "",
        *,
        http_status: int | None = None,
        close_code: int | None = None,
        attempts: int = 0,
        tried: list[str] | None = None,
    ) -> None:
        self.message, self.fix = message, fix
        self.http_status, self.close_code = http_status, close_code
        self.attempts, self.tried = attempts, list(tried or [])
        super().__init__(self._text())

    def _text(self) -> str:
        text = f"{self.kind}: {self.message}"
        if self.fix:
            text += f"\n  likely cause and fix: {self.fix}"
        if self.tried:
            text += f"\n  tried {self.attempts} connection attempt(s):" + "".join(f"\n    {t}" for t in self.tried)
        return text


class ConfigurationError(SpeechError):
    kind = "configuration"

    def __init__(self, message: str, fix: str = "", *, code: str = "", variable: str | None = None, **kw: Any) -> None:
        self.code, self.variable = code, variable
        super().__init__(message, fix, **kw)

    @classmethod
    def from_config_error(cls, error: Any) -> ConfigurationError:
        return cls(error.message, error.fix, code=error.code, variable=error.variable)


class AuthenticationError(SpeechError):
    kind = "authentication"


class ForbiddenError(SpeechError):
    kind = "forbidden"


class ThrottledError(SpeechError):
    kind = "throttled"

    def __init__(self, message: str, fix: str = "", *, retry_after_ms: int | None = None, **kw: Any) -> None:
        self.retry_after_ms = retry_after_ms
        super().__init__(message, fix, **kw)


class TransientError(SpeechError):
    kind = "transient"


class BadRequestError(SpeechError):
    kind = "bad-request"


class ProtocolError(SpeechError):
    kind = "protocol"


class NotImplementedInCoreError(SpeechError):
    kind = "not-implemented"


class CredentialError(SpeechError):
    kind = "credential"


class AudioError(SpeechError):
    kind = "audio"


_BY_KIND = {
    cls.kind: cls
    for cls in (
        ConfigurationError,
        AuthenticationError,
        ForbiddenError,
        ThrottledError,
        TransientError,
        BadRequestError,
        ProtocolError,
        NotImplementedInCoreError,
    )
}


def speech_error(error: tuple[str, Any], attempts: int = 0, tried: list[str] | None = None) -> SpeechError:
    """The exception for a core `speech-error` (as `plain` gives it: `(kind, detail)`)."""
    kind, detail = error
    extra: dict[str, Any] = {}
    if kind == "throttled":
        extra["retry_after_ms"] = detail.retry_after_ms
        detail = detail.detail
    return _BY_KIND[kind](
        detail.message,
        detail.hint,
        http_status=detail.http_status,
        close_code=detail.close_code,
        attempts=attempts,
        tried=tried,
        **extra,
    )


def raise_speech_error(error: tuple[str, Any]) -> NoReturn:
    raise speech_error(error)


def session_failed(failure: Any) -> SpeechError:
    """The exception for a core `session-failure`."""
    return speech_error(failure.error, failure.attempts, failure.tried)
