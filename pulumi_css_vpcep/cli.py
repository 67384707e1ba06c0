"""The ``css-vpcep`` command, for pipelines.

``css-vpcep connections --cluster-id ID`` prints the read's outputs as JSON (exactly the resource's
outputs) or as a table. Exit codes: 0 success; 2 invalid input or usage; 3 configuration missing or
invalid; 4 the service refused the request; 5 the service or the network failed after retries.
Every failure is one line on stderr; never a traceback, never a credential.

``css-vpcep emulator`` serves the local stand-in of the API (see ``pulumi_css_vpcep.emulator``).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

__all__ = ["main"]

EXIT_OK = 0
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line and exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def _parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = _Parser(prog="css-vpcep", description="Read Huawei Cloud CSS VPC endpoint connections.")
    parser.add_argument("--version", action="version", version=f"css-vpcep {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    read = commands.add_parser(
        "connections",
        help="list a cluster's VPC endpoint connections",
        description="List a cluster's VPC endpoint connections. Credentials come from HW_ACCESS_KEY and "
        "HW_SECRET_KEY (or HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK), the region from --region or "
        "HW_REGION_NAME.",
    )
    read.add_argument("--cluster-id", required=True, help="the CSS cluster id")
    read.add_argument("--project-id", help="the project id (default: HW_PROJECT_ID, or looked up from the region)")
    read.add_argument("--region", help="the region, such as cn-north-4 (default: HW_REGION_NAME)")
    read.add_argument("--endpoint", help="the CSS endpoint URL (default: HW_CSS_ENDPOINT, or the region's)")
    read.add_argument("--output", "-o", choices=("json", "table"), default="json", help="json (default) or table")
    read.add_argument("--timeout", type=float, metavar="SECONDS", help="seconds to wait for each answer (default 30)")
    read.add_argument("--verbose", "-v", action="store_true", help="log requests and retries on stderr")

    commands.add_parser("emulator", help="serve a local stand-in of the API (see css-vpcep emulator --help)",
                        add_help=False)
    return parser


def _table(outputs: dict[str, object]) -> str:
    columns = [
        ("ID", "id"),
        ("STATUS", "status"),
        ("MAX SESSION", "max_session"),
        ("SPECIFICATION", "specification_name"),
        ("IP", "vpcep_ip"),
        ("DNS NAME", "vpcep_dns_name"),
        ("CREATED", "created_at"),
    ]
    connections = outputs["connections"]
    assert isinstance(connections, list)
    rows = [[title for title, _ in columns]]
    rows += [["" if c.get(key) is None else str(c[key]) for _, key in columns] for c in connections]
    widths = [max(len(row[i]) for row in rows) for i in range(len(columns))]
    lines = [
        f"cluster {outputs['cluster_id']} in {outputs['region']} (project {outputs['project_id']})",
        f"endpoint service {outputs['vpc_service_name'] or '-'}; "
        f"update switch {'on' if outputs['vpcep_update_switch'] else 'off'}; "
        f"{outputs['total_count']} connection(s)",
        "",
    ]
    lines += ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    permissions = outputs["permissions"]
    assert isinstance(permissions, list)
    if permissions:
        lines += ["", "whitelist:"] + [f"  {p['permission']} ({p['permission_type']})" for p in permissions]
    return "\n".join(lines)


def _connections(args: argparse.Namespace) -> int:
    import httpx

    from .client import DEFAULT_TIMEOUT, read_vpcep_connections
    from .errors import CssVpcepError, InvalidInputError

    if args.verbose:
        logging.basicConfig(level=logging.INFO, format="css-vpcep: %(message)s", stream=sys.stderr)
        logging.getLogger("httpx").setLevel(logging.WARNING)  # our own line says the same, with the request id
    timeout = None
    if args.timeout is not None:
        if not 0 < args.timeout <= 3600:
            print("css-vpcep: invalid --timeout: must be between 0 and 3600 seconds", file=sys.stderr)
            return InvalidInputError.exit_code
        timeout = httpx.Timeout(
            connect=DEFAULT_TIMEOUT.connect, read=args.timeout, write=DEFAULT_TIMEOUT.write, pool=DEFAULT_TIMEOUT.pool
        )
    try:
        result = read_vpcep_connections(
            args.cluster_id,
            project_id=args.project_id,
            region=args.region,
            endpoint=args.endpoint,
            timeout=timeout,
        )
    except InvalidInputError as err:
        print(f"css-vpcep: invalid --{err.input_name.replace('_', '-')}: {err.reason}", file=sys.stderr)
        return err.exit_code
    except CssVpcepError as err:
        print(f"css-vpcep: {err}", file=sys.stderr)
        return err.exit_code
    # pydantic writes the same JSON as json.dumps(result.to_outputs(), indent=2), several times faster.
    text = result.model_dump_json(indent=2) if args.output == "json" else _table(result.to_outputs())
    sys.stdout.write(text + "\n")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``css-vpcep`` with ``argv`` (``sys.argv[1:]`` when omitted); return the exit code."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["emulator"]:
        from .emulator import main as emulator_main

        return emulator_main(arguments[1:])
    # This process reads and exits: it needs no third-party pydantic plugin, and looking for them scans
    # every installed distribution (about 20 ms). An explicit setting of the variable is kept.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    args = _parser().parse_args(arguments)
    if args.command is None:
        _parser().print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return _connections(args)
    except KeyboardInterrupt:
        print("css-vpcep: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # a bug of ours: still one line, never a traceback
        print(f"css-vpcep: internal error ({type(exc).__name__}): {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
