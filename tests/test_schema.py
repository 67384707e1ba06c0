"""The plugin's schema: the names the spec gives, every property described, types as the models say."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from importlib.metadata import metadata
from typing import Any

import pytest

from pulumi_css_vpcep._faces import camel_case
from pulumi_css_vpcep._plugin import output_properties
from pulumi_css_vpcep._schema import (
    CONNECTION_TOKEN,
    FUNCTION_TOKEN,
    HOME,
    RESOURCE_TOKEN,
    package_schema,
)
from pulumi_css_vpcep.models import Connection, Permission, VpcepConnectionsResult


@pytest.mark.parametrize(
    ("name", "expected"),
    [("cluster_id", "clusterId"), ("vpcep_ipv6_address", "vpcepIpv6Address"), ("id", "id"),
     ("max_session", "maxSession")],
)
def test_camel_case_is_the_schemas_spelling(name: str, expected: str) -> None:
    assert camel_case(name) == expected


SPEC_OUTPUTS = [
    "clusterId", "projectId", "region", "endpoint", "connections", "permissions", "vpcServiceName",
    "vpcepUpdateSwitch", "totalCount",
]
"""The resource's outputs as SPEC.md names them (in camelCase, as schemas spell them)."""


def all_properties(schema: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """Every property the schema declares, by where it is."""
    found: dict[str, Mapping[str, Any]] = {}
    for token, spec in schema["types"].items():
        found |= {f"{token}.{k}": v for k, v in spec["properties"].items()}
    for token, spec in schema["resources"].items():
        found |= {f"{token}.{k}": v for k, v in (spec["properties"] | spec["inputProperties"]).items()}
    for token, spec in schema["functions"].items():
        found |= {f"{token}.{k}": v for k, v in (spec["inputs"]["properties"] | spec["outputs"]["properties"]).items()}
    found |= {f"config.{k}": v for k, v in schema["config"]["variables"].items()}
    return found


def test_every_property_is_described_for_the_generated_sdks() -> None:
    undescribed = [where for where, spec in all_properties(package_schema()).items() if not spec.get("description")]
    assert undescribed == []


def test_the_resource_and_the_function_give_the_outputs_the_spec_names() -> None:
    schema = package_schema()
    resource = schema["resources"][RESOURCE_TOKEN]
    function = schema["functions"][FUNCTION_TOKEN]
    assert list(resource["properties"]) == SPEC_OUTPUTS
    assert list(function["outputs"]["properties"]) == SPEC_OUTPUTS
    assert function["inputs"]["properties"] == {k: v for k, v in resource["inputProperties"].items() if k != "waitFor"}
    assert resource["requiredInputs"] == function["inputs"]["required"] == ["clusterId"]


def test_types_follow_the_models_annotations() -> None:
    schema = package_schema()
    outputs = schema["resources"][RESOURCE_TOKEN]["properties"]
    assert outputs["connections"]["type"] == "array"
    assert outputs["connections"]["items"] == {"$ref": f"#/types/{CONNECTION_TOKEN}"}
    assert outputs["totalCount"]["type"] == "integer"
    assert outputs["vpcepUpdateSwitch"]["type"] == "boolean"
    assert outputs["vpcServiceName"]["type"] == "string"
    assert "vpcServiceName" not in schema["resources"][RESOURCE_TOKEN]["required"]  # it may be null
    assert schema["types"][CONNECTION_TOKEN]["properties"]["maxSession"]["type"] == "integer"


def test_the_plugin_sends_the_schemas_names() -> None:
    result = VpcepConnectionsResult(
        cluster_id="c", project_id="p", region="cn-north-4", endpoint="https://css.example.com",
        connections=[Connection.model_validate({name: "x" for name in Connection.model_fields} | {"max_session": 3})],
        permissions=[Permission(id="b")],
        vpc_service_name=None, vpcep_update_switch=True, total_count=1,
    )
    schema = package_schema()
    properties = output_properties(result.to_outputs())
    assert list(properties) == list(schema["resources"][RESOURCE_TOKEN]["properties"])
    assert properties["vpcServiceName"].value is None  # a null output is sent, as null
    connections = properties["connections"].value
    assert isinstance(connections, Sequence)
    assert not isinstance(connections, str)
    connection = connections[0].value
    assert isinstance(connection, Mapping)
    assert set(connection) == set(schema["types"][CONNECTION_TOKEN]["properties"])
    permissions = properties["permissions"].value
    assert isinstance(permissions, Sequence)
    assert not isinstance(permissions, str)
    permission = permissions[0].value
    assert isinstance(permission, Mapping)
    assert set(permission) == {"id"}  # a null field of an item is left out: it reads the same in every SDK


def test_the_schema_names_the_projects_home_as_the_distribution_does() -> None:
    schema = package_schema()
    urls = dict(url.split(", ", 1) for url in metadata("pulumi-css-vpcep").get_all("Project-URL") or [])
    assert schema["homepage"] == schema["repository"] == urls["Homepage"] == f"https://{HOME}"
    assert schema["publisher"] == "pulumi-css-vpcep"


def test_every_generated_sdk_carries_the_projects_own_name() -> None:
    language = package_schema()["language"]
    assert language["go"]["importBasePath"].startswith(f"{HOME}/sdk/go/")
    assert language["nodejs"]["packageName"].startswith("@pulumi-css-vpcep/")  # not Pulumi's own @pulumi scope
    assert language["python"]["packageName"] != "pulumi_css_vpcep"  # the SDK must not shadow this package
    assert language["python"]["packageName"].isidentifier()
    assert language["csharp"]["rootNamespace"] not in ("Pulumi", "")
