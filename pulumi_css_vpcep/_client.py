"""The read: signed requests with retries, the project id, then every page of a cluster's connections.

``read_vpcep_connections`` (and its async twin) is the one read every face is built on. It validates its
inputs and settings before anything is sent, looks the project id up through IAM when it is not given,
reads the first page, then every other page concurrently, and returns one ``VpcepConnectionsResult``.
The parts it uses each live in their own module: ``attempts`` (each outcome judged, with
``retries``: when to try again), ``tls`` (what is trusted), ``http_errors`` (answers and failures as
the project's errors), ``paging`` (which pages to ask for), ``projects`` (project ids, remembered) and
``pool`` (connections shared across reads). A synchronous read gets its project id and first page
with ``first_page`` (``http.client``, no event loop) and only starts one for the other pages.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping
from typing import Any, TypeVar, Unpack

import httpx

from ._attempts import Attempts, Outcome, RetryLines, Timeouts, logger
from ._first_page import FirstPage, connections_url, page_query, project_subject, start_read
from ._http_errors import NetworkFailure, Redactor, Timeout, api_error
from ._paging import Pagination
from ._pool import ClosedOnExit, ConnectionPool
from ._projects import PROJECT_IDS, ProjectIds, project_id_from
from ._retries import RetryPolicy
from ._settings import Settings, SettingsSources, resolve_settings, validate_cluster_id
from ._signing import HmacSigner, canonical_query
from ._sync_http import probe_timeout
from ._tls import INSECURE_WARNING, answers_plain_http
from .models import ConnectionsPage, VpcepConnectionsResult

# asyncio is imported where it is used: a synchronous read that fits in one page needs no event loop.

__all__ = [
    "DEFAULT_TIMEOUT",
    "ConnectionPool",
    "RetryPolicy",
    "VpcepClient",
    "api_error",
    "aread_vpcep_connections",
    "read_resolved",
    "read_vpcep_connections",
]

_DEFAULTS = Timeouts()
DEFAULT_TIMEOUT = httpx.Timeout(
    connect=_DEFAULTS.connect, read=_DEFAULTS.read, write=_DEFAULTS.read, pool=_DEFAULTS.read
)
"""Connect within 10 s; each answer within 30 s."""

MAX_CONCURRENT_PAGES = 10
"""How many pages are fetched at once after the first."""

_T = TypeVar("_T")


_TIMEOUTS: dict[type[httpx.TimeoutException], Timeout] = {
    httpx.ConnectTimeout: Timeout.CONNECT,
    httpx.WriteTimeout: Timeout.WRITE,
    httpx.ReadTimeout: Timeout.READ,
    httpx.PoolTimeout: Timeout.POOL,
}


def _failure(exc: httpx.TransportError) -> NetworkFailure:
    """An httpx failure, as ``attempts`` judges failures."""
    if isinstance(exc, httpx.TimeoutException):
        return NetworkFailure(exc, timeout=_TIMEOUTS.get(type(exc), Timeout.READ))
    return NetworkFailure(exc, unsendable=isinstance(exc, httpx.LocalProtocolError))


def _cut(timeout: httpx.Timeout, left: float) -> httpx.Timeout:
    """``timeout`` with each phase cut to ``left`` seconds, the time left before the read's deadline."""
    def phase(limit: float | None) -> float:
        return left if limit is None else min(limit, left)

    return httpx.Timeout(
        connect=phase(timeout.connect), read=phase(timeout.read), write=phase(timeout.write), pool=phase(timeout.pool)
    )


def _result(pages: Pagination, settings: Settings, cluster_id: str, project_id: str) -> VpcepConnectionsResult:
    return VpcepConnectionsResult(**pages.result(cluster_id, project_id, settings.region, settings.css_endpoint))


class VpcepClient(ClosedOnExit):
    """Reads a cluster's VPC endpoint connections with signed, retried requests.

    Use it as an async context manager. ``pool`` lends long-lived connections (the caller closes it);
    without one the client opens its own and closes them on exit. ``transport`` replaces the network
    (tests); ``timeout`` and ``retry`` override the defaults and the settings; ``sleep`` waits between
    attempts (``asyncio.sleep`` by default).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: httpx.Timeout | None = None,
        retry: RetryPolicy | None = None,
        concurrency: int = MAX_CONCURRENT_PAGES,
        pool: ConnectionPool | None = None,
        project_ids: ProjectIds = PROJECT_IDS,
        sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        if pool is not None and transport is not None:
            raise ValueError("give the transport to the ConnectionPool, not to a client that borrows it")
        self._settings = settings
        self._retry = settings.retry if retry is None else retry.with_defaults(
            max_retries=settings.retry.retries, total_timeout=settings.retry.deadline
        )
        self._timeout = timeout or DEFAULT_TIMEOUT
        self._concurrency = concurrency
        self._project_ids = project_ids
        self._sleep = sleep
        self._auth = HmacSigner(settings.credentials)
        self._redact = Redactor.of(settings.credentials)
        self._own_pool = pool is None
        self._pool = pool or ConnectionPool(
            transport=transport,
            limits=httpx.Limits(max_connections=concurrency + 2, max_keepalive_connections=concurrency),
        )
        self._http = self._pool.client_for(settings)

    def __repr__(self) -> str:
        return f"VpcepClient(region={self._settings.region!r}, endpoint={self._settings.css_endpoint!r})"

    async def aclose(self) -> None:
        """Close the client's own connections; a borrowed pool stays open for its owner."""
        if self._own_pool:
            await self._pool.aclose()

    async def _get_json(
        self,
        url: str,
        query: Iterable[tuple[str, str]],
        headers: Mapping[str, str],
        deadline: float,
        lines: RetryLines | None = None,
        subject: str | None = None,
    ) -> dict[str, Any]:
        """GET a JSON object, retrying what is worth retrying; raise the project's error otherwise.

        Requests sent together share ``lines``, so that their retries make one line per attempt.
        """
        import asyncio

        attempts = Attempts(f"{url}?{canonical_query(query)}", self._retry, deadline, self._redact, lines, subject)
        while True:
            started = time.monotonic()
            timeout = _cut(self._timeout, attempts.time_left())
            outcome: Outcome
            try:
                outcome = await self._http.get(attempts.url, headers=headers, auth=self._auth, timeout=timeout)
            except httpx.TransportError as exc:
                outcome = _failure(exc)
            plain_http = attempts.needs_probe(outcome) and await asyncio.to_thread(
                answers_plain_http, attempts.target, probe_timeout(timeout.connect)
            )
            verdict = attempts.judge(outcome, started, plain_http)
            if isinstance(verdict, dict):
                return verdict
            await (self._sleep or asyncio.sleep)(verdict)

    async def project_id(self, deadline: float | None = None) -> str:
        """The project id: from the settings, or looked up once per process from the region through IAM."""
        if self._settings.project_id:
            return self._settings.project_id
        until = deadline if deadline is not None else time.monotonic() + self._retry.deadline
        return await self._project_ids.get(self._settings, lambda: self._lookup_project(until))

    async def _lookup_project(self, deadline: float) -> str:
        settings = self._settings
        body = await self._get_json(
            f"{settings.iam_endpoint}/projects", [("name", settings.region)], {}, deadline,
            subject=project_subject(settings),
        )
        return project_id_from(body, settings.region)

    async def _gather(self, calls: Iterable[Callable[[], Awaitable[_T]]]) -> list[_T]:
        """Make the calls, at most ``concurrency`` at once; on the first failure cancel the rest.

        Each call is made only once it holds the gate, so a call cancelled before its turn leaves no
        coroutine behind that was never awaited.
        """
        import asyncio

        gate = asyncio.Semaphore(self._concurrency)

        async def gated(call: Callable[[], Awaitable[_T]]) -> _T:
            async with gate:
                return await call()

        tasks = [asyncio.ensure_future(gated(call)) for call in calls]
        try:
            return list(await asyncio.gather(*tasks))
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise

    async def _page(
        self, project_id: str, cluster_id: str, offset: int, deadline: float, lines: RetryLines | None = None
    ) -> ConnectionsPage:
        url = connections_url(self._settings, project_id, cluster_id)
        body = await self._get_json(
            url, page_query(offset), {"X-Project-Id": project_id}, deadline, lines, f"cluster {cluster_id}"
        )
        return ConnectionsPage.model_validate(body)

    async def read(self, cluster_id: str) -> VpcepConnectionsResult:
        """Read every connection of a cluster. ``cluster_id`` must already be validated."""
        if self._settings.insecure:
            logger.warning(INSECURE_WARNING)  # on every read: the spec asks for it each time, not once
        deadline = time.monotonic() + self._retry.deadline
        project_id = await self.project_id(deadline)
        first = await self._page(project_id, cluster_id, 0, deadline)
        return await self.read_rest(cluster_id, project_id, Pagination(first), deadline)

    async def read_rest(
        self, cluster_id: str, project_id: str, pages: Pagination, deadline: float
    ) -> VpcepConnectionsResult:
        """Finish a read whose first page is in ``pages``: fetch every page still wanted, at once."""
        while offsets := pages.wanted():
            lines = RetryLines()  # the pages fetched together: one retry line per attempt, not per page
            page = functools.partial(self._page, project_id, cluster_id, deadline=deadline, lines=lines)
            pages.add(await self._gather(functools.partial(page, offset) for offset in offsets))
        return _result(pages, self._settings, cluster_id, project_id)


async def aread_vpcep_connections(
    cluster_id: str,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    timeout: httpx.Timeout | None = None,
    pool: ConnectionPool | None = None,
    **sources: Unpack[SettingsSources],
) -> VpcepConnectionsResult:
    """Read every VPC endpoint connection of a CSS cluster (async).

    Inputs and settings are checked before anything is sent: a malformed argument raises
    ``InvalidInputError``, a missing or malformed setting ``ConfigurationError``. The service's
    refusals raise ``ApiError``; network failures that outlast the retries raise ``TransportError``.

    :param cluster_id: the CSS cluster id.
    :param project_id: the project id; looked up from the region through IAM when no source gives one.
    :param region: the region, such as ``cn-north-4``; else Pulumi config, ``HW_REGION_NAME``.
    :param endpoint: the CSS endpoint URL; else ``HW_CSS_ENDPOINT``, else the region's public endpoint.
    :param config: Pulumi configuration by short key (``accessKey``, ``region``, ...), ranked below
        the arguments and above the environment.
    :param environ: the environment to read settings from (``os.environ`` when omitted), for every variable
        of docs/configuration.md but the proxy variables, which httpx reads from the process.
    :param config_namespace: the config namespace named in messages (``huaweicloud`` or ``css-vpcep``).
    :param retry: the retry policy; ``HW_MAX_RETRIES`` (else 5) fills in a count it leaves open.
    :param pool: long-lived connections to read through (the caller closes it); else the read opens
        its own and closes them before it returns.
    """
    cluster_id = validate_cluster_id(cluster_id)
    settings = resolve_settings(**sources)
    async with VpcepClient(settings, transport=transport, timeout=timeout, pool=pool) as client:
        return await client.read(cluster_id)


def run_sync(coro: Coroutine[Any, Any, _T]) -> _T:
    """Run a coroutine to completion from synchronous code, even where an event loop is running."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    # The value travels beside the main task, not as its result: asyncio.run formats the main task,
    # result included, when it restores the SIGINT handler (CPython 3.11.7 and 3.12.1; not 3.13.0).
    box: list[_T] = []

    async def main() -> None:
        box.append(await coro)

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(main())
    else:
        # Inside a running loop (a notebook, an async program): run on a private loop in a worker thread.
        with ThreadPoolExecutor(max_workers=1) as worker:
            worker.submit(asyncio.run, main()).result()
    return box[0]


async def _read_rest(
    settings: Settings, timeout: httpx.Timeout, cluster_id: str, project_id: str, pages: Pagination, deadline: float
) -> VpcepConnectionsResult:
    async with VpcepClient(settings, timeout=timeout) as client:
        return await client.read_rest(cluster_id, project_id, pages, deadline)


async def _read(settings: Settings, timeout: httpx.Timeout, cluster_id: str) -> VpcepConnectionsResult:
    async with VpcepClient(settings, timeout=timeout) as client:
        return await client.read(cluster_id)


def read_resolved(
    settings: Settings, cluster_id: str, timeout: httpx.Timeout, first: FirstPage | None = None
) -> VpcepConnectionsResult:
    """A synchronous read with resolved settings and a validated ``cluster_id``: the project id and first
    page without an event loop (or ``first``, already read), then any other pages at once.

    A read that a proxy may route goes wholly through httpx, which applies proxies.
    """
    if first is None:
        first = start_read(settings, cluster_id, Timeouts(connect=timeout.connect, read=timeout.read))
    if first is None:
        return run_sync(_read(settings, timeout, cluster_id))
    pages = Pagination(ConnectionsPage.model_validate(first.body))
    if not pages.wanted():
        return _result(pages, settings, cluster_id, first.project_id)
    return run_sync(_read_rest(settings, timeout, cluster_id, first.project_id, pages, first.deadline))


def read_vpcep_connections(
    cluster_id: str, *, timeout: httpx.Timeout | None = None, **sources: Unpack[SettingsSources]
) -> VpcepConnectionsResult:
    """Read every VPC endpoint connection of a CSS cluster; the synchronous twin of
    ``aread_vpcep_connections``, with the same arguments and errors.

    The project id and the first page are read without an event loop; only a cluster of several pages
    starts one, to fetch the other pages at once.
    """
    cluster_id = validate_cluster_id(cluster_id)
    settings = resolve_settings(**sources)
    return read_resolved(settings, cluster_id, timeout or DEFAULT_TIMEOUT)
