"""The Pulumi faces: the ``VpcepConnections`` dynamic resource, its provider, and ``get_vpcep_connections``.

Both are thin adapters over ``read_vpcep_connections``: they validate inputs with ``settings``, pass
the ``huaweicloud:*`` Pulumi configuration to the read, and turn its result into outputs. The provider
lives in this importable module so that dill pickles it by reference; it keeps no client and no
credential in its fields, and its serialized form is always empty.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pulumi
import pulumi.dynamic
from pulumi.output import Unknown

from .client import aread_vpcep_connections, read_vpcep_connections
from .errors import CssVpcepError, InvalidInputError
from .models import VpcepConnectionsResult, order_insensitive
from .settings import (
    parse_resource_id,
    validate_cluster_id,
    validate_endpoint,
    validate_project_id,
    validate_region,
)

__all__ = ["VpcepConnections", "VpcepConnectionsProvider", "get_vpcep_connections"]

CONFIG_NAMESPACE = "huaweicloud"
CONFIG_KEYS = ("accessKey", "secretKey", "securityToken", "region", "projectId", "cloud", "authUrl", "insecure")
"""The ``huaweicloud:*`` configuration keys a read uses, as the ``pulumi-huaweicloud`` package names them."""

IDENTITY_INPUTS = ("cluster_id", "project_id", "region", "endpoint")
"""The inputs that name what is read; changing any of them replaces the resource."""

_VALIDATORS: dict[str, Callable[[Any, str], str]] = {
    "cluster_id": validate_cluster_id,
    "project_id": validate_project_id,
    "region": validate_region,
    "endpoint": validate_endpoint,
}


def _is_unknown(value: Any) -> bool:
    """Whether a value is not known yet (a preview of an input computed by another resource)."""
    return isinstance(value, Unknown)


def _comparable(outputs: Mapping[str, Any]) -> Any:
    """Outputs in a form where equal data compares equal: integers as ints, lists in a fixed order."""
    # The engine drops null properties: a missing output is a None one.
    fields = {name: outputs.get(name) for name in VpcepConnectionsResult.model_fields}
    return order_insensitive(VpcepConnectionsResult.model_validate(fields).to_outputs())


class VpcepConnectionsProvider(pulumi.dynamic.ResourceProvider):
    """The dynamic provider behind ``VpcepConnections``: it reads, and never changes anything in the cloud.

    Credentials come from the stack's ``huaweicloud:*`` configuration (given to ``configure``) or from
    the environment of the provider process, read at call time. Neither is ever serialized: a pickled
    provider is just a reference to this class.
    """

    def __init__(self) -> None:
        super().__init__()
        self._config: dict[str, Any] | None = None

    def __reduce__(self) -> tuple[type[VpcepConnectionsProvider], tuple[()]]:
        # The configuration may hold credentials: a serialized provider never carries it.
        return (VpcepConnectionsProvider, ())

    def __repr__(self) -> str:
        return "VpcepConnectionsProvider()"

    def configure(self, req: pulumi.dynamic.ConfigureRequest) -> None:
        """Remember the stack's ``huaweicloud:*`` configuration for the reads of this process."""
        found = {key: req.config.get(f"{CONFIG_NAMESPACE}:{key}") for key in CONFIG_KEYS}
        self._config = {key: value for key, value in found.items() if value is not None}

    def _read(self, identity: Mapping[str, Any]) -> VpcepConnectionsResult:
        """Read what ``identity`` (cluster_id and the optional project_id, region, endpoint) names."""
        try:
            result = read_vpcep_connections(
                identity["cluster_id"],
                project_id=identity.get("project_id"),
                region=identity.get("region"),
                endpoint=identity.get("endpoint"),
                config=self._config,
            )
        except CssVpcepError as err:
            # The dynamic host prints a traceback: keep it to this frame, ending on the error's one line.
            raise err.with_traceback(None) from None
        return result

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.CheckResult:
        """Validate the inputs without sending anything; values not known yet pass."""
        inputs: dict[str, Any] = {}
        failures: list[pulumi.dynamic.CheckFailure] = []
        for name, validate in _VALIDATORS.items():
            value = news.get(name)
            if value is None:
                if name == "cluster_id":
                    failures.append(pulumi.dynamic.CheckFailure(name, "cluster_id is required"))
                continue
            if _is_unknown(value):
                inputs[name] = value
                continue
            try:
                inputs[name] = validate(value, name)
            except InvalidInputError as err:
                failures.append(pulumi.dynamic.CheckFailure(name, str(err)))
        return pulumi.dynamic.CheckResult(inputs, failures)

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        """Read the connections; the id is ``{region}:{project_id}:{cluster_id}``."""
        result = self._read(props)
        return pulumi.dynamic.CreateResult(result.resource_id, result.to_outputs())

    def read(self, id_: str, props: dict[str, Any]) -> pulumi.dynamic.ReadResult:
        """Re-read: from the stored outputs on refresh, from the id alone on ``VpcepConnections.get``."""
        if props.get("cluster_id"):
            result = self._read(props)
        else:
            try:
                region, project_id, cluster_id = parse_resource_id(id_)
            except InvalidInputError as err:
                raise err.with_traceback(None) from None
            result = self._read({"cluster_id": cluster_id, "project_id": project_id, "region": region})
        return pulumi.dynamic.ReadResult(result.resource_id, result.to_outputs())

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.DiffResult:
        """Replace when what is read changes; otherwise report a change only if the service's data drifted.

        ``olds`` are the stored outputs. An input left out (``None``) keeps the value resolved at
        creation, so it is not a change.
        """
        replaces = [
            name
            for name in IDENTITY_INPUTS
            if news.get(name) is not None and (_is_unknown(news[name]) or news[name] != olds.get(name))
        ]
        if replaces:
            return pulumi.dynamic.DiffResult(changes=True, replaces=replaces, delete_before_replace=False)
        fresh = self._read(olds).to_outputs()
        try:
            drifted = _comparable(olds) != _comparable(fresh)
        except ValueError:
            drifted = True  # stored outputs of another shape: refresh them
        return pulumi.dynamic.DiffResult(changes=drifted, replaces=[], delete_before_replace=False)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.UpdateResult:
        """Re-read, so the stored outputs match the service again."""
        result = self._read({name: news.get(name) or olds.get(name) for name in IDENTITY_INPUTS})
        return pulumi.dynamic.UpdateResult(result.to_outputs())

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Nothing to do: the resource only reads, so forgetting it changes nothing in the cloud."""


def _whole_number(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _with_whole_numbers(connections: Any) -> Any:
    if not isinstance(connections, list):
        return connections
    return [
        {key: _whole_number(value) for key, value in item.items()} if isinstance(item, dict) else item
        for item in connections
    ]


class VpcepConnections(pulumi.dynamic.Resource, module="css-vpcep", name="VpcepConnections"):
    """The VPC endpoint connections of a Huawei Cloud CSS cluster, read into Pulumi outputs.

    A read-only resource: creating it reads the connections, ``pulumi refresh`` and ``pulumi up``
    re-read them (drift shows in ``pulumi preview``), and deleting it changes nothing in the cloud.
    Credentials come from the ``huaweicloud:*`` configuration or the ``HW_*`` variables, never from
    inputs, and never land in the state.
    """

    cluster_id: pulumi.Output[str]
    """The CSS cluster whose endpoint connections are read."""
    project_id: pulumi.Output[str]
    """The project the cluster belongs to (given, configured, or looked up from the region)."""
    region: pulumi.Output[str]
    """The region of the cluster."""
    endpoint: pulumi.Output[str]
    """The CSS endpoint that was read."""
    connections: pulumi.Output[list[dict[str, Any]]]
    """Every connection: ``id``, ``status``, ``max_session``, ``specification_name``, ``created_at``,
    ``update_at``, ``domain_id``, ``vpcep_ip``, ``vpcep_ipv6_address``, ``vpcep_dns_name``."""
    permissions: pulumi.Output[list[dict[str, Any]]]
    """The endpoint service's whitelist: ``id``, ``permission``, ``permission_type``, ``created_at``."""
    vpc_service_name: pulumi.Output[str | None]
    """The name of the VPC endpoint service."""
    vpcep_update_switch: pulumi.Output[bool]
    """Whether endpoint updates are enabled."""
    total_count: pulumi.Output[int]
    """The number of connections read."""

    def __init__(
        self,
        resource_name: str,
        cluster_id: pulumi.Input[str],
        project_id: pulumi.Input[str] | None = None,
        region: pulumi.Input[str] | None = None,
        endpoint: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Read the connections of ``cluster_id``.

        :param resource_name: the Pulumi name of the resource.
        :param cluster_id: the CSS cluster id.
        :param project_id: the project id; else ``huaweicloud:projectId``, ``HW_PROJECT_ID``, or looked
            up from the region through IAM.
        :param region: the region; else ``huaweicloud:region`` or ``HW_REGION_NAME``.
        :param endpoint: the CSS endpoint URL; else ``HW_CSS_ENDPOINT``, else the region's public endpoint.
        :param opts: the resource options.
        """
        props: dict[str, Any] = {
            "cluster_id": cluster_id,
            "project_id": project_id,
            "region": region,
            "endpoint": endpoint,
            # Outputs the provider computes, declared so the attributes above resolve.
            "connections": None,
            "permissions": None,
            "vpc_service_name": None,
            "vpcep_update_switch": None,
            "total_count": None,
        }
        super().__init__(VpcepConnectionsProvider(), resource_name, props, opts)
        # Numbers cross the wire as floats: give the program back the integers the read returned.
        self.total_count = self.total_count.apply(_whole_number)
        self.connections = self.connections.apply(_with_whole_numbers)

    @staticmethod
    def get(resource_name: str, id: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None) -> VpcepConnections:
        """Read the connections named by an id of the form ``{region}:{project_id}:{cluster_id}``.

        The endpoint comes from ``HW_CSS_ENDPOINT`` or the region; credentials from the provider's
        configuration or environment.
        """
        return VpcepConnections(
            resource_name,
            cluster_id=None,  # type: ignore[arg-type]  # read from the id
            opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id)),
        )


def _pulumi_config() -> dict[str, str]:
    """The ``huaweicloud:*`` configuration of the running program, by short key."""
    config = pulumi.Config(CONFIG_NAMESPACE)
    found = {key: config.get(key) for key in CONFIG_KEYS}
    return {key: value for key, value in found.items() if value is not None}


def get_vpcep_connections(
    cluster_id: pulumi.Input[str],
    project_id: pulumi.Input[str | None] = None,
    region: pulumi.Input[str | None] = None,
    endpoint: pulumi.Input[str | None] = None,
) -> pulumi.Output[dict[str, Any]]:
    """Read a CSS cluster's VPC endpoint connections as a data source: on every preview and update,
    keeping no state.

    The output has the resource's outputs, by the same snake_case names (``connections``,
    ``total_count``, ...), as plain values: export it whole or pick from it
    (``result.apply(lambda r: r["total_count"])``). Inputs may be outputs of other resources. Settings
    come from the arguments, then the program's ``huaweicloud:*`` configuration, then the ``HW_*``
    variables.
    """

    async def read(args: dict[str, Any]) -> dict[str, Any]:
        try:
            result = await aread_vpcep_connections(
                args["cluster_id"],
                project_id=args["project_id"],
                region=args["region"],
                endpoint=args["endpoint"],
                config=_pulumi_config(),
            )
        except CssVpcepError as err:
            raise err.with_traceback(None) from None
        return result.to_outputs()

    inputs = pulumi.Output.all(cluster_id=cluster_id, project_id=project_id, region=region, endpoint=endpoint)
    return inputs.apply(read)
