"""The YAML example, run end to end by the Pulumi CLI against the emulator, when a ``pulumi`` CLI is on PATH.

The plugin is served by this checkout's Python through a ``plugins.providers`` entry (a small launcher
script), so nothing is downloaded: ``pulumi package add`` would install the package into a fresh
virtualenv from the package index, which a test must not need.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pulumi_css_vpcep.emulator import (
    SAMPLE_ACCESS_KEY,
    SAMPLE_CLUSTER_ID,
    SAMPLE_PROJECT_ID,
    SAMPLE_REGION,
    SAMPLE_SECRET_KEY,
    Emulator,
)

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "yaml"
PACKAGES_BLOCK = "packages:\n  css-vpcep: ../..\n"

pytestmark = pytest.mark.skipif(
    shutil.which("pulumi") is None,
    reason="no `pulumi` CLI on PATH: the YAML example cannot be run end to end (install it from "
    "https://www.pulumi.com/docs/install/ to run this test)",
)


def _program(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """The example in a temporary directory, its plugin served by this Python; and the CLI's environment."""
    launcher_dir = tmp_path / "plugin"
    launcher_dir.mkdir()
    launcher = launcher_dir / "pulumi-resource-css-vpcep"
    launcher.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m pulumi_css_vpcep "$@"\n', encoding="utf-8")
    launcher.chmod(launcher.stat().st_mode | stat.S_IXUSR)

    project = tmp_path / "project"
    shutil.copytree(EXAMPLE, project)
    text = (project / "Pulumi.yaml").read_text(encoding="utf-8")
    assert PACKAGES_BLOCK in text, "the example no longer names the plugin as the test expects"
    plugins = f"plugins:\n  providers:\n    - name: css-vpcep\n      path: {launcher_dir}\n"
    (project / "Pulumi.yaml").write_text(text.replace(PACKAGES_BLOCK, plugins), encoding="utf-8")

    state = tmp_path / "state"
    state.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HW_", "HUAWEICLOUD_SDK_", "PULUMI_"))}
    env.update(
        PULUMI_BACKEND_URL=f"file://{state}",
        PULUMI_CONFIG_PASSPHRASE="e2e-test-passphrase",
        PULUMI_SKIP_UPDATE_CHECK="true",
        PULUMI_HOME=str(tmp_path / "pulumi-home"),
        PYTHONPATH=str(EXAMPLE.parent.parent),
    )
    return project, env


def _pulumi(project: Path, env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        ["pulumi", *args, "--non-interactive"], cwd=project, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"pulumi {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_yaml_example_reads_refreshes_and_forgets(emulator: Emulator, tmp_path: Path) -> None:
    project, env = _program(tmp_path)
    # Endpoints from the environment, credentials and region from the package's configuration.
    env.update(HW_CSS_ENDPOINT=emulator.url, HW_AUTH_URL=f"{emulator.url}/v3")
    _pulumi(project, env, "stack", "init", "e2e")
    _pulumi(project, env, "config", "set", "css-vpcep:region", SAMPLE_REGION)
    _pulumi(project, env, "config", "set", "css-vpcep:accessKey", SAMPLE_ACCESS_KEY)
    _pulumi(project, env, "config", "set", "--secret", "css-vpcep:secretKey", SAMPLE_SECRET_KEY)

    _pulumi(project, env, "up", "--yes", "--skip-preview")
    outputs: dict[str, Any] = json.loads(_pulumi(project, env, "stack", "output", "--json"))
    assert outputs["resourceId"] == f"{SAMPLE_REGION}:{SAMPLE_PROJECT_ID}:{SAMPLE_CLUSTER_ID}"
    assert outputs["totalCount"] == 3
    assert outputs["invokedTotalCount"] == 3
    assert [c["status"] for c in outputs["connections"]] == ["accepted", "pendingAcceptance", "rejected"]

    _pulumi(project, env, "preview", "--expect-no-changes")
    emulator.state.clusters[SAMPLE_CLUSTER_ID].connections.append(
        {"id": "e2e00000-0000-4000-8000-000000000001", "status": "accepted", "maxSession": "50"}
    )
    _pulumi(project, env, "up", "--yes", "--skip-preview")
    assert json.loads(_pulumi(project, env, "stack", "output", "--json"))["totalCount"] == 4

    exported = _pulumi(project, env, "stack", "export")
    assert SAMPLE_SECRET_KEY not in exported

    emulator.state.reset_counts()
    _pulumi(project, env, "destroy", "--yes", "--skip-preview")
    assert emulator.state.requests["css"] == 0
