"""The read path: transport, retries, pagination and error mapping.

``read_vpcep_connections`` (and its async twin) is the one read every face is built on. It validates
its inputs and settings before anything is sent, looks the project id up through IAM when it is not
given, reads the first page, then every other page concurrently, and returns one
``VpcepConnectionsResult``. Every HTTP failure becomes one of the errors of ``errors.py`` here and
nowhere else.
"""

from __future__ import annotations

import asyncio
import email.utils
import functools
import hashlib
import logging
import math
import os
import random
import re
import ssl
import time
import warnings
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

import httpx

from . import __version__
from .errors import ApiError, ConfigurationError, IncompleteReadError, TransportError
from .models import Connection, ConnectionsPage, Permission, VpcepConnectionsResult
from .settings import Settings, is_loopback, resolve_settings, validate_cluster_id
from .signing import HmacSigner, canonical_query

__all__ = [
    "DEFAULT_TIMEOUT",
    "InsecureTransportWarning",
    "RetryPolicy",
    "VpcepClient",
    "aread_vpcep_connections",
    "read_vpcep_connections",
]

logger = logging.getLogger("pulumi_css_vpcep")

DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=30.0, write=30.0, pool=30.0)
"""Connect within 10 s; each answer within 30 s."""

REQUEST_LIMIT = 100
"""The page size asked for: the one the Terraform provider uses against the live service. A service
that caps it lower shows its real page size on the first page."""
MAX_CONCURRENT_PAGES = 10
"""How many pages are fetched at once after the first."""
MAX_PAGES = 10_000
"""A hard stop for a service whose data never stops growing."""

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_T = TypeVar("_T")


class InsecureTransportWarning(UserWarning):
    """TLS verification is off (``HW_INSECURE=true``)."""


# The spec asks for the warning on every read, not once per place as Python shows warnings by default.
warnings.simplefilter("always", InsecureTransportWarning)


@dataclass(frozen=True)
class RetryPolicy:
    """How retryable failures are retried: exponential backoff with jitter, bounded in count and time."""

    max_retries: int | None = None
    """Retries after the first attempt; ``None`` takes ``HW_MAX_RETRIES`` (default 5)."""
    base_delay: float = 0.5
    """The first backoff, in seconds; it doubles with every retry."""
    max_delay: float = 8.0
    """The longest backoff between two attempts, in seconds."""
    max_retry_after: float = 60.0
    """The longest ``Retry-After`` honoured; a longer one is cut to this."""
    total_timeout: float = 180.0
    """The whole read, retries and waits included, ends within this many seconds."""

    def backoff(self, retry: int) -> float:
        """The wait before retry number ``retry`` (0-based): half fixed, half random."""
        ceiling = min(self.max_delay, self.base_delay * (2.0**retry))
        return ceiling / 2 + random.uniform(0, ceiling / 2)


def _parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta seconds or an HTTP date), or ``None``."""
    if not value:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - time.time()
    return max(0.0, seconds) if math.isfinite(seconds) else None


_TAG = re.compile(r"<[^>]*>")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def _one_line(text: str, limit: int = 300) -> str:
    line = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _error_fields(body: Any) -> tuple[str | None, str | None]:
    """The (code, message) of every error body shape the service, IAM and the gateway send."""
    if not isinstance(body, dict):
        return None, None
    nested = body.get("error")
    if isinstance(nested, dict):
        body = nested
    for code_key, message_key in (
        ("errCode", "externalMessage"),
        ("error_code", "error_msg"),
        ("code", "message"),
    ):
        code, message = body.get(code_key), body.get(message_key)
        if code is not None or message is not None:
            if message is None and code_key == "errCode":
                message = body.get("errMsg")
            return (
                _one_line(str(code)) if code is not None else None,
                _one_line(str(message)) if message is not None else None,
            )
    return None, None


def api_error(response: httpx.Response, attempts: int = 1) -> ApiError:
    """The ``ApiError`` for an error response, whatever shape its body has (JSON, HTML, text, none)."""
    request_id = response.headers.get("x-request-id")
    try:
        body = response.json()
    except ValueError:
        body = None
    code, message = _error_fields(body)
    if isinstance(body, dict) and not request_id:
        found = body.get("request_id") or body.get("requestId")
        request_id = str(found) if found else None
    if message is None:
        text = response.text
        if "html" in response.headers.get("content-type", "").lower() or text.lstrip().startswith("<"):
            title = _TITLE.search(text)
            shown = _one_line(_TAG.sub(" ", title.group(1) if title else text), 120)
            message = f"the gateway answered with an HTML page: {shown or 'no title'}"
        elif text.strip():
            message = _one_line(text)
        else:
            message = response.reason_phrase or "no message"
    return ApiError(response.status_code, code, message, request_id, attempts=attempts)


def _is_tls_verification_failure(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class _Unreadable(Exception):
    """A 2xx answer whose body is not the JSON object it should be."""


@functools.lru_cache(maxsize=8)
def _verifying_context(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    """A verifying context trusting ``SSL_CERT_FILE``, else ``SSL_CERT_DIR``, else httpx's default CAs;
    built once per process: loading a CA store takes about 20 ms."""
    if cert_file:
        try:
            return ssl.create_default_context(cafile=cert_file)
        except (OSError, ssl.SSLError) as exc:
            raise ConfigurationError(f"SSL_CERT_FILE {cert_file!r} cannot be used as a CA bundle: {exc}") from None
    if cert_dir:
        return ssl.create_default_context(capath=cert_dir)
    return httpx.create_ssl_context(trust_env=False)


@functools.lru_cache(maxsize=1)
def _trust_nothing_context() -> ssl.SSLContext:
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def _verify(settings: Settings) -> ssl.SSLContext | bool:
    if settings.insecure:
        warnings.warn(
            "TLS certificate verification is off (HW_INSECURE): the service's identity is not checked",
            InsecureTransportWarning,
            stacklevel=4,
        )
        return False
    if not any(url.startswith("https:") for url in (settings.css_endpoint, settings.iam_endpoint)):
        # Plain http, which settings allow only to loopback: no CA store to load. A context that trusts
        # nothing still refuses any https it might meet.
        return _trust_nothing_context()
    return _verifying_context(settings.ca_bundle, os.environ.get("SSL_CERT_DIR"))


_project_ids: dict[tuple[str, str, str], str] = {}
"""Project ids found through IAM, by (hash of the access key, region, IAM endpoint)."""
_project_lookups: dict[tuple[str, str, str], asyncio.Task[str]] = {}
"""IAM lookups under way, shared by the reads of one event loop that need the same project id."""


def _lookup_done(key: tuple[str, str, str], task: asyncio.Task[str]) -> None:
    if _project_lookups.get(key) is task:
        del _project_lookups[key]
    if not task.cancelled():
        task.exception()  # every waiter sees the failure; this marks it seen even when none is left


class _Collector:
    """Connections and permissions gathered across pages, each id once, in the service's order."""

    def __init__(self, first: ConnectionsPage) -> None:
        self.first = first
        self.connections: dict[str, Connection] = {}
        self.permissions: dict[str, Permission] = {}
        self.add(first)

    def add(self, page: ConnectionsPage) -> int:
        """Add a page; return how many connections it brought that were not seen before."""
        before = len(self.connections)
        for connection in page.connections:
            self.connections.setdefault(connection.id or connection.model_dump_json(), connection)
        for permission in page.permissions:
            self.permissions.setdefault(permission.id or permission.model_dump_json(), permission)
        return len(self.connections) - before


class VpcepClient:
    """Reads a cluster's VPC endpoint connections through one pool of signed HTTP connections.

    Use it as an async context manager. ``transport`` replaces the network (tests); ``timeout`` and
    ``retry`` override the defaults.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: httpx.Timeout | None = None,
        retry: RetryPolicy | None = None,
        concurrency: int = MAX_CONCURRENT_PAGES,
    ) -> None:
        self._settings = settings
        self._retry = retry or RetryPolicy()
        self._max_retries = (
            self._retry.max_retries if self._retry.max_retries is not None else settings.max_retries
        )
        self._concurrency = concurrency
        self._sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
        self._http = httpx.AsyncClient(
            auth=HmacSigner(settings.credentials),
            timeout=timeout or DEFAULT_TIMEOUT,
            verify=_verify(settings),
            transport=transport,
            limits=httpx.Limits(max_connections=concurrency + 2, max_keepalive_connections=concurrency),
            headers={"User-Agent": f"pulumi-css-vpcep/{__version__}", "Accept": "application/json"},
            follow_redirects=False,
            # HTTP(S)_PROXY applies to the cloud; never send this machine's own service through a proxy.
            trust_env=not all(
                is_loopback(httpx.URL(url).host) for url in (settings.css_endpoint, settings.iam_endpoint)
            ),
        )

    def __repr__(self) -> str:
        return f"VpcepClient(region={self._settings.region!r}, endpoint={self._settings.css_endpoint!r})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def _get_json(
        self, url: str, query: Iterable[tuple[str, str]], headers: Mapping[str, str], deadline: float
    ) -> dict[str, Any]:
        """GET a JSON object, retrying what is worth retrying; raise the project's error otherwise."""
        full_url = f"{url}?{canonical_query(query)}"
        attempt = 0
        while True:
            attempt += 1
            response: httpx.Response | None = None
            try:
                sent = time.monotonic()
                response = await self._http.get(full_url, headers=headers)
                logger.info(
                    "GET %s -> %d in %.0f ms (request id %s)", full_url, response.status_code,
                    (time.monotonic() - sent) * 1000, response.headers.get("x-request-id", "-"),
                )
                if response.status_code >= 400:
                    error: Exception = api_error(response, attempt)
                    retryable = response.status_code in RETRY_STATUSES
                else:
                    return self._json_object(response)
            except _Unreadable as exc:
                error, retryable = exc, True
            except httpx.TimeoutException as exc:
                error, retryable = exc, True
            except httpx.TransportError as exc:
                error, retryable = exc, not _is_tls_verification_failure(exc)

            delay = self._retry_delay(attempt, response) if retryable else None
            if delay is None or time.monotonic() + delay > deadline:
                raise self._final_error(error, attempt, full_url) from None
            logger.info(
                "retrying GET %s in %.2fs (attempt %d of %d): %s",
                url, delay, attempt + 1, self._max_retries + 1, self._final_error(error, attempt, url),
            )
            await self._sleep(delay)

    def _retry_delay(self, attempt: int, response: httpx.Response | None) -> float | None:
        """The wait before the next attempt, or ``None`` when the retries are used up."""
        if attempt > self._max_retries:
            return None
        retry_after = _parse_retry_after(response.headers.get("retry-after")) if response else None
        if retry_after is not None:
            return min(retry_after, self._retry.max_retry_after)
        return self._retry.backoff(attempt - 1)

    @staticmethod
    def _json_object(response: httpx.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except (ValueError, httpx.DecodingError) as exc:
            raise _Unreadable(f"the answer is not JSON ({_one_line(str(exc), 120)})") from None
        if not isinstance(body, dict):
            raise _Unreadable(f"the answer is a JSON {type(body).__name__}, not an object")
        return body

    def _redact(self, text: str) -> str:
        """``text`` with any credential of this client replaced: a gateway may echo the access key."""
        credentials = self._settings.credentials
        for secret in (credentials.secret_key, credentials.security_token, credentials.access_key):
            if secret:
                text = text.replace(secret, "<redacted>")
        return text

    def _final_error(self, error: Exception, attempts: int, url: str) -> Exception:
        if isinstance(error, ApiError):
            return ApiError(
                error.status,
                self._redact(error.code) if error.code else None,
                self._redact(error.message),
                error.request_id,
                attempts=attempts,
            )
        suffix = f" after {attempts} attempts" if attempts > 1 else ""
        host = httpx.URL(url).host
        if isinstance(error, _Unreadable):
            return TransportError(f"unreadable answer from {host}: {self._redact(str(error))}{suffix}")
        if isinstance(error, httpx.TimeoutException):
            return TransportError(f"timed out talking to {host} ({type(error).__name__}){suffix}")
        if _is_tls_verification_failure(error):
            return TransportError(
                f"TLS verification failed for {host}: {_one_line(str(error), 200)} "
                "(trust its CA with SSL_CERT_FILE)"
            )
        detail = self._redact(_one_line(str(error), 200)) or type(error).__name__
        return TransportError(f"network failure talking to {host}: {detail}{suffix}")

    async def project_id(self, deadline: float | None = None) -> str:
        """The project id: from the settings, or looked up once per process from the region through IAM.

        Concurrent reads in one event loop that need the same lookup share a single IAM request.
        """
        if self._settings.project_id:
            return self._settings.project_id
        settings = self._settings
        key = (
            hashlib.sha256(settings.credentials.access_key.encode()).hexdigest(),
            settings.region,
            settings.iam_endpoint,
        )
        cached = _project_ids.get(key)
        if cached:
            return cached
        loop = asyncio.get_running_loop()
        lookup = _project_lookups.get(key)
        if lookup is None or lookup.get_loop() is not loop:
            lookup = loop.create_task(
                self._lookup_project(deadline if deadline is not None else time.monotonic() + self._retry.total_timeout)
            )
            _project_lookups[key] = lookup
            lookup.add_done_callback(lambda task: _lookup_done(key, task))
        project_id = await asyncio.shield(lookup)
        _project_ids[key] = project_id
        return project_id

    async def _lookup_project(self, deadline: float) -> str:
        settings = self._settings
        body = await self._get_json(f"{settings.iam_endpoint}/projects", [("name", settings.region)], {}, deadline)
        projects = body.get("projects")
        matches = [
            p for p in (projects if isinstance(projects, list) else [])
            if isinstance(p, dict) and p.get("name") == settings.region and p.get("id")
        ]
        if len(matches) != 1:
            found = "no project" if not matches else f"{len(matches)} projects"
            raise ConfigurationError(
                f"IAM found {found} named {settings.region!r} for these credentials: "
                "set the project id (project_id, HW_PROJECT_ID or huaweicloud:projectId)"
            )
        return str(matches[0]["id"])

    async def _gather(self, coros: Iterable[Coroutine[Any, Any, _T]]) -> list[_T]:
        """Run coroutines at most ``concurrency`` at once; on the first failure cancel the rest."""
        gate = asyncio.Semaphore(self._concurrency)

        async def gated(coro: Coroutine[Any, Any, _T]) -> _T:
            async with gate:
                return await coro

        tasks = [asyncio.ensure_future(gated(coro)) for coro in coros]
        try:
            return list(await asyncio.gather(*tasks))
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise

    async def read(self, cluster_id: str) -> VpcepConnectionsResult:
        """Read every connection of a cluster. ``cluster_id`` must already be validated."""
        deadline = time.monotonic() + self._retry.total_timeout
        project_id = await self.project_id(deadline)
        url = f"{self._settings.css_endpoint}/v1.0/{project_id}/clusters/{cluster_id}/vpcepservice/connections"
        headers = {"X-Project-Id": project_id}

        async def page(offset: int) -> ConnectionsPage:
            body = await self._get_json(url, [("offset", str(offset)), ("limit", str(REQUEST_LIMIT))],
                                        headers, deadline)
            return ConnectionsPage.model_validate(body)

        first = await page(0)
        collected = _Collector(first)
        page_size = len(first.connections)
        total = first.total_count
        fetched = 1
        reached_end = False
        if total is None:
            # The service did not say how many there are: walk on until a short or empty page.
            offset = page_size
            while page_size and fetched < MAX_PAGES:
                next_page = await page(offset)
                fetched += 1
                if collected.add(next_page) == 0 or len(next_page.connections) < page_size:
                    break
                offset += page_size
            reached_end = True
        else:
            next_offset = page_size
            while page_size and len(collected.connections) < total and fetched < MAX_PAGES:
                offsets = list(range(next_offset, total, page_size))[: MAX_PAGES - fetched]
                if not offsets:
                    break
                pages = await self._gather(page(offset) for offset in offsets)
                fetched += len(pages)
                brought = sum(collected.add(p) for p in pages)
                total = max([total, *(p.total_count for p in pages if p.total_count is not None)])
                next_offset = offsets[-1] + page_size
                if any(len(p.connections) < page_size for p in pages):
                    reached_end = True
                    break
                if brought == 0:
                    break
            if total <= len(collected.connections):
                reached_end = True
        if not reached_end:
            raise IncompleteReadError(
                f"the service reported {total} connections for cluster {cluster_id} but its pages "
                f"brought only {len(collected.connections)} distinct ones after {fetched} requests "
                "(pages repeat: the service may be ignoring 'offset')"
            )
        return VpcepConnectionsResult(
            cluster_id=cluster_id,
            project_id=project_id,
            region=self._settings.region,
            endpoint=self._settings.css_endpoint,
            connections=list(collected.connections.values()),
            permissions=list(collected.permissions.values()),
            vpc_service_name=first.vpc_service_name,
            vpcep_update_switch=first.vpcep_update_switch,
            total_count=len(collected.connections),
        )


async def aread_vpcep_connections(
    cluster_id: str,
    *,
    project_id: str | None = None,
    region: str | None = None,
    endpoint: str | None = None,
    config: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    config_namespace: str = "huaweicloud",
    transport: httpx.AsyncBaseTransport | None = None,
    timeout: httpx.Timeout | None = None,
    retry: RetryPolicy | None = None,
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
    :param environ: the environment to read settings from (``os.environ`` when omitted).
    """
    cluster_id = validate_cluster_id(cluster_id)
    settings = resolve_settings(
        project_id=project_id,
        region=region,
        endpoint=endpoint,
        config=config,
        environ=environ,
        config_namespace=config_namespace,
    )
    async with VpcepClient(settings, transport=transport, timeout=timeout, retry=retry) as client:
        return await client.read(cluster_id)


class _Outcome(Generic[_T]):
    """A result behind a short repr: ``asyncio.run`` formats its main task, result included, when it
    restores the SIGINT handler, and the repr of a large result costs more than the read's requests."""

    __slots__ = ("value",)

    def __init__(self, value: _T) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "<outcome>"


async def _outcome(coro: Coroutine[Any, Any, _T]) -> _Outcome[_T]:
    return _Outcome(await coro)


def run_sync(coro: Coroutine[Any, Any, _T]) -> _T:
    """Run a coroutine to completion from synchronous code, even where an event loop is running."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_outcome(coro)).value
    # Inside a running loop (a notebook, an async program): run on a private loop in a worker thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, _outcome(coro)).result().value


def read_vpcep_connections(
    cluster_id: str,
    *,
    project_id: str | None = None,
    region: str | None = None,
    endpoint: str | None = None,
    config: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    config_namespace: str = "huaweicloud",
    timeout: httpx.Timeout | None = None,
    retry: RetryPolicy | None = None,
) -> VpcepConnectionsResult:
    """Read every VPC endpoint connection of a CSS cluster; the synchronous twin of
    ``aread_vpcep_connections``, with the same arguments and errors."""
    return run_sync(
        aread_vpcep_connections(
            cluster_id,
            project_id=project_id,
            region=region,
            endpoint=endpoint,
            config=config,
            environ=environ,
            config_namespace=config_namespace,
            timeout=timeout,
            retry=retry,
        )
    )
