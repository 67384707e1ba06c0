"""The fields of the API's JSON and of the outputs, and how each loose value is read: the one parser.

The service does not always send the documented types (``"maxSession": "3000"``,
``"vpcepUpdateSwitch": "false"``), so every value is read by meaning, by one function of its kind
(``text``, ``whole_number``, ``flag``, ``objects``); a missing value is read as ``None`` is, so the
defaults come from the same functions. A field is found under its own name (``max_session``, as
stored outputs spell it) or its camelCase one (``maxSession``, as the API and Pulumi schemas do).

``read_page`` reads a page of the API, ``read_stored`` the outputs a state holds, both into plain values.
Nothing else parses the service's JSON: the models (``models.py``) are built from these plain values,
only where a function returns them. Standard library only.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

CONNECTION_STATUSES = ("pendingAcceptance", "creating", "accepted", "rejected", "failed", "deleting")
"""The states a connection can be in. The API page documents ``accepted`` and ``rejected``; the VPC Endpoint
service, through which CSS publishes a cluster, also reports ``pendingAcceptance`` (waiting for approval),
``creating``, ``failed`` and ``deleting``."""


def text(value: Any) -> str | None:
    """A value read as text by meaning: strings stay as sent, numbers and booleans become their text
    (``3.0`` is ``"3"``, ``True`` is ``"true"``), structures and null are None."""
    if type(value) is str:  # nearly every value: the fast path
        return value
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def whole_number(value: Any) -> int | None:
    """``3000``, ``3000.0``, ``"3000"`` and ``" 3000 "`` are 3000; anything without a whole number is None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value.is_integer() else None
    if isinstance(value, str):
        stripped = value.strip()
        try:
            return int(stripped)
        except ValueError:
            try:
                number = float(stripped)
            except ValueError:
                return None
            return int(number) if math.isfinite(number) and number.is_integer() else None
    return None


def flag(value: Any) -> bool:
    """``true``, ``"true"``, ``"True"``, ``1`` and ``"1"`` are true; everything else is false."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value == 1
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes", "on")
    return False


def objects(value: Any, kinds: tuple[type, ...] = (dict,)) -> list[Any]:
    """The JSON objects (or other ``kinds``) in a list; a null or malformed list is empty."""
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, kinds)]


Read = Callable[[Any], Any]

CONNECTION_FIELDS: dict[str, Read] = {
    "id": text,
    "status": text,
    "max_session": whole_number,
    "specification_name": text,
    "created_at": text,
    "update_at": text,
    "domain_id": text,
    "vpcep_ip": text,
    "vpcep_ipv6_address": text,
    "vpcep_dns_name": text,
}
"""A connection's fields, in the outputs' order, each with the function that reads it."""
PERMISSION_FIELDS: dict[str, Read] = {
    "id": text,
    "permission": text,
    "permission_type": text,
    "created_at": text,
}
"""A whitelist entry's fields."""
PAGE_FIELDS: dict[str, Read] = {
    "connections": objects,
    "permissions": objects,
    "vpc_service_name": text,
    "vpcep_update_switch": flag,
    "total_count": whole_number,
}
"""A page's fields; its connections and permissions are then read field by field."""
OUTPUT_FIELDS: dict[str, Read] = {
    **dict.fromkeys(("cluster_id", "project_id", "region", "endpoint"), text), **PAGE_FIELDS
}
"""The outputs of a read (``VpcepConnectionsResult``'s fields), in order, as a stored state is read back."""
ITEM_FIELDS: dict[str, dict[str, Read]] = {"connections": CONNECTION_FIELDS, "permissions": PERMISSION_FIELDS}
"""The fields that are lists of objects, each object with its own fields."""

_MORE_SPELLINGS = {"update_at": ("updated_at",)}
"""Spellings besides a field's own and its camelCase one that the service has been seen to use."""


def camel_case(name: str) -> str:
    """A field's name as the API and Pulumi schemas spell it: ``max_session`` is ``maxSession``."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def spellings(name: str) -> tuple[str, ...]:
    """The keys a field is looked up by, the first one present winning: its name, camelCase, and any other."""
    found = (name, camel_case(name), *_MORE_SPELLINGS.get(name, ()))
    return tuple(dict.fromkeys(found))


_SPELLINGS = {
    name: spellings(name) for table in (CONNECTION_FIELDS, PERMISSION_FIELDS, OUTPUT_FIELDS) for name in table
}


def read_fields(fields: Mapping[str, Read], raw: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON object's fields by name, in the table's order, each read by its function; unknown keys are ignored."""
    values = {}
    for name, read in fields.items():
        value = None
        for key in _SPELLINGS[name]:
            if key in raw:
                value = raw[key]
                break
        values[name] = read(value)
    return values


def _read_with_items(fields: Mapping[str, Read], raw: Mapping[str, Any]) -> dict[str, Any]:
    values = read_fields(fields, raw)
    for name, item_fields in ITEM_FIELDS.items():
        values[name] = [read_fields(item_fields, item) for item in values[name]]
    return values


def read_page(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A page of ``GET .../vpcepservice/connections`` in plain values, by ``PAGE_FIELDS``."""
    return _read_with_items(PAGE_FIELDS, raw)


def read_stored(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A read's outputs as a state holds them (either spelling; numbers as floats, null fields dropped), as
    the read gave them: every output of ``OUTPUT_FIELDS``, and every field of each item."""
    return _read_with_items(OUTPUT_FIELDS, raw)


def resource_id(region: str, project_id: str, cluster_id: str) -> str:
    """The deterministic id of the resource that reads ``cluster_id``: ``{region}:{project_id}:{cluster_id}``."""
    return f"{region}:{project_id}:{cluster_id}"
