"""Cancel, the engine's operation timeout and a provider that outlives its engine, over gRPC: the fast layer of
``tests/e2e/test_operations.py``, with the real provider processes (the plugin, and Pulumi's dynamic provider
host with ``VpcepConnectionsProvider``) against the emulator holding its answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2
from pulumi.runtime import proto

from pulumi_css_vpcep import _pulumi_compat
from pulumi_css_vpcep._cancel import Cancellation
from pulumi_css_vpcep._engine_watch import engine_answers, watch_engine
from pulumi_css_vpcep.emulator import SAMPLE_CLUSTER_ID, Emulator
from pulumi_css_vpcep.emulator._faults import Fault
from pulumi_css_vpcep.errors import ReadCancelledError
from tests.dynamic_host import DYNAMIC_HOST, PROVIDER
from tests.fake_engine import fake_engine
from tests.provider_host import ProviderProcess, process_env, provider_process
from tests.wire import to_struct

HELD = Fault(kind="delay", delay=3600.0)


# Cancellation, alone


def test_a_call_returns_its_value_or_raises_its_own_error() -> None:
    cancellation = Cancellation()
    assert cancellation.call(lambda a, b: a + b, 1, b=2) == 3
    with pytest.raises(ZeroDivisionError):
        cancellation.call(lambda: 1 / 0)


def test_a_cancel_ends_a_blocked_call_at_once_and_every_later_one_before_it_runs() -> None:
    cancellation = Cancellation()
    release = threading.Event()
    ran: list[str] = []
    threading.Timer(0.2, cancellation.cancel).start()
    started = time.monotonic()

    with pytest.raises(ReadCancelledError, match=r"^read of cluster c1 cancelled: ") as info:
        cancellation.call(release.wait, 30, about="c1")

    assert time.monotonic() - started < 5  # target 2 s; room for a loaded machine (benchmarks/stop_time.py)
    assert info.value.exit_code == 130
    with pytest.raises(ReadCancelledError):
        cancellation.call(ran.append, "late")
    assert ran == []
    release.set()


def test_a_cancel_from_another_thread_ends_an_awaited_read_and_later_reads_never_start() -> None:
    cancellation = Cancellation()

    async def held() -> str:
        await asyncio.sleep(30)
        return "read"

    async def main() -> None:
        threading.Timer(0.2, cancellation.cancel).start()
        with pytest.raises(ReadCancelledError, match=r"^read of cluster c2 cancelled: "):
            await cancellation.run(held(), "c2")
        with pytest.raises(ReadCancelledError):
            await cancellation.run(held(), "c2")  # closed, never awaited: no warning

    started = time.monotonic()
    asyncio.run(main())
    assert time.monotonic() - started < 5  # target 2 s; room for a loaded machine (benchmarks/stop_time.py)


def test_an_awaited_read_whose_caller_is_cancelled_is_cancelled_with_it() -> None:
    cancellation = Cancellation()
    inner_cancelled = asyncio.Event()

    async def held() -> None:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            inner_cancelled.set()
            raise

    async def main() -> None:
        outer = asyncio.ensure_future(cancellation.run(held()))
        await asyncio.sleep(0.05)
        outer.cancel()
        with pytest.raises(asyncio.CancelledError):
            await outer
        assert inner_cancelled.is_set()

    asyncio.run(main())
    assert not cancellation.cancelled


# The engine's cancel, in the real provider processes


def _held_calls(emulator: Emulator, calls: list[Callable[[], Any]]) -> list[Any]:
    """Start the calls at once and wait until the emulator holds all of their reads."""
    pool = ThreadPoolExecutor(len(calls))
    futures = [pool.submit(call) for call in calls]
    waited = time.monotonic()
    while emulator.state.in_flight < len(calls):
        assert time.monotonic() - waited < 30, f"only {emulator.state.in_flight} reads held"
        time.sleep(0.02)
    pool.shutdown(wait=False)
    return futures


def _failure_of(future: Any) -> str:
    with pytest.raises(grpc.RpcError) as info:
        future.result(timeout=10)
    return str(info.value.details())


def _assert_one_cancel_ends_them_all(
    provider: ProviderProcess, emulator: Emulator, held: list[Any], later: Callable[[], Any]
) -> None:
    """One ``Cancel`` ends every held read within 2 s, each with its one line; a read after it sends nothing."""
    sent = time.monotonic()

    provider.stub.Cancel(empty_pb2.Empty(), timeout=10)

    details = [_failure_of(future) for future in held]
    assert time.monotonic() - sent < 5  # target 2 s; room for a loaded machine (benchmarks/stop_time.py)
    for detail in details:
        assert detail.startswith(f"read of cluster {SAMPLE_CLUSTER_ID} cancelled: "), detail
        assert "Traceback" not in detail
    emulator.state.reset_counts()
    with pytest.raises(grpc.RpcError, match="cancelled"):
        later()
    assert emulator.state.requests["css"] == 0


@pytest.fixture
def dynamic_host(emulator: Emulator) -> Iterator[ProviderProcess]:
    with provider_process([*DYNAMIC_HOST, "127.0.0.1:1"], process_env(**emulator.environ())) as host:
        host.stub.Configure(proto.ConfigureRequest(args=to_struct({}), acceptSecrets=True))
        yield host


def test_cancel_ends_as_many_reads_as_the_dynamic_host_has_threads_within_two_seconds(
    dynamic_host: ProviderProcess, emulator: Emulator
) -> None:
    # The host serves calls from 4 threads: with 4 reads held, its Cancel has no thread to run in, so the
    # cancel must be taken before one is needed.
    emulator.state.set_faults([HELD])
    props = to_struct({"cluster_id": SAMPLE_CLUSTER_ID, "__provider": PROVIDER})

    def read() -> Any:
        return dynamic_host.stub.Create(proto.CreateRequest(urn="urn:x", properties=props), timeout=30)

    _assert_one_cancel_ends_them_all(dynamic_host, emulator, _held_calls(emulator, [read] * 4), read)


@pytest.fixture
def plugin(emulator: Emulator) -> Iterator[ProviderProcess]:
    with provider_process(["-m", "pulumi_css_vpcep", "127.0.0.1:1"], process_env(**emulator.environ())) as plugin:
        plugin.stub.Configure(proto.ConfigureRequest(acceptSecrets=True))
        yield plugin


def _plugin_create(plugin: ProviderProcess, timeout: float = 0.0) -> Callable[[], Any]:
    properties = to_struct({"clusterId": SAMPLE_CLUSTER_ID})
    return lambda: plugin.stub.Create(proto.CreateRequest(urn="urn:x", properties=properties, timeout=timeout))


def test_cancel_ends_every_plugin_read_in_flight_within_two_seconds(
    plugin: ProviderProcess, emulator: Emulator
) -> None:
    emulator.state.set_faults([HELD])
    read = _plugin_create(plugin)

    _assert_one_cancel_ends_them_all(plugin, emulator, _held_calls(emulator, [read] * 6), read)


def test_the_engines_timeout_of_a_create_is_the_plugin_reads_deadline(
    plugin: ProviderProcess, emulator: Emulator
) -> None:
    emulator.state.set_faults([HELD])
    started = time.monotonic()

    with pytest.raises(grpc.RpcError) as info:
        _plugin_create(plugin, timeout=1.5)()

    assert 1.0 < time.monotonic() - started < 10
    assert info.value.details().endswith("the read's deadline of 1.5 s has passed")


# A provider process outlives its engine


def test_the_hook_of_the_dynamic_hosts_cancel_does_nothing_outside_the_host() -> None:
    assert _pulumi_compat.in_dynamic_host() is False
    assert _pulumi_compat.on_dynamic_host_cancel(lambda: None) is False
    assert _pulumi_compat.dynamic_host_engine_address() is None


def test_a_watch_sees_its_engine_go_and_none_starts_for_an_address_that_never_answered() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    address = f"127.0.0.1:{listener.getsockname()[1]}"
    gone = threading.Event()
    assert engine_answers(address) is True

    assert watch_engine(address, on_gone=lambda _: gone.set(), interval=0.05) is True
    assert watch_engine(address, on_gone=lambda _: gone.set(), interval=0.05) is False  # one per address
    assert not gone.wait(0.3)
    listener.close()

    assert gone.wait(5)
    assert engine_answers(address) is False
    assert watch_engine(address) is False
    assert watch_engine("not an address") is False


@pytest.mark.parametrize("face", ["plugin", "dynamic"])
def test_a_provider_process_ends_within_seconds_of_its_engine(emulator: Emulator, face: str) -> None:
    with contextlib.ExitStack() as engine_running:
        engine_address, _ = engine_running.enter_context(fake_engine())
        args = ["-m", "pulumi_css_vpcep", engine_address] if face == "plugin" else [*DYNAMIC_HOST, engine_address]
        with provider_process(args, process_env(**emulator.environ())) as provider:
            if face == "dynamic":  # the host loads the provider, and with it the watch, on its first call
                provider.stub.Configure(proto.ConfigureRequest(args=to_struct({}), acceptSecrets=True))
                provider.stub.Check(proto.CheckRequest(urn="urn:x", olds=to_struct({}), news=to_struct(
                    {"cluster_id": SAMPLE_CLUSTER_ID, "__provider": PROVIDER})))
            time.sleep(1.5)
            assert provider.process.poll() is None, "the provider ended while its engine was there"

            engine_running.close()
            stopped = time.monotonic()
            while provider.process.poll() is None and time.monotonic() - stopped < 10:
                time.sleep(0.05)

            assert provider.process.poll() is not None, "the provider outlived its engine"
            assert time.monotonic() - stopped < 5
            assert f"the Pulumi engine at {engine_address} is gone" in provider.stderr()


def test_a_ctrl_c_ends_the_command_at_once_wherever_its_read_is(emulator: Emulator) -> None:
    emulator.state.set_faults([HELD])
    command = [sys.executable, "-m", "pulumi_css_vpcep._cli", "connections", "--cluster-id", SAMPLE_CLUSTER_ID]
    process = subprocess.Popen(command, env=process_env(**emulator.environ()), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    waited = time.monotonic()
    while emulator.state.in_flight < 1:
        assert time.monotonic() - waited < 30
        time.sleep(0.02)
    sent = time.monotonic()

    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=10)

    assert time.monotonic() - sent < 5  # target 2 s; room for a loaded machine (benchmarks/stop_time.py)
    assert (process.returncode, stderr) == (130, "css-vpcep: interrupted\n")


def test_css_vpcep_read_timeout_in_the_plugins_configuration_bounds_its_reads(emulator: Emulator) -> None:
    emulator.state.set_faults([HELD])
    with provider_process(["-m", "pulumi_css_vpcep", "127.0.0.1:1"], process_env(**emulator.environ())) as plugin:
        plugin.stub.Configure(proto.ConfigureRequest(variables={"css-vpcep:config:readTimeout": "1s"}))
        started = time.monotonic()
        with pytest.raises(grpc.RpcError) as info:
            _plugin_create(plugin)()

    assert time.monotonic() - started < 10
    assert info.value.details().endswith("the read's deadline of 1 s has passed")
