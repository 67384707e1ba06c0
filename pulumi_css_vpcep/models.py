"""pydantic models of the outputs every face returns: a read's result, its connections and whitelist.

They are built from the plain values of the field table (``_fields.py``, the one parser of the API's
JSON), only where a function returns models (``read_vpcep_connections``). Each model accepts both
spellings of its fields (``max_session`` and ``maxSession``), so stored outputs and the plugin's
camelCase values parse back into it. Each field's description is its documentation everywhere: the
plugin's schema (and so every generated SDK) is built from these models.
"""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, AliasGenerator, BaseModel, ConfigDict, Field

from ._fields import resource_id, spellings

__all__ = ["Connection", "Permission", "VpcepConnectionsResult"]


class _Model(BaseModel):
    # Every field is read by its own name (stored outputs) and by its camelCase one (the plugin).
    model_config = ConfigDict(
        extra="ignore",
        frozen=True,
        populate_by_name=True,
        alias_generator=AliasGenerator(validation_alias=lambda name: AliasChoices(*spellings(name))),
    )


class Connection(_Model):
    """One VPC endpoint connection to the cluster's endpoint service."""

    id: str | None = Field(default=None, description="The VPC endpoint id.")
    status: str | None = Field(
        default=None, description="The connection status: `accepted`, `rejected`, `pendingAcceptance`..."
    )
    max_session: int | None = Field(default=None, description="The maximum number of connections through the endpoint.")
    specification_name: str | None = Field(default=None, description="The endpoint's specification name.")
    created_at: str | None = Field(
        default=None, description="When the connection was created, as the service wrote it (ISO 8601)."
    )
    update_at: str | None = Field(default=None, description="When the connection was last updated, if ever.")
    domain_id: str | None = Field(default=None, description="The account id of the endpoint's owner.")
    vpcep_ip: str | None = Field(default=None, description="The endpoint's IPv4 address.")
    vpcep_ipv6_address: str | None = Field(default=None, description="The endpoint's IPv6 address.")
    vpcep_dns_name: str | None = Field(default=None, description="The endpoint's private domain name.")


class Permission(_Model):
    """One entry of the endpoint service's whitelist."""

    id: str | None = Field(default=None, description="The permission id.")
    permission: str | None = Field(
        default=None, description="The whitelisted account or organisation (`iam:domain::...`)."
    )
    permission_type: str | None = Field(default=None, description="The permission type (`domainId` or `orgPath`).")
    created_at: str | None = Field(default=None, description="When the permission was created.")


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

