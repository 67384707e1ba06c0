"""(a) Read time by cluster size: our read, the official SDK paging sequentially, and the floor.

The floor is the least a read can take: one request when a page holds every connection, otherwise two
in a row (the first page tells how many there are, then every other page at once), measured with a
warm signed connection.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path

import httpx

from pulumi_css_vpcep import read_vpcep_connections
from pulumi_css_vpcep._credentials import Credentials
from pulumi_css_vpcep._signing import HmacSigner, canonical_query
from pulumi_css_vpcep.emulator import SAMPLE_ACCESS_KEY, SAMPLE_PROJECT_ID, SAMPLE_SECRET_KEY

from .sdk_read import sdk_client, sdk_read
from .service import LATENCY_MS, PAGE_CAP, cluster_id, emulator_process, environ, median

SIZES = (10, 100, 1000, 5000)
REPEATS = 5


@dataclass
class ReadTimes:
    """Median seconds of one read of ``size`` connections, each way."""

    size: int
    ours: float
    sdk: float
    floor: float


class _Signed(httpx.Auth):
    """httpx's auth for the floor: each request signed as a read signs it (``HmacSigner.headers_for``), over
    every header httpx sends, ``Host`` included."""

    def __init__(self, signer: HmacSigner) -> None:
        self._signer = signer

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        headers = {name.lower(): value for name, value in request.headers.items()}
        path = request.url.raw_path.decode("ascii").partition("?")[0]
        query = request.url.query.decode("ascii")
        request.headers.update(self._signer.headers_for(request.method, path, query, headers, request.content))
        yield request


def _timed(read: Callable[[], int], expected: int) -> float:
    samples = []
    read()  # warm: imports, connection pools
    for _ in range(REPEATS):
        started = time.perf_counter()
        count = read()
        samples.append(time.perf_counter() - started)
        if count != expected:
            raise RuntimeError(f"read {count} connections, expected {expected}")
    return median(samples)


def measure() -> list[ReadTimes]:
    """Every size, all three ways, against one emulator process."""
    results = []
    with emulator_process(dict.fromkeys(SIZES, 1)) as url:
        env = environ(url)
        client = sdk_client(url, SAMPLE_ACCESS_KEY, SAMPLE_SECRET_KEY, SAMPLE_PROJECT_ID)
        floor_http = httpx.Client(auth=_Signed(HmacSigner(Credentials(SAMPLE_ACCESS_KEY, SAMPLE_SECRET_KEY))))
        base = f"{url}/v1.0/{SAMPLE_PROJECT_ID}/clusters"
        try:
            for size in SIZES:
                cid = cluster_id(size)

                def ours(cid: str = cid) -> int:
                    return len(read_vpcep_connections(cid, environ=env).connections)

                def sdk(cid: str = cid) -> int:
                    return len(sdk_read(client, cid))

                offsets = (0, PAGE_CAP) if size > PAGE_CAP else (0,)

                def floor(cid: str = cid, offsets: tuple[int, ...] = offsets) -> int:
                    got = 0
                    for offset in offsets:
                        query = canonical_query([("offset", str(offset)), ("limit", str(PAGE_CAP))])
                        response = floor_http.get(f"{base}/{cid}/vpcepservice/connections?{query}",
                                                  headers={"X-Project-Id": SAMPLE_PROJECT_ID})
                        got += len(response.raise_for_status().json()["connections"])
                    return got

                floor_count = min(size, len(offsets) * PAGE_CAP)
                results.append(ReadTimes(size, _timed(ours, size), _timed(sdk, size), _timed(floor, floor_count)))
        finally:
            floor_http.close()
    return results


def table(results: list[ReadTimes]) -> str:
    lines = [
        f"Read time, median of {REPEATS}; {LATENCY_MS:g} ms a request, page cap {PAGE_CAP}; emulator in its own "
        "process.",
        "",
        "| connections | requests | pulumi-css-vpcep | official SDK (sequential) | floor | SDK / ours | ours / floor |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        pages = max(1, -(-r.size // PAGE_CAP))
        lines.append(
            f"| {r.size:,} | {pages} | {r.ours * 1000:.0f} ms | {r.sdk * 1000:.0f} ms | {r.floor * 1000:.0f} ms "
            f"| {r.sdk / r.ours:.1f}x | {r.ours / r.floor:.2f}x |"
        )
    return "\n".join(lines)


def verdict(results: list[ReadTimes]) -> str:
    at_1000 = next(r for r in results if r.size == 1000)
    faster, over_floor = at_1000.sdk / at_1000.ours, at_1000.ours / at_1000.floor
    return (
        f"At 1,000 connections: {faster:.1f}x faster than the SDK (target >= 3x: "
        f"{'met' if faster >= 3 else 'MISSED'}); {over_floor:.2f}x the floor (target <= 2.5x: "
        f"{'met' if over_floor <= 2.5 else 'MISSED'})."
    )


def plot(results: list[ReadTimes], path: Path) -> None:
    """Read time against cluster size, log-log, one line a way."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [r.size for r in results]
    figure, axes = plt.subplots(figsize=(7, 4.5), dpi=120)
    axes.plot(sizes, [r.sdk * 1000 for r in results], "o-", label="official SDK, pages one after another")
    axes.plot(sizes, [r.ours * 1000 for r in results], "o-", label="pulumi-css-vpcep")
    axes.plot(sizes, [r.floor * 1000 for r in results], "o--", label="floor (one or two requests)")
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("connections")
    axes.set_ylabel("read time (ms, median)")
    axes.set_title(f"Reading a cluster's connections ({LATENCY_MS:g} ms a request, page cap {PAGE_CAP})")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
