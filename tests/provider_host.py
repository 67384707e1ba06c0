"""Start a real provider process as the Pulumi engine does and talk to it over gRPC.

The engine starts a provider, reads the port it prints on the first line of stdout, and calls the
``ResourceProvider`` service. ``provider_process`` does the same for ``python -m pulumi.dynamic`` (the
dynamic provider host) and ``python -m pulumi_css_vpcep`` (the plugin). The provider's stderr goes to a
file, so tests can read what it logged. ``ModuleProcess`` keeps one such process for the tests of a module
that can share it: starting Python with Pulumi and gRPC takes far longer than most calls.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import grpc
from pulumi.runtime.proto import provider_pb2_grpc


def process_env(**extra: str) -> dict[str, str]:
    """The environment the engine gives a provider: the test process's (without any ``HW_*`` or
    ``HUAWEICLOUD_SDK_*`` setting) plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HW_", "HUAWEICLOUD_SDK_"))}
    env.update(extra)
    return env


@dataclass
class ProviderProcess:
    """A running provider: its gRPC stub, its process and the file its stderr goes to."""

    stub: provider_pb2_grpc.ResourceProviderStub
    process: subprocess.Popen[bytes]
    stderr_path: Path

    def stderr(self) -> str:
        """Everything the provider wrote to stderr so far."""
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")


class ModuleProcess:
    """One provider process for the tests of a module, for calls that leave nothing behind in it.

    The first test that asks starts it, with the environment that test sees (after the autouse fixtures
    cleaned it), and ``configure`` configures it; later tests get the same process, or a new one if it
    ended. What a process keeps between calls (project ids found, connections, a diff's read handed to
    the next update) outlives a test here: a test that depends on it is marked ``own_process`` and gets a
    process of its own. ``close`` stops the shared one.
    """

    def __init__(self, args: Sequence[str], configure: Callable[[ProviderProcess], object]) -> None:
        self._args = list(args)
        self._configure = configure
        self._running: ProviderProcess | None = None
        self._stack = contextlib.ExitStack()

    @contextmanager
    def serve(self, env: Mapping[str, str], own: bool = False) -> Iterator[ProviderProcess]:
        """The module's process, started with ``env`` if none runs; with ``own``, a new configured process that
        ends with the block."""
        if own:
            with provider_process(self._args, env) as process:
                self._configure(process)
                yield process
            return
        if self._running is None or self._running.process.poll() is not None:
            self._stack.close()
            self._running = self._stack.enter_context(provider_process(self._args, env))
            self._configure(self._running)
        yield self._running

    def close(self) -> None:
        """Stop the shared process, if one was started."""
        self._running = None
        self._stack.close()


@contextmanager
def provider_process(
    args: Sequence[str], env: Mapping[str, str] | None = None, startup_timeout: float = 60.0
) -> Iterator[ProviderProcess]:
    """Run ``python <args>`` as a provider plugin; yield a stub connected to the port it prints."""
    full_env = dict(os.environ if env is None else env)
    with tempfile.TemporaryDirectory() as tmp:
        stderr_path = Path(tmp) / "stderr.log"
        with stderr_path.open("wb") as stderr:
            process = subprocess.Popen(
                [sys.executable, *args], stdout=subprocess.PIPE, stderr=stderr, env=full_env
            )
        try:
            port = _read_port(process, startup_timeout, stderr_path)
            channel = grpc.insecure_channel(f"127.0.0.1:{port}")
            grpc.channel_ready_future(channel).result(timeout=startup_timeout)
            try:
                yield ProviderProcess(provider_pb2_grpc.ResourceProviderStub(channel), process, stderr_path)
            finally:
                channel.close()
        finally:
            process.kill()
            process.wait(timeout=10)
            if process.stdout is not None:
                process.stdout.close()


def _read_port(process: subprocess.Popen[bytes], timeout: float, stderr_path: Path) -> int:
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    os.set_blocking(process.stdout.fileno(), False)
    buffer = b""
    while time.monotonic() < deadline:
        chunk = process.stdout.read()
        if chunk:
            buffer += chunk
            if b"\n" in buffer:
                return int(buffer.split(b"\n", 1)[0].strip())
        if process.poll() is not None:
            break
        time.sleep(0.02)
    raise RuntimeError(
        f"the provider printed no port (exit {process.poll()}): "
        + stderr_path.read_text(encoding="utf-8", errors="replace")[-2000:]
    )
