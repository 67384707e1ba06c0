"""(g) How soon a stop is done: the figures behind the 2 s targets that the unit tests assert with room (< 5 s).

Each is measured on real parts, as ``tests/test_operations.py`` and ``tests/test_emulator_server.py`` drive
them, several times, from the moment the stop is asked for to the moment it is done:

- the engine's ``Cancel`` of a provider process whose reads the emulator holds (an answer held for an hour):
  6 plugin reads, and 4 dynamic provider host reads (its 4 threads all busy), until every read has failed;
- Ctrl-C (SIGINT) of ``css-vpcep connections`` during a held read, until the command has exited;
- ``Emulator.stop()`` with an idle kept connection open, over http and over https;
- ``Cancellation.cancel()`` from another thread, until the blocked call it ends has raised.
"""

from __future__ import annotations

import signal
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from pulumi_css_vpcep.emulator import SAMPLE_CLUSTER_ID, Emulator, Fault

from .service import median

RUNS = 5
TARGET = 2.0
"""Seconds: what each stop is meant to take."""
BOUND = 5.0
"""Seconds: what the tests assert, with room for a loaded 2-core machine."""
HELD = Fault(kind="delay", delay=3600.0)


def _wait_for_held(emulator: Emulator, reads: int) -> None:
    waited = time.monotonic()
    while emulator.state.in_flight < reads:
        if time.monotonic() - waited > 60:
            raise RuntimeError(f"only {emulator.state.in_flight} of {reads} reads were held")
        time.sleep(0.01)


def _cancel_of(face: str, reads: int) -> Callable[[], float]:
    """One measurement: start a provider process, hold ``reads`` reads, send ``Cancel``, time until all failed."""

    def once() -> float:
        import grpc
        from google.protobuf import empty_pb2
        from pulumi.runtime import proto

        from tests import dynamic_host
        from tests.provider_host import process_env, provider_process
        from tests.wire import to_struct

        with Emulator() as emulator:
            emulator.state.set_faults([HELD])
            if face == "plugin":
                args = ["-m", "pulumi_css_vpcep", "127.0.0.1:1"]
                request = proto.CreateRequest(urn="urn:x", properties=to_struct({"clusterId": SAMPLE_CLUSTER_ID}))
            else:
                args = [*dynamic_host.DYNAMIC_HOST, "127.0.0.1:1"]
                properties = {"cluster_id": SAMPLE_CLUSTER_ID, "__provider": dynamic_host.PROVIDER}
                request = proto.CreateRequest(urn="urn:x", properties=to_struct(properties))
            with provider_process(args, process_env(**emulator.environ())) as provider:
                provider.stub.Configure(proto.ConfigureRequest(args=to_struct({}), acceptSecrets=True))
                with ThreadPoolExecutor(reads) as pool:
                    held: list[Future[Any]] = [
                        pool.submit(provider.stub.Create, request, timeout=60) for _ in range(reads)
                    ]
                    _wait_for_held(emulator, reads)
                    sent = time.perf_counter()
                    provider.stub.Cancel(empty_pb2.Empty(), timeout=10)
                    for future in held:
                        if not isinstance(future.exception(timeout=30), grpc.RpcError):
                            raise RuntimeError("a held read did not fail with the cancel")
                    return time.perf_counter() - sent

    return once


def _ctrl_c_of_the_command() -> float:
    from tests.provider_host import process_env

    with Emulator() as emulator:
        emulator.state.set_faults([HELD])
        command = [sys.executable, "-m", "pulumi_css_vpcep._cli", "connections", "--cluster-id", SAMPLE_CLUSTER_ID]
        with subprocess.Popen(command, env=process_env(**emulator.environ()), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL) as process:
            _wait_for_held(emulator, 1)
            sent = time.perf_counter()
            process.send_signal(signal.SIGINT)
            if process.wait(timeout=30) != 130:
                raise RuntimeError(f"the command exited {process.returncode}, not 130")
            return time.perf_counter() - sent


@contextmanager
def _tls_contexts() -> Iterator[tuple[ssl.SSLContext, ssl.SSLContext]]:
    import trustme

    authority = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(server)
    client = ssl.create_default_context()
    authority.configure_trust(client)
    yield server, client


def _emulator_stop(over_tls: bool) -> Callable[[], float]:
    def once() -> float:
        import httpx

        with _tls_contexts() as (server, client):
            emulator = Emulator(tls=server if over_tls else None).start()
            verify: ssl.SSLContext | bool = client if over_tls else True
            with httpx.Client(base_url=emulator.url, trust_env=False, verify=verify) as kept:
                if kept.get("/_emulator/requests").status_code != 200:  # the connection stays open, idle
                    raise RuntimeError("the emulator did not answer")
                started = time.perf_counter()
                emulator.stop()
                return time.perf_counter() - started

    return once


def _cancellation() -> float:
    from pulumi_css_vpcep._cancel import Cancellation
    from pulumi_css_vpcep.errors import ReadCancelledError

    cancellation = Cancellation()
    release = threading.Event()
    sent: list[float] = []

    def cancel() -> None:
        sent.append(time.perf_counter())
        cancellation.cancel()

    threading.Timer(0.1, cancel).start()
    try:
        cancellation.call(release.wait, 30, about="c1")
    except ReadCancelledError:
        return time.perf_counter() - sent[0]
    finally:
        release.set()
    raise RuntimeError("the blocked call was not cancelled")


CASES: dict[str, Callable[[], float]] = {
    "the engine's Cancel, 6 plugin reads held": _cancel_of("plugin", 6),
    "the engine's Cancel, 4 dynamic provider host reads held": _cancel_of("dynamic", 4),
    "Ctrl-C of `css-vpcep connections`, its read held": _ctrl_c_of_the_command,
    "`Emulator.stop()`, an idle connection open, http": _emulator_stop(over_tls=False),
    "`Emulator.stop()`, an idle connection open, https": _emulator_stop(over_tls=True),
    "`Cancellation.cancel()` from another thread, a call blocked": _cancellation,
}


def measure() -> dict[str, list[float]]:
    """Seconds of each stop, ``RUNS`` times each."""
    return {name: [once() for _ in range(RUNS)] for name, once in CASES.items()}


def table(results: dict[str, list[float]]) -> str:
    lines = [
        f"Seconds from the stop asked for to the stop done, {RUNS} runs each. Target {TARGET:g} s; the unit tests "
        f"assert < {BOUND:g} s, room for a loaded 2-core machine.",
        "",
        "| stop | median | max | target |",
        "|---|---:|---:|---|",
    ]
    for name, seconds in results.items():
        verdict = "met" if max(seconds) < TARGET else "MISSED"
        lines.append(f"| {name} | {median(seconds):.3f} s | {max(seconds):.3f} s | {verdict} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table(measure()))
