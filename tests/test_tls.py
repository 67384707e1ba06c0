"""TLS: verified by default, SSL_CERT_FILE trusted, a verification failure reported at once, never retried."""

from __future__ import annotations

import asyncio
import contextlib
import http.server
import logging
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import trustme

from pulumi_css_vpcep import ConnectionPool, aread_vpcep_connections, read_vpcep_connections
from pulumi_css_vpcep._retries import RetryPolicy
from pulumi_css_vpcep._settings import resolve_settings
from pulumi_css_vpcep._tls import INSECURE_WARNING, answers_plain_http, verify_for
from pulumi_css_vpcep.emulator import SAMPLE_CLUSTER_ID, SAMPLE_PROJECT_ID, Emulator
from pulumi_css_vpcep.errors import TransportError


def test_an_untrusted_certificate_fails_once_without_retries(tls_emulator: Emulator) -> None:
    with pytest.raises(TransportError, match=r"TLS verification failed for 127\.0\.0\.1") as info:
        read_vpcep_connections(SAMPLE_CLUSTER_ID, project_id=SAMPLE_PROJECT_ID)
    assert "after" not in str(info.value)
    assert info.value.exit_code == 5


def test_ssl_cert_file_names_the_authority_to_trust(
    tls_emulator: Emulator, authority: trustme.CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    assert read_vpcep_connections(SAMPLE_CLUSTER_ID).total_count == 3


def test_a_process_that_keeps_reading_sees_a_rotated_ca_bundle(
    tls_emulator: Emulator, authority: trustme.CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle = tmp_path / "ca.pem"
    trustme.CA().cert_pem.write_to_path(str(bundle))  # another authority: the service is not trusted yet
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))

    async def read_twice() -> None:
        async with ConnectionPool() as pool:  # as the plugin process keeps one
            with pytest.raises(TransportError, match="TLS verification failed"):
                await aread_vpcep_connections(SAMPLE_CLUSTER_ID, project_id=SAMPLE_PROJECT_ID, pool=pool)
            authority.cert_pem.write_to_path(str(bundle))  # the bundle rotated in place

            result = await aread_vpcep_connections(SAMPLE_CLUSTER_ID, project_id=SAMPLE_PROJECT_ID, pool=pool)
            assert result.total_count == 3

    asyncio.run(read_twice())


def test_ssl_cert_file_and_dir_come_from_the_environment_a_read_is_given(
    tls_emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", "/process/ca.pem")
    monkeypatch.setenv("SSL_CERT_DIR", "/process/certs")
    given = {**tls_emulator.environ(), "SSL_CERT_FILE": "/given/ca.pem", "SSL_CERT_DIR": "/given/certs"}

    settings = resolve_settings(project_id=SAMPLE_PROJECT_ID, environ=given)

    assert (settings.ca_bundle, settings.ca_dir) == ("/given/ca.pem", "/given/certs")


def test_insecure_mode_reads_an_untrusted_service_with_a_warning(
    tls_emulator: Emulator, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("HW_INSECURE", "true")
    caplog.set_level(logging.WARNING, logger="pulumi_css_vpcep")
    assert read_vpcep_connections(SAMPLE_CLUSTER_ID).total_count == 3
    assert INSECURE_WARNING in caplog.messages


def test_plain_http_to_loopback_loads_no_ca_store_yet_still_verifies_any_https() -> None:
    env = {"HW_ACCESS_KEY": "a", "HW_SECRET_KEY": "b", "HW_REGION_NAME": "cn-north-4",
           "HW_CSS_ENDPOINT": "http://127.0.0.1:1", "HW_AUTH_URL": "http://127.0.0.1:1/v3"}
    context = verify_for(resolve_settings(environ=env))
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname
    assert context.get_ca_certs() == []


def test_https_to_a_plain_http_port_is_named_a_mismatch_and_not_retried(
    emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    env = {**emulator.environ(), "HW_CSS_ENDPOINT": emulator.url.replace("http://", "https://")}
    caplog.set_level(logging.WARNING, logger="pulumi_css_vpcep")
    # The emulator waits for a line break, which a TLS hello may or may not hold: the handshake is either
    # cut short or timed out, and both are recognised.
    with pytest.raises(TransportError) as info:
        read_vpcep_connections(SAMPLE_CLUSTER_ID, project_id=SAMPLE_PROJECT_ID, environ=env,
                               timeout=httpx.Timeout(5.0, connect=0.5))
    message = str(info.value)
    mismatch = f"TLS/HTTP mismatch: 127.0.0.1:{emulator.port} answers in plain HTTP, not TLS"
    assert message.startswith(f"cluster {SAMPLE_CLUSTER_ID}: {mismatch}")
    assert "after" not in message
    assert not caplog.records, "a mismatch is not retried"


class QuietHandler(http.server.BaseHTTPRequestHandler):
    """A plain HTTP server's handler that logs nothing."""

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def plain_http_server(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[int]:
    """A plain HTTP server on a free loopback port, for as long as the block lasts; yields the port."""
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield server.server_address[1]
        finally:
            server.shutdown()


def test_https_to_a_plain_http_server_that_answers_the_handshake_is_a_mismatch_too() -> None:
    with plain_http_server(QuietHandler) as port:
        env = {"HW_ACCESS_KEY": "a", "HW_SECRET_KEY": "b", "HW_REGION_NAME": "cn-north-4", "HW_PROJECT_ID": "p",
               "HW_CSS_ENDPOINT": f"https://127.0.0.1:{port}"}
        with pytest.raises(TransportError, match="TLS/HTTP mismatch"):
            read_vpcep_connections("c", environ=env, timeout=httpx.Timeout(5.0, connect=0.5))


def test_a_handshake_cut_short_by_a_server_that_is_not_http_is_retried(fast_retry: RetryPolicy) -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        stop = threading.Event()

        def hang_up() -> None:
            listener.settimeout(0.1)
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    listener.accept()[0].close()

        thread = threading.Thread(target=hang_up, daemon=True)
        thread.start()
        try:
            env = {"HW_ACCESS_KEY": "a", "HW_SECRET_KEY": "b", "HW_REGION_NAME": "cn-north-4", "HW_PROJECT_ID": "p",
                   "HW_CSS_ENDPOINT": f"https://127.0.0.1:{listener.getsockname()[1]}", "HW_MAX_RETRIES": "2"}
            failure = r"network failure talking to https://127\.0\.0\.1:\d+.* after 3 attempts"
            with pytest.raises(TransportError, match=failure):
                read_vpcep_connections("c", environ=env, retry=fast_retry)
        finally:
            stop.set()
            thread.join()


def test_an_https_iam_endpoint_that_a_given_project_id_makes_unneeded_loads_no_ca_store() -> None:
    env = {"HW_ACCESS_KEY": "a", "HW_SECRET_KEY": "b", "HW_REGION_NAME": "cn-north-4", "HW_PROJECT_ID": "p",
           "HW_CSS_ENDPOINT": "http://127.0.0.1:1"}
    context = verify_for(resolve_settings(environ=env))
    assert isinstance(context, ssl.SSLContext)
    assert context.get_ca_certs() == []
    without_project = {key: value for key, value in env.items() if key != "HW_PROJECT_ID"}
    assert verify_for(resolve_settings(environ=without_project)) is not context


def test_a_tls_port_that_answers_plain_http_with_400_is_no_mismatch() -> None:
    class RefusesPlainHttp(QuietHandler):
        def do_HEAD(self) -> None:
            self.send_error(400, "The plain HTTP request was sent to HTTPS port")

    with plain_http_server(RefusesPlainHttp) as port:
        assert not answers_plain_http("https", "127.0.0.1", port, 2.0)
