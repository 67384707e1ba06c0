"""Where region, credentials, endpoints and transport settings come from.

One resolver serves every face. For each setting the first source that gives a value wins:

1. the explicit argument (resource input, function argument, command-line flag);
2. Pulumi configuration (``huaweicloud:*`` for Python programs, ``css-vpcep:*`` for the plugin),
   passed in as a mapping of short keys (``accessKey``, ``region``, ...);
3. the Terraform provider's variables (``HW_*``);
4. the official SDK's variables (``HUAWEICLOUD_SDK_*``).

Credentials resolve as a group: the first source that names an access key must also give its secret
key, and only that source's security token is used, so a key is never paired with another's secret.
A credential must be printable ASCII without whitespace; any other is refused here, before anything is
sent, in a message that names where it came from and never shows it.
This module reads the environment and the mappings it is given; it performs no other I/O.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn, TypedDict, TypeVar, Unpack
from urllib.parse import urlsplit

from ._fields import text
from ._retries import DEFAULT_MAX_RETRIES, DEFAULT_TOTAL_TIMEOUT, RetryPolicy
from .errors import ConfigurationError, InvalidInputError

DEFAULT_CLOUD = "myhuaweicloud.com"

_MAX_RETRIES_CEILING = 100
_ES_REGIONS = frozenset({"cn-north-1", "cn-east-2"})
"""Regions whose CSS endpoint is still named ``es.`` rather than ``css.``."""

_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_REGION = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_CLOUD = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+")
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})
_T = TypeVar("_T")
_D = TypeVar("_D")


def _describe(value: str) -> str:
    """A short, printable rendering of a refused value (never used for credentials)."""
    shown = value if len(value) <= 80 else value[:77] + "..."
    return ascii(shown)


def _string(value: Any, input_name: str) -> str:
    if not isinstance(value, str):
        raise InvalidInputError(input_name, f"must be a string, not {type(value).__name__}")
    return value


def validate_id(value: Any, input_name: str = "id") -> str:
    """Return ``value`` if it is a well-formed cluster or project id, else raise ``InvalidInputError``."""
    given = _string(value, input_name)
    if not _ID.fullmatch(given):
        raise InvalidInputError(
            input_name, f"{_describe(given)} must be 1 to 64 characters of letters, digits, '-' and '_'"
        )
    return given


def validate_region(value: Any, input_name: str = "region") -> str:
    """Return ``value`` if it looks like a region name (``cn-north-4``), else raise ``InvalidInputError``."""
    given = _string(value, input_name)
    if len(given) > 64 or not _REGION.fullmatch(given):
        raise InvalidInputError(
            input_name,
            f"{_describe(given)} is not a region name: lower-case letters and digits joined by '-', "
            "such as 'cn-north-4'",
        )
    return given


def parse_resource_id(value: Any, input_name: str = "id") -> tuple[str, str, str]:
    """The (region, project id, cluster id) a resource id ``{region}:{project_id}:{cluster_id}`` names,
    each validated; ``InvalidInputError`` otherwise. None of the three can hold ``:``."""
    if not isinstance(value, str) or value.count(":") != 2:
        raise InvalidInputError(
            input_name, f"{_describe(str(value))} is not of the form '{{region}}:{{project_id}}:{{cluster_id}}'"
        )
    region, project_id, cluster_id = value.split(":")
    return (
        validate_region(region, f"{input_name} (region)"),
        validate_id(project_id, f"{input_name} (project id)"),
        validate_id(cluster_id, f"{input_name} (cluster id)"),
    )


def is_loopback(host: str) -> bool:
    """Whether a host name or address is this machine (``localhost``, ``127.0.0.0/8``, ``::1``)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def validate_endpoint(value: Any, input_name: str = "endpoint") -> str:
    """Return ``value`` normalised (no trailing ``/``) if it is an acceptable service URL.

    An absolute ``https`` URL without credentials, query or fragment; ``http`` only to a loopback
    address, so that plain text never leaves the machine.
    """
    url = _string(value, input_name)
    if not url.isascii() or any(ch.isspace() or not ch.isprintable() for ch in url):
        raise InvalidInputError(input_name, f"{_describe(url)} must be a URL of printable ASCII characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidInputError(input_name, f"{_describe(url)} is not a URL: {exc}") from None
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host:
        raise InvalidInputError(
            input_name, f"{_describe(url)} must be an absolute https URL, such as 'https://css.example.com'"
        )
    if parts.username is not None or parts.password is not None:
        raise InvalidInputError(input_name, "must not carry a user name or password")
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        raise InvalidInputError(input_name, f"{_describe(url)} must not have a query or fragment")
    if parts.scheme == "http" and not is_loopback(host):
        raise InvalidInputError(
            input_name, f"{_describe(url)} uses http: only https is allowed, except to a loopback address"
        )
    if port == 0:
        raise InvalidInputError(input_name, f"{_describe(url)} has port 0")
    return url.rstrip("/")


@dataclass(frozen=True)
class Credentials:
    """An access key pair, optionally temporary (with a security token).

    Its repr hides every part, and it refuses to be pickled, so it cannot reach Pulumi state by accident.
    """

    access_key: str = field(repr=False)
    """The access key id (AK)."""
    secret_key: str = field(repr=False)
    """The secret access key (SK)."""
    security_token: str | None = field(default=None, repr=False)
    """The security token of temporary credentials, or ``None``."""
    source: str = "explicit"
    """Where the credentials came from, for messages (never the values)."""

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        raise TypeError("credentials are never serialized")


@dataclass(frozen=True)
class Settings:
    """Everything a read needs besides the cluster id, resolved from every source."""

    region: str
    """The region name, such as ``cn-north-4``."""
    project_id: str | None
    """The project id, or ``None`` to look it up from the region through IAM."""
    credentials: Credentials = field(repr=False)
    """The access key pair that signs requests."""
    css_endpoint: str
    """The CSS endpoint URL, without a trailing ``/``."""
    iam_endpoint: str
    """The IAM endpoint URL (ending in ``/v3``), used to look up the project id."""
    insecure: bool = False
    """When true, TLS certificates are not verified (``HW_INSECURE``); a warning is given on every read."""
    ca_bundle: str | None = None
    """A CA bundle to trust instead of the default one (``SSL_CERT_FILE``)."""
    ca_dir: str | None = None
    """A directory of CA certificates to trust instead of the default ones (``SSL_CERT_DIR``), when no
    ``ca_bundle`` is given."""
    retry: RetryPolicy = field(
        default_factory=lambda: RetryPolicy(max_retries=DEFAULT_MAX_RETRIES, total_timeout=DEFAULT_TOTAL_TIMEOUT)
    )
    """How failures are retried; its ``max_retries`` and ``total_timeout`` are always set (the caller's, else
    ``HW_MAX_RETRIES`` or 5, and ``css-vpcep:readTimeout``, ``HW_CSS_READ_TIMEOUT`` or 3 minutes)."""

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        raise TypeError("settings hold credentials and are never serialized")


def trusts_environment(settings: Settings) -> bool:
    """Whether the environment's HTTP(S)_PROXY applies to a read (httpx's ``trust_env``): for the cloud,
    never when every endpoint it may contact is this machine's."""
    return not all(is_loopback(urlsplit(url).hostname or "") for url in (settings.css_endpoint, settings.iam_endpoint))


_PROXY_VARIABLES = frozenset({"http_proxy", "https_proxy", "all_proxy"})


def proxy_applies(settings: Settings, environ: Mapping[str, str] | None = None) -> bool:
    """Whether a proxy variable (``HTTPS_PROXY``, ``http_proxy``, ``ALL_PROXY``...) is set for a read that
    trusts the environment: such a read goes through httpx, which applies proxies and ``NO_PROXY``."""
    env = os.environ if environ is None else environ
    return trusts_environment(settings) and any(
        value and name.lower() in _PROXY_VARIABLES for name, value in env.items()
    )


def css_endpoint_for(region: str, cloud: str = DEFAULT_CLOUD) -> str:
    """The public CSS endpoint of a region."""
    service = "es" if region in _ES_REGIONS else "css"
    return f"https://{service}.{region}.{cloud}"


def iam_endpoint_for(region: str, cloud: str = DEFAULT_CLOUD) -> str:
    """The public IAM endpoint of a region."""
    return f"https://iam.{region}.{cloud}/v3"


@dataclass(frozen=True)
class _Layer:
    """One source of settings: its name for messages and how to look a setting up in it."""

    describe: str
    values: Mapping[str, Any]
    names: Mapping[str, str]
    describe_project: str | None = None
    """How this source names this project's own settings, when it is not ``describe`` (Pulumi config)."""

    def place(self, setting: str) -> str:
        """Where ``setting`` is given in this source, for messages (``Pulumi config css-vpcep:region``)."""
        own = self.describe_project if setting in _PROJECT_SETTINGS else None
        return (own or self.describe).format(name=self.names[setting])

    def get(self, setting: str) -> tuple[str, str] | None:
        name = self.names.get(setting)
        if name is None:
            return None
        # Pulumi config may hold True or 3.0 where the environment holds "true" or "3".
        value = text(self.values.get(name))
        if value is None or value.strip() == "":
            return None
        return value.strip(), self.place(setting)


_NAMES: dict[str, tuple[str | None, str, str | None]] = {
    "access_key": ("accessKey", "HW_ACCESS_KEY", "HUAWEICLOUD_SDK_AK"),
    "secret_key": ("secretKey", "HW_SECRET_KEY", "HUAWEICLOUD_SDK_SK"),
    "security_token": ("securityToken", "HW_SECURITY_TOKEN", "HUAWEICLOUD_SDK_SECURITY_TOKEN"),
    "region": ("region", "HW_REGION_NAME", None),
    "project_id": ("projectId", "HW_PROJECT_ID", "HUAWEICLOUD_SDK_PROJECT_ID"),
    "cloud": ("cloud", "HW_CLOUD", None),
    "auth_url": ("authUrl", "HW_AUTH_URL", None),
    "insecure": ("insecure", "HW_INSECURE", None),
    "read_timeout": ("readTimeout", "HW_CSS_READ_TIMEOUT", None),
    "max_retries": (None, "HW_MAX_RETRIES", None),
    "endpoint": (None, "HW_CSS_ENDPOINT", None),
}
"""Where each setting is given: its Pulumi configuration key, the Terraform provider's variable and the
official SDK's variable (``None``: not given there)."""
_CONFIG_NAMES = {setting: key for setting, (key, _, _) in _NAMES.items() if key}
_TERRAFORM_NAMES = {setting: variable for setting, (_, variable, _) in _NAMES.items()}
_SDK_NAMES = {setting: variable for setting, (_, _, variable) in _NAMES.items() if variable}
CONFIG_KEYS = tuple(_CONFIG_NAMES.values())
"""The Pulumi configuration keys a read uses (``accessKey``, ...), under ``huaweicloud:`` or ``css-vpcep:``."""
PROJECT_CONFIG_NAMESPACE = "css-vpcep"
"""This project's own configuration namespace: the plugin's, and that of the settings no other package has."""
_PROJECT_SETTINGS = frozenset({"read_timeout"})
"""Settings that are this project's own, so a Python program sets them as ``css-vpcep:*`` too, not as
``huaweicloud:*`` (a key the ``pulumi-huaweicloud`` package does not know)."""
PROJECT_CONFIG_KEYS = tuple(_CONFIG_NAMES[name] for name in sorted(_PROJECT_SETTINGS))
"""The configuration keys read from ``css-vpcep:*`` in every face (``readTimeout``)."""
CREDENTIAL_KEYS = tuple(_CONFIG_NAMES[name] for name in ("access_key", "secret_key", "security_token"))
"""The configuration keys that hold credentials."""


def _layers(config: Mapping[str, Any] | None, environ: Mapping[str, str], namespace: str) -> list[_Layer]:
    layers = []
    if config is not None:
        layers.append(_Layer(f"Pulumi config {namespace}:{{name}}", config, _CONFIG_NAMES,
                             f"Pulumi config {PROJECT_CONFIG_NAMESPACE}:{{name}}"))
    layers.append(_Layer("{name}", environ, _TERRAFORM_NAMES))
    layers.append(_Layer("{name}", environ, _SDK_NAMES))
    return layers


def _first(layers: list[_Layer], setting: str) -> tuple[str, str] | None:
    for layer in layers:
        found = layer.get(setting)
        if found is not None:
            return found
    return None


def _where(layers: list[_Layer], setting: str) -> str:
    """Every place a setting can be given, for the message that says it is missing."""
    places = [layer.place(setting) for layer in layers if setting in layer.names]
    return ", ".join(places[:-1]) + " or " + places[-1] if len(places) > 1 else places[0]


def _credential(found: tuple[str, str]) -> str:
    """A credential as found, if it is printable ASCII without whitespace; the message names only its source.

    Anything else cannot go into an HTTP header as it is (a line break would even split it), and is
    most often a paste gone wrong.
    """
    value, source = found
    if not (value.isascii() and value.isprintable()) or " " in value:
        raise ConfigurationError(
            f"invalid {source}: a credential must be printable ASCII without spaces or line breaks "
            "(the value is not shown)"
        )
    return value


def _credentials(layers: list[_Layer], namespace: str) -> Credentials:
    for layer in layers:
        access = layer.get("access_key")
        secret = layer.get("secret_key")
        if access is None and secret is None:
            continue
        if access is None or secret is None:
            have, lack = ("access_key", "secret_key") if access is not None else ("secret_key", "access_key")
            raise ConfigurationError(f"{layer.place(have)} is set but {layer.place(lack)} is not: set both")
        token = layer.get("security_token")
        return Credentials(
            access_key=_credential(access),
            secret_key=_credential(secret),
            security_token=_credential(token) if token else None,
            source=access[1],
        )
    # A plugin user who copied a Python program's configuration has set keys this face does not read.
    other = " (huaweicloud:* keys are read by the Python dynamic resource only)" if namespace != "huaweicloud" else ""
    raise ConfigurationError(
        "no credentials: set an access key and secret key with "
        f"{_where(layers, 'access_key')} (and the matching secret key){other}"
    )


def _flag(value: str) -> bool:
    lowered = value.lower()
    if lowered not in _TRUE | _FALSE:
        raise ValueError(f"{_describe(value)} is not true or false")
    return lowered in _TRUE


_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
MAX_READ_TIMEOUT = 24 * 3600.0
"""The longest read deadline accepted, in seconds."""


def parse_duration(given: str) -> float:
    """Seconds from a duration as Pulumi's ``customTimeouts`` and Terraform's ``timeouts`` write it (``90s``,
    ``5m``, ``1m30s``, ``1.5h``) or a plain number of seconds (``90``); ``ValueError`` otherwise."""
    value = given.strip()
    try:
        seconds = float(value)
    except ValueError:
        position, seconds = 0, 0.0
        for part in _DURATION_PART.finditer(value):
            if part.start() != position:
                break
            seconds += float(part.group(1)) * _DURATION_UNITS[part.group(2)]
            position = part.end()
        if position != len(value) or not value:
            raise ValueError(f"{_describe(given)} is not a duration such as '90s', '5m' or '1m30s'") from None
    if not 0 < seconds <= MAX_READ_TIMEOUT:  # NaN fails this too
        raise ValueError(f"{_describe(given)} must be more than 0 s and at most {MAX_READ_TIMEOUT / 3600:g} h")
    return seconds


def _retry_count(value: str) -> int:
    try:
        retries = int(value)
    except ValueError:
        raise ValueError(f"{_describe(value)} is not a whole number") from None
    if not 0 <= retries <= _MAX_RETRIES_CEILING:
        raise ValueError(f"{retries} is not between 0 and {_MAX_RETRIES_CEILING}")
    return retries


def _cloud(value: str) -> str:
    lowered = value.lower()
    if not _CLOUD.fullmatch(lowered):
        raise ValueError(f"{_describe(value)} is not a domain name such as 'myhuaweicloud.com'")
    return lowered


def _configured(layers: list[_Layer], setting: str, parse: Callable[[str], _T], default: _D) -> _T | _D:
    """The first configured value of ``setting`` as ``parse`` reads it, else ``default``. A value it refuses
    (``ValueError``) is a ``ConfigurationError`` that names where the value was given."""
    found = _first(layers, setting)
    if found is None:
        return default
    value, source = found
    try:
        return parse(value)
    except ValueError as err:
        reason = err.reason if isinstance(err, InvalidInputError) else str(err)
        raise ConfigurationError(f"invalid {source}: {reason}") from None


def _given_or_configured(
    layers: list[_Layer], setting: str, validate: Callable[..., str], given: str | None
) -> str | None:
    """The value given as an argument (a malformed one is an ``InvalidInputError``), else the configured one."""
    return validate(given, setting) if given is not None else _configured(layers, setting, validate, None)


_OTHER_FACES = {"huaweicloud": (PROJECT_CONFIG_NAMESPACE, "the provider plugin's"),
                PROJECT_CONFIG_NAMESPACE: ("huaweicloud", "the Python dynamic resource's")}


def _other_face_key(config: Mapping[str, Any] | None, namespace: str, setting: str) -> str:
    """For a face that reads Pulumi configuration, a note that the other face's key of ``setting`` is not read
    here: a user who copied a configuration from one face to the other has set it (the engine shows a
    provider only its own namespace, so whether it is set cannot be known)."""
    other = _OTHER_FACES.get(namespace)
    if config is None or other is None:
        return ""
    other_namespace, whose = other
    return f" ({other_namespace}:{_CONFIG_NAMES[setting]}, {whose} key, is not read here)"


class SettingsSources(TypedDict, total=False):
    """What a read may be told beside the cluster, each optional: ``resolve_settings``'s keyword arguments,
    which the read functions pass on as they are."""

    project_id: str | None
    region: str | None
    endpoint: str | None
    config: Mapping[str, Any] | None
    environ: Mapping[str, str] | None
    config_namespace: str
    retry: RetryPolicy | None


def resolve_settings(*, last_endpoint: str | None = None, **sources: Unpack[SettingsSources]) -> Settings:
    """Resolve every setting of a read, or raise the error that names what is wrong and where to fix it.

    Explicit arguments that are malformed raise ``InvalidInputError``; missing or malformed settings
    from configuration or the environment raise ``ConfigurationError``.

    :param config: Pulumi configuration values by short key (``accessKey``, ``region``, ...); values
        may be text, booleans or numbers.
    :param environ: the environment to read (``os.environ`` when omitted): every variable named in
        docs/configuration.md, ``SSL_CERT_FILE`` and ``SSL_CERT_DIR`` included. Only the proxy variables
        (``HTTP(S)_PROXY``, ``ALL_PROXY``, ``NO_PROXY``) are always the process's: httpx reads them there.
    :param config_namespace: the config namespace named in messages (``huaweicloud`` or ``css-vpcep``).
    :param retry: the caller's retry policy; when it leaves ``max_retries`` open, ``HW_MAX_RETRIES``
        (else 5) fills it in.
    :param last_endpoint: the endpoint to use when neither ``endpoint`` nor ``HW_CSS_ENDPOINT`` names one, before
        the region's (a refresh of a stored read whose inputs are not known: the endpoint it last used).
    """
    unknown = sorted(sources.keys() - SettingsSources.__optional_keys__)
    if unknown:  # the public reads pass their keyword arguments on: a misspelt one is an error, as in any call
        raise TypeError(f"resolve_settings() got an unexpected keyword argument {unknown[0]!r}")
    environ = sources.get("environ")
    env = os.environ if environ is None else environ
    namespace = sources.get("config_namespace", "huaweicloud")
    layers = _layers(sources.get("config"), env, namespace)
    resolved_project = _given_or_configured(layers, "project_id", validate_id, sources.get("project_id"))
    resolved_region = _given_or_configured(layers, "region", validate_region, sources.get("region"))
    if resolved_region is None:
        raise ConfigurationError(
            f"no region: set the region argument, {_where(layers, 'region')}"
            + _other_face_key(sources.get("config"), namespace, "region")
        )
    css = _given_or_configured(layers, "endpoint", validate_endpoint, sources.get("endpoint"))
    auth_url = _configured(layers, "auth_url", validate_endpoint, None)
    cloud = _configured(layers, "cloud", _cloud, DEFAULT_CLOUD)
    return Settings(
        region=resolved_region,
        project_id=resolved_project,
        credentials=_credentials(layers, namespace),
        css_endpoint=css or last_endpoint or css_endpoint_for(resolved_region, cloud),
        iam_endpoint=auth_url or iam_endpoint_for(resolved_region, cloud),
        insecure=_configured(layers, "insecure", _flag, False),
        ca_bundle=env.get("SSL_CERT_FILE") or None,
        ca_dir=env.get("SSL_CERT_DIR") or None,
        retry=(sources.get("retry") or RetryPolicy()).with_defaults(
            max_retries=_configured(layers, "max_retries", _retry_count, DEFAULT_MAX_RETRIES),
            total_timeout=_configured(layers, "read_timeout", parse_duration, DEFAULT_TOTAL_TIMEOUT),
        ),
    )
