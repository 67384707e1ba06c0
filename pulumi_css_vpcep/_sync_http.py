"""Signed GETs over ``http.client``, one at a time: how a synchronous read gets its project id and first page.

Importing httpx and building its client takes longer than a small read's requests. The standard library
sends the same request: signed by ``signing``, retried as ``attempts`` judges each outcome, through the
TLS contexts of ``tls``, within the read's timeouts. Connections to a host are kept for the next
request of the read, and then for the next read of the process (``IDLE``): a provider process reads
once per resource, one resource after another, and each read would otherwise pay a TCP connect and,
over https, a TLS handshake. A read that a proxy may route never comes here (``settings.proxy_applies``):
httpx applies proxies and ``NO_PROXY``.
"""

from __future__ import annotations

import codecs
import http.client
import json
import select
import ssl
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from ._attempts import REQUEST_HEADERS, Attempts, Outcome, Timeouts
from ._http_errors import NetworkFailure, Redactor, Timeout
from ._settings import Settings
from ._signing import HmacSigner, canonical_query
from ._tls import answers_plain_http, verify_for

__all__ = ["IDLE", "IdleConnections", "PlainAnswer", "SyncHttp", "probe_timeout"]

_Place = tuple[str, str, int | None]
"""Where a connection goes: scheme, host and port."""
_Kept = tuple[str, str, int | None, ssl.SSLContext | None]
"""A kept connection's place and the TLS context that verified it: a read with other TLS settings never gets it."""


def probe_timeout(connect: float | None) -> float:
    """How long the plain-HTTP probe after a failed TLS handshake may take."""
    return min(connect or 10.0, 2.0)


class PlainAnswer:
    """An answer read by ``http.client``, as ``http_errors`` reads answers (as an ``httpx.Response`` would be)."""

    def __init__(self, status_code: int, headers: http.client.HTTPMessage, content: bytes) -> None:
        self.status_code = status_code
        self.headers = headers
        self.content = content

    @property
    def reason_phrase(self) -> str:
        """The standard phrase of the status (not the server's own words), as httpx gives it."""
        try:
            return HTTPStatus(self.status_code).phrase
        except ValueError:
            return ""

    @property
    def text(self) -> str:
        charset = self.headers.get_content_charset() or "utf-8"
        try:
            codecs.lookup(charset)
        except LookupError:
            charset = "utf-8"
        return self.content.decode(charset, errors="replace")

    def json(self) -> Any:
        return json.loads(self.content)


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
"""The connections this process keeps between synchronous reads."""


class SyncHttp:
    """Sends the signed GETs of one synchronous read, with its retries and deadline; ``close()`` when done.

    Raises ``ConfigurationError`` when ``SSL_CERT_FILE`` names no usable CA bundle, before anything is sent.
    """

    def __init__(self, settings: Settings, timeouts: Timeouts, deadline: float) -> None:
        self._retry = settings.retry
        self._timeouts = timeouts
        self._deadline = deadline
        self._signer = HmacSigner(settings.credentials)
        self._redact = Redactor.of(settings.credentials)
        self._context = verify_for(settings)
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

    def get_json(
        self, url: str, query: Iterable[tuple[str, str]], headers: Mapping[str, str], subject: str | None = None
    ) -> dict[str, Any]:
        """GET a JSON object, retrying what is worth retrying; raise the project's error (about ``subject``)
        otherwise."""
        attempts = Attempts(f"{url}?{canonical_query(query)}", self._retry, self._deadline, self._redact,
                            subject=subject)
        while True:
            started = time.monotonic()
            outcome = self._send(attempts.url, headers, attempts.timeouts(self._timeouts))
            plain_http = attempts.needs_probe(outcome) and answers_plain_http(
                attempts.target, probe_timeout(attempts.timeouts(self._timeouts).connect)
            )
            verdict = attempts.judge(outcome, started, plain_http)
            if isinstance(verdict, dict):
                return verdict
            time.sleep(verdict)

    def _connection(self, scheme: str, host: str, port: int | None) -> http.client.HTTPConnection:
        key = (scheme, host, port)
        connection = self._open.get(key) or IDLE.take((scheme, host, port, self._context))
        if connection is None:
            if scheme == "https":
                connection = http.client.HTTPSConnection(host, port, context=self._context)
            else:
                connection = http.client.HTTPConnection(host, port)
        self._open[key] = connection
        return connection

    def _drop(self, key: _Place) -> None:
        connection = self._open.pop(key, None)
        if connection is not None:
            connection.close()

    def _send(self, url: str, headers: Mapping[str, str], timeouts: Timeouts) -> Outcome:
        """One attempt within ``timeouts``: the answer, or the failure, worded as httpx words the same failure."""
        parts = urlsplit(url)
        scheme, host, port = parts.scheme, parts.hostname or "", parts.port
        key = (scheme, host, port)
        connection = self._connection(*key)
        self._settled.discard(key)
        try:
            if connection.sock is None:
                connection.timeout = timeouts.connect  # the TCP connection and the TLS handshake
                connection.connect()
        except TimeoutError as exc:
            self._drop(key)
            return NetworkFailure(exc, timeout=Timeout.CONNECT)
        except OSError as exc:
            self._drop(key)
            return NetworkFailure(exc)
        try:
            connection.sock.settimeout(timeouts.read)
            sent = {"host": _host_header(scheme, host, port)}
            sent |= {name.lower(): value for name, value in {**REQUEST_HEADERS, **headers}.items()}
            sent |= self._signer.headers_for("GET", parts.path, parts.query, sent)
            connection.request("GET", f"{parts.path}?{parts.query}", headers=sent)
            response = connection.getresponse()
            content = response.read()
        except TimeoutError as exc:
            self._drop(key)
            return NetworkFailure(exc, timeout=Timeout.READ)
        except ValueError as exc:  # a header or URL that http.client refuses to send
            self._drop(key)
            return NetworkFailure(exc, unsendable=True)
        except (OSError, http.client.HTTPException) as exc:
            self._drop(key)
            return NetworkFailure(exc, detail=_detail(exc))
        if response.will_close:
            self._drop(key)
        else:
            self._settled.add(key)
        return PlainAnswer(response.status, response.headers, content)


def _host_header(scheme: str, host: str, port: int | None) -> str:
    """``Host`` as httpx sends it: the host, bracketed if IPv6, with its port unless the scheme's default."""
    shown = f"[{host}]" if ":" in host else host
    default = 443 if scheme == "https" else 80
    return shown if port is None or port == default else f"{shown}:{port}"


def _detail(exc: BaseException) -> str | None:
    """httpx's words for a connection the server ended early; any other failure keeps its own text."""
    if isinstance(exc, http.client.RemoteDisconnected):
        return "Server disconnected without sending a response."
    if isinstance(exc, http.client.IncompleteRead):
        if exc.expected is None:
            return "peer closed connection without sending complete message body: incomplete chunked read"
        received = len(exc.partial)
        return (
            "peer closed connection without sending complete message body "
            f"(received {received} bytes, expected {received + exc.expected})"
        )
    return None
