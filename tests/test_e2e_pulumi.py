"""End to end: the real ``pulumi`` CLI runs examples/python-read against the emulator on a local backend.

``pulumi up``, ``pulumi stack output --json`` and ``pulumi refresh`` with a file backend in a temporary
directory; credentials through ``pulumi config set --secret``. Skipped when no ``pulumi`` CLI is on
PATH.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from pulumi_css_vpcep.emulator import (
    SAMPLE_ACCESS_KEY,
    SAMPLE_CLUSTER_ID,
    SAMPLE_REGION,
    SAMPLE_SECRET_KEY,
    Cluster,
    Emulator,
    generate_connections,
)

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "python-read"
PULUMI = shutil.which("pulumi")

pytestmark = [
    pytest.mark.skipif(PULUMI is None, reason="no `pulumi` CLI on PATH: install it to run the end-to-end test"),
    pytest.mark.timeout(900),
]

PulumiRun = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def pulumi_cli(emulator: Emulator, tmp_path: Path) -> PulumiRun:
    """Run ``pulumi`` in a copy of the example, with a file backend and the emulator's endpoints."""
    project = tmp_path / "python-read"
    shutil.copytree(EXAMPLE, project)
    (tmp_path / "state").mkdir()
    env = {
        **os.environ,
        "PULUMI_BACKEND_URL": f"file://{tmp_path / 'state'}",
        "PULUMI_CONFIG_PASSPHRASE": "end-to-end-test",
        "PULUMI_HOME": str(tmp_path / "pulumi-home"),
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_PYTHON_CMD": sys.executable,
        # The program and its dynamic provider host run on this interpreter, where the package is installed.
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        # Endpoints only: credentials and region come from the stack's huaweicloud:* configuration.
        "HW_CSS_ENDPOINT": emulator.url,
        "HW_AUTH_URL": f"{emulator.url}/v3",
    }

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        command: Sequence[str] = [str(PULUMI), *args, "--non-interactive"]
        done = subprocess.run(command, cwd=project, env=env, input=stdin, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}"
        return done

    run("stack", "init", "dev")
    run("config", "set", "clusterId", SAMPLE_CLUSTER_ID)
    run("config", "set", "huaweicloud:region", SAMPLE_REGION)
    run("config", "set", "huaweicloud:accessKey", SAMPLE_ACCESS_KEY)
    run("config", "set", "--secret", "huaweicloud:secretKey", SAMPLE_SECRET_KEY)
    return run


def stack_outputs(run: PulumiRun) -> dict[str, Any]:
    outputs: dict[str, Any] = json.loads(run("stack", "output", "--json").stdout)
    return outputs


def test_up_exports_the_clusters_connections(pulumi_cli: PulumiRun, emulator: Emulator) -> None:
    pulumi_cli("up", "--yes", "--skip-preview")

    outputs = stack_outputs(pulumi_cli)
    served = emulator.state.clusters[SAMPLE_CLUSTER_ID].connections
    assert [c["id"] for c in outputs["connections"]] == [c["id"] for c in served]
    assert outputs["accepted_connection_ids"] == [c["id"] for c in served if c["status"] == "accepted"]
    assert outputs["total_count"] == len(served)


def test_refresh_brings_the_services_changes_into_the_outputs(pulumi_cli: PulumiRun, emulator: Emulator) -> None:
    pulumi_cli("up", "--yes", "--skip-preview")
    pulumi_cli("preview", "--expect-no-changes")
    emulator.state.add_cluster(Cluster(id=SAMPLE_CLUSTER_ID, connections=generate_connections(150)))

    pulumi_cli("refresh", "--yes", "--skip-preview")

    outputs = stack_outputs(pulumi_cli)
    assert outputs["total_count"] == 150
    assert len(outputs["connections"]) == 150


def test_state_holds_no_credential(pulumi_cli: PulumiRun) -> None:
    pulumi_cli("up", "--yes", "--skip-preview")

    state = pulumi_cli("stack", "export", "--show-secrets").stdout

    assert SAMPLE_CLUSTER_ID in state
    assert SAMPLE_SECRET_KEY not in state
    assert SAMPLE_ACCESS_KEY not in state
