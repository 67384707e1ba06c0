"""(c) 100 clusters read at once: the plugin's async path against the dynamic provider host's path.

The plugin reads through ``aread_vpcep_connections`` on one event loop, so 100 reads run together.
The dynamic provider (``VpcepConnections``) runs in Pulumi's host, ``python -m pulumi.dynamic``, which
serves gRPC from a pool of 4 threads, each running a synchronous read: here 100 ``Read`` calls are sent
to the real host at once, as the engine sends them during a refresh, and answered four at a time.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from pulumi_css_vpcep import aread_vpcep_connections
from pulumi_css_vpcep.emulator import SAMPLE_PROJECT_ID, SAMPLE_REGION

from .service import cluster_id, emulator_process, environ, median, subprocess_environ

CLUSTERS = 100
SIZE = 250
"""Connections a cluster: three pages, two round trips."""
RUNS = 3


@dataclass
class ManyTimes:
    plugin: float
    host: float


def _plugin_path(url: str) -> float:
    env = environ(url)

    async def read_all() -> list[int]:
        results = await asyncio.gather(
            *(aread_vpcep_connections(cluster_id(SIZE, i), environ=env) for i in range(CLUSTERS))
        )
        return [len(r.connections) for r in results]

    started = time.perf_counter()
    counts = asyncio.run(read_all())
    elapsed = time.perf_counter() - started
    if counts != [SIZE] * CLUSTERS:
        raise RuntimeError(f"the async path read {counts}")
    return elapsed


def _host_path(url: str) -> list[float]:
    from google.protobuf import struct_pb2
    from pulumi.dynamic.dynamic import serialize_provider
    from pulumi.runtime import proto, rpc

    from pulumi_css_vpcep.resource import VpcepConnectionsProvider
    from tests.provider_host import provider_process

    provider = asyncio.run(rpc.serialize_properties({"__provider": serialize_provider(VpcepConnectionsProvider())}, {}))

    def read(index: int, stub: Any) -> int:
        resource_id = f"{SAMPLE_REGION}:{SAMPLE_PROJECT_ID}:{cluster_id(SIZE, index)}"
        response = stub.Read(proto.ReadRequest(id=resource_id, urn=f"urn:bench:{index}", properties=provider))
        return len(rpc.deserialize_properties(response.properties)["connections"])

    samples = []
    with provider_process(["-m", "pulumi.dynamic"], subprocess_environ(url)) as host:
        host.stub.Configure(proto.ConfigureRequest(args=struct_pb2.Struct(), acceptSecrets=True))
        read(0, host.stub)  # the host loads the provider on its first call
        with ThreadPoolExecutor(max_workers=CLUSTERS) as engine:
            for _ in range(RUNS):
                started = time.perf_counter()
                counts = list(engine.map(lambda i: read(i, host.stub), range(CLUSTERS)))
                samples.append(time.perf_counter() - started)
                if counts != [SIZE] * CLUSTERS:
                    raise RuntimeError(f"the provider host read {counts}")
    return samples


def measure() -> ManyTimes:
    with emulator_process({SIZE: CLUSTERS}) as url:
        _plugin_path(url)  # warm
        plugin = median([_plugin_path(url) for _ in range(RUNS)])
        host = median(_host_path(url))
    return ManyTimes(plugin, host)


def table(result: ManyTimes) -> str:
    return "\n".join(
        [
            f"{CLUSTERS} clusters of {SIZE} connections read at once, median of {RUNS}.",
            "",
            "| plugin (asyncio.gather of aread_vpcep_connections) | dynamic provider host (4 threads, real gRPC) "
            "| host / plugin |",
            "|---:|---:|---:|",
            f"| {result.plugin * 1000:.0f} ms | {result.host * 1000:.0f} ms | {result.host / result.plugin:.1f}x |",
        ]
    )
