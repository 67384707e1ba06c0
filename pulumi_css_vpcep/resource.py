"""The Pulumi Python faces: the ``VpcepConnections`` dynamic resource, its provider, and ``get_vpcep_connections``.

Thin adapters of ``read_vpcep_connections`` and of the ``faces`` core to snake_case plain values, the
dynamic provider's wire format. The provider lives in this importable module so that dill pickles it
by reference; it keeps no client and no credential in its fields, and its serialized form is empty.

Loading this module loads no HTTP client and no models: the program that declares the resources and
the provider host's first call do not wait for them. A read loads httpx when it comes, and never the
models (``_read.read_outputs``).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

import pulumi
import pulumi.dynamic

from . import _faces as faces
from . import _pulumi_compat
from ._cancel import Cancellation
from ._engine_watch import watch_engine
from ._read import aread_outputs, read_outputs
from ._retries import RetryPolicy
from ._settings import read_deadline
from ._wait import WaitFor, Waiting, wait
from .errors import CssVpcepError

__all__ = ["VpcepConnections", "VpcepConnectionsProvider", "get_vpcep_connections"]

CONFIG_NAMESPACE = "huaweicloud"
"""The ``pulumi-huaweicloud`` package's configuration, whose keys a read uses: its users need nothing new."""

HOST_CANCELLATION = Cancellation()
"""The engine's cancel in the dynamic provider host this module runs in: set by the host's ``Cancel``
(``_pulumi_compat.on_dynamic_host_cancel``), it ends every read of the process."""
PREVIEW_KEY = "__css_vpcep_preview"
"""What a program registering a ``VpcepConnections`` in a preview adds to its inputs: the provider's check
cannot tell a preview from an update otherwise."""
HOST_HANDOFF = faces.ReadHandoff()
"""The reads diffs made, for the update of the same resource that follows."""
_HUAWEICLOUD_KEYS = (
    "accessKey", "agencyDomainName", "agencyName", "assumeRole", "authUrl", "cacertFile", "cert", "cloud",
    "delegatedProject", "domainId", "domainName", "endpoints", "enterpriseProjectId", "insecure", "key",
    "maxRetries", "password", "profile", "projectId", "projectName", "region", "regional", "secretKey",
    "securityToken", "sharedConfigFile", "tenantId", "tenantName", "token", "userId", "userName",
)
"""The ``pulumi-huaweicloud`` package's own configuration keys: one this project does not read is no mistake."""
_warned_keys: set[str] = set()


def _unread_config_warnings() -> list[str]:
    """Warnings, each given once per program, for configuration keys that look meant for this resource but
    are not read (``faces.unread_keys``): a misspelt ``huaweicloud:regoin``, the plugin's ``css-vpcep:region``."""
    found = faces.unread_keys(_pulumi_compat.config_keys(), CONFIG_NAMESPACE, _HUAWEICLOUD_KEYS)
    new = [warning for warning in found if warning not in _warned_keys]
    _warned_keys.update(new)
    return new


@functools.cache
def _start_host_watches() -> None:
    """In Pulumi's dynamic provider host: end the reads when the engine cancels, and the process when the
    engine is gone (``_engine_watch``). Both are set up once per process, on the provider's first call."""
    _pulumi_compat.on_dynamic_host_cancel(HOST_CANCELLATION.cancel)
    watch_engine(_pulumi_compat.dynamic_host_engine_address())


def _new_read(inputs: faces.Inputs, olds: Mapping[str, Any]) -> bool:
    """Whether checked ``inputs`` name a read the stack does not hold: a resource to create (no old inputs),
    or one to replace (an input given that the old inputs do not have)."""
    return not any(key != "__provider" for key in olds) or bool(faces.replacements(inputs, olds))


def _given(values: Mapping[str, Any]) -> dict[str, Any]:
    """Values as the core takes them: one not known yet (a preview) as ``faces.UNKNOWN``."""
    return {key: faces.UNKNOWN if pulumi.contains_unknowns(value) else value for key, value in values.items()}


_Method = TypeVar("_Method", bound=Callable[..., Any])


def _reported_in_one_line(method: _Method) -> _Method:
    """A provider method whose own errors the host reports as their one line (see ``_pulumi_compat``);
    anywhere else their traceback stops at the method."""

    @functools.wraps(method)
    def reported(*args: Any) -> Any:
        try:
            return method(*args)
        except CssVpcepError as err:
            _pulumi_compat.mark_for_one_line_report(err)
            raise err.with_traceback(None) from None

    return cast(_Method, reported)


class VpcepConnectionsProvider(pulumi.dynamic.ResourceProvider):
    """The dynamic provider behind ``VpcepConnections``: it reads, and never changes anything in the cloud.
    Credentials come from ``configure`` (the stack's ``huaweicloud:*``) or the host's environment at call
    time; a pickled provider is just a reference to this class. A diff that finds drift hands its read to
    the update that follows it in the same process (``faces.ReadHandoff``), so ``pulumi up`` reads once."""

    def __init__(self) -> None:
        super().__init__()
        self._config: dict[str, Any] | None = None
        # One for the process: the host may load a provider twice when its first calls come at once.
        self._handoff = HOST_HANDOFF

    def __reduce__(self) -> tuple[type[VpcepConnectionsProvider], tuple[()]]:
        # The configuration may hold credentials: a serialized provider never carries it.
        return (VpcepConnectionsProvider, ())

    def __repr__(self) -> str:
        return "VpcepConnectionsProvider()"

    def configure(self, req: pulumi.dynamic.ConfigureRequest) -> None:
        """Remember the stack's ``huaweicloud:*`` configuration for the reads of this process."""
        self._config = faces.configuration(lambda key: req.config.get(faces.config_key(CONFIG_NAMESPACE, key)))
        _pulumi_compat.report_marked_errors_in_one_line()
        _start_host_watches()

    def _read(
        self, named: Mapping[str, Any], last_endpoint: str | None = None, retry: RetryPolicy | None = None
    ) -> dict[str, Any]:
        """The outputs of a read of what ``named`` names (``faces.stored_identity`` or ``faces.pinned``),
        ended at once by the engine's cancel."""
        return read_outputs(**named, config=self._config, last_endpoint=last_endpoint, cancel=HOST_CANCELLATION,
                            retry=retry)

    def _read_or_wait(
        self,
        named: Mapping[str, Any],
        wait_for: WaitFor | None,
        kept: dict[str, Any] | None = None,
        last_endpoint: str | None = None,
    ) -> dict[str, Any]:
        """The outputs to store: one read (``kept``, a diff's, when there is one), or, with ``wait_for``, the reads
        of a wait bounded by the read's deadline (``css-vpcep:readTimeout``), each line of it on stderr, which the
        engine shows; the engine's cancel ends it at once."""
        if wait_for is None:
            return kept or self._read(named, last_endpoint=last_endpoint)
        handed = [kept] if kept else []
        cluster_id = str(named.get("cluster_id"))

        def read(left: float) -> dict[str, Any]:
            return handed.pop() if handed else self._read(named, retry=RetryPolicy(total_timeout=left),
                                                          last_endpoint=last_endpoint)

        def pause(seconds: float) -> None:
            if HOST_CANCELLATION.wait(seconds):
                raise HOST_CANCELLATION.error(cluster_id)

        def report(line: str) -> None:
            print(f"css-vpcep: cluster {cluster_id}: {line}", file=sys.stderr, flush=True)

        waiting = Waiting(wait_for, read_deadline(config=self._config), report=report)
        return faces.with_wait(wait(waiting, read, pause), wait_for)

    @_reported_in_one_line
    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.CheckResult:
        """Validate the inputs. In a preview, a resource to create or replace whose inputs are all known is
        read here too, so that the preview fails on a refused read as Terraform's plan does: the engine asks
        a dynamic provider nothing else in a preview. Not in an update, where the engine checks one resource after
        another but creates them concurrently: the create reads. The program's mark of a preview
        (``PREVIEW_KEY``) is not an input, and is never stored."""
        inputs, failures = faces.check_inputs(_given(news))
        checked = {k: news[k] if v is faces.UNKNOWN else v for k, v in inputs.items() if v is not None}
        wait_for, wait_failures = faces.check_wait(_given(news))
        failures += wait_failures
        if isinstance(wait_for, WaitFor):
            checked[faces.WAIT_INPUT] = wait_for.as_input()
        elif wait_for is faces.UNKNOWN:
            checked[faces.WAIT_INPUT] = news[faces.WAIT_INPUT]
        previewing = news.get(PREVIEW_KEY) is True
        if previewing and not failures and faces.UNKNOWN not in inputs.values() and _new_read(inputs, olds):
            self._read(faces.known(inputs))  # its outputs cannot show: a preview's dynamic outputs stay unknown
        return pulumi.dynamic.CheckResult(checked, [pulumi.dynamic.CheckFailure(*failure) for failure in failures])

    @_reported_in_one_line
    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        """Read the connections (until those of ``wait_for`` have its status); the id is
        ``{region}:{project_id}:{cluster_id}``."""
        named = faces.stored_identity(props, "", faces.given_endpoint(props))
        outputs = self._read_or_wait(named, faces.stored_wait(props))
        return pulumi.dynamic.CreateResult(faces.resource_id_of(outputs), outputs)

    @_reported_in_one_line
    def read(self, id_: str, props: dict[str, Any]) -> pulumi.dynamic.ReadResult:
        """Re-read: from the stored outputs on refresh, from the id alone on ``VpcepConnections.get``. The host
        shows a refresh no inputs, so it reads through ``HW_CSS_ENDPOINT`` when set, else the endpoint it
        last read through (an input given, or the region's)."""
        named = faces.stored_identity(props, id_)
        outputs = self._read(named, last_endpoint=faces.last_endpoint(props))
        # A refresh reads and keeps the wait input stored: it is no drift, and waits for nothing.
        kept = faces.with_wait(outputs, faces.stored_wait(props))
        return pulumi.dynamic.ReadResult(faces.resource_id_of(outputs), kept)

    @_reported_in_one_line
    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.DiffResult:
        """Replace when what is read changes, else report the service's drift from ``olds`` (stored outputs); a
        new wait input updates. Without an endpoint input or ``HW_CSS_ENDPOINT``, it reads through the endpoint
        last read, as ``read`` does."""
        inputs = faces.checked_inputs(_given(news))
        replaces = faces.replacements(inputs, olds)
        changed: list[str] = replaces
        wait_for, _ = faces.check_wait(_given(news))
        if not replaces and faces.wait_changed(wait_for, olds):
            changed = [faces.WAIT_INPUT]
        elif not replaces:
            endpoint = faces.given_endpoint(inputs)
            named = faces.identity(olds, endpoint)
            fresh = self._read(named, last_endpoint=faces.last_endpoint(olds))
            changed = faces.drift(olds, fresh, endpoint_given=endpoint is not None)
            if changed:
                self._handoff.keep(named, fresh)
                # The engine forwards the provider host's stderr to the CLI.
                print(faces.drift_notice(olds, fresh, changed), file=sys.stderr, flush=True)
        return pulumi.dynamic.DiffResult(changes=bool(changed), replaces=replaces, delete_before_replace=False)

    @_reported_in_one_line
    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.UpdateResult:
        """Re-read what the resource names, so the stored outputs match the service again (the read of the
        diff that found the drift, when it named the same), until the connections of ``wait_for`` have its status;
        through the endpoint last read, as ``read`` does, without an endpoint input or ``HW_CSS_ENDPOINT``."""
        named = faces.pinned(faces.checked_inputs(_given(news)), olds)
        outputs = self._read_or_wait(
            named, faces.stored_wait(news), self._handoff.take(named), last_endpoint=faces.last_endpoint(olds)
        )
        return pulumi.dynamic.UpdateResult(outputs)

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Nothing to do: the resource only reads, so forgetting it changes nothing in the cloud."""


class VpcepConnections(pulumi.dynamic.Resource, module="css-vpcep", name="VpcepConnections"):
    """The VPC endpoint connections of a Huawei Cloud CSS cluster, read-only: creating it reads, ``pulumi
    refresh`` and ``pulumi up`` re-read (``pulumi preview`` shows drift), deleting it changes nothing in the
    cloud. Credentials come from ``HW_*`` variables or ``huaweicloud:*`` configuration (set with ``--secret``:
    the engine keeps configuration in the provider's state), never from this resource's inputs or outputs.
    The outputs are ``VpcepConnectionsResult``'s fields, described there, as plain values."""

    cluster_id: pulumi.Output[str]
    project_id: pulumi.Output[str]
    region: pulumi.Output[str]
    endpoint: pulumi.Output[str]
    connections: pulumi.Output[list[dict[str, Any]]]
    permissions: pulumi.Output[list[dict[str, Any]]]
    vpc_service_name: pulumi.Output[str | None]
    vpcep_update_switch: pulumi.Output[bool]
    total_count: pulumi.Output[int]
    wait_for: pulumi.Output[dict[str, Any] | None]
    """The ``wait_for`` input as checked: ``endpoint_ids`` and ``status``."""

    def __init__(
        self,
        resource_name: str,
        cluster_id: pulumi.Input[str],
        project_id: pulumi.Input[str] | None = None,
        region: pulumi.Input[str] | None = None,
        endpoint: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
        *,
        wait_for: pulumi.Input[Mapping[str, Any]] | None = None,
    ) -> None:
        """Read the connections of ``cluster_id``. The arguments are those of ``VpcepConnectionsArgs``: those
        left out come from ``huaweicloud:*`` configuration, ``HW_*`` variables or the region.

        ``wait_for``: ``{"endpoint_ids": [...], "status": "accepted"}`` (the status is ``accepted`` when left
        out): ``pulumi up`` creates or updates the resource only once each of those consumers' VPC endpoints
        has a connection in that status, so resources that use its outputs come after; ``rejected`` or
        ``failed`` fails it at once. The wait is bounded by the read's deadline (``css-vpcep:readTimeout``,
        3 minutes by default); a preview reads once and does not wait; a change of it updates, never replaces."""
        # The outputs only a read gives are declared too, so that their attributes resolve.
        props = {"cluster_id": cluster_id, "project_id": project_id, "region": region, "endpoint": endpoint,
                 faces.WAIT_INPUT: wait_for, **dict.fromkeys(faces.COMPUTED_NAMES)}
        if pulumi.runtime.is_dry_run() and not _pulumi_compat.mocks_active():
            props[PREVIEW_KEY] = True
        super().__init__(VpcepConnectionsProvider(), resource_name, props, opts)
        config = _pulumi_compat.get_config, _pulumi_compat.is_config_secret
        for warning in faces.plain_credentials(CONFIG_NAMESPACE, *config):
            pulumi.log.warn(warning, resource=self)
        for warning in _unread_config_warnings():
            pulumi.log.warn(warning, resource=self)
        # The values the read returned: numbers cross the wire as floats, and Pulumi's Python SDK drops null
        # fields inside outputs.
        self.total_count = self.total_count.apply(lambda v: faces.output_value("total_count", v))
        self.connections = self.connections.apply(lambda v: faces.output_value("connections", v))
        self.permissions = self.permissions.apply(lambda v: faces.output_value("permissions", v))

    @staticmethod
    def get(resource_name: str, id: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None) -> VpcepConnections:
        """Read what an id ``{region}:{project_id}:{cluster_id}`` names (endpoint: ``HW_CSS_ENDPOINT``)."""
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id))
        return VpcepConnections(resource_name, cluster_id=None, opts=opts)  # type: ignore[arg-type]  # read from the id


def get_vpcep_connections(
    cluster_id: pulumi.Input[str],
    project_id: pulumi.Input[str | None] = None,
    region: pulumi.Input[str | None] = None,
    endpoint: pulumi.Input[str | None] = None,
) -> pulumi.Output[dict[str, Any]]:
    """Read a CSS cluster's VPC endpoint connections as a data source, on every preview and update: the
    resource's outputs as one dict (``result.apply(lambda r: r["total_count"])``), settings as for it.

    Under ``pulumi.runtime.set_mocks`` nothing is sent: ``Mocks.call`` answers the token
    ``css-vpcep:index:getVpcepConnections`` with the camelCase inputs given, as for any Pulumi function.
    """
    given = {"cluster_id": cluster_id, "project_id": project_id, "region": region, "endpoint": endpoint}
    for warning in _unread_config_warnings():
        pulumi.log.warn(warning)
    if _pulumi_compat.mocks_active():
        from ._schema import FUNCTION_TOKEN

        args = {faces.camel_case(name): value for name, value in given.items() if value is not None}
        return pulumi.runtime.invoke_output(FUNCTION_TOKEN, args).apply(faces.outputs_from)

    async def read(args: dict[str, Any]) -> dict[str, Any]:
        config = faces.configuration(lambda key: _pulumi_compat.get_config(faces.config_key(CONFIG_NAMESPACE, key)))
        try:
            return await aread_outputs(**args, config=config)
        except CssVpcepError as err:
            raise _run_error(err) from None

    return pulumi.Output.all(**given).apply(read)


_RUN_ERRORS: dict[type[CssVpcepError], type[CssVpcepError]] = {}


def _run_error(err: CssVpcepError) -> CssVpcepError:
    """``err`` as an error that is also a ``pulumi.RunError``, Pulumi's public way for a program to fail with
    its message alone: the Python language host reports it as its one line, without a stack. It stays an
    instance of its own class (``ApiError``, ...), with the same fields."""
    kind = type(err)
    combined = _RUN_ERRORS.get(kind)
    if combined is None:
        combined = _RUN_ERRORS[kind] = type(kind.__name__, (kind, pulumi.RunError), {"__module__": kind.__module__})
    copy = combined.__new__(combined)
    copy.__dict__.update(err.__dict__)
    copy.args = err.args
    return copy
