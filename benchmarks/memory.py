"""(d) Peak memory of a 5,000-connection read, each in a fresh process, beside the official SDK."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass

from .service import cluster_id, emulator_process, subprocess_environ

SIZE = 5000

_SCRIPT = """
import json, os, sys, tracemalloc
way, cid, traced = sys.argv[1], sys.argv[2], sys.argv[3] == "traced"
if way == "ours":
    from pulumi_css_vpcep import read_vpcep_connections
    def read():
        return len(read_vpcep_connections(cid).connections)
else:
    from benchmarks.sdk_read import sdk_client, sdk_read
    client = sdk_client(os.environ["HW_CSS_ENDPOINT"], os.environ["HW_ACCESS_KEY"], os.environ["HW_SECRET_KEY"],
                        os.environ["HW_PROJECT_ID"])
    def read():
        return len(sdk_read(client, cid))
def high_water_kb():
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across fork and exec.
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
before = high_water_kb()
if traced:
    tracemalloc.start()
count = read()
peak = tracemalloc.get_traced_memory()[1] if traced else 0
after = high_water_kb()
print(json.dumps({"count": count, "rss_before_kb": before, "rss_peak_kb": after, "traced_peak": peak}))
"""


@dataclass
class Memory:
    """Peak resident set of the whole process, and the peak Python allocations of the read alone."""

    way: str
    rss_peak_mb: float
    rss_imports_mb: float
    traced_peak_mb: float


def _probe(way: str, env: dict[str, str], traced: bool) -> dict[str, int]:
    result = subprocess.run(
        [sys.executable, "-c", _SCRIPT, way, cluster_id(SIZE), "traced" if traced else "plain"],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"memory probe of {way} failed: {result.stderr[-500:]}")
    data: dict[str, int] = json.loads(result.stdout)
    if data["count"] != SIZE:
        raise RuntimeError(f"{way} read {data['count']} connections")
    return data


def measure() -> list[Memory]:
    results = []
    with emulator_process({SIZE: 1}) as url:
        env = subprocess_environ(url)
        for way in ("ours", "sdk"):
            plain, traced = _probe(way, env, traced=False), _probe(way, env, traced=True)
            results.append(
                Memory(way, plain["rss_peak_kb"] / 1024, plain["rss_before_kb"] / 1024, traced["traced_peak"] / 2**20)
            )
    return results


def table(results: list[Memory]) -> str:
    names = {"ours": "pulumi-css-vpcep", "sdk": "official SDK"}
    lines = [
        f"Memory of one {SIZE:,}-connection read, each in a fresh process.",
        "",
        "| | peak RSS of the process | peak RSS after imports | peak Python allocations of the read (tracemalloc) |",
        "|---|---:|---:|---:|",
    ]
    lines += [
        f"| {names[m.way]} | {m.rss_peak_mb:.0f} MB | {m.rss_imports_mb:.0f} MB | {m.traced_peak_mb:.1f} MB |"
        for m in results
    ]
    ours = next(m for m in results if m.way == "ours")
    lines += ["", f"Target < 100 MB: {'met' if ours.rss_peak_mb < 100 else 'MISSED'} ({ours.rss_peak_mb:.0f} MB)."]
    return "\n".join(lines)
