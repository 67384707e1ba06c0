"""The dynamic resource and the function under the real engine: ``pulumi up``, ``preview``, ``refresh``,
``destroy``, ``stack output`` and ``stack export`` on a ``file://`` backend, against the emulator.

``examples/python-read`` and ``examples/python-consume`` run as users run them, with ``pulumi`` in their
directories through the Python language host. The function and the many-resource cases vary the program
per test, so they run as Automation API inline programs.

Unless a case says otherwise, credentials, region and IAM endpoint reach the dynamic provider only as
``huaweicloud:*`` stack configuration: no ``HW_*`` variable is set anywhere.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pytest
from pulumi import automation as auto

from pulumi_css_vpcep import VpcepConnections, get_vpcep_connections
from pulumi_css_vpcep.emulator import (
    SAMPLE_ACCESS_KEY,
    SAMPLE_CLUSTER_ID,
    SAMPLE_REGION,
    SAMPLE_SECRET_KEY,
    Cluster,
    Emulator,
    generate_connections,
)
from tests.e2e.engine import VENV_BIN, Backend, InlineStack, ProgramStack
from tests.e2e.test_plugin import change_status

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
RESOURCE_TYPE = "pulumi-python:dynamic/css-vpcep:VpcepConnections"
READ_PROJECT = "css-vpcep-read"
CANARY_AK = "CANARYAK7Q2W9E4R6T8Y"
CANARY_SK = "canary-sk-5f1e9a7c3b2d4e6f8a0b"

pytestmark = pytest.mark.timeout(900)


def configure_from_stack(stack: InlineStack | ProgramStack, emulator: Emulator, *, credentials: bool = True) -> None:
    """Point the stack at the emulator through stack configuration only."""
    stack.set_config("clusterId", SAMPLE_CLUSTER_ID)
    stack.set_config("endpoint", emulator.url)
    stack.set_config("huaweicloud:region", SAMPLE_REGION)
    stack.set_config("huaweicloud:authUrl", f"{emulator.url}/v3")
    if credentials:
        stack.set_config("huaweicloud:accessKey", SAMPLE_ACCESS_KEY, secret=True)
        stack.set_config("huaweicloud:secretKey", SAMPLE_SECRET_KEY, secret=True)


@pytest.fixture
def read_stack(backend: Backend, emulator: Emulator, python_host: Path) -> ProgramStack:
    """``examples/python-read`` as stack ``dev``, configured for the emulator through stack config."""
    stack = backend.program_stack(EXAMPLES / "python-read", "dev")
    configure_from_stack(stack, emulator)
    return stack


def command_json(emulator: Emulator, cluster_id: str) -> dict[str, Any]:
    """What ``css-vpcep connections --output json`` prints for the cluster, as a pipeline runs it."""
    done = subprocess.run(
        [str(VENV_BIN / "css-vpcep"), "connections", "--cluster-id", cluster_id, "--output", "json"],
        env={"PATH": str(VENV_BIN), **emulator.environ()},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def total_requests(emulator: Emulator) -> int:
    with emulator.state.lock:
        return sum(v for k, v in emulator.state.requests.items() if k in ("css", "iam"))


def stored_reads(stack: ProgramStack) -> list[tuple[str, str, dict[str, Any]]]:
    """URN, id and outputs of each stored VpcepConnections (the pickled provider is re-encrypted on every
    deployment, so its ciphertext is left out)."""
    return [
        (r["urn"], r["id"], {k: v for k, v in r["outputs"].items() if k != "__provider"})
        for r in stack.resources_of_type(RESOURCE_TYPE)
    ]


# a. pulumi up, then stack output equals the command's JSON


def test_stack_outputs_equal_the_commands_json_key_for_key(read_stack: ProgramStack, emulator: Emulator) -> None:
    read_stack.up()

    outputs = read_stack.outputs()
    expected = command_json(emulator, SAMPLE_CLUSTER_ID)
    assert {key: outputs[key] for key in expected} == expected
    assert type(outputs["total_count"]) is int
    assert all(type(c["max_session"]) is int for c in outputs["connections"])
    served = emulator.state.clusters[SAMPLE_CLUSTER_ID].connections
    assert outputs["accepted_connection_ids"] == [c["id"] for c in served if c["status"] == "accepted"]


# b. no change means no diff


def test_a_second_up_changes_nothing_and_preview_and_refresh_expect_no_changes(read_stack: ProgramStack) -> None:
    read_stack.up()

    read_stack.up("--expect-no-changes")
    read_stack.preview("--expect-no-changes")
    read_stack.refresh("--expect-no-changes")


# c. drift


@pytest.mark.parametrize("parallel_diff", [False, True], ids=["diffs-one-at-a-time", "PULUMI_PARALLEL_DIFF"])
def test_drift_shows_as_one_update_naming_the_changed_outputs_then_up_stores_it(
    read_stack: ProgramStack, emulator: Emulator, parallel_diff: bool
) -> None:
    # The engine's switch for concurrent diffs takes another path through it (a diff's result comes back
    # as an event of its own); the docs suggest it for large stacks, so drift must show there too.
    if parallel_diff:
        read_stack.env["PULUMI_PARALLEL_DIFF"] = "true"
    read_stack.up()
    changed, was = change_status(emulator, 0, "rejected")
    cluster = emulator.state.clusters[SAMPLE_CLUSTER_ID]
    with emulator.state.lock:
        cluster.connections.append(generate_connections(1, prefix="drift")[0])

    preview = read_stack.preview("--diff").text
    assert re.search(r"^ +~ 1 to update$", preview, re.MULTILINE), preview
    assert not re.search(r"to (create|delete|replace)", preview), preview
    # A dynamic provider's diff cannot carry a detailed diff: the provider names the drift, a line for each
    # change, which the CLI passes on from the provider host's stderr.
    notice = r"css-vpcep: cluster \S+ drifted from the stored outputs: connections, total_count$"
    assert re.search(notice, preview, re.MULTILINE), preview
    assert re.search(rf"^ +connection {changed}: status {was} -> rejected$", preview, re.MULTILINE), preview

    read_stack.up()
    outputs = read_stack.outputs()
    assert outputs["total_count"] == 4
    assert outputs["connections"][0]["status"] == "rejected"
    assert outputs == read_stack.outputs()
    read_stack.refresh("--expect-no-changes")


# d. configuration


def test_stack_config_reaches_the_dynamic_provider_and_a_region_change_does_not_repoint(
    read_stack: ProgramStack, emulator: Emulator
) -> None:
    read_stack.up()
    assert read_stack.outputs()["region"] == SAMPLE_REGION
    resource_id = read_stack.resources_of_type(RESOURCE_TYPE)[0]["id"]

    read_stack.set_config("huaweicloud:region", "cn-east-3")
    read_stack.preview("--expect-no-changes")
    read_stack.up("--expect-no-changes")

    assert read_stack.outputs()["region"] == SAMPLE_REGION
    assert read_stack.resources_of_type(RESOURCE_TYPE)[0]["id"] == resource_id


# e. secrets


def assert_no_canary(*texts: str) -> None:
    for text in texts:
        assert CANARY_AK not in text
        assert CANARY_SK not in text


def test_credentials_from_stack_config_are_nowhere_in_state_files_or_output(
    backend: Backend, emulator: Emulator, python_host: Path
) -> None:
    emulator.state.credentials[CANARY_AK] = CANARY_SK
    stack = backend.program_stack(EXAMPLES / "python-read", "dev")
    configure_from_stack(stack, emulator, credentials=False)
    # The engine records the stack's configuration in the dynamic provider's state: both keys are secrets.
    stack.set_config("huaweicloud:accessKey", CANARY_AK, secret=True)
    stack.set_config("huaweicloud:secretKey", CANARY_SK, secret=True)

    up = stack.up()

    assert stack.outputs()["total_count"] == 3
    assert_no_canary(stack.export(), backend.files_text(), up.text)


def test_an_access_key_configured_without_secret_is_warned_about(read_stack: ProgramStack) -> None:
    read_stack.set_config("huaweicloud:accessKey", SAMPLE_ACCESS_KEY)

    up = read_stack.up()

    warning = "huaweicloud:accessKey is not a secret, so the engine stores it in plain text in the provider's state"
    assert warning in up.text
    assert read_stack.outputs()["total_count"] == 3


def test_no_warning_when_the_credentials_are_secrets(read_stack: ProgramStack) -> None:
    up = read_stack.up()

    assert "is not a secret" not in up.text


def test_credentials_from_the_environment_are_nowhere_in_state_files_or_output(
    backend: Backend, emulator: Emulator, python_host: Path
) -> None:
    emulator.state.credentials[CANARY_AK] = CANARY_SK
    env = {"HW_ACCESS_KEY": CANARY_AK, "HW_SECRET_KEY": CANARY_SK, "HW_SECURITY_TOKEN": "CANARYTOKEN-" + CANARY_SK}
    stack = backend.program_stack(EXAMPLES / "python-read", "dev", env=env)
    configure_from_stack(stack, emulator, credentials=False)

    up = stack.up()
    refresh = stack.refresh()

    assert stack.outputs()["total_count"] == 3
    assert_no_canary(
        stack.export(),
        stack.export(show_secrets=True),
        backend.files_text(),
        up.text,
        refresh.text,
    )


# f. StackReference


def test_a_stack_of_another_project_reads_the_outputs_through_a_stack_reference(
    backend: Backend, read_stack: ProgramStack
) -> None:
    read_stack.up()
    source = read_stack.outputs()
    consumer = backend.program_stack(EXAMPLES / "python-consume", "dev")
    consumer.set_config("sourceStack", f"organization/{READ_PROJECT}/dev")

    consumer.up()

    outputs = consumer.outputs()
    assert outputs["source_total_count"] == source["total_count"]
    assert outputs["search_hosts"] == [f"https://{name}:9200" for name in sorted(source["accepted_dns_names"])]
    assert outputs["pending_connection_ids"] == [
        c["id"] for c in source["connections"] if c["status"] == "pendingAcceptance"
    ]


# g. errors


def test_an_unknown_cluster_fails_up_with_the_services_error_and_leaves_the_state(
    read_stack: ProgramStack,
) -> None:
    read_stack.up()
    before = stored_reads(read_stack)
    read_stack.set_config("clusterId", "no-such-cluster")

    with pytest.raises(auto.CommandError) as failure:
        read_stack.up()

    text = str(failure.value)
    # The resource's error is the service's one line, not the provider host's traceback.
    refused = r"error: cluster no-such-cluster: HTTP 403 CSS\.0015: .*\(request id [0-9a-f-]{8,}\)$"
    assert re.search(refused, text, re.MULTILINE), text
    assert "Traceback" not in text
    # (The default provider's record of the stack configuration is the engine's, and changes with it.)
    assert stored_reads(read_stack) == before


def test_a_malformed_cluster_id_fails_before_any_request(read_stack: ProgramStack, emulator: Emulator) -> None:
    read_stack.set_config("clusterId", "not a cluster id!")

    with pytest.raises(auto.CommandError) as failure:
        read_stack.up()

    assert "cluster_id" in str(failure.value)
    assert total_requests(emulator) == 0
    assert read_stack.resources_of_type(RESOURCE_TYPE) == []


def test_a_stopped_loopback_service_gives_a_refused_connection_at_once_not_a_hang(
    backend: Backend, emulator: Emulator, python_host: Path
) -> None:
    stack = backend.program_stack(EXAMPLES / "python-read", "dev", env={"HW_MAX_RETRIES": "1"})
    configure_from_stack(stack, emulator)
    stack.set_config("huaweicloud:projectId", "0a1b2c3d4e5f40718293a4b5c6d7e8f9")
    emulator.stop()
    started = time.monotonic()

    with pytest.raises(auto.CommandError) as failure:
        stack.up()

    assert time.monotonic() - started < 120
    # Nothing listens on this machine's port: no retry mends that, so the one attempt's words are the error.
    assert "connection refused by http://127.0.0.1:" in str(failure.value), str(failure.value)
    assert "attempts" not in str(failure.value), str(failure.value)


# h. the function in a program


def function_program(cluster_id: str, endpoint: str) -> Callable[[], None]:
    def program() -> None:
        current = get_vpcep_connections(cluster_id, endpoint=endpoint)
        pulumi.export("function_total_count", current.apply(lambda r: r["total_count"]))
        pulumi.export("function_connection_ids", current.apply(lambda r: [c["id"] for c in r["connections"]]))

    return program


def test_the_function_runs_on_preview_and_on_update_and_its_result_exports(
    backend: Backend, emulator: Emulator
) -> None:
    stack = backend.inline_stack("css-vpcep-function", "dev", function_program(SAMPLE_CLUSTER_ID, emulator.url))
    configure_from_stack(stack, emulator)

    stack.preview()
    after_preview = emulator.state.requests[f"css:{SAMPLE_CLUSTER_ID}"]
    stack.up()
    after_up = emulator.state.requests[f"css:{SAMPLE_CLUSTER_ID}"]

    assert after_preview >= 1
    assert after_up > after_preview
    served = emulator.state.clusters[SAMPLE_CLUSTER_ID].connections
    assert stack.outputs() == {
        "function_total_count": len(served),
        "function_connection_ids": [c["id"] for c in served],
    }


# i. many at once


def many_program(cluster_ids: list[str], endpoint: str) -> Callable[[], None]:
    def program() -> None:
        for cluster_id in cluster_ids:
            read = VpcepConnections(cluster_id, cluster_id=cluster_id, endpoint=endpoint)
            pulumi.export(cluster_id, pulumi.Output.all(read.total_count, read.connections))

    return program


def test_twenty_resources_with_parallel_eight_are_each_exact(
    backend: Backend, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    cluster_ids = [f"many-{i:02d}" for i in range(20)]
    for i, cluster_id in enumerate(cluster_ids):
        emulator.state.add_cluster(Cluster(id=cluster_id, connections=generate_connections(5 + 15 * i, prefix=f"m{i}")))
    emulator.state.latency = 0.02
    stack = backend.inline_stack("css-vpcep-many", "dev", many_program(cluster_ids, emulator.url))
    configure_from_stack(stack, emulator)

    started = time.monotonic()
    stack.up(parallel=8)
    elapsed = time.monotonic() - started

    outputs = stack.outputs()
    for cluster_id in cluster_ids:
        total, connections = outputs[cluster_id]
        served = emulator.state.clusters[cluster_id].connections
        assert total == len(served)
        assert [c["id"] for c in connections] == [c["id"] for c in served]
    with capsys.disabled():
        print(f"\n20 VpcepConnections, pulumi up --parallel 8, 20 ms a request: {elapsed:.1f} s")


# j. destroy


def test_destroy_removes_everything_sending_nothing_and_the_stack_can_be_removed(
    read_stack: ProgramStack, emulator: Emulator
) -> None:
    read_stack.up()
    emulator.state.reset_counts()

    read_stack.destroy()

    assert total_requests(emulator) == 0
    assert read_stack.resources() == []
    read_stack.cli("stack", "rm", "--yes")
    assert "dev" not in read_stack.backend.cli("stack", "ls", "--all", cwd=read_stack.work_dir).stdout


# k. make run, as a newcomer runs it with a pulumi CLI on PATH


def test_make_run_reads_the_sample_then_runs_the_example_with_pulumi_up(backend: Backend, python_host: Path) -> None:
    # As a newcomer runs it: not inside `make e2e`'s own make (whose variables make a nested make say more).
    env = {
        key: value
        for key, value in backend.env.items()
        if key not in ("PULUMI_BACKEND_URL", "PULUMI_PYTHON_CMD", "MAKEFLAGS", "MAKELEVEL", "MFLAGS")
    }
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if p != str(VENV_BIN))

    done = subprocess.run(["make", "run"], cwd=EXAMPLES.parent, env=env, capture_output=True, text=True, timeout=600)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "pulumi CLI found: running examples/python-read with pulumi up against the emulator" in done.stdout
    assert re.search(r"^ +\+ 2 created$", done.stdout, re.MULTILINE), done.stdout
    outputs = json.loads(done.stdout[done.stdout.rindex("\n{") + 1 :])
    assert outputs["cluster_id"] == SAMPLE_CLUSTER_ID
    assert outputs["total_count"] == len(outputs["connections"]) == 3
