"""Read Huawei Cloud CSS VPC endpoint connections from Pulumi, Python and pipelines.

``read_vpcep_connections`` is the one read; ``VpcepConnections`` (a Pulumi dynamic resource) and
``get_vpcep_connections`` (a data-source function) are built on it. Every public name is loaded when
first used: the command and the client never import Pulumi's engine or gRPC, and the command can set
up its process before the models are built.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from ._read import aread_vpcep_connections, read_vpcep_connections
    from ._retries import RetryPolicy
    from ._transports.httpx_pool import ConnectionPool
    from .errors import (
        ApiError,
        ConfigurationError,
        ConnectionStatusError,
        CssVpcepError,
        IncompleteReadError,
        InvalidInputError,
        ReadCancelledError,
        TransportError,
        WaitTimeoutError,
    )
    from .models import Connection, Permission, VpcepConnectionsResult
    from .resource import VpcepConnections, VpcepConnectionsProvider, get_vpcep_connections

_WHERE = {
    name: module
    for module, names in {
        "_read": ("aread_vpcep_connections", "read_vpcep_connections"),
        "_retries": ("RetryPolicy",),
        "_transports.httpx_pool": ("ConnectionPool",),
        "errors": ("ApiError", "ConfigurationError", "ConnectionStatusError", "CssVpcepError", "IncompleteReadError",
                   "InvalidInputError", "ReadCancelledError", "TransportError", "WaitTimeoutError"),
        "models": ("Connection", "Permission", "VpcepConnectionsResult"),
        # The Pulumi faces import the Pulumi SDK (and gRPC).
        "resource": ("VpcepConnections", "VpcepConnectionsProvider", "get_vpcep_connections"),
    }.items()
    for name in names
}
"""Where each public name is defined, to be imported when first used."""

__all__ = [
    "ApiError",
    "ConfigurationError",
    "Connection",
    "ConnectionPool",
    "ConnectionStatusError",
    "CssVpcepError",
    "IncompleteReadError",
    "InvalidInputError",
    "Permission",
    "ReadCancelledError",
    "RetryPolicy",
    "TransportError",
    "VpcepConnections",
    "VpcepConnectionsProvider",
    "VpcepConnectionsResult",
    "WaitTimeoutError",
    "__version__",
    "aread_vpcep_connections",
    "get_vpcep_connections",
    "read_vpcep_connections",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
