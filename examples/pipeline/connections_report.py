"""Gate a pipeline on a CSS cluster's VPC endpoint connections, from ``pulumi stack output --json``.

    pulumi stack output --json --stack dev --cwd ../python-read | python connections_report.py --min-accepted 1

Prints one line per connection (status, id, DNS name, address) and a summary; exits 1 when fewer
connections are accepted than ``--min-accepted``, 2 when the input is not the stack's outputs.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any, TextIO


def report(outputs: dict[str, Any], out: TextIO) -> int:
    """Write the report of the stack's outputs; return how many connections are accepted."""
    connections: list[dict[str, Any]] = outputs["connections"]
    for connection in connections:
        out.write(
            f"{connection.get('status') or '-':<18} {connection.get('id') or '-':<38} "
            f"{connection.get('vpcep_dns_name') or '-'} {connection.get('vpcep_ip') or '-'}\n"
        )
    accepted = sum(1 for c in connections if c.get("status") == "accepted")
    out.write(f"{accepted} of {outputs['total_count']} connections accepted on cluster {outputs['cluster_id']}\n")
    return accepted


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("file", nargs="?", help="the JSON of `pulumi stack output --json` (default: stdin)")
    parser.add_argument("--min-accepted", type=int, default=0, help="fail unless at least this many are accepted")
    args = parser.parse_args(argv)
    try:
        if args.file:
            with open(args.file, encoding="utf-8") as source:
                outputs = json.load(source)
        else:
            outputs = json.load(sys.stdin)
        accepted = report(outputs, sys.stdout)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"connections_report: not the outputs of examples/python-read: {exc!r}", file=sys.stderr)
        return 2
    if accepted < args.min_accepted:
        print(f"connections_report: {accepted} accepted, {args.min_accepted} required", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
