"""``css-vpcep emulator`` as a user runs it: its flags, its ``--data`` file, and what it exports.

Every case runs the real command in its own process, against loopback only.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pulumi_css_vpcep.emulator import SAMPLE_ACCESS_KEY, SAMPLE_CLUSTER_ID
from tests.command import assert_one_line_error, run_cli
from tests.emulator_process import EmulatorProcess

pytestmark = pytest.mark.timeout(60)

README_DATA = (
    '{"credentials":{"MYAK":"MYSK"},"projects":{"cn-north-4":"0a1b2c3d4e5f40718293a4b5c6d7e8f9"},'
    '"clusters":[{"id":"my-cluster","project_id":"0a1b2c3d4e5f40718293a4b5c6d7e8f9","generate":250}]}'
)
"""The ``--data`` example of docs/emulator.md, byte for byte."""
DOCS = Path(__file__).resolve().parent.parent / "docs" / "emulator.md"


@pytest.fixture
def readme_data(tmp_path: Path) -> Path:
    path = tmp_path / "c.json"
    path.write_text(README_DATA + "\n", encoding="utf-8")
    return path


@pytest.fixture
def lone_emulator(readme_data: Path) -> Iterator[EmulatorProcess]:
    """The emulator serving the README's data on its own, until the test ends."""
    emulator = EmulatorProcess("--data", str(readme_data))
    try:
        yield emulator
    finally:
        emulator.close()


def test_the_readme_data_example_works_as_written(readme_data: Path) -> None:
    docs = DOCS.read_text(encoding="utf-8")
    assert f"echo '{README_DATA}' > c.json" in docs
    assert "css-vpcep emulator --data c.json -- css-vpcep connections --cluster-id my-cluster" in docs
    result = run_cli("emulator", "--data", str(readme_data), "--", "css-vpcep", "connections", "--cluster-id",
                     "my-cluster")
    assert result.returncode == 0, result.stderr
    outputs = json.loads(result.stdout)
    assert outputs["cluster_id"] == "my-cluster"
    assert outputs["total_count"] == len(outputs["connections"]) == 250


def test_the_command_gets_the_first_key_pair_and_the_first_enabled_clusters_region_and_project(
    tmp_path: Path,
) -> None:
    data = {
        "credentials": {"FIRSTAK": "first-sk", "SECONDAK": "second-sk"},
        "projects": {"eu-west-101": ["p-eu"], "ap-southeast-3": "p-ap"},
        "clusters": [{"id": "off", "project_id": "p-eu", "enabled": False}, {"id": "on", "project_id": "p-ap"}],
    }
    path = tmp_path / "data.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    show = "import json, os; print(json.dumps({k: v for k, v in os.environ.items() if k.startswith('HW_')}))"
    result = run_cli("emulator", "--data", str(path), "--", sys.executable, "-c", show)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert (seen["HW_ACCESS_KEY"], seen["HW_SECRET_KEY"]) == ("FIRSTAK", "first-sk")
    assert (seen["HW_REGION_NAME"], seen["HW_PROJECT_ID"]) == ("ap-southeast-3", "p-ap")


def test_a_lone_emulator_prints_exports_and_a_cluster_that_read_its_data(lone_emulator: EmulatorProcess) -> None:
    url = lone_emulator.line(lone_emulator.stdout)
    exports, suggested = lone_emulator.read_exports()
    assert exports["HW_CSS_ENDPOINT"] == url
    assert exports["HW_ACCESS_KEY"] == "MYAK"
    result = run_cli(*suggested[1:], env=exports)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["total_count"] == 250


def test_python_m_runs_the_same_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pulumi_css_vpcep.emulator", "--", "css-vpcep", "connections", "--cluster-id",
         SAMPLE_CLUSTER_ID],
        capture_output=True, text=True, timeout=60, check=False, env={"PATH": os.environ.get("PATH", "")},
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["cluster_id"] == SAMPLE_CLUSTER_ID


BAD_FILES = {
    "a list": ("[]", "top level: must be a JSON object"),
    "clusters not a list": ('{"clusters": "nope"}', "clusters: must be a JSON array"),
    "credentials not an object": ('{"credentials": ["a"]}', "credentials: must be a JSON object"),
    "a cluster without an id": ('{"clusters": [{"project_id": "p"}]}', "clusters[0].id: is required"),
    "generate not a number": ('{"clusters": [{"id": "c", "generate": "lots"}]}', "clusters[0].generate:"),
    "generate below zero": ('{"clusters": [{"id": "c", "generate": -1}]}', "clusters[0].generate:"),
    "generate too large": ('{"clusters": [{"id": "c", "generate": 1e12}]}', "clusters[0].generate:"),
    "a misspelt field": ('{"clusters": [{"id": "c", "genrate": 3}]}', "clusters[0].genrate: is not a known field"),
    "a bad region": ('{"projects": {"CN North": "p"}}', "projects.CN North: a region must be"),
    "a bad project id": ('{"projects": {"cn-north-4": "p/q"}}', "projects.cn-north-4[0]:"),
    "a cluster id with a slash": ('{"clusters": [{"id": "a/b"}]}', "clusters[0].id:"),
    "enabled not a boolean": ('{"clusters": [{"id": "c", "enabled": "maybe"}]}', "clusters[0].enabled:"),
    "no credentials": ('{"credentials": {}}', "credentials:"),
    "not JSON": ('{"clusters": [', "not valid JSON"),
}


@pytest.mark.parametrize(("content", "expected"), list(BAD_FILES.values()), ids=list(BAD_FILES))
def test_a_bad_data_file_is_one_line_naming_the_file_and_field(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "c.json"
    path.write_text(content, encoding="utf-8")
    line = assert_one_line_error(run_cli("emulator", "--data", str(path)), 2)
    assert line.startswith(f"css-vpcep emulator: {path}: ")
    assert expected in line


def test_a_bad_credential_in_the_data_file_is_named_without_its_value(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text('{"credentials": {"SECRETAK\\n": "SECRETSK"}}', encoding="utf-8")
    line = assert_one_line_error(run_cli("emulator", "--data", str(path)), 2)
    assert "credentials: an access key must be printable ASCII" in line
    assert "SECRET" not in line


def test_a_missing_data_file_is_one_line(tmp_path: Path) -> None:
    line = assert_one_line_error(run_cli("emulator", "--data", str(tmp_path / "none.json")), 2)
    assert "none.json: cannot read it" in line


def test_a_directory_as_data_file_is_one_line(tmp_path: Path) -> None:
    line = assert_one_line_error(run_cli("emulator", "--data", str(tmp_path)), 2)
    assert "cannot read it" in line


def test_a_data_file_not_in_utf8_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_bytes(b'{"clusters": [{"id": "\xff"}]}')
    line = assert_one_line_error(run_cli("emulator", "--data", str(path)), 2)
    assert "c.json: " in line


BAD_FLAGS = [
    ("--port", "70000"),
    ("--port", "-1"),
    ("--port", "eighty"),
    ("--page-cap", "0"),
    ("--page-cap", "-1"),
    ("--latency-ms", "-5"),
    ("--latency-ms", "nan"),
    ("--latency-ms", "inf"),
    ("--fail-rate", "2"),
    ("--fail-rate", "-0.1"),
    ("--seed", "-1"),
    ("--seed", "1.5"),
    ("--credential-lifetime", "0"),
    ("--credential-lifetime", "86401"),
    ("--export", "password"),
]


@pytest.mark.parametrize(("flag", "value"), BAD_FLAGS)
def test_a_flag_out_of_range_is_one_line_naming_it(flag: str, value: str) -> None:
    line = assert_one_line_error(run_cli("emulator", f"{flag}={value}"), 2)
    assert flag in line


def test_a_port_in_use_is_one_line_naming_it() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line = assert_one_line_error(run_cli("emulator", "--port", str(port)), 2)
    assert f"port {port}" in line
    assert "in use" in line


def test_a_command_that_cannot_be_found_exits_127() -> None:
    result = run_cli("emulator", "--", "no-such-command-here")
    assert result.returncode == 127
    assert "Traceback" not in result.stderr
    assert "no-such-command-here" in result.stderr


def test_the_sample_data_exports_the_sample_key() -> None:
    show = "import os; print(os.environ['HW_ACCESS_KEY'])"
    result = run_cli("emulator", "--", sys.executable, "-c", show)
    assert result.stdout.strip() == SAMPLE_ACCESS_KEY


def test_a_double_dash_with_no_command_is_refused_rather_than_serving_forever() -> None:
    result = run_cli("emulator", "--")
    line = assert_one_line_error(result, 2)
    assert line.startswith("css-vpcep emulator: ")
    assert "nothing to run after '--'" in line


def test_help_gives_the_allowed_range_of_each_number_flag() -> None:
    result = run_cli("emulator", "--help")
    assert result.returncode == 0, result.stderr
    shown = " ".join(result.stdout.split())  # argparse wraps lines
    for flag, allowed in [
        ("--port PORT", "from 0 to 65535"),
        ("--page-cap PAGE_CAP", "at least 1"),
        ("--latency-ms LATENCY_MS", "from 0 to 600000"),
        ("--fail-rate FAIL_RATE", "from 0 to 1"),
        ("--seed SEED", "at least 0"),
        ("--credential-lifetime SECONDS", "from 1 to 86400"),
    ]:
        assert f"{flag} " in shown, flag
        assert allowed in shown.split(f"{flag} ", 1)[1].split(" --", 1)[0], flag


AGENCY_DATA = (
    '{"agencies": [{"name": "reader", "domain_name": "my-account"}],\n'
    ' "clusters": [{"id": "c1", "generate": 5, "granted_to": ["agency:my-account/reader"]}]}'
)
"""The ``granted_to`` example of docs/emulator.md, byte for byte."""


@pytest.mark.parametrize("export", ["keys", "agency", "oidc", "metadata"])
def test_each_export_reads_the_sample_cluster_with_that_source_alone(export: str) -> None:
    result = run_cli("emulator", "--export", export, "--", "css-vpcep", "connections", "--cluster-id",
                     SAMPLE_CLUSTER_ID, env={"HW_ACCESS_KEY": "CALLERS-OWN-KEY", "HW_SECRET_KEY": "callers-own"})
    # The caller's own key pair would win over any other source: it reaches the command under "keys" only, where
    # the emulator's exported pair replaces it.
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["total_count"] == 3


def test_the_granted_to_example_reads_only_with_the_agency(tmp_path: Path) -> None:
    docs = DOCS.read_text(encoding="utf-8")
    assert f"```json\n{AGENCY_DATA}\n```" in docs
    data = tmp_path / "agency.json"
    data.write_text(AGENCY_DATA, encoding="utf-8")
    read = ["--", "css-vpcep", "connections", "--cluster-id", "c1"]
    as_agency = run_cli("emulator", "--data", str(data), "--export", "agency", "--credential-lifetime", "5", *read)
    assert as_agency.returncode == 0, as_agency.stderr
    assert json.loads(as_agency.stdout)["total_count"] == 5
    as_key = run_cli("emulator", "--data", str(data), *read)
    assert as_key.returncode == 4
    assert "CSS.0015" in as_key.stderr


def test_an_export_the_data_does_not_define_is_one_line(tmp_path: Path) -> None:
    data = tmp_path / "none.json"
    data.write_text('{"instance_agency": null, "agencies": []}', encoding="utf-8")
    for export, named in (("metadata", "instance_agency"), ("agency", "agencies")):
        line = assert_one_line_error(run_cli("emulator", "--data", str(data), "--export", export, "--", "true"), 2)
        assert f"--export {export}" in line
        assert named in line
