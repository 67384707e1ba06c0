"""Read Huawei Cloud CSS VPC endpoint connections from Pulumi, Python and pipelines.

``read_vpcep_connections`` is the one read; ``VpcepConnections`` (a Pulumi dynamic resource) and
``get_vpcep_connections`` (a data-source function) are built on it. Importing the package stays light:
the Pulumi faces are loaded only when first used, so the command and the client never import Pulumi's
engine or gRPC.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

from .client import RetryPolicy, aread_vpcep_connections, read_vpcep_connections
from .errors import (
    ApiError,
    ConfigurationError,
    CssVpcepError,
    IncompleteReadError,
    InvalidInputError,
    TransportError,
)
from .models import Connection, Permission, VpcepConnectionsResult

if TYPE_CHECKING:
    from .resource import VpcepConnections, VpcepConnectionsProvider, get_vpcep_connections

__all__ = [
    "ApiError",
    "ConfigurationError",
    "Connection",
    "CssVpcepError",
    "IncompleteReadError",
    "InvalidInputError",
    "Permission",
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

_PULUMI_FACES = frozenset({"VpcepConnections", "VpcepConnectionsProvider", "get_vpcep_connections"})


def __getattr__(name: str) -> Any:
    # The Pulumi faces import the Pulumi SDK (and gRPC): load them only when a program asks for them.
    if name in _PULUMI_FACES:
        from . import resource

        return getattr(resource, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
