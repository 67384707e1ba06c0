"""Who signs a request, and the temporary keys the emulator issues: IAM's credential endpoints and the
instance metadata API.

- ``POST /v3.0/OS-CREDENTIAL/securitytokens``: ``assume_role`` (signed with a known key, for an agency
  of the data) or ``token`` (a subject token that ``id-token/tokens`` issued) gives temporary keys;
- ``POST /v3.0/OS-AUTH/id-token/tokens`` with ``X-Idp-Id``: an id token that a configured identity
  provider accepts gives a subject token (header ``X-Subject-Token``);
- ``PUT /meta-data/latest/api/token`` and ``GET /openstack/latest/securitykey``: the keys of the
  instance's agency, when the data attaches one.

Every issued key belongs to a principal, the name a cluster's ``granted_to`` lists: ``key:<AK>`` (a
static key of ``credentials``), ``agency:<domain name>/<agency name>``, ``idp:<identity provider id>``,
``instance`` (the instance's agency). Temporary keys are accepted only with their own signed
``X-Security-Token``, and after they expire with 401 ``APIGW.0307`` ("The token must be updated."), as the
gateway answers. They live ``lifetime`` seconds when it is set (tests of renewal), else as long as asked.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ._faults import gateway_error
from ._http import Request, Response

if TYPE_CHECKING:
    from ._state import EmulatorState

__all__ = ["Agency", "Identity", "IssuedKey", "check_temporary", "respond_credentials", "respond_metadata"]

INSTANCE = "instance"
"""The principal of the keys the metadata API gives: the instance's agency."""
METADATA_PREFIXES = ("/meta-data/", "/openstack/")
"""Where the metadata API answers, unsigned."""
_DEFAULT_LIFETIME = 3600.0


@dataclass(frozen=True)
class Agency:
    """An agency that keys of the emulator may assume: its name and its (delegating) domain's name and id."""

    name: str
    domain_name: str
    domain_id: str | None = None

    @property
    def principal(self) -> str:
        return f"agency:{self.domain_name}/{self.name}"


@dataclass(frozen=True)
class IssuedKey:
    """Temporary keys the emulator issued: their secret key, security token, expiry (epoch seconds), owner."""

    secret_key: str = field(repr=False)
    security_token: str = field(repr=False)
    expires_at: float
    principal: str


@dataclass
class Identity:
    """The emulator's IAM: agencies, identity providers, the instance's agency, and what it has issued."""

    agencies: list[Agency] = field(default_factory=list)
    identity_providers: dict[str, list[str]] = field(default_factory=dict)
    """Identity provider ids, each with the id tokens it accepts."""
    instance_agency: str | None = None
    """The agency attached to the instance: when set, the metadata API gives keys (principal ``instance``)."""
    lifetime: float | None = None
    """Seconds every temporary key and subject token lives; ``None``: as long as asked (one hour from metadata)."""
    issued: dict[str, IssuedKey] = field(default_factory=dict, repr=False)
    """Temporary keys by access key."""
    subject_tokens: dict[str, tuple[str, float]] = field(default_factory=dict, repr=False)
    """Subject tokens: their principal and expiry."""
    metadata_tokens: set[str] = field(default_factory=set, repr=False)

    def issue(self, principal: str, duration: float) -> dict[str, str]:
        """New temporary keys for ``principal``, as IAM's ``credential`` object."""
        expires = time.time() + (self.lifetime if self.lifetime is not None else duration)
        access = "TMP" + secrets.token_hex(10).upper()
        key = IssuedKey("tmp-sk-" + secrets.token_hex(16), "tmp-token-" + secrets.token_urlsafe(48), expires, principal)
        self.issued[access] = key
        return {"access": access, "secret": key.secret_key, "securitytoken": key.security_token,
                "expires_at": _timestamp(expires)}

    def agency(self, name: Any, domain_name: Any, domain_id: Any) -> Agency | None:
        """The agency ``name`` of the domain named (or with the id) given, if the data has it."""
        return next((a for a in self.agencies if a.name == name and (
            (domain_name is not None and a.domain_name == domain_name)
            or (domain_id is not None and a.domain_id == domain_id))), None)


def _timestamp(epoch: float) -> str:
    """An expiry as IAM writes it: ``2024-05-01T08:00:00.000000Z``."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _iam_error(status: int, message: str) -> Response:
    return Response.json(status, {"error": {"code": str(status), "message": message}})


def respond_credentials(state: EmulatorState, request: Request, principal: str | None) -> Response:
    """Answer ``POST /v3.0/...``: ``principal`` is who signed the request (``None``: unsigned)."""
    try:
        body = json.loads(request.body or b"null")
    except ValueError:
        body = None
    auth = body.get("auth") if isinstance(body, dict) else None
    if not isinstance(auth, dict):
        return _iam_error(400, "The request body is not an 'auth' object.")
    identity = state.identity
    with state.lock:
        if request.path == "/v3.0/OS-AUTH/id-token/tokens":
            state.requests["iam:id-token"] += 1
            return _subject_token(identity, request.headers.get("x-idp-id"), auth)
        if request.path == "/v3.0/OS-CREDENTIAL/securitytokens":
            state.requests["iam:securitytokens"] += 1
            return _security_token(identity, auth, principal)
    return _iam_error(404, "Not found")


def _subject_token(identity: Identity, idp_id: str | None, auth: dict[str, Any]) -> Response:
    token = _object(auth.get("id_token")).get("id")
    accepted = identity.identity_providers.get(idp_id or "")
    if accepted is None:
        return _iam_error(404, f"The identity provider {idp_id!r} does not exist.")
    if token not in accepted:
        return _iam_error(401, "The id token is not valid for this identity provider.")
    subject = "subject-" + secrets.token_urlsafe(32)
    expires = time.time() + (identity.lifetime if identity.lifetime is not None else 86400)
    identity.subject_tokens[subject] = (f"idp:{idp_id}", expires)
    return Response.json(201, {"token": {"expires_at": _timestamp(expires), "methods": ["mapped"]}},
                         **{"X-Subject-Token": subject})


def _security_token(identity: Identity, auth: dict[str, Any], principal: str | None) -> Response:
    asked = _object(auth.get("identity"))
    methods = asked.get("methods")
    if methods == ["assume_role"]:
        if principal is None:
            return gateway_error(401, "APIGW.0301", "Incorrect IAM authentication information: no signature")
        role = _object(asked.get("assume_role"))
        duration = role.get("duration_seconds", 900)
        if not isinstance(duration, int) or not 900 <= duration <= 86400:
            return _iam_error(400, "duration_seconds must be from 900 to 86400.")
        agency = identity.agency(role.get("agency_name"), role.get("domain_name"), role.get("domain_id"))
        if agency is None:
            domain = role.get("domain_name") or role.get("domain_id")
            return _iam_error(404, f"Could not find agency {role.get('agency_name')!r} of domain {domain!r}.")
        return Response.json(201, {"credential": identity.issue(agency.principal, duration)})
    if methods == ["token"]:
        token = _object(asked.get("token"))
        subject = identity.subject_tokens.get(str(token.get("id")))
        if subject is None or subject[1] <= time.time():
            return _iam_error(401, "The request you have made requires authentication.")
        duration = token.get("duration_seconds", 900)
        if not isinstance(duration, int) or not 900 <= duration <= 86400:
            return _iam_error(400, "duration_seconds must be from 900 to 86400.")
        return Response.json(201, {"credential": identity.issue(subject[0], duration)})
    return _iam_error(400, "methods must be ['assume_role'] or ['token'].")


def respond_metadata(state: EmulatorState, request: Request) -> Response:
    """Answer the metadata API: a session token, then the instance agency's keys."""
    identity = state.identity
    with state.lock:
        if request.method == "PUT" and request.path == "/meta-data/latest/api/token":
            if not request.headers.get("x-metadata-token-ttl-seconds", "").isdigit():
                return Response(400, b"X-Metadata-Token-Ttl-Seconds is required", content_type="text/plain")
            token = "md-" + secrets.token_urlsafe(24)
            identity.metadata_tokens.add(token)
            return Response(200, token.encode(), content_type="text/plain")
        if request.method == "GET" and request.path == "/openstack/latest/securitykey":
            session = request.headers.get("x-metadata-token")
            if session is not None and session not in identity.metadata_tokens:
                return Response(401, b"Unauthorized", content_type="text/plain")
            if identity.instance_agency is None:
                return Response(404, b"Please configure Cloud Service Agency first", content_type="text/plain")
            return Response.json(200, {"credential": identity.issue(INSTANCE, _DEFAULT_LIFETIME)})
    return Response(404, b"Not Found", content_type="text/plain")


def check_temporary(identity: Identity, access_key: str, headers: dict[str, str], signed: list[str]) -> Response | str:
    """For a request whose signature with temporary keys holds: the refusal when its security token is not
    theirs (or not signed), or they expired; else their principal."""
    key = identity.issued[access_key]
    if "x-security-token" not in signed or headers.get("x-security-token") != key.security_token:
        return gateway_error(401, "APIGW.0301", "Incorrect IAM authentication information: security token")
    if key.expires_at <= time.time():
        return gateway_error(401, "APIGW.0307", "The token must be updated.")
    return key.principal
