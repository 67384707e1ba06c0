"""The plugin's schema says exactly what the read returns: its names are the models' fields, camelCased."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest
from pydantic import BaseModel

from pulumi_css_vpcep.models import Connection, Permission, VpcepConnectionsResult
from pulumi_css_vpcep.plugin import outputs_to_properties
from pulumi_css_vpcep.schema import CONNECTION_TOKEN, PERMISSION_TOKEN, RESOURCE_TOKEN, package_schema


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


@pytest.mark.parametrize(
    ("token", "model"),
    [(CONNECTION_TOKEN, Connection), (PERMISSION_TOKEN, Permission)],
)
def test_object_types_have_exactly_the_models_fields(token: str, model: type[BaseModel]) -> None:
    properties = package_schema()["types"][token]["properties"]
    assert list(properties) == [_camel(name) for name in model.model_fields]


def test_resource_outputs_are_exactly_the_results_fields() -> None:
    properties = package_schema()["resources"][RESOURCE_TOKEN]["properties"]
    assert list(properties) == [_camel(name) for name in VpcepConnectionsResult.model_fields]


def test_the_plugin_sends_the_schemas_names() -> None:
    result = VpcepConnectionsResult(
        cluster_id="c", project_id="p", region="cn-north-4", endpoint="https://css.example.com",
        connections=[Connection(id="a", max_session=3)], permissions=[Permission(id="b")],
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
