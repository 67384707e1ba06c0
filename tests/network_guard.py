"""The test suite's rule that no packet leaves this machine: a connection to any address but loopback is
refused and recorded, and a name other than a loopback one does not resolve (no DNS query is sent).

``install()`` patches the ``socket`` module of the process it runs in: the test process (``conftest``) and,
through ``loopback_site/sitecustomize.py`` on ``PYTHONPATH``, every Python process the tests start with the
inherited environment. A refused connection raises ``PermissionError`` where it is made, so a forgotten
``HW_ECS_METADATA_ENDPOINT`` fails the test that forgot it instead of reaching 169.254.169.254; the test
process also fails any test during which one was attempted, whatever the code under test made of the error.
"""

from __future__ import annotations

import errno
import ipaddress
import socket
import sys
from typing import Any

VARIABLE = "CSS_VPCEP_TESTS_LOOPBACK_ONLY"
"""Set in the tests' environment: a Python process started with it refuses every non-loopback address."""

ATTEMPTS: list[str] = []
"""The non-loopback addresses this process tried to reach since the list was last cleared."""

_INSTALLED: list[bool] = []


def is_loopback(host: Any) -> bool:
    """Whether ``host`` (a name or an address, text or bytes) is this machine."""
    text = host.decode() if isinstance(host, bytes) else str(host)
    if text.lower() in ("localhost", "localhost.", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(text.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def _is_address(host: Any) -> bool:
    try:
        ipaddress.ip_address(str(host.decode() if isinstance(host, bytes) else host).split("%", 1)[0])
    except ValueError:
        return False
    return True


def install() -> None:
    """Refuse, from now on in this process, every connection to an address that is not loopback."""
    if _INSTALLED:
        return
    _INSTALLED.append(True)
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def refuse(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not is_loopback(address[0]):
            ATTEMPTS.append(str(address[0]))
            print(f"network guard: refused a connection to {address[0]} (tests reach loopback only)", file=sys.stderr)
            raise PermissionError(errno.EACCES, f"the test suite reaches loopback only, not {address[0]}")

    def connect(sock: socket.socket, address: Any) -> None:
        refuse(sock, address)
        return real_connect(sock, address)

    def connect_ex(sock: socket.socket, address: Any) -> int:
        refuse(sock, address)
        return real_connect_ex(sock, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is None or is_loopback(host) or _is_address(host):
            return real_getaddrinfo(host, *args, **kwargs)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known (the test suite resolves loopback only)")

    socket.socket.connect = connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign,assignment]
    socket.getaddrinfo = getaddrinfo
