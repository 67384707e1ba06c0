"""pydantic models of the API's JSON and of the outputs every face returns.

The service does not always send the documented types (``"maxSession": "3000"``,
``"vpcepUpdateSwitch": "false"``), so values are read by meaning, each field by its function and
spellings in the field table of ``_fields.py``; unknown fields are ignored and missing optional fields
are ``None``. Each model accepts both the API's spelling (``maxSession``) and the output's
(``max_session``), so stored outputs parse back into the same model. Each field's
description is its documentation everywhere: the plugin's schema (and so every generated SDK) is built
from these models.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AliasChoices, AliasGenerator, BaseModel, BeforeValidator, ConfigDict, Field

from ._fields import camel_case, flag, objects, spellings, text, whole_number
from ._settings import resource_id

__all__ = [
    "Connection",
    "ConnectionsPage",
    "Permission",
    "VpcepConnectionsArgs",
    "VpcepConnectionsResult",
    "camel_case",
]


def _objects(value: Any) -> list[Any]:
    """The objects of a list as ``fields.objects`` reads them; models given for items are kept too."""
    return objects(value, (dict, BaseModel))


# Each kind of field is read by its function of the field table (``_fields.py``); tests hold every field to it.
LenientInt = Annotated[int | None, BeforeValidator(whole_number)]
LenientStr = Annotated[str | None, BeforeValidator(text)]
LenientBool = Annotated[bool, BeforeValidator(flag)]


def _either_spelling(name: str) -> AliasChoices:
    return AliasChoices(*spellings(name))


class _Model(BaseModel):
    # Every field is read by its own name (stored outputs) and by its camelCase one (the API, the plugin).
    model_config = ConfigDict(
        extra="ignore",
        frozen=True,
        populate_by_name=True,
        alias_generator=AliasGenerator(validation_alias=_either_spelling),
    )


class Connection(_Model):
    """One VPC endpoint connection to the cluster's endpoint service."""

    id: LenientStr = Field(default=None, description="The VPC endpoint id.")
    status: LenientStr = Field(
        default=None, description="The connection status: `accepted`, `rejected`, `pendingAcceptance`..."
    )
    max_session: LenientInt = Field(default=None, description="The maximum number of connections through the endpoint.")
    specification_name: LenientStr = Field(default=None, description="The endpoint's specification name.")
    created_at: LenientStr = Field(
        default=None, description="When the connection was created, as the service wrote it (ISO 8601)."
    )
    update_at: LenientStr = Field(default=None, description="When the connection was last updated, if ever.")
    domain_id: LenientStr = Field(default=None, description="The account id of the endpoint's owner.")
    vpcep_ip: LenientStr = Field(default=None, description="The endpoint's IPv4 address.")
    vpcep_ipv6_address: LenientStr = Field(default=None, description="The endpoint's IPv6 address.")
    vpcep_dns_name: LenientStr = Field(default=None, description="The endpoint's private domain name.")


class Permission(_Model):
    """One entry of the endpoint service's whitelist."""

    id: LenientStr = Field(default=None, description="The permission id.")
    permission: LenientStr = Field(
        default=None, description="The whitelisted account or organisation (`iam:domain::...`)."
    )
    permission_type: LenientStr = Field(default=None, description="The permission type (`domainId` or `orgPath`).")
    created_at: LenientStr = Field(default=None, description="When the permission was created.")


Connections = Annotated[list[Connection], BeforeValidator(_objects)]
Permissions = Annotated[list[Permission], BeforeValidator(_objects)]


class ConnectionsPage(_Model):
    """One page of ``GET .../vpcepservice/connections``."""

    connections: Connections = Field(default=[], description="The connections on this page.")
    permissions: Permissions = Field(default=[], description="The endpoint service's whitelist.")
    vpc_service_name: LenientStr = Field(default=None, description="The name of the VPC endpoint service.")
    vpcep_update_switch: LenientBool = Field(default=False, description="Whether endpoint updates are enabled.")
    total_count: LenientInt = Field(default=None, description="The service's count of all connections, if it said.")


class VpcepConnectionsArgs(_Model):
    """The inputs of the resource and of the function: what to read. Each is also an output, and a change of
    any of them replaces the resource."""

    cluster_id: str = Field(description="The id of the CSS cluster whose VPC endpoint service is read.")
    project_id: str | None = Field(
        default=None,
        description="The project the cluster belongs to. When not set: the provider's `projectId`, "
        "`HW_PROJECT_ID`, or a look-up from the region through IAM.",
    )
    region: str | None = Field(
        default=None,
        description="The region of the cluster, such as `cn-north-4`. When not set: the provider's `region` "
        "or `HW_REGION_NAME`.",
    )
    endpoint: str | None = Field(
        default=None,
        description="The CSS endpoint URL (`https`; `http` only to a loopback address). When not set: "
        "`HW_CSS_ENDPOINT`, else the region's public endpoint.",
    )


class VpcepConnectionsResult(_Model):
    """The outputs of a read: what every face returns, in the Terraform data source's names."""

    cluster_id: str = Field(description="The CSS cluster whose endpoint connections were read.")
    project_id: str = Field(description="The project the cluster belongs to.")
    region: str = Field(description="The region of the cluster.")
    endpoint: str = Field(description="The CSS endpoint that was read.")
    connections: list[Connection] = Field(
        description="Every VPC endpoint connection to the cluster, in the service's order, each id once."
    )
    permissions: list[Permission] = Field(description="The endpoint service's whitelist, each id once.")
    vpc_service_name: str | None = Field(description="The name of the VPC endpoint service, if any.")
    vpcep_update_switch: bool = Field(description="Whether endpoint updates are enabled.")
    total_count: int = Field(description="The number of connections read.")

    @property
    def resource_id(self) -> str:
        """The deterministic id of the resource that holds this read: ``{region}:{project_id}:{cluster_id}``."""
        return resource_id(self.region, self.project_id, self.cluster_id)

    def to_outputs(self) -> dict[str, Any]:
        """The outputs as plain JSON values, snake_case, exactly as the resource stores them."""
        return self.model_dump(mode="json")

