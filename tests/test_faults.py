"""Fault injection against the real emulator over loopback: what a user gets when the service misbehaves.

Each test names a failure of the service or the network and asserts the outcome a user sees: either
exactly the service's data, or one clear error (in the command: one line on stderr and the right exit
code). Retries are made fast with millisecond backoff or ``Retry-After: 0``, so no backoff is waited
out. What a timeout test waits for is the client's own timeout (0.2 s to 1 s), which is the behaviour
under test: the emulator holds the answer back for an hour, and drops it when it stops. Every read is bounded by
pytest-timeout.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from pulumi_css_vpcep._fields import read_page
from pulumi_css_vpcep._read import aread_vpcep_connections, read_vpcep_connections
from pulumi_css_vpcep._retries import RetryPolicy
from pulumi_css_vpcep.emulator import (
    MAX_CLOCK_SKEW,
    SAMPLE_PROJECT_ID,
    Cluster,
    Emulator,
    Fault,
    generate_connections,
)
from pulumi_css_vpcep.errors import ApiError, TransportError
from pulumi_css_vpcep.models import VpcepConnectionsResult
from tests.command import RETRY_LINE, assert_error_after_retries, assert_one_line_error, run_cli

pytestmark = pytest.mark.timeout(30)

BIG = "big-cluster"
"""A cluster of ten pages (page cap 100), so faults hit the first page and the concurrent ones."""
FAST_TIMEOUT = httpx.Timeout(5.0, read=0.3)


@pytest.fixture
def big(emulator: Emulator, emulator_env: dict[str, str]) -> Cluster:
    """A 1,000-connection cluster on the emulator, with the read pointed at it."""
    cluster = Cluster(id=BIG, connections=generate_connections(1000, prefix="big"))
    emulator.state.add_cluster(cluster)
    return cluster


@pytest.fixture
def huge(emulator: Emulator, emulator_env: dict[str, str]) -> Cluster:
    """A 3,000-connection cluster: 31 requests, so 30% random faults surely hit some."""
    cluster = Cluster(id=BIG, connections=generate_connections(3000, prefix="huge"))
    emulator.state.add_cluster(cluster)
    return cluster


def service_data(cluster: Cluster) -> dict[str, Any]:
    """What the service holds for ``cluster``, read as one page of all of it (``_fields.read_page``)."""
    return read_page(
        {
            "connections": cluster.connections,
            "permissions": cluster.permissions,
            "vpcServiceName": cluster.vpc_service_name,
            "vpcepUpdateSwitch": cluster.vpcep_update_switch,
            "total_count": len(cluster.connections),
        }
    )


def assert_exact(result: VpcepConnectionsResult, cluster: Cluster) -> None:
    """The read returned exactly the service's data: every connection once, in order, field by field."""
    expected, outputs = service_data(cluster), result.to_outputs()
    assert outputs["connections"] == expected["connections"]
    assert outputs["permissions"] == expected["permissions"]
    assert outputs["total_count"] == len(cluster.connections)
    assert outputs["vpc_service_name"] == expected["vpc_service_name"]
    assert outputs["vpcep_update_switch"] == expected["vpcep_update_switch"]


def retries(max_retries: int, **overrides: Any) -> RetryPolicy:
    """Millisecond backoff, so a test spends its time on requests, not sleeps."""
    options: dict[str, Any] = {"base_delay": 0.001, "max_delay": 0.01, "total_timeout": 20.0}
    options.update(overrides)
    return RetryPolicy(max_retries=max_retries, **options)


def connections_command(emulator: Emulator, cluster_id: str = BIG, **env: str) -> subprocess.CompletedProcess[str]:
    return run_cli(
        "connections", "--cluster-id", cluster_id, "--project-id", SAMPLE_PROJECT_ID,
        env={**emulator.environ(), **env},
    )


# --- Random failures: every read is exact -------------------------------------------------------------


def thirty_percent_failures() -> list[Fault]:
    """503s and dropped connections on 30% of requests, CSS and IAM alike (0.15 + 0.85 x 0.1765)."""
    return [
        Fault(kind="status", status=503, rate=0.15, target="any"),
        Fault(kind="drop", rate=0.1765, target="any"),
    ]


@pytest.mark.parametrize("seed", range(5))
def test_thirty_percent_503s_and_drops_with_ten_retries_read_exactly_the_service_data(
    emulator: Emulator, huge: Cluster, seed: int
) -> None:
    emulator.state.rng.seed(seed)
    emulator.state.set_faults(thirty_percent_failures())
    result = read_vpcep_connections(BIG, retry=retries(10), timeout=FAST_TIMEOUT)
    assert_exact(result, huge)
    assert emulator.state.requests["status:503"] + emulator.state.requests["status:0"] > 0


# --- Retry-After ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 503])
def test_a_retry_after_storm_is_waited_out_as_the_service_asks(emulator: Emulator, big: Cluster, status: int) -> None:
    emulator.state.rng.seed(status)
    emulator.state.set_faults([Fault(status=status, retry_after="0", rate=0.5, times=30)])
    # Backoff alone would wait longer than the whole read may take: only honouring Retry-After: 0 succeeds.
    patient_only_if_told = retries(10, base_delay=60.0, max_delay=60.0, total_timeout=20.0)
    result = read_vpcep_connections(BIG, retry=patient_only_if_told)
    assert_exact(result, big)
    assert emulator.state.requests[f"status:{status}"] >= 5


def test_retry_after_as_an_http_date_is_honoured(emulator: Emulator, big: Cluster) -> None:
    emulator.state.set_faults([Fault(status=503, retry_after="Wed, 21 Oct 2015 07:28:00 GMT", times=3)])
    result = read_vpcep_connections(BIG, retry=retries(5, base_delay=60.0, max_delay=60.0))
    assert_exact(result, big)


def test_the_command_exits_5_when_a_retry_after_storm_outlasts_the_retries(emulator: Emulator, big: Cluster) -> None:
    emulator.state.set_faults([Fault(status=429, retry_after="0")])
    result = connections_command(emulator, HW_MAX_RETRIES="3")
    line = assert_error_after_retries(result, 5)
    assert "HTTP 429" in line
    assert "after 4 attempts" in line
    shown = [match.group(0) for match in map(RETRY_LINE.search, result.stderr.splitlines()) if match]
    assert [text.split(" failed")[0] for text in shown] == ["attempt 1 of 4", "attempt 2 of 4", "attempt 3 of 4"]


def test_a_retry_after_beyond_the_read_deadline_gives_up_without_waiting(emulator: Emulator, big: Cluster) -> None:
    emulator.state.set_faults([Fault(status=503, retry_after="3600")])
    with pytest.raises(ApiError) as info:
        read_vpcep_connections(BIG, retry=retries(10, max_retry_after=3600.0, total_timeout=10.0))
    assert (info.value.status, info.value.attempts) == (503, 1)


# --- Slow answers --------------------------------------------------------------------------------------


def test_answers_slower_than_the_read_timeout_are_retried_and_the_read_is_exact(
    emulator: Emulator, big: Cluster
) -> None:
    emulator.state.set_faults([Fault(kind="delay", delay=3600, times=3)])
    result = read_vpcep_connections(BIG, retry=retries(5), timeout=FAST_TIMEOUT)
    assert_exact(result, big)


def test_a_service_that_never_answers_in_time_is_a_timeout_error(emulator: Emulator, big: Cluster) -> None:
    emulator.state.set_faults([Fault(kind="delay", delay=3600)])
    timed_out = r"timed out talking to http://127\.0\.0\.1:\d+ .* after 3 attempts"
    with pytest.raises(TransportError, match=timed_out) as info:
        read_vpcep_connections(BIG, retry=retries(2), timeout=FAST_TIMEOUT)
    assert info.value.exit_code == 5


def test_the_command_exits_5_on_persistent_timeouts(emulator: Emulator, big: Cluster) -> None:
    emulator.state.set_faults([Fault(kind="delay", delay=3600)])
    result = run_cli(
        "connections", "--cluster-id", BIG, "--project-id", SAMPLE_PROJECT_ID, "--timeout", "0.2",
        env={**emulator.environ(), "HW_MAX_RETRIES": "1"},
    )
    assert "timed out" in assert_error_after_retries(result, 5)


def test_the_command_deadline_cuts_an_answer_that_is_slow_to_come(emulator: Emulator, big: Cluster) -> None:
    emulator.state.set_faults([Fault(kind="delay", delay=3600)])
    result = run_cli("connections", "--cluster-id", BIG, "--project-id", SAMPLE_PROJECT_ID, "--deadline", "1",
                     env=emulator.environ())
    line = assert_one_line_error(result, 5)  # the one attempt took the whole deadline: no retry
    assert "timed out talking to http://127.0.0.1:" in line
    assert line.endswith("the read's deadline of 1 s has passed")


def test_the_deadline_cuts_a_slow_answer_in_the_async_read_too(emulator: Emulator, big: Cluster) -> None:
    emulator.state.set_faults([Fault(kind="delay", delay=3600)])
    with pytest.raises(TransportError, match=r"timed out .*; the read's deadline of 1 s has passed$"):
        asyncio.run(aread_vpcep_connections(BIG, retry=retries(10, total_timeout=1.0)))


def test_the_command_deadline_ends_the_read_before_a_wait_that_would_pass_it(emulator: Emulator, big: Cluster) -> None:
    emulator.state.set_faults([Fault(status=503, retry_after="30")])
    result = run_cli("connections", "--cluster-id", BIG, "--project-id", SAMPLE_PROJECT_ID, "--deadline", "5",
                     env=emulator.environ())
    assert "HTTP 503" in assert_one_line_error(result, 5)
    assert emulator.state.requests["status:503"] == 1


# --- Broken bodies -------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["truncate", "non_json", "html"])
def test_broken_answers_now_and_then_still_give_the_exact_data(
    emulator: Emulator, big: Cluster, kind: Any
) -> None:
    emulator.state.set_faults([Fault(kind=kind, status=502, times=4)])
    result = read_vpcep_connections(BIG, retry=retries(6), timeout=FAST_TIMEOUT)
    assert_exact(result, big)
    assert emulator.state.requests["css"] == 10 + 4


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("truncate", "network failure talking to http://127.0.0.1:"),
        ("non_json", "unreadable answer from 127.0.0.1: the answer is not JSON"),
        ("html", "HTTP 502: the gateway answered with an HTML page: 502 Bad Gateway"),
    ],
)
def test_persistently_broken_answers_end_in_one_readable_error(
    emulator: Emulator, big: Cluster, kind: Any, expected: str
) -> None:
    emulator.state.set_faults([Fault(kind=kind, status=502)])
    with pytest.raises((TransportError, ApiError)) as info:
        read_vpcep_connections(BIG, retry=retries(2), timeout=FAST_TIMEOUT)
    message = str(info.value)
    assert expected in message
    assert "after 3 attempts" in message
    assert "\n" not in message
    assert emulator.state.requests["css"] == 3


def test_an_html_refusal_from_the_gateway_exits_4_and_is_not_retried(emulator: Emulator, big: Cluster) -> None:
    emulator.state.set_faults([Fault(kind="html", status=403)])
    line = assert_one_line_error(connections_command(emulator, HW_MAX_RETRIES="5"), 4)
    assert "HTTP 403: the gateway answered with an HTML page: 403 Forbidden" in line
    assert "request id" in line
    assert emulator.state.requests["css"] == 1


# --- Paging (the decisions are in test_paging) ------------------------------------------------------------


def test_the_command_reads_an_id_listed_twice_on_two_full_pages_as_the_distinct_connections(
    emulator: Emulator, emulator_env: dict[str, str]
) -> None:
    connections = generate_connections(200)
    connections[150] = dict(connections[20])  # the service reports 200, of which 199 are distinct
    emulator.state.add_cluster(Cluster(id="twice", connections=connections))
    printed = connections_command(emulator, "twice")
    assert printed.returncode == 0, printed.stderr
    assert [c["id"] for c in json.loads(printed.stdout)["connections"]] == [
        c["id"] for c in connections[:150] + connections[151:]
    ]


# --- Refusals: wrong signatures and clock skew are reported once -----------------------------------------


@pytest.fixture
def refusing(emulator: Emulator, big: Cluster) -> Iterator[Emulator]:
    yield emulator
    assert emulator.state.requests["status:401"] == 1, "a refusal must not be retried"
    assert emulator.state.requests["css"] + emulator.state.requests["iam"] == 1


def test_a_wrong_secret_key_is_refused_once_with_apigw_0301(
    refusing: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HW_SECRET_KEY", "not-the-secret-key")
    with pytest.raises(ApiError) as info:
        read_vpcep_connections(BIG, project_id=SAMPLE_PROJECT_ID, retry=retries(10))
    assert (info.value.status, info.value.code, info.value.exit_code) == (401, "APIGW.0301", 4)
    assert info.value.request_id


def test_the_command_exits_4_on_an_unknown_access_key_during_project_lookup(refusing: Emulator) -> None:
    result = run_cli(
        "connections", "--cluster-id", BIG, env={**refusing.environ(access_key="UNKNOWNKEY"), "HW_MAX_RETRIES": "10"}
    )
    assert "APIGW.0301" in assert_one_line_error(result, 4)
    assert refusing.state.requests["iam"] == 1


@pytest.mark.parametrize("skew", [MAX_CLOCK_SKEW + 120, -(MAX_CLOCK_SKEW + 120)])
def test_a_clock_skewed_beyond_fifteen_minutes_is_refused_once(refusing: Emulator, skew: int) -> None:
    refusing.state.clock_offset = skew
    result = connections_command(refusing, HW_MAX_RETRIES="10")
    line = assert_one_line_error(result, 4)
    assert "HTTP 401 APIGW.0301" in line
    assert "request time is out of range" in line


def test_a_clock_skew_within_fifteen_minutes_is_accepted(emulator: Emulator, big: Cluster) -> None:
    emulator.state.clock_offset = MAX_CLOCK_SKEW - 120
    result = read_vpcep_connections(BIG, project_id=SAMPLE_PROJECT_ID)
    assert_exact(result, big)
