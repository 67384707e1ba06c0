"""The CSS and IAM APIs as the gateway in front of them answers: signature checks, routing, handlers
and injected faults.

- ``GET /v1.0/{project_id}/clusters/{cluster_id}/vpcepservice/connections`` with ``offset`` and
  ``limit``, a page cap, and the service's loose types;
- ``GET /v3/projects?name={region}`` as IAM answers it;
- IAM's credential endpoints under ``/v3.0/`` and the instance metadata API (``_identity``).

Every request but those of the metadata API and of OIDC's token exchange must be signed
(``SDK-HMAC-SHA256``) with a known key pair (static, or temporary with its own ``X-Security-Token``)
and a date within ``MAX_CLOCK_SKEW`` seconds, or it is refused with 401 ``APIGW.0301`` as the gateway
does. A cluster that lists the principals it is granted to (``granted_to``) answers any other 403
``CSS.0015``, as the service answers a key without permission.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote

from .._signing import ALGORITHM, DATE_FORMAT, canonical_request, signature
from ._faults import fault_response, gateway_error
from ._http import Request, Response
from ._identity import METADATA_PREFIXES, check_temporary, respond_credentials, respond_metadata
from ._samples import generate_connections
from ._state import Cluster, EmulatorState

__all__ = ["MAX_CLOCK_SKEW", "Service"]

MAX_CLOCK_SKEW = 15 * 60
"""How far, in seconds, a request's ``X-Sdk-Date`` may be from the gateway's clock."""


def css_error(status: int, code: str, message: str) -> Response:
    """An error in the CSS service's shape: ``{"errCode", "externalMessage"}``."""
    return Response.json(status, {"errCode": code, "externalMessage": message})


def _refused(reason: str) -> Response:
    return gateway_error(401, "APIGW.0301", f"Incorrect IAM authentication information: {reason}")



def parse_authorization(value: str) -> dict[str, str] | None:
    """The ``Access``, ``SignedHeaders`` and ``Signature`` parts of an Authorization header, or ``None``."""
    scheme, _, rest = value.partition(" ")
    if scheme != ALGORITHM:
        return None
    parts = {}
    for item in rest.split(","):
        key, sep, val = item.strip().partition("=")
        if sep:
            parts[key] = val
    return parts if {"Access", "SignedHeaders", "Signature"} <= parts.keys() else None


class Service:
    """The CSS and IAM APIs over one ``EmulatorState``."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    async def respond(self, request: Request) -> Response:
        """Answer an API request, with the state's latency and faults, and count it."""
        target = (
            "metadata" if request.path.startswith(METADATA_PREFIXES)
            else "iam" if request.path.startswith(("/v3/", "/v3.0/")) else "css"
        )
        state = self.state
        with state.lock:
            state.in_flight += 1
            state.peak_in_flight = max(state.peak_in_flight, state.in_flight)
        try:
            fault = state.pick_fault(target)
            if state.latency:
                await asyncio.sleep(state.latency)
            if fault is not None and fault.kind == "delay":
                await asyncio.sleep(fault.delay)
                fault = None
            response = fault_response(fault) if fault is not None else self._api(request, target)
        finally:
            with state.lock:
                state.in_flight -= 1
        with state.lock:
            state.requests[target] += 1
            state.requests[f"status:{response.status}"] += 1
        return response

    def _api(self, request: Request, target: str) -> Response:
        if target == "metadata":
            return respond_metadata(self.state, request)
        if request.method == "POST" and request.path.startswith("/v3.0/"):
            # OIDC's exchanges carry their token in the body and are not signed; assume_role is.
            signed = "authorization" in request.headers
            who = self._authenticate(request) if signed else None
            if isinstance(who, Response):
                return who
            return respond_credentials(self.state, request, who)
        if request.method != "GET":
            return gateway_error(405, "APIGW.0101", "The API does not exist or has not been published")
        who = self._authenticate(request)
        if isinstance(who, Response):
            return who
        query = _query(request.query)
        segments = [unquote(s) for s in request.path.strip("/").split("/")]
        if target == "iam":
            if segments != ["v3", "projects"]:
                return Response.json(404, {"error": {"code": "404", "message": "Not found"}})
            return self._projects(query.get("name"))
        if (
            len(segments) == 6
            and segments[0] == "v1.0"
            and segments[2] == "clusters"
            and segments[4:] == ["vpcepservice", "connections"]
        ):
            return self._connections(segments[1], segments[3], query, request.headers, who)
        return gateway_error(404, "APIGW.0101", "The API does not exist or has not been published")

    def _authenticate(self, request: Request) -> Response | str:
        """Who signed the request (``key:<AK>`` or the principal of temporary keys), if it is signed with a known
        key within the clock skew; else the refusal."""
        parts = parse_authorization(request.headers.get("authorization", ""))
        if parts is None:
            return _refused("no signature")
        access_key = parts["Access"]
        secret = self.state.credentials.get(access_key)
        temporary = self.state.identity.issued.get(access_key) if secret is None else None
        if temporary is not None:
            secret = temporary.secret_key
        if secret is None:
            return _refused("unknown key")
        sdk_date = request.headers.get("x-sdk-date", "")
        try:
            signed_at = datetime.strptime(sdk_date, DATE_FORMAT).replace(tzinfo=UTC)
        except ValueError:
            return _refused("bad X-Sdk-Date")
        now = datetime.now(UTC) + timedelta(seconds=self.state.clock_offset)
        if abs((now - signed_at).total_seconds()) > MAX_CLOCK_SKEW:
            return _refused("the request time is out of range")
        signed = parts["SignedHeaders"].split(";")
        if "host" not in signed or "x-sdk-date" not in signed or any(h not in request.headers for h in signed):
            return _refused("headers")
        body_hash = hashlib.sha256(request.body).hexdigest()
        canonical = canonical_request(request.method, request.path, request.query, request.headers, signed, body_hash)
        if not hmac.compare_digest(signature(secret, sdk_date, canonical), parts["Signature"]):
            return _refused("verify aksk signature fail")
        if temporary is not None:
            with self.state.lock:
                return check_temporary(self.state.identity, access_key, request.headers, signed)
        return f"key:{access_key}"

    def _projects(self, name: str | None) -> Response:
        with self.state.lock:
            listed = self.state.projects
            regions = [name] if name is not None else list(listed)
            projects = [
                {"id": project_id, "name": region, "domain_id": "emulator", "enabled": True}
                for region in regions
                for project_id in listed.get(region, [])
            ]
        return Response.json(200, {"projects": projects, "links": {"self": "/v3/projects"}})

    def _connections(
        self, project_id: str, cluster_id: str, query: Mapping[str, str], headers: Mapping[str, str], who: str
    ) -> Response:
        state = self.state
        header_project = headers.get("x-project-id")
        if header_project is not None and header_project != project_id:
            return _refused("project")
        try:
            offset = int(query.get("offset", "0"))
            limit = int(query.get("limit", str(state.default_limit)))
        except ValueError:
            return css_error(400, "CSS.0001", "Invalid offset or limit.")
        if offset < 0 or limit < 1:
            return css_error(400, "CSS.0001", "Invalid offset or limit.")
        with state.lock:
            cluster = state.clusters.get(cluster_id)
            if cluster is None or cluster.project_id != project_id or not granted(cluster, who):
                return css_error(403, "CSS.0015", "No permission to access this cluster or it does not exist.")
            if not cluster.enabled:
                return css_error(400, "CSS.5182", "The VPC endpoint service of the cluster is not enabled.")
            cluster.advance()  # the statuses and connections due by now (_schedule)
            start = 0 if state.ignore_offset else offset
            payload = {
                "connections": cluster.connections[start : start + min(limit, state.page_cap)],
                "vpcepUpdateSwitch": cluster.vpcep_update_switch,
                "total_count": len(cluster.connections),
                "vpcServiceName": cluster.vpc_service_name,
                "permissions": cluster.permissions,
            }
            state.requests[f"css:{cluster_id}"] += 1
            body = json.dumps(payload, separators=(",", ":")).encode()
            if cluster.grow_times > 0 and cluster.grow_by > 0:
                cluster.grow_times -= 1
                cluster.connections.extend(
                    generate_connections(cluster.grow_by, prefix="grown", start=len(cluster.connections))
                )
        return Response(200, body)


def granted(cluster: Cluster, who: str) -> bool:
    """Whether the principal ``who`` may read ``cluster``: any signed key, unless it lists whom it is granted to."""
    return cluster.granted_to is None or who in cluster.granted_to


def _query(text: str) -> dict[str, str]:
    query: dict[str, str] = {}
    for item in text.split("&"):
        if item:
            key, _, value = item.partition("=")
            query[unquote(key)] = unquote(value)
    return query
