"""Waiting until named connections have a status: the one loop behind ``css-vpcep wait`` and the resource's
``wait_for`` input.

A ``Waiting`` makes every decision of one wait, without I/O: what a read's outputs say (all there, still
pending, or a status that cannot become the one waited for), the line that reports each change of a named
connection's status, how long to pause, and when the time is up. ``wait`` (synchronous) and ``await_status``
(asynchronous) drive it: one read at a time, each the whole cluster through the caller's read function,
which is given the seconds left so that no read outlasts the wait. A connection's ``id`` is the consumer's
VPC endpoint id; one not listed yet is pending.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, NamedTuple

from ._fields import CONNECTION_STATUSES
from ._settings import validate_id
from .errors import (
    ApiError,
    ConnectionStatusError,
    CssVpcepError,
    IncompleteReadError,
    InvalidInputError,
    TransportError,
    WaitTimeoutError,
)

DEFAULT_STATUS = "accepted"
"""The status waited for when none is named: a consumer's connection that the service accepted."""
FINAL_STATUSES = ("rejected", "failed")
"""The statuses a connection does not leave by itself: waiting for another one after them is in vain."""
DEFAULT_INTERVAL = 5.0
"""Seconds between two reads of a wait, unless the command's ``--interval`` says otherwise."""

Outputs = dict[str, Any]
Report = Callable[[str], None]


class WaitFor(NamedTuple):
    """What a wait waits for: every connection of ``endpoint_ids`` in ``status``."""

    endpoint_ids: tuple[str, ...]
    """The consumers' VPC endpoint ids (each is a connection's ``id``), each once, in the order given."""
    status: str = DEFAULT_STATUS
    """The status, spelled as the API spells it (``accepted``, ``pendingAcceptance``...)."""

    def as_input(self, spell: Callable[[str], str] = str) -> dict[str, Any]:
        """The plain value of the resource's ``wait_for`` input, keys spelled by ``spell``."""
        return {spell("endpoint_ids"): list(self.endpoint_ids), spell("status"): self.status}


def connection_status(value: Any, input_name: str = "status") -> str:
    """A status as the API spells it, in any case (``Accepted`` is ``accepted``), else ``InvalidInputError``: a
    typo would otherwise wait for a status no connection ever has."""
    known = {status.casefold(): status for status in CONNECTION_STATUSES}
    status = known.get(value.strip().casefold()) if isinstance(value, str) else None
    if status is None:
        shown = f"{value!r} is not a connection status" if isinstance(value, str) and value.strip() else "is empty"
        raise InvalidInputError(
            input_name, f"{shown}: use {', '.join(CONNECTION_STATUSES[:-1])} or {CONNECTION_STATUSES[-1]}"
        )
    return status


def wait_for(endpoint_ids: Any, status: Any = None, names: tuple[str, str] = ("endpoint_ids", "status")) -> WaitFor:
    """A checked ``WaitFor``, or ``InvalidInputError`` naming the input (``names``: how the caller spells the
    endpoint ids and the status). Each endpoint id is 1 to 64 letters, digits, ``-`` or ``_``; at least one."""
    ids_name, status_name = names
    if isinstance(endpoint_ids, str) or not isinstance(endpoint_ids, list | tuple):
        raise InvalidInputError(ids_name, "must be a list of VPC endpoint ids")
    if not endpoint_ids:
        raise InvalidInputError(ids_name, "must name at least one VPC endpoint id")
    checked = tuple(dict.fromkeys(validate_id(endpoint_id, ids_name) for endpoint_id in endpoint_ids))
    return WaitFor(checked, DEFAULT_STATUS if status is None else connection_status(status, status_name))


def statuses(outputs: Mapping[str, Any], endpoint_ids: tuple[str, ...]) -> dict[str, str | None]:
    """Each named connection's status in ``outputs`` (a read's), ``None`` when it is not listed."""
    listed = {c.get("id"): c.get("status") for c in outputs.get("connections") or []}
    return {endpoint_id: listed.get(endpoint_id) for endpoint_id in endpoint_ids}


class Waiting:
    """One wait for ``target``, ``seconds`` long, with a read every ``interval`` seconds. ``report`` gets one line
    for each change of a named connection's status (the first read's statuses included)."""

    def __init__(
        self,
        target: WaitFor,
        seconds: float,
        interval: float = DEFAULT_INTERVAL,
        report: Report | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.target = target
        self.seconds = seconds
        self.interval = interval
        self._report = report
        self._clock = clock
        self._ends = clock() + seconds
        self._seen: dict[str, str | None] | None = None

    def seconds_left(self) -> float:
        """What is left of the wait's time, in seconds (0 when it has passed)."""
        return max(0.0, self._ends - self._clock())

    def done(self, outputs: Mapping[str, Any]) -> bool:
        """Whether every named connection has the status in ``outputs``; ``ConnectionStatusError`` when one
        has a status it cannot leave for it."""
        now = statuses(outputs, self.target.endpoint_ids)
        self._tell(now)
        self._seen = now
        wanted = self.target.status
        for endpoint_id, status in now.items():
            if status in FINAL_STATUSES and status != wanted:
                raise ConnectionStatusError(endpoint_id, status, wanted)
        return all(status == wanted for status in now.values())

    def _tell(self, now: dict[str, str | None]) -> None:
        if self._report is None:
            return
        for endpoint_id, status in now.items():
            shown = status or "not listed yet"
            if self._seen is None:
                self._report(f"connection {endpoint_id} is {shown}")
            elif self._seen[endpoint_id] != status:
                self._report(f"connection {endpoint_id}: {self._seen[endpoint_id] or 'not listed'} -> {shown}")

    def pause(self) -> float:
        """Seconds until the next read: the interval, cut to the time left."""
        return min(self.interval, self.seconds_left())

    def check_time(self) -> None:
        """``WaitTimeoutError`` once the wait's time has passed."""
        if self.seconds_left() <= 0:
            raise self._timed_out()

    def failed(self, err: CssVpcepError) -> CssVpcepError:
        """What a read's failure ends the wait with: a failure that persisted until the wait's time passed
        (the read is given only the time left) is the wait's timeout; any other is itself."""
        persisted = isinstance(err, TransportError | IncompleteReadError) or (
            isinstance(err, ApiError) and err.retryable
        )
        return self._timed_out(str(err)) if persisted and self.seconds_left() <= 0 else err

    def _timed_out(self, cause: str | None = None) -> WaitTimeoutError:
        seen = self._seen or dict.fromkeys(self.target.endpoint_ids)
        pending = {endpoint_id: status for endpoint_id, status in seen.items() if status != self.target.status}
        return WaitTimeoutError(pending, self.target.status, self.seconds, cause)


def wait(waiting: Waiting, read: Callable[[float], Outputs], sleep: Callable[[float], None] = time.sleep) -> Outputs:
    """Read (``read(seconds_left)``) until ``waiting`` is done, pausing with ``sleep``; the last read's outputs."""
    while True:
        try:
            outputs = read(waiting.seconds_left())
        except CssVpcepError as err:
            raise waiting.failed(err) from None
        if waiting.done(outputs):
            return outputs
        sleep(waiting.pause())
        waiting.check_time()


async def await_status(waiting: Waiting, read: Callable[[float], Awaitable[Outputs]]) -> Outputs:
    """``wait`` for asynchronous reads: the pauses are ``asyncio.sleep``, so cancelling the task ends it."""
    import asyncio

    while True:
        try:
            outputs = await read(waiting.seconds_left())
        except CssVpcepError as err:
            raise waiting.failed(err) from None
        if waiting.done(outputs):
            return outputs
        await asyncio.sleep(waiting.pause())
        waiting.check_time()
