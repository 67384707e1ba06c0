"""The ``css-vpcep`` command, for pipelines.

``css-vpcep connections --cluster-id ID`` prints the read's outputs as JSON (exactly the resource's
outputs) or as a table; ``--status`` (repeatable) keeps only the connections in those states.
Exit codes: 0 success; 2 invalid input or usage; 3 configuration missing or invalid; 4 the service
refused the request; 5 the service or the network failed after retries. Every failure is one line on
stderr; never a traceback, never a credential. Warnings, such as each retry, are one line each on
stderr too; stdout holds only the result.

``css-vpcep emulator`` serves the local stand-in of the API (see ``pulumi_css_vpcep.emulator``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
import unicodedata
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn, TextIO

EXIT_OK = 0
EXIT_USAGE = 2
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


def _parser() -> argparse.ArgumentParser:
    from ._retries import DEFAULT_TOTAL_TIMEOUT
    from ._version import __version__

    parser = _Parser(prog="css-vpcep", description="Read Huawei Cloud CSS VPC endpoint connections.")
    parser.add_argument("--version", action="version", version=f"css-vpcep {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    read = commands.add_parser(
        "connections",
        help="list a cluster's VPC endpoint connections",
        description="List a cluster's VPC endpoint connections. Credentials come from HW_ACCESS_KEY and "
        "HW_SECRET_KEY (or HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK); else from a KooCLI profile (HW_PROFILE, "
        "HW_SHARED_CONFIG_FILE), the SDK's credentials file (~/.huaweicloud/credentials), OIDC "
        "(HW_ASSUME_ROLE_IDP_ID with HW_ASSUME_ROLE_ID_TOKEN_FILE) or, with HW_USE_ECS_METADATA=true, the "
        "instance's agency; HW_ASSUME_ROLE_AGENCY_NAME with HW_ASSUME_ROLE_DOMAIN_NAME assumes an agency with "
        "them. The region comes from --region or HW_REGION_NAME (or the KooCLI profile).",
    )
    read.add_argument("--cluster-id", required=True, help="the CSS cluster id")
    read.add_argument("--project-id", help="the project id (default: HW_PROJECT_ID, or looked up from the region)")
    read.add_argument("--region", help="the region, such as cn-north-4 (default: HW_REGION_NAME)")
    read.add_argument("--endpoint", help="the CSS endpoint URL (default: HW_CSS_ENDPOINT, or the region's)")
    read.add_argument(
        "--output",
        "-o",
        choices=("json", "table"),
        default="json",
        help="json (default): every output; table: for a person, the id, status, addresses and creation time",
    )
    read.add_argument(
        "--status",
        action="append",
        metavar="STATUS",
        help="show only connections in this status: pendingAcceptance, creating, accepted, rejected, failed or "
        "deleting (any case); repeat it for several; total_count stays the service's count",
    )
    read.add_argument(
        "--timeout", type=float, metavar="SECONDS",
        help=f"seconds to wait for each answer: more than 0, at most {MAX_TIMEOUT:g} (default 30)",
    )
    read.add_argument(
        "--deadline", type=float, metavar="SECONDS",
        help=f"seconds the whole read may take, retries and waits included: more than 0, at most {MAX_TIMEOUT:g} "
        f"(default {DEFAULT_TOTAL_TIMEOUT:g})",
    )
    read.add_argument("--verbose", "-v", action="store_true", help="log every request on stderr too")

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


# --- The read ----------------------------------------------------------------------------------------------


def _connections(args: argparse.Namespace) -> int:
    from ._read import read_outputs
    from ._retries import RetryPolicy
    from ._transports import Timeouts
    from .errors import ConfigurationError, CssVpcepError, InvalidInputError

    for flag, seconds in (("--timeout", args.timeout), ("--deadline", args.deadline)):
        if seconds is not None and not 0 < seconds <= MAX_TIMEOUT:  # NaN fails this too
            print(f"{_PREFIX}invalid {flag}: must be more than 0 and at most {MAX_TIMEOUT:g} seconds", file=sys.stderr)
            return InvalidInputError.exit_code
    timeouts = Timeouts() if args.timeout is None else Timeouts(read=args.timeout)
    retry = None if args.deadline is None else RetryPolicy(total_timeout=args.deadline)
    try:
        statuses = _statuses(args.status)
    except ValueError as exc:
        print(f"{_PREFIX}invalid --status: {exc}", file=sys.stderr)
        return InvalidInputError.exit_code
    try:
        outputs = read_outputs(
            args.cluster_id, timeout=timeouts, project_id=args.project_id, region=args.region,
            endpoint=args.endpoint, retry=retry,
        )
    except InvalidInputError as err:
        print(f"{_PREFIX}invalid --{err.input_name.replace('_', '-')}: {err.reason}", file=sys.stderr)
        return err.exit_code
    except ConfigurationError as err:  # in the command's words: the region argument is the --region flag here
        wording = str(err).replace("the region argument, ", "--region or ").replace("the region argument", "--region")
        print(f"{_PREFIX}{wording}", file=sys.stderr)
        return err.exit_code
    except CssVpcepError as err:
        print(f"{_PREFIX}{err}", file=sys.stderr)
        return err.exit_code
    # Plain values throughout: the command never builds a model (total_count stays the service's count).
    if statuses is not None:  # any case, as --status is given
        wanted = {status.casefold() for status in statuses}
        outputs["connections"] = [c for c in outputs["connections"] if (c["status"] or "").casefold() in wanted]
    text = json.dumps(outputs, indent=2, ensure_ascii=False) if args.output == "json" else _table(outputs, statuses)
    sys.stdout.write(text + "\n")
    return EXIT_OK


def _statuses(given: list[str] | None) -> list[str] | None:
    """The ``--status`` values, each spelled as the API spells it, or ``None`` when none was given.

    Raises ``ValueError`` for a value that is not a status the API defines: a typo would otherwise hide
    every connection without a word.
    """
    from ._fields import CONNECTION_STATUSES

    if given is None:
        return None
    known = {status.casefold(): status for status in CONNECTION_STATUSES}
    statuses = []
    for value in given:
        status = known.get(value.strip().casefold())
        if status is None:
            shown = f"{value!r} is not a connection status" if value.strip() else "must not be empty"
            raise ValueError(f"{shown}: use {', '.join(CONNECTION_STATUSES[:-1])} or {CONNECTION_STATUSES[-1]}")
        if status not in statuses:
            statuses.append(status)
    return statuses


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
            return _connections(args)
    except KeyboardInterrupt:
        print(f"{_PREFIX}interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # a bug of ours: still one line, never a traceback
        print(f"{_PREFIX}internal error ({type(exc).__name__}): {_escaped(str(exc))}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
