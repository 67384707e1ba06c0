"""The attempts of a read's requests: the one owner of signing, retries, waits and each request's timeouts.

A ``Request`` is a GET and what it is about. ``Requests`` (one per read) signs each attempt afresh,
sends it through httpx (a ``send`` of ``_transports.httpx_pool``), judges the outcome (an ``Answer`` or
a ``NetworkFailure``), and either returns the answer's JSON object, waits and tries again (``RetryPolicy``, with
``Retry-After``), or raises the project's error. No attempt outlasts the read's deadline, and no retry
starts whose wait would pass it. It has one synchronous loop (``get``) and one asynchronous loop
(``aget``); they differ only in how they send and how they wait. A cancelled read stops between attempts
and in every wait of either loop.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from ._cancel import Cancellation
from ._credentials import TOKEN_EXPIRED_CODE, Credentials
from ._http_errors import (
    Answer,
    NetworkFailure,
    Redactor,
    Timeout,
    UnreadableAnswer,
    api_error,
    connection_refused,
    final_error,
    json_object,
    name_lookup_failure,
    tls_mismatch_error,
)
from ._settings import Settings, is_loopback
from ._signing import HmacSigner
from ._tls import answers_plain_http, handshake_failure, host_header, is_verification_failure
from ._transports import Timeouts
from ._version import __version__
from .errors import CssVpcepError, TransportError, retryable_status

logger = logging.getLogger("pulumi_css_vpcep")

REQUEST_HEADERS = {"user-agent": f"pulumi-css-vpcep/{__version__}", "accept": "application/json"}
"""What every request carries besides its own headers and signature."""

_SHORTEST_WAIT = 0.001
"""The least time an attempt is given, in seconds (a socket timeout of 0 would make it non-blocking)."""

Outcome = Answer | NetworkFailure
"""What one attempt of a request gives: an answer, or the network's failure."""


class Request(NamedTuple):
    """A GET: its URL with the query (sorted and encoded as it is signed), its own headers, and what it is about
    (``cluster 4f3d...``), as its final error names it. ``shared``: concurrent reads may share its answer."""

    url: str
    headers: Mapping[str, str]
    subject: str
    shared: bool = False


class RetryLines:
    """The retry lines of requests sent together (the pages after the first): the first failure of each
    attempt number is logged at WARNING and the others at INFO (``--verbose``), so that ten pages failing
    for one cause make one line per attempt of the read, not ten."""

    def __init__(self) -> None:
        self._shown: set[int] = set()

    def level(self, attempt: int) -> int:
        """The level of the retry line of failed attempt number ``attempt`` of one of the requests."""
        if attempt in self._shown:
            return logging.INFO
        self._shown.add(attempt)
        return logging.WARNING


class _Attempts:
    """The attempts of one request: judges each outcome, says how long to wait before the next one, and
    raises the project's error when no attempt is left."""

    def __init__(self, requests: Requests, request: Request, lines: RetryLines | None) -> None:
        self.request = request
        self._parts = parts = urlsplit(request.url)
        self.target = (parts.scheme, parts.hostname or "", parts.port)
        """Where the request goes: scheme, host and port."""
        self.number = 0
        self.keys: Credentials | None = None
        """The keys that signed the last attempt."""
        self.renewal_due = False
        """Whether the last attempt's keys were refused as expired: the next attempt renews them first."""
        self._renewed = False
        self._requests = requests
        self._lines = lines or RetryLines()

    def timeouts(self) -> Timeouts:
        """The read's timeouts, each cut to the time left before its deadline."""
        left = max(self._requests.deadline - time.monotonic(), _SHORTEST_WAIT)
        return Timeouts(*(left if limit is None else min(limit, left) for limit in self._requests.timeouts))

    def headers(self, keys: Credentials) -> dict[str, str]:
        """Every header of the next attempt, signed afresh with ``keys`` (a retry gets a new date, and the keys
        of its moment)."""
        self.keys, self.renewal_due = keys, False
        sent = {"host": host_header(*self.target), **REQUEST_HEADERS}
        sent |= {name.lower(): value for name, value in self.request.headers.items()}
        return sent | HmacSigner(keys).headers_for("GET", self._parts.path, self._parts.query, sent)

    def needs_probe(self, outcome: Outcome) -> bool:
        """Whether the first attempt's TLS handshake with an ``https`` endpoint failed or timed out, as it
        does with a plain-HTTP port (which may wait for a line break that a TLS hello never sends)."""
        return (
            self.number == 0
            and self._parts.scheme == "https"
            and isinstance(outcome, NetworkFailure)
            and (outcome.timeout is Timeout.CONNECT or handshake_failure(outcome) is not None)
        )

    def probe_timeout(self, timeouts: Timeouts) -> float:
        """How long the plain-HTTP probe after a failed TLS handshake may take."""
        return min(timeouts.connect or 10.0, 2.0)

    def judge(self, outcome: Outcome, started: float, plain_http: bool = False) -> dict[str, Any] | float:
        """The answer's JSON object, or the seconds to wait before the next attempt."""
        self.number += 1
        retry = self._requests.retry
        retry_after = None
        error: Exception
        if not isinstance(outcome, NetworkFailure):
            logger.info(
                "GET %s -> %d in %.0f ms (request id %s)", self.request.url, outcome.status_code,
                (time.monotonic() - started) * 1000, outcome.headers.get("x-request-id") or "-",
            )
            if outcome.status_code < 400:
                try:
                    return json_object(outcome)
                except UnreadableAnswer as exc:
                    error, retryable = exc, True
            else:
                error = api_error(outcome, self.number, self._requests.redact, self.keys.source if self.keys else None)
                if (error.status == 401 and error.code == TOKEN_EXPIRED_CODE and not self._renewed
                        and not isinstance(self._requests.credentials, Credentials)):
                    # Temporary keys that expired: renewed once, and the same request again (not a retry).
                    self.number -= 1
                    self._renewed = self.renewal_due = True
                    return 0.0
                retryable = retryable_status(outcome.status_code)
                retry_after = outcome.headers.get("retry-after")
        elif plain_http:
            error, retryable = tls_mismatch_error(*self.target[1:]), False
        elif outcome.unsendable:
            error, retryable = outcome, False  # a request this client cannot send: no retry mends it
        elif name_lookup_failure(outcome) is not None:
            error, retryable = outcome, False  # a host that does not resolve now will not a second later
        elif connection_refused(outcome) is not None and is_loopback(self.target[1]):
            error, retryable = outcome, False  # nothing listens on this machine's port: a local service is down
        else:
            error, retryable = outcome, outcome.timeout is not None or not is_verification_failure(outcome)

        delay = retry.delay(self.number, retry_after) if retryable else None
        if delay is None:
            raise self._final(error) from None
        if time.monotonic() + delay > self._requests.deadline:
            final = self._final(error)
            if isinstance(final, TransportError):  # an answer's status and code say more than the deadline
                final = TransportError(f"{final}; the read's deadline of {retry.deadline:g} s has passed")
            raise final from None
        logger.log(
            self._lines.level(self.number), "attempt %d of %d failed: %s; retrying in %.1f s",
            self.number, retry.attempts, self._final(error, about=False), delay,
        )
        return delay

    def _final(self, error: Exception, *, about: bool = True) -> CssVpcepError:
        """The error that ends the request, naming what it was about (unless ``about`` is false: a retry
        line, which the final error follows)."""
        scheme, host, port = self.target
        origin = f"{scheme}://{host_header(scheme, host, None)}" + (f":{port}" if port is not None else "")
        attempts, subject = (self.number, self.request.subject) if about else (1, None)
        return final_error(error, attempts, host, self._requests.redact, subject, origin)


class Requests:
    """The requests of one read: its credentials sign them, its retry policy and timeouts bound them, and
    none outlasts its ``deadline`` (``time.monotonic()``) or its cancellation (``about`` names the read)."""

    def __init__(
        self,
        settings: Settings,
        timeouts: Timeouts,
        deadline: float,
        cancel: Cancellation | None = None,
        about: str | None = None,
    ) -> None:
        self.retry = settings.retry
        self.timeouts = timeouts
        self.deadline = deadline
        self.credentials = settings.credentials
        """Where each attempt's keys come from."""
        self.cancel = cancel
        self.about = about

    @property
    def redact(self) -> Redactor:
        """Hides every key the read's provider has used or handed out, whichever attempt signed with it."""
        return self.credentials.redact

    def check(self) -> None:
        """Raise ``ReadCancelledError`` if the read was cancelled."""
        if self.cancel is not None and self.cancel.cancelled:
            raise self.cancel.error(self.about)

    def get(
        self,
        request: Request,
        send: Callable[[str, Mapping[str, str], Timeouts], Outcome],
        lines: RetryLines | None = None,
    ) -> dict[str, Any]:
        """The JSON object of ``request``, sent by ``send`` until an attempt succeeds or none is left. Requests
        sent together share ``lines``, so that their retries make one line per attempt."""
        attempts = _Attempts(self, request, lines)
        while True:
            self.check()
            stale = attempts.keys if attempts.renewal_due else None
            keys = (self.credentials.renew(stale) if stale else None) or self.credentials.current()
            started, timeouts = time.monotonic(), attempts.timeouts()
            outcome = send(request.url, attempts.headers(keys), timeouts)
            self.check()
            plain_http = attempts.needs_probe(outcome) and answers_plain_http(
                *attempts.target, attempts.probe_timeout(timeouts)
            )
            verdict = attempts.judge(outcome, started, plain_http)
            if isinstance(verdict, dict):
                return verdict
            if self.cancel is None:
                time.sleep(verdict)
            elif self.cancel.wait(verdict):
                self.check()

    async def aget(
        self,
        request: Request,
        send: Callable[[str, Mapping[str, str], Timeouts], Awaitable[Outcome]],
        lines: RetryLines | None = None,
    ) -> dict[str, Any]:
        """``get``, awaiting ``send`` and the waits."""
        import asyncio

        attempts = _Attempts(self, request, lines)
        while True:
            self.check()
            stale = attempts.keys if attempts.renewal_due else None
            keys = (await self.credentials.arenew(stale) if stale else None) or await self.credentials.acurrent()
            started, timeouts = time.monotonic(), attempts.timeouts()
            outcome = await send(request.url, attempts.headers(keys), timeouts)
            self.check()
            plain_http = attempts.needs_probe(outcome) and await asyncio.to_thread(
                answers_plain_http, *attempts.target, attempts.probe_timeout(timeouts)
            )
            verdict = attempts.judge(outcome, started, plain_http)
            if isinstance(verdict, dict):
                return verdict
            await self._await(verdict)

    async def _await(self, seconds: float) -> None:
        """Wait ``seconds``, or less if the read is cancelled meanwhile (from any thread)."""
        import asyncio

        if self.cancel is None:
            await asyncio.sleep(seconds)
            return
        loop = asyncio.get_running_loop()
        woken: asyncio.Future[None] = loop.create_future()

        def wake() -> None:
            if not woken.done():
                woken.set_result(None)

        def on_cancel() -> None:  # from the thread that cancels
            loop.call_soon_threadsafe(wake)

        unsubscribe = self.cancel.subscribe(on_cancel)
        try:
            await asyncio.wait_for(woken, seconds)
        except TimeoutError:
            pass
        finally:
            unsubscribe()
        self.check()
