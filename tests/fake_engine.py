"""A stand-in for the Pulumi engine's own gRPC service, recording the diagnostics a provider logs to it."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc


class LogRecorder(engine_pb2_grpc.EngineServicer):
    """The engine's ``Log`` call, keeping every request."""

    def __init__(self) -> None:
        self.logged: list[engine_pb2.LogRequest] = []

    def Log(self, request: engine_pb2.LogRequest, context: Any) -> empty_pb2.Empty:
        self.logged.append(request)
        return empty_pb2.Empty()


@contextmanager
def fake_engine() -> Iterator[tuple[str, LogRecorder]]:
    """Serve the recorder on a free loopback port; yield its address (what a plugin is started with)."""
    recorder = LogRecorder()
    server = grpc.server(ThreadPoolExecutor(max_workers=2))
    engine_pb2_grpc.add_EngineServicer_to_server(recorder, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield f"127.0.0.1:{port}", recorder
    finally:
        server.stop(grace=None)
