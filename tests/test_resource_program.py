"""Pulumi programs run in the test process: the examples and ``get_vpcep_connections``.

``tests.programs`` stands in for the engine: a ``VpcepConnections`` is created by its real provider,
reading from the emulator over loopback. Under Pulumi's own mocks (a ``MockMonitor``), the function
sends nothing and is answered by ``Mocks.call``, as every Pulumi function is in users' unit tests.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pulumi
import pytest

from pulumi_css_vpcep import (
    ApiError,
    Connection,
    Permission,
    VpcepConnections,
    VpcepConnectionsResult,
    get_vpcep_connections,
    read_vpcep_connections,
)
from pulumi_css_vpcep.emulator import (
    SAMPLE_CLUSTER_ID,
    SAMPLE_DISABLED_CLUSTER_ID,
    SAMPLE_PROJECT_ID,
    SAMPLE_REGION,
    Emulator,
)
from tests.programs import EXAMPLES, READ_PROJECT, EngineMocks, fresh_runtime, pulumi_test, run_program, set_engine

CONSUME_PROJECT = "css-vpcep-consume"
SOURCE_STACK = f"organization/{READ_PROJECT}/dev"
FUNCTION = "css-vpcep:index:getVpcepConnections"


@pytest.fixture(autouse=True)
def new_runtime() -> Iterator[None]:
    """Every program starts as a new `pulumi up` does."""
    with fresh_runtime():
        yield


@pytest.fixture
def endpoint_env(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the CSS endpoint comes from the environment; everything else from the stack's config."""
    monkeypatch.setenv("HW_CSS_ENDPOINT", emulator.url)


def run_read_example(emulator: Emulator, mocks: EngineMocks | None = None) -> dict[str, Any]:
    config = {**emulator.pulumi_config(), f"{READ_PROJECT}:clusterId": SAMPLE_CLUSTER_ID}
    return run_program(EXAMPLES / "python-read", READ_PROJECT, mocks or EngineMocks(config), config)


@pytest.mark.usefixtures("endpoint_env")
def test_read_example_exports_every_connection_and_the_accepted_ones(emulator: Emulator) -> None:
    outputs = run_read_example(emulator)

    served = emulator.state.clusters[SAMPLE_CLUSTER_ID].connections
    accepted = [c for c in served if c["status"] == "accepted"]
    assert [c["id"] for c in outputs["connections"]] == [c["id"] for c in served]
    assert outputs["total_count"] == len(served)
    assert type(outputs["total_count"]) is int  # numbers cross the wire as floats; the program gets ints
    assert {type(c["max_session"]) for c in outputs["connections"]} == {int}
    # Pulumi's Python SDK drops null properties inside outputs; the program still gets every field, None where null.
    assert all(set(c) == set(Connection.model_fields) for c in outputs["connections"])
    assert outputs["connections"][0]["update_at"] is None
    assert outputs["accepted_count"] == len(accepted)
    assert outputs["accepted_connection_ids"] == [c["id"] for c in accepted]
    assert outputs["accepted_dns_names"] == [c["vpcepDnsName"] for c in accepted]
    assert outputs["project_id"] == SAMPLE_PROJECT_ID
    assert outputs["region"] == SAMPLE_REGION


@pytest.mark.usefixtures("endpoint_env")
@pytest.mark.parametrize(
    ("secret_keys", "warned"),
    [
        (["huaweicloud:secretKey"], ["huaweicloud:accessKey"]),
        (["huaweicloud:accessKey", "huaweicloud:secretKey"], []),
    ],
)
def test_each_credential_configured_without_secret_is_warned_about(
    emulator: Emulator, caplog: pytest.LogCaptureFixture, secret_keys: list[str], warned: list[str]
) -> None:
    config = {**emulator.pulumi_config(), f"{READ_PROJECT}:clusterId": SAMPLE_CLUSTER_ID}

    run_program(EXAMPLES / "python-read", READ_PROJECT, EngineMocks(config), config, secret_keys=secret_keys)

    assert [r.getMessage() for r in caplog.records if "is not a secret" in r.getMessage()] == [
        f"{key} is not a secret, so the engine stores it in plain text in the provider's state: "
        f"set it with `pulumi config set --secret {key}`"
        for key in warned
    ]


@pytest.mark.usefixtures("endpoint_env")
def test_keys_meant_for_the_resource_but_not_read_are_warned_about_once_naming_the_key_read(
    emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    config = {
        **emulator.pulumi_config(), f"{READ_PROJECT}:clusterId": SAMPLE_CLUSTER_ID,
        "huaweicloud:regoin": SAMPLE_REGION,  # misspelt
        "css-vpcep:projectId": SAMPLE_PROJECT_ID,  # the plugin's key
        "huaweicloud:projectName": "cn-north-4_x",  # pulumi-huaweicloud's own: no mistake
        "huaweicloud:enterpriseProjectId": "0",
    }

    run_program(EXAMPLES / "python-read", READ_PROJECT, EngineMocks(config), config,
                secret_keys=["huaweicloud:accessKey", "huaweicloud:secretKey"])

    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == [
        "css-vpcep:projectId is not a key that css-vpcep reads in a Python program: did you mean "
        "huaweicloud:projectId?",
        "huaweicloud:regoin is not a key that css-vpcep reads in a Python program: did you mean huaweicloud:region?",
    ]


@pytest.mark.usefixtures("endpoint_env")
def test_read_example_registers_only_the_cluster_id_as_input(emulator: Emulator) -> None:
    config = {**emulator.pulumi_config(), f"{READ_PROJECT}:clusterId": SAMPLE_CLUSTER_ID}
    mocks = EngineMocks(config)

    run_program(EXAMPLES / "python-read", READ_PROJECT, mocks, config)

    (registration,) = mocks.registered
    assert registration.typ == "pulumi-python:dynamic/css-vpcep:VpcepConnections"
    assert {k: v for k, v in registration.inputs.items() if k != "__provider"} == {"cluster_id": SAMPLE_CLUSTER_ID}


@pytest.mark.usefixtures("endpoint_env")
def test_consume_example_uses_the_outputs_of_the_read_stack(emulator: Emulator) -> None:
    source_outputs = run_read_example(emulator)
    mocks = EngineMocks({}, stacks={SOURCE_STACK: source_outputs})

    outputs = run_program(
        EXAMPLES / "python-consume", CONSUME_PROJECT, mocks, {f"{CONSUME_PROJECT}:sourceStack": SOURCE_STACK}
    )

    served = emulator.state.clusters[SAMPLE_CLUSTER_ID].connections
    assert outputs["search_hosts"] == sorted(
        f"https://{c['vpcepDnsName']}:9200" for c in served if c["status"] == "accepted"
    )
    assert outputs["pending_connection_ids"] == [c["id"] for c in served if c["status"] == "pendingAcceptance"]
    assert outputs["source_total_count"] == len(served)
    assert [r.typ for r in mocks.registered] == ["pulumi:pulumi:StackReference"]


@pytest.mark.usefixtures("endpoint_env")
def test_pipeline_example_gates_on_accepted_connections(emulator: Emulator, tmp_path: Path) -> None:
    stack_output = tmp_path / "outputs.json"
    stack_output.write_text(json.dumps(run_read_example(emulator)), encoding="utf-8")
    script = str(EXAMPLES / "pipeline" / "connections_report.py")

    enough = subprocess.run([sys.executable, script, str(stack_output), "--min-accepted", "1"], capture_output=True)
    too_few = subprocess.run([sys.executable, script, str(stack_output), "--min-accepted", "5"], capture_output=True)

    assert enough.returncode == 0
    assert b"1 of 3 connections accepted" in enough.stdout
    assert too_few.returncode == 1


@pytest.mark.usefixtures("endpoint_env")
def test_get_by_id_in_a_program_reads_the_named_cluster(emulator: Emulator) -> None:
    config = emulator.pulumi_config()
    set_engine(EngineMocks(config), READ_PROJECT, config)
    found: dict[str, Any] = {}

    @pulumi_test
    def program() -> pulumi.Output[None]:
        existing = VpcepConnections.get("existing", f"{SAMPLE_REGION}:{SAMPLE_PROJECT_ID}:{SAMPLE_CLUSTER_ID}")
        return pulumi.Output.all(existing.cluster_id, existing.total_count).apply(
            lambda values: found.update(cluster_id=values[0], total_count=values[1])
        )

    program()

    assert found == {"cluster_id": SAMPLE_CLUSTER_ID, "total_count": 3}


def run_function(
    mocks: EngineMocks, cluster_id: pulumi.Input[str], *, preview: bool = False, as_engine: bool = True,
    **inputs: pulumi.Input[str],
) -> dict[str, Any]:
    """Call ``get_vpcep_connections`` in a program run by the engine (``as_engine``) or by Pulumi's mocks;
    return what its output resolves to."""
    set_engine(mocks, READ_PROJECT, mocks.config, preview=preview, as_engine=as_engine)
    results: list[dict[str, Any]] = []

    @pulumi_test
    def program() -> pulumi.Output[None]:
        return get_vpcep_connections(cluster_id, **inputs).apply(results.append)

    program()
    (result,) = results
    return result


@pytest.mark.usefixtures("endpoint_env")
def test_function_reads_with_the_programs_huaweicloud_config(emulator: Emulator) -> None:
    result = run_function(EngineMocks(emulator.pulumi_config()), SAMPLE_CLUSTER_ID)

    short_config = {key.removeprefix("huaweicloud:"): value for key, value in emulator.pulumi_config().items()}
    assert result == read_vpcep_connections(SAMPLE_CLUSTER_ID, config=short_config).to_outputs()
    assert result["cluster_id"] == SAMPLE_CLUSTER_ID
    assert json.loads(json.dumps(result)) == result  # plain values: exportable as they are
    assert emulator.state.requests["css"] == 2


@pytest.mark.usefixtures("endpoint_env")
def test_function_runs_on_preview_with_inputs_from_other_outputs(emulator: Emulator) -> None:
    result = run_function(
        EngineMocks(emulator.pulumi_config()), pulumi.Output.from_input(SAMPLE_CLUSTER_ID), preview=True
    )

    assert result["total_count"] == 3


@pytest.mark.usefixtures("endpoint_env")
def test_function_reports_the_services_refusal(emulator: Emulator) -> None:
    with pytest.raises(ApiError, match=r"CSS\.5182"):
        run_function(EngineMocks(emulator.pulumi_config()), SAMPLE_DISABLED_CLUSTER_ID)


def camel_outputs(outputs: Mapping[str, Any]) -> Any:
    """A read's outputs as a provider answers the function: camelCase names, numbers as floats."""
    def camel(name: str) -> str:
        head, *rest = name.split("_")
        return head + "".join(part.title() for part in rest)

    def convert(value: Any) -> Any:
        if isinstance(value, dict):
            return {camel(k): convert(v) for k, v in value.items()}
        if isinstance(value, list):
            return [convert(v) for v in value]
        return float(value) if isinstance(value, int) and not isinstance(value, bool) else value

    return convert(outputs)


@pytest.mark.usefixtures("endpoint_env")
def test_under_mocks_the_function_is_answered_by_mocks_call_and_sends_nothing(emulator: Emulator) -> None:
    mocks = EngineMocks({}, answers={FUNCTION: {"totalCount": 7.0}})

    result = run_function(mocks, SAMPLE_CLUSTER_ID, as_engine=False)

    (call,) = mocks.calls
    assert call.token == FUNCTION
    assert call.args == {"clusterId": SAMPLE_CLUSTER_ID}
    assert result["total_count"] == 7
    assert sum(emulator.state.requests.values()) == 0


def test_under_mocks_the_function_sends_only_the_inputs_given_in_camel_case() -> None:
    mocks = EngineMocks({}, answers={FUNCTION: {}})

    run_function(mocks, pulumi.Output.from_input("c-1"), as_engine=False, project_id="p-1",
                 region=pulumi.Output.from_input(SAMPLE_REGION))

    assert mocks.calls[0].args == {"clusterId": "c-1", "projectId": "p-1", "region": SAMPLE_REGION}


def test_under_mocks_the_answer_has_the_shape_of_a_read() -> None:
    real = VpcepConnectionsResult(
        cluster_id=SAMPLE_CLUSTER_ID, project_id=SAMPLE_PROJECT_ID, region=SAMPLE_REGION,
        endpoint="https://css.cn-north-4.myhuaweicloud.com",
        connections=[Connection(id="a", status="accepted", max_session=3000, vpcep_dns_name="a.example"),
                     Connection(id="b", status="rejected", max_session=10)],
        permissions=[Permission(id="p", permission="iam:domain::d", permission_type="domainId")],
        vpc_service_name="svc", vpcep_update_switch=True, total_count=2,
    ).to_outputs()
    mocks = EngineMocks({}, answers={FUNCTION: camel_outputs(real)})

    result = run_function(mocks, SAMPLE_CLUSTER_ID, as_engine=False)

    assert result == real
    assert type(result["total_count"]) is int
    assert {type(c["max_session"]) for c in result["connections"]} == {int}


def test_under_mocks_what_the_answer_leaves_out_is_none() -> None:
    mocks = EngineMocks({}, answers={FUNCTION: {"connections": [{"id": "a", "maxSession": 5.0}]}})

    result = run_function(mocks, "c-1", as_engine=False)

    assert set(result) == {"cluster_id", "project_id", "region", "endpoint", "connections", "permissions",
                           "vpc_service_name", "vpcep_update_switch", "total_count"}
    assert result["cluster_id"] is None
    assert result["connections"][0]["max_session"] == 5
    assert result["connections"][0]["vpcep_dns_name"] is None
