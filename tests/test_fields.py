"""The field table: the one parser of the API's JSON (``read_page``) and of stored outputs (``read_stored``).

Loose pages as the service sends them (numbers as text, other spellings, nulls, unknown keys, repeated ids)
read into exact plain values; for any page, every field of every connection is there and of its declared
type, and paging keeps each id once, in the service's order. The models are built from these plain values:
a test holds their fields to the table's.
"""

from __future__ import annotations

import json
import types
from collections.abc import Callable
from typing import Any, get_args, get_origin

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from pulumi_css_vpcep._fields import (
    CONNECTION_FIELDS,
    ITEM_FIELDS,
    OUTPUT_FIELDS,
    PAGE_FIELDS,
    PERMISSION_FIELDS,
    camel_case,
    flag,
    objects,
    read_page,
    read_stored,
    spellings,
    text,
    whole_number,
)
from pulumi_css_vpcep._paging import Pagination
from pulumi_css_vpcep.errors import IncompleteReadError
from pulumi_css_vpcep.models import Connection, Permission, VpcepConnectionsResult

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

CONNECTION_NAMES = ("id", "status", "max_session", "specification_name", "created_at", "update_at", "domain_id",
                    "vpcep_ip", "vpcep_ipv6_address", "vpcep_dns_name")
"""A connection's fields as the outputs name them, in order (SPEC.md)."""
PERMISSION_NAMES = ("id", "permission", "permission_type", "created_at")
OUTPUT_NAMES = ("cluster_id", "project_id", "region", "endpoint", "connections", "permissions", "vpc_service_name",
                "vpcep_update_switch", "total_count")


def connection(**fields: Any) -> dict[str, Any]:
    """A connection as the table reads it: every field, ``None`` where not given."""
    assert set(fields) <= set(CONNECTION_NAMES)
    return {name: fields.get(name) for name in CONNECTION_NAMES}


def permission(**fields: Any) -> dict[str, Any]:
    assert set(fields) <= set(PERMISSION_NAMES)
    return {name: fields.get(name) for name in PERMISSION_NAMES}


def page(connections: list[dict[str, Any]] | None = None, permissions: list[dict[str, Any]] | None = None,
         vpc_service_name: str | None = None, vpcep_update_switch: bool = False,
         total_count: int | None = None) -> dict[str, Any]:
    """A page as the table reads it."""
    return {"connections": connections or [], "permissions": permissions or [], "vpc_service_name": vpc_service_name,
            "vpcep_update_switch": vpcep_update_switch, "total_count": total_count}


LOOSE_PAGES: list[tuple[dict[str, Any], dict[str, Any]]] = [
    ({"connections": [{"id": "a", "maxSession": "3000"}], "vpcepUpdateSwitch": "false", "total_count": 1},
     page([connection(id="a", max_session=3000)], total_count=1)),
    # The field's own name wins over its camelCase one, whatever either holds.
    ({"connections": [{"id": "a", "max_session": " 3000 ", "maxSession": 1}], "vpcepUpdateSwitch": "true"},
     page([connection(id="a", max_session=3000)], vpcep_update_switch=True)),
    # Repeated ids are all read: paging, not the page, keeps an id once.
    ({"connections": [{"id": "a", "maxSession": 2.5, "updated_at": "t"}, {"id": "a"}], "total_count": "2"},
     page([connection(id="a", update_at="t"), connection(id="a")], total_count=2)),
    ({"connections": [{"id": None, "status": 1}, {"id": None, "status": 1}], "total_count": 1.0},
     page([connection(status="1"), connection(status="1")], total_count=1)),
    ({"connections": None, "permissions": [None, "x", {"id": 7, "permissionType": True}], "total_count": 0},
     page(permissions=[permission(id="7", permission_type="true")], total_count=0)),
    ({"connections": [], "total_count": 5}, page(total_count=5)),
    ({"connections": [{"id": "a", "brandNew": {"x": 1}, "vpcepIp": ["no"]}], "extra": [1, 2], "total_count": None},
     page([connection(id="a")])),
    # A key present with null is the value, even when another spelling holds one.
    ({"connections": [{"id": "b", "maxSession": "1e3", "created_at": 3.0, "update_at": None, "updateAt": "x"}],
      "vpcServiceName": 12, "vpc_service_name": None, "vpcepUpdateSwitch": 1, "total_count": " 1 "},
     page([connection(id="b", max_session=1000, created_at="3")], vpcep_update_switch=True, total_count=1)),
    ({"connections": "none", "permissions": {"id": "p"}, "vpcServiceName": {"a": 1}, "total_count": "x"}, page()),
    ({}, page()),
]
"""Loose pages as the service has sent them, or might, and what the table reads in each."""

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
"""The response example of the API's documentation, loose types and both spellings as published."""


def test_the_tables_name_the_outputs_fields_in_order() -> None:
    assert tuple(CONNECTION_FIELDS) == CONNECTION_NAMES
    assert tuple(PERMISSION_FIELDS) == PERMISSION_NAMES
    assert tuple(OUTPUT_FIELDS) == OUTPUT_NAMES
    assert tuple(PAGE_FIELDS) == OUTPUT_NAMES[4:]
    assert ITEM_FIELDS == {"connections": CONNECTION_FIELDS, "permissions": PERMISSION_FIELDS}


_READS: dict[Callable[[Any], Any], type] = {text: str, whole_number: int, flag: bool, objects: list}
"""What each reading function gives (besides ``None`` for ``text`` and ``whole_number``)."""


@pytest.mark.parametrize(
    ("model", "table"),
    [(Connection, CONNECTION_FIELDS), (Permission, PERMISSION_FIELDS), (VpcepConnectionsResult, OUTPUT_FIELDS)],
)
def test_the_models_fields_are_the_tables_with_the_types_it_reads(
    model: type[BaseModel], table: dict[str, Any]
) -> None:
    assert tuple(model.model_fields) == tuple(table)
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if get_origin(annotation) in (types.UnionType,):
            (annotation,) = (arg for arg in get_args(annotation) if arg is not type(None))
        assert (get_origin(annotation) or annotation) is _READS[table[name]], name
        choices = getattr(field.validation_alias, "choices", None)
        assert tuple(choices or ()) == spellings(name)


def test_camel_case_is_the_apis_spelling() -> None:
    assert [camel_case(name) for name in ("max_session", "vpcep_ipv6_address", "id")] == [
        "maxSession", "vpcepIpv6Address", "id"
    ]
    assert spellings("update_at") == ("update_at", "updateAt", "updated_at")
    assert spellings("id") == ("id",)


@pytest.mark.parametrize(("raw", "expected"), LOOSE_PAGES)
def test_loose_pages_read_into_exact_plain_values(raw: dict[str, Any], expected: dict[str, Any]) -> None:
    read = read_page(raw)
    assert read == expected
    assert list(read) == list(expected)
    assert [list(item) for item in read["connections"]] == [list(CONNECTION_NAMES)] * len(read["connections"])


def test_the_documented_example_reads_by_meaning() -> None:
    assert read_page(DOC_EXAMPLE) == page(
        [connection(id="connectionsID", status="accepted", max_session=3000, specification_name="default",
                    created_at="2021-09-17T08:00:07Z", domain_id="domainID")],
        total_count=1,
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("3000", 3000), (3000, 3000), (3000.0, 3000), (" 42 ", 42), ("1e3", 1000), ("-7", -7), ("", None),
     ("many", None), ("nan", None), ("inf", None), (float("inf"), None), (None, None), (True, None), (2.5, None),
     ("2.5", None), ([3], None), ({"n": 3}, None)],
)
def test_max_session_is_read_by_meaning(raw: Any, expected: int | None) -> None:
    [read] = read_page({"connections": [{"id": "x", "maxSession": raw}]})["connections"]
    assert read["max_session"] == expected
    assert type(read["max_session"]) is type(expected)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("false", False), ("true", True), ("True", True), (" TRUE ", True), ("yes", True), ("on", True), ("1", True),
     (True, True), (False, False), (1, True), (1.0, True), (0, False), (2, False), ("0", False), (None, False),
     ("nonsense", False), ([True], False)],
)
def test_update_switch_is_read_by_meaning(raw: Any, expected: bool) -> None:
    assert read_page({"vpcepUpdateSwitch": raw})["vpcep_update_switch"] is expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("2", 2), (" 2 ", 2), ("2.0", 2), (2.0, 2), (-1, -1), ("x", None), (False, None), (None, None)],
)
def test_total_count_is_read_by_meaning(raw: Any, expected: int | None) -> None:
    assert read_page({"total_count": raw})["total_count"] == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(12345, "12345"), (1700000000000, "1700000000000"), (3.0, "3"), (2.5, "2.5"), (True, "true"), ("", ""),
     (" a ", " a "), (None, None), ([1], None), ({"a": 1}, None)],
)
def test_text_fields_keep_text_and_write_numbers_and_booleans_as_text(raw: Any, expected: str | None) -> None:
    [read] = read_page({"connections": [{"id": raw, "createdAt": raw}]})["connections"]
    assert (read["id"], read["created_at"]) == (expected, expected)


STORED = {
    "cluster_id": "c-1", "project_id": "p-1", "region": "cn-north-4", "endpoint": "https://css.example.com",
    "connections": [{"id": "a", "max_session": 3.0, "status": "accepted"}, {"id": "b"}],
    "permissions": [{"id": "p", "permission_type": "domainId"}],
    "vpcep_update_switch": True, "total_count": 2.0,
}
"""Outputs as the engine keeps them: numbers as floats, null fields (``vpc_service_name``, ``update_at``) dropped."""
STORED_READ = {
    "cluster_id": "c-1", "project_id": "p-1", "region": "cn-north-4", "endpoint": "https://css.example.com",
    "connections": [connection(id="a", max_session=3, status="accepted"), connection(id="b")],
    "permissions": [permission(id="p", permission_type="domainId")],
    "vpc_service_name": None, "vpcep_update_switch": True, "total_count": 2,
}


def test_stored_outputs_read_back_as_the_read_gave_them() -> None:
    read = read_stored(STORED)
    assert read == STORED_READ
    assert list(read) == list(OUTPUT_NAMES)
    assert type(read["total_count"]) is int
    assert type(read["connections"][0]["max_session"]) is int


def test_stored_outputs_in_the_plugins_spelling_read_back_the_same() -> None:
    camel = {
        "clusterId": "c-1", "projectId": "p-1", "region": "cn-north-4", "endpoint": "https://css.example.com",
        "connections": [{"id": "a", "maxSession": 3.0, "status": "accepted"}, {"id": "b"}],
        "permissions": [{"id": "p", "permissionType": "domainId"}],
        "vpcepUpdateSwitch": True, "totalCount": 2.0, "somethingElse": 1,
    }
    assert read_stored(camel) == STORED_READ


def test_an_empty_state_reads_as_every_output_unset() -> None:
    assert read_stored({}) == {
        "cluster_id": None, "project_id": None, "region": None, "endpoint": None, "connections": [],
        "permissions": [], "vpc_service_name": None, "vpcep_update_switch": False, "total_count": None,
    }


# --- Properties -----------------------------------------------------------------------------------------------

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

_TYPES: dict[Callable[[Any], Any], tuple[type, ...]] = {
    text: (str, type(None)), whole_number: (int, type(None)), flag: (bool,), objects: (list,),
}


def assert_declared_types(read: dict[str, Any], table: dict[str, Callable[[Any], Any]]) -> None:
    """Every field of ``table`` is in ``read``, in order, and nothing else, each of its reading's type."""
    assert list(read) == list(table)
    for name, reading in table.items():
        value = read[name]
        assert isinstance(value, _TYPES[reading]), (name, value)
        assert reading is flag or not isinstance(value, bool), (name, value)  # a number is never a boolean
        if reading is objects:
            for item in read[name]:
                assert_declared_types(item, ITEM_FIELDS[name])


def _dicts_in(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


@FUZZ
@given(pages)
@example(LOOSE_PAGES[7][0])
def test_any_page_reads_every_field_of_every_item_in_its_declared_type(raw: dict[str, Any]) -> None:
    read = read_page(raw)
    assert_declared_types(read, PAGE_FIELDS)
    # Every object in the lists is read, in order, each once; anything else in them is left out.
    assert len(read["connections"]) == len(_dicts_in(raw.get("connections")))
    assert len(read["permissions"]) == len(_dicts_in(raw.get("permissions")))
    assert [item["id"] for item in read["connections"]] == [item["id"] for item in _dicts_in(raw.get("connections"))]


@FUZZ
@given(pages)
def test_a_read_page_reads_again_into_itself(raw: dict[str, Any]) -> None:
    read = read_page(raw)
    assert read_page(read) == read


def _camel(value: Any) -> Any:
    """Plain values with every key in the API's camelCase spelling."""
    if isinstance(value, dict):
        return {camel_case(key): _camel(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_camel(item) for item in value]
    return value


@FUZZ
@given(pages, st.dictionaries(st.sampled_from(["brandNew", "Id", "MAX_SESSION", "max-session"]), values))
def test_a_page_reads_the_same_in_either_spelling_and_with_unknown_keys(
    raw: dict[str, Any], unknown: dict[str, Any]
) -> None:
    read = read_page(raw)
    respelled = _camel(read)
    respelled["connections"] = [{**unknown, **item} for item in respelled["connections"]]
    assert read_page({**unknown, **respelled}) == read


def _one_page_outputs(raw: dict[str, Any]) -> dict[str, Any] | None:
    """The outputs when ``raw`` is the whole read; ``None`` when more pages are wanted or it is incomplete."""
    pagination = Pagination(read_page(raw))
    if pagination.wanted():
        return None
    try:
        return pagination.result("cluster-1", "project-1", "cn-north-4", "https://css.example.com")
    except IncompleteReadError:
        return None


@FUZZ
@given(pages)
@example(LOOSE_PAGES[5][0])
def test_a_whole_reads_outputs_are_every_output_in_its_declared_type(raw: dict[str, Any]) -> None:
    outputs = _one_page_outputs(raw)
    assume(outputs is not None)
    assert outputs is not None
    assert_declared_types(outputs, OUTPUT_FIELDS)
    assert outputs["total_count"] == len(outputs["connections"])


@FUZZ
@given(pages)
def test_a_whole_reads_outputs_build_the_models_strictly_and_come_back_unchanged(raw: dict[str, Any]) -> None:
    outputs = _one_page_outputs(raw)
    assume(outputs is not None)
    result = VpcepConnectionsResult.model_validate(outputs, strict=True)  # no value needs coercing
    assert result.to_outputs() == outputs
    assert list(result.to_outputs()) == list(outputs)


def _as_the_engine_keeps(value: Any, spell: Callable[[str], str]) -> Any:
    """Outputs as a state holds them: numbers as floats, null fields dropped, keys spelled by ``spell``."""
    if isinstance(value, dict):
        return {spell(key): _as_the_engine_keeps(item, spell) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_as_the_engine_keeps(item, spell) for item in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def _numbers(value: Any) -> list[int]:
    if isinstance(value, dict):
        return [n for item in value.values() for n in _numbers(item)]
    if isinstance(value, list):
        return [n for item in value for n in _numbers(item)]
    return [value] if isinstance(value, int) and not isinstance(value, bool) else []


@FUZZ
@given(pages, st.sampled_from([str, camel_case]))
def test_a_whole_reads_outputs_stored_by_the_engine_read_back_unchanged(
    raw: dict[str, Any], spell: Callable[[str], str]
) -> None:
    outputs = _one_page_outputs(raw)
    assume(outputs is not None)
    assume(all(abs(n) <= 2**53 for n in _numbers(outputs)))  # what a float64 holds exactly
    assert read_stored(_as_the_engine_keeps(outputs, spell)) == outputs


def _service_text() -> st.SearchStrategy[str]:
    # Any text JSON can carry to the command and out again (a lone surrogate cannot be written as UTF-8).
    return st.text(st.characters(codec="utf-8"), max_size=20)


@FUZZ
@given(st.lists(st.fixed_dictionaries({"id": _service_text(), "status": _service_text(),
                                        "maxSession": st.integers(-(2**70), 2**70)}), max_size=4),
       _service_text())
def test_the_commands_plain_json_is_byte_for_byte_the_models_json(items: list[dict[str, Any]], name: str) -> None:
    outputs = _one_page_outputs({"connections": items, "vpcServiceName": name, "total_count": len(items)})
    assume(outputs is not None)
    assert outputs is not None
    assert outputs["vpc_service_name"] == name
    model_json = VpcepConnectionsResult.model_validate(outputs).model_dump_json(indent=2)
    assert json.dumps(outputs, indent=2, ensure_ascii=False) == model_json


# --- Paging over loose pages ----------------------------------------------------------------------------------

service_items = st.lists(
    st.builds(lambda id_, session: {"id": id_, "maxSession": session}, st.sampled_from("abcdefgh"),
              st.one_of(st.integers(0, 9), st.sampled_from(["3", "x", None]))),
    max_size=24,
)


def _walk(items: list[dict[str, Any]], cap: int, count: bool) -> list[dict[str, Any]]:
    """Read a service holding ``items`` in pages of at most ``cap``, as the read drives paging."""

    def fetch(offset: int) -> dict[str, Any]:
        body: dict[str, Any] = {"connections": items[offset : offset + cap]}
        if count:
            body["total_count"] = str(len(items))  # loose, as the service may send it
        return read_page(body)

    pages = Pagination(fetch(0))
    while offsets := pages.wanted():
        pages.add([fetch(offset) for offset in offsets])
    return pages.connections("c")


@FUZZ
@given(service_items, st.integers(1, 7), st.booleans())
@example([{"id": "a", "maxSession": 1}, {"id": "b", "maxSession": 2}, {"id": "a", "maxSession": 3}], 2, True)
def test_paging_keeps_each_id_once_in_the_services_order(items: list[dict[str, Any]], cap: int, count: bool) -> None:
    first_seen: dict[str, dict[str, Any]] = {}
    for item in items:
        first_seen.setdefault(item["id"], read_page({"connections": [item]})["connections"][0])
    try:
        read = _walk(items, cap, count)
    except IncompleteReadError:
        # Only a later page that is the first one again (what a service ignoring 'offset' sends) fails a read.
        first = [item["id"] for item in items[:cap]]
        assert any([item["id"] for item in items[offset : offset + cap]] == first
                   for offset in range(cap, len(items) - cap + 1, cap))
        return
    ids = [connection["id"] for connection in read]
    assert len(ids) == len(set(ids))
    # The connections read are the service's distinct ones in order, each as its first appearance reads,
    # all of them unless the walk (no count) stopped at a page that brought nothing new.
    assert read == list(first_seen.values())[: len(read)]
    if count or len(first_seen) == len(items):
        assert read == list(first_seen.values())
