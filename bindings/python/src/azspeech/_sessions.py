"""The pumps: the core's `recognizer` and `synthesizer`, driven over a WebSocket.

Exactly like the Rust host's pumps (host/src/speech/): open the connection `poll-connect` asks
for (with the credential its auth plan names), send what `poll-transmit` yields, feed back every
message, close and failure (`handle-*`, with `now` in ms), wake at `poll-timeout`, hand
`poll-event`s to the caller. Reconnects, replay, backoff, pacing and key failover are the
core's. Audio stays here: recognition audio frames name `[start, end)` of the driver's buffer;
synthesis passes only each binary frame's header block in and gets back the audio's range.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, BinaryIO, Callable, Iterator

from websockets.exceptions import ConnectionClosed

from ._core import Core, Session, close_info, connect_failure, plain
from ._transport import ConnectFailed, network_kind, open_websocket
from .errors import CredentialError, session_failed

LOG = logging.getLogger("azspeech")
# PCM bytes read from the source at a time: 100 ms at 16 kHz, as the official SDK sends.
CHUNK_BYTES = 3200


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class Event:
    """One event of a session: `kind` is the core's WIT case name (`phrase`, `hypothesis`,
    `word-boundary`, `audio`, `finished`, ...), `value` its payload with snake_case attributes.
    Synthesis `audio` events carry the bytes in `audio`."""

    kind: str
    value: Any = None
    audio: bytes | None = None


class Link:
    """One session's connection: opening it, sending the core's transmits, receiving."""

    def __init__(self, session: Session, speech: Any) -> None:
        self.session, self.speech, self.socket = session, speech, None

    def connect_if_asked(self) -> bool:
        request = self.session.call("poll-connect", now_ms())
        if request is None:
            return False
        request = plain(request)
        try:
            name, value = self.speech._credentials.header(request.plan.auth, request.fresh_credential)
            self.socket = open_websocket(
                self.speech._transport,
                request.plan.url,
                [*request.plan.headers, (name, value)],
                request.plan.subprotocol,
            )
        except CredentialError as error:
            failure = connect_failure("credential", message=error.message, http_status=error.http_status)
            self.session.call("handle-connect-failed", now_ms(), failure)
        except ConnectFailed as failed:
            self.session.call("handle-connect-failed", now_ms(), connect_failure(failed.kind, **failed.fields))
        else:
            self.session.call("handle-connected", now_ms())
        return True

    def send_transmits(self, now: int, audio: Callable[[int, int], bytes] | None = None) -> None:
        while (transmit := self.session.call("poll-transmit", now)) is not None:
            if self.socket is None:
                break
            kind, payload = transmit.tag, transmit.payload
            if kind == "close":
                self._drop(payload.code, payload.reason)
                continue
            message = payload if kind == "message" else bytes(payload.header) + audio(payload.start, payload.end)
            try:
                self.socket.send(message)
            except (ConnectionClosed, OSError) as error:
                self.ended(error)
                break

    def _drop(self, code: int, reason: str) -> None:
        socket, self.socket = self.socket, None
        try:
            socket.close(code, reason)
        except (ConnectionClosed, OSError):
            pass

    def receive(self, timeout: float | None) -> str | bytes | None:
        """The next message within `timeout` seconds (0: only one already here); None if none.
        A connection that ended is reported to the core here."""
        try:
            return self.socket.recv(timeout=timeout)
        except TimeoutError:
            return None
        except ConnectionClosed as error:
            self.ended(error)
            return None

    def ended(self, error: ConnectionClosed | OSError) -> None:
        """Report the end of the open connection: the peer's close frame, or a broken transport."""
        self.socket = None
        if isinstance(error, ConnectionClosed) and error.rcvd is not None:
            info = close_info(error.rcvd.code, error.rcvd.reason)
        else:
            cause = error.__cause__ if isinstance(error, ConnectionClosed) else error
            info = close_info(broken=(network_kind(cause) if cause else "eof", str(cause or error)))
        self.session.call("handle-closed", now_ms(), info)

    def notice(self, notice: tuple[str, Any]) -> None:
        kind, detail = notice
        if kind == "key-failover" and detail == "secondary":
            self.speech._credentials.secondary_preferred = True
            LOG.warning("SPEECH_KEY was refused (401) and SPEECH_KEY_SECONDARY was accepted: using the secondary key")
        elif kind == "reconnecting":
            LOG.info("connection lost (%s); reconnecting in %d ms (attempt %d)", detail.cause, detail.delay_ms, detail.attempt)
        else:
            LOG.debug("session notice: %s %s", kind, detail)

    def events(self, on_audio: Callable[[Event], None] | None = None) -> Iterator[Event]:
        """The core's events; raises on `failed`, logs notices, ends after `finished`."""
        while (event := self.session.call("poll-event")) is not None:
            kind, payload = event.tag, plain(event.payload)
            if kind == "failed":
                raise session_failed(payload)
            if kind == "notice":
                self.notice(payload)
                continue
            yield Event(kind, payload)

    def close(self) -> None:
        if self.socket is not None:
            self._drop(1000, "")
        self.session.close()


def _wait_s(deadline: int | None, now: int) -> float | None:
    return None if deadline is None else max(0, deadline - now) / 1000


def recognize(speech: Any, core: Core, pcm: BinaryIO, options: Any, policy: Any) -> Iterator[Event]:
    """Recognize PCM read from `pcm` (16-bit mono at `options.audio.sample_rate`)."""
    session = Session(core, "recognition", "recognizer", speech._settings, options, policy)
    link = Link(session, speech)
    ring, base = bytearray(), 0  # audio the service has not finished with; `base` = offset of ring[0]
    pending, source_done, heard = b"", False, False

    def audio(start: int, end: int) -> bytes:
        if start < base or end - base > len(ring):
            raise RuntimeError(f"internal error: audio [{start}, {end}) is no longer buffered")
        return bytes(ring[start - base : end - base])

    def push(now: int) -> bool:
        """Offer the pending chunk; `True` if the core took it (else: backpressure, keep it)."""
        nonlocal ring, pending
        if session.call("push-audio", now, len(pending)) is not None:
            return False
        ring += pending
        pending = b""
        return True

    try:
        while True:
            now = now_ms()
            if link.socket is None and link.connect_if_asked():
                continue
            link.send_transmits(now, audio)
            for event in link.events():
                yield event
                if event.kind == "finished":
                    return
            if heard:
                heard, acknowledged = False, session.call("acknowledged-bytes")
                released = max(0, min(acknowledged - base, len(ring)))
                del ring[:released]
                base += released
            if pending and push(now):
                continue
            deadline = session.call("poll-timeout")
            may_read = not source_done and not pending
            if link.socket is not None:
                message = link.receive(0 if may_read else _wait_s(deadline, now))
                if message is not None:
                    session.call("handle-message", now_ms(), message)
                    heard = True
                    continue
                if link.socket is None:
                    continue
            elif not may_read:
                time.sleep(_wait_s(deadline, now) or 0)
            if may_read:
                pending = pcm.read(CHUNK_BYTES)
                if not pending:
                    source_done = True
                    session.call("end-audio", now_ms())
                else:
                    # Offered at once rather than after another round of empty polls: each call
                    # into the core costs 0.1-0.8 ms of CPU in wasmtime-py (BENCHMARKS.md).
                    push(now_ms())
                continue
            if deadline is not None and now_ms() >= deadline:
                session.call("handle-timeout", now_ms())
    finally:
        link.close()


def synthesize(speech: Any, core: Core, inputs: list[tuple[bool, str]], options: Any, policy: Any) -> Iterator[Event]:
    """Synthesize `inputs` ((is_ssml, text) pairs); audio comes out in `audio` events."""
    session = Session(core, "synthesis", "synthesizer", speech._settings, options, policy)
    link = Link(session, speech)
    try:
        for is_ssml, text in inputs:
            result = session.call("speak-ssml" if is_ssml else "speak-text", text)
            if not isinstance(result, int):
                from .errors import raise_speech_error

                raise_speech_error(plain(result))
        session.call("end-input", now_ms())
        frame = b""  # the binary frame whose head went in last: audio events name ranges of it
        while True:
            now = now_ms()
            if link.connect_if_asked():
                continue
            link.send_transmits(now)
            for event in link.events():
                if event.kind == "audio":
                    event.audio = frame[event.value.start : event.value.start + event.value.len]
                yield event
                if event.kind == "finished":
                    return
            frame = b""
            deadline = session.call("poll-timeout")
            if link.socket is None:
                time.sleep(_wait_s(deadline, now) or 0)
            else:
                message = link.receive(_wait_s(deadline, now))
                if isinstance(message, bytes):
                    head_len = 2 + int.from_bytes(message[:2], "big") if len(message) >= 2 else len(message)
                    session.call("handle-binary-head", now_ms(), message[:head_len], len(message))
                    frame = message
                    continue
                if message is not None:
                    session.call("handle-message", now_ms(), message)
                    continue
            if deadline is not None and now_ms() >= deadline:
                session.call("handle-timeout", now_ms())
    finally:
        link.close()
