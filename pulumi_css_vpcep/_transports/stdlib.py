"""Signed GETs over ``http.client``, one at a time, with connections kept between the reads of a process.

Importing httpx and building its client takes longer than a small read's requests, so a read's project
id and first page go this way. Connections to a host are kept for the next request of the read, and
then for the next read of the process (``IDLE``): a provider process reads once per resource, one
resource after another, and each read would otherwise pay a TCP connect and, over https, a TLS handshake.
A connection that the server ends early is worded as httpx words it; other failures keep the words of
``http.client`` and the operating system.
"""

from __future__ import annotations

import contextlib
import http.client
import select
import socket
import ssl
import threading
from collections import OrderedDict
from collections.abc import Mapping
from urllib.parse import urlsplit

from .._http_errors import Answer, NetworkFailure, Timeout
from . import Timeouts

_Place = tuple[str, str, int | None]
"""Where a connection goes: scheme, host and port."""
_Kept = tuple[str, str, int | None, ssl.SSLContext | None]
"""A kept connection's place and the TLS context that verified it: a read with other TLS settings never gets it."""


class IdleConnections:
    """Connections that finished reads left open, for the next read of this process to the same place.

    A connection is kept only when every answer on it was read whole and the server did not ask to close
    it. It is handed out again only while its socket is quiet: a server that closed an idle connection
    makes it readable, and it is closed instead. At most ``limit`` are kept, the longest idle closed
    first. They hold no credential (each request is signed on its own) and last no longer than the
    process. Thread-safe: a provider host reads from several threads.
    """

    def __init__(self, limit: int = 8) -> None:
        self._limit = limit
        self._lock = threading.Lock()
        self._idle: OrderedDict[int, tuple[_Kept, http.client.HTTPConnection]] = OrderedDict()

    def take(self, kept: _Kept) -> http.client.HTTPConnection | None:
        """An open connection kept for ``kept``, or ``None``; the ones found closed are closed here."""
        while True:
            with self._lock:
                found = next((key for key, (place, _) in self._idle.items() if place == kept), None)
                if found is None:
                    return None
                _, connection = self._idle.pop(found)
            if _quiet(connection):
                return connection
            connection.close()

    def keep(self, kept: _Kept, connection: http.client.HTTPConnection) -> None:
        """Keep ``connection`` for the next read to ``kept``; the longest idle is closed if too many are kept."""
        with self._lock:
            self._idle[id(connection)] = (kept, connection)
            evicted = [self._idle.popitem(last=False)[1][1] for _ in range(len(self._idle) - self._limit)]
        for connection_ in evicted:
            connection_.close()

    def close(self) -> None:
        """Close every kept connection."""
        with self._lock:
            kept, self._idle = self._idle, OrderedDict()
        for _, connection in kept.values():
            connection.close()

    def __len__(self) -> int:
        with self._lock:
            return len(self._idle)


def _quiet(connection: http.client.HTTPConnection) -> bool:
    """The connection is open and nothing waits on it: an idle connection the server closed reads as
    ready (at its end), as does one with stray bytes that would spoil the next answer."""
    if connection.sock is None:
        return False
    try:
        ready, _, _ = select.select([connection.sock], [], [], 0)
    except (OSError, ValueError):
        return False
    return not ready


IDLE = IdleConnections()
"""The connections this process keeps between reads."""


class StdlibTransport:
    """Sends the GETs of one read over ``http.client`` (``context``: its TLS); ``close()`` when the read ends."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self._context = context
        self._open: dict[_Place, http.client.HTTPConnection] = {}
        self._settled: set[_Place] = set()
        """The places whose connection's last exchange ended with its answer read whole."""

    def close(self) -> None:
        """End the read: the connections whose last exchange ended cleanly are kept for the next read
        (``IDLE``); any other (one interrupted mid-answer would hand the next read a stale answer) is closed."""
        for (scheme, host, port), connection in self._open.items():
            if (scheme, host, port) in self._settled and connection.sock is not None:
                IDLE.keep((scheme, host, port, self._context), connection)
            else:
                connection.close()
        self._open.clear()
        self._settled.clear()

    def abort(self) -> None:
        """Stop the exchange in flight (from another thread: the read was cancelled); nothing is kept."""
        self._settled.clear()
        for connection in list(self._open.values()):
            if connection.sock is not None:
                with contextlib.suppress(OSError):
                    connection.sock.shutdown(socket.SHUT_RDWR)

    def _connection(self, place: _Place) -> http.client.HTTPConnection:
        connection = self._open.get(place) or IDLE.take((*place, self._context))
        if connection is None:
            scheme, host, port = place
            if scheme == "https":
                connection = http.client.HTTPSConnection(host, port, context=self._context)
            else:
                connection = http.client.HTTPConnection(host, port)
        self._open[place] = connection
        return connection

    def _drop(self, place: _Place) -> None:
        connection = self._open.pop(place, None)
        if connection is not None:
            connection.close()

    def send(self, url: str, headers: Mapping[str, str], timeouts: Timeouts) -> Answer | NetworkFailure:
        """One GET of ``url`` with ``headers`` (``host`` among them), within ``timeouts``."""
        parts = urlsplit(url)
        place = (parts.scheme, parts.hostname or "", parts.port)
        connection = self._connection(place)
        self._settled.discard(place)
        connecting = connection.sock is None
        try:
            if connecting:
                connection.timeout = timeouts.connect  # the TCP connection and the TLS handshake
                connection.connect()
            connecting = False
            connection.sock.settimeout(timeouts.read)
            connection.request("GET", f"{parts.path}?{parts.query}" if parts.query else parts.path, headers=headers)
            response = connection.getresponse()
            content = response.read()
        except (OSError, ValueError, http.client.HTTPException) as exc:
            self._drop(place)
            return _failure(exc, connecting)
        if response.will_close:
            self._drop(place)
        else:
            self._settled.add(place)
        return Answer(response.status, {name.lower(): value for name, value in response.headers.items()}, content)


def _failure(exc: BaseException, connecting: bool) -> NetworkFailure:
    """What a failed exchange was; one the server ended early in httpx's words, any other in its own."""
    if isinstance(exc, TimeoutError):
        return NetworkFailure(exc, timeout=Timeout.CONNECT if connecting else Timeout.READ)
    if isinstance(exc, ValueError):  # a header or URL that http.client refuses to send
        return NetworkFailure(exc, unsendable=True)
    if isinstance(exc, http.client.RemoteDisconnected):
        return NetworkFailure(exc, detail="Server disconnected without sending a response.")
    if isinstance(exc, http.client.IncompleteRead):
        if exc.expected is None:
            return NetworkFailure(
                exc, detail="peer closed connection without sending complete message body: incomplete chunked read"
            )
        received = len(exc.partial)
        return NetworkFailure(exc, detail="peer closed connection without sending complete message body "
                              f"(received {received} bytes, expected {received + exc.expected})")
    return NetworkFailure(exc)
