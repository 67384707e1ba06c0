"""``count`` reads of one cluster (``clusterId``); settings from the ``HW_*`` variables."""

import pulumi

from pulumi_css_vpcep import VpcepConnections, get_vpcep_connections

config = pulumi.Config()
cluster_id = config.require("clusterId")
reads = [VpcepConnections(f"read-{number}", cluster_id=cluster_id) for number in range(config.require_int("count"))]
pulumi.export("total_counts", [read.total_count for read in reads])
if config.get_bool("function"):
    pulumi.export("function_total_count", get_vpcep_connections(cluster_id).apply(lambda r: r["total_count"]))
