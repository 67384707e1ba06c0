"""The typed errors every face reports.

Each error carries the process exit code the ``css-vpcep`` command uses for it, and its ``str()`` is one
readable line that never contains a credential.
"""

from __future__ import annotations

__all__ = [
    "RETRY_STATUSES",
    "ApiError",
    "ConfigurationError",
    "CssVpcepError",
    "IncompleteReadError",
    "InvalidInputError",
    "ReadCancelledError",
    "TransportError",
    "retryable_status",
]

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
"""The HTTP statuses worth another attempt: too many requests, and the service's passing failures."""


def retryable_status(status: int) -> bool:
    """The one rule for an error status: retried, and reported as a failure that persisted (exit 5), or
    not retried, and reported as a refusal that the same request will meet again (exit 4). Every 4xx but
    429 means the request must change; so do 501, 505 and the other 5xx outside ``RETRY_STATUSES``."""
    return status in RETRY_STATUSES


class CssVpcepError(Exception):
    """Base class of every error this package raises on purpose."""

    exit_code: int = 1
    """The exit code of the ``css-vpcep`` command for this error."""


class InvalidInputError(CssVpcepError, ValueError):
    """An explicit input (argument, resource input, flag) is malformed; nothing was sent."""

    exit_code = 2

    def __init__(self, input_name: str, reason: str) -> None:
        super().__init__(f"invalid {input_name}: {reason}")
        self.input_name = input_name
        """The name of the input, as the caller spelled it (``cluster_id``, ``--region``)."""
        self.reason = reason
        """Why the value was refused."""


class ConfigurationError(CssVpcepError):
    """A required setting is missing or malformed, or the region has no unique project."""

    exit_code = 3


class ApiError(CssVpcepError):
    """The service answered with an error status.

    A 4xx other than 429, and a 5xx such as 501 that no retry mends, means the request must change; 429,
    500, 502, 503 and 504 are reported only once retries are used up.
    """

    def __init__(
        self,
        status: int,
        code: str | None,
        message: str,
        request_id: str | None,
        *,
        attempts: int = 1,
        subject: str | None = None,
    ) -> None:
        self.status = status
        """The HTTP status code."""
        self.code = code
        """The service's error code (``CSS.5182``, ``APIGW.0301``), when it sent one."""
        self.message = message
        """The service's message, on one line."""
        self.request_id = request_id
        """The ``X-Request-Id`` that names the request to Huawei Cloud support."""
        self.attempts = attempts
        """How many attempts were made before giving up."""
        self.subject = subject
        """What the request was about (``cluster 4f3d...``, ``the project of region cn-north-4``), when known."""
        super().__init__(self._line())

    @property
    def exit_code(self) -> int:  # type: ignore[override]
        """5 when the status is one that is retried (429, 500, 502, 503, 504), so the failure persisted
        through the retries; 4 when the service refused the request, which another attempt would not change."""
        return 5 if self.retryable else 4

    @property
    def retryable(self) -> bool:
        """Whether this status is one that is retried: the same rule the retries follow."""
        return retryable_status(self.status)

    def _line(self) -> str:
        head = f"{self.subject}: HTTP {self.status}" if self.subject else f"HTTP {self.status}"
        if self.code:
            head += f" {self.code}"
        line = f"{head}: {self.message}"
        if self.request_id:
            line += f" (request id {self.request_id})"
        if self.attempts > 1:
            line += f" after {self.attempts} attempts"
        return line


class TransportError(CssVpcepError):
    """The network failed: connection refused or dropped, timeout, TLS failure, unreadable answer."""

    exit_code = 5


class IncompleteReadError(CssVpcepError):
    """The service's pages stopped bringing new connections before its ``total_count`` was reached."""

    exit_code = 5


class ReadCancelledError(CssVpcepError):
    """The read was stopped before it ended: the Pulumi engine cancelled (the first Ctrl-C of ``pulumi up``,
    or a pipeline's SIGINT to ``pulumi``), or the command was interrupted. Nothing is retried after it."""

    exit_code = 130
