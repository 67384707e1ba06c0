"""``css-vpcep audit`` as a pipeline runs it, against the emulator."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import httpx
import pytest

from pulumi_css_vpcep.emulator import SAMPLE_CLUSTER_ID, Emulator
from tests.command import assert_one_line_error, run_cli

OUTSIDER = ("c93f0a1b-4c5d-4e6f-a7b8-c9d0e1f2a3b4", "0c1d2e3f4a5b46c7d8e9f0a1b2c3d4e5")
"""The sample cluster's connection from an account its whitelist does not list."""
INSIDERS = ("2f3e4d5c6b7a48999a8b7c6d5e4f3a2b", "7a6b5c4d3e2f41009f8e7d6c5b4a3928")
"""The accounts of the sample whitelist (written ``iam:domain::<id>``)."""
PENDING = "b71d9e0f-2a3b-4c5d-8e6f-7a8b9c0d1e2f"


def put_cluster(emulator: Emulator, cluster_id: str, connections: list[dict[str, str]],
                whitelist: list[str]) -> None:
    body = {"connections": connections,
            "permissions": [{"id": f"p{i}", "permission": p, "permission_type": "domainId"}
                            for i, p in enumerate(whitelist)]}
    httpx.put(f"{emulator.url}/_emulator/clusters/{cluster_id}", json=body, trust_env=False).raise_for_status()


def audit(*flags: str) -> list[str]:
    return ["audit", "--cluster-id", SAMPLE_CLUSTER_ID, *flags]


def test_a_clean_cluster_exits_0_with_no_finding(emulator: Emulator) -> None:
    put_cluster(emulator, "clean", [{"id": "ep-1", "status": "accepted", "domain_id": "d1"}], ["iam:domain::d1"])
    result = run_cli("audit", "--cluster-id", "clean", env=emulator.environ())
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_a_connection_from_an_account_off_the_whitelist_exits_6_naming_both(emulator: Emulator) -> None:
    result = run_cli(*audit(), env=emulator.environ())
    assert result.returncode == 6, result.stderr
    assert result.stdout == (f"connection {OUTSIDER[0]} (account {OUTSIDER[1]}): rejected, and its account is not "
                             "on the whitelist\n")


def test_json_output_is_a_list_of_findings(emulator: Emulator) -> None:
    result = run_cli(*audit("--output", "json"), env=emulator.environ())
    assert result.returncode == 6, result.stderr
    [finding] = json.loads(result.stdout)
    assert (finding["connection_id"], finding["domain_id"]) == OUTSIDER


def test_allowed_domains_replace_the_whitelist(emulator: Emulator) -> None:
    everyone = [flag for account in (*INSIDERS, OUTSIDER[1]) for flag in ("--allow-domain", account)]
    assert run_cli(*audit(*everyone), env=emulator.environ()).returncode == 0
    result = run_cli(*audit("--allow-domain", f"iam:domain::{OUTSIDER[1]}", "-o", "json"), env=emulator.environ())
    assert result.returncode == 6
    assert [f["domain_id"] for f in json.loads(result.stdout)] == list(INSIDERS)


def test_a_connection_pending_longer_than_max_pending_exits_6(emulator: Emulator) -> None:
    every = [flag for account in (*INSIDERS, OUTSIDER[1]) for flag in ("--allow-domain", account)]
    result = run_cli(*audit(*every, "--max-pending", "1h"), env=emulator.environ())
    assert result.returncode == 6, result.stderr
    assert result.stdout.startswith(f"connection {PENDING} (account {INSIDERS[1]}): pending acceptance for ")
    assert result.stdout.endswith("(since 2024-06-02T12:30:00Z), longer than 1h\n")
    assert run_cli(*audit(*every, "--max-pending", "43800h"), env=emulator.environ()).returncode == 0


@pytest.mark.parametrize(("flags", "named"), [(["--max-pending", "soon"], "--max-pending"),
                                              (["--timeout", "0"], "--timeout"), (["--output", "xml"], "--output")])
def test_bad_usage_exits_2_and_sends_nothing(emulator: Emulator, flags: list[str], named: str) -> None:
    assert named in assert_one_line_error(run_cli(*audit(*flags), env=emulator.environ()), 2)
    assert sum(emulator.state.requests.values()) == 0


def test_wait_and_audit_load_no_pulumi_grpc_or_pydantic(emulator: Emulator) -> None:
    probe = (
        "import sys\n"
        "from pulumi_css_vpcep import _cli as cli\n"
        "codes = [cli.main(['audit', '--cluster-id', sys.argv[1]]),\n"
        "         cli.main(['wait', '--cluster-id', sys.argv[1], '--endpoint-id', sys.argv[2]])]\n"
        "print(codes, sorted(m for m in sys.modules if m.split('.')[0] in ('pulumi', 'grpc', 'pydantic')),"
        " file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe, SAMPLE_CLUSTER_ID, "8e4b1c2a-5d6f-4a7b-9c0d-1e2f3a4b5c6d"],
                            capture_output=True, text=True, timeout=60, check=False,
                            env={"PATH": os.environ.get("PATH", ""), **emulator.environ()})
    assert result.stderr.strip().splitlines()[-1] == "[6, 0] []"
