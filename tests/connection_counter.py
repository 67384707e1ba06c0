"""A loopback TCP relay that counts the connections it accepts: how many TCP connections reads opened."""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
from types import TracebackType
from typing import Self


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    with contextlib.suppress(OSError):
        sink.shutdown(socket.SHUT_WR)


class ConnectionCounter:
    """Relays ``127.0.0.1:port`` to ``upstream_port``; ``accepted`` counts the TCP connections."""

    def __init__(self, upstream_port: int) -> None:
        counter = self

        class Relay(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                with counter._lock:
                    counter.accepted += 1
                with socket.create_connection(("127.0.0.1", upstream_port), timeout=10) as upstream:
                    upstream.settimeout(None)
                    back = threading.Thread(target=_pipe, args=(upstream, self.request), daemon=True)
                    back.start()
                    _pipe(self.request, upstream)
                    back.join(timeout=10)

        self.accepted = 0
        """How many TCP connections the relay has accepted."""
        self._lock = threading.Lock()
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Relay)
        self._server.daemon_threads = True
        self.port: int = self._server.server_address[1]
        """The port to connect to instead of the upstream one."""
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
