"""The command's table: service data cannot steer the terminal, columns line up as a terminal shows them,
and ``--status`` narrows what is shown in both outputs."""

from __future__ import annotations

import json
import unicodedata
from typing import Any

import pytest

from pulumi_css_vpcep.emulator import SAMPLE_CLUSTER_ID, Emulator
from tests.command import assert_one_line_error, run_cli, serve_connections


def connection(number: int, **fields: Any) -> dict[str, Any]:
    """A well-formed connection in the API's spelling, with ``fields`` replacing its values."""
    return {
        "id": f"ep-{number:04d}",
        "status": "accepted",
        "maxSession": 3000,
        "specificationName": "default",
        "created_at": "2024-03-11T08:00:07Z",
        "vpcepIp": f"192.168.0.{number}",
        "vpcepDnsName": f"ep-{number:04d}.vpcep.example",
        **fields,
    }


def table_rows(stdout: str) -> list[str]:
    """The lines of the connections table: its heading and one a connection, as printed."""
    blocks = stdout.split("\n\n")
    return blocks[1].splitlines()


def display_width(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def ip_column(row: str, ip: str) -> int:
    """The terminal column at which ``ip`` starts in ``row``."""
    return sum(display_width(char) for char in row[: row.index(ip)])


def read(emulator: Emulator, *flags: str) -> str:
    result = run_cli("connections", "--cluster-id", SAMPLE_CLUSTER_ID, *flags, env=emulator.environ())
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_table_escapes_ansi_escape_sequences(emulator: Emulator) -> None:
    serve_connections(emulator, [connection(1, status="\x1b]0;owned\x07accepted", vpcepDnsName="x\x1b[2J\x1b[31m")])
    stdout = read(emulator, "--output", "table")
    assert "\x1b" not in stdout
    assert "\x07" not in stdout
    assert "\\x1b]0;owned\\x07accepted" in stdout
    assert "x\\x1b[2J\\x1b[31m" in stdout


def test_table_escapes_line_breaks_so_service_data_cannot_add_rows(emulator: Emulator) -> None:
    serve_connections(emulator, [connection(1, id="ep-1\r\nep-9  accepted  forged row"), connection(2)])
    rows = table_rows(read(emulator, "--output", "table"))
    assert len(rows) == 3  # the heading and two connections
    assert rows[1].startswith("ep-1\\r\\nep-9  accepted  forged row")
    assert "\r" not in "".join(rows)


def test_table_escapes_c1_bidi_and_zero_width_controls(emulator: Emulator) -> None:
    serve_connections(emulator, [connection(1, vpcepDnsName="a\u202eb\x9bc\u200bd\u2028e\U000e0041f")])
    stdout = read(emulator, "--output", "table")
    assert "a\\u202eb\\x9bc\\u200bd\\u2028e\\U000e0041f" in stdout
    assert not any(char in stdout for char in "\u202e\x9b\u200b\u2028\U000e0041")


def test_table_escapes_the_endpoint_service_and_whitelist_too(emulator: Emulator) -> None:
    cluster = emulator.state.clusters[SAMPLE_CLUSTER_ID]
    cluster.vpc_service_name = "svc\x1b[1m"
    cluster.permissions[0]["permission"] = "iam:domain::x\r\nforged"
    stdout = read(emulator, "--output", "table")
    assert "svc\\x1b[1m" in stdout
    assert "iam:domain::x\\r\\nforged" in stdout
    assert "\x1b" not in stdout
    assert "\r" not in stdout


def test_json_keeps_control_characters_exactly(emulator: Emulator) -> None:
    hostile = "\x1b]0;owned\x07a\r\nb\u202ec"
    serve_connections(emulator, [connection(1, status=hostile)])
    assert json.loads(read(emulator))["connections"][0]["status"] == hostile


def test_table_aligns_wide_cjk_characters_by_display_width(emulator: Emulator) -> None:
    serve_connections(emulator, [connection(1, status="已接受连接"), connection(2, status="accepted")])
    rows = table_rows(read(emulator, "--output", "table"))
    assert ip_column(rows[1], "192.168.0.1") == ip_column(rows[2], "192.168.0.2") == ip_column(rows[0], "IP")


def test_table_counts_combining_marks_as_no_width(emulator: Emulator) -> None:
    decomposed = "accepte\u0301"  # an e and a combining acute accent: eight letters on screen, not nine
    serve_connections(emulator, [connection(1, status=decomposed), connection(2, status="x")])
    rows = table_rows(read(emulator, "--output", "table"))
    assert decomposed in rows[1]
    assert ip_column(rows[1], "192.168.0.1") == ip_column(rows[2], "192.168.0.2") == ip_column(rows[0], "IP")


def test_table_shows_the_main_columns_and_json_every_field(emulator: Emulator) -> None:
    heading = table_rows(read(emulator, "--output", "table"))[0].split()
    assert heading == ["ID", "STATUS", "IP", "DNS", "NAME", "CREATED"]
    assert json.loads(read(emulator))["connections"][0]["max_session"] == 3000


def test_table_leaves_out_a_column_no_shown_connection_has(emulator: Emulator) -> None:
    rows = table_rows(read(emulator, "--output", "table", "--status", "rejected"))
    assert rows[0].split() == ["ID", "STATUS", "CREATED"]  # the rejected connection has no addresses


def test_status_filters_the_json_and_keeps_the_service_total_count(emulator: Emulator) -> None:
    outputs = json.loads(read(emulator, "--status", "accepted", "--status", "pendingAcceptance"))
    assert [c["status"] for c in outputs["connections"]] == ["accepted", "pendingAcceptance"]
    assert outputs["total_count"] == 3


def test_status_filters_the_table_and_says_how_many_are_shown(emulator: Emulator) -> None:
    stdout = read(emulator, "--output", "table", "--status", "rejected")
    rows = table_rows(stdout)
    assert len(rows) == 2  # the heading and the one rejected connection
    assert "rejected" in rows[1]
    assert "1 of 3 connection(s) shown (status rejected)" in stdout


def test_status_matches_in_any_case(emulator: Emulator) -> None:
    outputs = json.loads(read(emulator, "--status", "PENDINGACCEPTANCE"))
    assert [c["status"] for c in outputs["connections"]] == ["pendingAcceptance"]


def test_a_status_no_connection_has_shows_none(emulator: Emulator) -> None:
    outputs = json.loads(read(emulator, "--status", "deleting"))
    assert outputs["connections"] == []
    assert outputs["total_count"] == 3


def test_a_blank_status_exits_2_and_sends_nothing(emulator: Emulator) -> None:
    result = run_cli("connections", "--cluster-id", SAMPLE_CLUSTER_ID, "--status", " ", env=emulator.environ())
    assert "--status" in assert_one_line_error(result, 2)
    assert sum(emulator.state.requests.values()) == 0


@pytest.mark.parametrize("status", ["bogus", "accpeted", "accepted,rejected"])
def test_a_status_the_api_does_not_define_exits_2_listing_the_valid_ones(emulator: Emulator, status: str) -> None:
    result = run_cli("connections", "--cluster-id", SAMPLE_CLUSTER_ID, "--status", "accepted", "--status", status,
                     env=emulator.environ())
    line = assert_one_line_error(result, 2)
    assert line.startswith(f"css-vpcep: invalid --status: {status!r} is not a connection status")
    for valid in ("pendingAcceptance", "creating", "accepted", "rejected", "failed", "deleting"):
        assert valid in line
    assert sum(emulator.state.requests.values()) == 0
