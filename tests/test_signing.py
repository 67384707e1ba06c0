"""SDK-HMAC-SHA256: the fixed vectors of signing-vectors.md, and agreement with the official signer.

A request is signed as ``_requests`` signs every attempt: ``HmacSigner.headers_for`` with the path and
query of its URL and every header it will carry, ``host`` included, by lower-case name.
"""

from __future__ import annotations

import hashlib
import re
import time
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer

from pulumi_css_vpcep._credentials import Credentials
from pulumi_css_vpcep._requests import REQUEST_HEADERS, Request, Requests, _Attempts
from pulumi_css_vpcep._settings import resolve_settings
from pulumi_css_vpcep._signing import DATE_FORMAT, HmacSigner, canonical_request
from pulumi_css_vpcep._tls import host_header
from pulumi_css_vpcep._transports import Timeouts

HOST = "css.cn-north-4.myhuaweicloud.com"
PATH = "/v1.0/proj123/clusters/clu456/vpcepservice/connections"
DATE = "20210917T080007Z"
AK, SK = "AK_EXAMPLE", "SK_EXAMPLE"


def signed_headers(authorization: str) -> str:
    """The ``SignedHeaders`` of an ``Authorization`` header of this algorithm (a failed assertion otherwise)."""
    found = re.fullmatch(r"SDK-HMAC-SHA256 Access=[^,]+, SignedHeaders=([^,]+), Signature=[0-9a-f]{64}", authorization)
    assert found is not None, authorization
    return found.group(1)


def _sign(url: str, headers: dict[str, str], token: str | None = None) -> dict[str, str]:
    """Every header of a GET of ``url`` with ``headers``, signed: by lower-case name, the added ones as sent."""
    parts = urlsplit(url)
    sent = {"host": host_header(parts.scheme, parts.hostname or "", parts.port)}
    sent |= {name.lower(): value for name, value in headers.items()}
    return sent | HmacSigner(Credentials(AK, SK, token)).headers_for("GET", parts.path, parts.query, sent)


def test_vector_v1_host_project_and_date() -> None:
    signed = _sign(f"https://{HOST}{PATH}", {"X-Project-Id": "proj123", "X-Sdk-Date": DATE})
    assert signed["Authorization"] == (
        "SDK-HMAC-SHA256 Access=AK_EXAMPLE, SignedHeaders=host;x-project-id;x-sdk-date, "
        "Signature=1f8c7b46aeb89dd0499241317d32306a92d41d64604cc24129372a1f531012d3"
    )


def test_vector_v1_canonical_request_hashes_as_published() -> None:
    headers = {"host": HOST, "x-project-id": "proj123", "x-sdk-date": DATE}
    canonical = canonical_request(
        "GET", PATH, "", headers, ["host", "x-project-id", "x-sdk-date"], hashlib.sha256(b"").hexdigest()
    )
    assert canonical.startswith(f"GET\n{PATH}/\n\nhost:{HOST}\n")
    assert hashlib.sha256(canonical.encode()).hexdigest() == (
        "d4fad81cc5ecf838d9da2ce52d16e3d7d296fa0d7c8222e72d10023d84def4b0"
    )


def test_vector_v2_content_type_and_user_agent_are_signed() -> None:
    signed = _sign(
        f"https://{HOST}{PATH}",
        {
            "X-Project-Id": "proj123",
            "X-Sdk-Date": DATE,
            "Content-Type": "application/json",
            "User-Agent": "huaweicloud-usdk-python/3.0",
        },
    )
    assert signed["Authorization"] == (
        "SDK-HMAC-SHA256 Access=AK_EXAMPLE, SignedHeaders=content-type;host;user-agent;x-project-id;x-sdk-date, "
        "Signature=b227a60a70bdc927c648e494e7fb6f8870c4f1da093e41f20f77ff6c801b1748"
    )


def test_vector_v3_query_and_security_token() -> None:
    signed = _sign(
        f"https://{HOST}{PATH}?offset=1&limit=10", {"X-Project-Id": "proj123", "X-Sdk-Date": DATE}, "TOKEN_EXAMPLE"
    )
    assert signed["X-Security-Token"] == "TOKEN_EXAMPLE"
    assert signed["Authorization"] == (
        "SDK-HMAC-SHA256 Access=AK_EXAMPLE, SignedHeaders=host;x-project-id;x-sdk-date;x-security-token, "
        "Signature=9d69292965c8b8c45a2681fab810b12b620172fcc69a304ccd8f470e355e2172"
    )


def test_date_is_added_in_utc_basic_format_when_absent() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    signed = _sign(f"https://{HOST}{PATH}", {})
    date = signed["X-Sdk-Date"]
    assert len(date) == 16
    assert before <= datetime.strptime(date, DATE_FORMAT).replace(tzinfo=UTC) <= datetime.now(UTC)
    assert signed_headers(signed["Authorization"]) == "host;x-sdk-date"


def test_only_the_headers_that_sign_are_added() -> None:
    added = HmacSigner(Credentials(AK, SK)).headers_for("GET", PATH, "", {"host": HOST, "x-sdk-date": DATE})
    assert list(added) == ["Authorization"]  # the date given is the one signed; no token without one
    with_token = HmacSigner(Credentials(AK, SK, "T")).headers_for("GET", PATH, "", {"host": HOST})
    assert sorted(with_token) == ["Authorization", "X-Sdk-Date", "X-Security-Token"]


def test_transport_headers_are_not_signed() -> None:
    signed = _sign(
        f"https://{HOST}{PATH}",
        {"X-Sdk-Date": DATE, "Accept-Encoding": "gzip", "Connection": "keep-alive", "X_Custom": "1"},
    )
    assert signed_headers(signed["Authorization"]) == "host;x-sdk-date"


def _official(method: str, host: str, path: str, query: list[tuple[str, str]], headers: dict[str, str]) -> str:
    request = SdkRequest(
        method=method,
        schema="https",
        host=host,
        resource_path=path,
        query_params=query,
        header_params=dict(headers),
        body="",
    )
    return str(Signer(BasicCredentials(AK, SK)).sign(request).header_params["Authorization"])


@pytest.mark.parametrize(
    ("path", "query"),
    [
        (PATH, [("offset", "100"), ("limit", "1000")]),
        ("/v3/projects", [("name", "cn-north-4")]),
        ("/v1.0/p/a%20b/c~d", [("k", "a b"), ("k", ""), ("a", "+/=")]),
    ],
)
def test_agrees_with_the_official_signer(path: str, query: list[tuple[str, str]]) -> None:
    headers = {"X-Sdk-Date": DATE, "X-Project-Id": "proj123", "Host": HOST}
    official = _official("GET", HOST, path, query, headers)
    sent = _official_query_string(query)
    ours = _sign(f"https://{HOST}{path}?{sent}", {k: v for k, v in headers.items() if k != "Host"})
    assert ours["Authorization"] == official


def _official_query_string(query: list[tuple[str, str]]) -> str:
    return str(Signer.process_canonical_query_string(SdkRequest(query_params=query)))


@pytest.mark.parametrize(
    ("url", "host"),
    [
        (f"https://{HOST}{PATH}?limit=100&offset=200", HOST),
        (f"https://{HOST}:443{PATH}?limit=100&offset=200", HOST),
        (f"http://127.0.0.1:8080{PATH}?limit=100&offset=0", "127.0.0.1:8080"),
        (f"http://[::1]:9{PATH}?limit=100&offset=0", "[::1]:9"),
    ],
)
def test_each_attempt_of_a_read_is_signed_as_the_official_signer_signs_it(url: str, host: str) -> None:
    settings = resolve_settings(environ={"HW_ACCESS_KEY": AK, "HW_SECRET_KEY": SK, "HW_REGION_NAME": "cn-north-4"})
    requests = Requests(settings, Timeouts(), time.monotonic() + 60)
    attempts = _Attempts(requests, Request(url, {"X-Project-Id": "proj123"}, "cluster clu456"), None)
    sent = attempts.headers(settings.credentials.current())

    assert (sent["host"], sent["user-agent"], sent["accept"]) == (
        host, REQUEST_HEADERS["user-agent"], REQUEST_HEADERS["accept"]
    )
    # Never Accept: a client or proxy may change it.
    assert signed_headers(sent["Authorization"]) == "host;user-agent;x-project-id;x-sdk-date"
    signed = {"Host": host, "User-Agent": sent["user-agent"], "X-Project-Id": "proj123",
              "X-Sdk-Date": sent["X-Sdk-Date"]}
    query = [(key, value) for key, _, value in (pair.partition("=") for pair in urlsplit(url).query.split("&"))]
    assert sent["Authorization"] == _official("GET", host, PATH, query, signed)
