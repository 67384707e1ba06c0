"""(f) Under the real engine: ``pulumi up`` (create), a second ``pulumi up`` (no change) and ``pulumi preview``
over N reads, for both faces, beside Pulumi's own floor, in one run.

- **floor**: N trivial dynamic resources in a Python program; their provider sends nothing, ``create``
  returns a fixed id and ``diff`` says nothing changed. It is what the engine, the Python language host
  and the dynamic provider host cost on their own.
- **floor with outputs**: the same no-op resources, whose ``create`` returns exactly the outputs a read
  of the same cluster returns (read once before the timing, kept in files). It sends nothing either:
  what it adds to the floor is what the engine costs to carry and checkpoint the data itself.
- **dynamic**: N ``VpcepConnections`` in a Python program, run by the real Python language host.
- **plugin**: N ``css-vpcep:index:VpcepConnections`` in a YAML program, served by the plugin executable
  ``pulumi-resource-css-vpcep`` that the engine finds on PATH.

Each run of a variant is a fresh stack on a ``file://`` backend: ``up --skip-preview`` (create), ``up
--skip-preview --expect-no-changes`` (each diff re-reads), ``preview --expect-no-changes``, the same two
again with ``PULUMI_PARALLEL_DIFF=true`` (the engine's switch that runs diffs concurrently; by default it
runs them one at a time), then the stack is removed without running a provider. The variants run
alternately (the order rotating), and every time is a whole process of the CLI. The package is the
wheel installed into a scratch venv (see ``installed.py``), which the Python programs use as their
virtualenv. Credentials, region and endpoints come from ``HW_*`` variables, without a project id, so
each provider process looks it up through IAM once. The emulator adds 20 ms to every request; the
clusters hold 5 to 24 connections (one page each).

Beside the timing, one more no-change ``up`` of each variant, with and without parallel diffs, writes
the engine's OpenTelemetry trace (``--otel-traces``); ``traced_calls`` reads its provider calls: how many
``Diff`` calls, how many at once, and their time, which is where a no-change ``up`` spends what the
floor does not.

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
from .service import cluster_id, emulator_process, environ, median, subprocess_environ

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
PARALLEL_DIFF = {"PULUMI_PARALLEL_DIFF": "true"}
"""The engine's switch for concurrent diffs (``env.ParallelDiff``; off by default in v3.274.1)."""
STEPS = ("create", "no change", "preview", "no change, parallel diff", "preview, parallel diff")
VARIANTS = ("floor", "floor-outputs", "dynamic", "plugin")
FACES = ("dynamic", "plugin")
FLOORS = ("floor", "floor-outputs")
LABELS = {
    "floor": "floor: no-op dynamic",
    "floor-outputs": "floor with outputs",
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

_FLOOR_OUTPUTS_PROGRAM = '''"""N no-op dynamic resources returning a real read's outputs, read beforehand."""

import json
from typing import Any

import pulumi.dynamic

CLUSTERS = {clusters}
OUTPUTS = {outputs!r}


class SameOutputsProvider(pulumi.dynamic.ResourceProvider):
    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        with open(f"{{OUTPUTS}}/{{props['cluster_id']}}.json", encoding="utf-8") as file:
            outputs = json.load(file)
        return pulumi.dynamic.CreateResult(f"{{outputs['region']}}:{{outputs['project_id']}}:{{outputs['cluster_id']}}",
                                           outputs)

    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> pulumi.dynamic.DiffResult:
        return pulumi.dynamic.DiffResult(changes=False)


class SameOutputs(pulumi.dynamic.Resource):
    def __init__(self, name: str, cluster_id: str) -> None:
        super().__init__(SameOutputsProvider(), name, {{"cluster_id": cluster_id}})


for index, cluster in enumerate(CLUSTERS):
    SameOutputs(f"c{{index}}", cluster)
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


def write_outputs(url: str, count: int, folder: Path) -> Path:
    """The outputs a read of each of the first ``count`` clusters returns, one JSON file each, for the floor
    with outputs; read once, now, from the emulator at ``url``."""
    from pulumi_css_vpcep import read_vpcep_connections

    folder.mkdir(parents=True, exist_ok=True)
    for cluster in clusters(count):
        outputs = read_vpcep_connections(cluster, environ=environ(url)).to_outputs()
        (folder / f"{cluster}.json").write_text(json.dumps(outputs), encoding="utf-8")
    return folder


def write_program(variant: str, count: int, folder: Path, python: Path, outputs: Path) -> Path:
    """A project directory of ``count`` resources of ``variant``, as a user would write it (``outputs``: the
    folder of ``write_outputs``)."""
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
    template = {"floor": _FLOOR_PROGRAM, "floor-outputs": _FLOOR_OUTPUTS_PROGRAM}.get(variant, _DYNAMIC_PROGRAM)
    program = template.format(clusters=json.dumps(ids), outputs=str(outputs))
    (project / "__main__.py").write_text(program, encoding="utf-8")
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


def run_once(engine: Engine, project: Path, stack: str) -> list[float]:
    """One run of a variant on a fresh stack: the seconds of each of ``STEPS``, in order."""
    (engine.root / "state").mkdir(parents=True, exist_ok=True)
    engine.cli("stack", "init", stack, cwd=project)
    try:
        seconds = [engine.cli("up", "--yes", "--skip-preview", cwd=project)]
        for extra_env in ({}, PARALLEL_DIFF):
            seconds += [
                engine.cli("up", "--yes", "--skip-preview", "--expect-no-changes", cwd=project, extra_env=extra_env),
                engine.cli("preview", "--expect-no-changes", cwd=project, extra_env=extra_env),
            ]
        return seconds
    finally:
        engine.cli("stack", "rm", "--yes", "--force", stack, cwd=project)


@dataclass(frozen=True)
class Calls:
    """The engine's calls of one provider method in one command, from its trace."""

    count: int
    at_once: int
    """The most calls in flight at the same time: 1 when the engine makes them one after another."""
    summed: float
    """Their durations added up, in seconds: the wall time they take when ``at_once`` is 1."""
    per_call: float
    """The median duration, in seconds."""


def traced_calls(trace: Path, method: str) -> Calls:
    """The engine's (``pulumi-cli``'s) client calls of ``pulumirpc.ResourceProvider/<method>`` in an
    OpenTelemetry trace that ``pulumi --otel-traces file://...`` wrote (one JSON export request a line)."""
    spans: list[tuple[float, float]] = []
    for line in trace.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        for resource_spans in json.loads(line).get("resourceSpans", []):
            attributes = resource_spans.get("resource", {}).get("attributes", [])
            service = {a["key"]: a["value"].get("stringValue") for a in attributes}.get("service.name")
            if service != "pulumi-cli":
                continue
            for scope in resource_spans.get("scopeSpans", []):
                spans += [
                    (int(span["startTimeUnixNano"]) / 1e9, int(span["endTimeUnixNano"]) / 1e9)
                    for span in scope.get("spans", [])
                    if span["name"] == f"pulumirpc.ResourceProvider/{method}" and span.get("kind") == 3  # client
                ]
    if not spans:
        return Calls(0, 0, 0.0, 0.0)
    in_flight = at_once = 0
    # Ends sort before starts at the same instant: a call that starts as another ends does not overlap it.
    for _, change in sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans]):
        in_flight += change
        at_once = max(at_once, in_flight)
    durations = [end - start for start, end in spans]
    return Calls(len(spans), at_once, sum(durations), median(durations))


@dataclass(frozen=True)
class Profile:
    """Where one traced no-change ``pulumi up`` of a variant spent its provider calls."""

    count: int
    variant: str
    parallel_diff: bool
    wall: float
    diff: Calls
    check: Calls


def profile_once(engine: Engine, project: Path, count: int, variant: str) -> list[Profile]:
    """A no-change ``up`` of ``variant``, traced, with diffs one at a time and then in parallel."""
    traces = engine.root / "traces"
    traces.mkdir(exist_ok=True)
    engine.cli("stack", "init", "traced", cwd=project)
    try:
        engine.cli("up", "--yes", "--skip-preview", cwd=project)
        profiles: list[Profile] = []
        for extra_env in ({}, PARALLEL_DIFF):
            trace = traces / f"{variant}-{count}-{len(profiles)}.json"
            wall = engine.cli("up", "--yes", "--skip-preview", "--expect-no-changes", f"--otel-traces=file://{trace}",
                              cwd=project, extra_env=extra_env)
            profiles.append(Profile(count, variant, bool(extra_env), wall, traced_calls(trace, "Diff"),
                                    traced_calls(trace, "Check")))
        return profiles
    finally:
        engine.cli("stack", "rm", "--yes", "--force", "traced", cwd=project)


@dataclass
class EngineTimes:
    """Seconds of each step, by variant, for one count of resources: ``times[variant][step]`` is a list
    of runs, and run ``i`` of every variant ran in the same round; ``profiles``: the traced runs."""

    count: int
    times: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    profiles: list[Profile] = field(default_factory=list)

    def add(self, variant: str, steps: list[float]) -> None:
        per_step = self.times.setdefault(variant, {step: [] for step in STEPS})
        for step, seconds in zip(STEPS, steps, strict=True):
            per_step[step].append(seconds)

    def ratios(self, variant: str, step: str, floor: str = "floor") -> list[float]:
        """Each run's time over the floor's of the same round."""
        return [t / f for t, f in zip(self.times[variant][step], self.times[floor][step], strict=True)]

    def ratio(self, variant: str, step: str, floor: str = "floor") -> float:
        """The median time over the floor's median time."""
        return median(self.times[variant][step]) / median(self.times[floor][step])


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
        outputs = write_outputs(url, max(counts), engine.root / "outputs")
        for count in counts:
            projects = {
                variant: write_program(variant, count, engine.root / "projects", interpreter.python, outputs)
                for variant in VARIANTS
            }
            if count == counts[0]:
                for variant in VARIANTS:  # warm the file cache and the interpreters' bytecode
                    run_once(engine, projects[variant], "warm")
            result = EngineTimes(count)
            for run in range(runs):
                for turn in range(len(VARIANTS)):
                    variant = VARIANTS[(run + turn) % len(VARIANTS)]
                    result.add(variant, run_once(engine, projects[variant], f"run{run}"))
                    print(f"  {count} reads, run {run + 1}/{runs}: {variant} done", file=sys.stderr, flush=True)
            for variant in VARIANTS:
                result.profiles += profile_once(engine, projects[variant], count, variant)
            results.append(result)
    return results


def _cell(values: list[float]) -> str:
    return f"{median(values) * 1000:,.0f} ms ({min(values) * 1000:,.0f}-{max(values) * 1000:,.0f})"


def _ratio_cell(result: EngineTimes, variant: str, step: str, floor: str) -> str:
    each = result.ratios(variant, step, floor)
    return f"**{result.ratio(variant, step, floor):.2f}x** ({min(each):.2f}-{max(each):.2f})"


def table(measured: list[EngineTimes] | str) -> str:
    if isinstance(measured, str):
        return f"SKIPPED: {measured}."
    runs = len(measured[0].times["floor"]["create"])
    header = [LABELS["floor"], LABELS["floor-outputs"]]
    for face in FACES:
        header += [LABELS[face], "/ floor", "/ floor with outputs"]
    lines = [
        f"Whole `pulumi` processes, the {len(VARIANTS)} variants in turn, {runs} runs each; median (min-max). "
        "Ratio: the median over the floor's median (each run over the floor's run of the same round, min-max). "
        "20 ms a request; clusters of 5 to 24 connections; project id looked up through IAM. \"parallel diff\": "
        "the same command with `PULUMI_PARALLEL_DIFF=true`.",
        "",
        "| reads | step | " + " | ".join(header) + " |",
        "|---:|---|" + "---:|" * len(header),
    ]
    missed: dict[str, list[str]] = {floor: [] for floor in FLOORS}
    for result in measured:
        for step in STEPS:
            cells = [_cell(result.times[floor][step]) for floor in FLOORS]
            for face in FACES:
                cells.append(_cell(result.times[face][step]))
                for floor in FLOORS:
                    cells.append(_ratio_cell(result, face, step, floor))
                    ratio = result.ratio(face, step, floor)
                    if ratio > TARGET and "parallel" not in step:
                        missed[floor].append(f"{result.count} reads, {step}, {face}: {ratio:.2f}x")
            lines.append(f"| {result.count} | {step} | " + " | ".join(cells) + " |")
    for floor in FLOORS:
        lines += [
            "",
            f"Each face within {TARGET:g}x the {LABELS[floor]} at every step the engine runs by default: "
            + ("met." if not missed[floor] else "MISSED (" + "; ".join(missed[floor]) + ")."),
        ]
    return "\n".join([*lines, "", profile_table(measured)])


def profile_table(measured: list[EngineTimes]) -> str:
    """The traced no-change runs: the engine's ``Diff`` and ``Check`` calls of each variant."""
    lines = [
        "Where a no-change `pulumi up` spends its provider calls: one more traced run of each variant "
        "(`--otel-traces`), the engine's client calls to the provider. \"at once\": the most calls in flight "
        "together (1: one after another, so their summed time is wall time).",
        "",
        "| reads | variant | diffs | `up` | Diff calls | at once | Diff time, summed | per call (median) "
        "| Check time, summed |",
        "|---:|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for result in measured:
        for p in result.profiles:
            lines.append(
                f"| {p.count} | {LABELS[p.variant]} | {'parallel' if p.parallel_diff else 'one at a time'} "
                f"| {p.wall * 1000:,.0f} ms | {p.diff.count} | {p.diff.at_once} | {p.diff.summed * 1000:,.0f} ms "
                f"| {p.diff.per_call * 1000:.1f} ms | {p.check.summed * 1000:,.0f} ms |"
            )
    return "\n".join(lines)
