"""``Emulator``: the API and the control API on one loopback address, in this process."""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
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
        self._server: asyncio.Server | None = None
        self._service = Service(self.state)
        self._connections: dict[asyncio.Task[None], asyncio.StreamWriter] = {}
        self._closing = False
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

    async def start_serving(self) -> asyncio.Server:
        """Start serving on the running loop and return the server; raises OSError if the port is taken."""
        self._closing = False
        server = await asyncio.start_server(
            self._accept, self.host, self.port, backlog=1024, limit=1 << 16, ssl=self.tls
        )
        self.port = server.sockets[0].getsockname()[1]
        self._server = server
        return server

    async def aclose(self) -> None:
        """Stop serving: close the listening socket, drop every open connection, and wait for their tasks.

        Connections are aborted, not closed: since Python 3.12 ``wait_closed`` waits for every connection,
        and a TLS close waits for the peer's reply, which a client keeping an idle connection never sends.
        """
        server, self._server = self._server, None
        self._closing = True
        if server is not None:
            server.close()
        # A connection accepted just before the close may start its task while the others end: loop.
        while self._connections:
            open_connections = dict(self._connections)
            for task, writer in open_connections.items():
                writer.transport.abort()
                task.cancel()
            await asyncio.wait(open_connections)
        if server is not None:
            await server.wait_closed()

    def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Serve a new connection in a task of the emulator's own, which ``aclose`` cancels and awaits.

        It is not a coroutine on purpose. asyncio's streams would run a coroutine in a task of theirs,
        whose done-callback (before Python 3.13) calls ``task.exception()``: that raises for a cancelled
        task, so each connection still open at shutdown printed a ``CancelledError`` traceback. Here the
        task is in ``_connections`` from the moment the connection is accepted, even before it first runs.
        """
        if self._closing:  # accepted as aclose began: it would never be answered
            writer.transport.abort()
            return
        task = asyncio.get_running_loop().create_task(serve_connection(reader, writer, self._respond))
        self._connections[task] = writer
        task.add_done_callback(functools.partial(self._connection_done, writer))

    def _connection_done(self, writer: asyncio.StreamWriter, task: asyncio.Task[None]) -> None:
        self._connections.pop(task, None)
        writer.close()  # a no-op once serve_connection has closed it, as it does unless cancelled before it ran
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


def _require_loopback(host: str) -> None:
    try:
        validate_endpoint(f"http://[{host}]" if ":" in host else f"http://{host}", "--host")
    except InvalidInputError:
        raise InvalidInputError(
            "--host", f"{host!r} is not a loopback address: the emulator serves only loopback"
        ) from None
