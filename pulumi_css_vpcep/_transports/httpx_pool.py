"""Signed GETs through httpx, over connections that many reads may share (``ConnectionPool``).

httpx is loaded only when a read needs it: to fetch the pages after the first concurrently, for a read
that a proxy may route (httpx applies ``HTTP(S)_PROXY`` and ``NO_PROXY``), and for the plugin, whose
process keeps one pool so that its reads reuse open TCP and TLS connections::

    async with ConnectionPool() as pool:
        for cluster_id in clusters:
            await aread_vpcep_connections(cluster_id, pool=pool)

The pool holds no credential: every request is signed with the credentials of its own read, and every
read keeps its own timeouts and retry rules.
"""

from __future__ import annotations

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
        verify = verify_for(settings)
        # HTTP(S)_PROXY applies to the cloud; never send this machine's own service through a proxy.
        trust_env = trusts_environment(settings)
        client = self._clients.get((verify, trust_env))
        if client is None:
            client = httpx.AsyncClient(
                transport=self._transport, limits=self._limits, verify=verify, trust_env=trust_env,
                follow_redirects=False,
            )
            self._clients[(verify, trust_env)] = client

        async def send(url: str, headers: Mapping[str, str], timeouts: Timeouts) -> Answer | NetworkFailure:
            connect, read = timeouts
            timeout = httpx.Timeout(connect=connect, read=read, write=read, pool=read)
            try:
                response = await client.get(url, headers=headers, timeout=timeout)
            except httpx.TransportError as exc:
                return _failure(exc)
            return Answer(response.status_code, {k.lower(): v for k, v in response.headers.items()}, response.content)

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
