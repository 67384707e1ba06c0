"""``css-vpcep emulator`` in its own process and session, as a user or a pipeline runs it."""

from __future__ import annotations

import os
import queue
import shlex
import signal
import subprocess
import sys
import threading
from typing import IO

TIMEOUT = 30.0
"""The longest any step waits: starting, answering a signal, exiting."""


class EmulatorProcess:
    """``css-vpcep emulator ARGS`` in a new session: its own process group, and no terminal.

    Its stdout and stderr are read line by line as they come, so a test can wait for a line while the
    emulator runs.
    """

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pulumi_css_vpcep._cli", "emulator", *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={"PATH": os.environ.get("PATH", "")},
            start_new_session=True,
        )
        assert self.process.stdout is not None
        assert self.process.stderr is not None
        self._commands: list[int] = []
        self.stdout: queue.Queue[str | None] = queue.Queue()
        self.stderr: queue.Queue[str | None] = queue.Queue()
        self._readers = [
            threading.Thread(target=_pump, args=(self.process.stdout, self.stdout), daemon=True),
            threading.Thread(target=_pump, args=(self.process.stderr, self.stderr), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def line(self, lines: queue.Queue[str | None]) -> str:
        """The next line of ``self.stdout`` or ``self.stderr``, without its newline."""
        line = lines.get(timeout=TIMEOUT)
        assert line is not None, f"the emulator ended (exit {self.process.poll()}) without writing that line"
        return line.rstrip("\n")

    def wait_until_serving(self) -> None:
        """Wait for the ``serving on URL`` line that ``-- COMMAND`` mode writes before it runs the command."""
        line = self.line(self.stderr)
        assert "serving on http://127.0.0.1:" in line, line

    def read_exports(self) -> tuple[dict[str, str], list[str]]:
        """The ``export NAME=VALUE`` lines a lone emulator prints on stderr, and the read it suggests."""
        exports: dict[str, str] = {}
        while True:
            line = self.line(self.stderr).strip()
            if line.startswith("export "):
                name, _, value = line.removeprefix("export ").partition("=")
                exports[name] = shlex.split(value)[0]
            elif line.startswith("css-vpcep connections"):
                return exports, shlex.split(line)

    def signal(self, signum: int, *, group: bool) -> None:
        """Send ``signum`` to the emulator's whole process group, as a terminal's Ctrl-C does, or to it alone."""
        if group:
            os.killpg(self.process.pid, signum)
        else:
            self.process.send_signal(signum)

    def finish(self) -> tuple[int, str]:
        """Wait for the emulator to exit; return its exit code and everything it wrote on stderr that was not read."""
        code = self.process.wait(timeout=TIMEOUT)
        for reader in self._readers:
            reader.join(timeout=TIMEOUT)
        return code, "".join(iter(self.stderr.get_nowait, None))

    def command_pid(self) -> int:
        """The process id that the emulator's command prints as its first line (see ``tests`` commands)."""
        pid = int(self.line(self.stdout))
        self._commands.append(pid)
        return pid

    def close(self) -> None:
        """End the emulator and the commands it ran, if any is left, and wait for the emulator."""
        for pid in [self.process.pid, *self._commands]:
            if is_running(pid):
                os.kill(pid, signal.SIGKILL)
        self.process.wait(timeout=TIMEOUT)


def is_running(pid: int) -> bool:
    """Whether process ``pid`` still exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _pump(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)
    stream.close()
