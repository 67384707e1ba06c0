"""(b) The command as a whole process against a Python script doing the same read with the official SDK.

Both start a fresh interpreter, import what they need, read 1,000 connections and print them as JSON;
runs alternate, and the median wall time of each is compared.
"""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .service import cluster_id, emulator_process, median, subprocess_environ

SIZES = (1000, 5000)
RUNS = 11


@dataclass
class ProcessTimes:
    size: int
    ours: float
    sdk: float


def _run(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, timeout=120, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode != 0 or len(result.stdout) < 1000:
        raise RuntimeError(f"{command[:3]} failed ({result.returncode}): {result.stderr.decode()[-500:]}")
    return elapsed


def measure() -> list[ProcessTimes]:
    command = str(Path(sys.executable).with_name("css-vpcep"))
    sdk_script = str(Path(__file__).with_name("sdk_read.py"))
    results = []
    with emulator_process(dict.fromkeys(SIZES, 1)) as url:
        env = subprocess_environ(url)
        for size in SIZES:
            cid = cluster_id(size)
            ours_command = [command, "connections", "--cluster-id", cid]
            sdk_command = [sys.executable, sdk_script, cid]
            _run(ours_command, env)  # warm the file cache for both
            _run(sdk_command, env)
            ours, sdk = [], []
            for _ in range(RUNS):
                ours.append(_run(ours_command, env))
                sdk.append(_run(sdk_command, env))
            results.append(ProcessTimes(size, median(ours), median(sdk)))
    return results


def table(results: list[ProcessTimes]) -> str:
    lines = [
        f"Whole process, median of {RUNS} alternating runs (interpreter start, imports, read, JSON on stdout).",
        "",
        "| connections | `css-vpcep connections` | SDK script | SDK / ours |",
        "|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r.size:,} | {r.ours * 1000:.0f} ms | {r.sdk * 1000:.0f} ms | {r.sdk / r.ours:.1f}x |" for r in results
    ]
    at_1000 = next(r for r in results if r.size == 1000)
    ratio = at_1000.sdk / at_1000.ours
    lines += ["", f"At 1,000 connections, target >= 1.5x: {'met' if ratio >= 1.5 else 'MISSED'} ({ratio:.2f}x)."]
    return "\n".join(lines)
