"""The multi-language provider plugin: ``css-vpcep:index:VpcepConnections`` and ``getVpcepConnections``.

An adapter of the read (``_read.aread_outputs``) and the ``faces`` core to ``pulumi.provider.experimental``:
camelCase property values at its edge, snake_case plain values inside. ``_plugin_server`` serves it
(``main``: ``python -m pulumi_css_vpcep`` and the ``pulumi-resource-css-vpcep`` executable).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from contextvars import ContextVar
from typing import Any, TypeVar, cast

from pulumi.provider.experimental import provider as p
from pulumi.provider.experimental.property_value import Computed, PropertyValue

from . import _faces as faces
from ._cancel import Cancellation
from ._pulumi_compat import UNKNOWN
from ._read import aread_outputs
from ._retries import RetryPolicy
from ._schema import FUNCTION_TOKEN, PACKAGE, package_schema, schema_json
from ._settings import CREDENTIAL_KEYS, read_deadline
from ._transports.httpx_pool import ConnectionPool
from ._wait import WaitFor, Waiting, await_status
from .errors import CssVpcepError

CALL_ERRORS: ContextVar[list[CssVpcepError]] = ContextVar("css_vpcep_call_errors")
"""This project's errors raised in the current gRPC call (a task of its own), for the server to report."""
OPERATION_TIMEOUT: ContextVar[float] = ContextVar("css_vpcep_operation_timeout", default=0.0)
"""The engine's timeout of the current call, in seconds (a resource's ``customTimeouts``; 0: none), which
the server takes from the request: Create, Read and Update carry one."""
_Method = TypeVar("_Method", bound=Callable[..., Coroutine[Any, Any, Any]])


def report_errors(method: _Method) -> _Method:
    """Keep a provider method's ``CssVpcepError`` in ``CALL_ERRORS``, then let it go on."""

    async def reported(*args: Any) -> Any:
        try:
            return await method(*args)
        except CssVpcepError as err:
            CALL_ERRORS.get([]).append(err)
            raise

    return cast(_Method, reported)


Diagnostics = Callable[[str, str], Awaitable[None]]
"""Shows a message under a resource (``urn``): the server's ``EngineLog.info``."""


def _property(value: Any) -> PropertyValue:
    """A plain value as a property value: keys in camelCase, integers as numbers, unknown kept unknown.

    A field of an object that is ``None`` (a connection's ``updateAt`` the service left empty) is left out:
    the schema declares such fields optional, and the Python, Go and YAML SDKs drop a null one while the
    Node.js SDK keeps it, so only an absent field reads the same in every language.
    """
    if value is faces.UNKNOWN:
        return PropertyValue(UNKNOWN)
    if isinstance(value, Mapping):
        return PropertyValue({faces.camel_case(str(k)): _property(v) for k, v in value.items() if v is not None})
    if isinstance(value, list | tuple):
        return PropertyValue([_property(v) for v in value])
    if isinstance(value, int) and not isinstance(value, bool):
        return PropertyValue(float(value))
    return PropertyValue(value)


def output_properties(values: Mapping[str, Any], *, given_only: bool = False) -> dict[str, PropertyValue]:
    """Values by snake_case name (a read's outputs) as the schema's camelCase property values: a null one
    included, unless ``given_only`` (inputs, where ``None`` is an input not given)."""
    return {faces.camel_case(k): _property(v) for k, v in values.items() if v is not None or not given_only}


def _plain(value: PropertyValue) -> Any:
    """A property value as a plain value (secrets unwrapped); one not known yet as ``faces.UNKNOWN``."""
    inner = value.value
    if isinstance(inner, Computed) or inner == UNKNOWN:
        return faces.UNKNOWN
    if isinstance(inner, Mapping):
        return {k: _plain(v) for k, v in inner.items()}
    if isinstance(inner, Sequence) and not isinstance(inner, str):
        return [_plain(v) for v in inner]
    return inner


def _plain_map(props: Mapping[str, PropertyValue]) -> dict[str, Any]:
    return {key: _plain(value) for key, value in props.items()}


def _state(props: Mapping[str, PropertyValue]) -> dict[str, Any]:
    """A stored state as the core's snake_case outputs."""
    return faces.outputs_from(_plain_map(props))


_ENGINE_KEYS = frozenset({"version"})
"""What the engine adds to a provider's configuration itself (``__internal`` and the like aside)."""


@functools.cache
def _config_keys() -> frozenset[str]:
    """The configuration keys the plugin knows: the schema's configuration variables."""
    return frozenset(package_schema()["config"]["variables"])


def _preview(inputs: faces.Inputs) -> dict[str, PropertyValue]:
    """The outputs of a resource not read yet: its inputs as given, everything else unknown."""
    return output_properties({name: inputs.get(name) or faces.UNKNOWN for name in faces.OUTPUT_NAMES})


class CssVpcepProvider(p.Provider):
    """The provider: configuration from ``configure`` (``css-vpcep:*``), else the environment at call time.
    Credentials stay in this object's memory, never in a resource's state. ``pool``: connections kept
    across the process's reads (the server gives it one per process); ``log``: the engine's diagnostics.
    A diff that finds drift hands its read to the update that follows it (``faces.ReadHandoff``)."""

    def __init__(self, pool: ConnectionPool | None = None, log: Diagnostics | None = None) -> None:
        self._config: dict[str, Any] = {}
        self._pool = pool
        self._log = log
        self._handoff = faces.ReadHandoff()
        self._cancellation = Cancellation()

    def _retry(self, seconds: float = 0.0) -> RetryPolicy | None:
        """The retries of a read: within ``seconds``, else the engine's timeout of the call when it gives one."""
        timeout = seconds or OPERATION_TIMEOUT.get()
        return RetryPolicy(total_timeout=timeout) if timeout > 0 else None

    async def _read(self, named: Mapping[str, Any], seconds: float = 0.0) -> dict[str, Any]:
        """The one read of the provider: the outputs of what ``named`` names, with this provider's configuration,
        within ``seconds`` or the engine's timeout of the call when it gives one, and ended at once by the
        engine's cancel."""
        return await aread_outputs(**named, config=self._config, config_namespace=PACKAGE, pool=self._pool,
                                   retry=self._retry(seconds), cancel=self._cancellation)

    async def _read_or_wait(
        self, named: Mapping[str, Any], wait_for: WaitFor | None, urn: str, kept: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """The outputs to store: one read (``kept``, a diff's, when there is one), or, with ``wait_for``, the
        reads of a wait bounded by the read's deadline (the engine's timeout of the call, else
        ``css-vpcep:readTimeout``), each line of it shown under the resource; the engine's cancel ends it."""
        if wait_for is None:
            return kept or await self._read(named)
        import asyncio

        handed = [kept] if kept else []
        shown: set[asyncio.Task[None]] = set()

        async def read(left: float) -> dict[str, Any]:
            return handed.pop() if handed else await self._read(named, left)

        def report(line: str) -> None:
            if self._log is not None:
                line = f"css-vpcep: cluster {named.get('cluster_id')}: {line}"
                shown.add(asyncio.ensure_future(self._log(line, urn)))

        seconds = read_deadline(config=self._config, config_namespace=PACKAGE, retry=self._retry())
        waiting = Waiting(wait_for, seconds, report=report)
        try:
            outputs = await self._cancellation.run(await_status(waiting, read), about=str(named.get("cluster_id")))
        finally:
            await asyncio.gather(*shown, return_exceptions=True)
        return faces.with_wait(outputs, wait_for)

    def _wait_for(self, props: Mapping[str, PropertyValue]) -> WaitFor | None:
        """The checked wait input among property values (the engine checked it before)."""
        return faces.stored_wait(_plain_map(props), faces.camel_case)

    async def cancel(self) -> None:
        """The engine cancels (Ctrl-C): every read in flight ends now, and every later one before it starts."""
        self._cancellation.cancel()

    def _inputs(self, props: Mapping[str, PropertyValue], *, allow_unknown: bool = True) -> faces.Inputs:
        """Checked inputs; a bad one is an ``InvalidInputError`` (the engine checked them before)."""
        return faces.checked_inputs(_plain_map(props), faces.camel_case, allow_unknown=allow_unknown,
                                    only_inputs=True, resource=True)

    async def get_schema(self, request: p.GetSchemaRequest) -> p.GetSchemaResponse:  # noqa: ARG002
        return p.GetSchemaResponse(schema=schema_json())

    async def check_config(self, request: p.CheckRequest) -> p.CheckResponse:
        # The engine keeps the checked configuration in the state: credentials go there encrypted even
        # when they were set without --secret (seen under the real engine: an access key in plain text).
        inputs = {k: v.with_secret(True) if k in CREDENTIAL_KEYS else v for k, v in request.new_inputs.items()}
        # A key not known is refused, as Pulumi's bridged providers refuse one: a misspelt key would otherwise
        # leave its setting to the environment or the default, and the read would go on, maybe elsewhere.
        known = _config_keys()
        failures = [p.CheckFailure(key, faces.unknown_key(PACKAGE, key, known)) for key in sorted(request.new_inputs)
                    if key not in known and key not in _ENGINE_KEYS and not key.startswith("__")]
        return p.CheckResponse(inputs=inputs, failures=failures)

    async def configure(self, request: p.ConfigureRequest) -> p.ConfigureResponse:
        # The engine sends config both as variables (`css-vpcep:config:accessKey`) and as typed args.
        given = {name.rsplit(":", 1)[-1]: _plain(PropertyValue(v)) for name, v in request.variables.items()}
        self._config = faces.configuration({**given, **_plain_map(request.args)}.get)
        # Unknowns arrive as the plain sentinel, which this provider can read (not as output values).
        return p.ConfigureResponse(accept_secrets=True, supports_preview=True, accept_resources=False,
                                   accept_outputs=False)

    async def diff_config(self, request: p.DiffRequest) -> p.DiffResponse:
        # A configuration change never replaces the provider: its resources re-read and show their own diffs.
        olds, news = _plain_map(request.old_state), _plain_map(request.new_inputs)
        changed = sorted(key for key in olds.keys() | news.keys() if olds.get(key) != news.get(key))
        return p.DiffResponse(changes=bool(changed), diffs=changed)

    async def check(self, request: p.CheckRequest) -> p.CheckResponse:
        given = _plain_map(request.new_inputs)
        inputs, failures = faces.check_inputs(given, faces.camel_case, only_inputs=True, resource=True)
        wait_for, wait_failures = faces.check_wait(given, faces.camel_case)
        failures += wait_failures
        if failures:
            return p.CheckResponse(request.new_inputs, [p.CheckFailure(*f) for f in failures])
        checked = output_properties(inputs, given_only=True)
        wait_key = faces.camel_case(faces.WAIT_INPUT)
        if isinstance(wait_for, WaitFor):
            checked |= output_properties({faces.WAIT_INPUT: wait_for.as_input()})
        elif wait_for is faces.UNKNOWN:
            checked[wait_key] = request.new_inputs[wait_key]
        return p.CheckResponse(inputs=checked, failures=[])

    @report_errors
    async def diff(self, request: p.DiffRequest) -> p.DiffResponse:
        olds = _state(request.old_state)
        inputs = self._inputs(request.new_inputs)
        replaces = faces.replacements(inputs, olds)
        changed = replaces
        wait_for, _ = faces.check_wait(_plain_map(request.new_inputs), faces.camel_case)
        if not replaces and faces.wait_changed(wait_for, _plain_map(request.old_state), faces.camel_case):
            changed = [faces.WAIT_INPUT]  # an update, which waits for the new one
        elif not replaces:
            # Re-read what the state names, so that the preview shows the service's drift.
            endpoint = faces.given_endpoint(inputs)
            named = faces.identity(olds, endpoint)
            fresh = await self._read(named)
            changed = faces.drift(olds, fresh, endpoint_given=endpoint is not None)
        diffs = [key for key in map(faces.camel_case, changed) if key not in request.ignore_changes]
        replaced = [faces.camel_case(name) for name in replaces if faces.camel_case(name) in diffs]
        if diffs and not replaces and faces.WAIT_INPUT not in changed:
            self._handoff.keep(named, fresh)
            if self._log is not None:
                # A detailed diff would set the stored outputs against the inputs, showing them as deleted.
                drifted = [name for name in changed if faces.camel_case(name) in diffs]
                await self._log(faces.drift_notice(olds, fresh, drifted, faces.camel_case), request.urn)
        return p.DiffResponse(
            changes=bool(diffs), replaces=replaced, diffs=diffs,
            detailed_diff={key: p.PropertyDiff(p.PropertyDiffKind.UPDATE_REPLACE, input_diff=True) for key in replaced},
        )

    @report_errors
    async def create(self, request: p.CreateRequest) -> p.CreateResponse:
        # A preview reads too, as Terraform's plan reads a data source: it shows the real outputs, and a
        # refused read fails it. Only a read whose inputs are not all known yet waits for the update.
        inputs = self._inputs(request.properties, allow_unknown=request.preview)
        if request.preview and any(value is faces.UNKNOWN for value in inputs.values()):
            return p.CreateResponse(resource_id="", properties=_preview(inputs))
        # (The create that follows a preview runs in another provider process: there is no read to hand on.)
        # A preview reads once and never waits.
        wait_for = None if request.preview else self._wait_for(request.properties)
        outputs = await self._read_or_wait(faces.known(inputs), wait_for, request.urn)
        return p.CreateResponse(resource_id=faces.resource_id_of(outputs), properties=output_properties(outputs))

    @report_errors
    async def read(self, request: p.ReadRequest) -> p.ReadResponse:
        # Refresh re-reads what the state names and keeps the inputs; `get(name, id)` and import read the id.
        endpoint = faces.given_endpoint(_plain_map(request.inputs))
        named = faces.stored_identity(_state(request.properties), request.resource_id, endpoint)
        outputs = await self._read(named)
        inputs = dict(request.inputs) or output_properties(named, given_only=True)
        # A refresh keeps the wait input stored: it is no drift, and waits for nothing.
        kept = faces.with_wait(outputs, faces.stored_wait(_plain_map(request.properties), faces.camel_case))
        return p.ReadResponse(resource_id=faces.resource_id_of(outputs), properties=output_properties(kept),
                              inputs=inputs)

    @report_errors
    async def update(self, request: p.UpdateRequest) -> p.UpdateResponse:
        inputs = self._inputs(request.news, allow_unknown=request.preview)
        if request.preview:
            return p.UpdateResponse(properties=_preview(inputs))
        named = faces.pinned(inputs, _state(request.olds))
        wait_for = self._wait_for(request.news)
        outputs = await self._read_or_wait(named, wait_for, request.urn, self._handoff.take(named))
        return p.UpdateResponse(properties=output_properties(outputs))

    async def delete(self, request: p.DeleteRequest) -> None:  # noqa: ARG002
        # The project never changes anything in the cloud: forgetting the resource is all there is to do.
        return None

    @report_errors
    async def invoke(self, request: p.InvokeRequest) -> p.InvokeResponse:
        if request.tok != FUNCTION_TOKEN:
            return p.InvokeResponse(failures=[p.CheckFailure("", f"unknown function {request.tok!r}")])
        args = _plain_map(request.args)
        inputs, failures = faces.check_inputs(args, faces.camel_case, allow_unknown=False, only_inputs=True)
        if failures:
            return p.InvokeResponse(failures=[p.CheckFailure(*f) for f in failures])
        return p.InvokeResponse(return_value=output_properties(await self._read(faces.known(inputs))))
