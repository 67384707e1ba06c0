"""The plugin's gRPC server: ``python -m pulumi_css_vpcep [flags] <engine address>``, as the engine starts it.

The stock servicer of ``pulumi.provider.experimental`` serves ``plugin.CssVpcepProvider``, with two
changes made through public means: an interceptor reports this project's errors (which the provider's
methods keep with ``report_errors``) as one line with a fitting status code, and the configuration
diff is sent as the protocol's enum.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import grpc
from pulumi.provider.experimental import provider as p
from pulumi.provider.experimental import server
from pulumi.provider.experimental.property_value import PropertyValue

from ._engine_watch import launcher_gone, serve_apart, watch_engine
from ._plugin import CALL_ERRORS, OPERATION_TIMEOUT, CssVpcepProvider
from ._pulumi_compat import engine_address, engine_pb2, engine_pb2_grpc, provider_pb2, provider_pb2_grpc
from ._transports.httpx_pool import ConnectionPool
from ._version import __version__
from .errors import ConfigurationError, CssVpcepError, InvalidInputError, TransportError

_MAX_MESSAGE = 400 * 1024 * 1024
"""As the Pulumi SDK allows: a read of many connections can be a large message."""
_STATUS: list[tuple[type[CssVpcepError], grpc.StatusCode]] = [
    (InvalidInputError, grpc.StatusCode.INVALID_ARGUMENT),
    (ConfigurationError, grpc.StatusCode.FAILED_PRECONDITION),
    (TransportError, grpc.StatusCode.UNAVAILABLE),
]


class ErrorStatusInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc]  # grpc has no type stubs
    """Reports this project's errors as their one line, with a fitting status code and no Python stack; and
    hands the provider the engine's timeout of each call (``OPERATION_TIMEOUT``), which the stock servicer
    drops from Read's request.

    The stock servicer turns every exception into a new one with the stack appended. A call in which
    the provider raised one of this project's errors (kept in ``CALL_ERRORS``) aborts with that error.
    """

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        if handler is None or handler.unary_unary is None:
            return handler
        behavior = handler.unary_unary

        async def reporting(request: Any, context: grpc.aio.ServicerContext) -> Any:
            errors: list[CssVpcepError] = []
            CALL_ERRORS.set(errors)
            OPERATION_TIMEOUT.set(getattr(request, "timeout", 0.0))
            try:
                return await behavior(request, context)
            except Exception:
                if not errors:
                    raise
                code = next((c for kind, c in _STATUS if isinstance(errors[0], kind)), grpc.StatusCode.UNKNOWN)
                await context.abort(code, str(errors[0]))

        return grpc.unary_unary_rpc_method_handler(reporting, handler.request_deserializer, handler.response_serializer)


class EngineLog:
    """Diagnostics shown by the Pulumi CLI under a resource, through the engine's ``Log`` call."""

    def __init__(self, engine_address: str) -> None:
        self._channel = grpc.aio.insecure_channel(engine_address)
        self._engine = engine_pb2_grpc.EngineStub(self._channel)

    async def info(self, message: str, urn: str) -> None:
        """Show ``message`` under the resource ``urn``; a diagnostic the engine cannot take is dropped."""
        with contextlib.suppress(grpc.aio.AioRpcError):
            await self._engine.Log(engine_pb2.LogRequest(severity=engine_pb2.INFO, message=message, urn=urn), timeout=5)

    async def aclose(self) -> None:
        await self._channel.close()


class CssVpcepServicer(server.ProviderServicer):
    """The stock servicer, with the configuration diff sent as the protocol's enum, and the engine's ``Cancel``
    (sent before it closes a provider, and on a Ctrl-C) passed on to ``on_cancel`` once answered."""

    def __init__(self, args: list[str], version: str, provider: CssVpcepProvider, engine_address: str,
                 on_cancel: Callable[[], None] = lambda: None) -> None:
        super().__init__(args, version, provider, engine_address=engine_address)
        self._css_vpcep = provider
        self._on_cancel = on_cancel

    async def Cancel(self, request: Any, context: Any) -> Any:
        answer = await super().Cancel(request, context)  # type: ignore[no-untyped-call]  # pulumi is untyped here
        self._on_cancel()
        return answer

    async def DiffConfig(self, request: Any, context: Any) -> Any:  # noqa: ARG002
        # Upstream defect in pulumi 3.272: ProviderServicer.DiffConfig sends bool `changes` as the enum (True=NONE).
        diff = p.DiffRequest(
            urn=request.urn,
            resource_id=request.id,
            old_state=PropertyValue.unmarshal_map(request.olds),
            new_inputs=PropertyValue.unmarshal_map(request.news),
            ignore_changes=list(request.ignoreChanges),
        )
        response = await self._css_vpcep.diff_config(diff)
        changes = provider_pb2.DiffResponse.DIFF_SOME if response.changes else provider_pb2.DiffResponse.DIFF_NONE
        return provider_pb2.DiffResponse(changes=changes, diffs=response.diffs, replaces=response.replaces)


class _Lifetime:
    """When the server stops: once the engine has sent its ``Cancel`` and the process its launcher started is
    gone (``lifeline`` reads end of file), or at once when the launcher goes and no engine answers
    (``_engine_watch.launcher_gone``). The engine itself going ends the process through the watch."""

    def __init__(self, grpc_server: grpc.aio.Server, engine_address: str, lifeline: int | None) -> None:
        self._server = grpc_server
        self._engine_address = engine_address
        self._cancelled = False
        self._launcher_gone = False
        self._tasks: set[asyncio.Task[None]] = set()
        if lifeline is not None:
            asyncio.get_running_loop().add_reader(lifeline, self._on_launcher_gone, lifeline)

    def engine_cancelled(self) -> None:
        self._cancelled = True
        if self._launcher_gone:
            self._stop()

    def _on_launcher_gone(self, lifeline: int) -> None:
        asyncio.get_running_loop().remove_reader(lifeline)
        os.close(lifeline)
        self._launcher_gone = True
        task = asyncio.get_running_loop().create_task(self._decide())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _decide(self) -> None:
        if await asyncio.to_thread(launcher_gone, self._engine_address, self._cancelled):
            self._stop()

    def _stop(self) -> None:
        # The engine's Cancel is answered first: the grace lets calls in flight end.
        task = asyncio.get_running_loop().create_task(self._server.stop(grace=1.0))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


async def serve(engine_address: str, args: Sequence[str], lifeline: int | None = None) -> None:
    """Serve the provider on a free loopback port until terminated, or until the engine lets it go once its
    launcher is gone (``lifeline``: see ``_engine_watch.serve_apart``); print the port first, on stdout."""
    grpc_server = grpc.aio.server(
        interceptors=[ErrorStatusInterceptor()], options=[("grpc.max_receive_message_length", _MAX_MESSAGE)]
    )
    # One pool for the process: every invoke and read reuses its open TCP and TLS connections.
    log = EngineLog(engine_address)
    async with ConnectionPool() as pool:
        lifetime = _Lifetime(grpc_server, engine_address, lifeline)
        provider = CssVpcepProvider(pool, log.info)
        servicer = CssVpcepServicer(list(args), __version__, provider, engine_address=engine_address,
                                    on_cancel=lifetime.engine_cancelled)
        provider_pb2_grpc.add_ResourceProviderServicer_to_server(servicer, grpc_server)
        port = grpc_server.add_insecure_port("127.0.0.1:0")
        await grpc_server.start()
        sys.stdout.write(f"{port}\n")
        sys.stdout.flush()
        watch_engine(engine_address)  # a killed `pulumi` leaves no provider process behind
        try:
            await grpc_server.wait_for_termination()
        finally:
            await log.aclose()


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m pulumi_css_vpcep [flags] <engine address>``: the plugin, as the engine starts it."""
    args = list(sys.argv[1:] if argv is None else argv)
    started_as = os.path.basename(sys.argv[0])  # the executable, or __main__.py under python -m
    prog = started_as if started_as.startswith("pulumi-resource-") else "python -m pulumi_css_vpcep"
    parser = argparse.ArgumentParser(prog=prog, description="The css-vpcep provider plugin.")
    parser.add_argument("engine", help="the Pulumi engine's address, after any flags the engine passes "
                        "(--logtostderr, -v=N, --logflow, --tracing URL), which are accepted and ignored")
    parser.parse_known_args(args)  # --help, and a usage error when the address is missing
    engine = engine_address(args)
    assert engine is not None  # the parser required one argument
    lifeline = serve_apart()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(engine, args, lifeline))
