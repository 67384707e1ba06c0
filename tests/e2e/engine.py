"""The real Pulumi engine, offline: the pinned CLI that ``tools/pulumi/build.sh`` builds, the language
hosts found through ``PULUMI_LANGUAGE_HOSTS``, a ``file://`` backend in a temporary directory, and
nothing that may download a plugin.

Programs run as users run them: ``pulumi up`` in the program's directory, through its language host
(``ProgramStack``). A few cases that vary the program per test run it as an Automation API inline
program (``InlineStack``), which needs no language host; the engine, its plugin loading and the dynamic
provider host are the real CLI's either way.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi import automation as auto

TOOLCHAIN_VARIABLE = "CSS_VPCEP_PULUMI_BIN"
"""The folder holding ``pulumi`` and its bundled plugins; ``make e2e`` sets it."""
HOSTS_VARIABLE = "PULUMI_LANGUAGE_HOSTS"
"""A folder holding ``pulumi-language-python``, ``-nodejs`` and ``-go``: any Pulumi installation's ``bin``."""

PASSPHRASE = "css-vpcep-e2e-passphrase"
VENV_BIN = Path(sys.executable).parent


def toolchain() -> Path | None:
    """The pinned toolchain's folder, when ``make e2e`` (or the caller) has built it."""
    value = os.environ.get(TOOLCHAIN_VARIABLE)
    if not value or not (Path(value) / "pulumi").is_file():
        return None
    return Path(value)


def language_hosts(language: str) -> Path | None:
    """The folder named by ``PULUMI_LANGUAGE_HOSTS``, when it holds the language host of ``language``."""
    value = os.environ.get(HOSTS_VARIABLE)
    if not value or not (Path(value) / f"pulumi-language-{language}").is_file():
        return None
    return Path(value).resolve()


def base_environment(bin_dir: Path, home: Path, backend: Path) -> dict[str, str]:
    """What every engine run gets: offline, a private PULUMI_HOME and backend, no cloud settings.

    The toolchain comes first on PATH, so that the pinned CLI and its plugins are the ones used, then the
    language hosts, then this virtualenv, as an activated one would be. ``PULUMI_PYTHON_CMD`` makes Python
    programs and the dynamic provider host run on this interpreter, where the package is installed.
    """
    hosts = os.environ.get(HOSTS_VARIABLE)
    inherited = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HW_", "HUAWEICLOUD_SDK_", "PULUMI_")) and k not in ("SSL_CERT_FILE", "CLUSTER_ID")
    }
    return {
        **inherited,
        "PATH": os.pathsep.join([str(bin_dir), *([hosts] if hosts else []), str(VENV_BIN), inherited.get("PATH", "")]),
        "PULUMI_HOME": str(home),
        "PULUMI_BACKEND_URL": f"file://{backend}",
        "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        "PULUMI_PYTHON_CMD": sys.executable,
        "PULUMI_ENABLE_LEGACY_DIFF": "false",
    }


@dataclass
class Backend:
    """One ``file://`` backend and PULUMI_HOME in a temporary directory, and the CLI that uses them."""

    bin_dir: Path
    root: Path
    extra_env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        (self.root / "state").mkdir(parents=True, exist_ok=True)
        (self.root / "home").mkdir(parents=True, exist_ok=True)

    @property
    def state_dir(self) -> Path:
        return self.root / "state"

    @property
    def env(self) -> dict[str, str]:
        return {**base_environment(self.bin_dir, self.root / "home", self.state_dir), **self.extra_env}

    def cli(
        self, *args: str, cwd: Path, check: bool = True, env: Mapping[str, str] | None = None, timeout: float = 600
    ) -> subprocess.CompletedProcess[str]:
        """Run the pinned ``pulumi`` with this backend; by default fail the test when it fails."""
        command = [str(self.bin_dir / "pulumi"), *args, "--non-interactive"]
        done = subprocess.run(
            command,
            cwd=cwd,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and done.returncode != 0:
            raise AssertionError(f"{' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
        return done

    def start(self, *args: str, cwd: Path, env: Mapping[str, str] | None = None) -> subprocess.Popen[str]:
        """Start the pinned ``pulumi`` in a process group of its own, as a terminal's foreground job is:
        a signal to the group reaches what a Ctrl-C there reaches. Its output is one text stream."""
        return subprocess.Popen(
            [str(self.bin_dir / "pulumi"), *args, "--non-interactive"],
            cwd=cwd,
            env={**self.env, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )

    def inline_stack(
        self, project: str, stack: str, program: Callable[[], None], env: Mapping[str, str] | None = None
    ) -> InlineStack:
        """A new stack of an Automation API inline program on this backend."""
        work_dir = self.root / "projects" / project
        work_dir.mkdir(parents=True, exist_ok=True)
        options = auto.LocalWorkspaceOptions(
            work_dir=str(work_dir),
            pulumi_home=str(self.root / "home"),
            env_vars={**self.env, **(env or {})},
            project_settings=auto.ProjectSettings(
                name=project, runtime="python", backend=auto.ProjectBackend(f"file://{self.state_dir}")
            ),
            pulumi_command=auto.PulumiCommand(root=str(self.bin_dir.parent)),
        )
        created = auto.create_stack(stack, project_name=project, program=program, opts=options)
        return InlineStack(self, created, work_dir)

    def program_stack(
        self, source: Path, stack: str, env: Mapping[str, str] | None = None, *, name: str | None = None
    ) -> ProgramStack:
        """A new stack of a copy of the program directory ``source``, run by its language host."""
        work_dir = self.root / "projects" / (name or source.name)
        shutil.copytree(source, work_dir, ignore=shutil.ignore_patterns("node_modules", "venv", "sdks"))
        program = ProgramStack(self, work_dir, stack, dict(env or {}))
        program.cli("stack", "init", stack, stack_flag=False)
        return program

    def files_text(self) -> str:
        """Every file under the backend's state directory and PULUMI_HOME, as text (for leak checks)."""
        texts = []
        for path in sorted(self.root.rglob("*")):
            if path.is_file() and "plugins" not in path.parts:
                texts.append(path.read_bytes().decode("utf-8", "replace"))
        return "\n".join(texts)


class StackState:
    """What the CLI tells of a stack's state, whichever way its program runs."""

    def stack_command(self, *args: str) -> str:
        """The standard output of ``pulumi <args>`` on this stack."""
        raise NotImplementedError

    def outputs(self) -> dict[str, Any]:
        """``pulumi stack output --json``, as the CLI prints it."""
        result: dict[str, Any] = json.loads(self.stack_command("stack", "output", "--json"))
        return result

    def export(self, *, show_secrets: bool = False) -> str:
        """``pulumi stack export`` (with ``--show-secrets`` when asked), as the CLI prints it."""
        return self.stack_command("stack", "export", *(["--show-secrets"] if show_secrets else []))

    def resources(self) -> list[dict[str, Any]]:
        """The resources of the stack's checkpoint, from ``pulumi stack export``."""
        resources: list[dict[str, Any]] = json.loads(self.export())["deployment"].get("resources") or []
        return resources

    def resources_of_type(self, type_: str) -> list[dict[str, Any]]:
        return [r for r in self.resources() if r["type"] == type_]


@dataclass
class InlineStack(StackState):
    """A stack whose program runs in this process; the CLI reaches it through the Automation API."""

    backend: Backend
    stack: auto.Stack
    work_dir: Path
    log: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.stack.name

    def set_config(self, key: str, value: str, *, secret: bool = False) -> None:
        self.stack.set_config(key, auto.ConfigValue(value=value, secret=secret))

    def _on_output(self, line: str) -> None:
        self.log.append(line)

    def up(self, **kwargs: Any) -> auto.UpResult:
        return self.stack.up(on_output=self._on_output, color="never", **kwargs)

    def preview(self, **kwargs: Any) -> auto.PreviewResult:
        return self.stack.preview(on_output=self._on_output, color="never", **kwargs)

    def refresh(self, **kwargs: Any) -> auto.RefreshResult:
        return self.stack.refresh(on_output=self._on_output, color="never", **kwargs)

    def destroy(self, **kwargs: Any) -> auto.DestroyResult:
        return self.stack.destroy(on_output=self._on_output, color="never", **kwargs)

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run a stack command of the CLI itself (``stack output``, ``stack export``) on this stack."""
        return self.backend.cli(*args, "--stack", self.name, cwd=self.work_dir, check=check)

    def stack_command(self, *args: str) -> str:
        return self.cli(*args).stdout



@dataclass
class Run:
    """What one CLI command printed."""

    stdout: str
    stderr: str

    @property
    def text(self) -> str:
        return self.stdout + self.stderr


@dataclass
class ProgramStack(StackState):
    """A stack of a program in its own directory, as a user runs it: ``pulumi up`` there, through the
    program's language host. A failed command raises ``auto.CommandError``, as the Automation API does."""

    backend: Backend
    work_dir: Path
    name: str
    env: dict[str, str] = field(default_factory=dict)

    def cli(self, *args: str, stack_flag: bool = True, timeout: float = 600) -> Run:
        """Run ``pulumi`` in the program's directory on this stack; raise ``auto.CommandError`` on failure."""
        stack = ["--stack", self.name] if stack_flag else []
        done = self.backend.cli(*args, *stack, cwd=self.work_dir, check=False, env=self.env, timeout=timeout)
        if done.returncode != 0:
            raise auto.CommandError(auto.CommandResult(done.stdout, done.stderr, done.returncode))
        return Run(done.stdout, done.stderr)

    def stack_command(self, *args: str) -> str:
        return self.cli(*args).stdout

    def set_config(self, key: str, value: str, *, secret: bool = False) -> None:
        self.cli("config", "set", key, value, "--secret" if secret else "--plaintext")

    def up(self, *flags: str) -> Run:
        return self.cli("up", "--yes", "--skip-preview", "--color", "never", *flags)

    def preview(self, *flags: str) -> Run:
        return self.cli("preview", "--color", "never", *flags)

    def refresh(self, *flags: str) -> Run:
        return self.cli("refresh", "--yes", "--color", "never", *flags)

    def destroy(self, *flags: str) -> Run:
        return self.cli("destroy", "--yes", "--skip-preview", "--color", "never", *flags)

