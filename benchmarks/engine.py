"""(f) Under the real engine: ``pulumi up`` (create), a second ``pulumi up`` (no change) and ``pulumi preview``
over N reads, for both faces, beside Pulumi's own floor, in one run.

- **floor**: N trivial dynamic resources in a Python program; their provider sends nothing, ``create``
  returns a fixed id and ``diff`` says nothing changed. It is what the engine, the Python language host
  and the dynamic provider host cost on their own.
- **dynamic**: N ``VpcepConnections`` in a Python program, run by the real Python language host.
- **plugin**: N ``css-vpcep:index:VpcepConnections`` in a YAML program, served by the plugin executable
  ``pulumi-resource-css-vpcep`` that the engine finds on PATH.

Each run of a variant is a fresh stack on a ``file://`` backend: ``up --skip-preview`` (create), ``up
--skip-preview --expect-no-changes`` (each diff re-reads), ``preview --expect-no-changes``, then the
stack is removed without running a provider. The variants run alternately (the order rotating), and
every time is a whole process of the CLI. The package is the wheel installed into a scratch venv (see
``installed.py``), which both Python programs use as their virtualenv. Credentials, region and
endpoints come from ``HW_*`` variables, without a project id, so each provider process looks it up
through IAM once. The emulator adds 20 ms to every request; the clusters hold 5 to 24 connections (one page each).

It needs the pinned CLI that ``tools/pulumi/build.sh`` builds (``make pulumi-tools``) and the Python
language host: ``PULUMI_LANGUAGE_HOSTS`` names the folder that holds ``pulumi-language-python``
(default: ``../shared/pulumi-hosts/bin`` from the repository's root). Without them it is skipped.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .installed import REPOSITORY, Interpreter, installed_package
from .service import cluster_id, emulator_process, median, subprocess_environ

SIZES = tuple(range(5, 25))
"""Connections a cluster: the N clusters cycle through these sizes."""
COUNTS = (20, 100)
"""How many reads (resources) a stack holds."""
RUNS = int(os.environ.get("CSS_VPCEP_ENGINE_RUNS", "5"))
"""Whole-process runs of each variant and step; the median is reported."""
TARGET = 1.15
"""Each step of each face within this many times the floor."""
HOSTS_VARIABLE = "PULUMI_LANGUAGE_HOSTS"
TOOLCHAIN_VARIABLE = "CSS_VPCEP_PULUMI_BIN"
PASSPHRASE = "css-vpcep-bench-passphrase"
STEPS = ("create", "no change", "preview")
VARIANTS = ("floor", "dynamic", "plugin")
LABELS = {
    "floor": "floor: no-op dynamic",
    "dynamic": "`VpcepConnections` (Python)",
    "plugin": "plugin (YAML)",
}

_FLOOR_PROGRAM = '''"""N no-op dynamic resources: what the engine and Pulumi's hosts cost on their own."""

from typing import Any

import pulumi.dynamic

CLUSTERS = {clusters}


class NoOpProvider(pulumi.dynamic.ResourceProvider):
    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        return pulumi.dynamic.CreateResult("noop", {{"cluster_id": props["cluster_id"]}})

    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> pulumi.dynamic.DiffResult:
        return pulumi.dynamic.DiffResult(changes=False)


class NoOp(pulumi.dynamic.Resource):
    def __init__(self, name: str, cluster_id: str) -> None:
        super().__init__(NoOpProvider(), name, {{"cluster_id": cluster_id}})


for index, cluster in enumerate(CLUSTERS):
    NoOp(f"c{{index}}", cluster)
'''

_DYNAMIC_PROGRAM = '''"""N reads with the dynamic resource."""

from pulumi_css_vpcep import VpcepConnections

CLUSTERS = {clusters}

for index, cluster in enumerate(CLUSTERS):
    VpcepConnections(f"c{{index}}", cluster_id=cluster)
'''


def toolchain() -> Path | None:
    """The pinned CLI's folder: ``CSS_VPCEP_PULUMI_BIN``, else the one ``tools/pulumi/build.sh`` built, if any.

    Never builds it (minutes, and Go): ``make pulumi-tools`` does.
    """
    given = os.environ.get(TOOLCHAIN_VARIABLE)
    if given:
        return Path(given) if (Path(given) / "pulumi").is_file() else None
    go_mod = (REPOSITORY / "tools" / "pulumi" / "cli" / "go.mod").read_text(encoding="utf-8")
    version = re.search(r"github\.com/pulumi/pulumi/pkg/v3 (v\S+)", go_mod)
    if version is None:
        return None
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pulumi-css-vpcep"
    built = cache / f"pulumi-{version.group(1)}"
    if not any(built.glob(".built-*")) or not (built / "bin" / "pulumi").is_file():
        return None
    return built / "bin"


def language_hosts() -> Path | None:
    """The folder of Pulumi's language hosts: ``PULUMI_LANGUAGE_HOSTS``, else ``../shared/pulumi-hosts/bin``."""
    given = os.environ.get(HOSTS_VARIABLE)
    folder = Path(given) if given else REPOSITORY.parent / "shared" / "pulumi-hosts" / "bin"
    return folder if (folder / "pulumi-language-python").is_file() else None


def missing() -> str | None:
    """Why the engine benchmark cannot run here, or ``None`` when it can."""
    if toolchain() is None:
        return (
            "no pinned Pulumi CLI: run `make pulumi-tools` (or set "
            f"{TOOLCHAIN_VARIABLE} to the folder holding `pulumi` and `pulumi-language-yaml`)"
        )
    if language_hosts() is None:
        return (
            f"no Python language host: set {HOSTS_VARIABLE} to a folder holding `pulumi-language-python` "
            "(default ../shared/pulumi-hosts/bin)"
        )
    return None


def clusters(count: int) -> list[str]:
    """The ids of ``count`` generated clusters, their sizes cycling through ``SIZES``."""
    return [cluster_id(SIZES[i % len(SIZES)], i // len(SIZES)) for i in range(count)]


def _emulator_sizes(count: int) -> dict[int, int]:
    sizes: dict[int, int] = {}
    for i in range(count):
        size = SIZES[i % len(SIZES)]
        sizes[size] = sizes.get(size, 0) + 1
    return sizes


def write_program(variant: str, count: int, folder: Path, python: Path) -> Path:
    """A project directory of ``count`` resources of ``variant``, as a user would write it."""
    project = folder / f"{variant}-{count}"
    project.mkdir(parents=True)
    name = f"bench-{variant}-{count}"
    ids = clusters(count)
    if variant == "plugin":
        lines = [f"name: {name}", "runtime: yaml", "resources:"]
        for index, cluster in enumerate(ids):
            lines += [f"  c{index}:", "    type: css-vpcep:index:VpcepConnections", "    properties:",
                      f"      clusterId: {cluster}"]
        (project / "Pulumi.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        return project
    # The Python host runs the program with the interpreter of this virtualenv, where the package is.
    runtime = {"name": "python", "options": {"toolchain": "pip", "virtualenv": str(python.parent.parent)}}
    (project / "Pulumi.yaml").write_text(json.dumps({"name": name, "runtime": runtime}) + "\n", encoding="utf-8")
    template = _FLOOR_PROGRAM if variant == "floor" else _DYNAMIC_PROGRAM
    (project / "__main__.py").write_text(template.format(clusters=json.dumps(ids)), encoding="utf-8")
    return project


@dataclass
class Engine:
    """The pinned CLI with a private ``file://`` backend and PULUMI_HOME, pointed at the emulator."""

    bin_dir: Path
    hosts: Path
    root: Path
    url: str
    python: Path
    """The interpreter of the virtualenv where the package is installed (its ``bin`` holds the plugin)."""

    @property
    def env(self) -> dict[str, str]:
        inherited = {k: v for k, v in subprocess_environ(self.url).items() if not k.startswith("PULUMI_")}
        inherited.pop("HW_PROJECT_ID", None)  # each provider process looks it up once, as most users have it
        path = [str(self.bin_dir), str(self.hosts), str(self.python.parent), inherited.get("PATH", "")]
        return {
            **inherited,
            "PATH": os.pathsep.join(path),
            "PULUMI_HOME": str(self.root / "home"),
            "PULUMI_BACKEND_URL": f"file://{self.root / 'state'}",
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            # The dynamic provider host runs on this interpreter, where the package is installed.
            "PULUMI_PYTHON_CMD": str(self.python),
        }

    def cli(self, *args: str, cwd: Path, extra_env: Mapping[str, str] | None = None) -> float:
        """Run ``pulumi ARGS`` in ``cwd``; its wall time in seconds. A failure stops the benchmark."""
        env = {**self.env, **(extra_env or {})}
        started = time.perf_counter()
        done = subprocess.run(
            [str(self.bin_dir / "pulumi"), *args, "--non-interactive"],
            cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False,
        )
        elapsed = time.perf_counter() - started
        if done.returncode != 0:
            raise RuntimeError(f"pulumi {' '.join(args)} in {cwd.name} exited {done.returncode}:\n"
                               f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        return elapsed


def run_once(engine: Engine, project: Path, stack: str, extra_env: Mapping[str, str] | None = None) -> list[float]:
    """One run of a variant on a fresh stack: the seconds of create, no change and preview."""
    (engine.root / "state").mkdir(parents=True, exist_ok=True)
    engine.cli("stack", "init", stack, cwd=project)
    try:
        return [
            engine.cli("up", "--yes", "--skip-preview", cwd=project, extra_env=extra_env),
            engine.cli("up", "--yes", "--skip-preview", "--expect-no-changes", cwd=project, extra_env=extra_env),
            engine.cli("preview", "--expect-no-changes", cwd=project, extra_env=extra_env),
        ]
    finally:
        engine.cli("stack", "rm", "--yes", "--force", stack, cwd=project)


@dataclass
class EngineTimes:
    """Seconds of each step, by variant, for one count of resources: ``times[variant][step]`` is a list
    of runs, and run ``i`` of every variant ran in the same round."""

    count: int
    times: dict[str, dict[str, list[float]]] = field(default_factory=dict)

    def add(self, variant: str, steps: list[float]) -> None:
        per_step = self.times.setdefault(variant, {step: [] for step in STEPS})
        for step, seconds in zip(STEPS, steps, strict=True):
            per_step[step].append(seconds)

    def ratios(self, variant: str, step: str) -> list[float]:
        """Each run's time over the floor's of the same round."""
        return [t / f for t, f in zip(self.times[variant][step], self.times["floor"][step], strict=True)]

    def ratio(self, variant: str, step: str) -> float:
        """The median time over the floor's median time."""
        return median(self.times[variant][step]) / median(self.times["floor"][step])


@contextmanager
def _engine(url: str, python: Path) -> Iterator[Engine]:
    bin_dir, hosts = toolchain(), language_hosts()
    if bin_dir is None or hosts is None:
        raise RuntimeError(f"the engine benchmark cannot run: {missing()}")
    with tempfile.TemporaryDirectory(prefix="css-vpcep-engine-") as tmp:
        root = Path(tmp)
        (root / "home").mkdir()
        yield Engine(bin_dir, hosts, root, url, python)


def measure(
    counts: tuple[int, ...] = COUNTS, runs: int = RUNS, source: Path = REPOSITORY
) -> list[EngineTimes] | str:
    """Every variant over each count, alternately, with the package built from ``source``; or why the
    benchmark could not run."""
    reason = missing()
    if reason is not None:
        return reason
    with installed_package(source) as interpreter:
        return _measure(interpreter, counts, runs)


def _measure(interpreter: Interpreter, counts: tuple[int, ...], runs: int) -> list[EngineTimes]:
    results = []
    with emulator_process(_emulator_sizes(max(counts))) as url, _engine(url, interpreter.python) as engine:
        for count in counts:
            projects = {variant: write_program(variant, count, engine.root / "projects", interpreter.python)
                        for variant in VARIANTS}
            if count == counts[0]:
                for variant in VARIANTS:  # warm the file cache and the interpreters' bytecode
                    run_once(engine, projects[variant], "warm")
            result = EngineTimes(count)
            for run in range(runs):
                for turn in range(len(VARIANTS)):
                    variant = VARIANTS[(run + turn) % len(VARIANTS)]
                    result.add(variant, run_once(engine, projects[variant], f"run{run}"))
                    print(f"  {count} reads, run {run + 1}/{runs}: {variant} done", file=sys.stderr, flush=True)
            results.append(result)
    return results


def _cell(values: list[float]) -> str:
    return f"{median(values) * 1000:,.0f} ms ({min(values) * 1000:,.0f}-{max(values) * 1000:,.0f})"


def _ratio_cell(result: EngineTimes, variant: str, step: str) -> str:
    each = result.ratios(variant, step)
    return f"**{result.ratio(variant, step):.2f}x** ({min(each):.2f}-{max(each):.2f})"


def table(measured: list[EngineTimes] | str) -> str:
    if isinstance(measured, str):
        return f"SKIPPED: {measured}."
    runs = len(measured[0].times["floor"]["create"])
    lines = [
        f"Whole `pulumi` processes, the three variants in turn, {runs} runs each; median (min-max). Ratio: the "
        "median over the floor's median (each run over the floor's run of the same round, min-max). "
        "20 ms a request; clusters of 5 to 24 connections; project id looked up through IAM.",
        "",
        f"| reads | step | {LABELS['floor']} | {LABELS['dynamic']} | / floor | {LABELS['plugin']} | / floor |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    verdicts = []
    for result in measured:
        for step in STEPS:
            cells = [_cell(result.times["floor"][step])]
            for variant in ("dynamic", "plugin"):
                cells += [_cell(result.times[variant][step]), _ratio_cell(result, variant, step)]
                ratio = result.ratio(variant, step)
                if ratio > TARGET:
                    verdicts.append(f"{result.count} reads, {step}, {variant}: {ratio:.2f}x")
            lines.append(f"| {result.count} | {step} | " + " | ".join(cells) + " |")
    lines += [
        "",
        f"Each face within {TARGET:g}x the floor at every step: "
        + ("met." if not verdicts else "MISSED (" + "; ".join(verdicts) + ")."),
    ]
    return "\n".join(lines)
