"""Read a CSS cluster's VPC endpoint connections from a plain Python script: no Pulumi, no stack.

    python examples/python-plain CLUSTER_ID

Credentials and region come from the ``HW_*`` variables, as for the Terraform provider
(``HW_ACCESS_KEY``, ``HW_SECRET_KEY``, ``HW_REGION_NAME``; ``HW_PROJECT_ID`` is looked up when unset).
Prints the accepted connections' addresses and a count by status; on failure prints the error's one
line and exits with the code the ``css-vpcep`` command would use (2 input, 3 configuration, 4 refused,
5 the service or the network failed).
"""

from __future__ import annotations

import sys
from collections import Counter

from pulumi_css_vpcep import CssVpcepError, VpcepConnectionsResult, read_vpcep_connections


def summary(result: VpcepConnectionsResult) -> list[str]:
    """One line per accepted connection (its DNS name and address), then the count of each status."""
    lines = [
        f"{c.vpcep_dns_name or '-'} {c.vpcep_ip or '-'}" for c in result.connections if c.status == "accepted"
    ]
    by_status = Counter(c.status or "unknown" for c in result.connections)
    counts = ", ".join(f"{count} {status}" for status, count in sorted(by_status.items()))
    lines.append(f"cluster {result.cluster_id}: {result.total_count} connection(s) ({counts or 'none'})")
    return lines


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python examples/python-plain CLUSTER_ID", file=sys.stderr)
        return 2
    try:
        result = read_vpcep_connections(argv[0])
    except CssVpcepError as err:  # every failure of a read is one of these, with one line and an exit code
        print(f"python-plain: {err}", file=sys.stderr)
        return err.exit_code
    print("\n".join(summary(result)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
