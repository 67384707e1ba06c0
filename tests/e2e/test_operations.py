"""When things go wrong under the real CLI: Ctrl-C and a pipeline's cancel, a killed ``pulumi``, a bounded read,
the function's refusal, and stacks written by an earlier release.

Every case runs a program in its own directory through its language host, as a user runs it: a Python
program (the dynamic resource) or a YAML program (the plugin, found on PATH). A service that stops answering
is the emulator holding every answer for an hour. A terminal's Ctrl-C is SIGINT to the process group of
``pulumi`` (which started in a session of its own); a pipeline's cancel is SIGINT to ``pulumi`` alone.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pulumi_css_vpcep.emulator import SAMPLE_CLUSTER_ID, Emulator
from pulumi_css_vpcep.emulator._faults import Fault
from tests.e2e.engine import Backend

PROGRAMS = Path(__file__).parent / "programs"
STATES = Path(__file__).parent / "states"
HELD = Fault(kind="delay", delay=3600.0)
"""Every CSS answer held for an hour: a service that stopped answering."""
CANCELLED = (
    r"error: read of cluster \S+ cancelled: the Pulumi engine is stopping the run \(Ctrl-C or a pipeline's cancel\)$"
)
PROVIDER_PROCESSES = ("-m pulumi.dynamic", "pulumi-resource-css-vpcep")

pytestmark = pytest.mark.timeout(600)


@dataclass
class Program:
    """A copy of one of ``programs/`` as stack ``dev``, with the emulator's settings in its environment."""

    backend: Backend
    work_dir: Path
    env: dict[str, str]

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.backend.cli(*args, cwd=self.work_dir, env=self.env, check=check)

    def start(self, *args: str) -> subprocess.Popen[str]:
        return self.backend.start(*args, cwd=self.work_dir, env=self.env)

    def export(self) -> dict[str, Any]:
        exported: dict[str, Any] = json.loads(self.cli("stack", "export").stdout)
        return exported

    def pending_operations(self) -> list[Any]:
        return list(self.export()["deployment"].get("pending_operations") or [])

    def outputs(self) -> dict[str, Any]:
        result: dict[str, Any] = json.loads(self.cli("stack", "output", "--json").stdout)
        return result


def new_program(backend: Backend, emulator: Emulator, name: str, **config: str) -> Program:
    work_dir = backend.root / "projects" / name
    shutil.copytree(PROGRAMS / name, work_dir)
    program = Program(backend, work_dir, emulator.environ())
    program.cli("stack", "init", "dev")
    for key, value in config.items():
        program.cli("config", "set", key, value)
    return program


@pytest.fixture
def python_reads(backend: Backend, emulator: Emulator, python_host: Path) -> Program:
    """Four ``VpcepConnections`` of the sample cluster in a Python program."""
    return new_program(backend, emulator, "python-reads", clusterId=SAMPLE_CLUSTER_ID)


@pytest.fixture
def yaml_reads(backend: Backend, emulator: Emulator) -> Program:
    """Four plugin resources of the sample cluster in a YAML program."""
    return new_program(backend, emulator, "yaml-reads")


def _children(pid: int) -> dict[int, str]:
    """The processes descended from ``pid``, by pid, with their command lines."""
    parents: dict[int, int] = {}
    commands: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            commands[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: dict[int, str] = {}
    wanted = {pid}
    while True:
        more = {child for child, parent in parents.items() if parent in wanted and child not in found}
        if not more:
            return found
        for child in more:
            found[child] = commands.get(child, "")
        wanted |= more


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@dataclass
class Interrupted:
    """What one signalled run did: how long ``pulumi`` took to exit after the signal, and what it printed."""

    seconds: float
    returncode: int
    text: str
    providers: dict[int, str]
    """The provider processes of the run, as they were when the signal was sent."""
    children: dict[int, str]
    """Every process of the run then (the language hosts and the program too)."""


@pytest.fixture
def held(emulator: Emulator) -> Iterator[Emulator]:
    emulator.state.set_faults([HELD])
    yield emulator
    emulator.state.set_faults([])


def signalled(program: Program, emulator: Emulator, command: list[str], to: str, reads: int = 4) -> Interrupted:
    """Start ``pulumi <command>``, wait until ``reads`` reads are held by the service, then send the signal
    (``group``: a terminal's Ctrl-C; ``pulumi``: a pipeline's cancel; ``kill``: SIGKILL to ``pulumi``)."""
    process = program.start(*command)
    try:
        waited = time.monotonic()
        while emulator.state.in_flight < reads:
            assert process.poll() is None, process.communicate()[0]
            assert time.monotonic() - waited < 120, f"only {emulator.state.in_flight} reads in flight"
            time.sleep(0.05)
        children = _children(process.pid)
        providers = {pid: line for pid, line in children.items() if any(name in line for name in PROVIDER_PROCESSES)}
        sent = time.monotonic()
        if to == "group":
            os.killpg(process.pid, signal.SIGINT)
        elif to == "pulumi":
            process.send_signal(signal.SIGINT)
        else:
            process.kill()
        text, _ = process.communicate(timeout=60)
        return Interrupted(time.monotonic() - sent, process.returncode, text, providers, children)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()


# Cancel


@pytest.mark.parametrize(
    ("face", "command", "to"),
    [
        ("python", "up", "group"),
        ("yaml", "up", "pulumi"),
        ("python", "refresh", "pulumi"),
        ("yaml", "preview", "group"),
    ],
    ids=["python-up-ctrl-c", "yaml-up-pipeline-cancel", "python-refresh-pipeline-cancel", "yaml-preview-ctrl-c"],
)
def test_a_cancel_ends_the_reads_in_flight_and_pulumi_within_seconds_leaving_nothing_pending(
    request: pytest.FixtureRequest, emulator: Emulator, face: str, command: str, to: str
) -> None:
    program: Program = request.getfixturevalue(f"{face}_reads")
    if command != "up":
        program.cli("up", "--yes", "--skip-preview")  # refresh and preview read what the stack holds
    emulator.state.set_faults([HELD])
    flags = {"up": ["--yes", "--skip-preview"], "refresh": ["--yes", "--skip-preview"], "preview": []}[command]

    # A preview diffs one resource at a time (the engine's default), so one read is held; waiting for 4 waited
    # out that read's 30 s answer timeout three times, for its retries (95 s measured).
    reads = 1 if command == "preview" else 4

    run = signalled(program, emulator, [command, *flags, "--color", "never"], to, reads)

    print(f"{face} {command}, SIGINT to {to}: exit {run.returncode} after {run.seconds:.2f} s")
    assert run.seconds < 5, run.text
    assert run.returncode != 0
    assert re.search(CANCELLED, run.text, re.MULTILINE), run.text
    emulator.state.set_faults([])
    assert program.pending_operations() == []
    program.cli("up", "--yes", "--skip-preview")
    assert program.outputs()["total_counts" if face == "python" else "totalCounts"] == [3, 3, 3, 3]


# No orphans


@pytest.mark.parametrize("face", ["python", "yaml"])
def test_after_pulumi_is_killed_mid_read_no_provider_process_of_the_run_is_left(
    request: pytest.FixtureRequest, held: Emulator, face: str
) -> None:
    program: Program = request.getfixturevalue(f"{face}_reads")

    run = signalled(program, held, ["up", "--yes", "--skip-preview"], "kill")

    assert run.providers, "no provider process was found while the reads were held"
    waited = time.monotonic()
    while any(_alive(pid) for pid in run.providers) and time.monotonic() - waited < 10:
        time.sleep(0.1)
    left = {pid: line for pid, line in run.providers.items() if _alive(pid)}
    print(f"{face}: provider processes ended {time.monotonic() - waited:.2f} s after the kill")
    for pid in run.children:  # Pulumi's own language hosts outlive a killed `pulumi`: none is left here
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
    assert left == {}
    # What a killed `pulumi` leaves for a read-only resource, and how docs/reads.md says to clear it.
    program.cli("cancel", "--yes", check=False)
    if program.pending_operations():
        program.cli("refresh", "--yes", "--skip-preview", "--clear-pending-creates")
    held.state.set_faults([])
    program.cli("up", "--yes", "--skip-preview")


# One line


def test_the_functions_refusal_is_one_line_through_the_python_host(backend: Backend, emulator: Emulator,
                                                                    python_host: Path) -> None:
    program = new_program(backend, emulator, "python-reads", clusterId="no-such-cluster", count="0", function="true")

    done = program.cli("up", "--yes", "--skip-preview", "--color", "never", check=False)

    text = done.stdout + done.stderr
    assert done.returncode != 0
    line = r"error: cluster no-such-cluster: HTTP 403 CSS\.0015: .*\(request id [0-9a-f-]{8,}\)$"
    assert re.search(line, text, re.MULTILINE), text
    assert "Traceback" not in text
    assert "unhandled exception" not in text


# Bounding a read


def test_a_plugin_resources_custom_timeouts_bound_its_read(backend: Backend, held: Emulator) -> None:
    program = new_program(backend, held, "yaml-reads")
    text = (program.work_dir / "Pulumi.yaml").read_text()
    # Only read1, whose create may take 3 s.
    bounded = text.replace("  read1:\n", "  read1:\n    options:\n      customTimeouts:\n        create: 3s\n", 1)
    head, rest = bounded.split("  read0:\n", 1)
    read1 = "  read1:\n" + rest.split("  read1:\n", 1)[1].split("  read2:\n", 1)[0]
    (program.work_dir / "Pulumi.yaml").write_text(head + read1 + "outputs: {}\n")
    started = time.monotonic()

    done = program.cli("up", "--yes", "--skip-preview", "--color", "never", check=False)

    seconds = time.monotonic() - started
    text = done.stdout + done.stderr
    print(f"a read bounded by customTimeouts create: 3s failed the up after {seconds:.1f} s")
    assert done.returncode != 0
    assert re.search(r"read1 \*\*creating failed\*\* error: .*; the read's deadline of 3 s has passed$", text,
                     re.MULTILINE), text
    assert seconds < 30, text


@pytest.mark.parametrize("face", ["resource", "function"])
def test_css_vpcep_read_timeout_bounds_a_python_programs_reads(
    backend: Backend, held: Emulator, python_host: Path, face: str
) -> None:
    count, function = ("1", "false") if face == "resource" else ("0", "true")
    program = new_program(backend, held, "python-reads", clusterId=SAMPLE_CLUSTER_ID, count=count, function=function)
    program.cli("config", "set", "css-vpcep:readTimeout", "3s")
    started = time.monotonic()

    done = program.cli("up", "--yes", "--skip-preview", "--color", "never", check=False)

    text = done.stdout + done.stderr
    assert done.returncode != 0
    assert re.search(r"error: .*the read's deadline of 3 s has passed$", text, re.MULTILINE), text
    assert time.monotonic() - started < 60, text


# Existing stacks


@pytest.mark.parametrize("name", ["python-reads", "yaml-reads"])
def test_a_stack_written_by_the_last_release_previews_refreshes_and_updates_with_todays_code(
    request: pytest.FixtureRequest, backend: Backend, emulator: Emulator, name: str
) -> None:
    # states/: `pulumi stack export` of each program's stack as the release at commit 320b35b wrote it
    # (states/record.py), against an emulator on another port than today's.
    config = {"clusterId": SAMPLE_CLUSTER_ID, "count": "2"} if name == "python-reads" else {}
    if config:
        request.getfixturevalue("python_host")
    program = new_program(backend, emulator, name, **config)
    program.cli("stack", "import", "--file", str(STATES / f"{name}.json"))
    recorded = {r["outputs"]["endpoint"] for r in program.export()["deployment"]["resources"] if "outputs" in r
                and "endpoint" in r["outputs"]}
    assert recorded
    assert emulator.url not in recorded

    program.cli("preview", "--expect-no-changes")
    program.cli("refresh", "--yes", "--skip-preview")
    program.cli("up", "--yes", "--skip-preview", "--expect-no-changes")

    reads = [r["outputs"] for r in program.export()["deployment"]["resources"] if "endpoint" in r.get("outputs", {})]
    assert [read["endpoint"] for read in reads] == [emulator.url] * len(reads)
    assert {int(read.get("total_count", read.get("totalCount", 0))) for read in reads} == {3}
