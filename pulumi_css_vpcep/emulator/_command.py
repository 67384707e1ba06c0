"""``css-vpcep emulator`` (also ``python -m pulumi_css_vpcep.emulator``): serve the emulator until
interrupted, or run the command given after ``--`` against it and return that command's exit status.

Every flag and the ``--data`` file are checked before anything is served: a bad one is one line on
stderr and exit 2. The variables it exports (to the command, or printed for the user) are those of
the data it serves: its first key pair, and the region and project of its first enabled cluster; with
``--export agency``, ``oidc`` or ``metadata``, the settings of that source of temporary keys instead.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import math
import os
import random
import shlex
import signal
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from pydantic import ValidationError

from ..errors import InvalidInputError
from ._faults import Fault
from ._samples import SAMPLE_CLUSTER_ID
from ._server import Emulator
from ._state import DataFile, EmulatorState, sample_state, validation_message

__all__ = ["EXPORTS", "UsageError", "exports", "load_state", "main"]

PROG = "css-vpcep emulator"
EXIT_USAGE = 2
EXIT_NOT_FOUND = 127
MAX_DATA_FILE = 64 * 1024 * 1024


class UsageError(Exception):
    """A bad flag or data file, found before serving: its message is the whole line the user sees."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line and exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def _integer(low: int, high: int | None = None) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be an integer, not {text!r}") from None
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"must be {_range(low, high)}, not {value}")
        return value

    return parse


def _number(low: float, high: float) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a number, not {text!r}") from None
        if not (math.isfinite(value) and low <= value <= high):
            raise argparse.ArgumentTypeError(f"must be {_range(low, high)}, not {text}")
        return value

    return parse


def _range(low: float, high: float | None) -> str:
    return f"at least {low:g}" if high is None else f"from {low:g} to {high:g}"


# The allowed values of each number flag: its check and its --help say the same.
PORTS = (0, 65535)
PAGE_CAPS = (1, None)
LATENCIES_MS = (0, 600_000)
FAIL_RATES = (0, 1)
SEEDS = (0, None)
LIFETIMES = (1, 86400)
EXPORTS = ("keys", "agency", "oidc", "metadata")
"""What ``-- COMMAND`` is given to sign with: the static key pair, an agency assumed with it, an OIDC id token,
or the instance's agency through the metadata API."""
_STATIC_KEYS = ("HW_ACCESS_KEY", "HW_SECRET_KEY", "HW_SECURITY_TOKEN", "HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK",
                "HUAWEICLOUD_SDK_SECURITY_TOKEN")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Serve the CSS and IAM endpoints on loopback with sample data, checking signatures.",
        epilog="After '--', a command to run against the emulator (for example: -- css-vpcep connections "
        f"--cluster-id {SAMPLE_CLUSTER_ID}), with HW_ACCESS_KEY, HW_SECRET_KEY, HW_REGION_NAME, HW_PROJECT_ID, "
        "HW_CSS_ENDPOINT and HW_AUTH_URL set for the data served; the emulator stops when it ends and its "
        "exit status is returned.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="a loopback address (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=_integer(*PORTS), default=0, help=f"the port, {_range(*PORTS)} (default 0: a free one)"
    )
    parser.add_argument(
        "--data",
        metavar="FILE",
        help='a JSON file of the data to serve: {"credentials": {AK: SK}, "projects": {REGION: PROJECT_ID}, '
        '"clusters": [{"id": ID, "project_id": PROJECT_ID, "generate": N}]}; each key is optional',
    )
    parser.add_argument(
        "--page-cap", type=_integer(*PAGE_CAPS), default=100,
        help=f"the most connections a page holds, {_range(*PAGE_CAPS)} (default 100)",
    )
    parser.add_argument(
        "--latency-ms", type=_number(*LATENCIES_MS), default=0.0,
        help=f"milliseconds added to every request, {_range(*LATENCIES_MS)} (default 0)",
    )
    parser.add_argument(
        "--fail-rate", type=_number(*FAIL_RATES), default=0.0,
        help=f"the share of requests answered 503, {_range(*FAIL_RATES)} (default 0)",
    )
    parser.add_argument(
        "--seed", type=_integer(*SEEDS), default=0, help=f"the seed of injected failures, {_range(*SEEDS)} (default 0)"
    )
    parser.add_argument(
        "--credential-lifetime", type=_number(*LIFETIMES), metavar="SECONDS",
        help=f"seconds every temporary key it issues lives, {_range(*LIFETIMES)} (default: as long as asked)",
    )
    parser.add_argument(
        "--export", choices=EXPORTS, default="keys",
        help="what the command after '--' (or the printed exports) signs with: keys (default: the static key "
        "pair), agency (the data's first agency, assumed with that pair), oidc (an id token of the data's first "
        "identity provider) or metadata (the instance's agency, through the emulated metadata API)",
    )
    parser.add_argument("command", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    return parser


def load_state(path: str) -> EmulatorState:
    """The state a ``--data`` file describes; raises ``UsageError`` naming the file and the field."""
    try:
        with open(path, "rb") as file:
            text = file.read(MAX_DATA_FILE + 1)
    except OSError as exc:
        raise UsageError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    if len(text) > MAX_DATA_FILE:
        raise UsageError(f"{path}: larger than {MAX_DATA_FILE // (1024 * 1024)} MiB")
    try:
        return DataFile.parse(text).to_state()
    except ValidationError as exc:
        raise UsageError(f"{path}: {validation_message(exc)}") from None


def main(argv: Sequence[str] | None = None) -> int:
    """``css-vpcep emulator``: serve until interrupted, or run the command given after ``--``."""
    try:
        arguments = list(sys.argv[1:] if argv is None else argv)
        parser = _parser()
        args = parser.parse_args(arguments)
        command = args.command[1:] if args.command[:1] == ["--"] else args.command
        if not command and "--" in arguments:
            parser.error("nothing to run after '--': give a command, or leave out '--' to serve until Ctrl-C")
        try:
            emulator = _emulator(args)
        except (UsageError, InvalidInputError) as exc:
            print(f"{PROG}: {exc}", file=sys.stderr)
            return EXIT_USAGE
        return asyncio.run(_serve(emulator, command, args.export))
    except KeyboardInterrupt:  # before the signal handlers are in place
        return 128 + signal.SIGINT


def _emulator(args: argparse.Namespace) -> Emulator:
    state = load_state(args.data) if args.data is not None else sample_state()
    state.page_cap = args.page_cap
    state.latency = args.latency_ms / 1000
    state.rng = random.Random(args.seed)
    if args.credential_lifetime is not None:
        state.identity.lifetime = args.credential_lifetime
    if args.fail_rate:
        state.set_faults([Fault(kind="status", status=503, rate=args.fail_rate)])
    emulator = Emulator(state, host=args.host, port=args.port)
    exports(emulator, args.export)  # a source the data does not define is a usage error, before serving
    return emulator


async def _serve(emulator: Emulator, command: Sequence[str], export: str = "keys") -> int:
    requested_port = emulator.port
    try:
        await emulator.start_serving()
    except OSError as exc:
        print(f"{PROG}: {_listen_failure(emulator.host, requested_port, exc)}", file=sys.stderr)
        return EXIT_USAGE
    signals = _StopSignals(asyncio.get_running_loop())
    try:
        if command:
            return await _run(emulator, command, signals, export)
        _announce(emulator, export)
        await signals.received.wait()
        return 0
    finally:
        await emulator.aclose()


def _listen_failure(host: str, port: int, exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return f"--port: port {port} on {host} is in use"
    if exc.errno == errno.EACCES:
        return f"--port: not allowed to listen on port {port} of {host}"
    return f"cannot listen on {host} port {port}: {exc.strerror or exc}"


def exports(emulator: Emulator, export: str = "keys") -> dict[str, str]:
    """The variables that point a read at ``emulator``, its project included: what ``-- COMMAND`` gets. Unless
    ``export`` is ``keys``, they name that source of temporary keys (``EXPORTS``) instead of the key pair; a
    source that the data does not define is a ``UsageError``."""
    found = {**emulator.environ(), "HW_PROJECT_ID": emulator.state.read_target().project_id}
    identity = emulator.state.identity
    if export == "agency":
        if not identity.agencies:
            raise UsageError("--export agency: the data defines no agency (agencies)")
        agency = identity.agencies[0]
        found |= {"HW_ASSUME_ROLE_AGENCY_NAME": agency.name, "HW_ASSUME_ROLE_DOMAIN_NAME": agency.domain_name}
    elif export == "oidc":
        provider = next(((idp, tokens) for idp, tokens in identity.identity_providers.items() if tokens), None)
        if provider is None:
            raise UsageError("--export oidc: the data defines no identity provider with an id token")
        found = {k: v for k, v in found.items() if k not in _STATIC_KEYS}
        found |= {"HW_ASSUME_ROLE_IDP_ID": provider[0], "HW_ASSUME_ROLE_ID_TOKEN": provider[1][0]}
    elif export == "metadata":
        if identity.instance_agency is None:
            raise UsageError("--export metadata: the data attaches no agency to the instance (instance_agency)")
        found = {k: v for k, v in found.items() if k not in _STATIC_KEYS}
        found |= {"HW_USE_ECS_METADATA": "true", "HW_ECS_METADATA_ENDPOINT": emulator.url}
    return found


def _announce(emulator: Emulator, export: str) -> None:
    print(emulator.url, flush=True)
    cluster_id = emulator.state.read_target().cluster_id
    read = (
        f"  css-vpcep connections --cluster-id {shlex.quote(cluster_id)}"
        if cluster_id is not None
        else "  (no enabled cluster is in a project that IAM lists: add one to read)"
    )
    lines = [
        f"{PROG}: serving {emulator.url}; point a read at it with:",
        *(f"  export {name}={shlex.quote(value)}" for name, value in exports(emulator, export).items()),
        read,
        "(Ctrl-C stops it)",
    ]
    print("\n".join(lines), file=sys.stderr, flush=True)


async def _run(emulator: Emulator, command: Sequence[str], signals: _StopSignals, export: str) -> int:
    """Run ``command`` against the emulator; return its exit status (128 + N if signal N ended it).

    In a terminal's foreground the command shares the emulator's process group, so it can use the
    terminal and gets Ctrl-C from it directly. Elsewhere it gets a process group of its own, so that a
    signal to the emulator's group reaches the command once, passed on by the emulator.
    """
    # Only the exported source: a key pair of the caller's environment would win over any other source.
    inherited = {k: v for k, v in os.environ.items() if export == "keys" or k not in _STATIC_KEYS}
    env = {**inherited, **exports(emulator, export)}
    # The command is found beside this Python first, so `css-vpcep` means this installation's.
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")])
    in_foreground = _in_terminal_foreground()
    print(f"{PROG}: serving on {emulator.url}", file=sys.stderr, flush=True)
    try:
        child = await asyncio.create_subprocess_exec(*command, env=env, process_group=None if in_foreground else 0)
    except OSError as exc:
        print(f"{PROG}: cannot run {command[0]!r}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_NOT_FOUND
    signals.pass_on_to(child, ctrl_c_reaches_it=in_foreground)
    status = await child.wait()
    return 128 - status if status < 0 else status


class _StopSignals:
    """SIGINT and SIGTERM from the moment the emulator serves: they stop a lone emulator, and are passed
    on to its command when it runs one (except a terminal's Ctrl-C, which the command gets itself)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.received = asyncio.Event()
        self._child: asyncio.subprocess.Process | None = None
        self._ctrl_c_reaches_child = False
        self._pending: int | None = None
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, self._on_signal, signum)

    def pass_on_to(self, child: asyncio.subprocess.Process, *, ctrl_c_reaches_it: bool) -> None:
        """Pass signals on to ``child`` from now on, starting with one that came while it started;
        SIGINT only if a terminal's Ctrl-C does not reach it directly."""
        self._child = child
        self._ctrl_c_reaches_child = ctrl_c_reaches_it
        if self._pending is not None:
            self._send(self._pending)

    def _on_signal(self, signum: int) -> None:
        self.received.set()
        if self._child is None:
            self._pending = signum
        elif not (signum == signal.SIGINT and self._ctrl_c_reaches_child):
            self._send(signum)

    def _send(self, signum: int) -> None:
        assert self._child is not None
        with contextlib.suppress(ProcessLookupError):  # it has just ended
            self._child.send_signal(signum)


def _in_terminal_foreground() -> bool:
    """Whether this process is in its terminal's foreground group, where a Ctrl-C reaches every member."""
    try:
        terminal = os.open("/dev/tty", os.O_RDONLY)
    except OSError:
        return False
    try:
        return os.tcgetpgrp(terminal) == os.getpgrp()
    except OSError:
        return False
    finally:
        os.close(terminal)
