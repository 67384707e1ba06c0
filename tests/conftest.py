"""Fixtures shared by every test: a clean environment, no packet beyond loopback, and the real emulator over
loopback HTTP."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import ssl
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme

from pulumi_css_vpcep._credentials import PROVIDERS
from pulumi_css_vpcep._projects import PROJECT_IDS
from pulumi_css_vpcep._read import aread_outputs, read_outputs
from pulumi_css_vpcep._retries import RetryPolicy
from pulumi_css_vpcep._transports.httpx_pool import KEPT, ConnectionPool, KeptClients
from pulumi_css_vpcep.emulator import Emulator, sample_state
from tests import network_guard

_SETTING_PREFIXES = ("HW_", "HUAWEICLOUD_SDK_")
_LOOPBACK_SITE = Path(__file__).parent / "loopback_site"

network_guard.install()


@pytest.fixture(autouse=True)
def clean_environment(
    monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """No test sees the developer's credentials (variables, ``~/.hcloud/config.json``,
    ``~/.huaweicloud/credentials``), region or CA bundle, nor a project id cached, temporary keys obtained or a
    connection kept by another; and none reaches beyond loopback, nor do the Python processes it starts
    (``network_guard``). The real engine's tests keep HOME (their toolchain's caches live there)."""
    for name in list(os.environ):
        if name.startswith(_SETTING_PREFIXES) or name in ("SSL_CERT_FILE", "CLUSTER_ID"):
            monkeypatch.delenv(name)
    if request.node.get_closest_marker("e2e") is None:
        monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("home")))
        monkeypatch.setenv(network_guard.VARIABLE, "1")
        monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(_LOOPBACK_SITE),
                                                                          os.environ.get("PYTHONPATH")])))
    PROJECT_IDS.clear()
    PROVIDERS.clear()
    network_guard.ATTEMPTS.clear()
    yield
    PROJECT_IDS.clear()
    PROVIDERS.clear()
    KEPT.close()
    attempts, network_guard.ATTEMPTS[:] = list(network_guard.ATTEMPTS), []
    assert not attempts, f"the test tried to reach beyond loopback: {', '.join(sorted(set(attempts)))}"


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    """The emulator with its sample data, serving from a thread of the test process."""
    with Emulator(sample_state()) as emu:
        yield emu


@pytest.fixture(scope="module")
def module_emulator() -> Iterator[Emulator]:
    """One emulator for the tests of a module that share a provider process (``ModuleProcess``) pointed at it;
    such a module overrides ``emulator`` with ``sample_emulator``."""
    with Emulator(sample_state()) as emu:
        yield emu


@pytest.fixture
def sample_emulator(module_emulator: Emulator) -> Emulator:
    """The module's emulator serving the sample data again, with no cluster, fault, latency or count that an
    earlier test left (reads still in flight stay counted in ``in_flight``)."""
    state, sample = module_emulator.state, sample_state()
    with state.lock:
        for field in dataclasses.fields(sample):
            if field.name != "in_flight":
                setattr(state, field.name, getattr(sample, field.name))
        state.rng = sample.rng
    return module_emulator


@pytest.fixture
def emulator_env(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The ``HW_*`` variables that point reads at the emulator, set in this process."""
    env = emulator.environ()
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


@pytest.fixture
def fast_retry() -> RetryPolicy:
    """Retries with millisecond backoff, so fault tests spend no time sleeping."""
    return RetryPolicy(base_delay=0.001, max_delay=0.01, total_timeout=30.0)


@pytest.fixture(scope="session")
def authority() -> trustme.CA:
    """A certificate authority of the tests' own, which nothing trusts unless told to."""
    return trustme.CA()


@pytest.fixture
def tls_emulator(authority: trustme.CA, monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    """The emulator over https with a certificate of ``authority``, its ``HW_*`` variables set in this process."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    with Emulator(sample_state(), tls=context) as emu:
        for name, value in emu.environ().items():
            monkeypatch.setenv(name, value)
        yield emu


@pytest.fixture(params=["sync", "async"])
def loop(request: pytest.FixtureRequest) -> str:
    """Each loop of requests a read may go through, by name: ``Requests.get`` or ``Requests.aget``."""
    name: str = request.param
    return name


@pytest.fixture
def read(loop: str, monkeypatch: pytest.MonkeyPatch) -> Callable[..., dict[str, Any]]:
    """A read through ``loop``: the synchronous ``read_outputs`` (``httpx.Client``, kept by the process), or
    ``aread_outputs`` (``httpx.AsyncClient``). Each fails if the read sends through the other's client."""

    def elsewhere(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"the {loop} read sent through the other client")

    if loop == "sync":
        monkeypatch.setattr(ConnectionPool, "sender", elsewhere)
        return read_outputs
    monkeypatch.setattr(KeptClients, "sender", elsewhere)

    def through_httpx(cluster_id: str, **options: Any) -> dict[str, Any]:
        return asyncio.run(aread_outputs(cluster_id, **options))

    return through_httpx

