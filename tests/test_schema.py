"""The plugin's schema is built from the models: their fields, camelCased, with their descriptions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest
from pydantic import BaseModel

from pulumi_css_vpcep._faces import camel_case
from pulumi_css_vpcep._plugin import outputs_to_properties
from pulumi_css_vpcep._schema import (
    CONNECTION_TOKEN,
    FUNCTION_TOKEN,
    PERMISSION_TOKEN,
    RESOURCE_TOKEN,
    package_schema,
)
from pulumi_css_vpcep._settings import CONFIG_KEYS
from pulumi_css_vpcep.models import Connection, Permission, VpcepConnectionsArgs, VpcepConnectionsResult


@pytest.mark.parametrize(
    ("name", "expected"),
    [("cluster_id", "clusterId"), ("vpcep_ipv6_address", "vpcepIpv6Address"), ("id", "id"),
     ("max_session", "maxSession")],
)
def test_camel_case_is_the_schemas_spelling(name: str, expected: str) -> None:
    assert camel_case(name) == expected


def described(model: type[BaseModel]) -> dict[str, str | None]:
    return {camel_case(name): field.description for name, field in model.model_fields.items()}


@pytest.mark.parametrize(
    ("token", "model"),
    [(CONNECTION_TOKEN, Connection), (PERMISSION_TOKEN, Permission)],
)
def test_object_types_are_the_models_fields_with_their_descriptions(token: str, model: type[BaseModel]) -> None:
    properties = package_schema()["types"][token]["properties"]
    assert {key: spec["description"] for key, spec in properties.items()} == described(model)


def test_resource_outputs_are_the_results_fields_with_their_descriptions() -> None:
    properties = package_schema()["resources"][RESOURCE_TOKEN]["properties"]
    assert list(properties) == [camel_case(name) for name in VpcepConnectionsResult.model_fields]
    assert {key: spec["description"] for key, spec in properties.items()} == described(VpcepConnectionsResult)


def test_resource_and_function_inputs_are_the_args_fields() -> None:
    schema = package_schema()
    resource = schema["resources"][RESOURCE_TOKEN]
    function = schema["functions"][FUNCTION_TOKEN]
    assert {key: spec["description"] for key, spec in resource["inputProperties"].items()} == described(
        VpcepConnectionsArgs
    )
    assert function["inputs"]["properties"] == resource["inputProperties"]
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


def test_config_variables_are_the_settings_keys() -> None:
    assert list(package_schema()["config"]["variables"]) == list(CONFIG_KEYS)


def test_the_plugin_sends_the_schemas_names() -> None:
    result = VpcepConnectionsResult(
        cluster_id="c", project_id="p", region="cn-north-4", endpoint="https://css.example.com",
        connections=[Connection.model_validate({name: "x" for name in Connection.model_fields} | {"max_session": 3})],
        permissions=[Permission(id="b")],
        vpc_service_name=None, vpcep_update_switch=True, total_count=1,
    )
    schema = package_schema()
    properties = outputs_to_properties(result)
    assert set(properties) == set(schema["resources"][RESOURCE_TOKEN]["properties"])
    connections = properties["connections"].value
    assert isinstance(connections, Sequence)
    assert not isinstance(connections, str)
    connection = connections[0].value
    assert isinstance(connection, Mapping)
    assert set(connection) == set(schema["types"][CONNECTION_TOKEN]["properties"])
