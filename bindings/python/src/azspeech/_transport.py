"""Sockets: WebSockets (`websockets`, threads) and the one HTTP POST of the STS exchange.

Like the Rust host: `AZSPEECH_CONNECT_TO=HOST=IP:PORT[,...]` sends requests for HOST to that
address while keeping HOST in the URL, the `Host` header and the TLS server name (curl's
`--connect-to`), and `AZSPEECH_CA_FILE` adds a PEM of CA certificates to the system roots.
Failures are reported in the core's terms (`connect-failure`, `network-error-kind`).
"""

from __future__ import annotations

import http.client
import logging
import socket
import ssl
from dataclasses import dataclass, field
from typing import Mapping
from urllib.parse import urlsplit

from websockets.exceptions import InvalidHandshake, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from .errors import ConfigurationError

CONNECT_TIMEOUT_S = 30
# websockets logs a dropped connection as an "unexpected internal error" with a traceback; the
# drop reaches the core (`handle-closed`), which decides and reports. Raise the level to see them.
SOCKET_LOG = logging.getLogger("azspeech.websocket")
SOCKET_LOG.setLevel(logging.CRITICAL)


@dataclass
class TransportOptions:
    connect_to: dict[str, tuple[str, int]] = field(default_factory=dict)
    ca_file: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> TransportOptions:
        overrides = {}
        for entry in filter(None, (e.strip() for e in environ.get("AZSPEECH_CONNECT_TO", "").split(","))):
            host, _, addr = entry.partition("=")
            ip, _, port = addr.strip().rpartition(":")
            if not host.strip() or not ip or not port.isdigit():
                raise ConfigurationError(
                    f"invalid connect-to override `{entry}`",
                    "expected HOST=IP:PORT, e.g. contoso.cognitiveservices.azure.com=127.0.0.1:8443",
                    variable="AZSPEECH_CONNECT_TO",
                )
            overrides[host.strip().lower()] = (ip.strip("[]"), int(port))
        return cls(overrides, environ.get("AZSPEECH_CA_FILE") or None)

    def tls(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        if self.ca_file:
            context.load_verify_locations(cafile=self.ca_file)
        return context

    def _socket(self, host: str, port: int) -> socket.socket:
        address = self.connect_to.get(host.lower(), (host, port))
        return socket.create_connection(address, timeout=CONNECT_TIMEOUT_S)


class ConnectFailed(Exception):
    """A connection attempt failed; `kind` and `fields` form the core's `connect-failure`."""

    def __init__(self, kind: str, **fields) -> None:
        super().__init__(fields.get("message") or fields.get("body") or kind)
        self.kind, self.fields = kind, fields


def network_kind(error: BaseException) -> str:
    """The core's `network-error-kind` of a transport exception."""
    if isinstance(error, socket.gaierror):
        return "dns"
    if isinstance(error, ConnectionRefusedError):
        return "refused"
    if isinstance(error, (ConnectionResetError, BrokenPipeError)):
        return "reset"
    if isinstance(error, (TimeoutError, socket.timeout)):
        return "timeout"
    if isinstance(error, ssl.SSLError):
        return "tls"
    if isinstance(error, EOFError):
        return "eof"
    return "other"


def open_websocket(
    options: TransportOptions, url: str, headers: list[tuple[str, str]], subprotocol: str | None
) -> ClientConnection:
    parts = urlsplit(url)
    secure = parts.scheme == "wss"
    port = parts.port or (443 if secure else 80)
    try:
        sock = options._socket(parts.hostname or "", port)
        return connect(
            url,
            sock=sock,
            ssl=options.tls() if secure else None,
            server_hostname=parts.hostname if secure else None,
            additional_headers=headers,
            subprotocols=[subprotocol] if subprotocol else None,
            user_agent_header=None,
            compression=None,
            max_size=None,
            proxy=None,
            open_timeout=CONNECT_TIMEOUT_S,
            close_timeout=1,
            logger=SOCKET_LOG,
        )
    except InvalidStatus as error:
        response = error.response
        raise ConnectFailed(
            "rejected",
            status=response.status_code,
            retry_after=response.headers.get("Retry-After"),
            body=response.body.decode("utf-8", "replace")[:2000] if response.body else "",
        ) from None
    except (OSError, InvalidHandshake, EOFError) as error:
        raise ConnectFailed("network", kind=network_kind(error), message=str(error) or type(error).__name__) from None


def post(options: TransportOptions, url: str, headers: dict[str, str]) -> tuple[int, str]:
    """POST an empty form body; (status, body text)."""
    parts = urlsplit(url)
    secure = parts.scheme == "https"
    port = parts.port or (443 if secure else 80)
    host = parts.hostname or ""
    sock = options._socket(host, port)
    if secure:
        sock = options.tls().wrap_socket(sock, server_hostname=host)
    connection_class = http.client.HTTPSConnection if secure else http.client.HTTPConnection
    connection = connection_class(host, port, timeout=CONNECT_TIMEOUT_S)
    connection.sock = sock
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request("POST", target, body=b"", headers={**headers, "Content-Length": "0"})
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()
