"""Signed GETs through httpx, over connections that many reads may share: the one transport of every read.

An asynchronous read sends through a ``ConnectionPool``: its caller's, or one of its own. The plugin's
process keeps one pool, so that its reads reuse open TCP and TLS connections::

    async with ConnectionPool() as pool:
        for cluster_id in clusters:
            await aread_vpcep_connections(cluster_id, pool=pool)

A synchronous read sends through ``KEPT``, this process's ``httpx.Client`` per TLS and proxy setting: a
dynamic provider host reads once per resource, one resource after another, and each read would otherwise
pay a TCP connect and, over https, a TLS handshake. Neither holds a credential: every request is signed
with the credentials of its own read, and every read keeps its own timeouts and retry rules. httpx
applies ``HTTP(S)_PROXY`` and ``NO_PROXY`` only to a read that may leave this machine
(``trusts_environment``).
"""

from __future__ import annotations

import ssl
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Self

import httpx

from .._http_errors import Answer, NetworkFailure, Timeout
from .._settings import Settings, trusts_environment
from .._tls import verify_for
from . import Timeouts

if TYPE_CHECKING:
    import asyncio

DEFAULT_POOL_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=30.0)
"""Room for several reads at once (each fetches up to 10 pages together); idle connections kept 30 s."""

Send = Callable[[str, Mapping[str, str], Timeouts], Awaitable[Answer | NetworkFailure]]
"""One GET of a URL with its headers, within its timeouts: the answer, or the network's failure."""
SyncSend = Callable[[str, Mapping[str, str], Timeouts], Answer | NetworkFailure]
"""``Send`` for synchronous code."""

_TIMEOUTS: dict[type[httpx.TimeoutException], Timeout] = {
    httpx.ConnectTimeout: Timeout.CONNECT,
    httpx.WriteTimeout: Timeout.WRITE,
    httpx.ReadTimeout: Timeout.READ,
    httpx.PoolTimeout: Timeout.POOL,
}


def _failure(exc: httpx.TransportError) -> NetworkFailure:
    if isinstance(exc, httpx.TimeoutException):
        return NetworkFailure(exc, timeout=_TIMEOUTS.get(type(exc), Timeout.READ))
    return NetworkFailure(exc, unsendable=isinstance(exc, httpx.LocalProtocolError))


def _timeout(timeouts: Timeouts) -> httpx.Timeout:
    connect, read = timeouts
    return httpx.Timeout(connect=connect, read=read, write=read, pool=read)


def _answer(response: httpx.Response) -> Answer:
    return Answer(response.status_code, {k.lower(): v for k, v in response.headers.items()}, response.content)


def _client_key(settings: Settings) -> tuple[ssl.SSLContext, bool]:
    """The TLS context and the proxy setting of a read: reads that share them share a client."""
    # HTTP(S)_PROXY applies to the cloud; never send this machine's own service through a proxy.
    return verify_for(settings), trusts_environment(settings)


class ConnectionPool:
    """Open connections to the CSS and IAM endpoints, kept across reads until ``aclose()``.

    It keeps one HTTP client per TLS and proxy setting, each holding its connections per endpoint. The
    caller owns it: use it as an async context manager or call ``aclose()``. A pool serves the event
    loop that first reads through it. ``transport`` replaces the network (tests).
    """

    def __init__(
        self,
        *,
        limits: httpx.Limits = DEFAULT_POOL_LIMITS,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._limits = limits
        self._transport = transport
        self._clients: dict[tuple[object, bool], httpx.AsyncClient] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False

    def __repr__(self) -> str:
        return f"ConnectionPool({len(self._clients)} client(s){', closed' if self._closed else ''})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    def sender(self, settings: Settings) -> Send:
        """How a read with ``settings`` sends: through the client for its TLS and proxy settings.

        Raises ``ConfigurationError`` when ``SSL_CERT_FILE`` names no usable CA bundle, and
        ``RuntimeError`` when the pool is closed or used from a second event loop.
        """
        if self._closed:
            raise RuntimeError("this ConnectionPool is closed")
        self._check_loop()
        key = _client_key(settings)
        client = self._clients.get(key)
        if client is None:
            verify, trust_env = key
            client = httpx.AsyncClient(
                transport=self._transport, limits=self._limits, verify=verify, trust_env=trust_env,
                follow_redirects=False,
            )
            self._clients[key] = client

        async def send(url: str, headers: Mapping[str, str], timeouts: Timeouts) -> Answer | NetworkFailure:
            try:
                response = await client.get(url, headers=headers, timeout=_timeout(timeouts))
            except httpx.TransportError as exc:
                return _failure(exc)
            return _answer(response)

        return send

    def _check_loop(self) -> None:
        import asyncio  # here, not above: importing this module starts no event loop machinery

        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        if self._loop is None:
            self._loop = loop
        elif self._loop is not loop:
            raise RuntimeError("a ConnectionPool serves one event loop: make one pool per loop")

    async def aclose(self) -> None:
        """Close every connection; the pool cannot be used afterwards."""
        self._closed = True
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()


class KeptClients:
    """This process's ``httpx.Client`` for synchronous reads, one per TLS and proxy setting, kept (with their
    open connections) for the next read until ``close()``; at most ``limit``, the least recently used dropped
    first (not closed: a read may still be sending through it). Thread-safe: a provider host reads from
    several threads, and a read's pages on several."""

    def __init__(self, limit: int = 8) -> None:
        self._limit = limit
        self._lock = threading.Lock()
        self._clients: OrderedDict[tuple[ssl.SSLContext, bool], httpx.Client] = OrderedDict()

    def __len__(self) -> int:
        with self._lock:
            return len(self._clients)

    def sender(self, settings: Settings) -> SyncSend:
        """How a synchronous read with ``settings`` sends. Raises ``ConfigurationError`` when
        ``SSL_CERT_FILE`` names no usable CA bundle."""
        key = _client_key(settings)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                verify, trust_env = key
                client = httpx.Client(limits=DEFAULT_POOL_LIMITS, verify=verify, trust_env=trust_env,
                                      follow_redirects=False)
                self._clients[key] = client
            self._clients.move_to_end(key)
            while len(self._clients) > self._limit:
                self._clients.popitem(last=False)

        def send(url: str, headers: Mapping[str, str], timeouts: Timeouts) -> Answer | NetworkFailure:
            try:
                response = client.get(url, headers=headers, timeout=_timeout(timeouts))
            except httpx.TransportError as exc:
                return _failure(exc)
            except UnicodeError as exc:  # a host name IDNA cannot encode: httpx's sync client lets it through
                return NetworkFailure(exc, unsendable=True)
            return _answer(response)

        return send

    def close(self) -> None:
        """Close every kept client and its connections (a later read opens new ones)."""
        with self._lock:
            clients, self._clients = list(self._clients.values()), OrderedDict()
        for client in clients:
            client.close()


KEPT = KeptClients()
"""The clients of this process's synchronous reads."""
