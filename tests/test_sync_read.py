"""A one-page read through each loop of requests: the synchronous read (``Requests.get``, over the process's
kept ``httpx.Client``) and the async read (``Requests.aget``, over an ``httpx.AsyncClient``).

Against the real emulator, each fault ends each read in one exact error, in the same words, and loose
answers give exact values. The command reads a one-page cluster without importing pydantic or asyncio,
and prints exactly the models' JSON; a read of the cloud goes through the environment's proxy.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from pulumi_css_vpcep._read import read_vpcep_connections
from pulumi_css_vpcep._retries import RetryPolicy
from pulumi_css_vpcep.emulator import SAMPLE_CLUSTER_ID, SAMPLE_PROJECT_ID, Emulator, Fault
from pulumi_css_vpcep.errors import ApiError, CssVpcepError, TransportError
from tests.command import modules_a_read_imports, run_cli, serve_connections
from tests.connection_counter import ConnectionCounter

pytestmark = pytest.mark.timeout(60)

Read = Callable[..., dict[str, Any]]
"""A read of one cluster's outputs, with the keyword arguments of ``read_outputs``."""

ONE_RETRY = RetryPolicy(max_retries=1, base_delay=0.001, max_delay=0.01, total_timeout=20.0)
FAST_TIMEOUT = httpx.Timeout(5.0, read=0.3)
CLOUD = {"HW_ACCESS_KEY": "ak", "HW_SECRET_KEY": "sk", "HW_REGION_NAME": "cn-north-4", "HW_PROJECT_ID": "p"}
"""Settings of a read of the public cloud's endpoint."""
CLOUD_ENDPOINT = "https://css.cn-north-4.myhuaweicloud.com"

LOOSE_CONNECTIONS: list[dict[str, Any]] = [
    {"id": "loose-1", "status": "accepted", "maxSession": "3000", "vpcepIp": "10.0.0.1", "unknown": {"x": 1}},
    {"id": "loose-2", "status": "pendingAcceptance", "maxSession": 2.0, "updated_at": "2024-01-01T00:00:00Z"},
    {"id": "loose-3", "status": None, "specificationName": 7, "created_at": True, "vpcepDnsName": "中文\u001b[31m"},
]
"""Loose types, another spelling, an unknown field, nulls, and text a terminal would obey."""
_NONE = dict.fromkeys(
    ("id", "status", "max_session", "specification_name", "created_at", "update_at", "domain_id", "vpcep_ip",
     "vpcep_ipv6_address", "vpcep_dns_name")
)
LOOSE_OUTPUTS = [
    {**_NONE, "id": "loose-1", "status": "accepted", "max_session": 3000, "vpcep_ip": "10.0.0.1"},
    {**_NONE, "id": "loose-2", "status": "pendingAcceptance", "max_session": 2, "update_at": "2024-01-01T00:00:00Z"},
    {**_NONE, "id": "loose-3", "specification_name": "7", "created_at": "true", "vpcep_dns_name": "中文\u001b[31m"},
]
"""``LOOSE_CONNECTIONS`` as a read gives them: every field, each value read by its meaning."""




def _failure(read: Read, **options: Any) -> CssVpcepError:
    with pytest.raises(CssVpcepError) as info:
        read(SAMPLE_CLUSTER_ID, **options)
    return info.value


@pytest.mark.parametrize(
    ("fault", "error", "words", "exit_code"),
    [
        pytest.param(Fault(kind="drop"), TransportError, "network failure talking to {origin}: Server disconnected "
                     "without sending a response. after 2 attempts", 5, id="drop"),
        pytest.param(Fault(kind="truncate"), TransportError, "network failure talking to {origin}: peer closed "
                     "connection without sending complete message body (received 31 bytes, expected 95) after 2 "
                     "attempts", 5, id="truncate"),
        pytest.param(Fault(kind="non_json"), TransportError, "unreadable answer from 127.0.0.1: the answer is not "
                     "JSON (Expecting value: line 1 column 1 (char 0)) after 2 attempts", 5, id="non_json"),
        pytest.param(Fault(kind="html", status=502), ApiError, "HTTP 502: the gateway answered with an HTML page: "
                     "502 Bad Gateway (request id ...) after 2 attempts", 5, id="html-502"),
        pytest.param(Fault(status=503, retry_after="0"), ApiError, "HTTP 503 APIGW.0503: Service Unavailable "
                     "(request id ...) after 2 attempts", 5, id="status-503"),
        pytest.param(Fault(status=403, code="CSS.0015", message="no such cluster"), ApiError,
                     "HTTP 403 CSS.0015: no such cluster (request id ...)", 4, id="status-403"),
        pytest.param(Fault(kind="delay", delay=1.0), TransportError, "timed out talking to {origin} (waiting for the "
                     "answer) after 2 attempts", 5, id="delay"),
    ],
)
def test_each_fault_ends_the_read_in_one_exact_error(
    emulator: Emulator, read: Read, fault: Fault, error: type[CssVpcepError], words: str, exit_code: int
) -> None:
    emulator.state.set_faults([fault])
    failure = _failure(
        read, project_id=SAMPLE_PROJECT_ID, environ=emulator.environ(), retry=ONE_RETRY, timeout=FAST_TIMEOUT
    )
    # Every request has its own id: the words name one, whatever it is.
    shown = re.sub(r"request id [0-9a-f]{32}\b", "request id ...", str(failure))
    assert (type(failure), shown, failure.exit_code) == (
        error, f"cluster {SAMPLE_CLUSTER_ID}: " + words.format(origin=emulator.url), exit_code
    )


def test_an_untrusted_certificate_ends_the_read_at_once(tls_emulator: Emulator, read: Read) -> None:
    failure = _failure(read, project_id=SAMPLE_PROJECT_ID)

    assert type(failure) is TransportError
    assert re.fullmatch(
        rf"cluster {SAMPLE_CLUSTER_ID}: TLS verification failed for 127\.0\.0\.1: \[SSL: CERTIFICATE_VERIFY_FAILED\] "
        r"certificate verify failed: [^\n]+ \(trust its CA with SSL_CERT_FILE\)",
        str(failure),
    ), failure
    assert sum(tls_emulator.state.requests.values()) == 0


def test_https_to_a_plain_http_port_is_a_tls_mismatch(emulator: Emulator, read: Read) -> None:
    failure = _failure(
        read, project_id=SAMPLE_PROJECT_ID, environ=emulator.environ(), retry=ONE_RETRY,
        endpoint=emulator.url.replace("http://", "https://"),
    )

    assert (type(failure), str(failure)) == (
        TransportError,
        f"cluster {SAMPLE_CLUSTER_ID}: TLS/HTTP mismatch: 127.0.0.1:{emulator.port} answers in plain HTTP, not TLS "
        "(check the endpoint's port; http:// is allowed only to a loopback address)",
    )
    assert emulator.state.requests[f"css:{SAMPLE_CLUSTER_ID}"] == 0  # only the probes, which carry nothing


def test_a_refused_connection_to_this_machine_is_named_and_tried_once(
    read: Read, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="pulumi_css_vpcep")
    failure = _failure(read, environ={**CLOUD, "HW_CSS_ENDPOINT": "http://127.0.0.1:9"}, retry=ONE_RETRY)
    assert (type(failure), str(failure)) == (
        TransportError,
        f"cluster {SAMPLE_CLUSTER_ID}: connection refused by http://127.0.0.1:9 (check the endpoint's host and port)",
    )
    assert not [record for record in caplog.records if "retrying" in record.getMessage()]


def test_loose_answers_read_as_exact_values_with_the_project_looked_up(emulator: Emulator, read: Read) -> None:
    serve_connections(emulator, LOOSE_CONNECTIONS)
    outputs = read(SAMPLE_CLUSTER_ID, environ=emulator.environ())
    assert outputs["connections"] == LOOSE_OUTPUTS
    assert (outputs["project_id"], outputs["total_count"]) == (SAMPLE_PROJECT_ID, 3)
    assert (emulator.state.requests["iam"], emulator.state.requests["css"]) == (1, 1)


def test_the_commands_json_is_byte_for_byte_the_models_json(emulator: Emulator, emulator_env: dict[str, str]) -> None:
    serve_connections(emulator, LOOSE_CONNECTIONS)
    for statuses in ([], ["--status", "ACCEPTED", "--status", "pendingacceptance"]):
        printed = run_cli("connections", "--cluster-id", SAMPLE_CLUSTER_ID, *statuses, env=emulator.environ())
        assert printed.returncode == 0, printed.stderr
        result = read_vpcep_connections(SAMPLE_CLUSTER_ID)
        if statuses:
            result = result.model_copy(update={"connections": result.connections[:2]})
        assert printed.stdout == result.model_dump_json(indent=2) + "\n"


def test_the_commands_one_page_read_imports_no_pydantic_or_asyncio(emulator: Emulator) -> None:
    heavy = modules_a_read_imports(emulator.environ(), SAMPLE_CLUSTER_ID, ("pydantic", "asyncio"), "--output", "table")

    assert heavy == []


def test_a_read_of_the_cloud_goes_through_the_environments_proxy(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The proxy: a relay that counts its connections, to a server that refuses the tunnel it is asked for.
    with ConnectionCounter(emulator.port) as proxy:
        monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{proxy.port}")
        with pytest.raises(TransportError) as info:
            read_vpcep_connections("c", environ=CLOUD, retry=RetryPolicy(max_retries=0))
        assert str(info.value).startswith(f"cluster c: network failure talking to {CLOUD_ENDPOINT}: ")
        assert proxy.accepted == 1

        proxied = {**CLOUD, "HTTPS_PROXY": os.environ["HTTPS_PROXY"], "HW_MAX_RETRIES": "0"}
        printed = run_cli("connections", "--cluster-id", "c", env=proxied)
        assert (printed.returncode, printed.stdout) == (5, ""), printed.stderr
        assert proxy.accepted == 2
