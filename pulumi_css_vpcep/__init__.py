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
        CssVpcepError,
        IncompleteReadError,
        InvalidInputError,
        ReadCancelledError,
        TransportError,
    )
    from .models import Connection, Permission, VpcepConnectionsResult
    from .resource import VpcepConnections, VpcepConnectionsProvider, get_vpcep_connections

_WHERE = {
    "RetryPolicy": "_retries",
    "aread_vpcep_connections": "_read",
    "read_vpcep_connections": "_read",
    "ApiError": "errors",
    "ConfigurationError": "errors",
    "CssVpcepError": "errors",
    "IncompleteReadError": "errors",
    "InvalidInputError": "errors",
    "ReadCancelledError": "errors",
    "TransportError": "errors",
    "ConnectionPool": "_transports.httpx_pool",
    "Connection": "models",
    "Permission": "models",
    "VpcepConnectionsResult": "models",
    # The Pulumi faces import the Pulumi SDK (and gRPC).
    "VpcepConnections": "resource",
    "VpcepConnectionsProvider": "resource",
    "get_vpcep_connections": "resource",
}

__all__ = [
    "ApiError",
    "ConfigurationError",
    "Connection",
    "ConnectionPool",
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
