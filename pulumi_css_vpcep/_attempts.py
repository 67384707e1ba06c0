"""The attempts of one request, whichever transport sends it: each outcome judged, the wait before the next
attempt, and the project's error when none is left.

The async read (httpx) and the synchronous first page (``http.client``) each send a request their own
way and hand every outcome here: an answer, or a ``NetworkFailure``. What is retried, after how long
(``RetryPolicy``, with ``Retry-After``), what is logged and which error ends a request is decided here
once for both; so are the headers every request carries and how long it may take: no attempt outlasts
the read's deadline (``RetryPolicy.total_timeout``), and no retry starts that could not end before it.
"""

from __future__ import annotations

import logging
import time
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from . import __version__
from ._http_errors import (
    Answer,
    NetworkFailure,
    Redactor,
    Timeout,
    UnreadableAnswer,
    api_error,
    final_error,
    json_object,
    name_lookup_failure,
    tls_mismatch_error,
)
from ._retries import RetryPolicy, retryable_status
from ._tls import handshake_failure, is_verification_failure
from .errors import CssVpcepError, TransportError

__all__ = ["REQUEST_HEADERS", "Attempts", "Outcome", "RetryLines", "Target", "Timeouts", "logger"]

logger = logging.getLogger("pulumi_css_vpcep")

REQUEST_HEADERS = {"User-Agent": f"pulumi-css-vpcep/{__version__}", "Accept": "application/json"}
"""What every request carries besides its own headers and signature, whichever transport sends it."""


class Timeouts(NamedTuple):
    """How long a request may take to connect (TCP and TLS), and then to bring each answer, in seconds."""

    connect: float | None = 10.0
    read: float | None = 30.0


_SHORTEST_WAIT = 0.001
"""The least time an attempt is given, in seconds (a socket timeout of 0 would make it non-blocking)."""


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

Outcome = Answer | NetworkFailure
"""What one attempt of a request gives: an answer, or the network's failure."""


class Target(NamedTuple):
    """Where a request goes, as the probe and the messages need it (an ``httpx.URL`` has the same fields)."""

    scheme: str
    host: str
    port: int | None

    @classmethod
    def of(cls, url: str) -> Target:
        parts = urlsplit(url)
        return cls(parts.scheme, parts.hostname or "", parts.port)


class Attempts:
    """The attempts of one request: judges each outcome, says how long to wait before the next one, and
    raises the project's error when no attempt is left."""

    def __init__(
        self,
        url: str,
        retry: RetryPolicy,
        deadline: float,
        redact: Redactor,
        lines: RetryLines | None = None,
        subject: str | None = None,
    ) -> None:
        self.url = url
        self.target = Target.of(url)
        self.subject = subject
        """What the request is about, named in its final error (``cluster 4f3d...``)."""
        self.number = 0
        self._retry = retry
        self._deadline = deadline
        self._redact = redact
        self._lines = lines or RetryLines()

    def time_left(self) -> float:
        """Seconds left before the read's deadline: the most the next attempt may take."""
        return max(self._deadline - time.monotonic(), _SHORTEST_WAIT)

    def timeouts(self, wanted: Timeouts) -> Timeouts:
        """``wanted``, each cut to the time left before the read's deadline."""
        left = self.time_left()
        return Timeouts(*(left if limit is None else min(limit, left) for limit in wanted))

    def needs_probe(self, outcome: Outcome) -> bool:
        """Whether the first attempt's TLS handshake with an ``https`` endpoint failed or timed out, as it
        does with a plain-HTTP port (which may wait for a line break that a TLS hello never sends)."""
        return (
            self.number == 0
            and self.target.scheme == "https"
            and isinstance(outcome, NetworkFailure)
            and (outcome.timeout is Timeout.CONNECT or handshake_failure(outcome) is not None)
        )

    def judge(self, outcome: Outcome, started: float, plain_http: bool = False) -> dict[str, Any] | float:
        """The answer's JSON object, or the seconds to wait before the next attempt."""
        self.number += 1
        retry_after = None
        error: Exception
        if not isinstance(outcome, NetworkFailure):
            logger.info(
                "GET %s -> %d in %.0f ms (request id %s)", self.url, outcome.status_code,
                (time.monotonic() - started) * 1000, _or_dash(outcome.headers.get("x-request-id")),
            )
            if outcome.status_code < 400:
                try:
                    return json_object(outcome)
                except UnreadableAnswer as exc:
                    error, retryable = exc, True
            else:
                error = api_error(outcome, self.number, self._redact)
                retryable = retryable_status(outcome.status_code)
                retry_after = outcome.headers.get("retry-after")
        elif plain_http:
            error, retryable = tls_mismatch_error(self.target.host, self.target.port), False
        elif outcome.unsendable:
            error, retryable = outcome, False  # a request this client cannot send: no retry mends it
        elif name_lookup_failure(outcome) is not None:
            error, retryable = outcome, False  # a host that does not resolve now will not a second later
        else:
            error, retryable = outcome, outcome.timeout is not None or not is_verification_failure(outcome)

        delay = self._retry.delay(self.number, retry_after) if retryable else None
        if delay is None:
            raise self._final(error, self.number) from None
        if time.monotonic() + delay > self._deadline:
            raise self._past_deadline(self._final(error, self.number)) from None
        logger.log(
            self._lines.level(self.number),
            "attempt %d of %d failed: %s; retrying in %.1f s",
            self.number, self._retry.attempts, self._final(error, 1, about=False), delay,
        )
        return delay

    def _final(self, error: Exception, attempts: int, *, about: bool = True) -> CssVpcepError:
        """The error that ends the request after ``attempts``, naming what it was about (unless ``about`` is
        false: a retry line, which the final error follows)."""
        target = self.target
        port = f":{target.port}" if target.port is not None else ""
        host = f"[{target.host}]" if ":" in target.host else target.host
        origin = f"{target.scheme}://{host}{port}"
        return final_error(error, attempts, target.host, self._redact, self.subject if about else None, origin)

    def _past_deadline(self, error: CssVpcepError) -> CssVpcepError:
        """The error that ends a request at the read's deadline: a service's answer stays as it was
        (its status and code say more); a network failure says that the deadline ended the read."""
        if isinstance(error, TransportError):
            return TransportError(f"{error}; the read's deadline of {self._retry.deadline:g} s has passed")
        return error


def _or_dash(value: str | None) -> str:
    return "-" if value is None else value
