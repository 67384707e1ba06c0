"""Synchronous reads keep their connections for the next read of the process (``_transports.httpx_pool.KEPT``).

The dynamic provider host reads once per resource, one resource after another, in one process. Each
read would otherwise open its own connection: a TCP connect and, over https, a TLS handshake before every
diff. These tests hold the kept connections to what makes them safe: one is reused only while the
server still holds it open, only by a read with the same TLS settings, and never after an exchange
that did not end with its answer read whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from pulumi_css_vpcep._read import read_outputs
from pulumi_css_vpcep._retries import RetryPolicy
from pulumi_css_vpcep._transports import Timeouts
from pulumi_css_vpcep._transports.httpx_pool import KEPT
from pulumi_css_vpcep.emulator import SAMPLE_CLUSTER_ID, SAMPLE_PROJECT_ID, Emulator, Fault, sample_state
from pulumi_css_vpcep.errors import CssVpcepError, TransportError
from tests.connection_counter import ConnectionCounter

pytestmark = pytest.mark.timeout(60)

NO_RETRY = RetryPolicy(max_retries=0, total_timeout=10.0)
"""A read that meets a dead kept connection fails under this policy: no retry hides it."""


@pytest.fixture(autouse=True)
def no_kept_connections() -> Iterator[None]:
    """Each test starts and ends with no connection kept by an earlier read."""
    KEPT.close()
    yield
    KEPT.close()


def _read(env: dict[str, str], timeouts: Timeouts | None = None) -> int:
    outputs = read_outputs(SAMPLE_CLUSTER_ID, project_id=SAMPLE_PROJECT_ID, environ=env, retry=NO_RETRY,
                           timeout=timeouts)
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
    emulator.stop()  # closes every open connection, the kept one included
    with Emulator(sample_state(), port=emulator.port) as restarted:
        # Without a retry, a read sent on the dead connection would fail.
        assert _read(env) == 3
        assert restarted.state.requests["css"] == 1


def test_a_read_with_other_tls_settings_never_gets_a_kept_connection(
    tls_emulator: Emulator, authority: trustme.CA, tmp_path: Path
) -> None:
    bundle = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(bundle))
    trusted = {**tls_emulator.environ(), "SSL_CERT_FILE": str(bundle)}
    assert _read(trusted) == 3
    # A bundle whose CA did not sign the emulator's certificate: the read makes its own handshake, and fails it.
    other = tmp_path / "other.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    with pytest.raises(CssVpcepError, match="certificate"):
        _read({**tls_emulator.environ(), "SSL_CERT_FILE": str(other)})
    assert len(KEPT) == 2  # a client for each TLS setting
    assert _read(trusted) == 3


def test_an_exchange_cut_off_before_its_answer_leaves_its_connection_unused(emulator: Emulator) -> None:
    emulator.state.set_faults([Fault(kind="delay", delay=1.0, times=1)])
    with ConnectionCounter(emulator.port) as counter:
        env = {**emulator.environ(), "HW_CSS_ENDPOINT": f"http://127.0.0.1:{counter.port}"}
        with pytest.raises(TransportError, match="timed out"):
            _read(env, Timeouts(connect=5.0, read=0.3))
        # Its answer is still on the way: the next read must not receive it as its own.
        assert _read(env) == 3
    assert counter.accepted == 2
