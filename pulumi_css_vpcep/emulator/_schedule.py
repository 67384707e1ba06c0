"""Connections that change while the emulator runs: a status that changes after some seconds, a connection
that is listed only some seconds after its cluster is loaded. What tests of a waiting pipeline need.

Besides the API's fields, a connection in a data file (or in a cluster sent to the control API) may have:

- ``statusChanges``: ``[{"afterSeconds": 3, "status": "accepted"}, ...]``: at each time, the entry's other
  fields (most often only ``status``) are set on the connection;
- ``appearsAfterSeconds``: the connection is listed only from then on (its status changes come after it).

Seconds count from when the cluster is loaded: the emulator's start for ``--data``, the request for the
control API. Either key may be spelled in snake_case too. The control API's
``POST /_emulator/clusters/{id}/connections/{connection id}`` schedules one change the same way. Nothing
here keeps time: the service applies what is due (``advance``) before it answers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

MAX_SECONDS = 86400.0
"""The latest a change may be scheduled, in seconds."""
AFTER = ("afterSeconds", "after_seconds")
APPEARS = ("appearsAfterSeconds", "appears_after_seconds")
CHANGES = ("statusChanges", "status_changes")


@dataclass(frozen=True)
class Change:
    """What happens to connection ``connection_id`` at ``at`` (``time.monotonic()``): ``fields`` are set on it,
    or it is listed with them when it is not listed yet."""

    at: float
    connection_id: str
    fields: Mapping[str, Any]


def _pop(raw: dict[str, Any], names: tuple[str, ...]) -> Any:
    found = [raw.pop(name) for name in names if name in raw]
    return found[0] if found else None


def seconds(value: Any, where: str) -> float:
    """A number of seconds from 0 to ``MAX_SECONDS``, else ``ValueError`` naming ``where``."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= MAX_SECONDS:
        raise ValueError(f"{where} must be a number of seconds from 0 to {MAX_SECONDS:g}")
    return float(value)


def plan(connections: Sequence[Any], loaded: float) -> tuple[list[Any], list[Change]]:
    """The connections listed when their cluster is loaded (at ``loaded``), without the timing keys, and the
    changes to come, in time order; ``ValueError`` naming the connection and key for a malformed timing."""
    listed: list[Any] = []
    changes: list[Change] = []
    for index, item in enumerate(connections):
        if not isinstance(item, dict) or not any(key in item for key in (*APPEARS, *CHANGES)):
            listed.append(item)  # kept as it is: a test may serve what the service should never send
            continue
        raw = dict(item)
        where = f"connections[{index}]"
        connection_id = raw.get("id")
        if not isinstance(connection_id, str) or not connection_id:
            raise ValueError(f"{where}.id is required with {APPEARS[0]} or {CHANGES[0]}")
        appears = _pop(raw, APPEARS)
        entries = _pop(raw, CHANGES)
        if entries is None:
            entries = []
        if not isinstance(entries, list):
            raise ValueError(f"{where}.{CHANGES[0]} must be a list")
        start = 0.0 if appears is None else seconds(appears, f"{where}.{APPEARS[0]}")
        if appears is None:
            listed.append(raw)
        else:
            changes.append(Change(loaded + start, connection_id, raw))
        for number, entry in enumerate(entries):
            place = f"{where}.{CHANGES[0]}[{number}]"
            if not isinstance(entry, dict):
                raise ValueError(f"{place} must be an object such as {{\"afterSeconds\": 3, \"status\": \"accepted\"}}")
            fields = dict(entry)
            after = seconds(_pop(fields, AFTER), f"{place}.{AFTER[0]}")
            if after < start:
                raise ValueError(f"{place}.{AFTER[0]} comes before the connection appears")
            changes.append(Change(loaded + after, connection_id, fields))
    return listed, sorted(changes, key=lambda change: change.at)


def advance(connections: list[Any], changes: list[Change], now: float) -> list[Change]:
    """Apply the changes due by ``now`` to ``connections``, in time order; the changes still to come."""
    due = [change for change in changes if change.at <= now]
    for change in sorted(due, key=lambda change: change.at):
        current = next((c for c in connections if isinstance(c, dict) and c.get("id") == change.connection_id), None)
        if current is None:
            connections.append({"id": change.connection_id, **change.fields})
        else:
            current.update(change.fields)
    return [change for change in changes if change.at > now]


def as_data(connections: Sequence[Any], changes: Sequence[Change], now: float) -> list[Any]:
    """The connections as a data file writes them: those listed, each with its changes still to come
    (``statusChanges``), then those not listed yet (``appearsAfterSeconds``), the seconds counted from ``now``."""
    def after(change: Change) -> float:
        return round(max(0.0, change.at - now), 3)

    shown: list[Any] = []
    index: dict[str, dict[str, Any]] = {}
    for connection in connections:
        if isinstance(connection, dict):
            connection = dict(connection)
            if isinstance(connection.get("id"), str):
                index[connection["id"]] = connection
        shown.append(connection)
    for change in changes:
        target = index.get(change.connection_id)
        if target is None:
            index[change.connection_id] = target = {"id": change.connection_id, **change.fields,
                                                    APPEARS[0]: after(change)}
            shown.append(target)
        else:
            target.setdefault(CHANGES[0], []).append({AFTER[0]: after(change), **change.fields})
    return shown
