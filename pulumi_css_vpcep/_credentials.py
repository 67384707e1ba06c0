"""Where a read's keys come from, and the keys of each moment.

The sources, tried in a fixed order (SPEC, "Credentials the way teams have them"); the first one
configured is the one used, never a mix of two:

1. static keys from Pulumi configuration or the environment (``_settings`` finds them);
2. a KooCLI profile (``HW_PROFILE``, ``HW_SHARED_CONFIG_FILE``; ``~/.hcloud/config.json``);
3. the official SDK's credentials file (``HUAWEICLOUD_SDK_CREDENTIALS_FILE``; ``~/.huaweicloud/credentials``);
4. OIDC: an id token exchanged at IAM for temporary keys (``HW_ASSUME_ROLE_IDP_ID`` ...);
5. the instance's agency through ECS metadata, only when asked (``HW_USE_ECS_METADATA``).

An agency (``HW_ASSUME_ROLE_*``, Pulumi config ``assumeRole``, or a profile's ``agencyName``) is then
assumed with the keys of the source found. ``discover`` reads configuration and files only; nothing is
sent until a request first needs keys.

Every source ends in a provider that hands each request a frozen snapshot of its keys (``Credentials``),
so signing never sees half a renewal. Static keys are their own provider. Temporary keys
(``TemporaryCredentials``) are fetched when first needed and renewed when less than a quarter of their
lifetime, at most 10 minutes, is left, by one request under a lock however many reads wait; a read
that finds them fresh takes no lock. ``PROVIDERS`` holds one provider per source per process, so every
read of a process shares its temporary keys.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Container, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple, NoReturn, Protocol
from urllib.parse import urlsplit

from ._http_errors import Answer, NetworkFailure, Redactor, Timeout, api_error, final_error, one_line
from ._retries import RetryPolicy
from ._signing import HmacSigner
from ._tls import context_for, host_header
from ._version import __version__
from .errors import ConfigurationError, CssVpcepError, TransportError

if TYPE_CHECKING:
    import ssl

logger = logging.getLogger("pulumi_css_vpcep")

METADATA_ENDPOINT = "http://169.254.169.254"
"""Where an ECS instance's metadata API answers, unless ``HW_ECS_METADATA_ENDPOINT`` says otherwise."""
TOKEN_EXPIRED_CODE = "APIGW.0307"  # noqa: S105 - an error code, not a secret
"""The gateway's code for a 401 whose token must be renewed: temporary keys that expired."""
DEFAULT_DURATION = 3600
"""Seconds that assumed-agency and OIDC keys are asked to live when no duration is set."""
MIN_DURATION, MAX_DURATION = 900, 86400
"""The durations IAM accepts for temporary keys, in seconds."""
RENEWAL_SHARE, LONGEST_RENEWAL_WINDOW = 0.25, 600.0
"""Temporary keys are renewed when less than this share of their lifetime, and at most this many seconds,
is left."""
_KEPT_GENERATIONS = 16
"""How many generations of temporary keys the redaction of a provider keeps hiding after they are replaced."""
_IAM_RETRY = RetryPolicy(max_retries=2, base_delay=0.5, max_delay=2.0, max_retry_after=5.0)
_METADATA_RETRY = RetryPolicy(max_retries=2, base_delay=0.2, max_delay=0.5, max_retry_after=1.0)
_IAM_TIMEOUTS = (10.0, 30.0)
_METADATA_TIMEOUTS = (1.0, 2.0)
"""Connect and read timeouts: the metadata API is on the instance's own link, so a slow answer means none."""
_METADATA_TOKEN_TTL = "21600"  # noqa: S105 - seconds a metadata session token lives (6 h, as the SDK asks)


def _hash(*parts: str | None) -> str:
    return hashlib.sha256("\x00".join(part or "" for part in parts).encode("utf-8", "backslashreplace")).hexdigest()


@dataclass(frozen=True)
class Credentials:
    """An access key pair, optionally temporary (with a security token): what signs one request.

    Static keys are their own provider: ``current()`` is the pair itself. Its repr hides every key, and it
    refuses to be pickled, so it cannot reach Pulumi state by accident.
    """

    access_key: str = field(repr=False)
    """The access key id (AK)."""
    secret_key: str = field(repr=False)
    """The secret access key (SK)."""
    security_token: str | None = field(default=None, repr=False)
    """The security token of temporary credentials, or ``None``."""
    source: str = "explicit"
    """Where the keys came from, for messages (``HW_ACCESS_KEY``; never the values)."""

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        raise TypeError("credentials are never serialized")

    @functools.cached_property
    def identity(self) -> str:
        """A stable, non-secret name of these keys (a hash of the access key), for per-key caches."""
        return _hash("key", self.access_key)

    @functools.cached_property
    def redact(self) -> Redactor:
        """Hides these keys in any text."""
        return Redactor((self.access_key, self.secret_key, self.security_token))

    def current(self) -> Credentials:
        """The keys to sign the next request with: these."""
        return self

    async def acurrent(self) -> Credentials:
        """``current()``, from async code."""
        return self

    def renew(self, stale: Credentials) -> Credentials | None:  # noqa: ARG002 - the provider protocol's
        """Static keys cannot be renewed: ``None``."""
        return None

    async def arenew(self, stale: Credentials) -> Credentials | None:  # noqa: ARG002
        """Static keys cannot be renewed: ``None``."""
        return None


class CredentialsProvider(Protocol):
    """What a read asks for keys: ``Credentials`` (static keys) or ``TemporaryCredentials``."""

    @property
    def source(self) -> str:
        """Where the keys come from, for messages: ``HW_ACCESS_KEY``, ``the agency X assumed with ...``."""
        ...

    @property
    def identity(self) -> str:
        """A stable, non-secret name of the source, the same across renewals (the project-id cache's key)."""
        ...

    @property
    def redact(self) -> Redactor:
        """Hides every secret this provider has used or handed out (keys, tokens) in any text."""
        ...

    def current(self) -> Credentials:
        """The keys for the next request, renewed first if they are due (blocking)."""
        ...

    async def acurrent(self) -> Credentials:
        """``current()`` from async code: a renewal runs in a thread, never blocking the event loop."""
        ...

    def renew(self, stale: Credentials) -> Credentials | None:
        """Fresh keys after ``stale`` were refused as expired (``None``: these keys cannot be renewed)."""
        ...

    async def arenew(self, stale: Credentials) -> Credentials | None:
        """``renew()`` from async code."""
        ...


class Issued(NamedTuple):
    """Temporary keys as a source issued them, and when they expire (seconds since the epoch)."""

    credentials: Credentials
    expires_at: float


class TemporaryCredentials:
    """Temporary keys from one source, fetched when first needed and renewed before they expire.

    ``current()`` hands out the keys without a lock while they are fresh. When less than a quarter of their
    lifetime (at most 10 minutes) is left, the first caller renews them under a lock and every other waits
    for that one renewal. A renewal that fails while the old keys are still valid is logged and tried again
    a little later; once they have expired, its error is the read's. ``renew(stale)`` after a 401 that
    says the keys expired fetches new ones, unless another caller already did.
    """

    def __init__(self, source: str, identity: str, fetch: Callable[[Callable[[str], None]], Issued],
                 base: CredentialsProvider | None = None) -> None:
        self.source = source
        self.identity = identity
        self._fetch = fetch
        """Fetches new keys; it tells the tokens it used (an id token, a subject token) to the function it is given."""
        self._base = base
        self._lock = threading.Lock()
        self._keys: Credentials | None = None
        self._renew_at = 0.0
        self._expires_at = 0.0
        self._kept: deque[str] = deque(maxlen=4 * _KEPT_GENERATIONS)
        self._redact = Redactor(())

    def __repr__(self) -> str:
        return f"TemporaryCredentials(source={self.source!r})"

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        raise TypeError("credentials are never serialized")

    @property
    def redact(self) -> Redactor:
        """Hides the keys handed out (the last generations), the tokens used to get them, and the base's keys."""
        if self._base is None:
            return self._redact
        return Redactor([*self._redact.secrets, *self._base.redact.secrets])

    def current(self) -> Credentials:
        """The keys for the next request: without a lock while fresh, else after the one renewal."""
        keys = self._keys
        if keys is not None and time.monotonic() < self._renew_at:
            return keys
        return self._refresh(keys, forced=False)

    async def acurrent(self) -> Credentials:
        """``current()``; a renewal runs in a worker thread, so the event loop goes on meanwhile."""
        import asyncio  # here, not above: a synchronous read imports no asyncio

        keys = self._keys
        if keys is not None and time.monotonic() < self._renew_at:
            return keys
        return await asyncio.to_thread(self._refresh, keys, False)

    def renew(self, stale: Credentials) -> Credentials | None:
        """New keys after ``stale`` were refused as expired; the keys another caller renewed meanwhile, if any."""
        return self._refresh(stale, forced=True)

    async def arenew(self, stale: Credentials) -> Credentials | None:
        """``renew()``, in a worker thread."""
        import asyncio

        return await asyncio.to_thread(self._refresh, stale, True)

    def _refresh(self, seen: Credentials | None, forced: bool) -> Credentials:
        """The keys after at most one fetch: ``seen`` are the keys the caller found stale (or none)."""
        with self._lock:
            keys = self._keys
            if keys is not None and (keys is not seen or (not forced and time.monotonic() < self._renew_at)):
                return keys  # renewed while this caller waited for the lock
            try:
                issued = self._fetch(self._kept.append)
            except CssVpcepError as err:
                now = time.monotonic()
                if keys is None or forced or now >= self._expires_at:
                    raise
                # Still valid: keep them, and try again when a tenth of what is left has passed.
                self._renew_at = now + max((self._expires_at - now) / 10, 0.1)
                logger.warning("renewing the keys of %s failed; the current ones are used meanwhile: %s",
                               self.source, err)
                return keys
            now, lifetime = time.monotonic(), max(issued.expires_at - time.time(), 1.0)
            self._expires_at = now + lifetime
            self._renew_at = self._expires_at - min(lifetime * RENEWAL_SHARE, LONGEST_RENEWAL_WINDOW)
            keys = issued.credentials
            self._kept.extend(secret for secret in (keys.access_key, keys.secret_key, keys.security_token) if secret)
            self._redact = Redactor(self._kept)
            self._keys = issued.credentials
            logger.info("obtained temporary keys from %s, valid for %.0f s", self.source, lifetime)
            return issued.credentials


# --- Where the keys come from ---------------------------------------------------------------------------


class Given(NamedTuple):
    """A setting's value and where it was given (``HW_PROFILE``, ``Pulumi config huaweicloud:profile``)."""

    value: str
    place: str


@dataclass(frozen=True)
class AssumeRole:
    """An agency to assume with the keys found: its name, its domain (name or id) and the keys' lifetime."""

    agency_name: str
    domain_name: str | None
    domain_id: str | None
    duration: int
    place: str
    """Where the agency was named, for messages."""

    @property
    def described(self) -> str:
        return f"the agency {self.agency_name} of {self.domain_name or self.domain_id}"


@dataclass(frozen=True)
class CredentialSettings:
    """Every setting that chooses the source of the keys, as ``_settings`` resolved them (no I/O yet)."""

    static: Credentials | None
    """Static keys from configuration or the environment: the first source."""
    static_places: str
    """Where static keys may be given, for the message that says none were found."""
    shared_config_file: Given | None = None
    profile: Given | None = None
    sdk_credentials_file: Given | None = None
    idp_id: Given | None = None
    id_token: Given | None = field(default=None, repr=False)
    id_token_file: Given | None = None
    use_ecs_metadata: bool = False
    metadata_endpoint: str = METADATA_ENDPOINT
    assume_role: AssumeRole | None = None
    duration: int = DEFAULT_DURATION
    """The lifetime asked for OIDC keys (``HW_ASSUME_ROLE_DURATION``)."""
    home: str = "~"
    not_read_here: str = ""
    """A note for the none-found message: keys set where this face does not read them."""


@dataclass(frozen=True)
class OidcSource:
    """Keys exchanged at IAM for an id token from a CI job's identity provider."""

    idp_id: str
    id_token: str | None = field(repr=False)
    id_token_file: str | None
    token_place: str
    duration: int


@dataclass(frozen=True)
class MetadataSource:
    """Keys of the instance's agency, from the ECS metadata API at ``endpoint``."""

    endpoint: str
    asked_by: str


@dataclass(frozen=True)
class AgencySource:
    """An agency assumed with the keys of ``base``."""

    base: Source
    role: AssumeRole


Source = Credentials | OidcSource | MetadataSource | AgencySource
"""A source of keys, as configured; ``provider_for`` turns it into the process's provider."""


class Found(NamedTuple):
    """The source of a read's keys, and the region and project id its KooCLI profile gives, if it does."""

    source: Source
    region: Given | None = None
    project_id: Given | None = None


def _path(given: str, home: str) -> str:
    return os.path.join(home, given[2:]) if given.startswith("~/") else given


def _key(value: Any, what: str) -> str:
    """A credential read from a file: printable ASCII without whitespace, else an error naming ``what``."""
    text = value if isinstance(value, str) else ""
    if not text or not (text.isascii() and text.isprintable()) or " " in text:
        raise ConfigurationError(f"invalid {what}: a credential must be printable ASCII without spaces or line "
                                 "breaks (the value is not shown)")
    return text


def _text(found: Mapping[str, Any], key: str) -> str | None:
    value = found.get(key)
    return value.strip() if isinstance(value, str) and value.strip() else None


def _koocli(given: CredentialSettings) -> Found:
    """The keys of a KooCLI profile: ``AKSK``, ``SSO`` or ``ecsAgency`` mode, and the agency it names."""
    file_given = given.shared_config_file
    path = _path(file_given.value, given.home) if file_given else os.path.join(given.home, ".hcloud", "config.json")
    where = f"the KooCLI file {path}" + (f" ({file_given.place})" if file_given else "")
    try:
        with open(path, encoding="utf-8") as file:
            data = json.load(file)
    except FileNotFoundError:
        raise ConfigurationError(f"{where} does not exist") from None
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else one_line(str(exc), 120)
        raise ConfigurationError(f"cannot read {where}: {reason}") from None
    if not isinstance(data, dict):
        raise ConfigurationError(f"{where} is not a KooCLI configuration (a JSON object)")
    name = given.profile.value if given.profile else _text(data, "current")
    if name is None:
        raise ConfigurationError(f"{where} has no current profile: set HW_PROFILE to one of its profiles")
    profiles = data.get("profiles")
    profile = next((p for p in (profiles if isinstance(profiles, list) else [])
                    if isinstance(p, dict) and p.get("name") == name), None)
    named = f"profile {name!r} of {path}"
    if profile is None:
        chosen = f" ({given.profile.place})" if given.profile else " (the file's current profile)"
        raise ConfigurationError(f"{where} has no profile {name!r}{chosen}")
    if str(data.get("authEncrypt", "")).lower() == "true":
        raise ConfigurationError(
            f"the keys of {named} are encrypted, which only KooCLI can read: store them unencrypted with "
            "`hcloud configure set --cli-auth-encrypt=false` and set the profile's keys again, or give the keys "
            "another way (HW_ACCESS_KEY and HW_SECRET_KEY)"
        )
    mode = _text(profile, "mode") or "AKSK"
    region = _text(profile, "region")
    project_id = _text(profile, "projectId")
    base: Source
    if mode == "ecsAgency":
        base = MetadataSource(given.metadata_endpoint, f"{named} (mode ecsAgency)")
    else:
        keys: Mapping[str, Any] = profile
        if mode == "SSO":
            sso = profile.get("ssoAuth")
            sts = sso.get("stsToken") if isinstance(sso, dict) else None
            keys = sts if isinstance(sts, dict) else {}
        elif mode != "AKSK":
            raise ConfigurationError(f"{named} has mode {mode!r}: only AKSK, SSO and ecsAgency profiles are read")
        if not _text(keys, "accessKeyId") or not _text(keys, "secretAccessKey"):
            place = "ssoAuth.stsToken" if mode == "SSO" else "accessKeyId and secretAccessKey"
            raise ConfigurationError(f"{named} has no keys: set its {place} (KooCLI: `hcloud configure set`)")
        token = _text(keys, "securityToken")
        base = Credentials(
            _key(keys.get("accessKeyId"), f"accessKeyId of {named}"),
            _key(keys.get("secretAccessKey"), f"secretAccessKey of {named}"),
            _key(token, f"securityToken of {named}") if token else None,
            source=f"the keys of {named}",
        )
    agency = _text(profile, "agencyName")
    if agency is not None and given.assume_role is None:
        domain_name, domain_id = _text(profile, "agencyDomainName"), _text(profile, "agencyDomainId")
        if domain_name is None and domain_id is None:
            raise ConfigurationError(f"{named} names agency {agency!r} but no agencyDomainName or agencyDomainId")
        base = AgencySource(base, AssumeRole(agency, domain_name, domain_id, given.duration, named))
    return Found(base, Given(region, named) if region else None, Given(project_id, named) if project_id else None)


def _sdk_file(given: CredentialSettings) -> Found | None:
    """The ``[basic]`` keys of the SDK's credentials file, or ``None`` when the default file does not exist."""
    named = given.sdk_credentials_file
    path = _path(named.value, given.home) if named else os.path.join(given.home, ".huaweicloud", "credentials")
    if named is None and not os.path.isfile(path):
        return None
    import configparser  # only a read that uses the file needs it

    where = f"the SDK credentials file {path}" + (f" ({named.place})" if named else "")
    parser = configparser.ConfigParser(interpolation=None)
    try:
        with open(path, encoding="utf-8") as file:
            parser.read_file(file)
    except FileNotFoundError:
        raise ConfigurationError(f"{where} does not exist") from None
    except (OSError, configparser.Error, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else one_line(str(exc).splitlines()[0], 120)
        raise ConfigurationError(f"cannot read {where}: {reason}") from None
    if not parser.has_section("basic"):
        raise ConfigurationError(f"{where} has no [basic] section")
    section = parser["basic"]
    if not section.get("ak", "").strip() or not section.get("sk", "").strip():
        raise ConfigurationError(f"{where} has no keys: set ak and sk in its [basic] section")
    token = section.get("security_token", "").strip()
    named_keys = f"[basic] of {path}"
    keys = Credentials(
        _key(section["ak"].strip(), f"ak in {named_keys}"),
        _key(section["sk"].strip(), f"sk in {named_keys}"),
        _key(token, f"security_token in {named_keys}") if token else None,
        source=f"the keys of {named_keys}",
    )
    project_id = section.get("project_id", "").strip()
    return Found(keys, None, Given(project_id, named_keys) if project_id else None)


def _oidc(given: CredentialSettings) -> Found | None:
    """OIDC keys when an identity provider and an id token (or its file) are set; an error when only one is."""
    token = given.id_token_file or given.id_token
    if given.idp_id is None and token is None:
        return None
    if given.idp_id is None:
        raise ConfigurationError(f"{token.place if token else ''} is set but HW_ASSUME_ROLE_IDP_ID (the identity "
                                 "provider) is not: set both")
    if token is None:
        raise ConfigurationError(f"{given.idp_id.place} is set but no id token is: set HW_ASSUME_ROLE_ID_TOKEN_FILE "
                                 "(or HW_ASSUME_ROLE_ID_TOKEN)")
    if given.id_token_file is not None:
        source = OidcSource(given.idp_id.value, None, _path(given.id_token_file.value, given.home),
                            given.id_token_file.place, given.duration)
    else:
        assert given.id_token is not None
        _key(given.id_token.value, given.id_token.place)
        source = OidcSource(given.idp_id.value, given.id_token.value, None, given.id_token.place, given.duration)
    return Found(source)


def _nowhere(given: CredentialSettings) -> str:
    """The one line that says no source gave keys, and where each would have been looked for."""
    koocli = os.path.join(given.home, ".hcloud", "config.json")
    unused = f" ({koocli} exists: set HW_PROFILE to use one of its profiles)" if os.path.isfile(koocli) else ""
    sdk = os.path.join(given.home, ".huaweicloud", "credentials")
    return (
        f"no credentials: set an access key and secret key ({given.static_places}); "
        f"or a KooCLI profile (HW_PROFILE or HW_SHARED_CONFIG_FILE){unused}; or the SDK's credentials file "
        f"(HUAWEICLOUD_SDK_CREDENTIALS_FILE, or {sdk}, which does not exist); or OIDC (HW_ASSUME_ROLE_IDP_ID "
        f"with HW_ASSUME_ROLE_ID_TOKEN_FILE); on an ECS instance with an agency, set HW_USE_ECS_METADATA=true"
        f"{given.not_read_here}"
    )


def discover(given: CredentialSettings) -> Found:
    """The first source that is configured, in SPEC's order, with the agency to assume on top; or the
    ``ConfigurationError`` that names where keys were looked for. Reads files; sends nothing."""
    found: Found | None = Found(given.static) if given.static is not None else None
    if found is None and (given.shared_config_file or given.profile):
        found = _koocli(given)
    if found is None:
        found = _sdk_file(given)
    if found is None:
        found = _oidc(given)
    if found is None and given.use_ecs_metadata:
        found = Found(MetadataSource(given.metadata_endpoint, "HW_USE_ECS_METADATA"))
    if found is None:
        if given.assume_role is not None:
            raise ConfigurationError(f"{given.assume_role.place} names an agency, but there are no keys to assume it "
                                     f"with: {_nowhere(given)}")
        raise ConfigurationError(_nowhere(given))
    if given.assume_role is not None:
        found = found._replace(source=AgencySource(found.source, given.assume_role))
    return found


# --- The requests that obtain temporary keys ---------------------------------------------------------------


class _Reach(NamedTuple):
    """Where IAM answers (its origin: scheme, host and port) and how TLS to it is verified."""

    iam_origin: str
    insecure: bool
    ca_bundle: str | None
    ca_dir: str | None


_SUBJECT_TOKEN_HEADER = re.compile(r"(\(b'x-subject-token', b')[^']*(')", re.IGNORECASE)


class _HiddenSubjectToken(logging.Filter):
    """httpcore logs every answer's headers at DEBUG: IAM's ``X-Subject-Token`` is a secret, hidden there."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and "subject-token" in record.msg.lower():
            record.msg = _SUBJECT_TOKEN_HEADER.sub(r"\1<redacted>\2", record.msg)
        return True


@functools.cache
def _hide_subject_tokens_in_httpcore_logs() -> None:
    logging.getLogger("httpcore.http11").addFilter(_HiddenSubjectToken())


def _exchange(
    method: str, url: str, headers: Mapping[str, str], body: bytes, *, what: str, redact: Redactor,
    verify: ssl.SSLContext | bool, retry: RetryPolicy, timeouts: tuple[float, float],
    sign: CredentialsProvider | None = None, passed: Container[int] = (),
) -> Answer:
    """One request for keys, through httpx: an answer below 400 (or of a status in ``passed``), or the error.

    Network failures, 429 and the retried 5xx are tried again up to ``retry``'s count. ``sign``: the keys
    that sign it (an agency's base keys); a 401 saying they expired renews them once. Other refusals are
    configuration errors (exit 3): IAM refuses what the settings named (an agency, a domain, a key, an
    identity provider, a token), and nothing in the read would change that.
    """
    import httpx  # only a read with temporary keys needs it, once per renewal

    _hide_subject_tokens_in_httpcore_logs()
    parts = urlsplit(url)
    host = parts.hostname or ""
    sent = {"host": host_header(parts.scheme, host, parts.port), "user-agent": f"pulumi-css-vpcep/{__version__}",
            **{name.lower(): value for name, value in headers.items()}}
    keys = sign.current() if sign is not None else None
    renewed = False
    attempt = 0
    with httpx.Client(verify=verify, trust_env=True, follow_redirects=False,
                      timeout=httpx.Timeout(timeouts[1], connect=timeouts[0])) as client:
        while True:
            attempt += 1
            signed = dict(sent)
            if keys is not None:
                signed |= HmacSigner(keys).headers_for(method, parts.path, parts.query, sent, body)
            failure: Exception
            try:
                response = client.request(method, url, headers=signed, content=body)
            except httpx.TransportError as exc:
                timeout = Timeout.CONNECT if isinstance(exc, httpx.ConnectTimeout) else (
                    Timeout.READ if isinstance(exc, httpx.TimeoutException) else None)
                failure = NetworkFailure(exc, timeout=timeout)
                retry_after = None
            else:
                answer = Answer(response.status_code, {k.lower(): v for k, v in response.headers.items()},
                                response.content)
                if answer.status_code < 400 or answer.status_code in passed:
                    return answer
                error = api_error(answer, attempt, redact)
                if (answer.status_code == 401 and error.code == TOKEN_EXPIRED_CODE and sign is not None
                        and keys is not None and not renewed):
                    renewed, keys = True, sign.renew(keys) or keys
                    continue
                if answer.status_code < 500 and answer.status_code != 429:
                    raise ConfigurationError(f"{what}: {error}") from None
                failure, retry_after = error, answer.headers.get("retry-after")
            delay = retry.delay(attempt, retry_after)
            if delay is None:
                origin = f"{parts.scheme}://{parts.netloc}"
                raise final_error(failure, attempt, host, redact, what, origin) from None
            time.sleep(delay)


def _json(answer: Answer, what: str) -> dict[str, Any]:
    try:
        body = json.loads(answer.content)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise TransportError(f"{what}: the answer is not a JSON object")
    return body


def _issued(answer: Answer, what: str, source: str) -> Issued:
    """The keys of a ``{"credential": {"access", "secret", "securitytoken", "expires_at"}}`` answer."""
    credential = _json(answer, what).get("credential")
    found = credential if isinstance(credential, dict) else {}
    try:
        expires = datetime.fromisoformat(str(found.get("expires_at"))).timestamp()
        keys = Credentials(
            _key(found.get("access"), f"access key in {what}'s answer"),
            _key(found.get("secret"), f"secret key in {what}'s answer"),
            _key(found.get("securitytoken"), f"security token in {what}'s answer"),
            source=source,
        )
    except (ValueError, ConfigurationError):
        raise TransportError(f"{what}: the answer has no usable credential (access, secret, securitytoken, "
                             "expires_at)") from None
    return Issued(keys, expires)


def _verify(reach: _Reach) -> ssl.SSLContext:
    return context_for((reach.iam_origin,), reach.insecure, reach.ca_bundle, reach.ca_dir)


_JSON_HEADERS = {"Content-Type": "application/json;charset=UTF-8", "Accept": "application/json"}


def _assume(
    source: AgencySource, base: CredentialsProvider, reach: _Reach, described: str
) -> Callable[[Callable[[str], None]], Issued]:
    role = source.role
    domain = {"domain_name": role.domain_name} if role.domain_name else {"domain_id": role.domain_id}
    body = json.dumps({"auth": {"identity": {"methods": ["assume_role"], "assume_role": {
        "agency_name": role.agency_name, **domain, "duration_seconds": role.duration}}}}).encode()
    what = f"assuming {role.described} ({role.place})"

    def fetch(seen: Callable[[str], None]) -> Issued:  # noqa: ARG001 - signed with the base's keys, no token
        answer = _exchange("POST", f"{reach.iam_origin}/v3.0/OS-CREDENTIAL/securitytokens", _JSON_HEADERS, body,
                           what=what, redact=base.redact, verify=_verify(reach), retry=_IAM_RETRY,
                           timeouts=_IAM_TIMEOUTS, sign=base)
        return _issued(answer, what, described)

    return fetch


def _read_token(source: OidcSource) -> str:
    if source.id_token is not None:
        return source.id_token
    assert source.id_token_file is not None
    try:
        with open(source.id_token_file, encoding="utf-8") as file:
            token = file.read().strip()
    except OSError as exc:
        raise ConfigurationError(f"cannot read the id token file {source.id_token_file} ({source.token_place}): "
                                 f"{exc.strerror or exc}") from None
    return _key(token, f"id token in {source.id_token_file} ({source.token_place})")


def _oidc_fetch(source: OidcSource, reach: _Reach, described: str) -> Callable[[Callable[[str], None]], Issued]:
    what = f"exchanging the id token of identity provider {source.idp_id} ({source.token_place})"

    def fetch(seen: Callable[[str], None]) -> Issued:
        token = _read_token(source)  # again at each renewal: CI rotates the file
        seen(token)
        redact = Redactor((token,))
        answer = _exchange(
            "POST", f"{reach.iam_origin}/v3.0/OS-AUTH/id-token/tokens", {**_JSON_HEADERS, "X-Idp-Id": source.idp_id},
            json.dumps({"auth": {"id_token": {"id": token}}}).encode(), what=what, redact=redact,
            verify=_verify(reach), retry=_IAM_RETRY, timeouts=_IAM_TIMEOUTS,
        )
        subject = answer.headers.get("x-subject-token")
        if not subject:
            raise TransportError(f"{what}: IAM's answer has no X-Subject-Token")
        seen(subject)
        redact = Redactor((token, subject))
        answer = _exchange(
            "POST", f"{reach.iam_origin}/v3.0/OS-CREDENTIAL/securitytokens", _JSON_HEADERS,
            json.dumps({"auth": {"identity": {"methods": ["token"], "token": {
                "id": subject, "duration_seconds": source.duration}}}}).encode(),
            what=what, redact=redact, verify=_verify(reach), retry=_IAM_RETRY, timeouts=_IAM_TIMEOUTS,
        )
        return _issued(answer, what, described)

    return fetch


def _metadata_fetch(source: MetadataSource, described: str) -> Callable[[Callable[[str], None]], Issued]:
    what = f"the metadata API at {source.endpoint} ({source.asked_by})"

    def fetch(seen: Callable[[str], None]) -> Issued:
        answer = _exchange("PUT", f"{source.endpoint}/meta-data/latest/api/token",
                           {"X-Metadata-Token-Ttl-Seconds": _METADATA_TOKEN_TTL}, b"", what=what,
                           redact=Redactor(()), verify=False, retry=_METADATA_RETRY, timeouts=_METADATA_TIMEOUTS,
                           passed=(404, 405))
        headers: dict[str, str] = {}
        if answer.status_code == 200 and answer.content.strip():  # a 404 or 405: no session tokens, go on without
            headers["X-Metadata-Token"] = answer.text.strip()
            seen(headers["X-Metadata-Token"])
        redact = Redactor(headers.values())
        answer = _exchange("GET", f"{source.endpoint}/openstack/latest/securitykey", headers, b"", what=what,
                           redact=redact, verify=False, retry=_METADATA_RETRY, timeouts=_METADATA_TIMEOUTS,
                           passed=(404,))
        if answer.status_code >= 400:
            raise ConfigurationError(f"{what}: HTTP {answer.status_code}: {one_line(redact(answer.text), 200)} "
                                     "(is an agency attached to this instance?)")
        return _issued(answer, what, described)

    return fetch


class _Providers:
    """One provider per source, per IAM endpoint and TLS setting, for the life of the process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._made: dict[tuple[Source, _Reach], CredentialsProvider] = {}

    def __repr__(self) -> str:
        return f"Providers({len(self._made)} source(s))"

    def get(self, source: Source, reach: _Reach) -> CredentialsProvider:
        if isinstance(source, Credentials):
            return source
        key = (source, reach)
        with self._lock:
            found = self._made.get(key)
        if found is not None:
            return found
        made = self._make(source, reach)
        with self._lock:
            return self._made.setdefault(key, made)

    def _make(self, source: Source, reach: _Reach) -> CredentialsProvider:
        if isinstance(source, AgencySource):
            base = self.get(source.base, reach)
            described = f"{source.role.described} assumed with {base.source}"
            identity = _hash("agency", base.identity, source.role.agency_name, source.role.domain_name,
                             source.role.domain_id, reach.iam_origin)
            return TemporaryCredentials(described, identity, _assume(source, base, reach, described), base)
        if isinstance(source, OidcSource):
            described = f"the keys of identity provider {source.idp_id} ({source.token_place})"
            identity = _hash("oidc", source.idp_id, source.id_token_file, source.id_token, reach.iam_origin)
            return TemporaryCredentials(described, identity, _oidc_fetch(source, reach, described))
        assert isinstance(source, MetadataSource)
        described = f"the instance's agency ({source.asked_by})"
        return TemporaryCredentials(described, _hash("metadata", source.endpoint), _metadata_fetch(source, described))

    def clear(self) -> None:
        """Forget every provider and its keys (tests, or a program that wants new keys)."""
        with self._lock:
            self._made.clear()


PROVIDERS = _Providers()
"""The credential providers of this process, shared by every read."""


def provider_for(source: Source, iam_endpoint: str, insecure: bool, ca_bundle: str | None,
                 ca_dir: str | None) -> CredentialsProvider:
    """The process's provider of ``source``'s keys; IAM calls for them go to the origin of ``iam_endpoint``
    (its scheme, host and port: ``HW_AUTH_URL`` without ``/v3``), with the read's TLS settings."""
    if isinstance(source, Credentials):
        return source  # static keys: nothing to share or renew
    parts = urlsplit(iam_endpoint)
    return PROVIDERS.get(source, _Reach(f"{parts.scheme}://{parts.netloc}", insecure, ca_bundle, ca_dir))
