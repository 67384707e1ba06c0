"""TLS: verified by default, SSL_CERT_FILE trusted, a verification failure reported at once, never retried."""

from __future__ import annotations

import ssl
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from pulumi_css_vpcep import read_vpcep_connections
from pulumi_css_vpcep.client import InsecureTransportWarning
from pulumi_css_vpcep.emulator import SAMPLE_CLUSTER_ID, SAMPLE_PROJECT_ID, Emulator, sample_state
from pulumi_css_vpcep.errors import TransportError


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def tls_emulator(authority: trustme.CA, monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    with Emulator(sample_state(), tls=context) as emu:
        for name, value in emu.environ().items():
            monkeypatch.setenv(name, value)
        yield emu


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


def test_insecure_mode_reads_an_untrusted_service_with_a_warning(
    tls_emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HW_INSECURE", "true")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert read_vpcep_connections(SAMPLE_CLUSTER_ID).total_count == 3
    assert any(issubclass(w.category, InsecureTransportWarning) for w in caught)


def test_plain_http_to_loopback_loads_no_ca_store_yet_still_verifies_any_https() -> None:
    from pulumi_css_vpcep.client import _verify
    from pulumi_css_vpcep.settings import resolve_settings

    env = {"HW_ACCESS_KEY": "a", "HW_SECRET_KEY": "b", "HW_REGION_NAME": "cn-north-4",
           "HW_CSS_ENDPOINT": "http://127.0.0.1:1", "HW_AUTH_URL": "http://127.0.0.1:1/v3"}
    context = _verify(resolve_settings(environ=env))
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname
    assert context.get_ca_certs() == []
