"""The read path against the real emulator over loopback HTTP: pages, retries, errors, project lookup."""

from __future__ import annotations

import ast
import asyncio
import errno
import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import httpx
import pytest

from pulumi_css_vpcep._credentials import Credentials
from pulumi_css_vpcep._http_errors import Answer, NetworkFailure, Redactor, api_error
from pulumi_css_vpcep._read import (
    _Read,
    aread_vpcep_connections,
    read_vpcep_connections,
)
from pulumi_css_vpcep._requests import Request, Requests, _Attempts
from pulumi_css_vpcep._retries import RetryPolicy
from pulumi_css_vpcep._settings import Settings, resolve_settings
from pulumi_css_vpcep._tls import INSECURE_WARNING
from pulumi_css_vpcep._transports import Timeouts
from pulumi_css_vpcep.emulator import (
    SAMPLE_CLUSTER_ID,
    SAMPLE_DISABLED_CLUSTER_ID,
    SAMPLE_PROJECT_ID,
    SAMPLE_REGION,
    Cluster,
    Emulator,
    Fault,
    generate_connections,
)
from pulumi_css_vpcep.errors import ApiError, ConfigurationError, InvalidInputError, TransportError

Read = Callable[..., dict[str, Any]]
"""A read of one cluster's outputs, with the keyword arguments of ``read_outputs``."""


def _ids(raw: list[dict[str, Any]]) -> list[str]:
    return [str(item["id"]) for item in raw]




def test_reads_the_sample_cluster_with_the_project_looked_up_from_the_region(
    emulator: Emulator, emulator_env: dict[str, str]
) -> None:
    result = read_vpcep_connections(SAMPLE_CLUSTER_ID)
    cluster = emulator.state.clusters[SAMPLE_CLUSTER_ID]
    assert [c.id for c in result.connections] == _ids(cluster.connections)
    assert result.project_id == SAMPLE_PROJECT_ID
    assert result.region == SAMPLE_REGION
    assert result.endpoint == emulator.url
    assert result.total_count == 3
    assert result.vpc_service_name == cluster.vpc_service_name
    assert [p.id for p in result.permissions] == _ids(cluster.permissions)
    assert result.connections[0].max_session == 3000


def test_project_id_is_looked_up_once_per_process_per_key_and_region(
    emulator: Emulator, emulator_env: dict[str, str]
) -> None:
    read_vpcep_connections(SAMPLE_CLUSTER_ID)
    read_vpcep_connections(SAMPLE_CLUSTER_ID)
    assert emulator.state.requests["iam"] == 1
    assert emulator.state.requests["css"] == 2


def test_given_project_id_skips_iam(emulator: Emulator, emulator_env: dict[str, str]) -> None:
    read_vpcep_connections(SAMPLE_CLUSTER_ID, project_id=SAMPLE_PROJECT_ID)
    assert emulator.state.requests["iam"] == 0


@pytest.mark.parametrize("projects", [[], ["p1", "p2"]])
def test_region_without_exactly_one_project_is_a_configuration_error(
    emulator: Emulator, emulator_env: dict[str, str], projects: list[str]
) -> None:
    emulator.state.projects[SAMPLE_REGION] = projects
    with pytest.raises(ConfigurationError, match=r"IAM found .*cn-north-4.*project id"):
        read_vpcep_connections(SAMPLE_CLUSTER_ID)
    assert emulator.state.requests["css"] == 0


def test_every_page_is_read_and_ids_keep_the_service_order(emulator: Emulator, emulator_env: dict[str, str]) -> None:
    connections = generate_connections(1000)
    emulator.state.add_cluster(Cluster(id="big", connections=connections))
    result = read_vpcep_connections("big")
    assert [c.id for c in result.connections] == _ids(connections)
    assert result.total_count == 1000
    assert emulator.state.requests["css:big"] == 10


def test_pages_after_the_first_are_fetched_concurrently(emulator: Emulator, emulator_env: dict[str, str]) -> None:
    emulator.state.add_cluster(Cluster(id="big", connections=generate_connections(1000)))
    emulator.state.latency = 0.05
    in_flight = 0
    most = 0

    class Counting(httpx.AsyncHTTPTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            nonlocal in_flight, most
            in_flight += 1
            most = max(most, in_flight)
            try:
                return await super().handle_async_request(request)
            finally:
                in_flight -= 1

    result = asyncio.run(aread_vpcep_connections("big", transport=Counting()))
    assert result.total_count == 1000
    assert most == 9


def test_invalid_cluster_id_is_refused_before_anything_is_sent(
    emulator: Emulator, emulator_env: dict[str, str]
) -> None:
    with pytest.raises(InvalidInputError, match="cluster_id"):
        read_vpcep_connections("../../etc/passwd")
    assert sum(emulator.state.requests.values()) == 0


def test_disabled_endpoint_service_is_reported_with_code_and_request_id(
    emulator: Emulator, emulator_env: dict[str, str]
) -> None:
    with pytest.raises(ApiError) as info:
        read_vpcep_connections(SAMPLE_DISABLED_CLUSTER_ID)
    err = info.value
    assert (err.status, err.code, err.exit_code) == (400, "CSS.5182", 4)
    assert err.request_id
    assert err.request_id in str(err)


def test_unknown_cluster_is_a_403_refusal(emulator: Emulator, emulator_env: dict[str, str]) -> None:
    with pytest.raises(ApiError) as info:
        read_vpcep_connections("no-such-cluster")
    assert (info.value.status, info.value.code) == (403, "CSS.0015")


def test_five_503s_in_a_row_are_survived_with_the_default_retries(
    emulator: Emulator, emulator_env: dict[str, str], fast_retry: RetryPolicy
) -> None:
    emulator.state.set_faults([Fault(status=503, times=5)])
    result = read_vpcep_connections(SAMPLE_CLUSTER_ID, project_id=SAMPLE_PROJECT_ID, retry=fast_retry)
    assert result.total_count == 3
    assert emulator.state.requests["css"] == 6


def test_retries_stop_at_hw_max_retries_with_a_clean_error(
    emulator: Emulator, emulator_env: dict[str, str], fast_retry: RetryPolicy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HW_MAX_RETRIES", "4")
    emulator.state.set_faults([Fault(status=503, times=5)])
    with pytest.raises(ApiError) as info:
        read_vpcep_connections(SAMPLE_CLUSTER_ID, project_id=SAMPLE_PROJECT_ID, retry=fast_retry)
    assert (info.value.status, info.value.attempts, info.value.exit_code) == (503, 5, 5)
    assert "after 5 attempts" in str(info.value)


@pytest.mark.parametrize(
    ("variable", "value", "retry"),
    [
        ("HW_MAX_RETRIES", "many", RetryPolicy(max_retries=0)),
        ("HW_CSS_READ_TIMEOUT", "soon", RetryPolicy(total_timeout=20)),
    ],
)
def test_a_malformed_variable_that_the_callers_own_value_overrides_is_not_read(
    emulator: Emulator, emulator_env: dict[str, str], monkeypatch: pytest.MonkeyPatch,
    variable: str, value: str, retry: RetryPolicy,
) -> None:
    monkeypatch.setenv(variable, value)
    assert read_vpcep_connections(SAMPLE_CLUSTER_ID, retry=retry).total_count == 3
    with pytest.raises(ConfigurationError, match=rf"^invalid {variable}: "):
        read_vpcep_connections(SAMPLE_CLUSTER_ID)  # left open: the variable is read, and refused
    assert emulator.state.requests["css"] == 1


def test_a_refused_connection_to_another_machine_is_retried() -> None:
    settings = resolve_settings(environ={"HW_ACCESS_KEY": "ak", "HW_SECRET_KEY": "sk", "HW_REGION_NAME": "cn-north-4"})
    requests = Requests(settings, Timeouts(), time.monotonic() + 60)
    refused = NetworkFailure(ConnectionRefusedError(errno.ECONNREFUSED, os.strerror(errno.ECONNREFUSED)))
    remote = _Attempts(requests, Request(f"{settings.css_endpoint}/x", {}, "cluster c"), None)
    assert isinstance(remote.judge(refused, time.monotonic()), float)  # a service restarting may be back soon
    local = _Attempts(requests, Request("http://127.0.0.1:9/x", {}, "cluster c"), None)
    with pytest.raises(TransportError, match=r"^cluster c: connection refused by http://127\.0\.0\.1:9 "):
        local.judge(refused, time.monotonic())


def test_retry_after_is_waited_instead_of_the_backoff(emulator: Emulator, read: Read) -> None:
    emulator.state.set_faults([Fault(status=429, retry_after="0.3", times=1)])
    # A backoff of 15 to 30 s: a read that ignored Retry-After would take that long, one that ignored
    # every wait would take less than 0.3 s.
    started = time.monotonic()
    outputs = read(SAMPLE_CLUSTER_ID, project_id=SAMPLE_PROJECT_ID, environ=emulator.environ(),
                   retry=RetryPolicy(base_delay=30.0, max_delay=30.0))
    elapsed = time.monotonic() - started
    assert outputs["total_count"] == 3
    assert (emulator.state.requests["css"], emulator.state.requests["status:429"]) == (2, 1)
    assert 0.29 <= elapsed < 5.0


def test_a_name_lookup_failure_is_not_retried(read: Read, caplog: pytest.LogCaptureFixture) -> None:
    env = {"HW_ACCESS_KEY": "AKEXAMPLE000000000", "HW_SECRET_KEY": "SKEXAMPLE000000000", "HW_REGION_NAME": "cn-north-4",
           "HW_PROJECT_ID": "p", "HW_CSS_ENDPOINT": "https://css.cn-north-4.nowhere.invalid"}
    with pytest.raises(TransportError) as info:
        read("c", environ=env)
    assert str(info.value).startswith("cluster c: cannot resolve css.cn-north-4.nowhere.invalid: ")
    assert str(info.value).endswith(" (check the endpoint, the region and the cloud)")
    assert not [record for record in caplog.records if "retrying" in record.getMessage()]


def test_a_host_name_that_cannot_be_encoded_is_a_transport_error_tried_once(
    read: Read, caplog: pytest.LogCaptureFixture
) -> None:
    host = "a" * 70 + ".example.com"  # a DNS label holds at most 63 characters: IDNA refuses to encode it
    env = {"HW_ACCESS_KEY": "AKEXAMPLE000000000", "HW_SECRET_KEY": "SKEXAMPLE000000000", "HW_REGION_NAME": "cn-north-4",
           "HW_PROJECT_ID": "p", "HW_CSS_ENDPOINT": f"https://{host}"}
    with pytest.raises(TransportError) as info:
        read("c", environ=env)
    # One line naming the host, whatever the transport's words (http.client fails to encode the name,
    # httpx's resolver fails to resolve it), and never an internal error.
    line = str(info.value)
    assert line.startswith("cluster c: ")
    assert host in line
    assert "\n" not in line
    assert not [record for record in caplog.records if "retrying" in record.getMessage()]


def test_insecure_mode_warns_on_every_read_in_one_line(emulator: Emulator, emulator_env: dict[str, str],
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("HW_INSECURE", "true")
    caplog.set_level(logging.WARNING, logger="pulumi_css_vpcep")
    read_vpcep_connections(SAMPLE_CLUSTER_ID)
    read_vpcep_connections(SAMPLE_CLUSTER_ID)
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warned == [INSECURE_WARNING, INSECURE_WARNING]
    assert "\n" not in INSECURE_WARNING


def test_unreadable_ca_bundle_is_a_configuration_error_before_anything_is_sent(
    emulator: Emulator, emulator_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", "/nonexistent/ca.pem")
    with pytest.raises(ConfigurationError, match="SSL_CERT_FILE"):
        read_vpcep_connections(SAMPLE_CLUSTER_ID, endpoint="https://css.example.com")
    assert sum(emulator.state.requests.values()) == 0


def test_sync_read_works_inside_a_running_event_loop(emulator: Emulator, emulator_env: dict[str, str]) -> None:
    # Three pages: the two after the first are fetched concurrently, on threads; no event loop is used.
    emulator.state.add_cluster(Cluster(id="big", connections=generate_connections(250)))

    async def inside_a_loop() -> int:
        return read_vpcep_connections("big").total_count

    assert asyncio.run(inside_a_loop()) == 250
    assert emulator.state.requests["css:big"] == 3


def _response(status: int, body: bytes, content_type: str = "application/json", **headers: str) -> Answer:
    """An answer as a transport hands it over: headers by lower-case name."""
    named = {"content-type": content_type, **{name.lower(): value for name, value in headers.items()}}
    return Answer(status, named, body)


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (b'{"errCode": "CSS.0015", "externalMessage": "No such cluster"}', "CSS.0015", "No such cluster"),
        (b'{"error_code": "APIGW.0301", "error_msg": "Incorrect signature"}', "APIGW.0301", "Incorrect signature"),
        (b'{"error": {"code": "IAM.0001", "message": "Token expired"}}', "IAM.0001", "Token expired"),
        (b'{"errCode": "CSS.0001", "errMsg": "bad"}', "CSS.0001", "bad"),
    ],
)
def test_every_json_error_shape_gives_code_and_message(body: bytes, code: str, message: str) -> None:
    err = api_error(_response(403, body, **{"X-Request-Id": "req-1"}))
    assert (err.code, err.message, err.request_id) == (code, message, "req-1")


def test_html_gateway_page_becomes_one_readable_line() -> None:
    page = b"<html>\n<head><title>502 Bad Gateway</title></head>\n<body><h1>oops</h1></body></html>"
    err = api_error(_response(502, page, "text/html"))
    assert err.message == "the gateway answered with an HTML page: 502 Bad Gateway"
    assert "\n" not in str(err)


def test_empty_error_body_falls_back_to_the_reason_phrase() -> None:
    assert api_error(_response(503, b"")).message == "Service Unavailable"


def test_long_text_error_is_cut_to_one_line() -> None:
    err = api_error(_response(500, b"line one\nline two " + b"x" * 1000, "text/plain"))
    assert err.message.startswith("line one line two")
    assert len(err.message) <= 300


def test_request_id_is_taken_from_the_body_when_the_header_is_missing() -> None:
    err = api_error(_response(400, b'{"error_code": "X", "error_msg": "m", "request_id": "body-id"}'))
    assert err.request_id == "body-id"


TRANSIENT = {429, 500, 502, 503, 504}


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 409, 412, 429, *range(500, 512)])
def test_one_rule_decides_the_retries_the_error_and_the_exit_code_of_every_status(
    status: int, emulator: Emulator, emulator_env: dict[str, str], fast_retry: RetryPolicy
) -> None:
    emulator.state.set_faults([Fault(status=status)])

    retry = replace(fast_retry, max_retries=2)

    with pytest.raises(ApiError) as info:
        read_vpcep_connections(SAMPLE_CLUSTER_ID, project_id=SAMPLE_PROJECT_ID, retry=retry)

    attempts = 3 if status in TRANSIENT else 1
    assert emulator.state.requests["css"] == attempts
    assert (info.value.status, info.value.attempts) == (status, attempts)
    assert info.value.retryable is (status in TRANSIENT)
    assert info.value.exit_code == (5 if status in TRANSIENT else 4)


def test_concurrent_reads_share_one_project_lookup(emulator: Emulator, emulator_env: dict[str, str]) -> None:
    emulator.state.latency = 0.05

    async def many() -> list[int]:
        results = await asyncio.gather(*(aread_vpcep_connections(SAMPLE_CLUSTER_ID) for _ in range(20)))
        return [r.total_count for r in results]

    assert asyncio.run(many()) == [3] * 20
    assert emulator.state.requests["iam"] == 1
    assert emulator.state.requests["css"] == 20


def test_a_read_waiting_on_a_lookup_whose_starter_was_cancelled_looks_up_itself(
    emulator: Emulator, emulator_env: dict[str, str]
) -> None:
    # The starter's own connections close with it: the waiter must not fail with the starter's closed client.
    emulator.state.set_faults([Fault(kind="delay", delay=0.5, target="iam", times=1)])

    async def both() -> tuple[bool, int]:
        starter = asyncio.ensure_future(aread_vpcep_connections(SAMPLE_CLUSTER_ID))
        await asyncio.sleep(0.1)
        waiter = asyncio.ensure_future(aread_vpcep_connections(SAMPLE_CLUSTER_ID))
        await asyncio.sleep(0.1)
        starter.cancel()
        await asyncio.gather(starter, return_exceptions=True)
        return starter.cancelled(), (await waiter).total_count

    assert asyncio.run(both()) == (True, 3)
    assert emulator.state.requests["css"] == 1  # the waiter's page; the starter never got that far


def test_a_credential_echoed_by_the_gateway_is_redacted(emulator: Emulator, emulator_env: dict[str, str]) -> None:
    access_key = emulator_env["HW_ACCESS_KEY"]
    emulator.state.set_faults([Fault(status=403, code="APIGW.0303", message=f"AK {access_key} is not allowed")])
    with pytest.raises(ApiError) as info:
        read_vpcep_connections(SAMPLE_CLUSTER_ID, project_id=SAMPLE_PROJECT_ID)
    assert access_key not in str(info.value)
    assert "AK <redacted> is not allowed" in str(info.value)


def test_a_proxy_in_the_environment_is_not_used_for_a_loopback_service(
    emulator: Emulator, emulator_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A proxy that does not exist: a read that went through it would fail, synchronous or not.
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    emulator.state.add_cluster(Cluster(id="big", connections=generate_connections(250)))
    assert asyncio.run(aread_vpcep_connections(SAMPLE_CLUSTER_ID)).total_count == 3
    assert read_vpcep_connections("big").total_count == 250


def test_every_retry_is_logged_at_warning_as_it_happens(
    emulator: Emulator, read: Read, fast_retry: RetryPolicy, caplog: pytest.LogCaptureFixture
) -> None:
    emulator.state.set_faults([Fault(status=503, times=2)])
    caplog.set_level(logging.WARNING, logger="pulumi_css_vpcep")
    outputs = read(SAMPLE_CLUSTER_ID, project_id=SAMPLE_PROJECT_ID, environ=emulator.environ(), retry=fast_retry)
    assert outputs["total_count"] == 3
    lines = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(lines) == 2
    for attempt, line in enumerate(lines, 1):
        assert line.startswith(f"attempt {attempt} of 6 failed: HTTP 503")
        assert line.endswith(" s")
        assert "retrying in " in line
        assert "\n" not in line


def test_a_token_with_a_line_break_is_refused_before_anything_is_sent(
    emulator: Emulator, emulator_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HW_SECURITY_TOKEN", "tok\r\nSECRETPART")
    with pytest.raises(ConfigurationError) as info:
        read_vpcep_connections(SAMPLE_CLUSTER_ID)
    assert str(info.value).startswith("invalid HW_SECURITY_TOKEN: ")
    assert "SECRETPART" not in str(info.value)
    assert info.value.exit_code == 3
    assert sum(emulator.state.requests.values()) == 0


def test_a_credential_that_cannot_be_sent_fails_once_and_is_never_shown(emulator: Emulator, loop: str) -> None:
    # Settings made by hand skip the check that resolve_settings makes: the error still shows no secret.
    settings = resolve_settings(project_id=SAMPLE_PROJECT_ID, environ=emulator.environ())
    keys = settings.credentials.current()
    unsendable = Settings(
        region=settings.region,
        project_id=settings.project_id,
        credentials=Credentials(keys.access_key, keys.secret_key, "tok\r\nLEAKPART"),
        css_endpoint=settings.css_endpoint,
        iam_endpoint=settings.iam_endpoint,
    )
    one_read = _Read(SAMPLE_CLUSTER_ID, unsendable, Timeouts())

    with pytest.raises(TransportError) as info:
        one_read.run() if loop == "sync" else asyncio.run(one_read.arun(None))
    assert str(info.value) == (
        f"cluster {SAMPLE_CLUSTER_ID}: network failure talking to {emulator.url}: Illegal header value b'<redacted>'"
    )
    assert sum(emulator.state.requests.values()) == 0


@pytest.mark.parametrize(
    "shown",
    [
        "Illegal header value b'tok\\r\\nLEAKPART-1'",
        "value 'tok\\r\\nLEAKPART-1'",
        "tok%0D%0ALEAKPART-1 in a URL",
        '{"token": "tok\\r\\nLEAKPART-1"}',
        "a line\nLEAKPART-1 on the next",
        "b'\\xe5\\xaf\\x86\\xe9\\x92\\xa5XLEAKPART-2'",
        "%E5%AF%86%E9%92%A5XLEAKPART-2",
        "\\u5bc6\\u94a5XLEAKPART-2",
    ],
)
def test_redaction_catches_every_encoding_of_a_secret(shown: str) -> None:
    redact = Redactor(["tok\r\nLEAKPART-1", "密钥XLEAKPART-2", None])
    assert "LEAKPART" not in redact(shown)
    assert "<redacted>" in redact(shown)


def test_an_echoed_credential_is_redacted_in_every_part_of_an_api_error() -> None:
    body = b'{"error_code": "AKCANARY1", "error_msg": "AK AKCANARY1 refused", "request_id": "AKCANARY1"}'
    err = api_error(_response(403, body), redact=Redactor(["AKCANARY1"]))
    assert "AKCANARY1" not in repr(vars(err))
    assert str(err) == "HTTP 403 <redacted>: AK <redacted> refused (request id <redacted>)"


def _modules_loaded_by(script: str, env: dict[str, str]) -> list[str]:
    """Which of asyncio, httpx and pydantic a fresh interpreter has loaded after ``script``."""
    check = "\nimport sys\nprint(sorted({m.split('.')[0] for m in sys.modules} & {'asyncio', 'httpx', 'pydantic'}))"
    result = subprocess.run(
        [sys.executable, "-c", script + check], env={**os.environ, **env},
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    return list(ast.literal_eval(result.stdout.strip().splitlines()[-1]))


def test_a_read_from_synchronous_code_starts_no_event_loop(emulator: Emulator) -> None:
    # Three pages, the two after the first on threads: httpx's synchronous client, and no asyncio.
    emulator.state.add_cluster(Cluster(id="big", connections=generate_connections(250)))
    script = (
        "from pulumi_css_vpcep._read import read_vpcep_connections\n"
        "assert read_vpcep_connections('big').total_count == 250"
    )
    assert _modules_loaded_by(script, emulator.environ()) == ["httpx", "pydantic"]


def test_the_dynamic_providers_read_loads_no_pydantic(emulator: Emulator) -> None:
    # As the dynamic provider host reads: the provider's create, with the host's cancellation.
    script = (
        "from pulumi_css_vpcep.resource import VpcepConnectionsProvider\n"
        f"assert VpcepConnectionsProvider().create({{'cluster_id': {SAMPLE_CLUSTER_ID!r}}}).outs['total_count'] == 3"
    )
    assert "pydantic" not in _modules_loaded_by(script, emulator.environ())
