"""Models read the service's JSON by meaning and give the outputs' shape."""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_css_vpcep.models import Connection, ConnectionsPage, VpcepConnectionsResult

DOC_EXAMPLE = {
    "connections": [
        {
            "id": "connectionsID",
            "status": "accepted",
            "maxSession": "3000",
            "specificationName": "default",
            "created_at": "2021-09-17T08:00:07Z",
            "update_at": None,
            "domain_id": "domainID",
        }
    ],
    "vpcepUpdateSwitch": "false",
    "total_count": 1,
}


def test_documented_example_parses_with_loose_types_read_by_meaning() -> None:
    page = ConnectionsPage.model_validate(DOC_EXAMPLE)
    assert page.vpcep_update_switch is False
    assert page.total_count == 1
    connection = page.connections[0]
    assert connection.max_session == 3000
    assert connection.specification_name == "default"
    assert connection.update_at is None
    assert connection.vpcep_dns_name is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("3000", 3000), (3000, 3000), (3000.0, 3000), (" 42 ", 42), ("1e3", 1000), ("", None), ("many", None),
     (None, None), (True, None), (2.5, None)],
)
def test_max_session_is_read_by_meaning(raw: Any, expected: int | None) -> None:
    assert Connection.model_validate({"id": "x", "maxSession": raw}).max_session == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("false", False), ("true", True), ("True", True), (True, True), (False, False), (1, True), (0, False),
     ("0", False), (None, False), ("nonsense", False)],
)
def test_update_switch_is_read_by_meaning(raw: Any, expected: bool) -> None:
    assert ConnectionsPage.model_validate({"vpcepUpdateSwitch": raw}).vpcep_update_switch is expected


def test_unknown_fields_are_ignored_and_missing_ones_are_null() -> None:
    page = ConnectionsPage.model_validate({"connections": [{"id": "a", "brandNew": {"x": 1}}], "extra": [1, 2]})
    assert page.connections[0] == Connection(id="a")
    assert page.total_count is None
    assert page.vpc_service_name is None
    assert page.permissions == []


def test_newer_fields_are_read() -> None:
    page = ConnectionsPage.model_validate(
        {
            "vpcServiceName": "svc",
            "permissions": [{"id": "p", "permission": "iam:domain::d", "permission_type": "domainId",
                             "created_at": "t"}],
            "connections": [{"id": "a", "vpcepIp": "10.0.0.1", "vpcepIpv6Address": "fd00::1",
                             "vpcepDnsName": "a.example"}],
        }
    )
    assert page.vpc_service_name == "svc"
    assert page.permissions[0].permission_type == "domainId"
    assert (page.connections[0].vpcep_ip, page.connections[0].vpcep_ipv6_address,
            page.connections[0].vpcep_dns_name) == ("10.0.0.1", "fd00::1", "a.example")


def test_null_or_malformed_lists_become_empty_and_non_objects_are_skipped() -> None:
    assert ConnectionsPage.model_validate({"connections": None}).connections == []
    assert ConnectionsPage.model_validate({"connections": "none"}).connections == []
    assert [c.id for c in ConnectionsPage.model_validate({"connections": [1, {"id": "a"}, "x"]}).connections] == ["a"]


def test_numbers_in_text_fields_become_text() -> None:
    connection = Connection.model_validate({"id": 12345, "created_at": 1700000000000})
    assert (connection.id, connection.created_at) == ("12345", "1700000000000")


def test_outputs_round_trip_through_the_result_model() -> None:
    page = ConnectionsPage.model_validate(DOC_EXAMPLE)
    result = VpcepConnectionsResult(
        cluster_id="c", project_id="p", region="cn-north-4", endpoint="https://css.example.com",
        connections=page.connections, permissions=[], vpc_service_name=None,
        vpcep_update_switch=False, total_count=1,
    )
    outputs = result.to_outputs()
    assert outputs["connections"][0]["max_session"] == 3000
    assert set(outputs) == {"cluster_id", "project_id", "region", "endpoint", "connections", "permissions",
                            "vpc_service_name", "vpcep_update_switch", "total_count"}
    assert set(outputs["connections"][0]) == {"id", "status", "max_session", "specification_name", "created_at",
                                              "update_at", "domain_id", "vpcep_ip", "vpcep_ipv6_address",
                                              "vpcep_dns_name"}
    assert VpcepConnectionsResult.model_validate(outputs) == result
