"""The multi-language provider plugin: ``css-vpcep:index:VpcepConnections`` and ``getVpcepConnections``.

A thin adapter of ``aread_vpcep_connections`` to ``pulumi.provider.experimental``: it turns property
values into the read's arguments and the read's outputs into camelCase property values, and nothing
more. The gRPC server is asynchronous, so many reads and invokes overlap in one process.
``python -m pulumi_css_vpcep <engine address>`` serves it; ``PulumiPlugin.yaml`` lets
``pulumi package add`` run it for every Pulumi language.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import grpc
from pulumi.provider.experimental import server
from pulumi.provider.experimental.property_value import Computed, PropertyValue
from pulumi.provider.experimental.provider import (
    CheckFailure,
    CheckRequest,
    CheckResponse,
    ConfigureRequest,
    ConfigureResponse,
    CreateRequest,
    CreateResponse,
    DeleteRequest,
    DiffRequest,
    DiffResponse,
    GetSchemaRequest,
    GetSchemaResponse,
    InvokeRequest,
    InvokeResponse,
    PropertyDiff,
    PropertyDiffKind,
    Provider,
    ReadRequest,
    ReadResponse,
    UpdateRequest,
    UpdateResponse,
)
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc
from pulumi.runtime.rpc import UNKNOWN

from . import __version__
from .client import aread_vpcep_connections
from .errors import ConfigurationError, CssVpcepError, InvalidInputError, TransportError
from .models import VpcepConnectionsResult, order_insensitive
from .schema import CONFIG_KEYS, FUNCTION_TOKEN, INPUT_KEYS, PACKAGE, schema_json
from .settings import (
    parse_resource_id,
    validate_cluster_id,
    validate_endpoint,
    validate_project_id,
    validate_region,
)

__all__ = ["CssVpcepProvider", "CssVpcepServicer", "main", "outputs_to_properties", "parse_id", "serve"]

_MAX_MESSAGE = 400 * 1024 * 1024
"""As the Pulumi SDK allows: a read of many connections can be a large message."""
_CONFIG_PREFIXES = (f"{PACKAGE}:config:", f"{PACKAGE}:")
_VALIDATORS: dict[str, Callable[[Any, str], str]] = {
    "clusterId": validate_cluster_id,
    "projectId": validate_project_id,
    "region": validate_region,
    "endpoint": validate_endpoint,
}


class _Unknown:
    """An input whose value is not known yet (a preview)."""


UNKNOWN_INPUT = _Unknown()
Inputs = dict[str, "str | _Unknown | None"]


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _to_property(value: Any) -> PropertyValue:
    """A JSON value as a property value: snake_case keys become camelCase, integers become numbers."""
    if isinstance(value, Mapping):
        return PropertyValue({_camel(str(k)): _to_property(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return PropertyValue([_to_property(v) for v in value])
    if isinstance(value, int) and not isinstance(value, bool):
        return PropertyValue(float(value))
    return PropertyValue(value)


def outputs_to_properties(result: VpcepConnectionsResult) -> dict[str, PropertyValue]:
    """The outputs of a read as the schema's camelCase property values; the one place names are converted."""
    return {_camel(key): _to_property(value) for key, value in result.to_outputs().items()}


def _plain(value: PropertyValue) -> Any:
    """A property value as a plain JSON value (secrets unwrapped), for comparing states."""
    inner = value.value
    if isinstance(inner, Mapping):
        return {k: _plain(v) for k, v in inner.items()}
    if isinstance(inner, Sequence) and not isinstance(inner, str):
        return [_plain(v) for v in inner]
    return inner


def _is_unknown(value: PropertyValue) -> bool:
    return isinstance(value.value, Computed) or value.value == UNKNOWN


def _config_value(value: Any) -> Any:
    """A configuration value as the settings resolver takes it; one not known yet is no value."""
    return None if value is None or value == UNKNOWN or isinstance(value, Computed) else value


def parse_id(value: str) -> Inputs:
    """The inputs named by a resource id (``{region}:{projectId}:{clusterId}``); ``InvalidInputError`` else."""
    region, project_id, cluster_id = parse_resource_id(value)
    return {"clusterId": cluster_id, "projectId": project_id, "region": region, "endpoint": None}


def _identity(state: Mapping[str, Any]) -> dict[str, str | None]:
    """What a stored state names: the cluster and the project, region and endpoint resolved at creation."""
    identity: dict[str, str | None] = {}
    for key, validate in _VALIDATORS.items():
        value = state.get(key)
        identity[key] = validate(value, key) if isinstance(value, str) and value else None
    return identity


def _check_inputs(args: Mapping[str, PropertyValue], *, allow_unknown: bool) -> tuple[Inputs, list[CheckFailure]]:
    """Validate inputs without sending anything: the values to use, and a failure for each bad one."""
    inputs: Inputs = {}
    failures: list[CheckFailure] = []
    for key in sorted(args):
        if key not in _VALIDATORS and not key.startswith("__"):
            failures.append(CheckFailure(key, f"unknown input {key!r}: expected one of {', '.join(INPUT_KEYS)}"))
    for key, validate in _VALIDATORS.items():
        prop = args.get(key)
        if prop is None or prop.value is None:
            inputs[key] = None
            if key == "clusterId":
                failures.append(CheckFailure(key, "clusterId is required"))
            continue
        if _is_unknown(prop):
            if allow_unknown:
                inputs[key] = UNKNOWN_INPUT
            else:
                failures.append(CheckFailure(key, f"{key} must be known"))
            continue
        try:
            inputs[key] = validate(prop.value, key)
        except InvalidInputError as err:
            failures.append(CheckFailure(key, str(err)))
    return inputs, failures


def _inputs_to_properties(inputs: Inputs) -> dict[str, PropertyValue]:
    return {
        key: PropertyValue(UNKNOWN) if isinstance(value, _Unknown) else PropertyValue(value)
        for key, value in inputs.items()
        if value is not None
    }


def _known(inputs: Inputs) -> dict[str, str | None]:
    return {key: None if isinstance(value, _Unknown) else value for key, value in inputs.items()}


def _preview_properties(inputs: Inputs) -> dict[str, PropertyValue]:
    """The outputs of a resource not read yet: its inputs as given, everything else unknown."""
    props = {key: PropertyValue(UNKNOWN) for key in ("connections", "permissions", "vpcServiceName",
                                                       "vpcepUpdateSwitch", "totalCount")}
    for key in INPUT_KEYS:
        value = inputs.get(key)
        props[key] = PropertyValue(value) if isinstance(value, str) else PropertyValue(UNKNOWN)
    return props


class CssVpcepProvider(Provider):
    """The provider: configuration from ``configure`` (``css-vpcep:*``), the environment read at call time.

    Credentials stay in this object's memory; no credential is ever written to a resource's state.
    """

    def __init__(self) -> None:
        self._config: dict[str, Any] = {}

    async def get_schema(self, request: GetSchemaRequest) -> GetSchemaResponse:  # noqa: ARG002
        return GetSchemaResponse(schema=schema_json())

    async def configure(self, request: ConfigureRequest) -> ConfigureResponse:
        # The engine sends config both as variables (`css-vpcep:config:accessKey`) and as typed args.
        config: dict[str, Any] = {}
        for name, text in request.variables.items():
            short = next((name.removeprefix(p) for p in _CONFIG_PREFIXES if name.startswith(p)), None)
            value = _config_value(text)
            if short in CONFIG_KEYS and value is not None:
                config[short] = value
        for name, prop in request.args.items():
            value = _config_value(prop.value)
            if name in CONFIG_KEYS and value is not None:
                config[name] = value
        self._config = config
        # Unknowns arrive as the plain sentinel, which this provider can read (not as output values).
        return ConfigureResponse(accept_secrets=True, supports_preview=True, accept_resources=False,
                                 accept_outputs=False)

    async def diff_config(self, request: DiffRequest) -> DiffResponse:
        # A configuration change never replaces the provider: its resources re-read and show their own diffs.
        olds = {key: _plain(value) for key, value in request.old_state.items()}
        news = {key: _plain(value) for key, value in request.new_inputs.items()}
        changed = sorted(key for key in olds.keys() | news.keys() if olds.get(key) != news.get(key))
        return DiffResponse(changes=bool(changed), diffs=changed)

    async def _read(self, inputs: Mapping[str, str | None]) -> VpcepConnectionsResult:
        cluster_id = inputs.get("clusterId")
        if cluster_id is None:
            raise InvalidInputError("clusterId", "clusterId is required")
        return await aread_vpcep_connections(
            cluster_id,
            project_id=inputs.get("projectId"),
            region=inputs.get("region"),
            endpoint=inputs.get("endpoint"),
            config=self._config,
            config_namespace=PACKAGE,
        )

    async def check(self, request: CheckRequest) -> CheckResponse:
        inputs, failures = _check_inputs(request.new_inputs, allow_unknown=True)
        if failures:
            return CheckResponse(inputs=request.new_inputs, failures=failures)
        return CheckResponse(inputs=_inputs_to_properties(inputs), failures=[])

    async def diff(self, request: DiffRequest) -> DiffResponse:
        olds = {key: _plain(value) for key, value in request.old_state.items()}
        inputs, failures = _check_inputs(request.new_inputs, allow_unknown=True)
        if failures:
            raise InvalidInputError(failures[0].property, failures[0].reason)
        ignored = set(request.ignore_changes)
        if any(isinstance(value, _Unknown) for value in inputs.values()):
            # Not known until the update: what changes is decided then; an unknown or new input replaces.
            changed = [
                key for key in INPUT_KEYS
                if isinstance(inputs[key], _Unknown) or (inputs[key] is not None and inputs[key] != olds.get(key))
            ]
        else:
            # An input given and different replaces; one left out keeps the value resolved at creation.
            replacing = [key for key in INPUT_KEYS if inputs[key] is not None and inputs[key] != olds.get(key)]
            if replacing:
                changed = replacing
            else:
                # Re-read what the state names, so the preview shows drift between service and stored outputs.
                current = await self._read(_identity(olds))
                fresh = {k: _plain(v) for k, v in outputs_to_properties(current).items()}
                changed = [key for key in fresh if order_insensitive(fresh[key]) != order_insensitive(olds.get(key))]
        changed = [key for key in changed if key not in ignored]
        replaces = [key for key in changed if key in INPUT_KEYS]
        return DiffResponse(
            changes=bool(changed),
            replaces=replaces,
            diffs=changed,
            detailed_diff={
                key: PropertyDiff(
                    PropertyDiffKind.UPDATE_REPLACE if key in replaces else PropertyDiffKind.UPDATE,
                    input_diff=key in INPUT_KEYS,
                )
                for key in changed
            },
        )

    async def create(self, request: CreateRequest) -> CreateResponse:
        inputs, failures = _check_inputs(request.properties, allow_unknown=request.preview)
        if failures:
            raise InvalidInputError(failures[0].property, failures[0].reason)
        if request.preview:
            return CreateResponse(resource_id="", properties=_preview_properties(inputs))
        result = await self._read(_known(inputs))
        return CreateResponse(resource_id=result.resource_id, properties=outputs_to_properties(result))

    async def read(self, request: ReadRequest) -> ReadResponse:
        stored = {key: _plain(value) for key, value in request.properties.items()}
        if stored.get("clusterId"):
            # Refresh: re-read exactly what the state names (project, region and endpoint as resolved);
            # the inputs stay as they were.
            known = _identity(stored)
            inputs = dict(request.inputs) or _inputs_to_properties(dict(known))
        else:
            # `get(name, id)` and import: only the id is known.
            named = parse_id(request.resource_id)
            known = _known(named)
            inputs = _inputs_to_properties(named)
        result = await self._read(known)
        return ReadResponse(resource_id=result.resource_id, properties=outputs_to_properties(result), inputs=inputs)

    async def update(self, request: UpdateRequest) -> UpdateResponse:
        inputs, failures = _check_inputs(request.news, allow_unknown=request.preview)
        if failures:
            raise InvalidInputError(failures[0].property, failures[0].reason)
        if request.preview:
            return UpdateResponse(properties=_preview_properties(inputs))
        return UpdateResponse(properties=outputs_to_properties(await self._read(_known(inputs))))

    async def delete(self, request: DeleteRequest) -> None:  # noqa: ARG002
        # The project never changes anything in the cloud: forgetting the resource is all there is to do.
        return None

    async def invoke(self, request: InvokeRequest) -> InvokeResponse:
        if request.tok != FUNCTION_TOKEN:
            return InvokeResponse(failures=[CheckFailure("", f"unknown function {request.tok!r}")])
        inputs, failures = _check_inputs(request.args, allow_unknown=False)
        if failures:
            return InvokeResponse(failures=failures)
        return InvokeResponse(return_value=outputs_to_properties(await self._read(_known(inputs))))


_STATUS: list[tuple[type[CssVpcepError], grpc.StatusCode]] = [
    (InvalidInputError, grpc.StatusCode.INVALID_ARGUMENT),
    (ConfigurationError, grpc.StatusCode.FAILED_PRECONDITION),
    (TransportError, grpc.StatusCode.UNAVAILABLE),
]


class CssVpcepServicer(server.ProviderServicer):
    """The stock servicer, except that this project's errors reach the user as one line, without a stack.

    The stock servicer re-raises every exception as a new one with a Python stack appended; the original
    is that new exception's ``__context__``, and is reported here on its own.
    """

    async def _clean(self, call: Callable[[Any, Any], Awaitable[Any]], request: Any, context: Any) -> Any:
        try:
            return await call(request, context)
        except Exception as exc:
            original = exc if isinstance(exc, CssVpcepError) else exc.__context__
            if not isinstance(original, CssVpcepError):
                raise
            code = next((c for kind, c in _STATUS if isinstance(original, kind)), grpc.StatusCode.UNKNOWN)
            await context.abort(code, str(original))
            raise  # not reached: abort raises

    async def Configure(self, request: Any, context: Any) -> Any:
        return await self._clean(super().Configure, request, context)

    async def DiffConfig(self, request: Any, context: Any) -> Any:  # noqa: ARG002
        # The stock DiffConfig passes the response's bool as the enum (True would mean DIFF_NONE).
        response = await self._provider.diff_config(
            DiffRequest(
                request.urn,
                request.id,
                PropertyValue.unmarshal_map(request.olds),
                PropertyValue.unmarshal_map(request.news),
                list(request.ignoreChanges),
            )
        )
        changes = provider_pb2.DiffResponse.DIFF_SOME if response.changes else provider_pb2.DiffResponse.DIFF_NONE
        return provider_pb2.DiffResponse(changes=changes, diffs=response.diffs, replaces=response.replaces)

    async def Check(self, request: Any, context: Any) -> Any:
        return await self._clean(super().Check, request, context)

    async def Diff(self, request: Any, context: Any) -> Any:
        return await self._clean(super().Diff, request, context)

    async def Create(self, request: Any, context: Any) -> Any:
        return await self._clean(super().Create, request, context)

    async def Read(self, request: Any, context: Any) -> Any:
        return await self._clean(super().Read, request, context)

    async def Update(self, request: Any, context: Any) -> Any:
        return await self._clean(super().Update, request, context)

    async def Invoke(self, request: Any, context: Any) -> Any:
        return await self._clean(super().Invoke, request, context)


async def serve(engine_address: str, args: Sequence[str]) -> None:
    """Serve the provider on a free loopback port until terminated; print the port first, on stdout."""
    grpc_server = grpc.aio.server(options=[("grpc.max_receive_message_length", _MAX_MESSAGE)])
    servicer = CssVpcepServicer(list(args), __version__, CssVpcepProvider(), engine_address=engine_address)
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(servicer, grpc_server)
    port = grpc_server.add_insecure_port("127.0.0.1:0")
    await grpc_server.start()
    sys.stdout.write(f"{port}\n")
    sys.stdout.flush()
    await grpc_server.wait_for_termination()


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m pulumi_css_vpcep <engine address> [flags]``: the plugin, as the engine starts it."""
    args = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="python -m pulumi_css_vpcep", description="The css-vpcep provider plugin.")
    parser.add_argument("engine", help="the Pulumi engine's address")
    known, _ = parser.parse_known_args(args)  # flags such as --logtostderr are accepted and ignored
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(known.engine, args))
