"""Temporary credentials under the real engine: a Python program (the dynamic resource) and a YAML program (the
plugin) read with an agency's keys that live 3 seconds, during a ``pulumi up`` of 16 resources that lasts
longer than that. Every read is exact, the keys were renewed, and no key, temporary or base, is in the state
or anywhere in the backend's files.

The agency is named through each face's Pulumi configuration (``huaweicloud:assumeRole`` for the Python
program, ``css-vpcep:assumeRole`` for the plugin); the base keys come from ``HW_ACCESS_KEY`` and
``HW_SECRET_KEY``. The emulator grants the cluster to the agency alone, so the base keys cannot read it.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from pulumi_css_vpcep.emulator import SAMPLE_CLUSTER_ID, SAMPLE_REGION, Emulator, sample_state
from pulumi_css_vpcep.emulator._samples import SAMPLE_AGENCY, SAMPLE_DOMAIN_NAME
from tests.e2e.engine import Backend

PROGRAMS = Path(__file__).parent / "programs"
BASE_AK = "CANARYBASEAK4T7Y2U9I"
BASE_SK = "canary-base-sk-3e8d1c6b-agency"
READS = 16

pytestmark = pytest.mark.timeout(600)


@pytest.fixture
def issuer() -> Iterator[Emulator]:
    """The emulator granting the sample cluster to the sample agency alone, whose keys live 3 seconds; each
    answer takes 0.4 s, so that 16 reads two at a time outlast the keys."""
    state = sample_state()
    state.credentials = {BASE_AK: BASE_SK}
    state.clusters[SAMPLE_CLUSTER_ID].granted_to = [f"agency:{SAMPLE_DOMAIN_NAME}/{SAMPLE_AGENCY}"]
    state.identity.lifetime = 3
    state.latency = 0.4
    with Emulator(state) as emu:
        yield emu


def environment(emulator: Emulator) -> dict[str, str]:
    return {"HW_ACCESS_KEY": BASE_AK, "HW_SECRET_KEY": BASE_SK, "HW_REGION_NAME": SAMPLE_REGION,
            "HW_CSS_ENDPOINT": emulator.url, "HW_AUTH_URL": f"{emulator.url}/v3"}


def project(backend: Backend, name: str) -> Path:
    work_dir = backend.root / "projects" / name
    work_dir.mkdir(parents=True)
    return work_dir


def assume_role(backend: Backend, work_dir: Path, env: dict[str, str], namespace: str) -> None:
    backend.cli("stack", "init", "dev", cwd=work_dir, env=env)
    for field, value in (("agencyName", SAMPLE_AGENCY), ("domainName", SAMPLE_DOMAIN_NAME), ("duration", "900")):
        backend.cli("config", "set", "--path", f"{namespace}:assumeRole.{field}", value, cwd=work_dir, env=env)


def assert_renewed_exact_and_leak_free(backend: Backend, emulator: Emulator, work_dir: Path, env: dict[str, str],
                                       total_counts: list[int], up_text: str) -> None:
    assert total_counts == [3] * READS
    requests = emulator.state.requests
    assert requests["css:" + SAMPLE_CLUSTER_ID] >= READS
    assert requests["iam:securitytokens"] >= 2, requests  # renewed while the update ran
    identity = emulator.state.identity
    secrets = [BASE_AK, BASE_SK, *identity.issued,
               *(s for key in identity.issued.values() for s in (key.secret_key, key.security_token))]
    exported = backend.cli("stack", "export", "--show-secrets", cwd=work_dir, env=env).stdout
    everything = "\n".join([exported, backend.files_text(), up_text])
    leaked = [secret[:8] for secret in secrets if secret in everything]
    assert leaked == [], f"credentials in the state, the backend's files or the output: {leaked}"


def test_a_python_program_reads_with_agency_keys_that_expire_during_up(
    backend: Backend, issuer: Emulator, python_host: Path
) -> None:
    work_dir = project(backend, "python-reads")
    shutil.copytree(PROGRAMS / "python-reads", work_dir, dirs_exist_ok=True)
    env = environment(issuer)
    assume_role(backend, work_dir, env, "huaweicloud")
    backend.cli("config", "set", "clusterId", SAMPLE_CLUSTER_ID, cwd=work_dir, env=env)
    backend.cli("config", "set", "count", str(READS), cwd=work_dir, env=env)

    up = backend.cli("up", "--yes", "--skip-preview", "--parallel", "2", cwd=work_dir, env=env)

    outputs = json.loads(backend.cli("stack", "output", "--json", cwd=work_dir, env=env).stdout)
    assert_renewed_exact_and_leak_free(backend, issuer, work_dir, env, outputs["total_counts"],
                                       up.stdout + up.stderr)


def test_a_yaml_program_reads_with_agency_keys_that_expire_during_up(backend: Backend, issuer: Emulator) -> None:
    work_dir = project(backend, "yaml-agency")
    read = {"type": "css-vpcep:index:VpcepConnections", "properties": {"clusterId": SAMPLE_CLUSTER_ID}}
    resources = {f"read{n}": read for n in range(READS)}
    program = {"name": "css-vpcep-yaml-agency", "runtime": "yaml", "resources": resources,
               "outputs": {"totalCounts": [f"${{read{n}.totalCount}}" for n in range(READS)]}}
    (work_dir / "Pulumi.yaml").write_text(json.dumps(program), encoding="utf-8")  # JSON is YAML
    env = environment(issuer)
    assume_role(backend, work_dir, env, "css-vpcep")

    up = backend.cli("up", "--yes", "--skip-preview", "--parallel", "2", cwd=work_dir, env=env)

    outputs = json.loads(backend.cli("stack", "output", "--json", cwd=work_dir, env=env).stdout)
    assert_renewed_exact_and_leak_free(backend, issuer, work_dir, env, outputs["totalCounts"], up.stdout + up.stderr)
