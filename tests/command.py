"""Running the ``css-vpcep`` command as a pipeline does: its own process, a given environment."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Mapping


def run_cli(*args: str, env: Mapping[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run ``css-vpcep`` in its own process with exactly ``env`` plus PATH."""
    return subprocess.run(
        [sys.executable, "-m", "pulumi_css_vpcep.cli", *args],
        capture_output=True,
        text=True,
        env={"PATH": os.environ.get("PATH", ""), **(env or {})},
        timeout=timeout,
        check=False,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], code: int) -> str:
    """Exit ``code``, nothing on stdout, exactly one line on stderr and no traceback; return the line."""
    assert result.returncode == code, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


RETRY_LINE = re.compile(r"attempt \d+ of \d+ failed: .+; retrying in \d+(\.\d+)? s$")
"""A line the command writes on stderr for each retry, as it happens."""


def assert_error_after_retries(result: subprocess.CompletedProcess[str], code: int) -> str:
    """Exit ``code``, nothing on stdout, no traceback, and on stderr retry lines, then one error line;
    return the error line."""
    assert result.returncode == code, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    *retries, error = result.stderr.strip().splitlines()
    assert all(RETRY_LINE.search(line) for line in retries), result.stderr
    assert not RETRY_LINE.search(error), result.stderr
    return error
