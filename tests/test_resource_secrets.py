"""No credential lands in the state: not in the inputs, the outputs, or the serialized provider.

Credentials are in the stack's configuration and in the environment while the program builds the
resource; the tests inspect exactly what the engine would store.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import dill
import pytest
from pulumi.dynamic import ConfigureRequest
from pulumi.dynamic.config import Config
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import proto, rpc

from pulumi_css_vpcep.emulator import SAMPLE_ACCESS_KEY, SAMPLE_CLUSTER_ID, SAMPLE_SECRET_KEY, Emulator
from pulumi_css_vpcep.resource import VpcepConnectionsProvider
from tests.dynamic_host import DYNAMIC_HOST, PROVIDER, configure, create
from tests.programs import EXAMPLES, READ_PROJECT, EngineMocks, fresh_runtime, run_program
from tests.provider_host import provider_process
from tests.wire import to_struct

SECURITY_TOKEN = "temporary-security-token-that-must-stay-secret"
CREDENTIALS = (SAMPLE_ACCESS_KEY, SAMPLE_SECRET_KEY, SECURITY_TOKEN)


def credentials_in(value: Any) -> list[str]:
    """The credential strings found anywhere in ``value`` (text, bytes, or JSON-like data)."""
    if isinstance(value, bytes):
        text = value.decode("latin-1")
    elif isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, default=repr)
    return [secret for secret in CREDENTIALS if secret in text]


def provider_bytes(registered: Any) -> bytes:
    """The pickled provider inside a registered ``__provider`` property."""
    return base64.b64decode(rpc.unwrap_rpc_secret(registered))


@pytest.fixture(autouse=True)
def new_runtime() -> Iterator[None]:
    """Programs here start as a new `pulumi up` does, too."""
    with fresh_runtime():
        yield


@pytest.fixture
def credentials_everywhere(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Credentials in the program's environment, and the configuration that also holds them."""
    for name, value in emulator.environ().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("HW_SECURITY_TOKEN", SECURITY_TOKEN)
    return {**emulator.pulumi_config(), "huaweicloud:securityToken": SECURITY_TOKEN}


def test_program_registers_no_credential_in_inputs_or_provider(
    credentials_everywhere: dict[str, str], emulator: Emulator
) -> None:
    config = {**credentials_everywhere, f"{READ_PROJECT}:clusterId": SAMPLE_CLUSTER_ID}
    mocks = EngineMocks(config)

    run_program(EXAMPLES / "python-read", READ_PROJECT, mocks, config)

    (registration,) = mocks.registered
    inputs = {k: v for k, v in registration.inputs.items() if k != "__provider"}
    assert credentials_in(inputs) == []
    assert credentials_in(provider_bytes(registration.inputs["__provider"])) == []
    assert emulator.state.requests["css"] >= 1  # the read did happen, signed with those credentials


def test_program_stores_no_credential_in_outputs_or_exports(credentials_everywhere: dict[str, str]) -> None:
    config = {**credentials_everywhere, f"{READ_PROJECT}:clusterId": SAMPLE_CLUSTER_ID}
    mocks = EngineMocks(config)

    exports = run_program(EXAMPLES / "python-read", READ_PROJECT, mocks, config)

    (outputs,) = mocks.outputs.values()
    assert outputs["total_count"] == 3
    assert credentials_in({k: v for k, v in outputs.items() if k != "__provider"}) == []
    assert credentials_in(exports) == []


def test_a_configured_provider_serializes_without_its_configuration(
    credentials_everywhere: dict[str, str],
) -> None:
    provider = VpcepConnectionsProvider()
    provider.configure(ConfigureRequest(Config(credentials_everywhere, READ_PROJECT)))

    pickled = base64.b64decode(serialize_provider(provider))

    assert credentials_in(pickled) == []
    assert pickled == base64.b64decode(serialize_provider(VpcepConnectionsProvider()))
    assert credentials_in(repr(dill.loads(pickled).__dict__)) == []  # noqa: S301 - bytes made just above


def test_provider_host_returns_no_credential_in_outputs(
    credentials_everywhere: dict[str, str], emulator: Emulator
) -> None:
    with provider_process(DYNAMIC_HOST) as host:  # the environment above, credentials included
        configure(host, credentials_everywhere)
        _, outputs = create(host, {"cluster_id": SAMPLE_CLUSTER_ID})
        checked = host.stub.Check(
            proto.CheckRequest(
                urn="urn:x",
                olds=to_struct({}),
                news=to_struct({"cluster_id": SAMPLE_CLUSTER_ID, "__provider": PROVIDER}),
            )
        )

    assert outputs["total_count"] == 3
    assert credentials_in(outputs) == []
    assert credentials_in(checked.inputs.SerializeToString()) == []
