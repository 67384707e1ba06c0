"""The resource's wait input in both Pulumi faces, over gRPC through the real provider processes: the plugin
(``waitFor``) and the dynamic provider host (``wait_for``), against an emulator whose connections change."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2
from pulumi.runtime import proto, rpc

from pulumi_css_vpcep.emulator import SAMPLE_CLUSTER_ID, Emulator
from tests.command import change_later
from tests.dynamic_host import DYNAMIC_HOST, PROVIDER, SAMPLE_ID, configure, create, diff
from tests.fake_engine import fake_engine
from tests.provider_host import ProviderProcess, process_env, provider_process
from tests.wire import plain, struct, to_struct

pytestmark = pytest.mark.timeout(120)

PENDING = "b71d9e0f-2a3b-4c5d-8e6f-7a8b9c0d1e2f"
"""The sample cluster's connection pending acceptance."""
REJECTED = "c93f0a1b-4c5d-4e6f-a7b8-c9d0e1f2a3b4"
URN = "urn:pulumi:test::project::css-vpcep:index:VpcepConnections::conns"


def status_in(connections: list[dict[str, Any]], connection_id: str) -> Any:
    return next(c["status"] for c in connections if c["id"] == connection_id)


# The plugin


@pytest.fixture
def plugin(emulator: Emulator) -> Iterator[ProviderProcess]:
    with provider_process(["-m", "pulumi_css_vpcep", "127.0.0.1:1"], process_env(**emulator.environ())) as plugin:
        plugin.stub.Configure(proto.ConfigureRequest(acceptSecrets=True))
        yield plugin


def plugin_create(plugin: ProviderProcess, wait_for: Any, *, preview: bool = False, timeout: float = 0) -> Any:
    props = struct({"clusterId": SAMPLE_CLUSTER_ID, "waitFor": wait_for})
    return plugin.stub.Create(proto.CreateRequest(urn=URN, properties=props, preview=preview, timeout=timeout))


def test_a_plugin_create_ends_once_the_connection_is_accepted_and_says_so_under_the_resource(
    emulator: Emulator,
) -> None:
    change_later(emulator, PENDING, 1, status="accepted")
    with (
        fake_engine() as (engine_address, engine),
        provider_process(["-m", "pulumi_css_vpcep", engine_address], process_env(**emulator.environ())) as plugin,
    ):
        plugin.stub.Configure(proto.ConfigureRequest(acceptSecrets=True))
        created = plugin_create(plugin, {"endpointIds": [PENDING]})

    outputs = plain(created.properties)
    assert status_in(outputs["connections"], PENDING) == "accepted"
    assert outputs["waitFor"] == {"endpointIds": [PENDING], "status": "accepted"}
    assert [log.message for log in engine.logged] == [
        f"css-vpcep: cluster {SAMPLE_CLUSTER_ID}: connection {PENDING} is pendingAcceptance",
        f"css-vpcep: cluster {SAMPLE_CLUSTER_ID}: connection {PENDING}: pendingAcceptance -> accepted",
    ]
    assert {log.urn for log in engine.logged} == {URN}


def test_a_plugin_create_fails_in_one_line_on_a_rejected_connection(plugin: ProviderProcess) -> None:
    with pytest.raises(grpc.RpcError) as failed:
        plugin_create(plugin, {"endpointIds": [PENDING, REJECTED]})
    assert failed.value.details() == f"connection {REJECTED} is rejected: it will not become accepted"


def test_a_plugin_preview_reads_once_and_does_not_wait(plugin: ProviderProcess, emulator: Emulator) -> None:
    previewed = plugin_create(plugin, {"endpointIds": [PENDING]}, preview=True)
    assert status_in(plain(previewed.properties)["connections"], PENDING) == "pendingAcceptance"
    assert emulator.state.requests["css"] == 1


def test_the_engines_timeout_bounds_a_plugin_wait(plugin: ProviderProcess) -> None:
    started = time.monotonic()
    with pytest.raises(grpc.RpcError) as failed:
        plugin_create(plugin, {"endpointIds": [PENDING, "ep-none"]}, timeout=1.5)
    assert time.monotonic() - started < 30
    assert failed.value.details() == (f"timed out after 1.5 s waiting for accepted: still pending {PENDING} "
                                      "(pendingAcceptance), ep-none (not listed)")


def test_the_engines_cancel_ends_a_plugin_wait_at_once(plugin: ProviderProcess, emulator: Emulator) -> None:
    pool = ThreadPoolExecutor(1)
    waiting = pool.submit(plugin_create, plugin, {"endpointIds": [PENDING]})
    while emulator.state.requests["css"] < 1:  # the first read is done: the wait pauses
        time.sleep(0.02)
    sent = time.monotonic()
    plugin.stub.Cancel(empty_pb2.Empty(), timeout=10)
    with pytest.raises(grpc.RpcError) as failed:
        waiting.result(timeout=10)
    assert time.monotonic() - sent < 5  # the target is 2 s; room for a loaded machine
    assert failed.value.details().startswith(f"read of cluster {SAMPLE_CLUSTER_ID} cancelled: ")
    pool.shutdown()


def test_a_plugin_check_names_a_bad_wait_and_lets_an_unknown_one_pass(plugin: ProviderProcess) -> None:
    def check(wait_for: Any) -> Any:
        news = struct({"clusterId": SAMPLE_CLUSTER_ID, "waitFor": wait_for})
        return plugin.stub.Check(proto.CheckRequest(urn=URN, olds=struct({}), news=news))

    [failure] = check({"endpointIds": []}).failures
    assert (failure.property, failure.reason) == ("waitFor", "invalid waitFor.endpointIds: must name at least one "
                                                              "VPC endpoint id")
    [failure] = check({"endpointIds": [PENDING], "status": "acepted"}).failures
    assert failure.reason.startswith("invalid waitFor.status: 'acepted' is not a connection status")
    assert list(check({"endpointIds": [rpc.UNKNOWN]}).failures) == []
    checked = plain(check({"endpointIds": [PENDING], "status": "ACCEPTED"}).inputs)
    assert checked["waitFor"] == {"endpointIds": [PENDING], "status": "accepted"}


def test_a_new_plugin_wait_updates_and_never_replaces(plugin: ProviderProcess) -> None:
    created = plugin.stub.Create(proto.CreateRequest(urn=URN, properties=struct({"clusterId": SAMPLE_CLUSTER_ID})))

    def diff_with(news: dict[str, Any]) -> Any:
        return plugin.stub.Diff(proto.DiffRequest(id=created.id, urn=URN, olds=created.properties, news=struct(news)))

    same = diff_with({"clusterId": SAMPLE_CLUSTER_ID})
    assert same.changes == proto.DiffResponse.DIFF_NONE
    waited = diff_with({"clusterId": SAMPLE_CLUSTER_ID, "waitFor": {"endpointIds": [PENDING]}})
    assert waited.changes == proto.DiffResponse.DIFF_SOME
    assert (list(waited.diffs), list(waited.replaces)) == (["waitFor"], [])


def test_the_function_takes_no_wait(plugin: ProviderProcess) -> None:
    args = struct({"clusterId": SAMPLE_CLUSTER_ID, "waitFor": {"endpointIds": [PENDING]}})
    [failure] = plugin.stub.Invoke(proto.InvokeRequest(tok="css-vpcep:index:getVpcepConnections", args=args)).failures
    assert failure.property == "waitFor"


# The dynamic provider


@pytest.fixture
def host(emulator: Emulator) -> Iterator[ProviderProcess]:
    with provider_process([*DYNAMIC_HOST, "127.0.0.1:1"], process_env(**emulator.environ())) as process:
        configure(process)
        yield process


def test_a_dynamic_create_ends_once_the_connection_is_accepted(host: ProviderProcess, emulator: Emulator) -> None:
    change_later(emulator, PENDING, 1, status="accepted")
    resource_id, outputs = create(host, {"cluster_id": SAMPLE_CLUSTER_ID, "wait_for": {"endpoint_ids": [PENDING]}})
    assert resource_id == SAMPLE_ID
    assert status_in(outputs["connections"], PENDING) == "accepted"
    assert outputs["wait_for"] == {"endpoint_ids": [PENDING], "status": "accepted"}
    assert f"connection {PENDING}: pendingAcceptance -> accepted" in host.stderr()


def test_a_dynamic_create_fails_in_one_line_on_a_rejected_connection(host: ProviderProcess) -> None:
    with pytest.raises(grpc.RpcError) as failed:
        create(host, {"cluster_id": SAMPLE_CLUSTER_ID, "wait_for": {"endpoint_ids": [REJECTED]}})
    assert failed.value.details() == f"connection {REJECTED} is rejected: it will not become accepted"


def test_css_vpcep_read_timeout_bounds_a_dynamic_wait(emulator: Emulator) -> None:
    with provider_process([*DYNAMIC_HOST, "127.0.0.1:1"], process_env(**emulator.environ())) as host:
        configure(host, {"css-vpcep:readTimeout": "1500ms"})
        with pytest.raises(grpc.RpcError) as failed:
            create(host, {"cluster_id": SAMPLE_CLUSTER_ID, "wait_for": {"endpoint_ids": [PENDING]}})
    assert failed.value.details().startswith("timed out after 1.5 s waiting for accepted: still pending")


def test_a_dynamic_check_names_a_bad_wait(host: ProviderProcess) -> None:
    news = to_struct({"cluster_id": SAMPLE_CLUSTER_ID, "wait_for": {"endpoint_ids": "ep-1"}, "__provider": PROVIDER})
    [failure] = host.stub.Check(proto.CheckRequest(urn="urn:x", olds=to_struct({}), news=news)).failures
    assert (failure.property, failure.reason) == ("wait_for", "invalid wait_for.endpoint_ids: must be a list of "
                                                               "VPC endpoint ids")


def test_a_new_dynamic_wait_updates_and_never_replaces(host: ProviderProcess) -> None:
    _, outputs = create(host, {"cluster_id": SAMPLE_CLUSTER_ID})
    waited = diff(host, outputs, {"cluster_id": SAMPLE_CLUSTER_ID, "wait_for": {"endpoint_ids": [PENDING]}})
    assert waited.changes == proto.DiffResponse.DIFF_SOME
    assert list(waited.replaces) == []
    assert diff(host, outputs, {"cluster_id": SAMPLE_CLUSTER_ID}).changes == proto.DiffResponse.DIFF_NONE
    assert "wait_for" not in outputs  # nothing stored for a resource that waits for nothing
