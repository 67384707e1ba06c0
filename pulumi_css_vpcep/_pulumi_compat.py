"""Every part of Pulumi this package relies on that Pulumi does not document as public, in one place.

Each name and behaviour here has a test in ``tests/test_pulumi_compat.py`` that fails, naming it, when
an upgrade of ``pulumi`` moves it. ``pyproject.toml`` pins ``pulumi`` to the minor versions that
``make e2e`` has run; ``docs/development.md`` says how to move the pin.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable

from pulumi.runtime import get_config, is_config_secret
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc, provider_pb2, provider_pb2_grpc
from pulumi.runtime.rpc import UNKNOWN
from pulumi.runtime.settings import get_monitor

__all__ = [
    "UNKNOWN",
    "engine_pb2",
    "engine_pb2_grpc",
    "get_config",
    "is_config_secret",
    "mark_for_one_line_report",
    "mocks_active",
    "provider_pb2",
    "provider_pb2_grpc",
    "report_marked_errors_in_one_line",
]

_ONE_LINE_MARK = "_css_vpcep_one_line"


def mocks_active() -> bool:
    """Whether ``pulumi.runtime.set_mocks`` stands in for the engine in this process (users' unit tests)."""
    return isinstance(get_monitor(), MockMonitor)


def mark_for_one_line_report(error: BaseException) -> None:
    """Have the dynamic provider host report ``error`` as its ``str()`` (see below), not as a traceback."""
    setattr(error, _ONE_LINE_MARK, True)


def report_marked_errors_in_one_line() -> None:
    """Make the dynamic provider host report marked errors as their one line.

    Pulumi's host (``python -m pulumi.dynamic``, since pulumi 3.260) turns any exception into
    ``traceback.format_exc()``, and the CLI shows that text's first line, ``Traceback (most recent call
    last):``, as the resource's error (pulumi/pulumi#10416). Wrapped here, once per process, ``format_exc``
    answers a marked error with its own line and leaves every other exception, including other providers'
    in the same host, as it was. On a Python or Pulumi where ``format_exc`` is not the function the host
    calls without arguments, nothing is wrapped; a marked error without a message keeps its traceback.
    """
    import inspect  # here, not at the top: this function alone needs it

    original: Callable[..., str] = traceback.format_exc
    if getattr(original, _ONE_LINE_MARK, False):
        return
    try:
        inspect.signature(original).bind()
    except (TypeError, ValueError):  # not a function the host could call as format_exc(): leave it be
        return

    def format_exc(*args: object, **kwargs: object) -> str:
        handled = sys.exception()
        if handled is not None and getattr(handled, _ONE_LINE_MARK, False):
            line = str(handled).strip()
            if line:
                return line
        return original(*args, **kwargs)

    setattr(format_exc, _ONE_LINE_MARK, True)
    traceback.format_exc = format_exc
