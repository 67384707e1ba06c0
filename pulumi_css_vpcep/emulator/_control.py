"""The control API: change a running emulator's data and behaviour from another process.

It is served beside the API on the same address, under ``/_emulator/``, and is not signed. Bodies
and answers are JSON. A body that is not JSON, or does not fit the route, is answered 400
``{"error": "<where>: <what>"}`` and changes nothing; an unknown route is 404.

``GET /_emulator/requests``
    The API requests served so far, by ``css``, ``iam``, ``css:<cluster id>`` and ``status:<code>``
    (``status:0`` counts dropped connections): ``{"css": 3, "status:200": 3, ...}``.
``POST /_emulator/reset-counts``
    Forget those counts. Answers ``{"ok": true}``.
``POST /_emulator/faults``
    Replace the injected faults with a list of faults, each with the fields of ``Fault``:
    ``[{"kind": "status", "status": 503, "retry_after": "0", "times": 2}]``; ``[]`` clears them.
    Answers ``{"faults": <how many>}``.
``POST /_emulator/settings``
    Change any of ``page_cap`` (>= 1), ``default_limit`` (>= 1), ``latency`` (seconds, >= 0),
    ``ignore_offset`` (bool), ``clock_offset`` (seconds) and ``seed`` (reseeds the faults' random
    generator): ``{"page_cap": 50, "latency": 0.02}``. Answers ``{"ok": true}``.
``PUT /_emulator/clusters/{id}``
    Add or replace cluster ``{id}``; the body has the fields of a data file's cluster (``ClusterSpec``),
    such as ``{"connections": [...]}`` or ``{"generate": 250}``. Answers ``{"id": "<id>"}``.
``GET /_emulator/clusters/{id}``
    The cluster with the field names of ``Cluster`` (``id``, ``project_id``, ``connections``,
    ``permissions``, ``vpc_service_name``, ``vpcep_update_switch``, ``enabled``, ``grow_by``,
    ``grow_times``). To change a connection's status, get the cluster, edit it, and put it back.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import asdict
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from ._faults import Fault
from ._http import Request, Response
from ._state import ClusterSpec, EmulatorState, validation_message

__all__ = ["PREFIX", "Settings", "respond"]

PREFIX = "/_emulator/"

_FAULTS = TypeAdapter(list[Fault])


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


class Settings(BaseModel):
    """The body of ``POST /_emulator/settings``: the settings to change."""

    model_config = ConfigDict(extra="forbid")

    page_cap: Annotated[int, Field(ge=1)] | None = None
    default_limit: Annotated[int, Field(ge=1)] | None = None
    latency: Annotated[float, Field(ge=0, le=3600)] | None = None
    ignore_offset: bool | None = None
    clock_offset: Annotated[float, AfterValidator(_finite)] | None = None
    seed: int | None = None

    def apply(self, state: EmulatorState) -> None:
        """Set every setting given here on ``state``."""
        with state.lock:
            for name, value in self.model_dump(exclude_none=True).items():
                if name == "seed":
                    state.rng = random.Random(value)
                else:
                    setattr(state, name, value)


def respond(state: EmulatorState, request: Request) -> Response:
    """Answer a request under ``/_emulator/``."""
    try:
        data = json.loads(request.body or b"null")
    except ValueError:
        return _error(400, "the body is not JSON")
    try:
        return _route(state, request.method, request.path.removeprefix(PREFIX), data)
    except ValidationError as exc:
        return _error(400, validation_message(exc))


def _route(state: EmulatorState, method: str, path: str, data: Any) -> Response:
    if method == "GET" and path == "requests":
        with state.lock:
            return Response.json(200, dict(state.requests))
    if method == "POST" and path == "reset-counts":
        state.reset_counts()
        return Response.json(200, {"ok": True})
    if method == "POST" and path == "faults":
        state.set_faults(_FAULTS.validate_python(data if data is not None else []))
        return Response.json(200, {"faults": len(state.faults)})
    if method == "POST" and path == "settings":
        Settings.model_validate(data if data is not None else {}).apply(state)
        return Response.json(200, {"ok": True})
    if path.startswith("clusters/"):
        return _cluster(state, method, path.removeprefix("clusters/"), data)
    return _error(404, f"no control endpoint {method} {PREFIX}{path}")


def _cluster(state: EmulatorState, method: str, cluster_id: str, data: Any) -> Response:
    if method == "PUT":
        body = data if data is not None else {}
        if not isinstance(body, dict):
            return _error(400, "the body must be a JSON object")
        state.add_cluster(ClusterSpec.model_validate({**body, "id": cluster_id}).to_cluster())
        return Response.json(200, {"id": cluster_id})
    if method == "GET":
        with state.lock:
            cluster = state.clusters.get(cluster_id)
            if cluster is not None:
                return Response.json(200, asdict(cluster))
    return _error(404, f"no control endpoint {method} {PREFIX}clusters/{cluster_id}")


def _error(status: int, message: str) -> Response:
    return Response.json(status, {"error": message})
