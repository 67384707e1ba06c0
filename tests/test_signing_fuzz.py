"""Property tests: our signer and the official ``huaweicloudsdkcore`` signer agree on random requests.

The fixed vectors of signing-vectors.md live in ``test_signing.py``. Here hypothesis draws methods,
paths with reserved, percent-encoded and non-ASCII characters, queries with repeated and empty values,
header sets and bodies; both signers sign the same request at the same ``X-Sdk-Date`` and their
``Authorization`` headers must be equal.

The request our signer sees is the one a read sends: the official SDK's URI (its path and canonical query
string, as the SDK puts them on the wire) split as ``_requests`` splits a request's URL, with ``Host`` as
``_tls.host_header`` writes it and every header by lower-case name, signed by
``HmacSigner.headers_for``. Outside the comparison, on purpose: transport headers (``Accept``,
``Connection``, ``Content-Length``, ...), which our signer never signs because a client or proxy may
rewrite them; non-JSON content types, for which the SDK signs ``UNSIGNED-PAYLOAD`` (the read path sends
no body); and ``.``/``..`` path segments, which an HTTP client may resolve before sending.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pulumi_css_vpcep._credentials import Credentials
from pulumi_css_vpcep._signing import _UNSIGNED, HmacSigner
from pulumi_css_vpcep._tls import host_header

AK, SK = "AK_FUZZ", "SK_FUZZ"
DATE = "20240229T235959Z"

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_RESERVED_NAMES = _UNSIGNED | {"host", "x-sdk-date", "x-security-token", "content-type", "x-sdk-content-sha256"}

methods = st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "get", "post"])
hosts = st.builds(
    lambda name, port: name + (f":{port}" if port else ""),
    st.from_regex(r"[a-z]([a-z0-9-]{0,10}[a-z0-9])?(\.[a-z][a-z0-9]{0,7}){1,3}", fullmatch=True),
    st.one_of(st.none(), st.integers(1, 65535).filter(lambda p: p != 443)),
)
_segment_chars = st.one_of(
    st.sampled_from(list("abcXYZ019-._~!$&'()*+,;=:@ %[]{}|^`\"<>\\")),
    st.characters(min_codepoint=0xA0, max_codepoint=0x2FFF),
    st.sampled_from(["%2F", "%20", "%25", "%3F", "%23", "%7E", "%41", "%e2%82%ac", "%zz", "%"]),
)
segments = st.lists(_segment_chars, min_size=0, max_size=8).map("".join).filter(lambda s: s not in (".", ".."))
paths = st.builds(
    lambda parts, trailing: "/" + "/".join(parts) + ("/" if trailing and parts else ""),
    st.lists(segments, min_size=1, max_size=6),
    st.booleans(),
)
query_text = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("abc019-._~ +&=?#/%;:@!$'()*,[]")),
        st.characters(min_codepoint=0xA0, max_codepoint=0x2FFF),
    ),
    max_size=8,
)
queries = st.lists(
    st.tuples(st.one_of(query_text, st.sampled_from(["k", "offset"])), st.one_of(query_text, st.just(""))),
    max_size=6,
)
_name = st.from_regex(r"[a-z][a-z0-9-]{0,15}", fullmatch=True).filter(lambda n: n not in _RESERVED_NAMES)
_underscored = st.from_regex(r"[a-z]{1,6}_[a-z0-9_]{0,6}", fullmatch=True)
header_names = st.one_of(
    _name,
    _name.map(lambda n: "-".join(part.capitalize() for part in n.split("-"))),
    _underscored,
)
header_values = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=30) | st.sampled_from(
    ["", " padded ", "\tx\t", "a  b"]
)
header_sets = st.dictionaries(header_names, header_values, max_size=6).filter(
    lambda h: len({name.lower() for name in h}) == len(h)
)
bodies = st.one_of(st.just(b""), st.binary(max_size=64), st.text(max_size=32).map(str.encode))
content_types = st.sampled_from([None, "application/json", "application/json;charset=UTF-8", "application/bson"])
tokens = st.one_of(st.none(), st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1))


def official_authorization(
    method: str,
    host: str,
    path: str,
    query: list[tuple[str, str]],
    headers: dict[str, str],
    body: bytes,
    token: str | None,
) -> tuple[str, str]:
    """The official signer's ``Authorization`` and the URI (path and query) the SDK sends."""
    all_headers = {**headers, "X-Sdk-Date": DATE}
    if token is not None:
        all_headers["X-Security-Token"] = token
    request = SdkRequest(
        method=method,
        schema="https",
        host=host,
        resource_path=path,
        query_params=list(query),
        header_params=all_headers,
        body=body,
    )
    signed = Signer(BasicCredentials(AK, SK)).sign(request)
    return str(signed.header_params["Authorization"]), str(signed.uri)


def our_authorization(method: str, host: str, uri: str, headers: dict[str, str], body: bytes, token: str | None) -> str:
    """Our signer's ``Authorization`` for a request of the same URI, headers and body."""
    parts = urlsplit(f"https://{host}{uri}")
    sent = {"host": host_header(parts.scheme, parts.hostname or "", parts.port)}
    sent |= {name.lower(): value for name, value in headers.items()} | {"x-sdk-date": DATE}
    signed = HmacSigner(Credentials(AK, SK, token)).headers_for(method, parts.path, parts.query, sent, body)
    assert ("X-Security-Token" in signed) is (token is not None)
    assert "X-Sdk-Date" not in signed  # the date given is the one signed
    return signed["Authorization"]


def assert_same_signature(
    method: str,
    host: str,
    path: str,
    query: list[tuple[str, str]],
    headers: dict[str, str],
    body: bytes = b"",
    token: str | None = None,
) -> None:
    official, uri = official_authorization(method, host, path, query, headers, body, token)
    assert our_authorization(method, host, uri, headers, body, token) == official


@FUZZ
@given(host=hosts, path=paths, query=queries)
@example(host="css.cn-north-4.myhuaweicloud.com", path="/v1.0/p/clusters/c/vpcepservice/connections",
         query=[("offset", "100"), ("limit", "1000")])
@example(host="h.example", path="/a%2Fb/%E2%82%AC/ü/", query=[("k", ""), ("k", "v"), ("", "x")])
@example(host="h.example", path="/%25/100%", query=[("a+b", "c d"), ("=", "&")])
def test_paths_and_queries_sign_as_the_official_sdk(host: str, path: str, query: list[tuple[str, str]]) -> None:
    assert_same_signature("GET", host, path, query, {})


@FUZZ
@given(
    method=methods,
    path=paths,
    query=queries,
    headers=header_sets,
    body=bodies,
    content_type=content_types,
    token=tokens,
)
@example(method="POST", path="/v1.0/p", query=[], headers={"X-Project-Id": "p", "X_Skip": "1"}, body=b"{}",
         content_type="application/json", token="TOKEN")
def test_methods_headers_and_bodies_sign_as_the_official_sdk(
    method: str,
    path: str,
    query: list[tuple[str, str]],
    headers: dict[str, str],
    body: bytes,
    content_type: str | None,
    token: str | None,
) -> None:
    if content_type is not None:
        headers = {**headers, "Content-Type": content_type}
    assert_same_signature(method, "css.example.com", path, query, headers, body, token)
