"""SDK-HMAC-SHA256: the fixed vectors of signing-vectors.md, and agreement with the official signer."""

from __future__ import annotations

import hashlib

import httpx
import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer

from pulumi_css_vpcep._settings import Credentials
from pulumi_css_vpcep._signing import HmacSigner, canonical_request, parse_authorization

HOST = "css.cn-north-4.myhuaweicloud.com"
PATH = "/v1.0/proj123/clusters/clu456/vpcepservice/connections"
DATE = "20210917T080007Z"
AK, SK = "AK_EXAMPLE", "SK_EXAMPLE"


def _sign(url: str, headers: dict[str, str], token: str | None = None) -> httpx.Request:
    request = httpx.Request("GET", url, headers=headers)
    HmacSigner(Credentials(AK, SK, token)).sign(request)
    return request


def test_vector_v1_host_project_and_date() -> None:
    request = _sign(f"https://{HOST}{PATH}", {"X-Project-Id": "proj123", "X-Sdk-Date": DATE})
    assert request.headers["Authorization"] == (
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
    request = _sign(
        f"https://{HOST}{PATH}",
        {
            "X-Project-Id": "proj123",
            "X-Sdk-Date": DATE,
            "Content-Type": "application/json",
            "User-Agent": "huaweicloud-usdk-python/3.0",
        },
    )
    assert request.headers["Authorization"] == (
        "SDK-HMAC-SHA256 Access=AK_EXAMPLE, SignedHeaders=content-type;host;user-agent;x-project-id;x-sdk-date, "
        "Signature=b227a60a70bdc927c648e494e7fb6f8870c4f1da093e41f20f77ff6c801b1748"
    )


def test_vector_v3_query_and_security_token() -> None:
    request = _sign(
        f"https://{HOST}{PATH}?offset=1&limit=10", {"X-Project-Id": "proj123", "X-Sdk-Date": DATE}, "TOKEN_EXAMPLE"
    )
    assert request.headers["X-Security-Token"] == "TOKEN_EXAMPLE"
    assert request.headers["Authorization"] == (
        "SDK-HMAC-SHA256 Access=AK_EXAMPLE, SignedHeaders=host;x-project-id;x-sdk-date;x-security-token, "
        "Signature=9d69292965c8b8c45a2681fab810b12b620172fcc69a304ccd8f470e355e2172"
    )


def test_date_is_added_in_utc_basic_format_when_absent() -> None:
    request = _sign(f"https://{HOST}{PATH}", {})
    date = request.headers["X-Sdk-Date"]
    assert len(date) == 16
    assert date[8] == "T"
    assert date.endswith("Z")


def test_transport_headers_are_not_signed() -> None:
    request = _sign(
        f"https://{HOST}{PATH}",
        {"X-Sdk-Date": DATE, "Accept-Encoding": "gzip", "Connection": "keep-alive", "X_Custom": "1"},
    )
    parts = parse_authorization(request.headers["Authorization"])
    assert parts is not None
    assert parts["SignedHeaders"] == "host;x-sdk-date"


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
    assert ours.headers["Authorization"] == official


def _official_query_string(query: list[tuple[str, str]]) -> str:
    return str(Signer.process_canonical_query_string(SdkRequest(query_params=query)))
