"""Running the ``css-vpcep`` command as a pipeline does: its own process, a given environment."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_css_vpcep.emulator import SAMPLE_CLUSTER_ID, Emulator
from tests.network_guard import VARIABLE as LOOPBACK_ONLY

RETRY_LINE = re.compile(r"attempt \d+ of \d+ failed: .+; retrying in \d+(\.\d+)? s$")
"""A line the command writes on stderr for each retry, as it happens (the client logs it at WARNING)."""


def _base_environment() -> dict[str, str]:
    """PATH, and the test's HOME and network guard: a command never reads the machine's credential files nor
    reaches beyond loopback."""
    kept = ("PATH", "HOME", "PYTHONPATH", LOOPBACK_ONLY)
    return {name: os.environ[name] for name in kept if name in os.environ}


def start_cli(*args: str, env: Mapping[str, str] | None = None) -> subprocess.Popen[str]:
    """Start ``css-vpcep`` in its own process with exactly ``env`` plus PATH (and the test's HOME and network
    guard); its stdout and stderr are piped."""
    return subprocess.Popen(
        [sys.executable, "-m", "pulumi_css_vpcep._cli", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**_base_environment(), **(env or {})},
    )


def finish_cli(process: subprocess.Popen[str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Wait for a command started by ``start_cli``; return what ``run_cli`` returns."""
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def run_cli(*args: str, env: Mapping[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run ``css-vpcep`` in its own process with exactly ``env`` plus PATH."""
    return finish_cli(start_cli(*args, env=env), timeout)


def assert_one_line_error(result: subprocess.CompletedProcess[str], code: int) -> str:
    """Exit ``code``, nothing on stdout, exactly one error line on stderr (after any retry lines) and no
    traceback; return the error line."""
    assert result.returncode == code, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.strip().splitlines() if not RETRY_LINE.search(line)]
    assert len(lines) == 1, result.stderr
    assert result.stderr.strip().splitlines()[-1] == lines[0], result.stderr
    return lines[0]


def serve_connections(emulator: Emulator, connections: Sequence[Mapping[str, Any]]) -> None:
    """Make the emulator's sample cluster serve exactly ``connections`` (in the API's spelling)."""
    emulator.state.clusters[SAMPLE_CLUSTER_ID].connections[:] = [dict(c) for c in connections]


def change_later(emulator: Emulator, connection_id: str, after: float, **fields: Any) -> None:
    """Have the emulator set ``fields`` on a connection of its sample cluster (or list it with them) ``after``
    seconds from now, through its control API."""
    import httpx

    url = f"{emulator.url}/_emulator/clusters/{SAMPLE_CLUSTER_ID}/connections/{connection_id}"
    httpx.post(url, json={**fields, "afterSeconds": after}, trust_env=False).raise_for_status()


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


def modules_a_read_imports(env: Mapping[str, str], cluster_id: str, packages: Sequence[str], *args: str) -> list[str]:
    """The modules of ``packages`` that ``css-vpcep connections --cluster-id CLUSTER ARGS`` has imported by
    the time it ends, in one process with exactly ``env`` plus PATH; the read must succeed."""
    probe = (
        "import sys\n"
        "from pulumi_css_vpcep import _cli as cli\n"
        "code = cli.main(['connections', '--cluster-id', *sys.argv[1:]])\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {tuple(packages)!r}), file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, cluster_id, *args], capture_output=True, text=True, timeout=60, check=False,
        env={**_base_environment(), **env},
    )
    assert result.returncode == 0, result.stderr
    loaded: list[str] = ast.literal_eval(result.stderr.strip().splitlines()[-1])
    return loaded
