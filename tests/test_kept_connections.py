"""Synchronous reads keep their connections for the next read of the process (``_transports.stdlib.IDLE``).

The dynamic provider host reads once per resource, one resource after another, in one process. Each
read used to open its own connection: a TCP connect and, over https, a TLS handshake before every
diff. These tests hold the kept connections to what makes them safe: one is reused only while the
server still holds it open, only by a read with the same TLS settings, and never after an exchange
that did not end with its answer read whole.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from pulumi_css_vpcep._read import read_outputs
from pulumi_css_vpcep._retries import RetryPolicy
from pulumi_css_vpcep._transports.stdlib import IDLE, IdleConnections
from pulumi_css_vpcep.emulator import SAMPLE_CLUSTER_ID, SAMPLE_PROJECT_ID, Emulator, sample_state
from pulumi_css_vpcep.errors import CssVpcepError
from tests.connection_counter import ConnectionCounter

pytestmark = pytest.mark.timeout(60)

NO_RETRY = RetryPolicy(max_retries=0, total_timeout=10.0)
"""A read that meets a dead kept connection fails under this policy: no retry hides it."""


@pytest.fixture(autouse=True)
def no_kept_connections() -> Iterator[None]:
    """Each test starts and ends with no connection kept by an earlier read."""
    IDLE.close()
    yield
    IDLE.close()


def _read(env: dict[str, str]) -> int:
    outputs = read_outputs(SAMPLE_CLUSTER_ID, project_id=SAMPLE_PROJECT_ID, environ=env, retry=NO_RETRY)
    return int(outputs["total_count"])


def test_sequential_reads_of_one_process_share_one_connection(emulator: Emulator) -> None:
    with ConnectionCounter(emulator.port) as counter:
        env = {**emulator.environ(), "HW_CSS_ENDPOINT": f"http://127.0.0.1:{counter.port}"}
        totals = [_read(env) for _ in range(10)]
    assert totals == [3] * 10
    assert emulator.state.requests["css"] == 10
    assert counter.accepted == 1


def test_a_connection_the_server_closed_is_not_reused(emulator: Emulator) -> None:
    env = emulator.environ()
    assert _read(env) == 3
    assert len(IDLE) == 1
    emulator.stop()  # closes every open connection, the kept one included
    with Emulator(sample_state(), port=emulator.port) as restarted:
        # Without a retry, a read sent on the dead connection would fail.
        assert _read(env) == 3
        assert restarted.state.requests["css"] == 1
    assert len(IDLE) == 1  # the new one


def test_a_read_with_other_tls_settings_never_gets_a_kept_connection(
    tls_emulator: Emulator, authority: trustme.CA, tmp_path: Path
) -> None:
    bundle = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(bundle))
    trusted = {**tls_emulator.environ(), "SSL_CERT_FILE": str(bundle)}
    assert _read(trusted) == 3
    assert len(IDLE) == 1
    # A bundle whose CA did not sign the emulator's certificate: the read makes its own handshake, and fails it.
    other = tmp_path / "other.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    with pytest.raises(CssVpcepError, match="certificate"):
        _read({**tls_emulator.environ(), "SSL_CERT_FILE": str(other)})
    assert len(IDLE) == 1  # the trusted read's connection, still kept for a trusted read
    assert _read(trusted) == 3


def test_an_exchange_interrupted_before_its_answer_leaves_no_connection_kept(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(self: http.client.HTTPConnection) -> http.client.HTTPResponse:
        raise KeyboardInterrupt

    monkeypatch.setattr(http.client.HTTPConnection, "getresponse", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _read(emulator.environ())
    # Its answer is still on the way: the next read must not receive it as its own.
    assert len(IDLE) == 0


def _open_pair() -> tuple[http.client.HTTPConnection, socket.socket, socket.socket]:
    listener = socket.create_server(("127.0.0.1", 0))
    connection = http.client.HTTPConnection("127.0.0.1", listener.getsockname()[1], timeout=5)
    connection.connect()
    server_side, _ = listener.accept()
    return connection, server_side, listener


def test_idle_connections_hand_back_only_quiet_ones_for_the_same_place() -> None:
    idle = IdleConnections()
    connection, server_side, listener = _open_pair()
    place = ("http", "127.0.0.1", listener.getsockname()[1], None)
    try:
        idle.keep(place, connection)
        assert idle.take(("http", "127.0.0.1", 1, None)) is None
        assert idle.take((*place[:3], ssl.create_default_context())) is None
        assert idle.take(place) is connection
        idle.keep(place, connection)
        server_side.sendall(b"HTTP/1.1 200 OK\r\n")  # stray bytes: the next answer would be spoiled
        time.sleep(0.05)
        assert idle.take(place) is None
        assert connection.sock is None
    finally:
        server_side.close()
        listener.close()


def test_idle_connections_close_the_longest_idle_beyond_their_limit() -> None:
    idle = IdleConnections(limit=2)
    pairs = [_open_pair() for _ in range(3)]
    try:
        for connection, _, listener in pairs:
            idle.keep(("http", "127.0.0.1", listener.getsockname()[1], None), connection)
        assert len(idle) == 2
        assert pairs[0][0].sock is None
        assert all(connection.sock is not None for connection, _, _ in pairs[1:])
        idle.close()
        assert all(connection.sock is None for connection, _, _ in pairs)
    finally:
        for _, server_side, listener in pairs:
            server_side.close()
            listener.close()
