"""Stopping ``css-vpcep emulator``: Ctrl-C and SIGTERM end it and the command it runs, cleanly.

A terminal's Ctrl-C sends SIGINT to the whole foreground process group; a ``kill`` sends it to one
process. Both are sent here for real, to an emulator in its own session (with no terminal). Each
command prints its process id first, so a test can see that it is gone.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import socket
import subprocess
import sys
import termios
import time
from collections.abc import Iterator

import pytest

from tests.emulator_process import TIMEOUT, EmulatorProcess, is_running

pytestmark = pytest.mark.timeout(60)

SLEEPER = [
    sys.executable, "-c",
    "import os, signal, time\n"
    "signal.signal(signal.SIGINT, signal.SIG_DFL)\n"
    "print(os.getpid(), flush=True)\n"
    "time.sleep(30)",
]
"""A command that outlives any test unless a signal ends it, as ``sleep 30`` does."""
OWN_HANDLER = [
    sys.executable, "-c",
    "import os, signal, sys, time\n"
    "signal.signal(signal.SIGINT, lambda *_: sys.exit(7))\n"
    "print(os.getpid(), flush=True)\n"
    "time.sleep(30)",
]
"""A command that answers Ctrl-C with its own exit status, 7."""


@pytest.fixture
def running() -> Iterator[list[EmulatorProcess]]:
    """Emulator processes started by a test; whatever is left of them is ended afterwards."""
    started: list[EmulatorProcess] = []
    yield started
    for emulator in started:
        emulator.close()


def start(running: list[EmulatorProcess], *args: str) -> EmulatorProcess:
    emulator = EmulatorProcess(*args)
    running.append(emulator)
    return emulator


def assert_clean(stderr: str) -> None:
    assert "Traceback" not in stderr
    assert "Task was destroyed" not in stderr
    assert "KeyboardInterrupt" not in stderr
    assert "CancelledError" not in stderr
    assert "never retrieved" not in stderr


SIGNALS = {
    "ctrl-c to the group": (signal.SIGINT, True),
    "sigint to the emulator alone": (signal.SIGINT, False),
    "sigterm to the group": (signal.SIGTERM, True),
    "sigterm to the emulator alone": (signal.SIGTERM, False),
}


@pytest.mark.parametrize(("signum", "group"), list(SIGNALS.values()), ids=list(SIGNALS))
def test_a_signal_ends_the_emulator_and_its_command_with_128_plus_its_number(
    running: list[EmulatorProcess], signum: int, group: bool
) -> None:
    emulator = start(running, "--", *SLEEPER)
    emulator.wait_until_serving()
    command = emulator.command_pid()
    emulator.signal(signum, group=group)
    code, stderr = emulator.finish()
    assert code == 128 + signum  # 130 for Ctrl-C
    assert_clean(stderr)
    assert not is_running(command)


def test_a_command_that_handles_ctrl_c_gives_its_own_exit_status(running: list[EmulatorProcess]) -> None:
    emulator = start(running, "--", *OWN_HANDLER)
    emulator.wait_until_serving()
    emulator.command_pid()
    emulator.signal(signal.SIGINT, group=True)
    code, stderr = emulator.finish()
    assert code == 7
    assert_clean(stderr)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_lone_emulator_stops_cleanly_on_a_signal(running: list[EmulatorProcess], signum: int) -> None:
    emulator = start(running)
    assert emulator.line(emulator.stdout).startswith("http://127.0.0.1:")
    emulator.read_exports()
    emulator.signal(signum, group=True)
    code, stderr = emulator.finish()
    assert code == 0
    assert_clean(stderr)


def test_ctrl_c_with_a_dropped_request_and_a_connection_left_open_stops_cleanly(
    running: list[EmulatorProcess],
) -> None:
    emulator = start(running)
    url = emulator.line(emulator.stdout)
    emulator.read_exports()
    address = ("127.0.0.1", int(url.rsplit(":", 1)[1]))
    faults = b'[{"kind": "drop", "times": 1}]'
    assert exchange(address, b"POST /_emulator/faults", faults).startswith(b"HTTP/1.1 200")
    assert exchange(address, b"GET /v1.0/p/clusters/c/vpcepservice/connections") == b""  # dropped
    with socket.create_connection(address, timeout=TIMEOUT) as idle:  # kept alive as Ctrl-C comes
        idle.sendall(b"GET /_emulator/requests HTTP/1.1\r\nHost: emulator\r\n\r\n")
        assert idle.recv(65536).startswith(b"HTTP/1.1 200")
        emulator.signal(signal.SIGINT, group=True)
        code, stderr = emulator.finish()
    assert code == 0
    assert_clean(stderr)


def exchange(address: tuple[str, int], request_line: bytes, body: bytes = b"") -> bytes:
    """The start of the answer to one request on a connection of its own, or b"" if it was dropped."""
    with socket.create_connection(address, timeout=TIMEOUT) as connection:
        connection.sendall(
            request_line + b" HTTP/1.1\r\nHost: emulator\r\nConnection: close\r\n"
            + b"Content-Length: %d\r\n\r\n" % len(body) + body
        )
        try:
            return connection.recv(65536)
        except ConnectionResetError:
            return b""


COUNTER = [
    sys.executable, "-c",
    "import os, signal, sys, time\n"
    "seen = []\n"
    "def interrupted(*_):\n"
    "    seen.append(1)\n"
    "    print('interrupt', len(seen), flush=True)\n"
    "    if len(seen) == 1:\n"
    "        time.sleep(0.5)\n"
    "        sys.exit(7)\n"
    "signal.signal(signal.SIGINT, interrupted)\n"
    "print('ready', flush=True)\n"
    "time.sleep(30)",
]
"""A command that counts the Ctrl-Cs it gets, and exits 7 half a second after the first."""


def take_terminal() -> None:
    """In the new session's leader: make its standard input, a terminal, the session's terminal."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def test_a_terminals_ctrl_c_reaches_the_command_once() -> None:
    primary, secondary = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "pulumi_css_vpcep._cli", "emulator", "--", *COUNTER],
        stdin=secondary, stdout=secondary, stderr=secondary, start_new_session=True, preexec_fn=take_terminal,
    )
    os.close(secondary)
    try:
        output = read_terminal(primary, until=b"ready")
        os.write(primary, b"\x03")
        output += read_terminal(primary, until=None)
        assert process.wait(timeout=TIMEOUT) == 7
    finally:
        os.close(primary)
        if process.poll() is None:
            process.kill()
    assert b"interrupt 1" in output
    assert b"interrupt 2" not in output
    assert b"Traceback" not in output


def read_terminal(primary: int, until: bytes | None) -> bytes:
    """What the terminal shows, up to ``until`` or until every process closes it."""
    output = b""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline and (until is None or until not in output):
        ready, _, _ = select.select([primary], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(primary, 4096)
            except OSError:  # every process closed the terminal
                break
            if not chunk:
                break
            output += chunk
    return output
