"""The fields of the API's JSON and how each loose value is read: one table, used by the models and the plain read.

The service does not always send the documented types (``"maxSession": "3000"``,
``"vpcepUpdateSwitch": "false"``), so every value is read by meaning, by one function of its kind
(``text``, ``whole_number``, ``flag``, ``objects``); a missing value is read as ``None`` is, so the
defaults come from the same functions. A field is found under its own name (``max_session``, as
stored outputs spell it) or its camelCase one (``maxSession``, as the API and Pulumi schemas do).

``models.py`` reads each field of its pydantic models with these functions and spellings (a test holds
the two to this table). ``read_page`` reads a page into plain values without pydantic: the command's
one-page read, which must not wait for pydantic to be imported and its models built.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from ._settings import scalar_text

__all__ = [
    "CONNECTION_FIELDS",
    "CONNECTION_STATUSES",
    "PAGE_FIELDS",
    "PERMISSION_FIELDS",
    "PlainPage",
    "camel_case",
    "flag",
    "objects",
    "read_fields",
    "read_page",
    "spellings",
    "text",
    "whole_number",
]

CONNECTION_STATUSES = ("pendingAcceptance", "creating", "accepted", "rejected", "failed", "deleting")
"""The states a connection can be in. The API page documents ``accepted`` and ``rejected``; the VPC Endpoint
service, through which CSS publishes a cluster, also reports ``pendingAcceptance`` (waiting for approval),
``creating``, ``failed`` and ``deleting``."""

text = scalar_text
"""Strings stay as sent, numbers and booleans become their text (``3.0`` is ``"3"``), structures and null are None."""


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


_SPELLINGS = {name: spellings(name) for table in (CONNECTION_FIELDS, PERMISSION_FIELDS, PAGE_FIELDS) for name in table}


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


class PlainPage(NamedTuple):
    """A page read into plain values: what a ``ConnectionsPage`` holds, with dicts for its items."""

    connections: list[dict[str, Any]]
    permissions: list[dict[str, Any]]
    vpc_service_name: str | None
    vpcep_update_switch: bool
    total_count: int | None


def read_page(raw: Mapping[str, Any]) -> PlainPage:
    """A page of ``GET .../vpcepservice/connections`` in plain values, read as ``ConnectionsPage`` reads it."""
    page = read_fields(PAGE_FIELDS, raw)
    page["connections"] = [read_fields(CONNECTION_FIELDS, item) for item in page["connections"]]
    page["permissions"] = [read_fields(PERMISSION_FIELDS, item) for item in page["permissions"]]
    return PlainPage(**page)
