"""The decisions of one wait (``_wait.Waiting``), on a clock the test moves: what a read says, the lines it
reports, the pauses, and how a wait ends. The command and both Pulumi faces drive this one loop."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from pulumi_css_vpcep._wait import WaitFor, Waiting, await_status, wait, wait_for
from pulumi_css_vpcep.errors import (
    ApiError,
    ConnectionStatusError,
    InvalidInputError,
    TransportError,
    WaitTimeoutError,
)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def outputs(**statuses: str) -> dict[str, Any]:
    return {"connections": [{"id": id_, "status": status} for id_, status in statuses.items()]}


def test_reads_until_every_named_connection_has_the_status_reporting_each_change() -> None:
    clock, lines = Clock(), list[str]()
    reads = iter([outputs(a="pendingAcceptance"), outputs(a="pendingAcceptance", b="pendingAcceptance"),
                  outputs(a="accepted", b="pendingAcceptance"), outputs(a="accepted", b="accepted")])
    waiting = Waiting(WaitFor(("a", "b")), 60, 5, lines.append, clock)
    last = wait(waiting, lambda _left: next(reads), clock.sleep)
    assert last == outputs(a="accepted", b="accepted")
    assert clock.now == 15  # three pauses of one interval
    assert lines == ["connection a is pendingAcceptance", "connection b is not listed yet",
                     "connection b: not listed -> pendingAcceptance", "connection a: pendingAcceptance -> accepted",
                     "connection b: pendingAcceptance -> accepted"]


@pytest.mark.parametrize("final", ["rejected", "failed"])
def test_a_status_that_cannot_become_the_one_waited_for_ends_the_wait_at_once(final: str) -> None:
    waiting = Waiting(WaitFor(("a", "b")), 60, 5)
    with pytest.raises(ConnectionStatusError) as ended:
        waiting.done(outputs(a="accepted", b=final))
    assert (ended.value.endpoint_id, ended.value.status, ended.value.exit_code) == ("b", final, 6)


def test_waiting_for_rejected_is_waiting_not_failing() -> None:
    assert Waiting(WaitFor(("a",), "rejected"), 60).done(outputs(a="rejected")) is True


def test_the_time_passing_ends_the_wait_naming_what_is_pending_with_its_last_status() -> None:
    clock = Clock()
    waiting = Waiting(WaitFor(("a", "b", "c")), 12, 5, clock=clock)
    with pytest.raises(WaitTimeoutError) as ended:
        wait(waiting, lambda _left: outputs(a="accepted", b="pendingAcceptance"), clock.sleep)
    assert clock.now == 12  # reads at 0, 5 and 10, then the last 2 s
    assert ended.value.pending == {"b": "pendingAcceptance", "c": None}
    assert ended.value.exit_code == 7


def test_each_read_is_given_only_what_is_left_of_the_wait() -> None:
    clock, given = Clock(), list[float]()
    waiting = Waiting(WaitFor(("a",)), 12, 5, clock=clock)

    def read(left: float) -> dict[str, Any]:
        given.append(left)
        return outputs(a="pendingAcceptance")

    with pytest.raises(WaitTimeoutError):
        wait(waiting, read, clock.sleep)
    assert given == [12, 7, 2]


def test_a_read_failure_that_lasts_until_the_time_is_up_is_the_timeout() -> None:
    clock = Clock()
    waiting = Waiting(WaitFor(("a",)), 10, 5, clock=clock)

    def read(left: float) -> dict[str, Any]:
        clock.now += left  # the read's deadline is what is left of the wait
        raise TransportError("cluster c: timed out")

    with pytest.raises(WaitTimeoutError) as ended:
        wait(waiting, read, clock.sleep)
    assert str(ended.value).endswith("; the last read failed: cluster c: timed out")


def test_a_refusal_ends_the_wait_as_itself() -> None:
    refusal = ApiError(403, "CSS.0015", "no such cluster", "r1")

    def read(left: float) -> dict[str, Any]:
        raise refusal

    with pytest.raises(ApiError) as ended:
        wait(Waiting(WaitFor(("a",)), 60), read)
    assert ended.value is refusal


def test_the_asynchronous_wait_makes_the_same_decisions() -> None:
    reads = iter([outputs(a="pendingAcceptance"), outputs(a="accepted")])

    async def read(left: float) -> dict[str, Any]:
        return next(reads)

    assert asyncio.run(await_status(Waiting(WaitFor(("a",)), 60, 0.01), read)) == outputs(a="accepted")


@pytest.mark.parametrize(
    ("endpoint_ids", "status", "named"),
    [([], None, "endpoint_ids"), ("ep-1", None, "endpoint_ids"), (["a/b"], None, "endpoint_ids"),
     (["ep-1"], "acepted", "status"), (["ep-1"], "", "status")],
)
def test_a_bad_wait_is_refused_naming_the_input(endpoint_ids: Any, status: Any, named: str) -> None:
    with pytest.raises(InvalidInputError) as refused:
        wait_for(endpoint_ids, status)
    assert refused.value.input_name == named


def test_a_wait_takes_each_id_once_and_the_apis_spelling_of_the_status() -> None:
    assert wait_for(["b", "a", "b"], "PendingAcceptance") == WaitFor(("b", "a"), "pendingAcceptance")
    assert wait_for(["a"]).status == "accepted"
