"""The synchronous read's first page over ``http.client``: the same answers, errors and words as httpx gives.

A synchronous read sends its project lookup and first page with ``http.client`` (``sync_http``); the
async read sends everything with httpx. Against the real emulator, each fault must end both reads in
the same error, word for word, and a read must return the same result either way. The command reads a
one-page cluster without importing httpx, pydantic or asyncio, and prints exactly the models' JSON.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from typing import Any

import httpx
import pytest

from pulumi_css_vpcep import _first_page as first_page
from pulumi_css_vpcep._client import aread_vpcep_connections, read_vpcep_connections
from pulumi_css_vpcep._retries import RetryPolicy
from pulumi_css_vpcep._settings import proxy_applies, resolve_settings
from pulumi_css_vpcep.emulator import SAMPLE_CLUSTER_ID, SAMPLE_PROJECT_ID, Emulator, Fault
from pulumi_css_vpcep.errors import CssVpcepError
from tests.command import modules_a_read_imports, run_cli, serve_connections

pytestmark = pytest.mark.timeout(60)

ONE_RETRY = RetryPolicy(max_retries=1, base_delay=0.001, max_delay=0.01, total_timeout=20.0)
FAST_TIMEOUT = httpx.Timeout(5.0, read=0.3)

LOOSE_CONNECTIONS: list[dict[str, Any]] = [
    {"id": "loose-1", "status": "accepted", "maxSession": "3000", "vpcepIp": "10.0.0.1", "unknown": {"x": 1}},
    {"id": "loose-2", "status": "pendingAcceptance", "maxSession": 2.0, "updated_at": "2024-01-01T00:00:00Z"},
    {"id": None, "status": None, "specificationName": 7, "created_at": True, "vpcepDnsName": "中文\u001b[31m"},
]
"""Loose types, another spelling, an unknown field, nulls, and text a terminal would obey."""


def _both_reads_fail(**options: Any) -> tuple[CssVpcepError, CssVpcepError]:
    """The error of the synchronous read (http.client) and of the async read (httpx), with the same options."""
    with pytest.raises(CssVpcepError) as sync_read:
        read_vpcep_connections(**options)
    with pytest.raises(CssVpcepError) as async_read:
        asyncio.run(aread_vpcep_connections(**options))
    return sync_read.value, async_read.value


@pytest.mark.parametrize(
    "fault",
    [
        Fault(kind="drop"),
        Fault(kind="truncate", status=502),
        Fault(kind="non_json", status=502),
        Fault(kind="html", status=502),
        Fault(status=503, retry_after="0"),
        Fault(status=403, code="CSS.0015", message="no such cluster"),
        Fault(kind="delay", delay=1.0),
    ],
    ids=lambda fault: f"{fault.kind}-{fault.status}",
)
def test_each_fault_ends_the_http_client_read_in_the_error_httpx_gives(
    emulator: Emulator, emulator_env: dict[str, str], fault: Fault
) -> None:
    emulator.state.set_faults([fault])
    sync_error, async_error = _both_reads_fail(
        cluster_id=SAMPLE_CLUSTER_ID, project_id=SAMPLE_PROJECT_ID, retry=ONE_RETRY, timeout=FAST_TIMEOUT
    )
    assert (type(sync_error), _same_request(sync_error), sync_error.exit_code) == (
        type(async_error), _same_request(async_error), async_error.exit_code
    )


def test_an_untrusted_certificate_ends_both_reads_in_the_same_words(tls_emulator: Emulator) -> None:
    sync_error, async_error = _both_reads_fail(cluster_id=SAMPLE_CLUSTER_ID, project_id=SAMPLE_PROJECT_ID)

    assert re.match(r"cluster \S+: TLS verification failed for 127\.0\.0\.1: ", str(sync_error)), sync_error
    assert (type(sync_error), str(sync_error), sync_error.exit_code) == (
        type(async_error), str(async_error), async_error.exit_code
    )


def test_https_to_a_plain_http_port_ends_both_reads_in_the_same_words(
    emulator: Emulator, emulator_env: dict[str, str]
) -> None:
    plain_port_over_https = emulator.url.replace("http://", "https://")

    sync_error, async_error = _both_reads_fail(
        cluster_id=SAMPLE_CLUSTER_ID, project_id=SAMPLE_PROJECT_ID, endpoint=plain_port_over_https, retry=ONE_RETRY
    )

    assert "TLS/HTTP mismatch" in str(sync_error)
    assert (type(sync_error), str(sync_error), sync_error.exit_code) == (
        type(async_error), str(async_error), async_error.exit_code
    )
    assert emulator.state.requests[f"css:{SAMPLE_CLUSTER_ID}"] == 0  # only the probes, which carry nothing


def _same_request(error: Exception) -> str:
    """An error's text with its request id left out: every request has its own."""
    return re.sub(r"request id \w+", "request id ...", str(error))


def test_a_refused_connection_is_worded_as_httpxs_synchronous_client_words_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in {"HW_ACCESS_KEY": "ak", "HW_SECRET_KEY": "sk", "HW_REGION_NAME": "cn-north-4",
                        "HW_CSS_ENDPOINT": "http://127.0.0.1:9", "HW_PROJECT_ID": "p"}.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(httpx.ConnectError) as refused:
        httpx.get("http://127.0.0.1:9/", trust_env=False)
    with pytest.raises(CssVpcepError) as info:
        read_vpcep_connections("c", retry=ONE_RETRY)
    expected = f"cluster c: network failure talking to http://127.0.0.1:9: {refused.value} after 2 attempts"
    assert str(info.value) == expected


def test_both_reads_return_the_same_result_with_the_project_looked_up(
    emulator: Emulator, emulator_env: dict[str, str]
) -> None:
    serve_connections(emulator, LOOSE_CONNECTIONS)
    result = read_vpcep_connections(SAMPLE_CLUSTER_ID)
    assert result == asyncio.run(aread_vpcep_connections(SAMPLE_CLUSTER_ID))
    assert [c.id for c in result.connections] == ["loose-1", "loose-2", None]


def test_the_commands_json_is_byte_for_byte_the_models_json(emulator: Emulator, emulator_env: dict[str, str]) -> None:
    serve_connections(emulator, LOOSE_CONNECTIONS)
    for statuses in ([], ["--status", "ACCEPTED", "--status", "pendingacceptance"]):
        printed = run_cli("connections", "--cluster-id", SAMPLE_CLUSTER_ID, *statuses, env=emulator.environ())
        assert printed.returncode == 0, printed.stderr
        result = read_vpcep_connections(SAMPLE_CLUSTER_ID)
        if statuses:
            result = result.model_copy(update={"connections": result.connections[:2]})
        assert printed.stdout == result.model_dump_json(indent=2) + "\n"


def test_the_commands_one_page_read_imports_no_httpx_pydantic_or_asyncio(emulator: Emulator) -> None:
    heavy = modules_a_read_imports(
        emulator.environ(), SAMPLE_CLUSTER_ID, ("httpx", "httpcore", "pydantic", "asyncio"), "--output", "table"
    )

    assert heavy == []


def test_a_proxy_variable_applies_only_to_a_read_that_leaves_this_machine() -> None:
    cloud = {"HW_ACCESS_KEY": "ak", "HW_SECRET_KEY": "sk", "HW_REGION_NAME": "cn-north-4"}
    loopback = {**cloud, "HW_CSS_ENDPOINT": "http://127.0.0.1:1", "HW_AUTH_URL": "http://localhost:1/v3"}
    assert proxy_applies(resolve_settings(environ=cloud), {"https_proxy": "http://proxy:3128"})
    assert proxy_applies(resolve_settings(environ=cloud), {"ALL_PROXY": "http://proxy:3128"})
    assert not proxy_applies(resolve_settings(environ=cloud), {"HTTPS_PROXY": "", "NO_PROXY": "*"})
    assert not proxy_applies(resolve_settings(environ=loopback), {"HTTPS_PROXY": "http://proxy:3128"})


def test_a_read_a_proxy_may_route_goes_through_httpx_and_its_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_http_client(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the first page was read without the proxy")

    monkeypatch.setattr(first_page, "read_first_page", no_http_client)
    for name, value in {"HW_ACCESS_KEY": "ak", "HW_SECRET_KEY": "sk", "HW_REGION_NAME": "cn-north-4",
                        "HW_PROJECT_ID": "p", "HTTPS_PROXY": "http://127.0.0.1:9"}.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(CssVpcepError, match=r"network failure talking to https://css\.cn-north-4\.myhuaweicloud\.com"):
        read_vpcep_connections("c", retry=RetryPolicy(max_retries=0))
    printed = run_cli("connections", "--cluster-id", "c", env={k: v for k, v in os.environ.items()
                                                               if k.startswith(("HW_", "HTTPS_"))})
    assert printed.returncode == 5, printed.stderr
    assert json.dumps(printed.stdout) == '""'
