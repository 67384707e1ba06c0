"""The emulator in its own process, with generated clusters, as every benchmark uses it."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from pulumi_css_vpcep.emulator import SAMPLE_ACCESS_KEY, SAMPLE_PROJECT_ID, SAMPLE_REGION, SAMPLE_SECRET_KEY

LATENCY_MS = 20.0
"""The time the emulator adds to every request."""
PAGE_CAP = 100
"""The most connections a page holds."""


def cluster_id(size: int, index: int = 0) -> str:
    """The id of the generated cluster of ``size`` connections (``index`` tells same-sized ones apart)."""
    return f"bench-{size}-{index}"


@contextmanager
def emulator_process(
    sizes: Mapping[int, int], latency_ms: float = LATENCY_MS, page_cap: int = PAGE_CAP
) -> Iterator[str]:
    """Serve clusters (``{size: how many}``) from ``python -m pulumi_css_vpcep.emulator``; yield its URL."""
    clusters = [
        {"id": cluster_id(size, index), "generate": size}
        for size, count in sizes.items()
        for index in range(count)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "clusters.json"
        data.write_text(json.dumps({"clusters": clusters}), encoding="utf-8")
        process = subprocess.Popen(
            [
                sys.executable, "-m", "pulumi_css_vpcep.emulator",
                "--latency-ms", str(latency_ms), "--page-cap", str(page_cap), "--data", str(data),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            yield _first_line(process, timeout=30.0)
        finally:
            process.terminate()
            process.wait(timeout=10)
            if process.stdout is not None:
                process.stdout.close()


def _first_line(process: subprocess.Popen[str], timeout: float) -> str:
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 0.1)
        if ready:
            line = process.stdout.readline().strip()
            if line.startswith("http"):
                return line
        if process.poll() is not None:
            break
    raise RuntimeError(f"the emulator printed no URL (exit {process.poll()})")


def environ(url: str) -> dict[str, str]:
    """The ``HW_*`` variables of a read against the emulator at ``url``, project id included."""
    return {
        "HW_ACCESS_KEY": SAMPLE_ACCESS_KEY,
        "HW_SECRET_KEY": SAMPLE_SECRET_KEY,
        "HW_REGION_NAME": SAMPLE_REGION,
        "HW_PROJECT_ID": SAMPLE_PROJECT_ID,
        "HW_CSS_ENDPOINT": url,
        "HW_AUTH_URL": f"{url}/v3",
    }


def subprocess_environ(url: str) -> dict[str, str]:
    """This process's environment without any ``HW_*``/SDK setting or ``PYTHONPATH`` (a process imports
    the package it was installed with), plus the emulator's."""
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("HW_", "HUAWEICLOUD_SDK_")) and k != "PYTHONPATH"
    }
    return {**clean, **environ(url)}


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
