"""The transports: each sends one signed GET and hands back an ``Answer`` or a ``NetworkFailure``, nothing more.

``stdlib`` sends with ``http.client``: a read of one page needs nothing else, so the command and the
dynamic provider answer without importing httpx. ``httpx_pool`` sends through httpx: the pages after
the first (concurrently), a read a proxy may route, and the plugin's long-lived connections. Neither
imports the other; ``_requests`` makes the attempts over either one's ``send``.
"""

from __future__ import annotations

from typing import NamedTuple


class Timeouts(NamedTuple):
    """How long a request may take to connect (TCP and TLS), and then to bring each answer, in seconds: the
    one timeouts type of a read (``None``: no limit, which a read's deadline then bounds)."""

    connect: float | None = 10.0
    read: float | None = 30.0
