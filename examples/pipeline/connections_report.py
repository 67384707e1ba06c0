"""Gate a pipeline on a CSS cluster's VPC endpoint connections, from ``pulumi stack output --json``.

    pulumi stack output --json --stack dev --cwd ../python-read | python connections_report.py --min-accepted 1

Prints one line per connection (status, id, DNS name, address) and a summary. Exit codes: 0 enough
connections accepted; 1 fewer than ``--min-accepted``; 2 a usage error; 3 the input is not the stack's
outputs (unreadable, not JSON, or not their shape), said in one line.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any, TextIO

EXIT_TOO_FEW = 1
EXIT_BAD_INPUT = 3


class BadInput(Exception):
    """The input is not the outputs of examples/python-read (or of ``css-vpcep connections``)."""


def parse(text: str) -> dict[str, Any]:
    """The outputs in ``text``, checked for the fields the report reads; raise ``BadInput`` otherwise."""
    try:
        outputs = json.loads(text)
    except ValueError as exc:
        raise BadInput(f"not JSON ({exc})") from None
    if not isinstance(outputs, dict):
        raise BadInput(f"a JSON {type(outputs).__name__}, not an object of outputs")
    for name, kind in (("connections", list), ("total_count", int), ("cluster_id", str)):
        if name not in outputs:
            raise BadInput(f"no {name!r} output")
        if not isinstance(outputs[name], kind) or isinstance(outputs[name], bool):
            raise BadInput(f"{name!r} is a JSON {type(outputs[name]).__name__}, not a {kind.__name__}")
    for index, connection in enumerate(outputs["connections"]):
        if not isinstance(connection, dict):
            raise BadInput(f"connections[{index}] is a JSON {type(connection).__name__}, not an object")
    return outputs


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
                text = source.read()
        else:
            text = sys.stdin.read()
        outputs = parse(text)
    except (OSError, UnicodeDecodeError) as exc:
        print(f"connections_report: cannot read the input: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BadInput as exc:
        print(f"connections_report: not the outputs of examples/python-read: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    accepted = report(outputs, sys.stdout)
    if accepted < args.min_accepted:
        print(f"connections_report: {accepted} accepted, {args.min_accepted} required", file=sys.stderr)
        return EXIT_TOO_FEW
    return 0


if __name__ == "__main__":
    sys.exit(main())
