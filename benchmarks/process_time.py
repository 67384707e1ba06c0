"""(b) The command as a whole process, against a Python script doing the same read with the official SDK
and against the floor: a stdlib-only script doing the same signed request.

Each of the three starts a fresh interpreter, imports what it needs, reads every connection and prints
JSON. They run in turn, one run of each after the other (the order rotating), so every run of ours has
an SDK run and a floor run beside it; each ratio is taken per such pair, and its min, median and max
are reported. A target is met only when the median meets it. The package is the wheel installed into
a scratch venv, as users run it (see ``installed.py``).
"""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from .installed import Interpreter, installed_package
from .service import cluster_id, emulator_process, median, subprocess_environ

SMALL = 25
"""A small cluster: one page, the common case, where start-up is what a pipeline waits for."""
SMALL_RUNS = 15
LARGE = (1000, 5000)
"""Large clusters, read at 20 ms a request."""
LARGE_RUNS = 11
SDK_SCRIPT = Path(__file__).with_name("sdk_read.py")
FLOOR_SCRIPT = Path(__file__).with_name("stdlib_read.py")

SMALL_OVER_SDK_TARGET = 1.5
"""The small read as a whole process is at least this many times faster than the SDK script."""
SMALL_OVER_FLOOR_TARGET = 3.0
"""... and within this many times the stdlib floor."""
LARGE_OVER_SDK_TARGET = 1.5
"""The 1,000-connection read as a whole process is at least this many times faster than the SDK script."""


@dataclass
class ProcessTimes:
    """Seconds of each run of the three processes for one cluster; ``ours[i]``, ``sdk[i]`` and
    ``floor[i]`` ran one after the other."""

    size: int
    latency_ms: float
    ours: list[float]
    sdk: list[float]
    floor: list[float]

    def sdk_over_ours(self) -> list[float]:
        return [s / o for o, s in zip(self.ours, self.sdk, strict=True)]

    def ours_over_floor(self) -> list[float]:
        return [o / f for o, f in zip(self.ours, self.floor, strict=True)]


def _run(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, timeout=120, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode != 0 or len(result.stdout) < 1000:
        raise RuntimeError(f"{command[:3]} failed ({result.returncode}): {result.stderr.decode()[-500:]}")
    return elapsed


def _measure(interpreter: Interpreter, url: str, size: int, latency_ms: float, runs: int) -> ProcessTimes:
    env = subprocess_environ(url)
    cid = cluster_id(size)
    commands = [
        [str(interpreter.command), "connections", "--cluster-id", cid],
        [str(interpreter.python), str(SDK_SCRIPT), cid],
        [str(interpreter.python), str(FLOOR_SCRIPT), cid],
    ]
    for command in commands:
        _run(command, env)  # warm the file cache for each
    samples: list[list[float]] = [[], [], []]
    for run in range(runs):
        for turn in range(3):
            which = (run + turn) % 3
            samples[which].append(_run(commands[which], env))
    return ProcessTimes(size, latency_ms, *samples)


def measure() -> tuple[list[ProcessTimes], bool]:
    """The small read (no added latency), then the large ones (20 ms); and whether the package was the
    installed wheel (False: the editable checkout)."""
    results = []
    with installed_package() as interpreter:
        with emulator_process({SMALL: 1}, latency_ms=0) as url:
            results.append(_measure(interpreter, url, SMALL, 0, SMALL_RUNS))
        with emulator_process(dict.fromkeys(LARGE, 1)) as url:
            results += [_measure(interpreter, url, size, 20, LARGE_RUNS) for size in LARGE]
    return results, interpreter.installed


def _spread(values: list[float]) -> str:
    return f"{min(values):.2f} / **{median(values):.2f}** / {max(values):.2f}"


def _verdict(name: str, values: list[float], target: float, at_least: bool) -> str:
    value = median(values)
    met = value >= target if at_least else value <= target
    sign = ">=" if at_least else "<="
    return (
        f"{name}, target {sign} {target:g}x: {'met' if met else 'MISSED'} (median {value:.2f}x; pairs "
        f"{min(values):.2f}x to {max(values):.2f}x)."
    )


def table(measured: tuple[list[ProcessTimes], bool]) -> str:
    results, installed = measured
    package = "the wheel installed into a scratch venv" if installed else "the editable checkout (no wheel)"
    lines = [
        "Whole process (interpreter start, imports, read, JSON on stdout), the three run in turn; median of "
        f"the runs; each ratio per pair of neighbouring runs as min / **median** / max. Package: {package}.",
        "",
        "| connections | added latency | runs | `css-vpcep connections` | SDK script | stdlib floor "
        "| SDK / ours | ours / floor |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r.size:,} | {r.latency_ms:g} ms | {len(r.ours)} | {median(r.ours) * 1000:.0f} ms "
        f"| {median(r.sdk) * 1000:.0f} ms | {median(r.floor) * 1000:.0f} ms | {_spread(r.sdk_over_ours())} "
        f"| {_spread(r.ours_over_floor())} |"
        for r in results
    ]
    small = next(r for r in results if r.size == SMALL)
    large = next(r for r in results if r.size == LARGE[0])
    lines += [
        "",
        "- " + _verdict(f"Small read ({SMALL} connections), SDK / ours", small.sdk_over_ours(),
                        SMALL_OVER_SDK_TARGET, at_least=True),
        "- " + _verdict(f"Small read ({SMALL} connections), ours / stdlib floor", small.ours_over_floor(),
                        SMALL_OVER_FLOOR_TARGET, at_least=False),
        "- " + _verdict(f"At {LARGE[0]:,} connections, SDK / ours", large.sdk_over_ours(),
                        LARGE_OVER_SDK_TARGET, at_least=True),
    ]
    return "\n".join(lines)
