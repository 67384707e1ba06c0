"""``examples/pipeline/connections_report.py``: its exit codes, and one line for input it cannot use."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pulumi_css_vpcep.emulator import SAMPLE_CLUSTER_ID, Emulator
from tests.command import run_cli

SCRIPT = Path(__file__).resolve().parent.parent / "examples" / "pipeline" / "connections_report.py"
EXIT_BAD_INPUT = 3


def report(stdin: str, *flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *flags], input=stdin, capture_output=True, text=True, timeout=60, check=False
    )


def command_outputs(emulator: Emulator) -> str:
    result = run_cli("connections", "--cluster-id", SAMPLE_CLUSTER_ID, env=emulator.environ())
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_command_json_passes_the_gate_when_enough_are_accepted(emulator: Emulator) -> None:
    result = report(command_outputs(emulator), "--min-accepted", "1")
    assert result.returncode == 0, result.stderr
    assert "1 of 3 connections accepted" in result.stdout


def test_too_few_accepted_exits_1(emulator: Emulator) -> None:
    result = report(command_outputs(emulator), "--min-accepted", "2")
    assert result.returncode == 1
    assert result.stderr == "connections_report: 1 accepted, 2 required\n"


@pytest.mark.parametrize(
    ("stdin", "named"),
    [
        ('{"connections": "abc", "total_count": 3, "cluster_id": "c"}', "'connections' is a JSON str, not a list"),
        ('{"connections": [1], "total_count": 3, "cluster_id": "c"}', "connections[0] is a JSON int"),
        ('{"connections": [], "cluster_id": "c"}', "no 'total_count' output"),
        ('{"connections": [], "total_count": "3", "cluster_id": "c"}', "'total_count' is a JSON str"),
        ("[]", "a JSON list, not an object"),
        ("not json", "not JSON"),
        ("", "not JSON"),
    ],
    ids=["connections-a-string", "connection-a-number", "no-total", "total-a-string", "a-list", "text", "empty"],
)
def test_bad_input_exits_3_with_one_line_naming_the_problem(stdin: str, named: str) -> None:
    result = report(stdin, "--min-accepted", "1")
    assert result.returncode == EXIT_BAD_INPUT, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert named in result.stderr


def test_a_missing_file_exits_3_with_one_line(tmp_path: Path) -> None:
    result = report("", str(tmp_path / "absent.json"))
    assert result.returncode == EXIT_BAD_INPUT
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert "cannot read the input" in result.stderr


def test_the_stack_outputs_of_python_read_parse_as_they_are() -> None:
    outputs = {"cluster_id": "c", "total_count": 1, "connections": [{"id": "e", "status": "accepted"}],
               "accepted_count": 1, "permissions": []}
    result = report(json.dumps(outputs), "--min-accepted", "1")
    assert result.returncode == 0, result.stderr
