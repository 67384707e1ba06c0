"""The models: plain output types, built from the field table's values, in either spelling, documented.

They read no loose JSON (the field table does, ``test_fields.py``): a value of another type is refused.
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from pulumi_css_vpcep._fields import read_page
from pulumi_css_vpcep._schema import VpcepConnectionsArgs
from pulumi_css_vpcep.models import Connection, Permission, VpcepConnectionsResult

CONNECTION: dict[str, Any] = {
    "id": "a", "status": "accepted", "max_session": 3000, "specification_name": "default",
    "created_at": "2021-09-17T08:00:07Z", "update_at": None, "domain_id": "d", "vpcep_ip": "10.0.0.1",
    "vpcep_ipv6_address": "fd00::1", "vpcep_dns_name": "a.example",
}
CONNECTION_CAMEL: dict[str, Any] = {
    "id": "a", "status": "accepted", "maxSession": 3000, "specificationName": "default",
    "createdAt": "2021-09-17T08:00:07Z", "updateAt": None, "domainId": "d", "vpcepIp": "10.0.0.1",
    "vpcepIpv6Address": "fd00::1", "vpcepDnsName": "a.example",
}
PERMISSION = {"id": "p", "permission": "iam:domain::d", "permission_type": "domainId", "created_at": "t"}
OUTPUTS: dict[str, Any] = {
    "cluster_id": "c", "project_id": "p", "region": "cn-north-4", "endpoint": "https://css.example.com",
    "connections": [CONNECTION], "permissions": [PERMISSION], "vpc_service_name": "svc",
    "vpcep_update_switch": True, "total_count": 1,
}
"""A read's outputs, as ``Pagination.result`` gives them and ``to_outputs`` must give them back."""


def test_a_read_builds_the_result_and_to_outputs_gives_its_values_back_in_order() -> None:
    result = VpcepConnectionsResult.model_validate(OUTPUTS)
    outputs = result.to_outputs()
    assert outputs == OUTPUTS
    assert list(outputs) == list(OUTPUTS)
    assert list(outputs["connections"][0]) == list(CONNECTION)
    assert list(outputs["permissions"][0]) == list(PERMISSION)
    assert isinstance(result.connections[0], Connection)
    assert result.connections[0].max_session == 3000
    assert isinstance(result.permissions[0], Permission)


def test_to_outputs_fills_every_field_of_each_item() -> None:
    result = VpcepConnectionsResult.model_validate(
        {**OUTPUTS, "connections": [{"id": "a"}], "permissions": [{"id": "p"}], "vpc_service_name": None}
    )
    assert result.to_outputs()["connections"] == [dict.fromkeys(CONNECTION, None) | {"id": "a"}]
    assert result.to_outputs()["permissions"] == [dict.fromkeys(PERMISSION, None) | {"id": "p"}]
    assert result.to_outputs()["vpc_service_name"] is None


def test_both_spellings_build_the_same_models() -> None:
    assert Connection.model_validate(CONNECTION_CAMEL) == Connection.model_validate(CONNECTION) == Connection(
        **CONNECTION
    )
    assert Connection.model_validate({"updated_at": "t"}).update_at == "t"  # the service's other spelling
    assert Permission.model_validate({"id": "p", "permissionType": "domainId", "createdAt": "t"}) == Permission(
        id="p", permission_type="domainId", created_at="t"
    )
    camel = {
        "clusterId": "c", "projectId": "p", "region": "cn-north-4", "endpoint": "https://css.example.com",
        "connections": [CONNECTION_CAMEL], "permissions": [{"id": "p", "permission": "iam:domain::d",
                                                             "permissionType": "domainId", "createdAt": "t"}],
        "vpcServiceName": "svc", "vpcepUpdateSwitch": True, "totalCount": 1,
    }
    assert VpcepConnectionsResult.model_validate(camel).to_outputs() == OUTPUTS


def test_the_own_spelling_wins_when_both_are_given() -> None:
    assert Connection.model_validate({"max_session": 1, "maxSession": 2}).max_session == 1


def test_unknown_fields_are_ignored_and_missing_optional_ones_are_null() -> None:
    connection = Connection.model_validate({"id": "a", "brandNew": {"x": 1}})
    assert connection == Connection(id="a")
    assert connection.max_session is None
    assert connection.vpcep_dns_name is None


@pytest.mark.parametrize(
    ("model", "raw"),
    [
        (Connection, {"maxSession": "many"}),
        (Connection, {"max_session": 2.5}),
        (Connection, {"id": 12345}),
        (Connection, {"created_at": 1700000000000}),
        (Connection, {"vpcepIp": ["10.0.0.1"]}),
        (Permission, {"id": None, "permission_type": True}),
        (VpcepConnectionsResult, {**OUTPUTS, "vpcep_update_switch": "nonsense"}),
        (VpcepConnectionsResult, {**OUTPUTS, "connections": None}),
        (VpcepConnectionsResult, {**OUTPUTS, "connections": [1]}),
        (VpcepConnectionsResult, {**OUTPUTS, "total_count": None}),
        (VpcepConnectionsResult, {k: v for k, v in OUTPUTS.items() if k != "region"}),
    ],
)
def test_a_value_of_another_type_is_refused_not_read_by_meaning(model: type[BaseModel], raw: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        model.model_validate(raw)


def test_the_documented_example_builds_a_connection_through_the_field_table() -> None:
    documented = {"connections": [{"id": "connectionsID", "status": "accepted", "maxSession": "3000",
                                   "specificationName": "default", "created_at": "2021-09-17T08:00:07Z",
                                   "update_at": None, "domain_id": "domainID"}],
                  "vpcepUpdateSwitch": "false", "total_count": 1}
    connection = Connection.model_validate(read_page(documented)["connections"][0], strict=True)
    assert connection == Connection(id="connectionsID", status="accepted", max_session=3000,
                                    specification_name="default", created_at="2021-09-17T08:00:07Z",
                                    domain_id="domainID")


def test_the_models_are_frozen() -> None:
    result = VpcepConnectionsResult.model_validate(OUTPUTS)
    with pytest.raises(ValidationError):
        result.total_count = 2
    with pytest.raises(ValidationError):
        result.connections[0].status = "rejected"


def test_the_resource_id_is_region_project_and_cluster() -> None:
    result = VpcepConnectionsResult.model_validate(
        {**OUTPUTS, "region": "cn-east-3", "project_id": "p-9", "cluster_id": "c-7"}
    )
    assert result.resource_id == "cn-east-3:p-9:c-7"


@pytest.mark.parametrize("model", [Connection, Permission, VpcepConnectionsResult, VpcepConnectionsArgs])
def test_every_field_is_described(model: type[BaseModel]) -> None:
    assert model.__doc__
    undescribed = [name for name, field in model.model_fields.items() if not (field.description or "").strip()]
    assert undescribed == []
