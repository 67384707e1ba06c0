"""pydantic models of the API's JSON and of the outputs every face returns.

The service does not always send the documented types (``"maxSession": "3000"``,
``"vpcepUpdateSwitch": "false"``), so values are read by meaning; unknown fields are ignored and
missing optional fields are ``None``. Each model accepts both the API's spelling (``maxSession``) and
the output's (``max_session``), so stored outputs parse back into the same model.
"""

from __future__ import annotations

import json
import math
from typing import Annotated, Any

from pydantic import AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field

from .settings import scalar_text

__all__ = [
    "Connection",
    "ConnectionsPage",
    "Permission",
    "VpcepConnectionsResult",
    "order_insensitive",
]


def _lenient_int(value: Any) -> int | None:
    """``3000``, ``3000.0``, ``"3000"`` and ``" 3000 "`` are 3000; anything without a whole number is None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value.is_integer() else None
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            try:
                number = float(text)
            except ValueError:
                return None
            return int(number) if math.isfinite(number) and number.is_integer() else None
    return None


def _lenient_bool(value: Any) -> bool:
    """``true``, ``"true"``, ``"True"``, ``1`` and ``"1"`` are true; everything else is false."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value == 1
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes", "on")
    return False


def _objects(value: Any) -> list[Any]:
    """A list of the JSON objects in ``value``; a null or malformed list is empty."""
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict | BaseModel)]


LenientInt = Annotated[int | None, BeforeValidator(_lenient_int)]
LenientStr = Annotated[str | None, BeforeValidator(scalar_text)]
LenientBool = Annotated[bool, BeforeValidator(_lenient_bool)]


def _field(*names: str, default: Any = None) -> Any:
    return Field(default=default, validation_alias=AliasChoices(*names))


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class Connection(_Model):
    """One VPC endpoint connection to the cluster's endpoint service."""

    id: LenientStr = _field("id")
    """The VPC endpoint id."""
    status: LenientStr = _field("status")
    """The connection status: ``accepted``, ``rejected``, ``pendingAcceptance``..."""
    max_session: LenientInt = _field("max_session", "maxSession")
    """The maximum number of connections through the endpoint."""
    specification_name: LenientStr = _field("specification_name", "specificationName")
    """The endpoint's specification name."""
    created_at: LenientStr = _field("created_at", "createdAt")
    """When the connection was created, as the service wrote it (ISO 8601)."""
    update_at: LenientStr = _field("update_at", "updateAt", "updated_at")
    """When the connection was last updated, or ``None``."""
    domain_id: LenientStr = _field("domain_id", "domainId")
    """The account id of the endpoint's owner."""
    vpcep_ip: LenientStr = _field("vpcep_ip", "vpcepIp")
    """The endpoint's IPv4 address."""
    vpcep_ipv6_address: LenientStr = _field("vpcep_ipv6_address", "vpcepIpv6Address")
    """The endpoint's IPv6 address."""
    vpcep_dns_name: LenientStr = _field("vpcep_dns_name", "vpcepDnsName")
    """The endpoint's private domain name."""


class Permission(_Model):
    """One entry of the endpoint service's whitelist."""

    id: LenientStr = _field("id")
    """The permission id."""
    permission: LenientStr = _field("permission")
    """The whitelisted account or organisation (``iam:domain::...``)."""
    permission_type: LenientStr = _field("permission_type", "permissionType")
    """The permission type (``domainId`` or ``orgPath``)."""
    created_at: LenientStr = _field("created_at", "createdAt")
    """When the permission was created."""


Connections = Annotated[list[Connection], BeforeValidator(_objects)]
Permissions = Annotated[list[Permission], BeforeValidator(_objects)]


class ConnectionsPage(_Model):
    """One page of ``GET .../vpcepservice/connections``."""

    connections: Connections = _field("connections", default=[])
    """The connections on this page."""
    permissions: Permissions = _field("permissions", default=[])
    """The endpoint service's whitelist."""
    vpc_service_name: LenientStr = _field("vpcServiceName", "vpc_service_name")
    """The name of the VPC endpoint service."""
    vpcep_update_switch: LenientBool = _field("vpcepUpdateSwitch", "vpcep_update_switch", default=False)
    """Whether endpoint updates are enabled."""
    total_count: LenientInt = _field("total_count", "totalCount")
    """The service's count of all connections, or ``None`` when it did not say."""


class VpcepConnectionsResult(_Model):
    """The outputs of a read: what every face returns, in the Terraform data source's names."""

    cluster_id: str
    """The CSS cluster whose endpoint connections were read."""
    project_id: str
    """The project the cluster belongs to."""
    region: str
    """The region of the cluster."""
    endpoint: str
    """The CSS endpoint that was read."""
    connections: list[Connection]
    """Every connection, in the service's order, each id once."""
    permissions: list[Permission]
    """The endpoint service's whitelist, each id once."""
    vpc_service_name: str | None
    """The name of the VPC endpoint service."""
    vpcep_update_switch: bool
    """Whether endpoint updates are enabled."""
    total_count: int
    """The number of connections read."""

    @property
    def resource_id(self) -> str:
        """The deterministic id of the resource that holds this read: ``{region}:{project_id}:{cluster_id}``."""
        return f"{self.region}:{self.project_id}:{self.cluster_id}"

    def to_outputs(self) -> dict[str, Any]:
        """The outputs as plain JSON values, snake_case, exactly as the resource stores them."""
        return self.model_dump(mode="json")


def order_insensitive(value: Any) -> Any:
    """A JSON value in which lists are in a fixed order, so that the same connections and permissions
    compare equal whatever order the service sent them in (a new order is not drift)."""
    if isinstance(value, list):
        return sorted((order_insensitive(item) for item in value), key=lambda item: json.dumps(item, sort_keys=True))
    if isinstance(value, dict):
        return {key: order_insensitive(item) for key, item in value.items()}
    return value
