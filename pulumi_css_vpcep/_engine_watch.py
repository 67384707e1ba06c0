"""A provider process that outlives its engine ends: no orphans on a pipeline's agent.

The engine ends its providers itself when it closes. When ``pulumi`` is killed (a pipeline's hard stop, the
second Ctrl-C's aftermath, an out-of-memory kill), nothing does: each provider runs in a process group of
its own, and a read-only provider has no work left that anyone could ever collect. So each provider process
watches the engine's gRPC address, which answers as long as the engine lives; once it refuses connections,
the process exits. A watch starts only when the address answered at first (a test's made-up address starts
none), and it runs in a daemon thread that keeps no process alive.
"""

from __future__ import annotations

import contextlib
import os
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
