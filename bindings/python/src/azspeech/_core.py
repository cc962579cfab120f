"""The azspeech core component through wasmtime-py, behind a small typed layer.

wasmtime-py maps WIT values dynamically: records go in as objects with kebab-case attributes and
come out as `Record`s; a variant is a `Variant(tag, payload)` only when its cases' Python types
overlap. This module is the one place that knows those shapes; the rest of the package sees
plain values (`Value` namespaces with snake_case attributes, `(tag, payload)` pairs).

Compiling the component takes about a second, so the compiled artifact is cached per sha256 of
the wasm and wasmtime version (recompiled if the cache is unreadable).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.resources
import logging
import os
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import wasmtime
from wasmtime.component import Component, Linker, Record, Variant

from .errors import ConfigurationError

LOG = logging.getLogger("azspeech.core")
_LEVELS = {"error": logging.ERROR, "warn": logging.WARNING, "debug": logging.DEBUG}
_PACKAGE = "azspeech:core"
_VERSION = "0.1.0"


class Rec:
    """A record to pass in: keyword arguments in snake_case, read by wasmtime as kebab-case."""

    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__[name.replace("-", "_")]
        except KeyError:
            raise AttributeError(name) from None


class Value(SimpleNamespace):
    """A record that came out of the core, with snake_case attributes."""


def plain(value: Any) -> Any:
    """A core output as plain Python: records become `Value`s, variants `(tag, payload)`."""
    if isinstance(value, Record):
        return Value(**{name.replace("-", "_"): plain(v) for name, v in vars(value).items()})
    if isinstance(value, Variant):
        return (value.tag, plain(value.payload))
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, tuple):
        return tuple(plain(v) for v in value)
    return value


def case(value: Any) -> tuple[str, Any]:
    """The (tag, raw payload) of a tagged variant output."""
    if not isinstance(value, Variant):
        raise TypeError(f"the core returned {value!r} where a tagged variant was expected")
    return value.tag, value.payload


def _wasm_bytes() -> bytes:
    return importlib.resources.files(__package__).joinpath("azspeech_core.wasm").read_bytes()


def _cache_dir() -> Path:
    base = os.environ.get("AZSPEECH_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "azspeech"
    )
    return Path(base)


class CoreModule:
    """The compiled component; one per process serves every session."""

    _shared: CoreModule | None = None
    _lock = threading.Lock()

    def __init__(self) -> None:
        self.engine = wasmtime.Engine()
        wasm = _wasm_bytes()
        self.component = self._load(wasm)
        self.linker = Linker(self.engine)
        with self.linker.root() as root, root.add_instance(f"{_PACKAGE}/diagnostics@{_VERSION}") as diagnostics:
            diagnostics.add_func("log", lambda _store, level, message: LOG.log(_LEVELS.get(level, logging.INFO), message))

    def _load(self, wasm: bytes) -> Component:
        version = importlib.metadata.version("wasmtime")
        cached = _cache_dir() / f"core-{hashlib.sha256(wasm).hexdigest()[:16]}-wasmtime-{version}.cwasm"
        if cached.is_file():
            try:
                return Component.deserialize_file(self.engine, str(cached))
            except wasmtime.WasmtimeError:
                LOG.debug("recompiling the core: the cached artifact is unusable")
        component = Component(self.engine, wasm)
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            partial = cached.with_suffix(f".{os.getpid()}.tmp")
            partial.write_bytes(component.serialize())
            partial.replace(cached)
        except OSError as error:
            LOG.debug("cannot cache the compiled core: %s", error)
        return component

    @classmethod
    def shared(cls) -> CoreModule:
        with cls._lock:
            if cls._shared is None:
                cls._shared = cls()
            return cls._shared

    def instantiate(self) -> Core:
        return Core(self)


class Core:
    """One instance of the component (a store); use one per thread."""

    def __init__(self, module: CoreModule) -> None:
        self.store = wasmtime.Store(module.engine)
        self.instance = module.linker.instantiate(self.store, module.component)
        self._funcs: dict[tuple[str, str], Any] = {}

    def call(self, interface: str, name: str, *args: Any) -> Any:
        func = self._funcs.get((interface, name))
        if func is None:
            index = self.instance.get_export_index(self.store, f"{_PACKAGE}/{interface}@{_VERSION}")
            func = self.instance.get_func(self.store, self.instance.get_export_index(self.store, name, index))
            self._funcs[(interface, name)] = func
        return func(self.store, *args)

    def secret_names(self) -> list[str]:
        return self.call("config", "secret-names")

    def resolve(self, settings: list[tuple[str, str | bool, str]]) -> Record:
        """`settings`: (name, text or secret-present flag, "environment" | "flag")."""
        result = self.call("config", "resolve", [Rec(name=n, value=v, source=s) for n, v, s in settings])
        tag, payload = case(result)
        if tag == "err":
            raise ConfigurationError.from_config_error(plain(payload))
        return payload

    def diagnose(self, settings: Record) -> list[Value]:
        return plain(self.call("config", "diagnose", settings))

    def plan(self, settings: Record, kind: str, connection_id: str) -> Value:
        result = self.call("connection", "plan", settings, kind, Rec(connection_id=connection_id))
        tag, payload = case(result)
        if tag == "err":
            raise ConfigurationError.from_config_error(plain(payload))
        return plain(payload)

    def wav_header(self, format_name: str, data_len: int) -> bytes:
        result = self.call("synthesis", "wav-header", format_name, data_len)
        if isinstance(result, bytes):
            return result
        from .errors import raise_speech_error

        raise_speech_error(plain(result))

    def describe_format(self, name: str) -> Value:
        result = self.call("synthesis", "describe-format", name)
        if isinstance(result, Record):
            return plain(result)
        from .errors import raise_speech_error

        raise_speech_error(plain(result))


class Session:
    """A `recognizer` or `synthesizer` resource: `session.call("poll-event")` calls its method."""

    def __init__(self, core: Core, interface: str, resource: str, *args: Any) -> None:
        self.core, self.interface, self.resource = core, interface, resource
        self.handle = core.call(interface, f"[constructor]{resource}", *args)

    def call(self, method: str, *args: Any) -> Any:
        return self.core.call(self.interface, f"[method]{self.resource}.{method}", self.handle, *args)

    def close(self) -> None:
        self.handle.drop(self.core.store)


def session_policy(seed: int, key_slot: str, pace: float | None, max_connection_ms: int | None) -> Rec:
    """The core's `session-policy` (`pace` none = as fast as the service acknowledges)."""
    return Rec(
        seed=seed,
        max_attempts=None,
        backoff_initial_ms=None,
        backoff_max_ms=None,
        max_connection_ms=max_connection_ms,
        idle_ms=None,
        response_timeout_ms=None,
        pace=pace,  # `max` (no payload) is None; `factor(f64)` is the float itself
        key_slot=key_slot,
    )


def connect_failure(kind: str, **fields: Any) -> Variant:
    """A `connect-failure` case: rejected(status, retry_after, body), credential(message,
    http_status) or network(kind, message)."""
    return Variant(kind, Rec(**fields))


def close_info(code: int | None = None, reason: str = "", broken: tuple[str, str] | None = None) -> Variant:
    """A `close-info`: a close frame, or a broken transport (network-error-kind, message)."""
    if broken is not None:
        return Variant("broken", Rec(kind=broken[0], message=broken[1]))
    return Variant("frame", Rec(code=1005 if code is None else code, reason=reason))
