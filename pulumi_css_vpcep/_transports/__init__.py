"""The transport: httpx sends one signed GET and hands back an ``Answer`` or a ``NetworkFailure``, nothing more.

``httpx_pool`` holds the clients: ``ConnectionPool`` (async, the caller's, kept as long as it likes: the
plugin keeps one per process) and ``KEPT`` (sync, this process's, so that sequential synchronous reads
reuse open connections). ``_requests`` makes the attempts over either one's ``send``.
"""

from __future__ import annotations

from typing import NamedTuple


class Timeouts(NamedTuple):
    """How long a request may take to connect (TCP and TLS), and then to bring each answer, in seconds: the
    one timeouts type of a read (``None``: no limit, which a read's deadline then bounds)."""

    connect: float | None = 10.0
    read: float | None = 30.0
