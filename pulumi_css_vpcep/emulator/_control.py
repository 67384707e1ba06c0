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
    Add or replace cluster ``{id}``; the body has the fields of a data file's cluster (``ClusterSpec``, in
    camelCase or snake_case), such as ``{"connections": [...]}`` or ``{"generate": 250}``; a connection's
    ``statusChanges`` and ``appearsAfterSeconds`` count from this request. Answers ``{"id": "<id>"}``.
``GET /_emulator/clusters/{id}``
    The cluster as a data file writes it (``id``, ``projectId``, ``connections``, ``permissions``,
    ``vpcServiceName``, ``vpcepUpdateSwitch``, ``enabled``, ``growBy``, ``growTimes``), with each change to
    come and its seconds from now: what ``PUT`` takes back.
``POST /_emulator/clusters/{id}/connections/{connection id}``
    Change a connection now, or ``afterSeconds`` from now: the body's other fields (the API's, such as
    ``{"status": "accepted", "afterSeconds": 3}``) are set on it then, or it is listed with them then when
    it is not listed yet. Answers ``{"id": "<connection id>", "afterSeconds": N}``.
"""

from __future__ import annotations

import json
import math
import random
import time
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from ._faults import Fault
from ._http import Request, Response
from ._schedule import AFTER, Change, seconds
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
        cluster_id, _, connection_id = path.removeprefix("clusters/").partition("/connections/")
        if connection_id:
            return _connection(state, method, cluster_id, connection_id, data)
        return _cluster(state, method, cluster_id, data)
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
                return Response.json(200, cluster.as_data())
    return _error(404, f"no control endpoint {method} {PREFIX}clusters/{cluster_id}")


def _connection(state: EmulatorState, method: str, cluster_id: str, connection_id: str, data: Any) -> Response:
    """Schedule a change of one connection (``_schedule``): its fields now, or ``afterSeconds`` from now."""
    if method != "POST":
        return _error(404, f"no control endpoint {method} {PREFIX}clusters/{cluster_id}/connections/{connection_id}")
    if not isinstance(data, dict):
        return _error(400, "the body must be a JSON object, such as {\"status\": \"accepted\", \"afterSeconds\": 3}")
    fields = dict(data)
    given = [fields.pop(name) for name in AFTER if name in fields]
    try:
        after = seconds(given[0], AFTER[0]) if given else 0.0
    except ValueError as err:
        return _error(400, str(err))
    with state.lock:
        cluster = state.clusters.get(cluster_id)
        if cluster is None:
            return _error(404, f"no cluster {cluster_id}")
        now = time.monotonic()
        change = Change(now + after, connection_id, fields)
        cluster.changes = sorted([*cluster.changes, change], key=lambda c: c.at)
        cluster.advance(now)
    return Response.json(200, {"id": connection_id, AFTER[0]: after})


def _error(status: int, message: str) -> Response:
    return Response.json(status, {"error": message})
