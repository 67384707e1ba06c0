"""``python -m benchmarks`` (``make bench``): every benchmark, side by side with the official SDK.

Prints each table as it is measured, then writes them all to ``benchmarks/results/results.md`` and the
read-time plot to ``benchmarks/results/read_time.png``. ``--only a,b,c,d`` runs a subset.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

from . import many_clusters, memory, process_time, read_time

RESULTS = Path(__file__).with_name("results")
PLOT = RESULTS / "read_time.png"


def _read_time() -> str:
    results = read_time.measure()
    read_time.plot(results, PLOT)
    plot = "benchmarks/results/read_time.png"
    return "\n\n".join([read_time.table(results), read_time.verdict(results), f"Plot: `{plot}`."])


SECTIONS: dict[str, tuple[str, Callable[[], str]]] = {
    "a": ("Read time against the official SDK", _read_time),
    "b": ("The command against an SDK script, whole process", lambda: process_time.table(process_time.measure())),
    "c": (
        "100 clusters at once: plugin against dynamic provider host",
        lambda: many_clusters.table(many_clusters.measure()),
    ),
    "d": ("Peak memory of a 5,000-connection read", lambda: memory.table(memory.measure())),
}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--only", default="abcd", help="which benchmarks to run (letters a-d, default all)")
    args = parser.parse_args()
    chosen = [key for key in SECTIONS if key in args.only]
    RESULTS.mkdir(exist_ok=True)
    started = time.perf_counter()
    parts = [
        "# Benchmark results",
        "",
        f"`make bench` on {platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}; the emulator runs in its own process on loopback.",
    ]
    for key in chosen:
        title, run = SECTIONS[key]
        print(f"\n## ({key}) {title}\n", flush=True)
        text = run()
        print(text, flush=True)
        parts += ["", f"## ({key}) {title}", "", text]
    elapsed = time.perf_counter() - started
    parts += ["", f"All of it took {elapsed:.0f} s."]
    if chosen == list(SECTIONS):
        (RESULTS / "results.md").write_text("\n".join(parts) + "\n", encoding="utf-8")
        print(f"\nwritten: {RESULTS / 'results.md'}, {PLOT} ({elapsed:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
