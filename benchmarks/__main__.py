"""``python -m benchmarks`` (``make bench``): every benchmark, side by side with the official SDK.

Prints each table as it is measured, then writes them all, with the read-time plot, to a scratch
directory (``$TMPDIR/css-vpcep-bench``), so that a casual run leaves the committed results alone.
``--save`` (``make bench SAVE=1``) writes ``benchmarks/results/`` instead, and only when every
benchmark ran. ``--only a,b,c,d,e,f,g`` runs a subset. The engine benchmark (f) needs the pinned Pulumi
CLI and the Python language host; without them it says so and is skipped (``--save`` then refuses to start).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from . import engine, many_clusters, memory, plugin_invokes, process_time, read_time, stop_time

COMMITTED = Path(__file__).with_name("results")
SCRATCH = Path(tempfile.gettempdir()) / "css-vpcep-bench"
PLOT_NAME = "read_time.png"


def _read_time(out: Path) -> str:
    results = read_time.measure()
    read_time.plot(results, out / PLOT_NAME)
    plot = f"benchmarks/results/{PLOT_NAME}" if out == COMMITTED else str(out / PLOT_NAME)
    return "\n\n".join([read_time.table(results), read_time.verdict(results), f"Plot: `{plot}`."])


SECTIONS: dict[str, tuple[str, Callable[[Path], str]]] = {
    "a": ("Read time against the official SDK", _read_time),
    "b": (
        "The command as a whole process against an SDK script and the stdlib floor",
        lambda _out: process_time.table(process_time.measure()),
    ),
    "c": (
        "100 clusters at once: plugin against dynamic provider host",
        lambda _out: many_clusters.table(many_clusters.measure()),
    ),
    "d": ("Peak memory of a 5,000-connection read", lambda _out: memory.table(memory.measure())),
    "e": (
        "One provider process, 100 sequential calls: plugin invokes and dynamic provider diffs",
        lambda _out: plugin_invokes.table(plugin_invokes.measure()),
    ),
    "f": (
        "Under the engine: pulumi up and preview over many reads, against no-op dynamic resources",
        lambda _out: engine.table(engine.measure()),
    ),
    "g": (
        "How soon a stop is done: cancel, Ctrl-C, the emulator's stop",
        lambda _out: stop_time.table(stop_time.measure()),
    ),
}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--only", default="".join(SECTIONS), help="which benchmarks to run (letters a-g, default all)")
    parser.add_argument("--save", action="store_true", help="write the committed results in benchmarks/results/")
    args = parser.parse_args()
    chosen = [key for key in SECTIONS if key in args.only]
    if args.save and chosen != list(SECTIONS):
        parser.error("--save writes the committed results: run every benchmark (no --only)")
    if args.save and (reason := engine.missing()) is not None:
        parser.error(f"--save needs every benchmark, and the engine benchmark cannot run: {reason}")
    out = COMMITTED if args.save else SCRATCH
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    parts = [
        "# Benchmark results",
        "",
        f"`make bench` on {datetime.now(UTC):%Y-%m-%d}, {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}; the emulator runs in its own process on "
        "loopback.",
    ]
    for key in chosen:
        title, run = SECTIONS[key]
        print(f"\n## ({key}) {title}\n", flush=True)
        text = run(out)
        print(text, flush=True)
        parts += ["", f"## ({key}) {title}", "", text]
    elapsed = time.perf_counter() - started
    parts += ["", f"All of it took {elapsed:.0f} s."]
    (out / "results.md").write_text("\n".join(parts) + "\n", encoding="utf-8")
    print(f"\nwritten: {out / 'results.md'} ({elapsed:.0f} s)" + ("" if args.save else "; make bench SAVE=1 "
          "writes the committed results"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
