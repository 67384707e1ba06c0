"""The ``css-vpcep`` command, for pipelines.

Each subcommand has its own handler; the flags of every command that reads a cluster are declared once;
this project's errors become one line and an exit code in one place (``_run``).

- ``css-vpcep connections --cluster-id ID`` prints the read's outputs as JSON (exactly the resource's
  outputs) or as a table; ``--status`` (repeatable) keeps only the connections in those states.
- ``css-vpcep wait --cluster-id ID --endpoint-id E`` reads until the named connections have a status
  (``_wait``), then prints the outputs as ``connections`` does; each change of their status is a line on stderr.
- ``css-vpcep audit --cluster-id ID`` prints a finding per connection from an account off the whitelist,
  or pending acceptance too long (``_audit``).
- ``css-vpcep emulator`` serves the local stand-in of the API (see ``pulumi_css_vpcep.emulator``).

Exit codes: 0 success; 2 invalid input or usage; 3 configuration missing or invalid; 4 the service
refused the request; 5 the service or the network failed after retries; 6 a connection waited for was
rejected or failed, or the audit found something; 7 the wait's time passed; 130 interrupted. Every failure
is one line on stderr; never a traceback, never a credential. Warnings, such as each retry, are one line
each on stderr too; stdout holds only the result.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import math
import os
import sys
import unicodedata
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn, TextIO

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_FINDINGS = 6
"""``audit`` found connections that should not be there: the code of a wait that a connection's status ended
(``errors.ConnectionStatusError``), as both mean that what was checked is not as wanted."""
EXIT_INTERRUPTED = 130
MAX_TIMEOUT = 3600.0
"""The longest ``--timeout`` and ``--deadline`` accepted, in seconds."""

_PACKAGE_LOGGER = "pulumi_css_vpcep"
_PREFIX = "css-vpcep: "

# Shown escaped in a table: C0/C1 controls and DEL (Cc), format controls such as bidi overrides and
# zero-width characters (Cf), lone surrogates (Cs) and the Unicode line and paragraph separators.
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_NAMED_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line starting ``css-vpcep:``, as every line the command
    writes on stderr does, and exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{_PREFIX}{message} (see {self.prog} --help)\n")


def _seconds(value: str | None, flag: str) -> float | None:
    """The read's ``--timeout`` or ``--deadline``: seconds, more than 0 and at most ``MAX_TIMEOUT``."""
    from .errors import InvalidInputError

    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not 0 < seconds <= MAX_TIMEOUT:  # NaN fails this too
        raise InvalidInputError(flag, f"must be more than 0 and at most {MAX_TIMEOUT:g} seconds")
    return seconds


def _duration(value: str, flag: str, most: float | None = None) -> float:
    """A duration flag of ``wait`` and ``audit``: ``90s``, ``5m``, ``1m30s`` or plain seconds, at most ``most``
    seconds (24 hours when not given)."""
    from ._settings import parse_duration
    from .errors import InvalidInputError

    try:
        return parse_duration(value) if most is None else parse_duration(value, most)
    except ValueError as err:
        raise InvalidInputError(flag, str(err)) from None


def _parser() -> argparse.ArgumentParser:
    from ._retries import DEFAULT_TOTAL_TIMEOUT
    from ._version import __version__
    from ._wait import DEFAULT_INTERVAL, DEFAULT_STATUS

    parser = _Parser(prog="css-vpcep", description="Read Huawei Cloud CSS VPC endpoint connections.")
    parser.add_argument("--version", action="version", version=f"css-vpcep {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    # What every command that reads a cluster takes.
    read = _Parser(add_help=False)
    read.add_argument("--cluster-id", required=True, help="the CSS cluster id")
    read.add_argument("--project-id", help="the project id (default: HW_PROJECT_ID, or looked up from the region)")
    read.add_argument("--region", help="the region, such as cn-north-4 (default: HW_REGION_NAME)")
    read.add_argument("--endpoint", help="the CSS endpoint URL (default: HW_CSS_ENDPOINT, or the region's)")
    read.add_argument(
        "--deadline", metavar="SECONDS",
        help=f"seconds a whole read may take, retries and waits included: more than 0, at most {MAX_TIMEOUT:g} "
        f"(default {DEFAULT_TOTAL_TIMEOUT:g})",
    )
    read.add_argument("--verbose", "-v", action="store_true", help="log every request on stderr too")
    credentials = (
        "Credentials come from HW_ACCESS_KEY and HW_SECRET_KEY (or HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK); else "
        "from a KooCLI profile (HW_PROFILE, HW_SHARED_CONFIG_FILE), the SDK's credentials file "
        "(~/.huaweicloud/credentials), OIDC (HW_ASSUME_ROLE_IDP_ID with HW_ASSUME_ROLE_ID_TOKEN_FILE) or, with "
        "HW_USE_ECS_METADATA=true, the instance's agency; HW_ASSUME_ROLE_AGENCY_NAME with HW_ASSUME_ROLE_DOMAIN_NAME "
        "assumes an agency with them. The region comes from --region or HW_REGION_NAME (or the KooCLI profile)."
    )

    def output(command: argparse.ArgumentParser, json_shows: str, table_shows: str, default: str = "json") -> None:
        shown = {"json": f"json: {json_shows}", "table": f"table: for a person, {table_shows}"}
        shown[default] = shown[default].replace(":", " (default):", 1)
        command.add_argument("--output", "-o", choices=("json", "table"), default=default,
                             help="; ".join(shown.values()))

    def answer_timeout(command: argparse.ArgumentParser) -> None:
        command.add_argument(
            "--timeout", metavar="SECONDS", dest="answer_timeout",
            help=f"seconds to wait for each answer: more than 0, at most {MAX_TIMEOUT:g} (default 30)",
        )

    connections = commands.add_parser(
        "connections", parents=[read], help="list a cluster's VPC endpoint connections",
        description=f"List a cluster's VPC endpoint connections. {credentials}",
    )
    output(connections, "every output", "the id, status, addresses and creation time")
    connections.add_argument(
        "--status",
        action="append",
        metavar="STATUS",
        help="show only connections in this status: pendingAcceptance, creating, accepted, rejected, failed or "
        "deleting (any case); repeat it for several; total_count stays the number read",
    )
    answer_timeout(connections)
    connections.set_defaults(handler=_connections)

    wait = commands.add_parser(
        "wait", parents=[read], help="wait until the named connections have a status (accepted by default)",
        description="Read the cluster every --interval until every connection named by --endpoint-id has "
        "--status; print the outputs as `connections` does. Exit 6 when one is rejected or failed, 7 when "
        f"--timeout passes first. {credentials}",
    )
    output(wait, "every output", "the id, status, addresses and creation time")
    wait.add_argument("--endpoint-id", action="append", required=True, metavar="ID",
                      help="a consumer's VPC endpoint id (its connection's id); repeat it to wait for several")
    wait.add_argument("--status", default=DEFAULT_STATUS,
                      help=f"the status to wait for, in any case (default {DEFAULT_STATUS})")
    wait.add_argument("--timeout", default="10m", metavar="DURATION",
                      help="how long to wait: 90s, 5m, 1m30s or seconds (default 10m)")
    wait.add_argument("--interval", default=f"{DEFAULT_INTERVAL:g}s", metavar="DURATION",
                      help=f"how long between two reads (default {DEFAULT_INTERVAL:g}s)")
    wait.set_defaults(handler=_wait)

    audit = commands.add_parser(
        "audit", parents=[read], help="report connections from accounts off the whitelist, or pending too long",
        description="Report each connection whose account (domain_id) is not on the endpoint service's "
        "whitelist (or among --allow-domain), and each one pending acceptance longer than --max-pending. "
        f"Exit 6 when there is any. {credentials}",
    )
    output(audit, "a list of findings, each with connection_id, domain_id and reason", "one line per finding",
           default="table")
    audit.add_argument("--allow-domain", action="append", metavar="ACCOUNT",
                       help="an account id allowed to connect; repeat it for several; replaces the whitelist")
    audit.add_argument("--max-pending", metavar="DURATION",
                       help="report connections pending acceptance longer than this: 90s, 5m, 1m30s or seconds")
    answer_timeout(audit)
    audit.set_defaults(handler=_audit)

    commands.add_parser("emulator", help="serve a local stand-in of the API (see css-vpcep emulator --help)",
                        add_help=False)
    return parser


# --- One line each on stderr: log records and warnings ------------------------------------------------------


def _escaped(text: str) -> str:
    """``text`` with every control, format and separator character written as a visible escape."""
    if text.isprintable() and "\\" not in text:
        return text
    out = []
    for char in text:
        if char in _NAMED_ESCAPES:
            out.append(_NAMED_ESCAPES[char])
        elif unicodedata.category(char) in _ESCAPED_CATEGORIES:
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        else:
            out.append(char)
    return "".join(out)


class _OneLineHandler(logging.StreamHandler[TextIO]):
    """Writes ``css-vpcep: message`` to stderr: the message only, escaped onto one line, never a traceback."""

    def format(self, record: logging.LogRecord) -> str:
        return _PREFIX + _escaped(record.getMessage())

    def handleError(self, record: logging.LogRecord) -> None:
        """A line that cannot be written (stderr closed) is dropped, without logging's own traceback."""


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    """``warnings.showwarning`` for a person: ``css-vpcep: warning: message``, no source path or code."""
    del category, filename, lineno, line  # where it was raised means nothing to the person reading it
    stream = sys.stderr if file is None else file
    with contextlib.suppress(OSError):  # stderr is gone: a warning is not worth failing the read for
        stream.write(f"{_PREFIX}warning: {_escaped(str(message))}\n")


@contextmanager
def _one_line_diagnostics(verbose: bool) -> Iterator[None]:
    """While the command runs: the package's warnings (every request too when ``verbose``) and Python
    warnings go to stderr as one line each. Everything is put back afterwards."""
    package = logging.getLogger(_PACKAGE_LOGGER)
    handler = _OneLineHandler(sys.stderr)
    saved = package.level, package.propagate
    package.addHandler(handler)
    package.setLevel(logging.INFO if verbose else logging.WARNING)
    package.propagate = False
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            yield
    finally:
        package.removeHandler(handler)
        package.setLevel(saved[0])
        package.propagate = saved[1]


# --- Output ------------------------------------------------------------------------------------------------


def _display_width(text: str) -> int:
    """Terminal columns of ``text``: East Asian wide and full-width characters take 2, combining marks 0."""
    if text.isascii():
        return len(text)
    width = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def _cell(value: Any) -> str:
    return "" if value is None else _escaped(str(value))


# What a person scans for; JSON has every field.
_TABLE_COLUMNS = (
    ("ID", "id"),
    ("STATUS", "status"),
    ("IP", "vpcep_ip"),
    ("DNS NAME", "vpcep_dns_name"),
    ("CREATED", "created_at"),
)


def _table(outputs: dict[str, Any], statuses: Sequence[str] | None) -> str:
    connections: list[dict[str, Any]] = outputs["connections"]
    # A column no shown connection has a value for is left out (IPs of rejected connections, say).
    columns = [(title, key) for title, key in _TABLE_COLUMNS if key in ("id", "status") or any(
        c.get(key) is not None for c in connections
    )]
    rows = [[title for title, _ in columns]]
    rows += [[_cell(c.get(key)) for _, key in columns] for c in connections]
    widths = [max(_display_width(row[i]) for row in rows) for i in range(len(columns))]
    shown = f"{outputs['total_count']} connection(s)"
    if statuses is not None:
        shown = f"{len(connections)} of {shown} shown (status {', '.join(_cell(s) for s in statuses)})"
    lines = [
        f"cluster {_cell(outputs['cluster_id'])} in {_cell(outputs['region'])} "
        f"(project {_cell(outputs['project_id'])})",
        f"endpoint service {_cell(outputs['vpc_service_name']) or '-'}; "
        f"update switch {'on' if outputs['vpcep_update_switch'] else 'off'}; {shown}",
        "",
    ]
    lines += [
        "  ".join(cell + " " * (width - _display_width(cell)) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    permissions: list[dict[str, Any]] = outputs["permissions"]
    if permissions:
        lines += ["", "whitelist:"]
        lines += [f"  {_cell(p['permission'])} ({_cell(p['permission_type'])})" for p in permissions]
    return "\n".join(lines)


# --- The commands: each parses its own flags, reads, and prints; errors are mapped in main -----------------


def _read_options(args: argparse.Namespace) -> dict[str, Any]:
    """The keyword arguments of ``read_outputs`` that the flags every reading command shares give."""
    from ._retries import RetryPolicy
    from ._transports import Timeouts

    answer = _seconds(getattr(args, "answer_timeout", None), "--timeout")  # wait's --timeout is the wait's
    deadline = _seconds(args.deadline, "--deadline")
    return {
        "cluster_id": args.cluster_id, "project_id": args.project_id, "region": args.region,
        "endpoint": args.endpoint, "timeout": Timeouts() if answer is None else Timeouts(read=answer),
        "retry": None if deadline is None else RetryPolicy(total_timeout=deadline),
    }


def _print_outputs(outputs: dict[str, Any], output: str, statuses: Sequence[str] | None = None) -> None:
    """The outputs on stdout: JSON exactly as read (plain values: the command never builds a model), or a table."""
    text = json.dumps(outputs, indent=2, ensure_ascii=False) if output == "json" else _table(outputs, statuses)
    sys.stdout.write(text + "\n")


def _connections(args: argparse.Namespace) -> int:
    from ._read import read_outputs
    from ._wait import connection_status

    options = _read_options(args)
    statuses = None if args.status is None else list(dict.fromkeys(
        connection_status(value, "--status") for value in args.status
    ))
    outputs = read_outputs(**options)
    if statuses is not None:  # in any case, as the service may send it; total_count stays the number read
        wanted = {status.casefold() for status in statuses}
        outputs["connections"] = [c for c in outputs["connections"] if (c["status"] or "").casefold() in wanted]
    _print_outputs(outputs, args.output, statuses)
    return EXIT_OK


def _wait(args: argparse.Namespace) -> int:
    from ._read import read_outputs
    from ._retries import RetryPolicy
    from ._settings import read_deadline
    from ._wait import Waiting, wait, wait_for

    target = wait_for(args.endpoint_id, args.status, ("--endpoint-id", "--status"))
    waiting = Waiting(target, _duration(args.timeout, "--timeout"), _duration(args.interval, "--interval"),
                      report=lambda line: print(f"{_PREFIX}{_escaped(line)}", file=sys.stderr, flush=True))
    options = _read_options(args)
    # Each read keeps its own deadline, cut to what is left of the wait.
    deadline = read_deadline(retry=options.pop("retry"))
    outputs = wait(waiting, lambda left: read_outputs(**options, retry=RetryPolicy(total_timeout=min(deadline, left))))
    _print_outputs(outputs, args.output)
    return EXIT_OK


def _audit(args: argparse.Namespace) -> int:
    from ._audit import MAX_PENDING, findings
    from ._read import read_outputs

    max_pending = None if args.max_pending is None else _duration(args.max_pending, "--max-pending", MAX_PENDING)
    found = findings(read_outputs(**_read_options(args)), allowed=args.allow_domain, max_pending=max_pending)
    if args.output == "json":
        sys.stdout.write(json.dumps([f.as_json() for f in found], indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write("".join(_escaped(f.line()) + "\n" for f in found))
    return EXIT_FINDINGS if found else EXIT_OK


def _flag(input_name: str) -> str:
    """An input as the command names it: the flag (``region`` is ``--region``)."""
    return input_name if input_name.startswith("--") else "--" + input_name.replace("_", "-")


def _run(args: argparse.Namespace) -> int:
    """Run the parsed command's handler; each of this project's errors is one line and its exit code."""
    from .errors import ConfigurationError, CssVpcepError, InvalidInputError

    try:
        code: int = args.handler(args)
    except CssVpcepError as err:
        if isinstance(err, InvalidInputError):
            line = f"invalid {_flag(err.input_name)}: {err.reason}"
        elif isinstance(err, ConfigurationError):
            line = err.line(_flag)
        else:
            line = str(err)
        print(f"{_PREFIX}{_escaped(line)}", file=sys.stderr)
        return err.exit_code
    return code


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
        with _one_line_diagnostics(args.verbose):
            return _run(args)
    except KeyboardInterrupt:
        print(f"{_PREFIX}interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # a bug of ours: still one line, never a traceback
        print(f"{_PREFIX}internal error ({type(exc).__name__}): {_escaped(str(exc))}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
