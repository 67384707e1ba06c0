"""When a failed request is tried again, and how long to wait first.

``RetryPolicy`` owns every retry setting, the count included: ``resolve_settings`` fills in
``max_retries`` from ``HW_MAX_RETRIES`` when the caller's policy leaves it open, and the client asks the
policy alone whether, and after how long, to try again. No I/O here.
"""

from __future__ import annotations

import email.utils
import math
import random
import time
from dataclasses import dataclass, replace

DEFAULT_MAX_RETRIES = 5
"""As in the Terraform provider: five retries, so at most six attempts."""

DEFAULT_TOTAL_TIMEOUT = 180.0
"""The most a whole read takes by default, in seconds, retries and waits included: 3 minutes."""


def parse_retry_after(value: str | None) -> float | None:
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
    total_timeout: float | None = None
    """The read's deadline: the whole read, retries and waits included, ends within this many seconds.
    Each attempt's timeouts are cut to the time left, and no retry starts whose wait would pass it.
    ``None`` takes ``css-vpcep:readTimeout`` or ``HW_CSS_READ_TIMEOUT`` (default 3 minutes)."""

    @property
    def retries(self) -> int:
        """The most retries a request gets: ``max_retries``, or the default 5 when it is open."""
        return DEFAULT_MAX_RETRIES if self.max_retries is None else self.max_retries

    @property
    def attempts(self) -> int:
        """The most attempts a request gets: the first one and its retries."""
        return 1 + self.retries

    @property
    def deadline(self) -> float:
        """The most seconds a whole read takes: ``total_timeout``, or the default 3 minutes when it is open."""
        return DEFAULT_TOTAL_TIMEOUT if self.total_timeout is None else self.total_timeout

    def with_defaults(self, *, max_retries: int, total_timeout: float = DEFAULT_TOTAL_TIMEOUT) -> RetryPolicy:
        """This policy, with ``max_retries`` and ``total_timeout`` filled in where it leaves them open."""
        return replace(
            self,
            max_retries=max_retries if self.max_retries is None else self.max_retries,
            total_timeout=total_timeout if self.total_timeout is None else self.total_timeout,
        )

    def backoff(self, retry: int) -> float:
        """The wait before retry number ``retry`` (0-based): half fixed, half random."""
        ceiling = min(self.max_delay, self.base_delay * (2.0**retry))
        return ceiling / 2 + random.uniform(0, ceiling / 2)

    def delay(self, attempt: int, retry_after: str | None = None) -> float | None:
        """The wait after failed attempt number ``attempt`` (1-based), or ``None`` when none is left.

        ``retry_after`` is the answer's ``Retry-After`` header, which wins over the backoff.
        """
        if attempt >= self.attempts:
            return None
        asked = parse_retry_after(retry_after)
        if asked is not None:
            return min(asked, self.max_retry_after)
        return self.backoff(attempt - 1)
