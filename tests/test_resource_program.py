"""Pulumi programs run with ``pulumi.runtime.set_mocks``: the examples and ``get_vpcep_connections``.

The mocks stand in for the engine only: a ``VpcepConnections`` is created by its real provider,
deserialized from the ``__provider`` the program registered and configured with the stack's
configuration, reading from the emulator over loopback. A ``StackReference`` answers with the outputs
of a stack the test ran before.
"""

from __future__ import annotations

import asyncio
import base64
import json
import runpy
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import dill
import pulumi
import pulumi.runtime
import pytest
from pulumi.dynamic import CheckResult, ConfigureRequest, ResourceProvider
from pulumi.dynamic.config import Config
from pulumi.runtime import rpc
from pulumi.runtime import settings as runtime_settings
from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs
from pulumi.runtime.stack import Stack

from pulumi_css_vpcep import ApiError, get_vpcep_connections, read_vpcep_connections
from pulumi_css_vpcep.emulator import (
    SAMPLE_CLUSTER_ID,
    SAMPLE_DISABLED_CLUSTER_ID,
    SAMPLE_PROJECT_ID,
    SAMPLE_REGION,
    Emulator,
)

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
READ_PROJECT = "css-vpcep-read"
CONSUME_PROJECT = "css-vpcep-consume"
SOURCE_STACK = f"organization/{READ_PROJECT}/dev"

pulumi_test: Callable[[Callable[[], pulumi.Output[None]]], Callable[[], None]] = pulumi.runtime.test
"""``pulumi.runtime.test``, typed: runs a program and awaits every registration and its returned output."""


class EngineMocks(pulumi.runtime.Mocks):
    """The engine's side of resource registration, recording what it was given."""

    def __init__(self, config: Mapping[str, str], stacks: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        self.config = dict(config)
        self.stacks = dict(stacks or {})
        self.registered: list[MockResourceArgs] = []
        """Every registration, with its inputs as the engine would store them."""
        self.outputs: dict[str, dict[str, Any]] = {}
        """The outputs of every resource, by name, as the engine would store them."""

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        self.registered.append(args)
        if args.typ == "pulumi:pulumi:StackReference":
            name = args.inputs["name"]
            return name, {"name": name, "outputs": dict(self.stacks[name]), "secretOutputNames": []}
        serialized = rpc.unwrap_rpc_secret(args.inputs["__provider"])
        # As the provider host does with what the program registered.
        provider: ResourceProvider = dill.loads(base64.b64decode(serialized))  # noqa: S301
        provider.configure(ConfigureRequest(Config(self.config, pulumi.get_project())))
        if args.resource_id:
            read = provider.read(args.resource_id, {})
            id_, outs = read.id, read.outs or {}
        else:
            checked: CheckResult = provider.check({}, args.inputs)
            assert checked.failures == []
            created = provider.create(checked.inputs)
            id_, outs = created.id, created.outs or {}
        self.outputs[args.name] = {**outs, "__provider": args.inputs["__provider"]}
        return id_, outs

    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        raise AssertionError(f"no provider function is called by these programs, yet {args.token} was")



@pytest.fixture(autouse=True)
def fresh_runtime() -> Iterator[None]:
    """Every program starts with no root stack, no configuration and its own event loop, as a new
    `pulumi up` does."""
    runtime_settings.ROOT.set(None)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    yield
    runtime_settings.ROOT.set(None)
    pulumi.runtime.set_all_config({})
    asyncio.set_event_loop(None)
    loop.close()


@pytest.fixture
def endpoint_env(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the CSS endpoint comes from the environment; everything else from the stack's config."""
    monkeypatch.setenv("HW_CSS_ENDPOINT", emulator.url)


def run_program(
    directory: Path, project: str, mocks: EngineMocks, config: Mapping[str, str], *, preview: bool = False
) -> dict[str, Any]:
    """Run a program's ``__main__.py`` as ``pulumi up`` would; return its stack outputs."""
    pulumi.runtime.set_all_config(dict(config))
    runtime_settings.ROOT.set(None)
    pulumi.runtime.set_mocks(mocks, project=project, stack="dev", preview=preview)
    exports: dict[str, Any] = {}

    @pulumi_test
    def program() -> pulumi.Output[None]:
        runpy.run_path(str(directory / "__main__.py"), run_name="__main__")
        stack = pulumi.runtime.get_root_resource()
        assert isinstance(stack, Stack)
        return pulumi.Output.all(**stack.outputs).apply(exports.update)

    program()
    return exports


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
    assert outputs["accepted_count"] == len(accepted)
    assert outputs["accepted_connection_ids"] == [c["id"] for c in accepted]
    assert outputs["accepted_dns_names"] == [c["vpcepDnsName"] for c in accepted]
    assert outputs["project_id"] == SAMPLE_PROJECT_ID
    assert outputs["region"] == SAMPLE_REGION


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
    from pulumi_css_vpcep import VpcepConnections

    config = emulator.pulumi_config()
    mocks = EngineMocks(config)
    pulumi.runtime.set_all_config(config)
    pulumi.runtime.set_mocks(mocks, project=READ_PROJECT, stack="dev", preview=False)
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
    config: Mapping[str, str], cluster_id: pulumi.Input[str], *, preview: bool = False
) -> dict[str, Any]:
    """Call ``get_vpcep_connections`` in a program; return what its output resolves to."""
    pulumi.runtime.set_all_config(dict(config))
    pulumi.runtime.set_mocks(EngineMocks(config), project=READ_PROJECT, stack="dev", preview=preview)
    results: list[dict[str, Any]] = []

    @pulumi_test
    def program() -> pulumi.Output[None]:
        return get_vpcep_connections(cluster_id).apply(results.append)

    program()
    (result,) = results
    return result


@pytest.mark.usefixtures("endpoint_env")
def test_function_reads_with_the_programs_huaweicloud_config(emulator: Emulator) -> None:
    result = run_function(emulator.pulumi_config(), SAMPLE_CLUSTER_ID)

    short_config = {key.removeprefix("huaweicloud:"): value for key, value in emulator.pulumi_config().items()}
    assert result == read_vpcep_connections(SAMPLE_CLUSTER_ID, config=short_config).to_outputs()
    assert result["cluster_id"] == SAMPLE_CLUSTER_ID
    assert json.loads(json.dumps(result)) == result  # plain values: exportable as they are
    assert emulator.state.requests["css"] == 2


@pytest.mark.usefixtures("endpoint_env")
def test_function_runs_on_preview_with_inputs_from_other_outputs(emulator: Emulator) -> None:
    result = run_function(emulator.pulumi_config(), pulumi.Output.from_input(SAMPLE_CLUSTER_ID), preview=True)

    assert result["total_count"] == 3


@pytest.mark.usefixtures("endpoint_env")
def test_function_reports_the_services_refusal(emulator: Emulator) -> None:
    with pytest.raises(ApiError, match=r"CSS\.5182"):
        run_function(emulator.pulumi_config(), SAMPLE_DISABLED_CLUSTER_ID)
