"""The dynamic provider, driven over gRPC through the real provider host (``python -m pulumi.dynamic``).

The host is fed the serialized provider exactly as a program registers it and called as the engine
calls it; every read goes to the emulator over loopback HTTP.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import grpc
import pulumi
import pytest
from pulumi.runtime import proto, rpc

from pulumi_css_vpcep.emulator import (
    SAMPLE_CLUSTER_ID,
    SAMPLE_DISABLED_CLUSTER_ID,
    SAMPLE_PROJECT_ID,
    SAMPLE_REGION,
    Cluster,
    Emulator,
    generate_connections,
)
from pulumi_css_vpcep.resource import PREVIEW_KEY
from tests.dynamic_host import DYNAMIC_HOST, PROVIDER, SAMPLE_ID, configure, create, diff, stored
from tests.provider_host import ModuleProcess, ProviderProcess, process_env, provider_process
from tests.wire import from_struct, to_struct

NOT_KNOWN = pulumi.UNKNOWN
"""An input not known yet, as a program's preview registers it."""


@pytest.fixture
def emulator(sample_emulator: Emulator) -> Emulator:
    """The module's emulator, which ``host`` points at, with the sample data again."""
    return sample_emulator


@pytest.fixture(scope="module")
def module_host() -> Iterator[ModuleProcess]:
    kept = ModuleProcess(DYNAMIC_HOST, configure)
    yield kept
    kept.close()


@pytest.fixture
def host(module_host: ModuleProcess, emulator: Emulator, request: pytest.FixtureRequest) -> Iterator[ProviderProcess]:
    """A provider host whose environment points at the emulator, configured with no stack config: the module's,
    or the test's own when it is marked ``own_process`` (the host hands a diff's read to the next update, and
    remembers the project ids it found)."""
    own = request.node.get_closest_marker("own_process") is not None
    with module_host.serve(process_env(**emulator.environ()), own=own) as process:
        yield process


def test_create_reads_every_connection_with_integers_and_a_deterministic_id(
    host: ProviderProcess, emulator: Emulator
) -> None:
    first_id, outputs = create(host, {"cluster_id": SAMPLE_CLUSTER_ID})
    second_id, _ = create(host, {"cluster_id": SAMPLE_CLUSTER_ID})

    assert first_id == second_id == SAMPLE_ID
    served = emulator.state.clusters[SAMPLE_CLUSTER_ID]
    assert [c["id"] for c in outputs["connections"]] == [c["id"] for c in served.connections]
    assert [c["max_session"] for c in outputs["connections"]] == [int(c["maxSession"]) for c in served.connections]
    assert outputs["total_count"] == len(served.connections)
    assert outputs["project_id"] == SAMPLE_PROJECT_ID
    assert outputs["region"] == SAMPLE_REGION
    assert outputs["endpoint"] == emulator.url
    assert outputs["vpc_service_name"] == served.vpc_service_name
    assert outputs["vpcep_update_switch"] is False
    assert [p["id"] for p in outputs["permissions"]] == [p["id"] for p in served.permissions]


def test_stack_config_gives_credentials_region_and_auth_url(emulator: Emulator) -> None:
    # Only the endpoint comes from the environment: credentials, region and IAM come from huaweicloud:*.
    with provider_process(DYNAMIC_HOST, process_env(HW_CSS_ENDPOINT=emulator.url)) as process:
        configure(process, emulator.pulumi_config())
        id_, outputs = create(process, {"cluster_id": SAMPLE_CLUSTER_ID})

    assert id_ == SAMPLE_ID
    assert outputs["total_count"] == len(emulator.state.clusters[SAMPLE_CLUSTER_ID].connections)
    assert emulator.state.requests["iam"] == 1


def test_stack_config_outranks_the_environment(emulator: Emulator) -> None:
    env = process_env(**{**emulator.environ(), "HW_ACCESS_KEY": "UNKNOWNKEY0000000000", "HW_SECRET_KEY": "wrong"})
    with provider_process(DYNAMIC_HOST, env) as process:
        configure(process, emulator.pulumi_config())
        id_, _ = create(process, {"cluster_id": SAMPLE_CLUSTER_ID})

    assert id_ == SAMPLE_ID


def test_without_credentials_create_fails_naming_where_to_set_them(emulator: Emulator) -> None:
    env = process_env(HW_REGION_NAME=SAMPLE_REGION, HW_CSS_ENDPOINT=emulator.url)
    with provider_process(DYNAMIC_HOST, env) as process:
        configure(process)
        with pytest.raises(grpc.RpcError) as raised:
            create(process, {"cluster_id": SAMPLE_CLUSTER_ID})

    details = raised.value.details()
    assert details.startswith("no credentials")
    assert "huaweicloud:accessKey" in details
    assert sum(emulator.state.requests.values()) == 0


def test_check_names_each_malformed_input_and_sends_nothing(host: ProviderProcess, emulator: Emulator) -> None:
    news = {
        "cluster_id": "no spaces allowed",
        "project_id": "x" * 65,
        "region": "CN_NORTH",
        "endpoint": "http://css.example.com",
        "__provider": PROVIDER,
    }
    response = host.stub.Check(proto.CheckRequest(urn="urn:x", olds=to_struct({}), news=to_struct(news)))

    reasons = {failure.property: failure.reason for failure in response.failures}
    assert set(reasons) == {"cluster_id", "project_id", "region", "endpoint"}
    for name, reason in reasons.items():
        assert reason.startswith(f"invalid {name}:")
    assert sum(emulator.state.requests.values()) == 0


def test_check_reads_a_resource_to_create_in_a_preview_only(host: ProviderProcess, emulator: Emulator) -> None:
    news = {"cluster_id": SAMPLE_CLUSTER_ID, "__provider": PROVIDER}
    previewed = host.stub.Check(proto.CheckRequest(
        urn="urn:x", olds=to_struct({}), news=to_struct({**news, PREVIEW_KEY: True})
    ))
    assert emulator.state.requests["css"] == 1
    assert PREVIEW_KEY not in from_struct(previewed.inputs)  # the program's mark is never stored

    # An update's check sends nothing (the engine checks one resource at a time; the creates run at once),
    # and neither does the preview of a resource that exists already: its diff reads.
    host.stub.Check(proto.CheckRequest(urn="urn:x", olds=to_struct({}), news=to_struct(news)))
    _, outputs = create(host, {"cluster_id": SAMPLE_CLUSTER_ID})
    host.stub.Check(proto.CheckRequest(urn="urn:x", olds=stored(outputs), news=to_struct({**news, PREVIEW_KEY: True})))
    assert emulator.state.requests["css"] == 2
    # A replacement is a new read: its preview reads, and fails on a refused one.
    replaced = {**news, "cluster_id": "no-such-cluster", PREVIEW_KEY: True}
    with pytest.raises(grpc.RpcError, match=r"cluster no-such-cluster: HTTP 403"):
        host.stub.Check(proto.CheckRequest(urn="urn:x", olds=to_struct(news), news=to_struct(replaced)))


def test_check_in_a_preview_fails_on_a_refused_read_in_one_line(host: ProviderProcess) -> None:
    news = {"cluster_id": "no-such-cluster", "__provider": PROVIDER, PREVIEW_KEY: True}
    with pytest.raises(grpc.RpcError) as raised:
        host.stub.Check(proto.CheckRequest(urn="urn:x", olds=to_struct({}), news=to_struct(news)))

    details = raised.value.details()
    assert re.fullmatch(r"cluster no-such-cluster: HTTP 403 CSS\.0015: .+ \(request id [0-9a-f]+\)", details), details


def test_check_requires_a_cluster_id(host: ProviderProcess) -> None:
    response = host.stub.Check(
        proto.CheckRequest(urn="urn:x", olds=to_struct({}), news=to_struct({"__provider": PROVIDER}))
    )

    assert [(f.property, f.reason) for f in response.failures] == [("cluster_id", "cluster_id is required")]


def test_check_passes_unknown_inputs_through(host: ProviderProcess, emulator: Emulator) -> None:
    news = {"cluster_id": NOT_KNOWN, "region": NOT_KNOWN, "endpoint": f"{emulator.url}/", "__provider": PROVIDER}
    response = host.stub.Check(proto.CheckRequest(urn="urn:x", olds=to_struct({}), news=to_struct(news)))

    assert list(response.failures) == []
    inputs = response.inputs.fields
    assert inputs["cluster_id"].string_value == rpc.UNKNOWN
    assert inputs["region"].string_value == rpc.UNKNOWN
    assert inputs["endpoint"].string_value == emulator.url  # normalised: no trailing '/'
    assert sum(emulator.state.requests.values()) == 0


def test_read_on_refresh_rereads_from_the_stored_outputs(host: ProviderProcess, emulator: Emulator) -> None:
    id_, outputs = create(host, {"cluster_id": SAMPLE_CLUSTER_ID})
    emulator.state.clusters[SAMPLE_CLUSTER_ID].connections.pop()

    response = host.stub.Read(
        proto.ReadRequest(
            id=id_, urn="urn:x", properties=stored(outputs), inputs=stored({"cluster_id": SAMPLE_CLUSTER_ID})
        )
    )

    refreshed = from_struct(response.properties)
    assert response.id == id_
    assert refreshed["total_count"] == outputs["total_count"] - 1
    assert [c["id"] for c in refreshed["connections"]] == [c["id"] for c in outputs["connections"][:-1]]


@pytest.mark.own_process
def test_get_reads_from_the_id_alone(host: ProviderProcess, emulator: Emulator) -> None:
    # VpcepConnections.get: no stored outputs, only the id and the serialized provider in the inputs.
    response = host.stub.Read(proto.ReadRequest(id=SAMPLE_ID, urn="urn:x", inputs=to_struct({"__provider": PROVIDER})))

    outputs = from_struct(response.properties)
    assert response.id == SAMPLE_ID
    assert outputs["cluster_id"] == SAMPLE_CLUSTER_ID
    assert outputs["endpoint"] == emulator.url
    assert outputs["total_count"] == len(emulator.state.clusters[SAMPLE_CLUSTER_ID].connections)
    assert emulator.state.requests["iam"] == 0  # the project id came from the id


def test_get_refuses_a_malformed_id_before_sending(host: ProviderProcess, emulator: Emulator) -> None:
    with pytest.raises(grpc.RpcError) as raised:
        host.stub.Read(proto.ReadRequest(id="not-an-id", urn="urn:x", inputs=to_struct({"__provider": PROVIDER})))

    assert raised.value.details().startswith("invalid id:")
    assert sum(emulator.state.requests.values()) == 0


def test_diff_without_remote_change_reports_none(host: ProviderProcess) -> None:
    _, outputs = create(host, {"cluster_id": SAMPLE_CLUSTER_ID})

    response = diff(host, outputs, {"cluster_id": SAMPLE_CLUSTER_ID})

    assert response.changes == proto.DiffResponse.DIFF_NONE
    assert list(response.replaces) == []


def test_diff_ignores_connection_order_and_float_numbers(host: ProviderProcess, emulator: Emulator) -> None:
    _, outputs = create(host, {"cluster_id": SAMPLE_CLUSTER_ID})
    emulator.state.clusters[SAMPLE_CLUSTER_ID].connections.reverse()
    # What the engine stores comes back with every number as a float.
    floated = {**outputs, "total_count": float(outputs["total_count"])}

    response = diff(host, floated, {"cluster_id": SAMPLE_CLUSTER_ID})

    assert response.changes == proto.DiffResponse.DIFF_NONE


def test_diff_with_explicit_inputs_equal_to_the_stored_ones_reports_none(
    host: ProviderProcess, emulator: Emulator
) -> None:
    inputs = {
        "cluster_id": SAMPLE_CLUSTER_ID,
        "project_id": SAMPLE_PROJECT_ID,
        "region": SAMPLE_REGION,
        "endpoint": emulator.url,
    }
    _, outputs = create(host, inputs)

    assert diff(host, outputs, inputs).changes == proto.DiffResponse.DIFF_NONE


def test_diff_of_a_service_without_a_name_reports_none(host: ProviderProcess, emulator: Emulator) -> None:
    # A null output (vpc_service_name) is not stored at all; that is no drift.
    emulator.state.add_cluster(Cluster(id="unnamed", connections=generate_connections(3), vpc_service_name=None))
    _, outputs = create(host, {"cluster_id": "unnamed"})

    assert "vpc_service_name" not in outputs
    assert diff(host, outputs, {"cluster_id": "unnamed"}).changes == proto.DiffResponse.DIFF_NONE


def test_diff_reports_remote_drift_naming_each_change(host: ProviderProcess, emulator: Emulator) -> None:
    _, outputs = create(host, {"cluster_id": SAMPLE_CLUSTER_ID})
    changed = emulator.state.clusters[SAMPLE_CLUSTER_ID].connections[0]
    was, changed["status"] = changed["status"], "rejected"
    logged_before = len(host.stderr())  # the module's host: what earlier tests' diffs printed is not this one's

    response = diff(host, outputs, {"cluster_id": SAMPLE_CLUSTER_ID})

    assert response.changes == proto.DiffResponse.DIFF_SOME
    assert list(response.replaces) == []
    # A dynamic provider's diff has no details: the engine passes the host's stderr to the CLI instead.
    lines = host.stderr()[logged_before:].splitlines()
    notice = f"css-vpcep: cluster {SAMPLE_CLUSTER_ID} drifted from the stored outputs: connections"
    assert lines[lines.index(notice) + 1] == f"  connection {changed['id']}: status {was} -> rejected"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("cluster_id", SAMPLE_DISABLED_CLUSTER_ID),
        ("project_id", "another_project"),
        ("region", "cn-south-1"),
        ("endpoint", "https://css.example.com"),
    ],
)
def test_diff_replaces_when_what_is_read_changes(
    host: ProviderProcess, emulator: Emulator, name: str, value: str
) -> None:
    _, outputs = create(host, {"cluster_id": SAMPLE_CLUSTER_ID})
    emulator.state.reset_counts()

    response = diff(host, outputs, {"cluster_id": SAMPLE_CLUSTER_ID, name: value})

    assert response.changes == proto.DiffResponse.DIFF_SOME
    assert list(response.replaces) == [name]
    assert sum(emulator.state.requests.values()) == 0


def test_diff_replaces_when_an_input_is_not_known_yet(host: ProviderProcess) -> None:
    _, outputs = create(host, {"cluster_id": SAMPLE_CLUSTER_ID})

    response = host.stub.Diff(
        proto.DiffRequest(id=SAMPLE_ID, urn="urn:x", olds=stored(outputs), news=stored({"cluster_id": NOT_KNOWN}))
    )

    assert list(response.replaces) == ["cluster_id"]


@pytest.mark.own_process
def test_update_rereads_the_service(host: ProviderProcess, emulator: Emulator) -> None:
    _, outputs = create(host, {"cluster_id": SAMPLE_CLUSTER_ID})
    emulator.state.add_cluster(
        Cluster(id=SAMPLE_CLUSTER_ID, connections=generate_connections(250), vpcep_update_switch="true")
    )

    response = host.stub.Update(
        proto.UpdateRequest(
            id=SAMPLE_ID, urn="urn:x", olds=stored(outputs), news=stored({"cluster_id": SAMPLE_CLUSTER_ID})
        )
    )

    updated = from_struct(response.properties)
    assert updated["total_count"] == 250
    assert len({c["id"] for c in updated["connections"]}) == 250
    assert updated["vpcep_update_switch"] is True


@pytest.fixture
def host_without_endpoint(emulator: Emulator) -> Iterator[ProviderProcess]:
    """A provider host with the emulator's keys and region but no ``HW_CSS_ENDPOINT``. A read that went to
    the region's public endpoint instead would go through a proxy on a closed loopback port and fail at once,
    sending nothing off this machine."""
    env = {k: v for k, v in emulator.environ().items() if k != "HW_CSS_ENDPOINT"}
    with provider_process(
        DYNAMIC_HOST, process_env(**env, HTTPS_PROXY="http://127.0.0.1:9", HW_MAX_RETRIES="0")
    ) as process:
        configure(process)
        yield process


def test_diff_and_update_without_an_endpoint_read_through_the_endpoint_last_read(
    host: ProviderProcess, host_without_endpoint: ProviderProcess, emulator: Emulator
) -> None:
    _, outputs = create(host, {"cluster_id": SAMPLE_CLUSTER_ID})  # through HW_CSS_ENDPOINT, which is stored
    emulator.state.clusters[SAMPLE_CLUSTER_ID].connections[0]["status"] = "rejected"
    emulator.state.reset_counts()

    drift = diff(host_without_endpoint, outputs, {"cluster_id": SAMPLE_CLUSTER_ID})
    updated = host_without_endpoint.stub.Update(proto.UpdateRequest(
        id=SAMPLE_ID, urn="urn:x", olds=stored(outputs), news=stored({"cluster_id": SAMPLE_CLUSTER_ID})
    ))

    assert drift.changes == proto.DiffResponse.DIFF_SOME
    assert from_struct(updated.properties)["connections"][0]["status"] == "rejected"
    assert from_struct(updated.properties)["endpoint"] == emulator.url
    assert emulator.state.requests["css"] == 1  # the diff's read, handed to the update


@pytest.mark.own_process
def test_an_update_after_a_diff_that_found_drift_stores_that_read_without_reading_again(
    host: ProviderProcess, emulator: Emulator
) -> None:
    _, outputs = create(host, {"cluster_id": SAMPLE_CLUSTER_ID})
    emulator.state.clusters[SAMPLE_CLUSTER_ID].connections[0]["status"] = "rejected"
    emulator.state.reset_counts()
    news = {"cluster_id": SAMPLE_CLUSTER_ID}

    assert diff(host, outputs, news).changes == proto.DiffResponse.DIFF_SOME
    response = host.stub.Update(proto.UpdateRequest(id=SAMPLE_ID, urn="urn:x", olds=stored(outputs), news=stored(news)))

    updated = from_struct(response.properties)
    assert updated["connections"][0]["status"] == "rejected"
    assert emulator.state.requests["css"] == 1


@pytest.mark.own_process
def test_every_diff_reads_again_and_each_kept_read_serves_one_update_the_latest_first(
    host: ProviderProcess, emulator: Emulator
) -> None:
    _, outputs = create(host, {"cluster_id": SAMPLE_CLUSTER_ID})
    news = {"cluster_id": SAMPLE_CLUSTER_ID}
    emulator.state.clusters[SAMPLE_CLUSTER_ID].connections[0]["status"] = "rejected"
    emulator.state.reset_counts()

    assert diff(host, outputs, news).changes == proto.DiffResponse.DIFF_SOME
    emulator.state.clusters[SAMPLE_CLUSTER_ID].connections[0]["status"] = "accepted"
    emulator.state.clusters[SAMPLE_CLUSTER_ID].connections[1]["status"] = "rejected"
    assert diff(host, outputs, news).changes == proto.DiffResponse.DIFF_SOME  # the service's latest drift
    updates = [
        from_struct(host.stub.Update(
            proto.UpdateRequest(id=SAMPLE_ID, urn="urn:x", olds=stored(outputs), news=stored(news))
        ).properties)
        for _ in range(3)
    ]

    # (Two resources of one cluster each diff once; each of their updates takes one of the reads.)
    assert [[c["status"] for c in update["connections"][:2]] for update in updates] == [
        ["accepted", "rejected"], ["rejected", "pendingAcceptance"], ["accepted", "rejected"]
    ]
    assert emulator.state.requests["css"] == 3  # two diffs, and the third update, for which none was kept


def test_delete_sends_nothing(host: ProviderProcess, emulator: Emulator) -> None:
    _, outputs = create(host, {"cluster_id": SAMPLE_CLUSTER_ID})
    emulator.state.reset_counts()

    host.stub.Delete(proto.DeleteRequest(id=SAMPLE_ID, urn="urn:x", properties=stored(outputs)))

    assert sum(emulator.state.requests.values()) == 0


def test_a_refusal_reaches_the_user_as_one_line_with_code_and_request_id(host: ProviderProcess) -> None:
    with pytest.raises(grpc.RpcError) as raised:
        create(host, {"cluster_id": SAMPLE_DISABLED_CLUSTER_ID})

    # The host formats every failure as a traceback; this provider's own errors come out as their one line.
    details = raised.value.details()
    assert re.match(r"cluster \S+: HTTP 400 CSS\.5182: ", details), details
    assert "(request id " in details
    assert "\n" not in details.strip()


def test_other_failures_in_the_host_keep_their_traceback(host: ProviderProcess) -> None:
    create(host, {"cluster_id": SAMPLE_CLUSTER_ID})  # this provider is loaded and configured in the host

    # Not this provider's error: a property bag without the serialized provider fails inside Pulumi's host.
    with pytest.raises(grpc.RpcError) as raised:
        host.stub.Create(proto.CreateRequest(urn="urn:x", properties=to_struct({"cluster_id": SAMPLE_CLUSTER_ID})))

    assert raised.value.details().startswith("Traceback (most recent call last):")


def test_operations_run_in_parallel_as_the_engine_runs_them(host: ProviderProcess, emulator: Emulator) -> None:
    clusters = [f"cluster-{i}" for i in range(8)]
    for i, cluster_id in enumerate(clusters):
        emulator.state.add_cluster(Cluster(id=cluster_id, connections=generate_connections(120 + i, prefix=f"c{i}")))
    emulator.state.latency = 0.02

    def create_then_diff(cluster_id: str) -> tuple[str, int, int]:
        id_, outputs = create(host, {"cluster_id": cluster_id})
        changes = diff(host, outputs, {"cluster_id": cluster_id}).changes
        return id_, outputs["total_count"], changes

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(create_then_diff, clusters))

    assert results == [
        (f"{SAMPLE_REGION}:{SAMPLE_PROJECT_ID}:{cluster_id}", 120 + i, proto.DiffResponse.DIFF_NONE)
        for i, cluster_id in enumerate(clusters)
    ]
