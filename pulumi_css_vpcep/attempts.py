"""The attempts of one request, whichever transport sends it: each outcome judged, the wait before the next
attempt, and the project's error when none is left.

The async read (httpx) and the synchronous first page (``http.client``) each send a request their own
way and hand every outcome here: an answer, or a ``NetworkFailure``. What is retried, after how long
(``RetryPolicy``, with ``Retry-After``), what is logged and which error ends a request is decided here
once for both; so are the headers every request carries and how long it may take.
"""

from __future__ import annotations

import logging
import time
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from . import __version__
from .http_errors import (
    Answer,
    NetworkFailure,
    Redactor,
    UnreadableAnswer,
    api_error,
    final_error,
    json_object,
    tls_mismatch_error,
)
from .retries import RETRY_STATUSES, RetryPolicy
from .tls import handshake_failure, is_verification_failure

__all__ = ["REQUEST_HEADERS", "Attempts", "Outcome", "Target", "Timeouts", "logger"]

logger = logging.getLogger("pulumi_css_vpcep")

REQUEST_HEADERS = {"User-Agent": f"pulumi-css-vpcep/{__version__}", "Accept": "application/json"}
"""What every request carries besides its own headers and signature, whichever transport sends it."""


class Timeouts(NamedTuple):
    """How long a request may take to connect (TCP and TLS), and then to bring each answer, in seconds."""

    connect: float | None = 10.0
    read: float | None = 30.0

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

    def __init__(self, url: str, retry: RetryPolicy, deadline: float, redact: Redactor) -> None:
        self.url = url
        self.target = Target.of(url)
        self.number = 0
        self._retry = retry
        self._deadline = deadline
        self._redact = redact

    def needs_probe(self, outcome: Outcome) -> bool:
        """Whether the first attempt's TLS handshake with an ``https`` endpoint failed or timed out, as it
        does with a plain-HTTP port (which may wait for a line break that a TLS hello never sends)."""
        return (
            self.number == 0
            and self.target.scheme == "https"
            and isinstance(outcome, NetworkFailure)
            and (outcome.timeout == "ConnectTimeout" or handshake_failure(outcome) is not None)
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
                retryable = outcome.status_code in RETRY_STATUSES
                retry_after = outcome.headers.get("retry-after")
        elif plain_http:
            error, retryable = tls_mismatch_error(self.target.host, self.target.port), False
        elif outcome.unsendable:
            error, retryable = outcome, False  # a request this client cannot send: no retry mends it
        else:
            error, retryable = outcome, outcome.timeout is not None or not is_verification_failure(outcome)

        delay = self._retry.delay(self.number, retry_after) if retryable else None
        host = self.target.host
        if delay is None or time.monotonic() + delay > self._deadline:
            raise final_error(error, self.number, host, self._redact) from None
        logger.warning(
            "attempt %d of %d failed: %s; retrying in %.1f s",
            self.number, self._retry.attempts, final_error(error, 1, host, self._redact), delay,
        )
        return delay


def _or_dash(value: str | None) -> str:
    return "-" if value is None else value
