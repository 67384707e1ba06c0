"""The jobs connections are read for, under the real engine: ``pulumi up`` that waits for a consumer's connection
to be accepted before the resources using its outputs are created (a Python program and a YAML program), and
the policy pack in ``examples/policy-pack`` through ``pulumi preview --policy-pack`` and ``up --policy-pack``."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from pulumi_css_vpcep.emulator import SAMPLE_CLUSTER_ID, Emulator
from tests.e2e.engine import Backend
from tests.e2e.test_operations import Program, new_program

ROOT = Path(__file__).resolve().parents[2]
PENDING = "b71d9e0f-2a3b-4c5d-8e6f-7a8b9c0d1e2f"
"""The sample cluster's connection pending acceptance."""
OUTSIDER = ("c93f0a1b-4c5d-4e6f-a7b8-c9d0e1f2a3b4", "0c1d2e3f4a5b46c7d8e9f0a1b2c3d4e5")
"""The sample cluster's connection from an account off its whitelist, and that account."""
POLICY_TIMEOUT = 300
"""Seconds a CLI run with the policy pack may take: without its virtualenv, the CLI hangs at "Loading policy
packs" (measured with the pinned CLI), and a hang must fail the test rather than block CI."""

pytestmark = pytest.mark.timeout(900)


@contextmanager
def accept_after_the_first_read(emulator: Emulator, cluster_id: str, after: float = 2.0) -> Iterator[list[float]]:
    """While the caller runs: once the emulator has served the first read of ``cluster_id``, the pending
    connection is accepted ``after`` seconds later (so the wait under test has seen it pending). Yields a list
    that then holds when it was accepted (``time.time()``)."""
    done = threading.Event()
    accepted_at: list[float] = []

    def accept() -> None:
        while not done.is_set() and emulator.state.requests[f"css:{cluster_id}"] < 1:
            time.sleep(0.05)
        if not done.is_set():
            url = f"{emulator.url}/_emulator/clusters/{cluster_id}/connections/{PENDING}"
            accepted_at.append(time.time() + after)
            httpx.post(url, json={"status": "accepted", "afterSeconds": after}, trust_env=False).raise_for_status()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield accepted_at
    finally:
        done.set()
        thread.join()


def created_at(resource: dict[str, Any]) -> float:
    """When the engine created a resource of a state export (its ``created`` time, RFC 3339, to the microsecond)."""
    text = re.sub(r"(\.\d{6})\d+", r"\1", resource["created"]).replace("Z", "+00:00")
    return datetime.fromisoformat(text).timestamp()


@pytest.mark.parametrize("language", ["python", "yaml"])
def test_up_creates_the_dependants_of_a_waiting_resource_after_the_acceptance(
    backend: Backend, emulator: Emulator, python_host: Path, language: str
) -> None:
    program = new_program(backend, emulator, f"{language}-wait", clusterId=SAMPLE_CLUSTER_ID, endpointId=PENDING)

    with accept_after_the_first_read(emulator, SAMPLE_CLUSTER_ID) as accepted_at:
        done = program.cli("up", "--yes", "--skip-preview", "--color", "never")

    assert f"connection {PENDING}: pendingAcceptance -> accepted" in done.stdout + done.stderr  # it waited
    resources = {r["urn"].rsplit("::", 1)[-1]: r for r in program.export()["deployment"]["resources"]}
    statuses = {c["id"]: c["status"] for c in resources["accepted"]["outputs"]["connections"]}
    assert statuses[PENDING] == "accepted"
    assert created_at(resources["after"]) >= accepted_at[0]


def test_a_rejection_fails_the_up_in_one_line(backend: Backend, emulator: Emulator) -> None:
    program = new_program(backend, emulator, "yaml-wait", clusterId=SAMPLE_CLUSTER_ID, endpointId=OUTSIDER[0])
    done = program.cli("up", "--yes", "--skip-preview", "--color", "never", check=False)
    assert done.returncode != 0
    assert f"error: connection {OUTSIDER[0]} is rejected: it will not become accepted" in done.stdout + done.stderr


# The policy pack


@pytest.fixture(scope="module")
def policy_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``examples/policy-pack`` prepared as its README says: the virtualenv its ``PulumiPolicy.yaml`` names, holding
    its requirements (this repository's package from this checkout)."""
    pack = tmp_path_factory.mktemp("policy") / "policy-pack"
    shutil.copytree(ROOT / "examples" / "policy-pack", pack, ignore=shutil.ignore_patterns("venv"))
    requirements = (pack / "requirements.txt").read_text(encoding="utf-8").splitlines()
    from_index = [line for line in requirements if line.strip() and not line.startswith(("#", "-e"))]
    subprocess.run([sys.executable, "-m", "venv", str(pack / "venv")], check=True, timeout=120)
    subprocess.run([str(pack / "venv" / "bin" / "python"), "-m", "pip", "install", "--quiet",
                    "--disable-pip-version-check", *from_index, "-e", str(ROOT)], check=True, timeout=600)
    return pack


def put_clean_cluster(emulator: Emulator, cluster_id: str) -> None:
    body = {"connections": [{"id": "ep-clean", "status": "accepted", "domain_id": "d1"}],
            "permissions": [{"id": "p1", "permission": "iam:domain::d1", "permission_type": "domainId"}]}
    httpx.put(f"{emulator.url}/_emulator/clusters/{cluster_id}", json=body, trust_env=False).raise_for_status()


def policy_run(program: Program, pack: Path, *command: str) -> subprocess.CompletedProcess[str]:
    """``pulumi COMMAND --policy-pack PACK`` in the program's directory (``COMMAND`` may carry more flags)."""
    return program.backend.cli(*command, "--color", "never", "--policy-pack", str(pack), cwd=program.work_dir,
                               env=program.env, check=False, timeout=POLICY_TIMEOUT)


def test_a_yaml_preview_with_the_policy_pack_fails_on_an_outside_account_and_passes_a_clean_cluster(
    backend: Backend, emulator: Emulator, policy_pack: Path
) -> None:
    program = new_program(backend, emulator, "yaml-reads")
    failed = policy_run(program, policy_pack, "preview")
    assert failed.returncode != 0
    text = failed.stdout + failed.stderr
    assert "vpcep-connections-audit" in text
    assert "(css-vpcep:index:VpcepConnections: read0)" in text
    assert f"connection {OUTSIDER[0]} (account {OUTSIDER[1]}): rejected, and its account is not on the whitelist" \
        in text

    # Its configuration's allowDomains replace the whitelist.
    config = program.work_dir / "audit.json"
    everyone = ["2f3e4d5c6b7a48999a8b7c6d5e4f3a2b", "7a6b5c4d3e2f41009f8e7d6c5b4a3928", OUTSIDER[1]]
    config.write_text(json.dumps({"vpcep-connections-audit": {"allowDomains": everyone}}), encoding="utf-8")
    allowed = policy_run(program, policy_pack, "preview", "--policy-pack-config", str(config))
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr

    put_clean_cluster(emulator, SAMPLE_CLUSTER_ID)
    passed = policy_run(program, policy_pack, "preview")
    assert passed.returncode == 0, passed.stdout + passed.stderr


def test_a_python_up_with_the_policy_pack_fails_on_an_outside_account(
    backend: Backend, emulator: Emulator, python_host: Path, policy_pack: Path
) -> None:
    program = new_program(backend, emulator, "python-reads", clusterId=SAMPLE_CLUSTER_ID, count="1")
    failed = policy_run(program, policy_pack, "up", "--yes", "--skip-preview")
    assert failed.returncode != 0
    text = failed.stdout + failed.stderr
    assert "(pulumi-python:dynamic/css-vpcep:VpcepConnections: read-0)" in text
    assert f"connection {OUTSIDER[0]} (account {OUTSIDER[1]})" in text
