"""What the command says on stderr besides its one error line: a line a retry, one line a warning, and
messages in the command's own words. Its stdout stays the result alone."""

from __future__ import annotations

import json
import logging
import re
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import pytest

from pulumi_css_vpcep import _cli as cli
from pulumi_css_vpcep import _read
from pulumi_css_vpcep._read import MAX_CONCURRENT_PAGES
from pulumi_css_vpcep._requests import logger
from pulumi_css_vpcep.emulator import SAMPLE_CLUSTER_ID, SAMPLE_PROJECT_ID, Emulator, Fault
from tests.command import RETRY_LINE, assert_error_after_retries, assert_one_line_error, finish_cli, run_cli, start_cli
from tests.connection_counter import ConnectionCounter
from tests.emulator_process import EmulatorProcess


@pytest.fixture
def in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """``cli.main`` runs in this process: keep the variable it sets for itself out of other tests."""
    monkeypatch.setenv("PYDANTIC_DISABLE_PLUGINS", "__all__")


def test_a_warning_from_the_reads_logger_is_one_line_on_stderr(
    emulator_env: dict[str, str], in_process: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    read = _read.read_outputs  # what the command reads with

    def read_after_a_warning(*args: Any, **kwargs: Any) -> Any:
        logger.warning("retrying GET %s: HTTP 503\r\nsecond line", "/x")
        logging.getLogger(f"{logger.name}._transports").warning("and a module's own logger")
        return read(*args, **kwargs)

    monkeypatch.setattr(_read, "read_outputs", read_after_a_warning)
    assert cli.main(["connections", "--cluster-id", SAMPLE_CLUSTER_ID]) == 0
    out, err = capsys.readouterr()
    assert err == "css-vpcep: retrying GET /x: HTTP 503\\r\\nsecond line\ncss-vpcep: and a module's own logger\n"
    assert json.loads(out)["total_count"] == 3


def test_info_lines_of_the_package_show_only_with_verbose(
    emulator_env: dict[str, str], in_process: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["connections", "--cluster-id", SAMPLE_CLUSTER_ID]) == 0
    assert capsys.readouterr().err == ""
    assert cli.main(["connections", "--cluster-id", SAMPLE_CLUSTER_ID, "--verbose"]) == 0
    lines = capsys.readouterr().err.splitlines()
    assert any(line.startswith("css-vpcep: GET ") for line in lines)
    assert all(line.startswith("css-vpcep: ") for line in lines)


def test_the_command_leaves_logging_and_warnings_as_it_found_them(
    emulator_env: dict[str, str], in_process: None, capsys: pytest.CaptureFixture[str]
) -> None:
    package = logging.getLogger("pulumi_css_vpcep")
    before = (list(package.handlers), package.level, package.propagate, warnings.showwarning, list(warnings.filters))
    assert cli.main(["connections", "--cluster-id", SAMPLE_CLUSTER_ID, "--verbose"]) == 0
    after = (list(package.handlers), package.level, package.propagate, warnings.showwarning, list(warnings.filters))
    assert after == before


def test_importing_the_command_sets_no_warnings_state() -> None:
    probe = (
        "import warnings\n"
        "before = (warnings.showwarning, list(warnings.filters))\n"
        "import pulumi_css_vpcep._cli\n"
        "assert (warnings.showwarning, list(warnings.filters)) == before\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr


def test_each_retry_is_one_line_on_stderr_without_verbose_and_stdout_stays_json(emulator: Emulator) -> None:
    emulator.state.set_faults([Fault(status=503, retry_after="0", times=2)])
    result = run_cli("connections", "--cluster-id", SAMPLE_CLUSTER_ID, "--project-id", SAMPLE_PROJECT_ID,
                     env=emulator.environ())
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["total_count"] == 3
    lines = result.stderr.splitlines()
    assert len(lines) == 2, result.stderr
    assert all(line.startswith("css-vpcep: ") and RETRY_LINE.search(line) for line in lines), result.stderr


def test_the_insecure_transport_warning_is_one_line_without_source(emulator: Emulator) -> None:
    env = {**emulator.environ(), "HW_INSECURE": "true"}
    result = run_cli("connections", "--cluster-id", SAMPLE_CLUSTER_ID, env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["total_count"] == 3
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("css-vpcep: TLS certificate verification is off")
    assert ".py" not in lines[0]
    assert "Warning" not in lines[0]


def test_a_zero_timeout_is_refused_in_words_that_exclude_zero(emulator: Emulator) -> None:
    result = run_cli("connections", "--cluster-id", SAMPLE_CLUSTER_ID, "--timeout", "0", env=emulator.environ())
    line = assert_one_line_error(result, 2)
    assert "--timeout: must be more than 0 and at most 3600 seconds" in line
    assert "between" not in line
    assert sum(emulator.state.requests.values()) == 0


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "3601"])
def test_a_deadline_out_of_range_is_refused_and_nothing_is_sent(emulator: Emulator, value: str) -> None:
    result = run_cli("connections", "--cluster-id", SAMPLE_CLUSTER_ID, "--deadline", value, env=emulator.environ())
    line = assert_one_line_error(result, 2)
    assert line == "css-vpcep: invalid --deadline: must be more than 0 and at most 3600 seconds"
    assert sum(emulator.state.requests.values()) == 0


@pytest.mark.timeout(60)
def test_a_connection_dropped_mid_read_is_one_retry_line_per_attempt_then_one_error(tmp_path: Path) -> None:
    data = tmp_path / "big.json"
    data.write_text(json.dumps({"clusters": [{"id": "big", "generate": 60}]}), encoding="utf-8")
    # One connection a page: after the first page the read asks for ten pages at once, and each waits a second.
    emulator = EmulatorProcess("--data", str(data), "--page-cap", "1", "--latency-ms", "1000")
    try:
        emulator.line(emulator.stdout)
        env, _ = emulator.read_exports()
        port = int(env["HW_CSS_ENDPOINT"].rsplit(":", 1)[1])
        with ConnectionCounter(port) as relay:
            env |= {"HW_CSS_ENDPOINT": f"http://127.0.0.1:{relay.port}", "HW_MAX_RETRIES": "2"}
            read = start_cli("connections", "--cluster-id", "big", env=env)
            while relay.accepted < MAX_CONCURRENT_PAGES and read.poll() is None:
                time.sleep(0.01)  # until a connection for each of the pages in flight (one is the first page's)
            emulator.signal(signal.SIGKILL, group=False)
            result = finish_cli(read)
    finally:
        emulator.close()
    error = assert_error_after_retries(result, 5)
    assert re.match(r"css-vpcep: cluster \S+: network failure talking to http://127\.0\.0\.1:\d+: ", error), error
    assert error.endswith(" after 3 attempts")
    retries = result.stderr.splitlines()[:-1]
    assert [line.split(" failed")[0] for line in retries] == ["css-vpcep: attempt 1 of 3", "css-vpcep: attempt 2 of 3"]
    assert "Warning" not in result.stderr  # no "coroutine ... was never awaited" from the pages never sent


def test_a_missing_region_names_the_region_flag() -> None:
    env = {"HW_ACCESS_KEY": "a", "HW_SECRET_KEY": "b"}
    line = assert_one_line_error(run_cli("connections", "--cluster-id", "c", env=env), 3)
    assert "--region" in line
    assert "HW_REGION_NAME" in line
    assert "argument" not in line

