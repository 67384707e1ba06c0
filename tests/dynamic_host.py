"""The dynamic provider host (``python -m pulumi.dynamic``), called as the engine calls it for a
``VpcepConnections``: with the serialized provider in every property bag."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import proto

from pulumi_css_vpcep.emulator import SAMPLE_CLUSTER_ID, SAMPLE_PROJECT_ID, SAMPLE_REGION
from pulumi_css_vpcep.resource import VpcepConnectionsProvider
from tests.provider_host import ProviderProcess
from tests.wire import from_struct, to_struct

DYNAMIC_HOST = ["-m", "pulumi.dynamic"]
"""The arguments that start the dynamic provider host."""
PROVIDER = serialize_provider(VpcepConnectionsProvider())
"""The ``__provider`` property, as ``VpcepConnections`` registers it."""
SAMPLE_ID = f"{SAMPLE_REGION}:{SAMPLE_PROJECT_ID}:{SAMPLE_CLUSTER_ID}"
"""The resource id of the emulator's sample cluster."""


def configure(host: ProviderProcess, config: Mapping[str, str] | None = None) -> None:
    """Send the stack's configuration, as the engine does before any other call."""
    host.stub.Configure(proto.ConfigureRequest(args=to_struct(config or {}), acceptSecrets=True))


def create(host: ProviderProcess, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """Create a resource from its inputs; its id and outputs."""
    response = host.stub.Create(
        proto.CreateRequest(urn="urn:x", properties=to_struct({**inputs, "__provider": PROVIDER}))
    )
    return response.id, from_struct(response.properties)


def stored(outputs: Mapping[str, Any]) -> Any:
    """Outputs as the engine stores them and sends them back: with the serialized provider."""
    return to_struct({**outputs, "__provider": PROVIDER})


def diff(host: ProviderProcess, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Any:
    """Diff stored outputs against new inputs, for the sample resource."""
    return host.stub.Diff(proto.DiffRequest(id=SAMPLE_ID, urn="urn:x", olds=stored(olds), news=stored(news)))
