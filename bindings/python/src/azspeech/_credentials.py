"""Credentials, filled in at the I/O boundary: the core's auth plan says what a request needs,
this module fetches it (keys from the environment, Entra tokens from the caller's credential,
STS tokens from `issueToken`) and turns it into one header. Keys and tokens never enter the core.
"""

from __future__ import annotations

import inspect
import threading
import time
from dataclasses import dataclass
from typing import Any, Mapping

from ._transport import TransportOptions, post
from .errors import CredentialError

KEY_VARIABLES = {"primary": "SPEECH_KEY", "secondary": "SPEECH_KEY_SECONDARY"}
# Refresh Entra tokens this long before they expire (as the Rust host does).
REFRESH_AHEAD_S = 5 * 60


@dataclass
class _Token:
    value: str
    expires_at: float


def _resolved(value: Any) -> Any:
    """The result of a credential call; an awaitable (azure.identity.aio) is run to completion."""
    if inspect.isawaitable(value):
        import asyncio

        async def wait() -> Any:
            return await value

        return asyncio.run(wait())
    return value


def fetch_entra_token(credential: Any, scope: str) -> _Token:
    """A token from any object with `get_token_info(scope)` / `get_token(scope)` (azure-identity's
    protocols, sync or async) or from a plain callable returning the token string."""
    try:
        if hasattr(credential, "get_token_info"):
            info = _resolved(credential.get_token_info(scope))
            return _Token(info.token, float(getattr(info, "refresh_on", None) or info.expires_on))
        if hasattr(credential, "get_token"):
            token = _resolved(credential.get_token(scope))
            return _Token(token.token, float(token.expires_on) - REFRESH_AHEAD_S)
        if callable(credential):
            return _Token(str(_resolved(credential())), time.time() + 10 * 60 - REFRESH_AHEAD_S)
    except Exception as error:  # the credential's own error, whatever its type
        raise CredentialError(
            f"getting a Microsoft Entra token for {scope} failed: {type(error).__name__}: {error}",
            "check the credential passed to azspeech (managed identity assigned, az login, service principal secret)",
        ) from error
    raise CredentialError(
        f"the credential {type(credential).__name__} has no get_token(scope)",
        "pass an azure-identity credential (e.g. DefaultAzureCredential()) or a callable returning a token",
    )


class Credentials:
    """Hands out the auth header for a connection plan, caching tokens (thread-safe)."""

    def __init__(self, keys: Mapping[str, str], entra: Any, transport: TransportOptions) -> None:
        self._keys = {slot: keys.get(name, "").strip() for slot, name in KEY_VARIABLES.items()}
        self._entra, self._transport = entra, transport
        self._tokens: dict[str, _Token] = {}
        self._lock = threading.Lock()
        self.secondary_preferred = False

    def key(self, slot: str) -> str:
        key = self._keys.get(slot, "")
        if not key:
            variable = KEY_VARIABLES[slot]
            raise CredentialError(
                f"{variable} is not set: the configuration uses key authentication",
                f"set {variable}, or use Entra ID (SPEECH_AUTH=entra and a credential)",
            )
        return key

    def header(self, auth: tuple[str, Any], fresh: bool) -> tuple[str, str]:
        """(header name, value) for the core's `auth-plan`; `fresh` drops the cached token."""
        kind, plan = auth
        if kind == "subscription-key":
            return "Ocp-Apim-Subscription-Key", self.key(plan)
        cache_key = plan.scope if kind == "bearer" else plan.token_url
        with self._lock:
            if fresh:
                self._tokens.pop(cache_key, None)
            token = self._tokens.get(cache_key)
            if token is None or token.expires_at <= time.time():
                token = self.entra_token(plan.scope) if kind == "bearer" else self._sts_token(plan)
                self._tokens[cache_key] = token
        if kind == "sts-exchange":
            return "Authorization", f"Bearer {token.value}"
        # token-format: `raw` has no payload (None), `aad-prefixed` is the resource id itself.
        if plan.format is not None:
            return "Authorization", f"Bearer aad#{plan.format}#{token.value}"
        return "Authorization", f"Bearer {token.value}"

    def entra_token(self, scope: str) -> _Token:
        self.require_entra()
        return fetch_entra_token(self._entra, scope)

    def require_entra(self) -> None:
        """Raises, saying which credential to pass, unless an Entra credential was given."""
        if self._entra is None:
            raise CredentialError(
                "the configuration uses Microsoft Entra ID, but no credential was given",
                "pass credential=... to azspeech.from_env (e.g. azure.identity.ManagedIdentityCredential() or "
                "DefaultAzureCredential(); pip install azspeech[entra]), or set SPEECH_KEY for key authentication",
            )

    def _sts_token(self, plan: Any) -> _Token:
        key = self.key(plan.key)
        try:
            status, body = post(
                self._transport,
                plan.token_url,
                {"Ocp-Apim-Subscription-Key": key, "Content-Type": "application/x-www-form-urlencoded"},
            )
        except OSError as error:
            raise CredentialError(f"exchanging the key for a token at {plan.token_url} failed: {error}") from None
        if status != 200 or not body.strip():
            error = CredentialError(f"exchanging the key for a token at {plan.token_url} failed: HTTP {status}: {body[:200]}")
            error.http_status = status
            raise error
        return _Token(body.strip(), time.time() + plan.max_age_ms / 1000)

