"""``Emulator``: the API and the control API on one loopback address, in this process."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import dataclasses
import socket
import ssl
import threading
from typing import Self

from .._settings import validate_endpoint
from ..errors import InvalidInputError
from . import _control as control
from ._http import Request, Response, serve_connection
from ._service import Service
from ._state import EmulatorState, sample_state

__all__ = ["Emulator"]

_STOP_TIMEOUT = 5.0


class Emulator:
    """The emulator on a loopback address, for tests, examples and the command.

    ``with Emulator() as emu:`` serves from a background thread on a free port; ``emu.url`` is its
    address and ``emu.environ()`` the variables that point a read at it. Code that runs its own event
    loop uses ``await start_serving()`` and ``await aclose()`` instead.
    """

    def __init__(
        self,
        state: EmulatorState | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        _require_loopback(host)
        self.state = state if state is not None else sample_state()
        self.host = host
        self.port = port
        self.tls = tls
        """A server TLS context: serve https instead of http (to test certificate handling)."""
        self._listener: socket.socket | None = None
        self._service = Service(self.state)
        self._connections: dict[asyncio.Task[None], _Connection] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The emulator's base URL, such as ``http://127.0.0.1:40123``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}"

    def environ(self, access_key: str | None = None, secret_key: str | None = None) -> dict[str, str]:
        """The ``HW_*`` variables that send a read to this emulator: its first key pair (unless other
        keys are given), and the region of its first enabled cluster (see ``EmulatorState.read_target``)."""
        first_access_key, first_secret_key = self.state.first_credentials()
        return {
            "HW_ACCESS_KEY": first_access_key if access_key is None else access_key,
            "HW_SECRET_KEY": first_secret_key if secret_key is None else secret_key,
            "HW_REGION_NAME": self.state.read_target().region,
            "HW_CSS_ENDPOINT": self.url,
            "HW_AUTH_URL": f"{self.url}/v3",
        }

    def pulumi_config(self, namespace: str = "huaweicloud") -> dict[str, str]:
        """Pulumi configuration (``huaweicloud:*``, or the plugin's ``css-vpcep:*``) with this emulator's key,
        region and IAM endpoint. The CSS endpoint has no configuration key: set ``HW_CSS_ENDPOINT`` too."""
        access_key, secret_key = self.state.first_credentials()
        return {
            f"{namespace}:accessKey": access_key,
            f"{namespace}:secretKey": secret_key,
            f"{namespace}:region": self.state.read_target().region,
            f"{namespace}:authUrl": f"{self.url}/v3",
        }

    async def start_serving(self) -> None:
        """Start serving on the running loop; raises OSError if the port is taken."""
        listener = socket.create_server(
            (self.host, self.port), family=socket.AF_INET6 if ":" in self.host else socket.AF_INET, backlog=1024
        )
        listener.setblocking(False)
        self.port = listener.getsockname()[1]
        self._listener = listener
        asyncio.get_running_loop().add_reader(listener, self._accept, listener)

    async def aclose(self) -> None:
        """Stop serving: stop accepting, drop every open connection, and wait for their tasks.

        The emulator accepts and owns its connections itself, so that none is left behind on any Python:
        since 3.12 ``asyncio.Server`` waits for its connections to close (and a TLS close waits for the
        reply of a client keeping an idle connection, which never comes), and a connection it had accepted
        just before closing could reach no handler and outlive the loop.
        """
        listener, self._listener = self._listener, None
        if listener is not None:
            asyncio.get_running_loop().remove_reader(listener)
            listener.close()
        while self._connections:
            open_connections = dict(self._connections)
            for task, connection in open_connections.items():
                if connection.transport is not None:
                    connection.transport.abort()  # at once, without a TLS close_notify exchange
                task.cancel()
            await asyncio.wait(open_connections)

    def _accept(self, listener: socket.socket) -> None:
        """Take every waiting connection and serve each in a task of the emulator's own, in
        ``_connections`` from the moment it is accepted, before it first runs."""
        loop = asyncio.get_running_loop()
        while True:
            try:
                accepted, _ = listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except ConnectionAbortedError:  # the client gave up before it was accepted
                continue
            except OSError as exc:  # out of file descriptors, say: pause for a second, as asyncio's servers do
                loop.call_exception_handler({"message": "The emulator could not accept a connection", "exception": exc})
                loop.remove_reader(listener)
                loop.call_later(1.0, self._resume_accepting, listener)
                return
            accepted.setblocking(False)
            connection = _Connection(accepted)
            task = loop.create_task(self._serve(connection))
            self._connections[task] = connection
            task.add_done_callback(self._connection_done)

    def _resume_accepting(self, listener: socket.socket) -> None:
        if self._listener is listener:  # still serving
            asyncio.get_running_loop().add_reader(listener, self._accept, listener)

    async def _serve(self, connection: _Connection) -> None:
        """Answer one connection, after its TLS handshake over https."""
        connection.started = True  # from here asyncio closes the socket, whatever happens
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(limit=1 << 16)
        protocol = asyncio.StreamReaderProtocol(reader)
        try:
            transport, _ = await loop.connect_accepted_socket(lambda: protocol, connection.socket, ssl=self.tls)
        except OSError:  # a failed TLS handshake or a client gone: its own business, as for asyncio's servers
            return
        connection.transport = transport
        writer = asyncio.StreamWriter(transport, protocol, reader, loop)
        await serve_connection(reader, writer, self._respond)
        # Serving ends when the connection is closed, not closing: a TLS close waits for the client's reply,
        # and aclose must still find the connection to abort it.
        with contextlib.suppress(OSError):
            await writer.wait_closed()

    def _connection_done(self, task: asyncio.Task[None]) -> None:
        """Forget a finished connection and report an error of the emulator's own.

        A plain callback, not asyncio's streams' task, whose done-callback (before Python 3.13) called
        ``task.exception()`` on a cancelled task and printed a ``CancelledError`` traceback."""
        connection = self._connections.pop(task, None)
        if connection is not None and not connection.started:  # cancelled before it ran
            connection.socket.close()
        if not task.cancelled() and (exc := task.exception()) is not None:
            task.get_loop().call_exception_handler(
                {"message": "Unhandled exception in an emulator connection", "exception": exc, "task": task}
            )

    async def _respond(self, request: Request) -> Response:
        if request.path.startswith(control.PREFIX):
            return control.respond(self.state, request)
        return await self._service.respond(request)

    def start(self) -> Self:
        """Serve from a background thread; return once it accepts connections."""
        loop = asyncio.new_event_loop()
        listening: concurrent.futures.Future[None] = concurrent.futures.Future()
        thread = threading.Thread(target=self._run, args=(loop, listening), name="css-vpcep-emulator", daemon=True)
        thread.start()
        try:
            listening.result()
        except BaseException:
            thread.join()
            raise
        self._loop, self._thread = loop, thread
        return self

    def _run(self, loop: asyncio.AbstractEventLoop, listening: concurrent.futures.Future[None]) -> None:
        asyncio.set_event_loop(loop)
        try:
            try:
                loop.run_until_complete(self.start_serving())
            except BaseException as exc:
                listening.set_exception(exc)
                return
            listening.set_result(None)
            loop.run_forever()
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()

    def stop(self) -> None:
        """Stop serving, close every connection, and join the thread."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        self._loop = self._thread = None
        try:
            asyncio.run_coroutine_threadsafe(self.aclose(), loop).result(timeout=_STOP_TIMEOUT)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=_STOP_TIMEOUT)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclasses.dataclass
class _Connection:
    """An accepted connection: its socket, whether its task has started, and its transport once it has one."""

    socket: socket.socket
    started: bool = False
    transport: asyncio.Transport | None = None


def _require_loopback(host: str) -> None:
    try:
        validate_endpoint(f"http://[{host}]" if ":" in host else f"http://{host}", "--host")
    except InvalidInputError:
        raise InvalidInputError(
            "--host", f"{host!r} is not a loopback address: the emulator serves only loopback"
        ) from None
