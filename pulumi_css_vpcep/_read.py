"""The read: the one orchestrator behind every face, and the public reads.

``read_vpcep_connections`` and ``aread_vpcep_connections`` (and ``read_outputs`` and ``aread_outputs``,
their plain-valued forms that the faces use) check their inputs and settings before anything is sent,
then make one ``_Read``, which decides everything once:

- the read's deadline starts, and the insecure warning is given (on every read: the spec asks for it);
- ``steps`` names the requests: the project id through IAM unless a setting or an earlier lookup gives
  it, then the first page; ``Pagination`` decides whether more pages are wanted, and which, or the read
  is made again from its first page (its data moved);
- every request goes through httpx. The synchronous read sends one request at a time through this process's
  kept ``httpx.Client`` (``KEPT``), and the pages wanted together on threads; the asynchronous read sends
  through a ``ConnectionPool``, the pages wanted together as tasks. Both make each attempt in one loop of
  ``Requests`` (``get`` and ``aget``);
- a ``Cancellation`` (the engine's cancel, in a provider) ends the read at once: its caller stops waiting
  for it, and its requests stop between attempts and in their waits. A page that fails stops the others
  of its batch the same way (``_Read.stop``);
- the outputs are plain values throughout; only a function that returns the models builds them.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any, Unpack

from ._cancel import Cancellation
from ._fields import read_page
from ._paging import Pagination
from ._projects import PROJECT_IDS, project_id_from
from ._requests import Request, Requests, RetryLines, logger
from ._settings import Settings, SettingsSources, resolve_settings, validate_id
from ._tls import INSECURE_WARNING
from ._transports import Timeouts
from .errors import ReadCancelledError

if TYPE_CHECKING:
    import httpx

    from ._transports.httpx_pool import ConnectionPool, Send, SyncSend
    from .models import VpcepConnectionsResult

REQUEST_LIMIT = 100
"""The page size asked for: the one the Terraform provider uses against the live service. A service
that caps it lower shows its real page size on the first page."""
MAX_CONCURRENT_PAGES = 10
"""How many pages are fetched at once after the first."""

_Steps = Generator[list[Request], list[dict[str, Any]], dict[str, Any]]
"""A read's requests, a batch at a time: each batch's JSON objects are sent back in; it returns the outputs."""


class _Read:
    """One read of one cluster with resolved settings: its deadline, its requests, its steps."""

    def __init__(
        self, cluster_id: str, settings: Settings, timeouts: Timeouts, cancel: Cancellation | None = None
    ) -> None:
        if settings.insecure:
            logger.warning(INSECURE_WARNING)
        self.cluster_id = cluster_id
        self.settings = settings
        self.cancel = cancel
        self.stop = Cancellation()
        """What ends this read's requests: the caller's ``cancel``, or a page of a batch that failed."""
        deadline = time.monotonic() + settings.retry.deadline
        self.requests = Requests(settings, timeouts, deadline, self.stop, cluster_id)

    def _linked(self) -> Callable[[], None]:
        """Let the caller's cancel stop this read's requests; returns what undoes that, once the read ends."""
        return self.cancel.subscribe(self.stop.cancel) if self.cancel is not None else lambda: None

    def steps(self) -> _Steps:
        settings, cluster_id = self.settings, self.cluster_id
        project_id = settings.project_id or PROJECT_IDS.remembered(settings)
        if not project_id:
            lookup = Request(f"{settings.iam_endpoint}/projects?name={settings.region}", {},
                             f"the project of region {settings.region}", shared=True)
            [body] = yield [lookup]
            project_id = PROJECT_IDS.remember(settings, project_id_from(body, settings.region))
        url = f"{settings.css_endpoint}/v1.0/{project_id}/clusters/{cluster_id}/vpcepservice/connections"
        headers = {"X-Project-Id": project_id}
        subject = f"cluster {cluster_id}"

        def page(offset: int) -> Request:
            return Request(f"{url}?limit={REQUEST_LIMIT}&offset={offset}", headers, subject)

        [first] = yield [page(0)]
        pages = Pagination(read_page(first))
        while offsets := pages.wanted():
            bodies = yield [page(offset) for offset in offsets]
            pages.add([read_page(body) for body in bodies])
        return pages.result(cluster_id, project_id, settings.region, settings.css_endpoint)

    def run(self) -> dict[str, Any]:
        """The read from synchronous code, through this process's kept ``httpx.Client``."""
        from ._transports.httpx_pool import KEPT

        unlink = self._linked()
        try:
            send = KEPT.sender(self.settings)
            steps = self.steps()
            batch = next(steps)
            while True:
                batch = steps.send(self._fetch(batch, send))
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        finally:
            unlink()

    def _fetch(self, batch: list[Request], send: SyncSend) -> list[dict[str, Any]]:
        """The JSON objects of ``batch``: one request in this thread; several on at most
        ``MAX_CONCURRENT_PAGES`` threads, where the first failure stops the others."""
        if len(batch) == 1:
            return [self.requests.get(batch[0], send)]
        lines = RetryLines()  # pages failing for one cause: one line per attempt
        bodies: list[dict[str, Any]] = [{} for _ in batch]
        failures: list[BaseException] = []
        todo = iter(enumerate(batch))
        taking = threading.Lock()

        def work() -> None:
            while not self.stop.cancelled:
                with taking:
                    index, request = next(todo, (-1, None))
                if request is None:
                    return
                try:
                    bodies[index] = self.requests.get(request, send, lines)
                except BaseException as exc:  # handed to the read's thread
                    failures.append(exc)
                    self.stop.cancel()

        # Daemon threads: a read whose caller was interrupted (Ctrl-C) keeps no process alive.
        workers = [threading.Thread(target=work, name="css-vpcep-page", daemon=True)
                   for _ in range(min(len(batch), MAX_CONCURRENT_PAGES))]
        try:
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join()
        except BaseException:
            self.stop.cancel()
            raise
        if failures:
            # The failure that stopped the others, not the cancels it caused.
            raise next((f for f in failures if not isinstance(f, ReadCancelledError)), failures[0])
        if self.stop.cancelled:
            raise self.stop.error(self.cluster_id)
        return bodies

    async def arun(
        self, pool: ConnectionPool | None, transport: httpx.AsyncBaseTransport | None = None
    ) -> dict[str, Any]:
        """The read through ``pool``; without one, through connections of its own (over ``transport``, when
        given), closed before it returns."""
        from ._transports.httpx_pool import ConnectionPool

        own = pool is None
        if pool is None:
            pool = ConnectionPool(transport=transport, limits=_own_limits())
        elif transport is not None:
            raise ValueError("give the transport to the ConnectionPool, not to a read that borrows it")
        unlink = self._linked()
        try:
            send = pool.sender(self.settings)
            steps = self.steps()
            batch = next(steps)
            while True:
                batch = steps.send(await self._gather(batch, send))
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        finally:
            unlink()
            if own:
                await pool.aclose()

    async def _gather(self, batch: list[Request], send: Send) -> list[dict[str, Any]]:
        """The JSON objects of ``batch``, at most ``MAX_CONCURRENT_PAGES`` at once; on the first failure the
        rest are cancelled. A request is made only once it holds the gate, so none is left unawaited."""
        import asyncio

        lines = RetryLines() if len(batch) > 1 else None  # pages failing for one cause: one line per attempt
        gate = asyncio.Semaphore(MAX_CONCURRENT_PAGES)

        async def get(request: Request) -> dict[str, Any]:
            async with gate:
                if request.shared:
                    return await PROJECT_IDS.shared(self.settings, lambda: self.requests.aget(request, send, lines))
                return await self.requests.aget(request, send, lines)

        tasks = [asyncio.ensure_future(get(request)) for request in batch]
        try:
            return list(await asyncio.gather(*tasks))
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise


@functools.cache
def _own_limits() -> httpx.Limits:
    import httpx

    return httpx.Limits(max_connections=MAX_CONCURRENT_PAGES + 2, max_keepalive_connections=MAX_CONCURRENT_PAGES)


def _begin(
    cluster_id: str,
    timeout: httpx.Timeout | Timeouts | None,
    cancel: Cancellation | None,
    sources: dict[str, Any],
) -> _Read:
    """A read whose inputs and settings are checked: nothing is sent before this returns."""
    cluster_id = validate_id(cluster_id, "cluster_id")
    settings = resolve_settings(**sources)
    if timeout is None or isinstance(timeout, Timeouts):
        timeouts = timeout or Timeouts()
    else:
        timeouts = Timeouts(connect=timeout.connect, read=timeout.read)
    return _Read(cluster_id, settings, timeouts, cancel)


def read_outputs(
    cluster_id: str,
    *,
    timeout: httpx.Timeout | Timeouts | None = None,
    last_endpoint: str | None = None,
    cancel: Cancellation | None = None,
    **sources: Unpack[SettingsSources],
) -> dict[str, Any]:
    """``read_vpcep_connections(...).to_outputs()``, with the same arguments and errors, without the models.

    ``last_endpoint``: the endpoint to read through when no setting names one (``resolve_settings``).
    ``cancel``: the read runs in a thread of its own and its caller stops waiting for it as soon as this
    cancels (``ReadCancelledError``), whatever the read is blocked in; the read itself stops at its next
    wait or attempt.
    """
    read = _begin(cluster_id, timeout, cancel, {**sources, "last_endpoint": last_endpoint})
    if cancel is None:
        return read.run()
    return cancel.call(read.run, about=read.cluster_id)


async def aread_outputs(
    cluster_id: str,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    timeout: httpx.Timeout | Timeouts | None = None,
    pool: ConnectionPool | None = None,
    cancel: Cancellation | None = None,
    **sources: Unpack[SettingsSources],
) -> dict[str, Any]:
    """``aread_vpcep_connections(...).to_outputs()``, with the same arguments and errors, without the models;
    ended at once when ``cancel`` cancels."""
    read = _begin(cluster_id, timeout, cancel, dict(sources))
    running = read.arun(pool, transport)
    return await (running if cancel is None else cancel.run(running, about=read.cluster_id))


def _result(outputs: dict[str, Any]) -> VpcepConnectionsResult:
    from .models import VpcepConnectionsResult

    return VpcepConnectionsResult.model_validate(outputs)


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
    :param timeout: how long to connect, and to wait for each answer (10 s and 30 s by default).
    :param pool: long-lived connections to read through (the caller closes it); else the read opens
        its own and closes them before it returns.
    :param transport: an httpx transport to send through instead of the network (tests).
    """
    return _result(await aread_outputs(cluster_id, transport=transport, timeout=timeout, pool=pool, **sources))


def read_vpcep_connections(
    cluster_id: str, *, timeout: httpx.Timeout | None = None, **sources: Unpack[SettingsSources]
) -> VpcepConnectionsResult:
    """Read every VPC endpoint connection of a CSS cluster; the synchronous twin of
    ``aread_vpcep_connections``, with the same arguments and errors.

    It starts no event loop: the requests go through this process's kept ``httpx.Client``, the pages after
    the first on threads, so a later read reuses open connections.
    """
    return _result(read_outputs(cluster_id, timeout=timeout, **sources))
