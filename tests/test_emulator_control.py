"""The emulator's control API over loopback HTTP, as another process (a test suite, the e2e run) uses it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from pulumi_css_vpcep import read_vpcep_connections
from pulumi_css_vpcep.emulator import SAMPLE_CLUSTER_ID, Emulator
from pulumi_css_vpcep.errors import ApiError

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def control(emulator: Emulator, emulator_env: dict[str, str]) -> Iterator[httpx.Client]:
    """An unsigned client of the control API; reads in the test go to the same emulator."""
    with httpx.Client(base_url=f"{emulator.url}/_emulator/", trust_env=False, timeout=10) as client:
        yield client


def error_of(response: httpx.Response) -> str:
    assert response.status_code == 400, response.text
    message: str = response.json()["error"]
    return message


def test_requests_counts_the_api_requests_served(control: httpx.Client) -> None:
    read_vpcep_connections(SAMPLE_CLUSTER_ID)
    counts: dict[str, Any] = control.get("requests").json()
    assert counts["iam"] == 1
    assert counts[f"css:{SAMPLE_CLUSTER_ID}"] == 1
    assert counts["status:200"] == 2


def test_reset_counts_forgets_them(control: httpx.Client) -> None:
    read_vpcep_connections(SAMPLE_CLUSTER_ID)
    assert control.post("reset-counts").json() == {"ok": True}
    assert control.get("requests").json() == {}


def test_faults_are_injected_into_the_next_requests(control: httpx.Client) -> None:
    answer = control.post("faults", json=[{"kind": "status", "status": 403, "code": "CSS.0015", "times": 1}])
    assert answer.json() == {"faults": 1}
    with pytest.raises(ApiError) as refused:
        read_vpcep_connections(SAMPLE_CLUSTER_ID, project_id="0a1b2c3d4e5f40718293a4b5c6d7e8f9")
    assert refused.value.status == 403


def test_a_fault_of_an_unknown_kind_is_refused_naming_it(control: httpx.Client, emulator: Emulator) -> None:
    assert "[0].kind:" in error_of(control.post("faults", json=[{"kind": "explode"}]))
    assert emulator.state.faults == []


def test_a_fault_rate_above_one_is_refused(control: httpx.Client) -> None:
    assert "[0].rate:" in error_of(control.post("faults", json=[{"rate": 2}]))


def test_settings_change_the_page_cap(control: httpx.Client, emulator: Emulator) -> None:
    control.put("clusters/paged", json={"generate": 30})
    assert control.post("settings", json={"page_cap": 10}).json() == {"ok": True}
    result = read_vpcep_connections("paged")
    assert result.total_count == len(result.connections) == 30
    assert emulator.state.requests["css:paged"] == 3


@pytest.mark.parametrize(
    ("settings", "field"),
    [({"page_cap": 0}, "page_cap"), ({"latency": -1}, "latency"), ({"page_kap": 5}, "page_kap")],
)
def test_a_bad_setting_is_refused_naming_it(control: httpx.Client, settings: dict[str, Any], field: str) -> None:
    assert error_of(control.post("settings", json=settings)).startswith(f"{field}:")


def test_a_put_cluster_is_served(control: httpx.Client) -> None:
    assert control.put("clusters/added", json={"generate": 250}).json() == {"id": "added"}
    assert read_vpcep_connections("added").total_count == 250


def test_a_status_flipped_through_get_and_put_is_served(control: httpx.Client) -> None:
    cluster = control.get(f"clusters/{SAMPLE_CLUSTER_ID}").json()
    cluster["connections"][0]["status"] = "rejected"
    control.put(f"clusters/{SAMPLE_CLUSTER_ID}", json=cluster)
    assert read_vpcep_connections(SAMPLE_CLUSTER_ID).connections[0].status == "rejected"


def test_a_bad_cluster_is_refused_naming_the_field(control: httpx.Client, emulator: Emulator) -> None:
    assert error_of(control.put("clusters/bad", json={"generate": "lots"})).startswith("generate:")
    assert "bad" not in emulator.state.clusters


def test_a_body_that_is_not_json_is_refused(control: httpx.Client) -> None:
    assert error_of(control.post("settings", content=b"{")) == "the body is not JSON"


def test_an_unknown_route_is_404(control: httpx.Client) -> None:
    assert control.get("clusters/no-such-cluster").status_code == 404
    assert control.post("reboot").status_code == 404
