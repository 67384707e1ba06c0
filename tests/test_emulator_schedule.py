"""Connections that change while the emulator runs: status changes and late connections, through the data file
and the control API, served over loopback HTTP; and the control API's camelCase answer."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from pulumi_css_vpcep import read_vpcep_connections
from pulumi_css_vpcep.emulator import SAMPLE_CLUSTER_ID, Emulator
from pulumi_css_vpcep.emulator._schedule import advance, as_data, plan
from pulumi_css_vpcep.emulator._state import ClusterSpec, DataFile, validation_message
from tests.command import run_cli

pytestmark = pytest.mark.timeout(60)

PENDING = {"id": "ep-1", "status": "pendingAcceptance", "domain_id": "d1"}


@pytest.fixture
def control(emulator: Emulator, emulator_env: dict[str, str]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{emulator.url}/_emulator/", trust_env=False, timeout=10) as client:
        yield client


def status_of(cluster_id: str, connection_id: str) -> str | None:
    result = read_vpcep_connections(cluster_id)
    return next((c.status for c in result.connections if c.id == connection_id), None)


def eventually(check: Callable[[], bool], seconds: float = 20) -> None:
    """Wait for ``check`` to hold, reading again every 50 ms (a generous bound for a loaded machine)."""
    ends = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < ends, "the change never came"
        time.sleep(0.05)


def test_a_status_change_is_applied_when_it_is_due_and_not_before() -> None:
    connection = {**PENDING, "statusChanges": [{"afterSeconds": 3, "status": "accepted"}]}
    listed, changes = plan([connection], loaded=100.0)
    assert listed == [PENDING]  # served without the timing keys
    assert advance(listed, changes, now=102.9) == changes
    assert listed[0]["status"] == "pendingAcceptance"
    assert advance(listed, changes, now=103.0) == []
    assert listed[0]["status"] == "accepted"


def test_a_late_connection_is_listed_only_from_its_time_then_changes() -> None:
    connection = {**PENDING, "appearsAfterSeconds": 2, "statusChanges": [{"afterSeconds": 5, "status": "rejected"}]}
    listed, changes = plan([connection], loaded=0.0)
    assert listed == []
    changes = advance(listed, changes, now=2.0)
    assert listed == [PENDING]
    advance(listed, changes, now=5.0)
    assert listed[0]["status"] == "rejected"


def test_the_data_file_form_shows_the_changes_to_come_from_now() -> None:
    connections = [{**PENDING, "statusChanges": [{"afterSeconds": 10, "status": "accepted"}]},
                   {"id": "ep-2", "appearsAfterSeconds": 4, "status": "pendingAcceptance"}]
    listed, changes = plan(connections, loaded=0.0)
    assert as_data(listed, changes, now=1.0) == [
        {**PENDING, "statusChanges": [{"afterSeconds": 9.0, "status": "accepted"}]},
        {"id": "ep-2", "status": "pendingAcceptance", "appearsAfterSeconds": 3.0},
    ]


@pytest.mark.parametrize(
    ("connection", "named"),
    [
        ({**PENDING, "statusChanges": [{"afterSeconds": -1, "status": "accepted"}]},
         "connections[0].statusChanges[0].afterSeconds"),
        ({**PENDING, "statusChanges": [{"status": "accepted"}]}, "connections[0].statusChanges[0].afterSeconds"),
        ({**PENDING, "statusChanges": "accepted"}, "connections[0].statusChanges"),
        ({"status": "pendingAcceptance", "appearsAfterSeconds": 1}, "connections[0].id"),
        ({**PENDING, "appearsAfterSeconds": 5, "statusChanges": [{"afterSeconds": 1, "status": "accepted"}]},
         "connections[0].statusChanges[0].afterSeconds comes before the connection appears"),
    ],
)
def test_a_malformed_timing_in_a_data_file_is_refused_naming_it(connection: dict[str, Any], named: str) -> None:
    with pytest.raises(ValidationError) as refused:
        DataFile.model_validate({"clusters": [{"id": "c", "connections": [connection]}]})
    assert named in validation_message(refused.value)


def test_the_command_waits_through_a_status_change_of_its_data_file(tmp_path: Path) -> None:
    data = tmp_path / "changing.json"
    data.write_text(json.dumps({"clusters": [{"id": "c", "connections": [
        {**PENDING, "statusChanges": [{"afterSeconds": 1, "status": "accepted"}]},
    ]}]}), encoding="utf-8")
    result = run_cli("emulator", "--data", str(data), "--", "css-vpcep", "wait", "--cluster-id", "c",
                     "--endpoint-id", "ep-1", "--interval", "0.2", "--timeout", "60")
    assert result.returncode == 0, result.stderr
    assert [c["status"] for c in json.loads(result.stdout)["connections"]] == ["accepted"]


def test_a_posted_status_is_served_at_once(control: httpx.Client) -> None:
    answer = control.post(f"clusters/{SAMPLE_CLUSTER_ID}/connections/b71d9e0f-2a3b-4c5d-8e6f-7a8b9c0d1e2f",
                          json={"status": "accepted"})
    assert answer.json() == {"id": "b71d9e0f-2a3b-4c5d-8e6f-7a8b9c0d1e2f", "afterSeconds": 0.0}
    assert status_of(SAMPLE_CLUSTER_ID, "b71d9e0f-2a3b-4c5d-8e6f-7a8b9c0d1e2f") == "accepted"


def test_a_posted_change_for_later_waits_its_time(control: httpx.Client) -> None:
    control.post(f"clusters/{SAMPLE_CLUSTER_ID}/connections/b71d9e0f-2a3b-4c5d-8e6f-7a8b9c0d1e2f",
                 json={"status": "accepted", "afterSeconds": 600})
    assert status_of(SAMPLE_CLUSTER_ID, "b71d9e0f-2a3b-4c5d-8e6f-7a8b9c0d1e2f") == "pendingAcceptance"
    shown = control.get(f"clusters/{SAMPLE_CLUSTER_ID}").json()["connections"][1]["statusChanges"]
    assert [change["status"] for change in shown] == ["accepted"]
    assert 0 < shown[0]["afterSeconds"] <= 600

    control.post(f"clusters/{SAMPLE_CLUSTER_ID}/connections/b71d9e0f-2a3b-4c5d-8e6f-7a8b9c0d1e2f",
                 json={"status": "rejected", "after_seconds": 0.3})
    eventually(lambda: status_of(SAMPLE_CLUSTER_ID, "b71d9e0f-2a3b-4c5d-8e6f-7a8b9c0d1e2f") == "rejected")


def test_a_posted_connection_that_is_not_listed_appears_when_due(control: httpx.Client) -> None:
    control.post(f"clusters/{SAMPLE_CLUSTER_ID}/connections/ep-late",
                 json={"status": "pendingAcceptance", "domain_id": "d9", "afterSeconds": 0.3})
    eventually(lambda: status_of(SAMPLE_CLUSTER_ID, "ep-late") == "pendingAcceptance")
    assert read_vpcep_connections(SAMPLE_CLUSTER_ID).total_count == 4


def test_a_cluster_put_with_a_late_connection_lists_it_when_due(control: httpx.Client) -> None:
    control.put("clusters/late", json={"connections": [{**PENDING, "appearsAfterSeconds": 0.3}]})
    assert read_vpcep_connections("late").total_count == 0
    eventually(lambda: status_of("late", "ep-1") == "pendingAcceptance")


def test_a_bad_posted_change_is_refused_and_changes_nothing(control: httpx.Client, emulator: Emulator) -> None:
    url = f"clusters/{SAMPLE_CLUSTER_ID}/connections/ep-1"
    assert control.post(url, json={"status": "accepted", "afterSeconds": "soon"}).json()["error"] == (
        "afterSeconds must be a number of seconds from 0 to 86400"
    )
    assert control.post(url, json=["accepted"]).status_code == 400
    assert control.post("clusters/no-such-cluster/connections/ep-1", json={"status": "accepted"}).status_code == 404
    assert emulator.state.clusters[SAMPLE_CLUSTER_ID].changes == []


def test_get_answers_in_the_data_files_camel_case(control: httpx.Client) -> None:
    cluster = control.get(f"clusters/{SAMPLE_CLUSTER_ID}").json()
    assert set(cluster) == {"id", "projectId", "connections", "permissions", "vpcServiceName", "vpcepUpdateSwitch",
                            "enabled", "growBy", "growTimes"}
    assert ClusterSpec.model_validate(cluster).project_id == cluster["projectId"]


def test_put_takes_snake_case_and_camel_case_alike(control: httpx.Client) -> None:
    control.put("clusters/snake", json={"project_id": "0a1b2c3d4e5f40718293a4b5c6d7e8f9", "grow_by": 1,
                                         "vpc_service_name": "svc", "connections": []})
    control.put("clusters/camel", json={"projectId": "0a1b2c3d4e5f40718293a4b5c6d7e8f9", "growBy": 1,
                                         "vpcServiceName": "svc", "connections": []})
    snake, camel = (control.get(f"clusters/{name}").json() for name in ("snake", "camel"))
    assert {**snake, "id": "camel"} == camel
    assert (camel["growBy"], camel["vpcServiceName"]) == (1, "svc")
