"""The typed errors every face reports.

Each error carries the process exit code the ``css-vpcep`` command uses for it, and its ``str()`` is one
readable line that never contains a credential.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

__all__ = [
    "RETRY_STATUSES",
    "ApiError",
    "ConfigurationError",
    "ConnectionStatusError",
    "CssVpcepError",
    "IncompleteReadError",
    "InvalidInputError",
    "ReadCancelledError",
    "TransportError",
    "WaitTimeoutError",
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

    def __init__(self, message: str, *, input_name: str | None = None, places: tuple[str, ...] = ()) -> None:
        self.input_name = input_name
        """The input (argument, resource input, flag) that would give the missing setting, by its snake_case
        name (``region``), when there is one: a face names it its own way (``line``)."""
        self.places = places
        """Where else the missing setting can be given (``HW_REGION_NAME``), when ``input_name`` is set."""
        self._message = message
        super().__init__(self.line())

    def line(self, spell_input: Callable[[str], str] | None = None) -> str:
        """The error's one line, the input it needs spelled by ``spell_input`` (``--region`` in the command;
        by default ``the region argument``)."""
        if self.input_name is None:
            return self._message
        spelled = spell_input(self.input_name) if spell_input else f"the {self.input_name} argument"
        options = [spelled, *self.places]
        listed = ", ".join(options[:-1]) + " or " + options[-1] if len(options) > 1 else options[0]
        return f"{self._message}: set {listed}"


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


class ConnectionStatusError(CssVpcepError):
    """A connection waited for reached a status it cannot leave by itself for the one waited for
    (``rejected`` or ``failed``): waiting longer would not change it."""

    exit_code = 6

    def __init__(self, endpoint_id: str, status: str, wanted: str) -> None:
        self.endpoint_id = endpoint_id
        """The connection's id: the consumer's VPC endpoint id."""
        self.status = status
        """The status it reached."""
        self.wanted = wanted
        """The status that was waited for."""
        super().__init__(f"connection {endpoint_id} is {status}: it will not become {wanted}")


class WaitTimeoutError(CssVpcepError):
    """The time given to a wait passed before every connection waited for had the status."""

    exit_code = 7

    def __init__(
        self, pending: Mapping[str, str | None], wanted: str, seconds: float, cause: str | None = None
    ) -> None:
        self.pending = dict(pending)
        """The connections still without the status, each with its last status (``None``: not listed)."""
        self.wanted = wanted
        """The status that was waited for."""
        self.seconds = seconds
        """How long the wait was given, in seconds."""
        listed = ", ".join(f"{endpoint_id} ({status or 'not listed'})" for endpoint_id, status in self.pending.items())
        last = f"; the last read failed: {cause}" if cause else ""
        super().__init__(f"timed out after {seconds:g} s waiting for {wanted}: still pending {listed}{last}")
