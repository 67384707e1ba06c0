"""Every part of Pulumi this package relies on that Pulumi does not document as public, in one place.

Each name and behaviour here has a test in ``tests/test_pulumi_compat.py`` that fails, naming it, when
an upgrade of ``pulumi`` moves it. ``pyproject.toml`` allows ``pulumi`` from the lowest release the unit
suite passes on (``make test-floor``) to the next major; ``docs/development.md`` says how the floor was found.
Where a premise fails on a Pulumi not known here, each part leaves Pulumi's behaviour as it is.
"""

from __future__ import annotations

import gc
import logging
import sys
import traceback
from collections.abc import Callable, Sequence
from types import SimpleNamespace
from typing import Any

import grpc
from pulumi.runtime import get_config, is_config_secret
from pulumi.runtime.config import CONFIG, get_config_env
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc, provider_pb2, provider_pb2_grpc
from pulumi.runtime.rpc import UNKNOWN
from pulumi.runtime.settings import get_monitor

__all__ = [
    "UNKNOWN",
    "config_keys",
    "dynamic_host_engine_address",
    "engine_address",
    "engine_pb2",
    "engine_pb2_grpc",
    "get_config",
    "in_dynamic_host",
    "is_config_secret",
    "mark_for_one_line_report",
    "mocks_active",
    "on_dynamic_host_cancel",
    "provider_pb2",
    "provider_pb2_grpc",
    "report_marked_errors_in_one_line",
]

_ONE_LINE_MARK = "_css_vpcep_one_line"


def config_keys() -> set[str]:
    """Every configuration key of the running program (``huaweicloud:region``), wherever Pulumi's Python SDK
    holds it: set in this process (mocks, the Automation API's inline programs) or passed by the language
    host in ``PULUMI_CONFIG``."""
    return {*CONFIG.get(), *get_config_env()}


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


_HOST_MODULE = "pulumi.dynamic.__main__"
"""The module that Pulumi's dynamic provider host runs as ``__main__`` (``python -m pulumi.dynamic``)."""
_HOST_SERVICER = "DynamicResourceProviderServicer"
_CANCEL_METHOD = "/pulumirpc.ResourceProvider/Cancel"
_CANCEL_MARK = "_css_vpcep_cancel_hook"
_log = logging.getLogger("pulumi_css_vpcep")


def in_dynamic_host() -> bool:
    """Whether this process is Pulumi's dynamic provider host."""
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    return getattr(spec, "name", None) == _HOST_MODULE


def engine_address(args: Sequence[str]) -> str | None:
    """The engine's address among a provider's arguments: the engine starts every provider with its flags
    first (``--logtostderr``, ``-v=9``, ``--logflow``, ``--tracing URL``) and its own address last."""
    return args[-1] if args else None


def dynamic_host_engine_address() -> str | None:
    """The engine's address, when this process is Pulumi's dynamic provider host
    (``pulumi-resource-pulumi-python [flags] <address>``). What is not an address answering there starts no
    watch (``_engine_watch``)."""
    return engine_address(sys.argv[1:]) if in_dynamic_host() else None


def on_dynamic_host_cancel(callback: Callable[[], None]) -> bool:
    """Have Pulumi's dynamic provider host call ``callback`` when the engine cancels; whether it could.

    The host (``python -m pulumi.dynamic``) answers the engine's ``Cancel`` with nothing, so a read in flight
    when a user presses Ctrl-C would run to its deadline while ``pulumi up`` waits for it. Worse, the host
    serves calls from 4 threads: with 4 reads in flight, ``Cancel`` waits for a free one (the engine gives
    up after 30 s). So the signal is taken where gRPC looks a call's handler up, in the server's own thread,
    before any worker is needed: the host's ``grpc.ServiceRpcHandler`` of ``pulumirpc.ResourceProvider``
    (registered before any provider was loaded, found among the process's objects) gets a ``service()``
    that calls ``callback`` when the call is ``Cancel``, then answers as before; the host's own ``Cancel``
    still runs. Only public grpc names are used. Anything unexpected leaves the host as it was and returns
    ``False``: Ctrl-C then waits for the reads to end, as before. Once per process.
    """
    if not in_dynamic_host():
        return False
    try:
        kind = type(grpc.method_handlers_generic_handler("css-vpcep.probe", {}))
        for candidate in gc.get_objects():
            if type(candidate) is not kind or candidate.service_name() != "pulumirpc.ResourceProvider":
                continue
            lookup = candidate.service
            handler = lookup(SimpleNamespace(method=_CANCEL_METHOD, invocation_metadata=()))  # HandlerCallDetails
            servicer = getattr(getattr(handler, "unary_unary", None), "__self__", None)
            if type(servicer).__name__ != _HOST_SERVICER:
                continue
            if getattr(lookup, _CANCEL_MARK, False):
                return False
            candidate.service = _seeing_cancel(callback, lookup)
            return True
    except Exception:  # a grpc or host that is not as known: leave it as it is
        _log.debug("the dynamic provider host's Cancel could not be hooked", exc_info=True)
    return False


def _seeing_cancel(callback: Callable[[], None], lookup: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``lookup`` (a ``ServiceRpcHandler.service``) that first calls ``callback`` for a ``Cancel`` call."""

    def service(details: Any) -> Any:
        if getattr(details, "method", None) == _CANCEL_METHOD:
            try:
                callback()
            except Exception:  # the engine always gets the host's own answer
                _log.debug("a cancel callback failed", exc_info=True)
        return lookup(details)

    setattr(service, _CANCEL_MARK, True)
    return service
