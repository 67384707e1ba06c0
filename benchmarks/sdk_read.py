"""The same read with the official SDK, paging sequentially as the Terraform provider does.

Run as a script (``python benchmarks/sdk_read.py CLUSTER_ID``) it is the baseline of the whole-process
benchmark: it imports only the SDK, reads every page and prints the connections as JSON, with the
emulator's address and key from ``HW_*`` variables.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcss.v1 import CssClient, ShowVpcepConnectionRequest

SDK_LIMIT = 100
"""The page size the Terraform provider asks for."""


def sdk_client(endpoint: str, access_key: str, secret_key: str, project_id: str) -> Any:
    """A ``CssClient`` talking to ``endpoint`` (plain http is allowed for loopback)."""
    credentials = BasicCredentials(access_key, secret_key, project_id)
    return CssClient.new_builder().with_credentials(credentials).with_endpoints([endpoint]).build()


def sdk_read(client: Any, cluster_id: str) -> list[Any]:
    """Every connection of a cluster, one page after the other until ``total_count`` is reached."""
    connections: list[Any] = []
    offset = 0
    while True:
        request = ShowVpcepConnectionRequest(cluster_id=cluster_id, offset=offset, limit=SDK_LIMIT)
        page = client.show_vpcep_connection(request)
        items = page.connections or []
        connections.extend(items)
        offset += len(items)
        if not items or len(connections) >= (page.total_count or 0):
            return connections


def main() -> None:
    client = sdk_client(
        os.environ["HW_CSS_ENDPOINT"],
        os.environ["HW_ACCESS_KEY"],
        os.environ["HW_SECRET_KEY"],
        os.environ["HW_PROJECT_ID"],
    )
    connections = sdk_read(client, sys.argv[1])
    sys.stdout.write(json.dumps([c.to_dict() for c in connections], indent=2) + "\n")


if __name__ == "__main__":
    main()
