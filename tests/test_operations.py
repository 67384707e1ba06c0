"""Cancel, the engine's operation timeout and a provider that outlives its engine, over gRPC: the fast layer of
``tests/e2e/test_operations.py``, with the real provider processes (the plugin, and Pulumi's dynamic provider
host with ``VpcepConnectionsProvider``) against the emulator holding its answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
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
from pulumi_css_vpcep._http_errors import Answer
from pulumi_css_vpcep._read import _Read
from pulumi_css_vpcep._requests import Request
from pulumi_css_vpcep._settings import resolve_settings
from pulumi_css_vpcep._transports import Timeouts
from pulumi_css_vpcep.emulator import SAMPLE_CLUSTER_ID, SAMPLE_PROJECT_ID, Emulator
from pulumi_css_vpcep.emulator._faults import Fault
from pulumi_css_vpcep.errors import ApiError, ReadCancelledError
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


def test_a_callback_that_raises_keeps_no_other_read_from_its_cancel(caplog: pytest.LogCaptureFixture) -> None:
    cancellation = Cancellation()
    ended: list[str] = []

    def broken() -> None:
        raise AttributeError("'NoneType' object has no attribute 'shutdown'")

    cancellation.subscribe(lambda: ended.append("first"))
    cancellation.subscribe(broken)
    cancellation.subscribe(lambda: ended.append("third"))
    with caplog.at_level(logging.WARNING, logger="pulumi_css_vpcep"):
        cancellation.cancel()
    assert ended == ["first", "third"]
    assert [r.getMessage() for r in caplog.records] == [
        "a read's cancel callback failed (AttributeError: 'NoneType' object has no attribute 'shutdown'); "
        "the other reads end all the same"
    ]


def test_a_cancel_ends_the_retry_wait_of_an_async_reads_request(emulator: Emulator) -> None:
    # Through the read itself, not through Cancellation.run: the request's own wait must see the cancel.
    emulator.state.set_faults([Fault(status=503, retry_after="30")])
    cancellation = Cancellation()
    settings = resolve_settings(project_id=SAMPLE_PROJECT_ID, environ=emulator.environ())
    read = _Read(SAMPLE_CLUSTER_ID, settings, Timeouts(), cancellation)

    def cancel_once_refused() -> None:
        while emulator.state.requests["status:503"] < 1:
            time.sleep(0.01)
        cancellation.cancel()

    threading.Thread(target=cancel_once_refused, daemon=True).start()
    started = time.monotonic()
    with pytest.raises(ReadCancelledError, match=rf"^read of cluster {SAMPLE_CLUSTER_ID} cancelled: "):
        asyncio.run(read.arun(None))
    assert time.monotonic() - started < 5  # not the 30 s Retry-After
    assert emulator.state.requests["css"] == 1


def test_a_page_that_fails_stops_the_other_pages_of_a_synchronous_read_at_once() -> None:
    env = {"HW_ACCESS_KEY": "ak", "HW_SECRET_KEY": "sk", "HW_REGION_NAME": "cn-north-4", "HW_PROJECT_ID": "p",
           "HW_CSS_ENDPOINT": "http://127.0.0.1:1"}
    read = _Read("c", resolve_settings(environ=env), Timeouts())
    refused = threading.Event()
    waiting: list[str] = []

    def send(url: str, headers: Any, timeouts: Timeouts) -> Answer:
        if url.endswith("offset=500"):
            while len(waiting) < 3:  # the others are in their 30 s waits before this page is refused
                time.sleep(0.01)
            refused.set()
            return Answer(403, {}, b'{"error_code": "CSS.0015", "error_msg": "no such cluster"}')
        waiting.append(url)
        return Answer(503, {"retry-after": "30"}, b"{}")

    batch = [Request(f"http://127.0.0.1:1/x?limit=100&offset={o}", {}, "cluster c") for o in (100, 300, 500, 700)]
    started = time.monotonic()
    with pytest.raises(ApiError, match=r"HTTP 403 CSS\.0015"):
        read._fetch(batch, send)
    assert refused.is_set()
    assert time.monotonic() - started < 5  # not the 30 s Retry-After of the other pages
    assert read.stop.cancelled


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
    """One ``Cancel`` ends every held read at once (2 s is the target), each with its one line; a read after it
    sends nothing."""
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


def test_cancel_ends_as_many_reads_as_the_dynamic_host_has_threads_at_once(
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


def test_cancel_ends_every_plugin_read_in_flight_at_once(
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


def test_a_plugin_whose_launcher_is_killed_serves_until_the_engines_cancel_then_ends(emulator: Emulator) -> None:
    # `pulumi install` has the language host kill the process it started before the engine sends the Cancel
    # with which it closes a provider: the plugin must answer that Cancel, and only then end.
    with (
        fake_engine() as (engine_address, _),
        provider_process(["-m", "pulumi_css_vpcep", engine_address], process_env(**emulator.environ())) as plugin,
    ):
        plugin.process.kill()
        plugin.process.wait(timeout=10)
        time.sleep(1.5)  # time enough to end, were it to end with its launcher
        assert plugin.stub.GetPluginInfo(empty_pb2.Empty(), timeout=10).version

        plugin.stub.Cancel(empty_pb2.Empty(), timeout=10)

        stopped = time.monotonic()
        while time.monotonic() - stopped < 10 and _serves(plugin):
            time.sleep(0.05)
        assert not _serves(plugin), "the plugin outlived its launcher and the engine's Cancel"


def test_a_plugin_whose_launcher_is_killed_with_no_engine_answering_ends(emulator: Emulator) -> None:
    with provider_process(["-m", "pulumi_css_vpcep", "127.0.0.1:1"], process_env(**emulator.environ())) as plugin:
        assert plugin.stub.GetPluginInfo(empty_pb2.Empty(), timeout=10).version
        plugin.process.kill()
        plugin.process.wait(timeout=10)

        stopped = time.monotonic()
        while time.monotonic() - stopped < 10 and _serves(plugin):
            time.sleep(0.05)
        assert not _serves(plugin), "the plugin outlived its launcher with no engine to serve"


def _serves(plugin: ProviderProcess) -> bool:
    try:
        plugin.stub.GetPluginInfo(empty_pb2.Empty(), timeout=2)
    except grpc.RpcError:
        return False
    return True


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
