"""APIG ``SDK-HMAC-SHA256`` request signing: the headers that sign a request, whichever transport sends it.

The canonical form follows the official SDK (``huaweicloudsdkcore``), whose signatures the tests use as
the oracle: percent-decoded path segments re-encoded with ``quote(safe='~')`` and a trailing ``/``; the
query pairs sorted and encoded the same way; every signed header as ``name:value`` sorted by name; the
hex SHA-256 of the body.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Protocol
from urllib.parse import quote, unquote

ALGORITHM = "SDK-HMAC-SHA256"
DATE_FORMAT = "%Y%m%dT%H%M%SZ"
_EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()

# Headers a client, proxy or the transport may add or rewrite after signing: never signed.
_UNSIGNED = frozenset(
    {
        "authorization",
        "accept",
        "accept-encoding",
        "connection",
        "content-length",
        "keep-alive",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)


class SigningKeys(Protocol):
    """The keys that sign one request (``_credentials.Credentials`` is one)."""

    @property
    def access_key(self) -> str: ...
    @property
    def secret_key(self) -> str: ...
    @property
    def security_token(self) -> str | None: ...


def _encode(text: str) -> str:
    return quote(text, safe="~")


def canonical_uri(raw_path: str) -> str:
    """The path as signed: each decoded segment re-encoded, always ending in ``/``."""
    path = "/".join(_encode(segment) for segment in unquote(raw_path).split("/"))
    return path if path.endswith("/") else path + "/"


def _query_pairs(raw_query: str) -> list[tuple[str, str]]:
    pairs = []
    for item in raw_query.split("&"):
        if not item:
            continue
        key, _, value = item.partition("=")
        pairs.append((unquote(key), unquote(value)))
    return pairs


def canonical_query(pairs: Iterable[tuple[str, str]]) -> str:
    """Query pairs sorted and encoded; also the exact query string to send."""
    return "&".join(f"{_encode(key)}={_encode(value)}" for key, value in sorted(pairs))


def canonical_request(
    method: str,
    raw_path: str,
    raw_query: str,
    headers: Mapping[str, str],
    signed_headers: list[str],
    body_sha256: str,
) -> str:
    """The canonical request: method, URI, query, headers, signed header names and body hash.

    ``headers`` maps lower-case names to values; ``signed_headers`` is sorted and lower-case.
    """
    header_lines = "".join(f"{name}:{headers[name].strip()}\n" for name in signed_headers)
    return "\n".join(
        [
            method.upper(),
            canonical_uri(raw_path),
            canonical_query(_query_pairs(raw_query)),
            header_lines,
            ";".join(signed_headers),
            body_sha256,
        ]
    )


def signature(secret_key: str, sdk_date: str, canonical: str) -> str:
    """The hex signature of a canonical request made at ``sdk_date`` (``X-Sdk-Date``)."""
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    string_to_sign = f"{ALGORITHM}\n{sdk_date}\n{digest}"
    return hmac.new(secret_key.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


class HmacSigner:
    """Signs requests with one AK/SK pair (a snapshot of a provider's keys: a retry may get another signer).

    Adds ``X-Sdk-Date`` (unless the request has one) and ``X-Security-Token`` for temporary
    credentials, then signs ``Host`` and every header the request carries except transport headers
    and names containing ``_``, as the official SDK does.
    """

    def __init__(self, credentials: SigningKeys) -> None:
        self._credentials = credentials

    def __repr__(self) -> str:
        return "HmacSigner(credentials=<hidden>)"

    def headers_for(
        self, method: str, raw_path: str, raw_query: str, headers: Mapping[str, str], body: bytes = b""
    ) -> dict[str, str]:
        """The headers that sign a request: ``X-Sdk-Date`` (unless ``headers`` has one), ``X-Security-Token``
        and ``Authorization``. ``headers`` are every header it will carry, ``host`` included, by lower-case name.
        """
        added: dict[str, str] = {}
        if "x-sdk-date" not in headers:
            added["X-Sdk-Date"] = datetime.now(UTC).strftime(DATE_FORMAT)
        if self._credentials.security_token:
            added["X-Security-Token"] = self._credentials.security_token
        signing = {**headers, **{name.lower(): value for name, value in added.items()}}
        signed = sorted(name for name in signing if name not in _UNSIGNED and "_" not in name)
        canonical = canonical_request(
            method,
            raw_path,
            raw_query,
            signing,
            signed,
            hashlib.sha256(body).hexdigest() if body else _EMPTY_SHA256,
        )
        sig = signature(self._credentials.secret_key, signing["x-sdk-date"], canonical)
        added["Authorization"] = (
            f"{ALGORITHM} Access={self._credentials.access_key}, "
            f"SignedHeaders={';'.join(signed)}, Signature={sig}"
        )
        return added
