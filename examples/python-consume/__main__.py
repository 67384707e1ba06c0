"""Consume the connections examples/python-read exported, as other infrastructure would.

It reads the source stack's outputs through a ``StackReference`` and derives what a client of the
search cluster needs: the hosts to connect to, and the connections still waiting for approval.
"""

from typing import Any

import pulumi

config = pulumi.Config()
source = pulumi.StackReference(config.require("sourceStack"))

connections: pulumi.Output[list[dict[str, Any]]] = source.require_output("connections")
dns_names: pulumi.Output[list[str]] = source.require_output("accepted_dns_names")


def pending_ids(items: list[dict[str, Any]]) -> list[str]:
    """The connections that wait for the service owner to accept them."""
    return [c["id"] for c in items if c.get("status") == "pendingAcceptance"]


def search_hosts(names: list[str]) -> list[str]:
    """The HTTPS addresses a search client uses, one per accepted endpoint (CSS listens on 9200)."""
    return [f"https://{name}:9200" for name in sorted(names)]


pulumi.export("search_hosts", dns_names.apply(search_hosts))
pulumi.export("pending_connection_ids", connections.apply(pending_ids))
pulumi.export("source_total_count", source.require_output("total_count"))
