"""(e) One provider process, 100 sequential calls: the time, and how many TCP connections it opened.

The plugin (``python -m pulumi_css_vpcep``) is started as the engine starts it and called over gRPC
100 times in a row with ``getVpcepConnections`` for a one-page cluster, the emulator adding 20 ms a
request. The dynamic provider host (``python -m pulumi.dynamic``) is called likewise with 100 ``Diff``
calls of one ``VpcepConnections``, one after another, as the engine diffs a stack's resources; each
diff reads. A small TCP proxy in front of the emulator counts the connections each process opens:
connections kept for the next call show as a handful, a connection per call as one a call.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .service import LATENCY_MS, cluster_id, emulator_process, median, subprocess_environ

INVOKES = 100
SIZE = 25
FUNCTION = "css-vpcep:index:getVpcepConnections"


@dataclass
class PluginInvokes:
    total: float
    """Seconds for all the calls, one after the other."""
    each: list[float]
    """Seconds of each call."""
    connections: int
    """TCP connections the process opened to the service meanwhile."""


class CountingProxy:
    """A loopback TCP proxy to ``target`` that counts the connections it accepts."""

    def __init__(self, target: str) -> None:
        parts = urlsplit(target)
        self.target_host = parts.hostname or "127.0.0.1"
        self.target_port = parts.port or 80
        self.accepted = 0
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="counting-proxy", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()
        server.close()
        self._loop.run_until_complete(server.wait_closed())
        self._loop.close()

    async def _handle(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(self.target_host, self.target_port)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(_pipe(client_reader, upstream_writer), _pipe(upstream_reader, client_writer))

    def __enter__(self) -> CountingProxy:
        self._thread.start()
        self._ready.wait(timeout=10)
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()


@contextmanager
def _plugin(url: str) -> Iterator[Any]:
    from pulumi.runtime.proto import provider_pb2

    from tests.provider_host import provider_process

    with provider_process(["-m", "pulumi_css_vpcep", "127.0.0.1:1"], subprocess_environ(url)) as plugin:
        plugin.stub.Configure(provider_pb2.ConfigureRequest(acceptSecrets=True))
        yield plugin.stub


def _dynamic_diffs(url: str) -> PluginInvokes:
    """100 sequential ``Diff`` calls of one ``VpcepConnections`` on the real dynamic provider host, after its
    ``Create``; the connections counted are those of all 101 calls."""
    from tests import dynamic_host
    from tests.provider_host import provider_process

    with CountingProxy(url) as proxy:
        host_process = provider_process(dynamic_host.DYNAMIC_HOST, subprocess_environ(proxy.url))
        with host_process as host:
            dynamic_host.configure(host)
            _, outputs = dynamic_host.create(host, {"cluster_id": cluster_id(SIZE)})
            each = []
            started = time.perf_counter()
            for _ in range(INVOKES):
                begun = time.perf_counter()
                response = dynamic_host.diff(host, outputs, {"cluster_id": cluster_id(SIZE)})
                each.append(time.perf_counter() - begun)
                if response.changes != response.DIFF_NONE:
                    raise RuntimeError(f"the diff found a change: {response}")
            return PluginInvokes(time.perf_counter() - started, each, proxy.accepted)


def measure() -> dict[str, PluginInvokes]:
    """The plugin's invokes and the dynamic provider host's diffs, each process on its own."""
    with emulator_process({SIZE: 1}) as emulator_url:
        return {"plugin": _plugin_invokes(emulator_url), "dynamic": _dynamic_diffs(emulator_url)}


def _plugin_invokes(emulator_url: str) -> PluginInvokes:
    from google.protobuf import struct_pb2
    from pulumi.runtime.proto import provider_pb2

    args = struct_pb2.Struct()
    args.update({"clusterId": cluster_id(SIZE)})
    request = provider_pb2.InvokeRequest(tok=FUNCTION, args=args)
    with CountingProxy(emulator_url) as proxy, _plugin(proxy.url) as stub:
        each = []
        started = time.perf_counter()
        for _ in range(INVOKES):
            begun = time.perf_counter()
            response = stub.Invoke(request)
            each.append(time.perf_counter() - begun)
            if response.failures or len(getattr(response, "return")["connections"]) != SIZE:
                raise RuntimeError(f"the invoke failed: {response.failures}")
        total = time.perf_counter() - started
        return PluginInvokes(total, each, proxy.accepted)


LABELS = {
    "plugin": "plugin, `getVpcepConnections` invokes",
    "dynamic": "dynamic provider host, `Diff` of one `VpcepConnections` (each reads)",
}


def table(results: dict[str, PluginInvokes]) -> str:
    lines = [
        f"{INVOKES} sequential calls on one provider process, {SIZE} connections (one page), {LATENCY_MS:g} ms a "
        "request; TCP connections counted by a proxy in front of the emulator.",
        "",
        "| process, calls | calls | total | per call (min / median / max) | TCP connections opened |",
        "|---|---:|---:|---:|---:|",
    ]
    for face, result in results.items():
        lines.append(
            f"| {LABELS[face]} | {INVOKES} | {result.total * 1000:.0f} ms | {min(result.each) * 1000:.1f} / "
            f"{median(result.each) * 1000:.1f} / {max(result.each) * 1000:.1f} ms | {result.connections} |"
        )
    lines.append("")
    for face, result in results.items():
        verdict = "met" if result.connections <= INVOKES // 10 else "MISSED"
        lines.append(
            f"- {LABELS[face]}, target: connections reused across calls: {verdict} ({result.connections} for "
            f"{INVOKES})."
        )
    return "\n".join(lines)
