"""A provider process lives as long as its engine needs it: no orphans on a pipeline's agent, and no
plugin gone before the engine lets it go.

The engine ends its providers itself when it closes. When ``pulumi`` is killed (a pipeline's hard stop, the
second Ctrl-C's aftermath, an out-of-memory kill), nothing does: each provider runs in a process group of
its own, and a read-only provider has no work left that anyone could ever collect. So each provider process
watches the engine's gRPC address, which answers as long as the engine lives; once it refuses connections,
the process exits. A watch starts only when the address answered at first (a test's made-up address starts
none), and it runs in a daemon thread that keeps no process alive.

The other way round, a plugin started by a language host (``PulumiPlugin.yaml``) can be killed too early:
``pulumi install`` (Pulumi 3.274) starts it under a context that ends when its installation steps end, and
the Python language host then kills the plugin's process at once, before the engine sends the ``Cancel``
with which it closes a provider; the engine reports the refused ``Cancel`` as "exited prematurely". So the
plugin serves from a process of its own (``serve_apart``): the launched one only waits for it, and the
serving one ends once the launched one is gone *and* the engine has sent its ``Cancel`` (or is gone).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable

INTERVAL = 1.0
"""Seconds between two looks at the engine's address."""

_watched: set[str] = set()
_lock = threading.Lock()


def engine_answers(address: str, timeout: float = 1.0) -> bool | None:
    """Whether the engine at ``address`` accepts a connection: ``False`` when it is refused (nobody listens
    there any more), ``None`` when the look itself failed (a timeout, a malformed address)."""
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        return None
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout):
            return True
    except ConnectionRefusedError:
        return False
    except OSError:
        return None


def _exit_for_gone_engine(address: str) -> None:
    with contextlib.suppress(OSError, ValueError):  # the engine held our stderr: it may be gone with it
        print(f"css-vpcep: the Pulumi engine at {address} is gone; this provider process ends", file=sys.stderr)
    os._exit(1)


def watch_engine(
    address: str | None,
    on_gone: Callable[[str], None] = _exit_for_gone_engine,
    interval: float = INTERVAL,
) -> bool:
    """Watch the engine at ``address`` from a daemon thread and call ``on_gone`` (by default: end this
    process) once it refuses connections. Whether a watch started; one per address and process."""
    if address is None or engine_answers(address) is not True:
        return False
    with _lock:
        if address in _watched:
            return False
        _watched.add(address)

    def watch() -> None:
        while True:
            time.sleep(interval)
            if engine_answers(address) is False:
                on_gone(address)
                return

    threading.Thread(target=watch, name="css-vpcep-engine-watch", daemon=True).start()
    return True


def serve_apart() -> int | None:
    """Go on in a process of its own, forked from the one the engine or a language host started, which waits
    for it and exits as it exits, never returning. In the new process: a file descriptor that reads end of
    file once the started process is gone (killed by its launcher), for the server to decide whether to go on
    (``launcher_gone``). ``None`` where a process cannot fork (Windows): this process serves, as it is.
    Call it before any thread or gRPC channel exists."""
    if not hasattr(os, "fork"):
        return None
    lifeline, held = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(held)
        return lifeline
    # A Ctrl-C or the engine's interrupt reaches the whole process group: the serving process handles it, and
    # this one stays until that one has ended.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _, status = os.waitpid(child, 0)
    code = os.waitstatus_to_exitcode(status)
    os._exit(code if code >= 0 else 128 - code)


def launcher_gone(engine_address: str | None, engine_cancelled: bool) -> bool:
    """Whether a serving process whose started process is gone ends now: when the engine has let it go (its
    ``Cancel``) or no engine answers at ``engine_address``; else it serves on until the engine's ``Cancel``
    or the watch sees the engine go. Either way its standard output and error, pipes its launcher read, now
    go nowhere: the launcher waits for them to close before it reports the plugin closed."""
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.close(devnull)
    return engine_cancelled or engine_address is None or engine_answers(engine_address) is not True
