"""Where region, credentials, endpoints and transport settings come from.

One resolver serves every face. For each setting the first source that gives a value wins:

1. the explicit argument (resource input, function argument, command-line flag);
2. Pulumi configuration (``huaweicloud:*`` for Python programs, ``css-vpcep:*`` for the plugin),
   passed in as a mapping of short keys (``accessKey``, ``region``, ...);
3. the Terraform provider's variables (``HW_*``);
4. the official SDK's variables (``HUAWEICLOUD_SDK_*``).

Static credentials resolve as a group: the first source that names an access key must also give its
secret key, and only that source's security token is used, so a key is never paired with another's
secret. Without static keys, ``_credentials.discover`` finds the next source (a KooCLI profile, the SDK's
file, OIDC, the instance's agency), and the process's provider of its keys is the read's. A credential
must be printable ASCII without whitespace; any other is refused here, before anything is sent, in a
message that names where it came from and never shows it.
This module reads the environment, the mappings it is given and, through ``_credentials``, the
credential files; it sends nothing.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn, TypedDict, TypeVar, Unpack
from urllib.parse import urlsplit

from ._credentials import (
    DEFAULT_DURATION,
    MAX_DURATION,
    METADATA_ENDPOINT,
    MIN_DURATION,
    AssumeRole,
    Credentials,
    CredentialSettings,
    CredentialsProvider,
    Given,
    discover,
    provider_for,
)
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
class Settings:
    """Everything a read needs besides the cluster id, resolved from every source."""

    region: str
    """The region name, such as ``cn-north-4``."""
    project_id: str | None
    """The project id, or ``None`` to look it up from the region through IAM."""
    credentials: CredentialsProvider = field(repr=False)
    """Where each request's keys come from: static keys (``Credentials``), or the process's provider of
    temporary keys, which renews them."""
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


_NAMES: dict[str, tuple[str | None, str | None, str | None]] = {
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
    "shared_config_file": ("sharedConfigFile", "HW_SHARED_CONFIG_FILE", None),
    "profile": ("profile", "HW_PROFILE", None),
    "assume_role": ("assumeRole", None, None),
    "agency_name": (None, "HW_ASSUME_ROLE_AGENCY_NAME", None),
    "domain_name": (None, "HW_ASSUME_ROLE_DOMAIN_NAME", None),
    "domain_id": (None, "HW_ASSUME_ROLE_DOMAIN_ID", None),
    "duration": (None, "HW_ASSUME_ROLE_DURATION", None),
    "idp_id": (None, "HW_ASSUME_ROLE_IDP_ID", "HUAWEICLOUD_SDK_IDP_ID"),
    "id_token": (None, "HW_ASSUME_ROLE_ID_TOKEN", None),
    "id_token_file": (None, "HW_ASSUME_ROLE_ID_TOKEN_FILE", "HUAWEICLOUD_SDK_ID_TOKEN_FILE"),
    "sdk_credentials_file": (None, None, "HUAWEICLOUD_SDK_CREDENTIALS_FILE"),
    "use_ecs_metadata": (None, "HW_USE_ECS_METADATA", None),
    "ecs_metadata_endpoint": (None, "HW_ECS_METADATA_ENDPOINT", None),
}
"""Where each setting is given: its Pulumi configuration key, the Terraform provider's variable and the
official SDK's variable (``None``: not given there)."""
_CONFIG_NAMES = {setting: key for setting, (key, _, _) in _NAMES.items() if key}
_TERRAFORM_NAMES = {setting: variable for setting, (_, variable, _) in _NAMES.items() if variable}
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
ASSUME_ROLE_FIELDS = {"agencyName": "agency_name", "domainName": "domain_name", "domainId": "domain_id",
                      "duration": "duration"}
"""The fields of the ``assumeRole`` configuration object, as the ``pulumi-huaweicloud`` package names them."""
_ASSUME_ROLE_SETTINGS = tuple(ASSUME_ROLE_FIELDS.values())


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


def _places(layers: list[_Layer], setting: str) -> tuple[str, ...]:
    """Every place a setting can be given, for the message that says it is missing."""
    return tuple(layer.place(setting) for layer in layers if setting in layer.names)


def _where(layers: list[_Layer], setting: str) -> str:
    """``_places`` as words: ``a, b or c``."""
    places = _places(layers, setting)
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


def _static_credentials(layers: list[_Layer]) -> Credentials | None:
    """The static keys of the first source that names either key, or ``None`` when none does."""
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
            source=f"the key from {access[1]}",
        )
    return None


def _duration(value: str) -> int:
    try:
        seconds = int(value)
    except ValueError:
        raise ValueError(f"{_describe(value)} is not a whole number of seconds") from None
    if not MIN_DURATION <= seconds <= MAX_DURATION:
        raise ValueError(f"{seconds} is not between {MIN_DURATION} and {MAX_DURATION} seconds")
    return seconds


def _assume_role(config: Mapping[str, Any] | None, env: Mapping[str, str], namespace: str) -> AssumeRole | None:
    """The agency to assume: Pulumi config ``assumeRole`` (an object, or its JSON text) when set, else the
    ``HW_ASSUME_ROLE_*`` variables. A field the object does not know, a domain without an agency name or an
    agency without a domain, and a duration outside 900 to 86400 seconds are errors that name the setting."""
    raw = config.get("assumeRole") if config is not None else None
    if raw is None and not any(env.get(_TERRAFORM_NAMES[name]) for name in _ASSUME_ROLE_SETTINGS):
        return None  # nearly every read: no agency at all
    key = f"Pulumi config {namespace}:assumeRole"
    if isinstance(raw, str) and raw.strip():
        try:
            raw = json.loads(raw)
        except ValueError:
            raise ConfigurationError(f"invalid {key}: not an object with agencyName and domainName") from None
    if raw is not None and raw != "":
        if not isinstance(raw, Mapping):
            raise ConfigurationError(f"invalid {key}: not an object with agencyName and domainName")
        unknown = sorted(set(raw) - set(ASSUME_ROLE_FIELDS))
        if unknown:
            raise ConfigurationError(f"invalid {key}: unknown field {unknown[0]!r}; its fields are "
                                     f"{', '.join(ASSUME_ROLE_FIELDS)}")
        source = _Layer(f"{key}.{{name}}", raw, {setting: name for name, setting in ASSUME_ROLE_FIELDS.items()})
        place = key
    else:
        source = _Layer("{name}", env, _TERRAFORM_NAMES)
        place = "HW_ASSUME_ROLE_AGENCY_NAME"
    agency, domain_name, domain_id = (source.get(name) for name in ("agency_name", "domain_name", "domain_id"))
    duration = _configured([source], "duration", _duration, DEFAULT_DURATION)
    if agency is None:
        given = domain_name or domain_id
        if given is not None:
            raise ConfigurationError(f"{given[1]} is set but {source.place('agency_name')} is not: set the agency too")
        return None
    if domain_name is None and domain_id is None:
        raise ConfigurationError(f"{agency[1]} is set but neither {source.place('domain_name')} nor "
                                 f"{source.place('domain_id')} is: name the agency's domain")
    return AssumeRole(agency[0], domain_name[0] if domain_name else None, domain_id[0] if domain_id else None,
                      duration, place)


def _metadata_endpoint(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ValueError(f"{_describe(value)} is not a URL such as 'http://169.254.169.254'")
    return value.rstrip("/")


def _credential_settings(
    layers: list[_Layer], config: Mapping[str, Any] | None, env: Mapping[str, str], namespace: str
) -> CredentialSettings:
    """Every setting that chooses where the keys come from; ``_credentials.discover`` chooses."""

    def given(setting: str) -> Given | None:
        found = _first(layers, setting)
        return Given(*found) if found is not None else None

    role = _assume_role(config, env, namespace)
    static = _static_credentials(layers)
    if static is not None:  # the first source: the others' settings are not read (a read's fast path)
        return CredentialSettings(static=static, static_places="", assume_role=role)
    # A plugin user who copied a Python program's configuration has set keys this face does not read.
    other = " (huaweicloud:* keys are read by the Python dynamic resource only)" if namespace != "huaweicloud" else ""
    return CredentialSettings(
        static=None,
        static_places=_where(layers, "access_key"),
        shared_config_file=given("shared_config_file"),
        profile=given("profile"),
        sdk_credentials_file=given("sdk_credentials_file"),
        idp_id=given("idp_id"),
        id_token=given("id_token"),
        id_token_file=given("id_token_file"),
        use_ecs_metadata=_configured(layers, "use_ecs_metadata", _flag, False),
        metadata_endpoint=_configured(layers, "ecs_metadata_endpoint", _metadata_endpoint, METADATA_ENDPOINT),
        assume_role=role,
        duration=role.duration if role else _configured(layers, "duration", _duration, DEFAULT_DURATION),
        home=env.get("HOME") or os.path.expanduser("~"),
        not_read_here=other,
    )


def _from_profile(found: Given | None, check: Callable[[Any, str], str]) -> str | None:
    """A region or project id that a KooCLI profile or the SDK's file gives; a malformed one names its file."""
    if found is None:
        return None
    try:
        return check(found.value, found.place)
    except InvalidInputError as err:
        raise ConfigurationError(f"invalid {err.input_name}: {err.reason}") from None


def _flag(value: str) -> bool:
    lowered = value.lower()
    if lowered not in _TRUE | _FALSE:
        raise ValueError(f"{_describe(value)} is not true or false")
    return lowered in _TRUE


_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
MAX_READ_TIMEOUT = 24 * 3600.0
"""The longest read deadline accepted, in seconds."""


def parse_duration(given: str, most: float = MAX_READ_TIMEOUT) -> float:
    """Seconds from a duration as Pulumi's ``customTimeouts`` and Terraform's ``timeouts`` write it (``90s``,
    ``5m``, ``1m30s``, ``1.5h``) or a plain number of seconds (``90``), more than 0 and at most ``most``
    seconds (a read's longest deadline by default); ``ValueError`` otherwise."""
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
    if not 0 < seconds <= most:  # NaN fails this too
        raise ValueError(f"{_describe(given)} must be more than 0 s and at most {most / 3600:g} h")
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
    config = sources.get("config")
    layers = _layers(config, env, namespace)
    resolved_project = _given_or_configured(layers, "project_id", validate_id, sources.get("project_id"))
    resolved_region = _given_or_configured(layers, "region", validate_region, sources.get("region"))
    found = discover(_credential_settings(layers, config, env, namespace))
    resolved_region = resolved_region or _from_profile(found.region, validate_region)
    if resolved_region is None:
        places = _places(layers, "region")
        note = _other_face_key(sources.get("config"), namespace, "region")
        raise ConfigurationError("no region", input_name="region", places=(*places[:-1], places[-1] + note))
    resolved_project = resolved_project or _from_profile(found.project_id, validate_id)
    css = _given_or_configured(layers, "endpoint", validate_endpoint, sources.get("endpoint"))
    auth_url = _configured(layers, "auth_url", validate_endpoint, None)
    cloud = _configured(layers, "cloud", _cloud, DEFAULT_CLOUD)
    iam = auth_url or iam_endpoint_for(resolved_region, cloud)
    insecure = _configured(layers, "insecure", _flag, False)
    ca_bundle, ca_dir = env.get("SSL_CERT_FILE") or None, env.get("SSL_CERT_DIR") or None
    retry = sources.get("retry") or RetryPolicy()
    return Settings(
        region=resolved_region,
        project_id=resolved_project,
        credentials=provider_for(found.source, iam, insecure, ca_bundle, ca_dir),
        css_endpoint=css or last_endpoint or css_endpoint_for(resolved_region, cloud),
        iam_endpoint=iam,
        insecure=insecure,
        ca_bundle=ca_bundle,
        ca_dir=ca_dir,
        retry=retry.with_defaults(  # a value the caller set is not looked up: a malformed variable it overrides is moot
            max_retries=retry.max_retries if retry.max_retries is not None
            else _configured(layers, "max_retries", _retry_count, DEFAULT_MAX_RETRIES),
            total_timeout=retry.total_timeout if retry.total_timeout is not None
            else _configured(layers, "read_timeout", parse_duration, DEFAULT_TOTAL_TIMEOUT),
        ),
    )


def read_deadline(**sources: Unpack[SettingsSources]) -> float:
    """The seconds a read with these sources may take, as ``resolve_settings(...).retry.deadline`` gives it but
    without resolving anything else: the caller's ``retry.total_timeout``, else ``css-vpcep:readTimeout`` or
    ``HW_CSS_READ_TIMEOUT``, else 3 minutes. What bounds a whole wait in the Pulumi faces. A malformed value is
    the ``ConfigurationError`` a read would raise."""
    retry = sources.get("retry")
    if retry is not None and retry.total_timeout is not None:
        return retry.total_timeout
    environ = sources.get("environ")
    layers = _layers(sources.get("config"), os.environ if environ is None else environ,
                     sources.get("config_namespace", "huaweicloud"))
    return _configured(layers, "read_timeout", parse_duration, DEFAULT_TOTAL_TIMEOUT)
