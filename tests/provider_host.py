"""Start a real provider process as the Pulumi engine does and talk to it over gRPC.

The engine starts a provider, reads the port it prints on the first line of stdout, and calls the
``ResourceProvider`` service. ``provider_process`` does the same for ``python -m pulumi.dynamic`` (the
dynamic provider host) and ``python -m pulumi_css_vpcep`` (the plugin). The provider's stderr goes to a
file, so tests can read what it logged.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
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
