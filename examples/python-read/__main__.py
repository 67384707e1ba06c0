"""Read a CSS cluster's VPC endpoint connections and export them for other stacks and pipelines.

Credentials and region come from ``pulumi config set --secret huaweicloud:secretKey ...`` (and the
other ``huaweicloud:*`` keys) or from the ``HW_*`` variables; the cluster from ``pulumi config set
clusterId ...``, and a private CSS endpoint, if any, from ``pulumi config set endpoint ...``.
"""

from typing import Any

import pulumi

from pulumi_css_vpcep import VpcepConnections

config = pulumi.Config()

read = VpcepConnections(
    "css-vpcep-connections", cluster_id=config.require("clusterId"), endpoint=config.get("endpoint") or None
)


def accepted(connections: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The connections the endpoint service has accepted: the ones that carry traffic."""
    return [c for c in connections if c.get("status") == "accepted"]


accepted_connections = read.connections.apply(accepted)

# Every output of the read, under the names `css-vpcep connections --output json` prints.
pulumi.export("cluster_id", read.cluster_id)
pulumi.export("project_id", read.project_id)
pulumi.export("region", read.region)
pulumi.export("endpoint", read.endpoint)
pulumi.export("connections", read.connections)
pulumi.export("permissions", read.permissions)
pulumi.export("vpc_service_name", read.vpc_service_name)
pulumi.export("vpcep_update_switch", read.vpcep_update_switch)
pulumi.export("total_count", read.total_count)
# What the consumers of this stack use.
pulumi.export("accepted_count", accepted_connections.apply(len))
pulumi.export("accepted_connection_ids", accepted_connections.apply(lambda cs: [c["id"] for c in cs]))
pulumi.export(
    "accepted_dns_names",
    accepted_connections.apply(lambda cs: [c["vpcep_dns_name"] for c in cs if c.get("vpcep_dns_name")]),
)
