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
