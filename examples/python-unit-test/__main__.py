"""Read a CSS cluster's VPC endpoint connections with the data-source function; export what the
search clients need: the accepted endpoints' DNS names and how many connections there are.

``test_program.py`` runs this program on Pulumi's mocks, without a cloud account or a network.
"""

from typing import Any

import pulumi

from pulumi_css_vpcep import get_vpcep_connections

config = pulumi.Config()

current = get_vpcep_connections(cluster_id=config.require("clusterId"))


def accepted_dns_names(result: dict[str, Any]) -> list[str]:
    """The DNS names of the endpoints the service accepted: the ones that carry traffic."""
    return sorted(
        c["vpcep_dns_name"] for c in result["connections"] if c["status"] == "accepted" and c["vpcep_dns_name"]
    )


search_hosts = current.apply(accepted_dns_names)
total_count = current.apply(lambda result: result["total_count"])

pulumi.export("search_hosts", search_hosts)
pulumi.export("total_count", total_count)
