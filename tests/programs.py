"""Running Pulumi programs in the test process with ``pulumi.runtime.set_mocks``, as ``pulumi up`` would.

The mocks stand in for the engine only: a ``VpcepConnections`` is created by its real provider,
deserialized from the ``__provider`` the program registered and configured with the stack's
configuration. A ``StackReference`` answers with the outputs of a stack the test ran before; a
function call is answered from ``answers``, by token.
"""

from __future__ import annotations

import asyncio
import base64
import runpy
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import dill
import pulumi
import pulumi.runtime
from pulumi.dynamic import CheckResult, ConfigureRequest, ResourceProvider
from pulumi.dynamic.config import Config
from pulumi.runtime import rpc
from pulumi.runtime import settings as runtime_settings
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs
from pulumi.runtime.stack import Stack

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
READ_PROJECT = "css-vpcep-read"

pulumi_test: Callable[[Callable[[], pulumi.Output[None]]], Callable[[], None]] = pulumi.runtime.test
"""``pulumi.runtime.test``, typed: runs a program and awaits every registration and its returned output."""


def without_nulls(value: Any) -> Any:
    """A value as the engine passes a provider's outputs on: every null property left out."""
    if isinstance(value, dict):
        return {key: without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [without_nulls(item) for item in value]
    return value


class EngineMocks(pulumi.runtime.Mocks):
    """The engine's side of resource registration and function calls, recording what it was given."""

    def __init__(
        self,
        config: Mapping[str, str],
        stacks: Mapping[str, Mapping[str, Any]] | None = None,
        answers: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        self.config = dict(config)
        self.stacks = dict(stacks or {})
        self.answers = dict(answers or {})
        self.registered: list[MockResourceArgs] = []
        """Every registration, with its inputs as the engine would store them."""
        self.outputs: dict[str, dict[str, Any]] = {}
        """The outputs of every resource, by name, as the engine would store them."""
        self.calls: list[MockCallArgs] = []
        """Every function call, with its token and arguments."""

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        self.registered.append(args)
        if args.typ == "pulumi:pulumi:StackReference":
            name = args.inputs["name"]
            return name, {"name": name, "outputs": dict(self.stacks[name]), "secretOutputNames": []}
        serialized = rpc.unwrap_rpc_secret(args.inputs["__provider"])
        # As the provider host does with what the program registered.
        provider: ResourceProvider = dill.loads(base64.b64decode(serialized))  # noqa: S301
        provider.configure(ConfigureRequest(Config(self.config, pulumi.get_project())))
        if args.resource_id:
            read = provider.read(args.resource_id, {})
            id_, outs = read.id, read.outs or {}
        else:
            checked: CheckResult = provider.check({}, args.inputs)
            assert checked.failures == []
            created = provider.create(checked.inputs)
            id_, outs = created.id, created.outs or {}
        # The engine keeps no null property of a provider's outputs, at any depth (seen under `make e2e`).
        outs = without_nulls(outs)
        self.outputs[args.name] = {**outs, "__provider": args.inputs["__provider"]}
        return id_, outs

    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        self.calls.append(args)
        if args.token not in self.answers:
            raise AssertionError(f"no answer for a call of {args.token}")
        return dict(self.answers[args.token]), []


class EngineMonitor:
    """A mock monitor that is not a ``MockMonitor``: a program sees the engine, not Pulumi's mocks."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        self._monitor = MockMonitor(mocks)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._monitor, name)


@contextmanager
def fresh_runtime() -> Iterator[None]:
    """No root stack, no configuration and a new event loop, as a new ``pulumi up`` starts with."""
    runtime_settings.ROOT.set(None)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        yield
    finally:
        runtime_settings.ROOT.set(None)
        pulumi.runtime.set_all_config({})
        asyncio.set_event_loop(None)
        loop.close()


def set_engine(mocks: EngineMocks, project: str, config: Mapping[str, str], *, preview: bool = False,
               as_engine: bool = False, secret_keys: Sequence[str] = ()) -> None:
    """Stand ``mocks`` in for the engine, with the stack's configuration (``secret_keys``: those set with
    ``--secret``); ``as_engine``: not as mocks."""
    pulumi.runtime.set_all_config(dict(config), list(secret_keys))
    runtime_settings.ROOT.set(None)
    monitor = cast(MockMonitor, EngineMonitor(mocks)) if as_engine else None
    pulumi.runtime.set_mocks(mocks, project=project, stack="dev", preview=preview, monitor=monitor)


def run_program(
    directory: Path, project: str, mocks: EngineMocks, config: Mapping[str, str], *, preview: bool = False,
    secret_keys: Sequence[str] = (),
) -> dict[str, Any]:
    """Run a program's ``__main__.py`` as ``pulumi up`` would; return its stack outputs."""
    set_engine(mocks, project, config, preview=preview, secret_keys=secret_keys)
    exports: dict[str, Any] = {}

    @pulumi_test
    def program() -> pulumi.Output[None]:
        runpy.run_path(str(directory / "__main__.py"), run_name="__main__")
        stack = pulumi.runtime.get_root_resource()
        assert isinstance(stack, Stack)
        return pulumi.Output.all(**stack.outputs).apply(exports.update)

    program()
    return exports
