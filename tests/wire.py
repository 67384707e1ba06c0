"""Properties as they cross the engine's gRPC wire, and back.

The plugin takes and gives ``google.protobuf.Struct``s of camelCase values (``struct``, ``secret``,
``plain``); the dynamic provider host takes and gives properties serialized by the Pulumi runtime
(``to_struct``, ``from_struct``), unknown values and the ``__provider`` property included.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from google.protobuf import json_format, struct_pb2
from pulumi.provider.experimental.property_value import PropertyValue
from pulumi.runtime import rpc


def struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    """Plain values as the engine's property struct; a value made by ``secret`` stays a secret."""
    result = struct_pb2.Struct()
    for key, value in values.items():
        if isinstance(value, struct_pb2.Value):
            result.fields[key].CopyFrom(value)
        else:
            result.update({key: value})
    return result


def secret(value: Any) -> struct_pb2.Value:
    """A value marked secret, as the engine sends a secret."""
    return PropertyValue(value, is_secret=True).marshal()


def plain(message: struct_pb2.Struct) -> dict[str, Any]:
    """A property struct as plain JSON values."""
    result: dict[str, Any] = json_format.MessageToDict(message)
    return result


def to_struct(props: Mapping[str, Any]) -> Any:
    """Properties serialized as the engine sends them to the dynamic provider host."""
    # A private loop, as the provider host uses: asyncio.run would leave this thread without one.
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(rpc.serialize_properties(dict(props), {}))
    finally:
        loop.close()


def from_struct(message: Any) -> dict[str, Any]:
    """Properties as the engine receives them from the dynamic provider host, without ``__provider``."""
    props = dict(rpc.deserialize_properties(message))
    props.pop("__provider", None)
    return props
