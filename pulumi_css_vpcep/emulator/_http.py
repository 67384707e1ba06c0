"""HTTP/1.1 framing over asyncio streams: reading requests and writing responses.

Just enough of HTTP/1.1 for a client such as httpx: keep-alive connections, ``Content-Length``
bodies (no chunked encoding), and responses written in one piece, so that the emulator is never
the bottleneck of a benchmark. A response can also be a dropped connection or a body cut short,
which is how the faults in ``faults.py`` reach the wire.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

__all__ = ["Request", "Respond", "Response", "read_request", "reason_phrase", "serve_connection"]

MAX_HEADERS = 100
MAX_BODY = 16 * 1024 * 1024


@dataclass
class Request:
    """A request as read from the wire; header names are lower-case."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Response:
    """A response to write, or (``drop``) a connection to close without answering."""

    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False
    """Close the connection instead of answering."""
    truncate: bool = False
    """Announce a longer body than is sent, then close: a body cut short."""

    @classmethod
    def json(cls, status: int, payload: Any, **headers: str) -> Response:
        """A compact JSON response."""
        return cls(status, json.dumps(payload, separators=(",", ":")).encode(), headers=dict(headers))

    def encode(self, request_id: str, keep_alive: bool) -> bytes:
        """The status line, headers and body, with ``X-Request-Id: request_id``."""
        length = len(self.body) + (64 if self.truncate else 0)
        head = [
            f"HTTP/1.1 {self.status} {reason_phrase(self.status)}",
            f"Content-Type: {self.content_type}",
            f"Content-Length: {length}",
            f"X-Request-Id: {request_id}",
            f"Connection: {'keep-alive' if keep_alive and not self.truncate else 'close'}",
            *(f"{k}: {v}" for k, v in self.headers.items()),
        ]
        return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + self.body


Respond = Callable[[Request], Awaitable[Response]]
"""What answers a request."""


def reason_phrase(status: int) -> str:
    """The standard phrase of ``status``, or ``""`` for a code without one."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


async def read_request(reader: asyncio.StreamReader) -> Request | None:
    """The next request on a connection, or None when the client closed it.

    Raises ValueError for a request the emulator does not understand (the connection is then closed).
    """
    line = await reader.readline()
    if not line.strip():
        return None
    method, target, _version = line.decode("latin-1").split(" ", 2)
    headers: dict[str, str] = {}
    for _ in range(MAX_HEADERS):
        raw = await reader.readline()
        if raw in (b"\r\n", b"\n", b""):
            break
        name, _, value = raw.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or 0)
    if not 0 <= length <= MAX_BODY:
        raise ValueError("bad body length")
    body = await reader.readexactly(length) if length else b""
    path, _, query = target.partition("?")
    return Request(method.upper(), path, query, headers, body)


async def serve_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, respond: Respond) -> None:
    """Answer requests on one connection with ``respond`` until either side closes it."""
    try:
        while True:
            request = await read_request(reader)
            if request is None:
                break
            keep_alive = request.headers.get("connection", "").lower() != "close"
            response = await respond(request)
            if response.drop:
                writer.transport.abort()
                return
            writer.write(response.encode(uuid.uuid4().hex, keep_alive))
            await writer.drain()
            if not keep_alive or response.truncate:
                break
    except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()
