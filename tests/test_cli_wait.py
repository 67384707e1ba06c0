"""``css-vpcep wait`` as a pipeline runs it, against the emulator while its connections change."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time

import pytest

from pulumi_css_vpcep.emulator import SAMPLE_CLUSTER_ID, Emulator
from tests.command import assert_one_line_error, change_later, finish_cli, run_cli, start_cli

pytestmark = pytest.mark.timeout(120)

PENDING = "b71d9e0f-2a3b-4c5d-8e6f-7a8b9c0d1e2f"
"""The sample cluster's connection pending acceptance."""
ACCEPTED = "8e4b1c2a-5d6f-4a7b-9c0d-1e2f3a4b5c6d"


STATUS_LINE = re.compile(r"css-vpcep: connection \S+( is (\w+|not listed yet)|: .+ -> \S+)")
"""The line for each change of a named connection's status."""


def without_status_lines(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    """``result`` with the status lines taken off its stderr."""
    kept = [line for line in result.stderr.splitlines() if not STATUS_LINE.fullmatch(line)]
    return subprocess.CompletedProcess(result.args, result.returncode, result.stdout, "".join(f"{k}\n" for k in kept))


def wait(*flags: str) -> list[str]:
    return ["wait", "--cluster-id", SAMPLE_CLUSTER_ID, *flags]


def test_a_pending_connection_accepted_meanwhile_ends_the_wait_with_the_outputs(emulator: Emulator) -> None:
    change_later(emulator, PENDING, 1, status="accepted")
    result = run_cli(*wait("--endpoint-id", PENDING, "--interval", "0.2s"), env=emulator.environ())
    assert result.returncode == 0, result.stderr
    outputs = json.loads(result.stdout)
    assert outputs["total_count"] == 3
    assert {c["id"]: c["status"] for c in outputs["connections"]}[PENDING] == "accepted"
    assert result.stderr.splitlines() == [
        f"css-vpcep: connection {PENDING} is pendingAcceptance",
        f"css-vpcep: connection {PENDING}: pendingAcceptance -> accepted",
    ]


def test_a_connection_listed_only_after_the_wait_started_is_waited_for(emulator: Emulator) -> None:
    change_later(emulator, "ep-late", 1, status="pendingAcceptance", domain_id="d1")
    change_later(emulator, "ep-late", 2, status="accepted")
    result = run_cli(*wait("--endpoint-id", "ep-late", "--interval", "0.2"), env=emulator.environ())
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[0] == "css-vpcep: connection ep-late is not listed yet"
    assert result.stderr.splitlines()[-1].endswith("connection ep-late: pendingAcceptance -> accepted")
    assert json.loads(result.stdout)["total_count"] == 4


def test_a_rejection_ends_the_wait_with_6_at_the_next_read_naming_the_connection(emulator: Emulator) -> None:
    change_later(emulator, PENDING, 1, status="rejected")
    result = run_cli(*wait("--endpoint-id", PENDING, "--interval", "2s", "--timeout", "5m"),
                     env=emulator.environ())
    line = assert_one_line_error(without_status_lines(result), 6)
    assert line == f"css-vpcep: connection {PENDING} is rejected: it will not become accepted"
    # Within one interval: the read that found it pending, then the first read after the rejection.
    assert emulator.state.requests[f"css:{SAMPLE_CLUSTER_ID}"] <= 2


def test_the_timeout_ends_the_wait_with_7_naming_what_is_still_pending(emulator: Emulator) -> None:
    result = run_cli(*wait("--endpoint-id", PENDING, "--endpoint-id", ACCEPTED, "--endpoint-id", "ep-none",
                           "--timeout", "1.5s", "--interval", "0.5s"), env=emulator.environ())
    line = assert_one_line_error(without_status_lines(result), 7)
    assert line == (f"css-vpcep: timed out after 1.5 s waiting for accepted: still pending {PENDING} "
                    "(pendingAcceptance), ep-none (not listed)")


def test_two_endpoints_are_both_waited_for(emulator: Emulator) -> None:
    change_later(emulator, "ep-second", 0.5, status="pendingAcceptance")
    change_later(emulator, PENDING, 1, status="accepted")
    change_later(emulator, "ep-second", 2.5, status="accepted")
    result = run_cli(*wait("--endpoint-id", PENDING, "--endpoint-id", "ep-second", "--interval", "0.2"),
                     env=emulator.environ())
    assert result.returncode == 0, result.stderr
    statuses = {c["id"]: c["status"] for c in json.loads(result.stdout)["connections"]}
    assert (statuses[PENDING], statuses["ep-second"]) == ("accepted", "accepted")
    accepted = [line for line in result.stderr.splitlines() if line.endswith("-> accepted")]
    assert accepted == [f"css-vpcep: connection {PENDING}: pendingAcceptance -> accepted",
                        "css-vpcep: connection ep-second: pendingAcceptance -> accepted"]


def test_a_status_in_another_case_is_the_apis(emulator: Emulator) -> None:
    result = run_cli(*wait("--endpoint-id", PENDING, "--status", "PENDINGACCEPTANCE"),
                     env=emulator.environ())
    assert result.returncode == 0, result.stderr


def test_ctrl_c_ends_the_wait_with_130_at_once(emulator: Emulator) -> None:
    process = start_cli(*wait("--endpoint-id", PENDING, "--interval", "30s"), env=emulator.environ())
    assert process.stderr is not None
    assert process.stderr.readline().endswith("is pendingAcceptance\n")  # the first read is done: it now pauses
    interrupted = time.monotonic()
    process.send_signal(signal.SIGINT)
    result = finish_cli(process)
    assert time.monotonic() - interrupted < 5  # the target is 2 s; room for a loaded machine
    assert result.returncode == 130
    assert result.stderr.strip() == "css-vpcep: interrupted"


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        (["--endpoint-id", "a/b"], "--endpoint-id"),
        (["--endpoint-id", PENDING, "--status", "acepted"], "--status"),
        (["--endpoint-id", PENDING, "--timeout", "10 minutes"], "--timeout"),
        (["--endpoint-id", PENDING, "--timeout", "0"], "--timeout"),
        (["--endpoint-id", PENDING, "--interval", "-1s"], "--interval"),
        (["--endpoint-id", PENDING, "--deadline", "0"], "--deadline"),
        (["--endpoint-id", PENDING, "--region", "CN"], "--region"),
        ([], "--endpoint-id"),
    ],
)
def test_bad_usage_exits_2_naming_the_flag_and_sends_nothing(
    emulator: Emulator, flags: list[str], named: str
) -> None:
    line = assert_one_line_error(run_cli(*wait(*flags), env=emulator.environ()), 2)
    assert named in line
    assert sum(emulator.state.requests.values()) == 0
