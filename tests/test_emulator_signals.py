"""Stopping ``css-vpcep emulator``: Ctrl-C and SIGTERM end it and the command it runs, cleanly.

A terminal's Ctrl-C sends SIGINT to the whole foreground process group; a ``kill`` sends it to one
process. Both are sent here for real, to an emulator in its own session.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator

import pytest

from tests.emulator_process import EmulatorProcess

pytestmark = pytest.mark.timeout(60)

SLEEPER = [sys.executable, "-c", "import time; time.sleep(30)"]
"""A command that outlives any test unless it is stopped."""
OWN_HANDLER = [
    sys.executable, "-c",
    "import signal, sys, time\n"
    "signal.signal(signal.SIGINT, lambda *_: sys.exit(7))\n"
    "print('ready', flush=True)\n"
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


def test_ctrl_c_ends_the_emulator_and_its_command_with_130(running: list[EmulatorProcess]) -> None:
    emulator = start(running, "--", *SLEEPER)
    emulator.wait_until_serving()
    emulator.signal(signal.SIGINT, group=True)
    code, stderr = emulator.finish()
    assert code == 130
    assert_clean(stderr)
    assert emulator.group_is_empty()


def test_sigint_to_the_emulator_alone_is_passed_on_to_its_command(running: list[EmulatorProcess]) -> None:
    emulator = start(running, "--", *SLEEPER)
    emulator.wait_until_serving()
    emulator.signal(signal.SIGINT, group=False)
    code, stderr = emulator.finish()
    assert code == 130
    assert_clean(stderr)
    assert emulator.group_is_empty()


def test_sigterm_to_the_emulator_ends_its_command(running: list[EmulatorProcess]) -> None:
    emulator = start(running, "--", *SLEEPER)
    emulator.wait_until_serving()
    emulator.signal(signal.SIGTERM, group=False)
    code, stderr = emulator.finish()
    assert code == 128 + signal.SIGTERM
    assert_clean(stderr)
    assert emulator.group_is_empty()


def test_a_command_that_handles_ctrl_c_gives_its_own_exit_status(running: list[EmulatorProcess]) -> None:
    emulator = start(running, "--", *OWN_HANDLER)
    emulator.wait_until_serving()
    assert emulator.line(emulator.stdout) == "ready"
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
