"""The paging decision on its own, without HTTP: which pages are asked for, when the read stops, when it
is made again, and when its pages cannot be trusted. (``test_client`` reads many pages of the real
emulator once, over HTTP.)"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest

from pulumi_css_vpcep._fields import read_page
from pulumi_css_vpcep._paging import MAX_READS, Page, Pagination
from pulumi_css_vpcep.emulator import generate_connections
from pulumi_css_vpcep.errors import IncompleteReadError

Service = Callable[[int], Page]


def service(items: list[dict[str, Any]], cap: int, *, count: bool = True, ignore_offset: bool = False) -> Service:
    """A service holding ``items`` that answers pages of at most ``cap``."""

    def page(offset: int) -> Page:
        start = 0 if ignore_offset else offset
        body: dict[str, Any] = {"connections": items[start : start + cap], "permissions": [{"id": "perm-1"}]}
        if count:
            body["total_count"] = len(items)
        return read_page(body)

    return page


def walk(fetch: Service, cluster_id: str = "c") -> tuple[list[str], list[list[int]]]:
    """Drive a read as `_read` does; return the ids read and the offsets asked for, round by round."""
    pages = Pagination(fetch(0))
    rounds = []
    while offsets := pages.wanted():
        rounds.append(offsets)
        pages.add([fetch(offset) for offset in offsets])
    return [c["id"] for c in pages.connections(cluster_id)], rounds


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [str(item["id"]) for item in items]


def test_after_the_first_page_every_other_page_is_asked_for_at_once() -> None:
    items = generate_connections(1000)
    read, rounds = walk(service(items, 100))
    assert read == ids(items)
    assert rounds == [list(range(100, 1000, 100))]


def test_one_page_is_the_whole_read() -> None:
    items = generate_connections(3)
    assert walk(service(items, 100)) == (ids(items), [])


def test_the_first_page_shows_the_services_real_page_size() -> None:
    items = generate_connections(50)
    read, rounds = walk(service(items, 7))
    assert read == ids(items)
    assert rounds == [list(range(7, 50, 7))]


def test_without_a_count_pages_are_walked_one_by_one_until_a_short_one() -> None:
    items = generate_connections(25)
    read, rounds = walk(service(items, 10, count=False))
    assert read == ids(items)
    assert rounds == [[10], [20]]


def test_without_a_count_an_empty_page_ends_the_walk() -> None:
    items = generate_connections(20)
    read, rounds = walk(service(items, 10, count=False))
    assert read == ids(items)
    assert rounds == [[10], [20]]


def test_without_a_count_a_page_that_is_the_first_again_is_an_incomplete_read() -> None:
    items = generate_connections(30)
    with pytest.raises(IncompleteReadError, match=r"listed connections of cluster c .* only 10 distinct .*offset"):
        walk(service(items, 10, count=False, ignore_offset=True))


def test_duplicate_ids_are_kept_once_in_the_services_order() -> None:
    items = generate_connections(150)
    items[120] = dict(items[5])
    read, _ = walk(service(items, 100))
    assert read == ids(items[:120] + items[121:])


def test_a_full_page_of_ids_listed_before_is_read_on_past() -> None:
    items = generate_connections(15)
    listed = items[:10] + items[9::-1] + items[10:]  # the second page lists the first ten again, reversed
    read, rounds = walk(service(listed, 10, count=False))
    assert read == ids(items)
    assert rounds == [[10], [20]]


def test_an_id_listed_twice_on_two_full_pages_reads_the_distinct_connections() -> None:
    items = generate_connections(200)
    items[150] = dict(items[20])  # 200 reported, 199 distinct
    read, rounds = walk(service(items, 100))
    assert read == ids(items[:150] + items[151:])
    assert rounds == [[100]]


def test_an_empty_cluster_asks_for_nothing_more() -> None:
    assert walk(service([], 100)) == ([], [])


def moving(before: list[dict[str, Any]], after: list[dict[str, Any]], cap: int = 100) -> Service:
    """A service whose data is ``before`` for its first answer and ``after`` from then on."""
    answered = 0

    def page(offset: int) -> Page:
        nonlocal answered
        answered += 1
        return service(before if answered == 1 else after, cap)(offset)

    return page


def test_connections_added_after_the_first_page_make_the_read_start_again() -> None:
    items = generate_connections(250)
    grown = items + generate_connections(150, start=250)
    read, rounds = walk(moving(items, grown))
    assert read == ids(grown)
    assert rounds == [[100, 200], [0], [100, 200, 300]]


def test_a_connection_deleted_while_paging_makes_the_read_start_again() -> None:
    items = generate_connections(200)
    shrunk = items[:50] + items[51:]  # one connection of the first page goes: the second page starts one later
    # The service counts what it held when the read began: the second page comes short of the count.
    counted = service(items, 100)
    answers = {0: counted(0), 100: {**service(shrunk, 100)(100), "total_count": 200}}
    answered: list[int] = []

    def fetch(offset: int) -> Page:
        answered.append(offset)
        return answers[offset] if len(answered) <= 2 else service(shrunk, 100)(offset)

    read, rounds = walk(fetch)
    assert read == ids(shrunk)
    assert rounds == [[100], [0], [100]]


def test_data_that_keeps_moving_is_read_a_bounded_number_of_times_then_incomplete() -> None:
    answered = 0

    def growing(offset: int) -> Page:
        nonlocal answered
        answered += 1
        return service(generate_connections(250 + 40 * answered), 100)(offset)

    with pytest.raises(IncompleteReadError, match=r"cluster c changed while they were read, 3 times in a row") as info:
        walk(growing)
    assert info.value.exit_code == 5


def test_pages_that_repeat_instead_of_ending_make_the_read_incomplete_after_one_round() -> None:
    items = generate_connections(1000)
    pages = Pagination(service(items, 100, ignore_offset=True)(0))
    assert pages.wanted() == list(range(100, 1000, 100))
    pages.add([service(items, 100, ignore_offset=True)(offset) for offset in pages.wanted()])
    assert pages.wanted() == []
    with pytest.raises(IncompleteReadError, match=r"reported 1000 connections for cluster big .* 100 distinct") as info:
        pages.connections("big")
    assert info.value.exit_code == 5


def test_a_service_ignoring_offset_on_one_page_of_data_reads_exactly() -> None:
    items = generate_connections(3)
    assert walk(service(items, 100, ignore_offset=True)) == (ids(items), [])


def test_a_count_with_an_empty_first_page_is_read_again_then_incomplete() -> None:
    empty = read_page({"connections": [], "total_count": 5})
    pages = Pagination(empty)
    for _ in range(MAX_READS - 1):
        assert pages.wanted() == [0]
        pages.add([empty])
    assert pages.wanted() == []
    with pytest.raises(IncompleteReadError, match=r"its pages listed 0 of the 5 it counted"):
        pages.connections("c")


def test_the_page_limit_ends_a_service_that_never_ends_in_an_incomplete_read() -> None:
    items = generate_connections(100)
    pages = Pagination(service(items, 10, count=False)(0), max_pages=3)
    asked = []
    while offsets := pages.wanted():
        asked += offsets
        pages.add([service(items, 10, count=False)(offset) for offset in offsets])
    assert asked == [10, 20]
    with pytest.raises(IncompleteReadError, match=r"stopped after 3 pages \(30 connections\) without reaching"):
        pages.connections("c")


def test_permissions_are_kept_once() -> None:
    pages = Pagination(service(generate_connections(30), 10)(0))
    pages.add([service(generate_connections(30), 10)(offset) for offset in pages.wanted()])
    assert [p["id"] for p in pages.result("c", "p", "r", "e")["permissions"]] == ["perm-1"]


def test_items_without_an_id_are_left_out_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="pulumi_css_vpcep")
    first = read_page({"connections": [{"status": "accepted"}, {"id": "a"}, {"id": "", "status": "x"}],
                       "permissions": [{"permission": "p"}, {"id": "p-1"}], "total_count": 3})
    result = Pagination(first).result("c", "p", "r", "https://e")
    assert ([c["id"] for c in result["connections"]], [p["id"] for p in result["permissions"]]) == (["a"], ["p-1"])
    assert result["total_count"] == 1
    assert [r.getMessage() for r in caplog.records] == [
        "3 item(s) of cluster c without an id were left out: the service sent them without one"
    ]


def test_the_result_is_the_reads_outputs_with_the_first_pages_service_fields() -> None:
    first = read_page({"connections": [{"id": "a", "maxSession": "3"}, {"id": "b"}], "total_count": 3,
                       "vpcServiceName": "svc", "vpcepUpdateSwitch": "true", "permissions": [{"id": "p"}]})
    pages = Pagination(first)
    assert pages.wanted() == [2]
    pages.add([read_page({"connections": [{"id": "c"}], "total_count": 3, "vpcServiceName": "other"})])
    result = pages.result("c-1", "p-1", "cn-north-4", "https://css.example.com")
    assert list(result) == ["cluster_id", "project_id", "region", "endpoint", "connections", "permissions",
                            "vpc_service_name", "vpcep_update_switch", "total_count"]
    assert (result["cluster_id"], result["project_id"], result["region"], result["endpoint"]) == (
        "c-1", "p-1", "cn-north-4", "https://css.example.com"
    )
    assert [(c["id"], c["max_session"]) for c in result["connections"]] == [("a", 3), ("b", None), ("c", None)]
    assert result["permissions"] == [{"id": "p", "permission": None, "permission_type": None, "created_at": None}]
    assert (result["vpc_service_name"], result["vpcep_update_switch"], result["total_count"]) == ("svc", True, 3)


def test_the_count_is_the_number_of_connections_read_not_the_services() -> None:
    items = generate_connections(25)
    pages = Pagination(service(items, 10, count=False)(0))
    while offsets := pages.wanted():
        pages.add([service(items, 10, count=False)(offset) for offset in offsets])
    assert pages.result("c", "p", "r", "https://e")["total_count"] == 25
    repeated = Pagination(read_page({"connections": [{"id": "a"}, {"id": "a"}, {"id": "b"}], "total_count": 3}))
    assert repeated.result("c", "p", "r", "https://e")["total_count"] == 2
