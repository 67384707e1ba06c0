"""A local stand-in for the CSS and IAM endpoints, so everything runs without a cloud account.

It serves, on a loopback address only:

- ``GET /v1.0/{project_id}/clusters/{cluster_id}/vpcepservice/connections`` with ``offset`` and
  ``limit``, a page cap, and the service's loose types (``"maxSession": "3000"``);
- ``GET /v3/projects?name={region}`` as IAM does;
- a control API under ``/_emulator/`` (unsigned) to change data and inject faults from another process.

Every API request must be signed (``SDK-HMAC-SHA256``) with a known key pair and a date within 15
minutes, or it is refused with 401 ``APIGW.0301`` as the gateway does. Responses are written in one
piece, connections are kept alive, and requests are served concurrently, so the emulator is not the
bottleneck of a benchmark.

Run it with ``css-vpcep emulator`` (or ``python -m pulumi_css_vpcep.emulator``); give a command after
``--`` to run it with the ``HW_*`` variables pointing at the emulator.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import hmac
import json
import os
import random
import ssl
import subprocess
import sys
import threading
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from pathlib import Path
from typing import Any, Literal, Self
from urllib.parse import unquote

from .errors import InvalidInputError
from .settings import validate_endpoint
from .signing import DATE_FORMAT, canonical_request, parse_authorization, signature

__all__ = [
    "SAMPLE_ACCESS_KEY",
    "SAMPLE_CLUSTER_ID",
    "SAMPLE_DISABLED_CLUSTER_ID",
    "SAMPLE_PROJECT_ID",
    "SAMPLE_REGION",
    "SAMPLE_SECRET_KEY",
    "Cluster",
    "Emulator",
    "EmulatorState",
    "Fault",
    "generate_connections",
    "main",
    "sample_state",
]

SAMPLE_REGION = "cn-north-4"
SAMPLE_PROJECT_ID = "0a1b2c3d4e5f40718293a4b5c6d7e8f9"
SAMPLE_CLUSTER_ID = "4f3deec3-efa6-4ee3-a5b1-7a2bbd7d9e7a"
SAMPLE_DISABLED_CLUSTER_ID = "9c1d0e2f-0000-4a4a-8b8b-5d6e7f8091a2"
SAMPLE_ACCESS_KEY = "EMULATORACCESSKEY000"
SAMPLE_SECRET_KEY = "emulator-secret-key-not-a-real-secret"  # noqa: S105 - the emulator's public demo key

MAX_CLOCK_SKEW = 15 * 60
_MAX_HEADERS = 100
_MAX_BODY = 16 * 1024 * 1024

FaultKind = Literal["status", "drop", "truncate", "non_json", "html", "delay"]


@dataclass
class Fault:
    """A failure the emulator injects into matching API requests.

    ``times`` limits it to the first N matching requests; ``rate`` makes each matching request fail
    with that probability (from the emulator's seeded random generator).
    """

    kind: FaultKind = "status"
    """``status`` (an error status), ``drop`` (close without answering), ``truncate`` (a body cut
    short), ``non_json`` (200 with text), ``html`` (a gateway's HTML page), ``delay`` (answer late)."""
    status: int = 503
    """The status of ``status`` and ``html`` faults."""
    retry_after: str | None = None
    """A ``Retry-After`` header to send with the fault."""
    times: int | None = None
    """How many requests it applies to; ``None`` for every one."""
    rate: float | None = None
    """The probability it applies to a request; ``None`` for always."""
    delay: float = 0.0
    """Seconds to wait before answering (``delay`` faults)."""
    target: Literal["css", "iam", "any"] = "css"
    """Which API it applies to."""
    code: str | None = None
    """The error code in the body of a ``status`` fault."""
    message: str | None = None
    """The error message in the body of a ``status`` fault."""


@dataclass
class Cluster:
    """A CSS cluster published as a VPC endpoint service, with its connections as the API spells them."""

    id: str
    project_id: str = SAMPLE_PROJECT_ID
    connections: list[dict[str, Any]] = field(default_factory=list)
    permissions: list[dict[str, Any]] = field(default_factory=list)
    vpc_service_name: str | None = None
    vpcep_update_switch: Any = "false"
    enabled: bool = True
    """False: the endpoint service is not enabled, and reads fail with 400 ``CSS.5182``."""
    grow_by: int = 0
    """Connections added after each read of a page, to change ``total_count`` between pages."""
    grow_times: int = 0
    """How many reads grow the cluster."""

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Cluster:
        """A cluster from its JSON form (the API's keys or the field names), or ``generate: N``."""
        connections = data.get("connections")
        if connections is None and data.get("generate") is not None:
            connections = generate_connections(int(data["generate"]), prefix=str(data["id"])[:8])
        return cls(
            id=str(data["id"]),
            project_id=str(data.get("project_id", SAMPLE_PROJECT_ID)),
            connections=list(connections or []),
            permissions=list(data.get("permissions", [])),
            vpc_service_name=data.get("vpcServiceName", data.get("vpc_service_name")),
            vpcep_update_switch=data.get("vpcepUpdateSwitch", data.get("vpcep_update_switch", "false")),
            enabled=bool(data.get("enabled", True)),
            grow_by=int(data.get("grow_by", 0)),
            grow_times=int(data.get("grow_times", 0)),
        )


def generate_connections(count: int, *, prefix: str = "ep", start: int = 0) -> list[dict[str, Any]]:
    """``count`` connections in the API's shape, with the loose types the real service sends."""
    statuses = ("accepted", "accepted", "accepted", "rejected", "pendingAcceptance")
    return [
        {
            "id": f"{prefix}-{i:06d}-7a1c-4b2e-9f30-{i:012x}",
            "status": statuses[i % len(statuses)],
            "maxSession": str(1000 * (1 + i % 5)) if i % 2 else 1000 * (1 + i % 5),
            "specificationName": "default",
            "created_at": f"2024-0{1 + i % 9}-1{i % 10}T08:00:07Z",
            "update_at": None if i % 3 else f"2024-10-1{i % 10}T09:30:00Z",
            "domain_id": f"d{i % 7:031x}",
            "vpcepIp": f"192.168.{(i // 250) % 256}.{1 + i % 250}",
            "vpcepIpv6Address": None,
            "vpcepDnsName": f"{prefix}-{i:06d}.vpcep.cn-north-4.myhuaweicloud.com",
        }
        for i in range(start, start + count)
    ]


def _sample_clusters() -> list[Cluster]:
    demo = Cluster(
        id=SAMPLE_CLUSTER_ID,
        connections=[
            {
                "id": "8e4b1c2a-5d6f-4a7b-9c0d-1e2f3a4b5c6d",
                "status": "accepted",
                "maxSession": "3000",
                "specificationName": "default",
                "created_at": "2024-03-11T08:00:07Z",
                "update_at": None,
                "domain_id": "2f3e4d5c6b7a48999a8b7c6d5e4f3a2b",
                "vpcepIp": "192.168.0.21",
                "vpcepIpv6Address": None,
                "vpcepDnsName": "8e4b1c2a.vpcep.cn-north-4.myhuaweicloud.com",
                "vpcepReviewer": "not in the documentation: ignored",
            },
            {
                "id": "b71d9e0f-2a3b-4c5d-8e6f-7a8b9c0d1e2f",
                "status": "pendingAcceptance",
                "maxSession": 1000,
                "specificationName": "default",
                "created_at": "2024-06-02T12:30:00Z",
                "update_at": "2024-06-02T12:31:10Z",
                "domain_id": "7a6b5c4d3e2f41009f8e7d6c5b4a3928",
                "vpcepIp": "192.168.0.37",
                "vpcepIpv6Address": "fd00:0:0:1::25",
                "vpcepDnsName": "b71d9e0f.vpcep.cn-north-4.myhuaweicloud.com",
            },
            {
                "id": "c93f0a1b-4c5d-4e6f-a7b8-c9d0e1f2a3b4",
                "status": "rejected",
                "maxSession": "3000",
                "specificationName": "default",
                "created_at": "2024-09-17T08:00:07Z",
                "update_at": "2024-09-18T10:00:00Z",
                "domain_id": "0c1d2e3f4a5b46c7d8e9f0a1b2c3d4e5",
            },
        ],
        permissions=[
            {
                "id": "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d",
                "permission": "iam:domain::2f3e4d5c6b7a48999a8b7c6d5e4f3a2b",
                "permission_type": "domainId",
                "created_at": "2024-03-10T16:00:00Z",
            },
            {
                "id": "6b7c8d9e-0f1a-4b2c-9d3e-4f5a6b7c8d9e",
                "permission": "iam:domain::7a6b5c4d3e2f41009f8e7d6c5b4a3928",
                "permission_type": "domainId",
                "created_at": "2024-06-01T09:00:00Z",
            },
        ],
        vpc_service_name="cn-north-4.css-4f3deec3.b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e",
        vpcep_update_switch="false",
    )
    disabled = Cluster(id=SAMPLE_DISABLED_CLUSTER_ID, enabled=False)
    return [demo, disabled]


@dataclass
class EmulatorState:
    """Everything the emulator serves and how it misbehaves. Safe to change while it runs."""

    credentials: dict[str, str] = field(default_factory=lambda: {SAMPLE_ACCESS_KEY: SAMPLE_SECRET_KEY})
    """Known access keys and their secret keys."""
    projects: dict[str, list[str]] = field(default_factory=lambda: {SAMPLE_REGION: [SAMPLE_PROJECT_ID]})
    """Project ids by region, as IAM lists them (more than one for a region is allowed)."""
    clusters: dict[str, Cluster] = field(default_factory=dict)
    page_cap: int = 100
    """The most connections a page holds, whatever ``limit`` asks for."""
    default_limit: int = 10
    """The page size when ``limit`` is not given: one short page."""
    latency: float = 0.0
    """Seconds added to every API request."""
    ignore_offset: bool = False
    """Serve every page from offset 0, as a broken service would."""
    clock_offset: float = 0.0
    """Seconds the gateway's clock is ahead of the client's (negative: behind), to simulate clock skew."""
    faults: list[Fault] = field(default_factory=list)
    seed: int = 0
    requests: Counter[str] = field(default_factory=Counter)
    """API requests served, by ``css``, ``iam``, ``css:<cluster id>`` and status ``status:<code>``."""

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.lock = threading.Lock()

    def add_cluster(self, cluster: Cluster) -> None:
        """Add or replace a cluster."""
        with self.lock:
            self.clusters[cluster.id] = cluster

    def set_faults(self, faults: Sequence[Fault]) -> None:
        """Replace the injected faults."""
        with self.lock:
            self.faults = list(faults)

    def reset_counts(self) -> None:
        """Forget the requests counted so far."""
        with self.lock:
            self.requests.clear()

    def pick_fault(self, target: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.target not in (target, "any"):
                    continue
                if fault.times is not None and fault.times <= 0:
                    continue
                if fault.rate is not None and self.rng.random() >= fault.rate:
                    continue
                if fault.times is not None:
                    fault.times -= 1
                return fault
        return None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EmulatorState:
        """A state from a data file: ``{"credentials": {AK: SK}, "projects": {region: id or [ids]},
        "clusters": [...]}``; every key is optional and falls back to the sample data."""
        state = sample_state() if "clusters" not in data else cls()
        if "credentials" in data:
            state.credentials = {str(k): str(v) for k, v in data["credentials"].items()}
        if "projects" in data:
            state.projects = {
                str(region): [str(p) for p in (ids if isinstance(ids, list) else [ids])]
                for region, ids in data["projects"].items()
            }
        for raw in data.get("clusters", []):
            state.add_cluster(Cluster.from_json(raw))
        return state


def sample_state(**options: Any) -> EmulatorState:
    """The sample data: region ``cn-north-4``, a cluster with three connections, and one whose
    endpoint service is not enabled."""
    state = EmulatorState(**options)
    for cluster in _sample_clusters():
        state.add_cluster(cluster)
    return state


@dataclass
class _Request:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


@dataclass
class _Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False
    truncate: bool = False

    @classmethod
    def json(cls, status: int, payload: Any, **headers: str) -> _Response:
        return cls(status, json.dumps(payload, separators=(",", ":")).encode(), headers=dict(headers))

    def encode(self, request_id: str, keep_alive: bool) -> bytes:
        length = len(self.body) + (64 if self.truncate else 0)
        head = [
            f"HTTP/1.1 {self.status} {HTTPStatus(self.status).phrase}",
            f"Content-Type: {self.content_type}",
            f"Content-Length: {length}",
            f"X-Request-Id: {request_id}",
            f"Connection: {'keep-alive' if keep_alive and not self.truncate else 'close'}",
            *(f"{k}: {v}" for k, v in self.headers.items()),
        ]
        return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + self.body


def _css_error(status: int, code: str, message: str) -> _Response:
    return _Response.json(status, {"errCode": code, "externalMessage": message})


def _gateway_error(status: int, code: str, message: str) -> _Response:
    return _Response.json(status, {"error_code": code, "error_msg": message})


def _fault_response(fault: Fault) -> _Response:
    extra = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
    if fault.kind == "drop":
        return _Response(0, drop=True)
    if fault.kind == "truncate":
        return _Response(200, b'{"connections": [{"id": "cut-sh', truncate=True)
    if fault.kind == "non_json":
        return _Response(200, b"service busy, try later", content_type="text/plain")
    if fault.kind == "html":
        page = (
            f"<html><head><title>{fault.status} {HTTPStatus(fault.status).phrase}</title></head>"
            f"<body><h1>{HTTPStatus(fault.status).phrase}</h1><hr>gateway</body></html>"
        )
        return _Response(fault.status, page.encode(), content_type="text/html", headers=extra)
    code = fault.code or ("APIGW.0308" if fault.status == 429 else f"APIGW.{fault.status:04d}")
    message = fault.message or HTTPStatus(fault.status).phrase
    response = _gateway_error(fault.status, code, message)
    response.headers.update(extra)
    return response


class _Server:
    """The HTTP/1.1 server: routing, signature checks and the control API over one ``EmulatorState``."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    async def handle_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request = await self._read_request(reader)
                if request is None:
                    break
                keep_alive = request.headers.get("connection", "").lower() != "close"
                response = await self.respond(request)
                if response.drop:
                    writer.transport.abort()
                    return
                writer.write(response.encode(uuid.uuid4().hex, keep_alive))
                await writer.drain()
                if not keep_alive or response.truncate:
                    break
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    @staticmethod
    async def _read_request(reader: asyncio.StreamReader) -> _Request | None:
        line = await reader.readline()
        if not line.strip():
            return None
        method, target, _version = line.decode("latin-1").split(" ", 2)
        headers: dict[str, str] = {}
        for _ in range(_MAX_HEADERS):
            raw = await reader.readline()
            if raw in (b"\r\n", b"\n", b""):
                break
            name, _, value = raw.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0") or 0)
        if length > _MAX_BODY:
            raise ValueError("body too large")
        body = await reader.readexactly(length) if length else b""
        path, _, query = target.partition("?")
        return _Request(method.upper(), path, query, headers, body)

    async def respond(self, request: _Request) -> _Response:
        if request.path.startswith("/_emulator/"):
            return self._control(request)
        target = "iam" if request.path.startswith("/v3/") else "css"
        state = self.state
        fault = state.pick_fault(target)
        if state.latency:
            await asyncio.sleep(state.latency)
        if fault is not None and fault.kind == "delay":
            await asyncio.sleep(fault.delay)
            fault = None
        response = _fault_response(fault) if fault is not None else self._api(request, target)
        with state.lock:
            state.requests[target] += 1
            state.requests[f"status:{response.status}"] += 1
        return response

    def _authenticate(self, request: _Request) -> _Response | None:
        parts = parse_authorization(request.headers.get("authorization", ""))
        if parts is None:
            return _gateway_error(401, "APIGW.0301", "Incorrect IAM authentication information: no signature")
        secret = self.state.credentials.get(parts["Access"])
        if secret is None:
            return _gateway_error(401, "APIGW.0301", "Incorrect IAM authentication information: unknown key")
        sdk_date = request.headers.get("x-sdk-date", "")
        try:
            signed_at = datetime.strptime(sdk_date, DATE_FORMAT).replace(tzinfo=UTC)
        except ValueError:
            return _gateway_error(401, "APIGW.0301", "Incorrect IAM authentication information: bad X-Sdk-Date")
        now = datetime.now(UTC) + timedelta(seconds=self.state.clock_offset)
        if abs((now - signed_at).total_seconds()) > MAX_CLOCK_SKEW:
            return _gateway_error(
                401, "APIGW.0301", "Incorrect IAM authentication information: the request time is out of range"
            )
        signed = parts["SignedHeaders"].split(";")
        if "host" not in signed or "x-sdk-date" not in signed or any(h not in request.headers for h in signed):
            return _gateway_error(401, "APIGW.0301", "Incorrect IAM authentication information: headers")
        canonical = canonical_request(
            request.method,
            request.path,
            request.query,
            request.headers,
            signed,
            hashlib.sha256(request.body).hexdigest(),
        )
        if not hmac.compare_digest(signature(secret, sdk_date, canonical), parts["Signature"]):
            return _gateway_error(
                401, "APIGW.0301", "Incorrect IAM authentication information: verify aksk signature fail"
            )
        return None

    def _api(self, request: _Request, target: str) -> _Response:
        if request.method != "GET":
            return _gateway_error(405, "APIGW.0101", "The API does not exist or has not been published")
        refused = self._authenticate(request)
        if refused is not None:
            return refused
        query: dict[str, str] = {}
        for item in request.query.split("&"):
            if item:
                key, _, value = item.partition("=")
                query[unquote(key)] = unquote(value)
        segments = [unquote(s) for s in request.path.strip("/").split("/")]
        if target == "iam":
            if segments != ["v3", "projects"]:
                return _Response.json(404, {"error": {"code": "404", "message": "Not found"}})
            return self._projects(query.get("name"))
        if (
            len(segments) == 6
            and segments[0] == "v1.0"
            and segments[2] == "clusters"
            and segments[4:] == ["vpcepservice", "connections"]
        ):
            return self._connections(segments[1], segments[3], query, request.headers)
        return _gateway_error(404, "APIGW.0101", "The API does not exist or has not been published")

    def _projects(self, name: str | None) -> _Response:
        regions = [name] if name is not None else list(self.state.projects)
        projects = [
            {"id": pid, "name": region, "domain_id": "emulator", "enabled": True}
            for region in regions
            for pid in self.state.projects.get(region, [])
        ]
        return _Response.json(200, {"projects": projects, "links": {"self": "/v3/projects"}})

    def _connections(
        self, project_id: str, cluster_id: str, query: Mapping[str, str], headers: Mapping[str, str]
    ) -> _Response:
        state = self.state
        header_project = headers.get("x-project-id")
        if header_project is not None and header_project != project_id:
            return _gateway_error(401, "APIGW.0301", "Incorrect IAM authentication information: project")
        try:
            offset = int(query.get("offset", "0"))
            limit = int(query.get("limit", str(state.default_limit)))
        except ValueError:
            return _css_error(400, "CSS.0001", "Invalid offset or limit.")
        if offset < 0 or limit < 1:
            return _css_error(400, "CSS.0001", "Invalid offset or limit.")
        with state.lock:
            cluster = state.clusters.get(cluster_id)
            if cluster is None or cluster.project_id != project_id:
                return _css_error(403, "CSS.0015", "No permission to access this cluster or it does not exist.")
            if not cluster.enabled:
                return _css_error(400, "CSS.5182", "The VPC endpoint service of the cluster is not enabled.")
            start = 0 if state.ignore_offset else offset
            items = cluster.connections[start : start + min(limit, state.page_cap)]
            payload = {
                "connections": items,
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
        return _Response(200, body)

    def _control(self, request: _Request) -> _Response:
        state = self.state
        try:
            data = json.loads(request.body or b"null")
        except ValueError:
            return _Response.json(400, {"error": "the body is not JSON"})
        path = request.path.removeprefix("/_emulator/")
        if request.method == "GET" and path == "requests":
            with state.lock:
                return _Response.json(200, dict(state.requests))
        if request.method == "POST" and path == "faults":
            state.set_faults([Fault(**item) for item in data or []])
            return _Response.json(200, {"faults": len(state.faults)})
        if request.method == "POST" and path == "settings":
            with state.lock:
                for key in ("page_cap", "default_limit", "latency", "ignore_offset", "clock_offset"):
                    if key in data:
                        setattr(state, key, type(getattr(state, key))(data[key]))
                if "seed" in data:
                    state.rng = random.Random(int(data["seed"]))
            return _Response.json(200, {"ok": True})
        if request.method == "POST" and path == "reset-counts":
            state.reset_counts()
            return _Response.json(200, {"ok": True})
        if path.startswith("clusters/"):
            cluster_id = path.removeprefix("clusters/")
            if request.method == "PUT":
                state.add_cluster(Cluster.from_json({**(data or {}), "id": cluster_id}))
                return _Response.json(200, {"id": cluster_id})
            if request.method == "GET" and cluster_id in state.clusters:
                return _Response.json(200, asdict(state.clusters[cluster_id]))
        return _Response.json(404, {"error": f"no control endpoint {request.method} {request.path}"})


class Emulator:
    """The emulator in a background thread of this process, for tests and examples.

    ``with Emulator() as emu:`` starts it on a free loopback port; ``emu.url`` is its address and
    ``emu.environ()`` the variables that point a read at it.
    """

    def __init__(
        self,
        state: EmulatorState | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        _require_loopback(host)
        self.state = state if state is not None else sample_state()
        self.host = host
        self.port = port
        self.tls = tls
        """A server TLS context: serve https instead of http (to test certificate handling)."""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The emulator's base URL, such as ``http://127.0.0.1:40123``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}"

    def environ(self, access_key: str = SAMPLE_ACCESS_KEY, secret_key: str = SAMPLE_SECRET_KEY) -> dict[str, str]:
        """The ``HW_*`` variables that send a read to this emulator with a key it knows."""
        return {
            "HW_ACCESS_KEY": access_key,
            "HW_SECRET_KEY": secret_key,
            "HW_REGION_NAME": SAMPLE_REGION,
            "HW_CSS_ENDPOINT": self.url,
            "HW_AUTH_URL": f"{self.url}/v3",
        }

    def pulumi_config(self, namespace: str = "huaweicloud") -> dict[str, str]:
        """Pulumi configuration (``huaweicloud:*``, or the plugin's ``css-vpcep:*``) with this emulator's key,
        region and IAM endpoint. The CSS endpoint has no configuration key: set ``HW_CSS_ENDPOINT`` too."""
        return {
            f"{namespace}:accessKey": SAMPLE_ACCESS_KEY,
            f"{namespace}:secretKey": SAMPLE_SECRET_KEY,
            f"{namespace}:region": SAMPLE_REGION,
            f"{namespace}:authUrl": f"{self.url}/v3",
        }

    async def start_serving(self) -> asyncio.Server:
        """Start serving on the running loop and return the server."""
        server = await asyncio.start_server(
            _Server(self.state).handle_connection, self.host, self.port, backlog=1024, limit=1 << 16, ssl=self.tls
        )
        self.port = server.sockets[0].getsockname()[1]
        self._server = server
        return server

    def start(self) -> Self:
        """Serve from a background thread; return once it accepts connections."""
        started = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self.start_serving())
            except BaseException as exc:
                failure.append(exc)
                started.set()
                return
            started.set()
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=run, name="css-vpcep-emulator", daemon=True)
        self._thread.start()
        started.wait()
        if failure:
            raise failure[0]
        return self

    def stop(self) -> None:
        """Stop serving and join the thread."""
        loop, server = self._loop, self._server
        if loop is None or server is None:
            return

        async def shutdown() -> None:
            server.close()
            loop.stop()

        asyncio.run_coroutine_threadsafe(shutdown(), loop)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._loop = self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _require_loopback(host: str) -> None:
    try:
        validate_endpoint(f"http://[{host}]" if ":" in host else f"http://{host}", "--host")
    except InvalidInputError:
        raise InvalidInputError(
            "--host", f"{host!r} is not a loopback address: the emulator serves only loopback"
        ) from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="css-vpcep emulator",
        description="Serve the CSS and IAM endpoints on loopback with sample data, checking signatures.",
        epilog="After '--', a command to run against the emulator (for example: -- css-vpcep connections "
        f"--cluster-id {SAMPLE_CLUSTER_ID}); the emulator stops when it ends and its exit code is returned.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="a loopback address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="the port (default: a free one)")
    parser.add_argument("--data", type=Path, help="a JSON file of credentials, projects and clusters")
    parser.add_argument("--page-cap", type=int, default=100, help="the most connections a page holds")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="milliseconds added to every request")
    parser.add_argument("--fail-rate", type=float, default=0.0, help="a share of requests answered 503")
    parser.add_argument("--seed", type=int, default=0, help="the seed of injected failures")
    parser.add_argument("command", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """``css-vpcep emulator``: serve until interrupted, or run the command given after ``--``."""
    args = _parser().parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    try:
        if args.data is not None:
            state = EmulatorState.from_json(json.loads(args.data.read_text(encoding="utf-8")))
        else:
            state = sample_state()
        emulator = Emulator(state, host=args.host, port=args.port)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"css-vpcep emulator: {exc}", file=sys.stderr)
        return 2
    state.page_cap = args.page_cap
    state.latency = args.latency_ms / 1000
    state.rng = random.Random(args.seed)
    if args.fail_rate:
        state.set_faults([Fault(kind="status", status=503, rate=args.fail_rate)])

    if command:
        with emulator:
            env = {**os.environ, **emulator.environ()}
            # The command is found beside this Python first, so `css-vpcep` means this installation's.
            env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")])
            print(f"css-vpcep emulator: serving on {emulator.url}", file=sys.stderr, flush=True)
            try:
                return subprocess.call(command, env=env)
            except OSError as exc:
                print(f"css-vpcep emulator: cannot run {command[0]!r}: {exc.strerror}", file=sys.stderr)
                return 127

    async def serve() -> None:
        server = await emulator.start_serving()
        print(f"{emulator.url}", flush=True)
        print(
            f"css-vpcep emulator: serving {emulator.url}; point a read at it with:\n"
            + "".join(f"  export {k}={v}\n" for k, v in emulator.environ().items())
            + f"  css-vpcep connections --cluster-id {SAMPLE_CLUSTER_ID}",
            file=sys.stderr,
            flush=True,
        )
        async with server:
            await server.serve_forever()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
