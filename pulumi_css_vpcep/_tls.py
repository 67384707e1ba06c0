"""TLS for a read: which certificates are trusted, and what a failed handshake means.

Verification is on unless ``HW_INSECURE`` turns it off. A CA store is loaded only when a read will
contact an ``https`` endpoint, and again only when its file changes (a long-lived plugin process sees a
rotated bundle); httpx's sync and async clients get the same contexts. A failed handshake is told
apart by the ``ssl`` exception in the failure's chain: a verification failure
(``ssl.SSLCertVerificationError``) cannot succeed on a retry; any other ``ssl.SSLError`` may be a
network hiccup or a server that does not speak TLS at all, which ``answers_plain_http`` settles.
"""

from __future__ import annotations

import functools
import os
import socket
import ssl
from collections.abc import Iterable
from typing import Protocol

from .errors import ConfigurationError

INSECURE_WARNING = "TLS certificate verification is off (HW_INSECURE): the service's identity is not checked"
"""The line a read logs at WARNING, every time, when verification is off."""


def _identity(path: str | None) -> tuple[int, int, int, int] | None:
    """What tells one version of a file or directory from another: device, inode, size, modification."""
    if not path:
        return None
    try:
        found = os.stat(path)
    except OSError:
        return None  # loading it fails, and says why
    return found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns


@functools.lru_cache(maxsize=8)
def _verifying_context(
    cert_file: str | None, cert_dir: str | None, identity: tuple[object, ...]  # noqa: ARG001 (part of the key)
) -> ssl.SSLContext:
    """A verifying context trusting ``SSL_CERT_FILE``, else ``SSL_CERT_DIR``, else certifi's CAs (httpx's
    default). Loading a CA store takes about 20 ms, so a context is kept while ``identity``, the files'
    version, stays the same; a replaced or rewritten bundle gets a new context."""
    if cert_file:
        try:
            return ssl.create_default_context(cafile=cert_file)
        except (OSError, ssl.SSLError) as exc:
            raise ConfigurationError(f"SSL_CERT_FILE {cert_file!r} cannot be used as a CA bundle: {exc}") from None
    if cert_dir:
        return ssl.create_default_context(capath=cert_dir)
    import certifi

    return ssl.create_default_context(cafile=certifi.where())


@functools.lru_cache(maxsize=1)
def _trust_nothing_context() -> ssl.SSLContext:
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


@functools.lru_cache(maxsize=1)
def _unverified_context() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


class TlsChoices(Protocol):
    """What decides a read's TLS context: ``_settings.Settings`` has these (named here, so that the modules
    that make requests for credentials can ask for a context too)."""

    @property
    def insecure(self) -> bool: ...
    @property
    def ca_bundle(self) -> str | None: ...
    @property
    def ca_dir(self) -> str | None: ...
    @property
    def project_id(self) -> str | None: ...
    @property
    def css_endpoint(self) -> str: ...
    @property
    def iam_endpoint(self) -> str: ...


def verify_for(settings: TlsChoices) -> ssl.SSLContext:
    """The TLS context of a read with these settings (httpx's ``verify``): one that verifies nothing when
    insecure, else a verifying one.

    Raises ``ConfigurationError`` when ``SSL_CERT_FILE`` names no usable CA bundle.
    """
    # IAM is asked only for a project id that no setting gives.
    contacted = (settings.css_endpoint,) if settings.project_id else (settings.css_endpoint, settings.iam_endpoint)
    return context_for(contacted, settings.insecure, settings.ca_bundle, settings.ca_dir)


def context_for(
    contacted: Iterable[str], insecure: bool, ca_bundle: str | None, ca_dir: str | None
) -> ssl.SSLContext:
    """The TLS context for requests to the URLs ``contacted``: unverified when ``insecure``, else one that
    trusts ``ca_bundle`` (``SSL_CERT_FILE``), else ``ca_dir`` (``SSL_CERT_DIR``), else certifi's CAs."""
    if insecure:
        return _unverified_context()
    if not any(url.startswith("https:") for url in contacted):
        # Plain http, which settings allow only to loopback: no CA store to load. A context that trusts
        # nothing still refuses any https it might meet.
        return _trust_nothing_context()
    identity = (_identity(ca_bundle), _identity(ca_dir))
    return _verifying_context(ca_bundle, ca_dir, identity)


def chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and the exceptions it was raised from, outermost first: where httpx keeps the ``ssl`` one."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def is_verification_failure(exc: BaseException) -> bool:
    """Whether a failed request failed because the server's certificate is not trusted."""
    return any(isinstance(link, ssl.SSLCertVerificationError) for link in chain(exc))


def handshake_failure(exc: BaseException) -> ssl.SSLError | None:
    """The ``ssl`` error that ended a TLS handshake (other than a verification failure), if one did."""
    for link in chain(exc):
        if isinstance(link, ssl.SSLError) and not isinstance(link, ssl.SSLCertVerificationError):
            return link
    return None


def host_header(scheme: str, host: str, port: int | None) -> str:
    """``Host`` as httpx sends it: the host, bracketed if IPv6, with its port unless the scheme's default."""
    shown = f"[{host}]" if ":" in host else host
    default = 443 if scheme == "https" else 80
    return shown if port is None or port == default else f"{shown}:{port}"


def answers_plain_http(scheme: str, host: str, port: int | None, timeout: float) -> bool:
    """Whether the server at ``scheme://host:port`` answers a plain-text HTTP request on its port.

    Asked only after a TLS handshake with it failed or timed out, to tell a plain-HTTP port (a mismatch
    no retry mends) from a flaky network. The probe is ``HEAD /`` without credentials; nothing of the
    read is sent. A TLS port that refuses plain HTTP answers 400 (nginx, Apache, Go do): not a mismatch.
    """
    probe = f"HEAD / HTTP/1.1\r\nHost: {host_header(scheme, host, port)}\r\nConnection: close\r\n\r\n"
    try:
        address = (host, port or (443 if scheme == "https" else 80))
        with socket.create_connection(address, timeout=timeout) as connection:
            connection.sendall(probe.encode("ascii"))
            head = b""
            while len(head) < 12 and (more := connection.recv(12 - len(head))):
                head += more
    except OSError:
        return False
    # "HTTP/1.1 401": the status is the three digits after the first space.
    return head.startswith(b"HTTP/") and head[9:12] != b"400"
