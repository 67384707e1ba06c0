"""No credential leaks: every failure path of every face, searched for distinctive credentials.

Each face (the read functions, the command, the dynamic provider in Pulumi's real provider host, the plugin
over gRPC) reads with canary credentials through every way a read can fail. Everything a user or a log
can see is searched for them: exception text, repr and traceback, log records at DEBUG, warnings,
stdout and stderr, gRPC error details, provider-process stderr, and the outputs and serialized provider
that would land in the state.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import pickle
import re
import subprocess
import sys
import traceback
import urllib.parse
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import grpc
import httpx
import pytest
from google.protobuf import json_format, struct_pb2
from pulumi.dynamic import Config, ConfigureRequest
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import proto, rpc

from pulumi_css_vpcep import read_vpcep_connections
from pulumi_css_vpcep._read import _Read
from pulumi_css_vpcep._retries import RetryPolicy
from pulumi_css_vpcep._settings import resolve_settings
from pulumi_css_vpcep._signing import HmacSigner
from pulumi_css_vpcep._transports import Timeouts
from pulumi_css_vpcep._transports.httpx_pool import ConnectionPool
from pulumi_css_vpcep.emulator import (
    SAMPLE_CLUSTER_ID,
    SAMPLE_DISABLED_CLUSTER_ID,
    SAMPLE_PROJECT_ID,
    SAMPLE_REGION,
    Cluster,
    Emulator,
    Fault,
    generate_connections,
    sample_state,
)
from pulumi_css_vpcep.errors import CssVpcepError
from pulumi_css_vpcep.resource import VpcepConnectionsProvider
from tests.provider_host import ProviderProcess, provider_process

pytestmark = pytest.mark.timeout(120)

ACCESS_KEY = "AKCANARYQ7Z3X9LEAK"
SECRET_KEY = "sk-canary-5f1e9d2c-leak"
WRONG_SECRET_KEY = "sk-canary-wrong-0b4e7a-leak"
UNKNOWN_ACCESS_KEY = "AKCANARYUNKNOWN4LEAK"
TOKEN = "token-canary-8b7a6c-leak"
CRLF_TOKEN = "tok-crlf-7d1\r\nLEAKPART-crlf-7d1"
LF_ACCESS_KEY = "AKLF7d2\nLEAKPART-lf-7d2"
CJK_ACCESS_KEY = "密钥XLEAKPART-cjk-7d3"
SPACED_SECRET_KEY = "sk-space-7d4 LEAKPART-space-7d4"
SECRETS = (
    ACCESS_KEY, SECRET_KEY, WRONG_SECRET_KEY, UNKNOWN_ACCESS_KEY, TOKEN,
    CRLF_TOKEN, LF_ACCESS_KEY, CJK_ACCESS_KEY, SPACED_SECRET_KEY,
)
"""Every credential a test uses; none may appear anywhere a user or a log can see, in any encoding."""


def encodings(secret: str) -> set[str]:
    """The forms in which a secret could show in a text: as it is, escaped as in a repr, as bytes,
    percent- and JSON-encoded, and each piece of it between whitespace or control characters."""
    utf8 = secret.encode("utf-8")
    forms = {
        secret,
        repr(secret)[1:-1],
        ascii(secret)[1:-1],
        repr(utf8)[2:-1],
        urllib.parse.quote(secret, safe=""),
        urllib.parse.quote_plus(secret),
        json.dumps(secret)[1:-1],
        utf8.decode("latin-1"),
    }
    forms.update(piece for piece in re.split(r"[\s\x00-\x1f]+", secret) if len(piece) >= 6)
    return forms


LEAKS = {form: secret for secret in SECRETS for form in encodings(secret)}

UNREACHABLE = "http://127.0.0.1:9"
BIG = "big-cluster"


@dataclass(frozen=True)
class Scenario:
    """One way a read fails: what the service does and what credentials and inputs the read has."""

    name: str
    expect: str
    """A fragment of the error the user sees, so each case fails for its own reason."""
    cluster_id: str = SAMPLE_CLUSTER_ID
    access_key: str = ACCESS_KEY
    secret_key: str | None = SECRET_KEY
    project_id: str | None = SAMPLE_PROJECT_ID
    faults: tuple[Fault, ...] = ()
    no_projects: bool = False
    ignore_offset: bool = False
    unreachable: bool = False
    token: str = TOKEN
    sends_nothing: bool = False
    """The read must fail before any request is sent."""
    extra_env: Mapping[str, str] = field(default_factory=dict)


FAILURES = [
    Scenario("wrong secret key", "verify aksk signature fail", secret_key=WRONG_SECRET_KEY),
    Scenario("unknown access key at the project lookup", "unknown key", access_key=UNKNOWN_ACCESS_KEY, project_id=None),
    Scenario("secret key missing", "secret", secret_key=None),
    Scenario("region without a project", "no project", project_id=None, no_projects=True),
    Scenario("persistent 503", "HTTP 503", faults=(Fault(status=503, retry_after="0"),)),
    Scenario("dropped connections", "disconnected", faults=(Fault(kind="drop"),)),
    Scenario("truncated bodies", "complete message body", faults=(Fault(kind="truncate"),)),
    Scenario("non-JSON bodies", "not JSON", faults=(Fault(kind="non_json"),)),
    Scenario("HTML gateway page", "HTML page", faults=(Fault(kind="html", status=502, retry_after="0"),)),
    Scenario("unknown cluster (403)", "CSS.0015", cluster_id="no-such-cluster"),
    Scenario("endpoint service disabled (400)", "CSS.5182", cluster_id=SAMPLE_DISABLED_CLUSTER_ID),
    Scenario("malformed cluster id", "bad/cluster id", cluster_id="bad/cluster id"),
    Scenario("service ignores offset", "ignoring 'offset'", cluster_id=BIG, ignore_offset=True),
    Scenario("unreachable endpoint", "connection refused by http://127.0.0.1:", unreachable=True),
    Scenario("token with CR/LF", "printable ASCII", token=CRLF_TOKEN, sends_nothing=True),
    Scenario("access key with a line break", "printable ASCII", access_key=LF_ACCESS_KEY, sends_nothing=True),
    Scenario("non-ASCII access key", "printable ASCII", access_key=CJK_ACCESS_KEY, sends_nothing=True),
    Scenario("secret key with an inner space", "printable ASCII", secret_key=SPACED_SECRET_KEY, sends_nothing=True),
    Scenario(
        "unreadable CA bundle",
        "SSL_CERT_FILE",
        extra_env={"SSL_CERT_FILE": "/nonexistent/ca.pem", "HW_CSS_ENDPOINT": "https://css.example.invalid"},
    ),
]

SUCCESS = Scenario("success", "")


def assert_failed_for(scenario: Scenario, text: str) -> None:
    assert scenario.expect.lower() in text.lower(), text


def assert_no_secret(where: str, *texts: object) -> None:
    for text in texts:
        rendered = text if isinstance(text, str) else repr(text)
        for form, secret in LEAKS.items():
            assert form not in rendered, f"a credential ({secret!r}) leaked into {where}: {rendered[:400]}"


def assert_nothing_sent(service: Emulator, scenario: Scenario) -> None:
    if scenario.sends_nothing:
        assert sum(service.state.requests.values()) == 0, service.state.requests


@pytest.fixture(scope="module")
def service() -> Iterator[Emulator]:
    """One emulator for the module; ``prepared`` sets it up for each scenario."""
    with Emulator(sample_state()) as emu:
        yield emu


def prepare(service: Emulator, scenario: Scenario) -> None:
    state = service.state
    state.credentials = {ACCESS_KEY: SECRET_KEY}
    state.projects = {} if scenario.no_projects else {SAMPLE_REGION: [SAMPLE_PROJECT_ID]}
    state.set_faults(list(scenario.faults))
    state.ignore_offset = scenario.ignore_offset
    state.add_cluster(Cluster(id=BIG, connections=generate_connections(300)))
    state.reset_counts()


def endpoint(service: Emulator, scenario: Scenario) -> str:
    return UNREACHABLE if scenario.unreachable else scenario.extra_env.get("HW_CSS_ENDPOINT", service.url)


def hw_environ(service: Emulator, scenario: Scenario) -> dict[str, str]:
    """The ``HW_*`` variables of the scenario, with a security token and one retry."""
    env = {
        "HW_ACCESS_KEY": scenario.access_key,
        "HW_SECURITY_TOKEN": scenario.token,
        "HW_REGION_NAME": SAMPLE_REGION,
        "HW_CSS_ENDPOINT": endpoint(service, scenario),
        "HW_AUTH_URL": f"{service.url}/v3",
        "HW_MAX_RETRIES": "1",
        **scenario.extra_env,
    }
    if scenario.secret_key is not None:
        env["HW_SECRET_KEY"] = scenario.secret_key
    if scenario.project_id is not None:
        env["HW_PROJECT_ID"] = scenario.project_id
    return env


def clean_process_environ(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HW_", "HUAWEICLOUD_SDK_"))}
    env.pop("SSL_CERT_FILE", None)
    return {**env, **extra}


# --- The read ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", FAILURES, ids=lambda s: s.name)
def test_read_failures_never_show_a_credential(
    service: Emulator, scenario: Scenario, caplog: pytest.LogCaptureFixture
) -> None:
    prepare(service, scenario)
    caplog.set_level(logging.DEBUG)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(CssVpcepError) as info:
            read_vpcep_connections(
                scenario.cluster_id,
                environ=hw_environ(service, scenario),
                retry=RetryPolicy(base_delay=0.001, max_delay=0.01, total_timeout=10.0),
                timeout=httpx.Timeout(2.0),
            )
    error = info.value
    assert_failed_for(scenario, str(error))
    assert_no_secret("the exception", str(error), repr(error), error.args, vars(error))
    assert_no_secret("the traceback", "".join(traceback.format_exception(error)))
    assert_no_secret("the log", caplog.text, [r.getMessage() for r in caplog.records], [r.args for r in caplog.records])
    assert_no_secret("a warning", [str(w.message) for w in caught])
    assert_nothing_sent(service, scenario)


def test_read_objects_and_results_never_show_a_credential(service: Emulator) -> None:
    prepare(service, SUCCESS)
    env = hw_environ(service, SUCCESS)
    settings = resolve_settings(environ=env)
    read = _Read(SAMPLE_CLUSTER_ID, settings, Timeouts())  # what holds the credentials during a read
    keys = settings.credentials.current()
    signed = HmacSigner(keys).headers_for("GET", "/v3/projects", "", {"host": "iam.example.com"})
    pool = ConnectionPool()
    assert_no_secret("a repr", repr(settings), repr(settings.credentials), repr(read), repr(read.requests),
                     repr(read.requests.redact), repr(HmacSigner(settings.credentials.current())),
                     repr(pool), str(settings))
    assert ACCESS_KEY in signed["Authorization"]  # the one place the access key goes: the request's signature
    assert_no_secret("a signature without its access key", signed["Authorization"].replace(ACCESS_KEY, "AK"),
                     signed["X-Security-Token"].replace(TOKEN, "T"))
    with pytest.raises(Exception):  # noqa: B017, PT011 - any refusal to pickle will do
        pickle.dumps(settings.credentials)
    result = read_vpcep_connections(SAMPLE_CLUSTER_ID, environ=env)
    assert result.total_count == 3
    assert_no_secret("the result", result.model_dump_json(), repr(result), result.to_outputs())


def test_insecure_mode_warning_never_shows_a_credential(service: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    prepare(service, SUCCESS)
    env = {**hw_environ(service, SUCCESS), "HW_INSECURE": "true"}
    caplog.set_level(logging.WARNING, logger="pulumi_css_vpcep")
    read_vpcep_connections(SAMPLE_CLUSTER_ID, environ=env)
    assert caplog.records, "HW_INSECURE must warn"
    assert_no_secret("the warning", caplog.text)


# --- The command --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", FAILURES, ids=lambda s: s.name)
def test_command_failures_never_show_a_credential(service: Emulator, scenario: Scenario) -> None:
    prepare(service, scenario)
    result = subprocess.run(
        [sys.executable, "-m", "pulumi_css_vpcep._cli", "connections", "--cluster-id", scenario.cluster_id,
         "--verbose"],
        capture_output=True,
        text=True,
        env=clean_process_environ(**hw_environ(service, scenario)),
        timeout=60,
        check=False,
    )
    assert result.returncode in (2, 3, 4, 5), result.stderr
    assert_failed_for(scenario, result.stderr)
    assert_no_secret("the command's output", result.stdout, result.stderr)
    assert_nothing_sent(service, scenario)
    if scenario.sends_nothing:
        assert result.returncode == 3, result.stderr


# --- The dynamic provider, in Pulumi's provider host ---------------------------------------------------------

PROVIDER = serialize_provider(VpcepConnectionsProvider())


def struct(values: Mapping[str, Any]) -> Any:
    return asyncio.run(rpc.serialize_properties(dict(values), {}))


@pytest.fixture
def dynamic_host(request: pytest.FixtureRequest) -> Iterator[ProviderProcess]:
    """A fresh provider host: it applies the stack configuration only once, to the first provider it loads."""
    scenario: Scenario = getattr(request, "param", SUCCESS)
    env = clean_process_environ(HW_MAX_RETRIES="1", **scenario.extra_env)
    with provider_process(["-m", "pulumi.dynamic"], env) as host:
        yield host


def huaweicloud_config(service: Emulator, scenario: Scenario) -> dict[str, str]:
    config = {
        "huaweicloud:accessKey": scenario.access_key,
        "huaweicloud:securityToken": scenario.token,
        "huaweicloud:region": SAMPLE_REGION,
        "huaweicloud:authUrl": f"{service.url}/v3",
    }
    if scenario.secret_key is not None:
        config["huaweicloud:secretKey"] = scenario.secret_key
    if scenario.project_id is not None:
        config["huaweicloud:projectId"] = scenario.project_id
    return config


@pytest.mark.parametrize("dynamic_host", FAILURES, ids=lambda s: s.name, indirect=True)
def test_dynamic_provider_failures_never_show_a_credential(
    service: Emulator, dynamic_host: ProviderProcess, request: pytest.FixtureRequest
) -> None:
    scenario: Scenario = request.node.callspec.params["dynamic_host"]
    prepare(service, scenario)
    dynamic_host.stub.Configure(
        proto.ConfigureRequest(args=struct(huaweicloud_config(service, scenario)), acceptSecrets=True)
    )
    inputs = {"cluster_id": scenario.cluster_id, "endpoint": endpoint(service, scenario), "__provider": PROVIDER}
    with pytest.raises(grpc.RpcError) as info:
        dynamic_host.stub.Create(proto.CreateRequest(urn="urn:leak", properties=struct(inputs)))
    error: Any = info.value
    assert_failed_for(scenario, error.details())
    assert_no_secret("the provider's error", error.details(), str(error))
    assert_no_secret("the provider host's stderr", dynamic_host.stderr())
    assert_nothing_sent(service, scenario)


def test_dynamic_provider_state_never_holds_a_credential(service: Emulator, dynamic_host: ProviderProcess) -> None:
    scenario = SUCCESS
    prepare(service, scenario)
    dynamic_host.stub.Configure(
        proto.ConfigureRequest(args=struct(huaweicloud_config(service, scenario)), acceptSecrets=True)
    )
    inputs = {"cluster_id": SAMPLE_CLUSTER_ID, "endpoint": service.url, "__provider": PROVIDER}
    response = dynamic_host.stub.Create(proto.CreateRequest(urn="urn:leak", properties=struct(inputs)))
    outputs = json_format.MessageToJson(response.properties)
    assert '"total_count": 3' in outputs
    assert_no_secret("the state", response.id, outputs, PROVIDER)

    configured = VpcepConnectionsProvider()
    stack_config = {"huaweicloud:accessKey": ACCESS_KEY, "huaweicloud:secretKey": SECRET_KEY,
                    "huaweicloud:securityToken": TOKEN}
    configured.configure(ConfigureRequest(Config(stack_config, "leak")))
    assert_no_secret("a configured provider, serialized", serialize_provider(configured), repr(configured))


# --- The plugin, over gRPC ----------------------------------------------------------------------------------


@pytest.fixture
def plugin(request: pytest.FixtureRequest) -> Iterator[ProviderProcess]:
    scenario: Scenario = getattr(request, "param", SUCCESS)
    env = clean_process_environ(HW_MAX_RETRIES="1", **scenario.extra_env)
    with provider_process(["-m", "pulumi_css_vpcep", "127.0.0.1:1"], env) as provider:
        yield provider


def plugin_variables(service: Emulator, scenario: Scenario) -> dict[str, str]:
    return {
        key.replace("huaweicloud:", "css-vpcep:config:"): value
        for key, value in huaweicloud_config(service, scenario).items()
    }


@pytest.mark.parametrize("plugin", FAILURES, ids=lambda s: s.name, indirect=True)
def test_plugin_failures_never_show_a_credential(
    service: Emulator, plugin: ProviderProcess, request: pytest.FixtureRequest
) -> None:
    scenario: Scenario = request.node.callspec.params["plugin"]
    prepare(service, scenario)
    plugin.stub.Configure(proto.ConfigureRequest(variables=plugin_variables(service, scenario), acceptSecrets=True))
    properties = struct_pb2.Struct()
    properties.update({"clusterId": scenario.cluster_id, "endpoint": endpoint(service, scenario)})
    with pytest.raises(grpc.RpcError) as info:
        plugin.stub.Create(proto.CreateRequest(urn="urn:pulumi:s::p::css-vpcep:index:VpcepConnections::leak",
                                               properties=properties))
    error: Any = info.value
    assert_failed_for(scenario, error.details())
    assert_no_secret("the plugin's error", error.details(), str(error))
    assert_no_secret("the plugin's stderr", plugin.stderr())
    assert_nothing_sent(service, scenario)


def test_plugin_state_never_holds_a_credential(service: Emulator, plugin: ProviderProcess) -> None:
    scenario = SUCCESS
    prepare(service, scenario)
    plugin.stub.Configure(proto.ConfigureRequest(variables=plugin_variables(service, scenario), acceptSecrets=True))
    properties = struct_pb2.Struct()
    properties.update({"clusterId": SAMPLE_CLUSTER_ID, "endpoint": service.url})
    response = plugin.stub.Create(
        proto.CreateRequest(urn="urn:pulumi:s::p::css-vpcep:index:VpcepConnections::leak", properties=properties)
    )
    outputs = json_format.MessageToJson(response.properties)
    assert '"totalCount": 3' in outputs
    assert_no_secret("the plugin's state", response.id, outputs)


# --- Temporary keys: agencies, OIDC and the instance's agency ------------------------------------------------

ID_TOKEN = "idtoken-canary-3c9e1f-leak"
"""An id token a CI job's identity provider would write to a file: a secret like any key."""


@dataclass(frozen=True)
class TemporaryScenario:
    """A source of temporary keys, and a way a read with them fails."""

    source: str
    failure: str
    expect: str


TEMPORARY_FAILURES = [
    TemporaryScenario(source, failure, expect)
    for source in ("agency", "oidc", "metadata")
    for failure, expect in (("refused", "CSS.0015"), ("revoked", "HTTP 401"), ("no keys", "HTTP 40"))
]


def temporary_environ(service: Emulator, source: str, token_file: str) -> dict[str, str]:
    env = {"HW_REGION_NAME": SAMPLE_REGION, "HW_PROJECT_ID": SAMPLE_PROJECT_ID, "HW_CSS_ENDPOINT": service.url,
           "HW_AUTH_URL": f"{service.url}/v3", "HW_MAX_RETRIES": "1"}
    if source == "agency":
        env |= {"HW_ACCESS_KEY": ACCESS_KEY, "HW_SECRET_KEY": SECRET_KEY, "HW_SECURITY_TOKEN": TOKEN,
                "HW_ASSUME_ROLE_AGENCY_NAME": "leak-agency", "HW_ASSUME_ROLE_DOMAIN_NAME": "leak-domain"}
    elif source == "oidc":
        env |= {"HW_ASSUME_ROLE_IDP_ID": "leak-idp", "HW_ASSUME_ROLE_ID_TOKEN_FILE": token_file}
    else:
        env |= {"HW_USE_ECS_METADATA": "true", "HW_ECS_METADATA_ENDPOINT": service.url}
    return env


@pytest.fixture
def issuer(tmp_path: Any) -> Iterator[tuple[Emulator, str]]:
    """An emulator that issues temporary keys for each source, and the file of the id token it accepts."""
    from pulumi_css_vpcep.emulator._identity import Agency, Identity

    state = sample_state()
    state.credentials = {ACCESS_KEY: SECRET_KEY}
    state.identity = Identity(agencies=[Agency("leak-agency", "leak-domain")],
                              identity_providers={"leak-idp": [ID_TOKEN]}, instance_agency="leak-instance")
    token_file = tmp_path / "id-token"
    token_file.write_text(ID_TOKEN, encoding="utf-8")
    with Emulator(state) as emu:
        yield emu, str(token_file)


def issued_secrets(service: Emulator) -> list[str]:
    """Every secret the emulator handed out: temporary keys, security, subject and metadata session tokens."""
    identity = service.state.identity
    found = [secret for access, key in identity.issued.items()
             for secret in (access, key.secret_key, key.security_token)]
    return [*found, *identity.subject_tokens, *identity.metadata_tokens, ID_TOKEN, *SECRETS]


def fail_with(service: Emulator, scenario: TemporaryScenario, read: Any) -> None:
    """Make the service refuse the read as ``scenario`` says, after one read that succeeds."""
    identity = service.state.identity
    if scenario.failure == "no keys":  # the issuer refuses: no agency, no identity provider, no instance agency
        identity.agencies, identity.identity_providers, identity.instance_agency = [], {}, None
        return
    read()
    if scenario.failure == "refused":
        service.state.clusters[SAMPLE_CLUSTER_ID].granted_to = []
    else:
        for key in identity.issued.values():
            object.__setattr__(key, "security_token", "revoked-by-the-test")


def assert_none_of(secrets: list[str], where: str, *texts: object) -> None:
    forms = {form: secret for secret in secrets for form in encodings(secret)}
    for text in texts:
        rendered = text if isinstance(text, str) else repr(text)
        for form, secret in forms.items():
            assert form not in rendered, f"a credential ({secret[:6]}...) leaked into {where}: {rendered[:400]}"


@pytest.mark.parametrize("scenario", TEMPORARY_FAILURES, ids=lambda s: f"{s.source}-{s.failure}")
def test_temporary_keys_and_tokens_never_show_in_a_reads_failure(
    issuer: tuple[Emulator, str], scenario: TemporaryScenario, caplog: pytest.LogCaptureFixture
) -> None:
    service, token_file = issuer
    env = temporary_environ(service, scenario.source, token_file)
    caplog.set_level(logging.DEBUG)
    fail_with(service, scenario, lambda: read_vpcep_connections(SAMPLE_CLUSTER_ID, environ=env))
    with pytest.raises(CssVpcepError) as info:
        read_vpcep_connections(SAMPLE_CLUSTER_ID, environ=env)
    error = info.value
    assert scenario.expect in str(error)
    settings = resolve_settings(environ=env)
    secrets = issued_secrets(service)
    assert_none_of(secrets, "the exception", str(error), repr(error), error.args, vars(error),
                   "".join(traceback.format_exception(error)))
    assert_none_of(secrets, "the log", caplog.text, [r.getMessage() for r in caplog.records])
    assert_none_of(secrets, "a repr", repr(settings), repr(settings.credentials), repr(settings.credentials.redact))
    with pytest.raises(TypeError):
        pickle.dumps(settings.credentials)


@pytest.mark.parametrize("source", ["agency", "oidc", "metadata"])
def test_temporary_keys_never_show_in_the_commands_output(issuer: tuple[Emulator, str], source: str) -> None:
    service, token_file = issuer
    service.state.clusters[SAMPLE_CLUSTER_ID].granted_to = []
    result = subprocess.run(
        [sys.executable, "-m", "pulumi_css_vpcep._cli", "connections", "--cluster-id", SAMPLE_CLUSTER_ID, "--verbose"],
        capture_output=True, text=True, env=clean_process_environ(**temporary_environ(service, source, token_file)),
        timeout=60, check=False,
    )
    assert result.returncode == 4, result.stderr
    assert "CSS.0015" in result.stderr
    assert service.state.identity.issued, "temporary keys were issued"
    assert_none_of(issued_secrets(service), "the command's output", result.stdout, result.stderr)
