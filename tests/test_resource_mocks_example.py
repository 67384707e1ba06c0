"""The unit-test example (``examples/python-unit-test``) passes under pytest, in its own process as a
user runs it: Pulumi's mocks answer ``get_vpcep_connections`` and nothing reaches a network."""

from __future__ import annotations

import subprocess
import sys

from tests.programs import EXAMPLES
from tests.provider_host import process_env


def test_the_mocks_example_passes_under_pytest() -> None:
    example = EXAMPLES / "python-unit-test"
    # No HW_* variable: a read would fail for want of credentials, so a pass means the mocks answered.
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(example)],
        cwd=example, env=process_env(), capture_output=True, text=True, timeout=120, check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 passed" in done.stdout
    assert "warning" not in (done.stdout + done.stderr).lower()  # such as Python 3.12's "no current event loop"


def test_pytest_in_the_example_reads_its_own_settings_not_the_repositorys() -> None:
    example = EXAMPLES / "python-unit-test"
    # Without the pytest-timeout plugin, the repository's `timeout` setting would warn if pytest read it.
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-p", "no:timeout", "-p", "no:cacheprovider"],
        cwd=example, env=process_env(), capture_output=True, text=True, timeout=120, check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert f"rootdir: {example}" in done.stdout
    assert "configfile: pytest.ini" in done.stdout
    assert "warning" not in (done.stdout + done.stderr).lower()
