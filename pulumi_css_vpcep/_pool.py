"""Long-lived HTTP connections that many reads share.

An async read made without a pool opens its own connections and closes them when it ends (a
synchronous read keeps its first page's connection for the next read: ``_sync_http.IDLE``). A
long-running process that reads again and again (the provider plugin) keeps one ``ConnectionPool``
instead, so its reads reuse open TCP and TLS connections::

    async with ConnectionPool() as pool:
        for cluster_id in clusters:
            await aread_vpcep_connections(cluster_id, pool=pool)

The pool holds no credential: every request is signed with the credentials of its own read, and
every read keeps its own timeouts and retry rules.
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import httpx

from ._attempts import REQUEST_HEADERS
from ._settings import Settings, trusts_environment
from ._tls import verify_for

if TYPE_CHECKING:
    import asyncio

__all__ = ["DEFAULT_POOL_LIMITS", "ClosedOnExit", "ConnectionPool", "client_options"]

DEFAULT_POOL_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=30.0)
"""Room for several reads at once (each fetches up to 10 pages together); idle connections kept 30 s."""

_Key = tuple[object, bool]


def client_options(settings: Settings) -> dict[str, Any]:
    """The options of every HTTP client of a read: TLS, proxies, headers, redirects; never credentials.

    Raises ``ConfigurationError`` when ``SSL_CERT_FILE`` names no usable CA bundle.
    """
    return {
        "verify": verify_for(settings),
        # HTTP(S)_PROXY applies to the cloud; never send this machine's own service through a proxy.
        "trust_env": trusts_environment(settings),
        "headers": REQUEST_HEADERS,
        "follow_redirects": False,
    }


class ClosedOnExit:
    """``async with`` for an object that has ``aclose()``: leaving the block closes it."""

    async def aclose(self) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


class ConnectionPool(ClosedOnExit):
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
        self._clients: dict[_Key, httpx.AsyncClient] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False

    def __repr__(self) -> str:
        return f"ConnectionPool({len(self._clients)} client(s){', closed' if self._closed else ''})"

    def client_for(self, settings: Settings) -> httpx.AsyncClient:
        """The HTTP client for the endpoints and TLS settings of ``settings``; it carries no credential.

        Raises ``ConfigurationError`` when ``SSL_CERT_FILE`` names no usable CA bundle, and
        ``RuntimeError`` when the pool is closed or used from a second event loop.
        """
        if self._closed:
            raise RuntimeError("this ConnectionPool is closed")
        self._check_loop()
        options = client_options(settings)
        key = (options["verify"], options["trust_env"])
        client = self._clients.get(key)
        if client is None:
            client = httpx.AsyncClient(transport=self._transport, limits=self._limits, **options)
            self._clients[key] = client
        return client

    def _check_loop(self) -> None:
        import asyncio  # here, not above: the command's synchronous one-page read imports no asyncio

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
