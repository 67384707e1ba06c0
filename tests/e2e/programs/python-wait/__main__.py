"""Wait for the connection of ``endpointId`` to be accepted, then read again from its outputs (a dependant);
settings from the ``HW_*`` variables."""

import pulumi

from pulumi_css_vpcep import VpcepConnections

config = pulumi.Config()
endpoint_id = config.require("endpointId")
accepted = VpcepConnections("accepted", cluster_id=config.require("clusterId"),
                            wait_for={"endpoint_ids": [endpoint_id], "status": "accepted"})
# Created only once `accepted` is: its input is one of its outputs.
after = VpcepConnections("after", cluster_id=accepted.cluster_id)
pulumi.export("dns_name", accepted.connections.apply(
    lambda connections: next(c["vpcep_dns_name"] for c in connections if c["id"] == endpoint_id)
))
