"""One field table: the plain read of a page (the command's one-page read) and the models read the same.

For any page the service may send, loose types, other spellings, unknown fields, nulls and repeated ids
included, ``fields.read_page`` gives the values of ``ConnectionsPage.model_validate``, paging decides the
same for both, and the plain outputs are ``VpcepConnectionsResult.to_outputs()``, down to the bytes of
the command's JSON.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from pydantic.functional_validators import BeforeValidator

from pulumi_css_vpcep._fields import (
    CONNECTION_FIELDS,
    PAGE_FIELDS,
    PERMISSION_FIELDS,
    camel_case,
    read_page,
    spellings,
)
from pulumi_css_vpcep._paging import Pagination
from pulumi_css_vpcep.errors import IncompleteReadError
from pulumi_css_vpcep.models import Connection, ConnectionsPage, Permission, VpcepConnectionsResult

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

LOOSE_PAGES: list[dict[str, Any]] = [
    {"connections": [{"id": "a", "maxSession": "3000"}], "vpcepUpdateSwitch": "false", "total_count": 1},
    {"connections": [{"id": "a", "max_session": " 3000 ", "maxSession": 1}], "vpcepUpdateSwitch": "true"},
    {"connections": [{"id": "a", "maxSession": 2.5, "updated_at": "t"}, {"id": "a"}], "total_count": "2"},
    {"connections": [{"id": None, "status": 1}, {"id": None, "status": 1}], "total_count": 1.0},
    {"connections": None, "permissions": [None, "x", {"id": 7, "permissionType": True}], "total_count": 0},
    {"connections": [], "total_count": 5},
    {"connections": [{"id": "a", "brandNew": {"x": 1}, "vpcepIp": ["no"]}], "extra": [1, 2], "total_count": None},
    {"connections": [{"id": "b", "maxSession": "1e3", "created_at": 3.0, "update_at": None, "updateAt": "x"}],
     "vpcServiceName": 12, "vpc_service_name": None, "vpcepUpdateSwitch": 1, "total_count": " 1 "},
    {},
]
"""Loose pages as the service has sent them, or might."""

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["3000", " 42 ", "1e3", "2.5", "", "true", "False", "1", "0", "yes", "on", "nan", "inf"]),
    st.text(max_size=12),
)
values = st.one_of(scalars, st.lists(scalars, max_size=2), st.dictionaries(st.text(max_size=4), scalars, max_size=2))


def raw_objects(fields: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """JSON objects with some of ``fields`` in any of their spellings, and unknown keys."""
    keys = [key for name in fields for key in spellings(name)]
    return st.dictionaries(st.sampled_from([*keys, "unknownField"]), values, max_size=len(keys))


ids = st.one_of(st.none(), st.sampled_from(["a", "b", "c", ""]))
connections = st.builds(lambda raw, id_: {**raw, "id": id_}, raw_objects(CONNECTION_FIELDS), ids)
pages = st.builds(
    lambda raw, items, permissions, total: {**raw, "connections": items, "permissions": permissions,
                                            "total_count": total},
    raw_objects(PAGE_FIELDS),
    st.one_of(values, st.lists(st.one_of(connections, scalars), max_size=5)),
    st.one_of(values, st.lists(st.one_of(raw_objects(PERMISSION_FIELDS), scalars), max_size=3)),
    st.one_of(st.none(), st.integers(-1, 6), st.sampled_from(["3", "2.0", "x"])),
)


def _model_values(page: ConnectionsPage) -> dict[str, Any]:
    values = page.model_dump()
    return {name: values[name] for name in PAGE_FIELDS}


@pytest.mark.parametrize(
    ("model", "table"),
    [(Connection, CONNECTION_FIELDS), (Permission, PERMISSION_FIELDS), (ConnectionsPage, PAGE_FIELDS)],
)
def test_the_models_read_each_field_with_the_field_tables_function_and_spellings(
    model: type[BaseModel], table: dict[str, Any]
) -> None:
    assert tuple(model.model_fields) == tuple(table)
    for name, field in model.model_fields.items():
        (validator,) = [item for item in field.metadata if isinstance(item, BeforeValidator)]
        if table[name] is PAGE_FIELDS["connections"]:
            items: Any = validator.func  # the models' wrapper, which also keeps models given for items
            assert items([{"id": "x"}, 1, None]) == table[name]([{"id": "x"}, 1, None])
        else:
            assert validator.func is table[name]
        choices = getattr(field.validation_alias, "choices", None)
        assert tuple(choices or ()) == spellings(name)


def test_camel_case_is_the_apis_spelling() -> None:
    assert [camel_case(name) for name in ("max_session", "vpcep_ipv6_address", "id")] == [
        "maxSession", "vpcepIpv6Address", "id"
    ]


@pytest.mark.parametrize("raw", LOOSE_PAGES)
def test_loose_pages_read_plainly_as_the_models_read_them(raw: dict[str, Any]) -> None:
    assert read_page(raw)._asdict() == _model_values(ConnectionsPage.model_validate(raw))


@FUZZ
@given(pages)
def test_any_page_reads_plainly_as_the_models_read_it(raw: dict[str, Any]) -> None:
    assert read_page(raw)._asdict() == _model_values(ConnectionsPage.model_validate(raw))


def _outputs_both_ways(raw: dict[str, Any]) -> tuple[Any, Any]:
    """The one-page outputs from the plain read and from the models, or the wanted offsets / error of each."""
    results: list[Any] = []
    for pagination in (Pagination(read_page(raw)), Pagination(ConnectionsPage.model_validate(raw))):
        if pagination.wanted():
            results.append(("more pages", pagination.wanted()))
            continue
        try:
            values = pagination.result("cluster-1", "project-1", "cn-north-4", "https://css.example.com")
        except IncompleteReadError as err:
            results.append(("incomplete", str(err)))
        else:
            results.append(values)
    plain, modelled = results
    if isinstance(modelled, dict):
        modelled = VpcepConnectionsResult(**modelled)
    return plain, modelled


@FUZZ
@given(pages)
@example(LOOSE_PAGES[5])
def test_a_page_that_is_the_whole_read_gives_the_models_outputs_in_plain_values(raw: dict[str, Any]) -> None:
    plain, modelled = _outputs_both_ways(raw)
    if isinstance(modelled, VpcepConnectionsResult):
        assert plain == modelled.to_outputs()
        assert list(plain) == list(modelled.to_outputs())
    else:
        assert plain == modelled


def _service_text() -> st.SearchStrategy[str]:
    # Any text JSON can carry to the command and out again (a lone surrogate cannot be written as UTF-8).
    return st.text(st.characters(codec="utf-8"), max_size=20)


@FUZZ
@given(st.lists(st.fixed_dictionaries({"id": _service_text(), "status": _service_text(),
                                        "maxSession": st.integers(-(2**70), 2**70)}), max_size=4),
       _service_text())
def test_the_commands_plain_json_is_byte_for_byte_the_models_json(items: list[dict[str, Any]], name: str) -> None:
    raw = {"connections": items, "vpcServiceName": name, "total_count": len(items)}
    plain, modelled = _outputs_both_ways(raw)
    if isinstance(modelled, VpcepConnectionsResult):
        assert json.dumps(plain, indent=2, ensure_ascii=False) == modelled.model_dump_json(indent=2)
