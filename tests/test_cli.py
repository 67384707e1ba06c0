"""The ``css-vpcep`` command as a pipeline runs it: a whole process, its output and exit codes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from pulumi_css_vpcep import read_vpcep_connections
from pulumi_css_vpcep.emulator import (
    SAMPLE_CLUSTER_ID,
    SAMPLE_DISABLED_CLUSTER_ID,
    Emulator,
)
from tests.command import assert_one_line_error, modules_a_read_imports, run_cli


def test_json_output_is_exactly_the_outputs(emulator: Emulator, emulator_env: dict[str, str]) -> None:
    result = run_cli("connections", "--cluster-id", SAMPLE_CLUSTER_ID, env=emulator.environ())
    assert result.returncode == 0, result.stderr
    expected = read_vpcep_connections(SAMPLE_CLUSTER_ID).to_outputs()
    assert json.loads(result.stdout) == expected


def test_table_output_lists_every_connection(emulator: Emulator) -> None:
    result = run_cli("connections", "--cluster-id", SAMPLE_CLUSTER_ID, "-o", "table", env=emulator.environ())
    assert result.returncode == 0, result.stderr
    for connection in emulator.state.clusters[SAMPLE_CLUSTER_ID].connections:
        assert connection["id"] in result.stdout
    assert "3 connection(s)" in result.stdout


@pytest.mark.parametrize(
    "cluster_id",
    ["a/b", "a?b", "a b", "clüster", "", "x" * 65, "a%2F"],
    ids=["slash", "question", "space", "non-ascii", "empty", "too-long", "percent"],
)
def test_bad_cluster_ids_exit_2_and_send_nothing(emulator: Emulator, cluster_id: str) -> None:
    result = run_cli("connections", "--cluster-id", cluster_id, env=emulator.environ())
    line = assert_one_line_error(result, 2)
    assert "--cluster-id" in line
    assert sum(emulator.state.requests.values()) == 0


def test_a_lone_dash_is_a_cluster_id_the_service_judges(emulator: Emulator) -> None:
    result = run_cli("connections", "--cluster-id", "-", env=emulator.environ())
    assert "CSS.0015" in assert_one_line_error(result, 4)


@pytest.mark.parametrize(
    ("flag", "value"),
    [("--region", "CN North 4"), ("--region", "cn_north_4"), ("--endpoint", "http://css.example.com"),
     ("--endpoint", "https://css.example.com/?x=1"), ("--project-id", "p/q")],
)
def test_bad_flags_exit_2_naming_the_flag_and_send_nothing(emulator: Emulator, flag: str, value: str) -> None:
    result = run_cli("connections", "--cluster-id", SAMPLE_CLUSTER_ID, flag, value, env=emulator.environ())
    line = assert_one_line_error(result, 2)
    assert flag in line
    assert sum(emulator.state.requests.values()) == 0


def test_usage_errors_exit_2() -> None:
    assert_one_line_error(run_cli("connections"), 2)
    assert_one_line_error(run_cli("connections", "--cluster-id", "c", "--output", "xml"), 2)
    assert run_cli().returncode == 2


def test_a_usage_error_starts_css_vpcep_as_every_line_on_stderr_does() -> None:
    line = assert_one_line_error(run_cli("connections"), 2)
    assert line == "css-vpcep: the following arguments are required: --cluster-id (see css-vpcep connections --help)"


def test_missing_credentials_exit_3_and_name_the_variables() -> None:
    line = assert_one_line_error(run_cli("connections", "--cluster-id", "c", "--region", "cn-north-4"), 3)
    assert "HW_ACCESS_KEY" in line


def test_missing_region_exits_3_naming_the_flag_and_the_variable() -> None:
    line = assert_one_line_error(
        run_cli("connections", "--cluster-id", "c", env={"HW_ACCESS_KEY": "a", "HW_SECRET_KEY": "b"}), 3
    )
    assert line.endswith("no region: set --region or HW_REGION_NAME")  # the flag, not "the region argument"


def test_region_with_no_project_exits_3(emulator: Emulator) -> None:
    emulator.state.projects.clear()
    assert_one_line_error(run_cli("connections", "--cluster-id", SAMPLE_CLUSTER_ID, env=emulator.environ()), 3)


def test_service_refusal_exits_4_with_code_message_and_request_id(emulator: Emulator) -> None:
    result = run_cli("connections", "--cluster-id", SAMPLE_DISABLED_CLUSTER_ID, env=emulator.environ())
    line = assert_one_line_error(result, 4)
    assert "CSS.5182" in line
    assert "request id" in line


def test_unreachable_service_exits_5() -> None:
    env = {"HW_ACCESS_KEY": "a", "HW_SECRET_KEY": "b", "HW_MAX_RETRIES": "0"}
    result = run_cli("connections", "--cluster-id", "c", "--region", "cn-north-4", "--project-id", "p",
                     "--endpoint", "http://127.0.0.1:9", env=env)
    assert_one_line_error(result, 5)


def test_a_host_that_does_not_resolve_exits_5_at_once_without_retries() -> None:
    env = {"HW_ACCESS_KEY": "AKEXAMPLE000000000", "HW_SECRET_KEY": "SKEXAMPLE000000000"}
    result = run_cli("connections", "--cluster-id", "c", "--region", "cn-north-4", "--project-id", "p",
                     "--endpoint", "https://css.cn-north-4.nowhere.invalid", env=env)
    line = assert_one_line_error(result, 5)  # one line: no retry line before it
    assert re.match(r"css-vpcep: cluster \S+: cannot resolve css\.cn-north-4\.nowhere\.invalid: ", line), line
    assert "attempts" not in line


def test_emulator_runs_a_command_against_itself() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pulumi_css_vpcep._cli", "emulator", "--", "css-vpcep", "connections",
         "--cluster-id", SAMPLE_CLUSTER_ID, "--output", "table"],
        capture_output=True, text=True, timeout=60, check=False,
        env={"PATH": os.environ.get("PATH", "")},
    )
    assert result.returncode == 0, result.stderr
    assert "3 connection(s)" in result.stdout


def test_emulator_refuses_a_non_loopback_address() -> None:
    result = run_cli("emulator", "--host", "0.0.0.0")
    assert result.returncode == 2
    assert "loopback" in result.stderr


def test_the_command_and_the_client_do_not_import_pulumi_or_grpc(emulator: Emulator) -> None:
    heavy = modules_a_read_imports(emulator.environ(), SAMPLE_CLUSTER_ID, ("pulumi", "grpc", "dill", "google"))

    assert heavy == []


def test_verbose_logs_each_request_with_its_request_id_and_no_credential(emulator: Emulator) -> None:
    result = run_cli("connections", "--cluster-id", SAMPLE_CLUSTER_ID, "--verbose", env=emulator.environ())
    assert result.returncode == 0, result.stderr
    requests = [line for line in result.stderr.splitlines() if " -> 200 " in line]
    assert len(requests) == 2  # the project lookup and the one page
    assert all("request id" in line for line in requests)
    for secret in emulator.environ()["HW_ACCESS_KEY"], emulator.environ()["HW_SECRET_KEY"]:
        assert secret not in result.stderr
