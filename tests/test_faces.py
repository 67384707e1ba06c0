"""The core both Pulumi faces share: input checks, what a state names, replace or drift, output names."""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_css_vpcep import _faces as faces
from pulumi_css_vpcep._fields import CONNECTION_FIELDS
from pulumi_css_vpcep._schema import VpcepConnectionsArgs
from pulumi_css_vpcep.errors import InvalidInputError
from pulumi_css_vpcep.models import Connection, VpcepConnectionsResult

STORED = {
    "cluster_id": "c-1", "project_id": "p-1", "region": "cn-north-4", "endpoint": "https://css.example.com",
    "connections": [{"id": "a", "max_session": 3.0}, {"id": "b", "max_session": 4.0}], "permissions": [],
    "vpcep_update_switch": False, "total_count": 2.0,
}


def fresh(**changes: Any) -> dict[str, Any]:
    """The outputs of a read, as ``VpcepConnectionsResult.to_outputs()`` gives them."""
    fields = {**STORED, "connections": [Connection(id="a", max_session=3), Connection(id="b", max_session=4)],
              "vpc_service_name": None, "total_count": 2}
    return VpcepConnectionsResult.model_validate({**fields, **changes}).to_outputs()


def test_output_names_are_the_results_fields_and_inputs_are_among_them() -> None:
    assert tuple(VpcepConnectionsResult.model_fields) == faces.OUTPUT_NAMES
    assert tuple(VpcepConnectionsArgs.model_fields) == faces.INPUT_NAMES
    assert faces.INPUT_NAMES == ("cluster_id", "project_id", "region", "endpoint")
    assert tuple(n for n, f in VpcepConnectionsArgs.model_fields.items() if f.is_required()) == faces.REQUIRED_INPUTS
    assert set(faces.COMPUTED_NAMES) == set(faces.OUTPUT_NAMES) - set(faces.INPUT_NAMES)


def test_check_names_each_bad_input_as_the_face_spells_it() -> None:
    inputs, failures = faces.check_inputs({"projectId": "a/b", "endpoint": "ftp://x"}, faces.camel_case)

    assert [failure.name for failure in failures] == ["clusterId", "projectId", "endpoint"]
    assert failures[0].reason == "clusterId is required"
    assert inputs == {"cluster_id": None, "project_id": None, "region": None, "endpoint": None}


def test_check_normalises_good_inputs_and_lets_unknown_ones_pass() -> None:
    inputs, failures = faces.check_inputs({"cluster_id": faces.UNKNOWN, "endpoint": "https://css.example.com/"})

    assert failures == []
    assert inputs == {"cluster_id": faces.UNKNOWN, "project_id": None, "region": None,
                      "endpoint": "https://css.example.com"}


def test_check_refuses_unknown_values_where_they_must_be_known_and_names_not_inputs() -> None:
    _, failures = faces.check_inputs({"cluster_id": faces.UNKNOWN, "colour": "red", "__provider": "x"},
                                     allow_unknown=False, only_inputs=True)

    assert [(f.name, f.reason.split(":")[0]) for f in failures] == [
        ("colour", "unknown input 'colour'"), ("cluster_id", "cluster_id must be known")
    ]


def test_checked_inputs_raise_the_first_failure() -> None:
    with pytest.raises(InvalidInputError, match="cluster_id"):
        faces.checked_inputs({"cluster_id": "no spaces"})


def test_a_stored_state_names_what_was_resolved_at_creation_and_an_id_names_the_rest() -> None:
    # The endpoint is how to reach the service: the one given as an input, else the settings' at each read.
    assert faces.stored_identity(STORED, "ignored") == {
        "cluster_id": "c-1", "project_id": "p-1", "region": "cn-north-4", "endpoint": None
    }
    assert faces.stored_identity(STORED, "ignored", "https://private.example.com")["endpoint"] == (
        "https://private.example.com"
    )
    assert faces.stored_identity({}, "cn-north-4:p-2:c-2") == {
        "cluster_id": "c-2", "project_id": "p-2", "region": "cn-north-4", "endpoint": None
    }
    assert faces.last_endpoint(STORED) == "https://css.example.com"
    assert faces.last_endpoint({**STORED, "endpoint": "ftp://x"}) is None
    with pytest.raises(InvalidInputError, match="id"):
        faces.stored_identity({}, "not-an-id")


def test_an_update_reads_the_inputs_given_else_what_the_state_names() -> None:
    named = faces.pinned({"cluster_id": "c-1", "project_id": None, "region": "cn-east-3", "endpoint": None}, STORED)

    assert named == {"cluster_id": "c-1", "project_id": "p-1", "region": "cn-east-3", "endpoint": None}


def test_another_endpoint_is_drift_only_when_the_endpoint_is_an_input() -> None:
    moved = {**fresh(), "endpoint": "http://127.0.0.1:9"}

    assert faces.drift(STORED, moved, endpoint_given=False) == []
    assert faces.drift(STORED, moved) == ["endpoint"]


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        ({"cluster_id": "c-1", "project_id": None, "region": None, "endpoint": None}, []),
        ({"cluster_id": "c-1", "project_id": "p-1", "region": "cn-north-4", "endpoint": None}, []),
        ({"cluster_id": "c-2", "project_id": None, "region": None, "endpoint": None}, ["cluster_id"]),
        ({"cluster_id": "c-1", "project_id": None, "region": faces.UNKNOWN, "endpoint": None}, ["region"]),
    ],
)
def test_a_given_input_that_differs_or_is_unknown_replaces(inputs: faces.Inputs, expected: list[str]) -> None:
    assert faces.replacements(inputs, STORED) == expected


def test_drift_ignores_order_and_float_numbers_and_names_what_changed() -> None:
    assert faces.drift(STORED, fresh()) == []
    assert faces.drift(STORED, fresh(connections=[Connection(id="b", max_session=4),
                                                  Connection(id="a", max_session=3)])) == []
    assert faces.drift(STORED, fresh(total_count=3, vpcep_update_switch=True)) == [
        "vpcep_update_switch", "total_count"
    ]
    # A state of another shape is read field by field: what it lacks differs, what it holds may not.
    assert faces.drift({"cluster_id": "c-1"}, fresh()) == [
        "project_id", "region", "endpoint", "connections", "total_count"
    ]


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        (STORED, []),
        ({**STORED, "vpc_service_name": None, "permissions": None}, []),  # null outputs, as a state may hold them
        ({**STORED, "total_count": "2"}, []),  # other shapes, read by meaning as the service's pages are
        ({**STORED, "vpcep_update_switch": "false"}, []),
        ({**STORED, "connections": [{"id": "a", "maxSession": "3"}, {"id": "b", "max_session": 4.0}]}, []),
        ({**STORED, "connections": [{"id": "a", "max_session": 3.0, "update_at": None}, {"id": "b", "max_session": 4}]},
         []),
        ({**STORED, "total_count": 2.5}, ["total_count"]),
        ({**STORED, "total_count": True}, ["total_count"]),
        ({**STORED, "connections": ["a", "b"]}, ["connections"]),
        ({**STORED, "connections": [{"id": "a", "max_session": 3.5}, {"id": "b", "max_session": 4.0}]},
         ["connections"]),
        ({**STORED, "connections": None, "total_count": None}, ["connections", "total_count"]),
        ({**STORED, "vpcep_update_switch": "yes"}, ["vpcep_update_switch"]),
        ({**STORED, "region": 4}, ["region"]),
        ({faces.camel_case(name): value for name, value in STORED.items()}, []),  # the plugin's spelling
    ],
)
def test_drift_reads_stored_outputs_by_the_field_table(stored: dict[str, Any], expected: list[str]) -> None:
    assert faces.drift(stored, fresh()) == expected


def test_a_drift_notice_names_each_connection_added_removed_or_changed_by_id_with_old_and_new_values() -> None:
    stored = {**STORED, "connections": [{"id": "a", "status": "pendingAcceptance", "max_session": 3.0},
                                        {"id": "b", "status": "accepted", "max_session": 4.0}]}
    read = fresh(connections=[Connection(id="a", status="accepted", max_session=10),
                              Connection(id="c", status="pendingAcceptance", max_session=1)], total_count=2)

    notice = faces.drift_notice(stored, read, faces.drift(stored, read), faces.camel_case)

    assert notice.splitlines() == [
        "css-vpcep: cluster c-1 drifted from the stored outputs: connections",
        "  connection a: status pendingAcceptance -> accepted, maxSession 3 -> 10",
        "  connection c added: status pendingAcceptance",
        "  connection b removed",
    ]


def test_a_drift_notice_lists_the_first_ten_changes_and_counts_the_rest() -> None:
    stored = {**STORED, "connections": [{"id": f"c{n:02}", "status": "pendingAcceptance"} for n in range(25)],
              "total_count": 25.0}
    read = fresh(connections=[Connection(id=f"c{n:02}", status="accepted") for n in range(25)], total_count=25)

    lines = faces.drift_notice(stored, read, faces.drift(stored, read)).splitlines()

    assert lines[0].endswith("drifted from the stored outputs: connections")
    assert lines[1:] == [
        *(f"  connection c{n:02}: status pendingAcceptance -> accepted" for n in range(10)),
        "  and 15 more changes",
    ]


def test_a_drift_notice_writes_the_services_text_so_it_cannot_reach_a_terminal_raw() -> None:
    read = fresh(vpc_service_name="svc\x1b[2J")

    notice = faces.drift_notice(STORED, read, faces.drift(STORED, read))

    assert notice.splitlines()[1] == '  vpc_service_name: null -> "svc\\u001b[2J"'


def test_a_handed_off_read_is_taken_once_and_only_for_the_same_identity() -> None:
    handoff = faces.ReadHandoff()
    named = faces.identity(STORED)
    handoff.keep(named, fresh())

    assert handoff.take({**named, "region": "cn-east-3"}) is None
    assert handoff.take(named) == fresh()
    assert handoff.take(named) is None


def connection(**fields: Any) -> dict[str, Any]:
    """A connection as a read gives it: every field, ``None`` where the service gave none."""
    return {name: fields.get(name) for name in CONNECTION_FIELDS}


def test_output_values_fill_every_field_of_each_item_and_make_numbers_whole_again() -> None:
    items = [{"id": "a", "maxSession": 3.0}, {"id": "b", "vpcep_dns_name": "b.example", "max_session": "4"}, "junk"]

    assert faces.output_value("connections", items) == [
        connection(id="a", max_session=3), connection(id="b", vpcep_dns_name="b.example", max_session=4)
    ]
    assert faces.output_value("permissions", [{"id": "p", "permissionType": "domainId"}]) == [
        {"id": "p", "permission": None, "permission_type": "domainId", "created_at": None}
    ]
    assert type(faces.output_value("total_count", 2.0)) is int
    assert faces.output_value("vpc_service_name", None) is None
    assert faces.output_value("connections", None) is None


def test_camel_case_outputs_become_a_reads_snake_case_outputs() -> None:
    outputs = faces.outputs_from({"clusterId": "c-1", "totalCount": 2.0,
                                  "connections": [{"id": "a", "maxSession": 3.0, "vpcepDnsName": "a.example"}]})

    assert outputs["cluster_id"] == "c-1"
    assert outputs["total_count"] == 2
    assert type(outputs["total_count"]) is int
    assert outputs["connections"] == [connection(id="a", max_session=3, vpcep_dns_name="a.example")]
    assert outputs["permissions"] is None
    assert list(outputs) == list(faces.OUTPUT_NAMES)


def test_configuration_keeps_the_keys_a_read_uses_that_have_a_value() -> None:
    given = {"accessKey": "AK", "region": None, "insecure": False, "colour": "red", "projectId": faces.UNKNOWN}

    assert faces.configuration(given.get) == {"accessKey": "AK", "insecure": False}
