"""The package installed as a user installs it (a wheel, not the editable checkout), in a scratch venv.

The whole-process benchmark times the command as a pipeline runs it. An editable install imports the
package through a finder hook from the checkout, which is not what users run. Here the wheel is built
from the checkout and installed, without its dependencies, into a throw-away venv whose
``site-packages`` also sees this environment's (for httpx, pydantic and the official SDK), so nothing
is downloaded.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Interpreter:
    """Where the benchmark's processes come from."""

    python: Path
    """The Python that runs every script of the benchmark."""
    command: Path
    """The ``css-vpcep`` command."""
    installed: bool
    """True: the package is a wheel installed into a scratch venv; False: the editable checkout."""


def _run(*args: str | Path, cwd: str) -> str:
    # Away from the checkout and without PYTHONPATH, so pip sees no copy of the package but the wheel.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([str(a) for a in args], check=True, capture_output=True, text=True, timeout=300, cwd=cwd,
                          env=env)
    return done.stdout


@contextmanager
def installed_package(source: Path = REPOSITORY) -> Iterator[Interpreter]:
    """A scratch venv with the package's wheel (built from ``source``) installed; this environment's editable
    copy if that fails."""
    with tempfile.TemporaryDirectory(prefix="css-vpcep-bench-") as tmp:
        scratch = Path(tmp) / "venv"
        try:
            _run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", tmp, source, cwd=tmp)
            wheel = next(Path(tmp).glob("pulumi_css_vpcep-*.whl"))
            _run(sys.executable, "-m", "venv", "--without-pip", scratch, cwd=tmp)
            python = scratch / "bin" / "python"
            _run(sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", wheel, cwd=tmp)
            site = _run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=tmp).strip()
            # A plain path line: this environment's packages, without running its .pth files (so
            # without the editable finder of the checkout).
            Path(site, "bench-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
        except (subprocess.SubprocessError, OSError, StopIteration) as exc:
            print(f"(could not install the wheel into a scratch venv, timing the editable checkout: {exc})",
                  file=sys.stderr)
            yield Interpreter(Path(sys.executable), Path(sys.executable).with_name("css-vpcep"), installed=False)
            return
        yield Interpreter(python, scratch / "bin" / "css-vpcep", installed=True)
