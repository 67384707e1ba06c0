"""``examples/python-plain``: a plain Python script reads the emulator's sample cluster without Pulumi."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pulumi_css_vpcep.emulator import SAMPLE_CLUSTER_ID, SAMPLE_DISABLED_CLUSTER_ID, Emulator

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "python-plain"


def run_example(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(EXAMPLE), *args],
        capture_output=True,
        text=True,
        env={"PATH": os.environ.get("PATH", ""), **env},
        timeout=60,
        check=False,
    )


def test_it_prints_the_accepted_connections_and_the_counts(emulator: Emulator) -> None:
    result = run_example(SAMPLE_CLUSTER_ID, env=emulator.environ())
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "8e4b1c2a.vpcep.cn-north-4.myhuaweicloud.com 192.168.0.21",
        f"cluster {SAMPLE_CLUSTER_ID}: 3 connection(s) (1 accepted, 1 pendingAcceptance, 1 rejected)",
    ]


def test_it_does_not_import_pulumi(emulator: Emulator) -> None:
    probe = (
        "import runpy, sys\n"
        f"sys.argv = ['python-plain', {SAMPLE_CLUSTER_ID!r}]\n"
        f"try:\n    runpy.run_path({str(EXAMPLE)!r}, run_name='__main__')\n"
        "except SystemExit as done:\n    assert done.code == 0, done.code\n"
        "assert not [m for m in sys.modules if m.split('.')[0] in ('pulumi', 'grpc')]\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=False,
                            env={"PATH": os.environ.get("PATH", ""), **emulator.environ()})
    assert result.returncode == 0, result.stderr


def test_a_refusal_is_one_line_and_the_command_exit_code(emulator: Emulator) -> None:
    result = run_example(SAMPLE_DISABLED_CLUSTER_ID, env=emulator.environ())
    assert result.returncode == 4
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert "CSS.5182" in result.stderr


def test_missing_credentials_exit_3_without_a_traceback() -> None:
    result = run_example(SAMPLE_CLUSTER_ID, env={"HW_REGION_NAME": "cn-north-4"})
    assert result.returncode == 3
    assert "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 1
