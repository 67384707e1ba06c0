"""From HTTP to the errors of ``errors.py``: the one place where an answer or a network failure becomes
the project's error, whichever httpx client (sync or async) got it.

Every text that reaches an error passes through ``Redactor``, which removes the read's credentials in
every form an HTTP stack or a server might echo them (as sent, escaped as in a repr, as bytes,
percent-encoded, JSON-escaped), so no error can show a secret whatever its cause.
"""

from __future__ import annotations

import codecs
import enum
import json
import re
import socket
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any, NoReturn
from urllib.parse import quote, quote_plus

from ._tls import chain, is_verification_failure
from .errors import ApiError, CssVpcepError, TransportError


class Answer:
    """An HTTP answer, as each transport hands it over: its status, its headers by lower-case name, its body."""

    __slots__ = ("content", "headers", "status_code")

    def __init__(self, status_code: int, headers: Mapping[str, str], content: bytes) -> None:
        self.status_code = status_code
        self.headers = headers
        self.content = content

    @property
    def reason_phrase(self) -> str:
        """The standard phrase of the status (not the server's own words)."""
        try:
            return HTTPStatus(self.status_code).phrase
        except ValueError:
            return ""

    @property
    def text(self) -> str:
        found = _CHARSET.search(self.headers.get("content-type") or "")
        charset = found.group(1).strip("'\"") if found else "utf-8"
        try:
            codecs.lookup(charset)
        except LookupError:
            charset = "utf-8"
        return self.content.decode(charset, errors="replace")


class Timeout(enum.Enum):
    """The phase of a request that ran out of time, in the words of an error message."""

    CONNECT = "connecting"
    WRITE = "sending the request"
    READ = "waiting for the answer"
    POOL = "waiting for a free connection"


class NetworkFailure(Exception):
    """A request that got no answer: the transport's exception (its cause), and what kind of failure it was.

    ``timeout`` is the phase that timed out, if one did; ``unsendable`` is a request this client cannot
    send, which no retry mends. Its text is the transport's, unless ``detail`` words it.
    """

    def __init__(
        self,
        error: BaseException,
        *,
        timeout: Timeout | None = None,
        unsendable: bool = False,
        detail: str | None = None,
    ) -> None:
        super().__init__(detail if detail is not None else str(error))
        self.__cause__ = error
        self.timeout = timeout
        self.unsendable = unsendable


REDACTED = "<redacted>"
_CHARSET = re.compile(r"charset=([^;\s]+)", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_PIECES = re.compile(r"[\s\x00-\x1f\x7f]+")
_SHORTEST_PIECE = 6
"""Pieces of a secret split by whitespace or control characters are hidden too when at least this long."""


class UnreadableAnswer(Exception):
    """A 2xx answer whose body is not the JSON object it should be."""


def one_line(text: str, limit: int = 300) -> str:
    """``text`` on one line of printable characters, cut to ``limit``."""
    line = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


class Redactor:
    """Replaces every form of a set of secrets in a text with ``<redacted>``."""

    def __init__(self, secrets: Iterable[str | None]) -> None:
        self.secrets = tuple(dict.fromkeys(secret for secret in secrets if secret))
        """The secrets it hides (another Redactor may be built from them and more)."""
        forms: set[str] = set()
        for secret in self.secrets:
            forms.update(_forms(secret))
        # Longest first, so that a form is never half-replaced by a shorter one inside it.
        self._forms = sorted(forms, key=len, reverse=True)

    def __repr__(self) -> str:
        return f"Redactor({len(self.secrets)} secret(s))"

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        raise TypeError("a Redactor holds secrets and is never serialized")

    def __call__(self, text: str) -> str:
        for form in self._forms:
            if form in text:
                text = text.replace(form, REDACTED)
        return text


def _forms(secret: str) -> set[str]:
    """The ways ``secret`` can appear in a text: as it is, repr- and bytes-escaped, percent- and
    JSON-encoded, and its long pieces between whitespace or control characters."""
    utf8 = secret.encode("utf-8", "backslashreplace")
    forms = {
        secret,
        repr(secret)[1:-1],
        ascii(secret)[1:-1],
        repr(utf8)[2:-1],
        secret.encode("unicode_escape").decode("ascii"),
        quote(secret, safe=""),
        quote_plus(secret, safe=""),
        json.dumps(secret)[1:-1],
        utf8.decode("latin-1"),
        " ".join(_PIECES.split(secret)).strip(),
    }
    forms.update(piece for piece in _PIECES.split(secret) if len(piece) >= _SHORTEST_PIECE)
    return {form for form in forms if form}


def _error_fields(body: Any) -> tuple[str | None, str | None]:
    """The (code, message) of every error body shape the service, IAM and the gateway send, as sent."""
    if not isinstance(body, dict):
        return None, None
    nested = body.get("error")
    if isinstance(nested, dict):
        body = nested
    for code_key, message_key in (
        ("errCode", "externalMessage"),
        ("error_code", "error_msg"),
        ("code", "message"),
    ):
        code, message = body.get(code_key), body.get(message_key)
        if code is not None or message is not None:
            if message is None and code_key == "errCode":
                message = body.get("errMsg")
            return (str(code) if code is not None else None, str(message) if message is not None else None)
    return None, None


def api_error(
    response: Answer, attempts: int = 1, redact: Redactor | None = None, key_source: str | None = None
) -> ApiError:
    """The ``ApiError`` for an error response, whatever shape its body has (JSON, HTML, text, none).

    Every text taken from the answer is redacted (when ``redact`` is given) and put on one line. A 401 says
    which source gave the key that signed the request (``key_source``: ``the key from HW_ACCESS_KEY``).
    """
    clean = redact or Redactor(())
    request_id = response.headers.get("x-request-id")
    try:
        body = json.loads(response.content)
    except ValueError:
        body = None
    code, message = _error_fields(body)
    if isinstance(body, dict) and not request_id:
        found = body.get("request_id") or body.get("requestId")
        request_id = str(found) if found else None
    if message is not None:
        message = one_line(clean(message))
    else:
        text = clean(response.text)
        if "html" in (response.headers.get("content-type") or "").lower() or text.lstrip().startswith("<"):
            title = _TITLE.search(text)
            shown = one_line(_TAG.sub(" ", title.group(1) if title else text), 120)
            message = f"the gateway answered with an HTML page: {shown or 'no title'}"
        elif text.strip():
            message = one_line(text)
        else:
            message = response.reason_phrase or "no message"
    if response.status_code == 401 and key_source:
        message = f"{message} (signed with {key_source})"
    return ApiError(
        response.status_code,
        one_line(clean(code)) if code else None,
        message,
        one_line(clean(request_id)) if request_id else None,
        attempts=attempts,
    )


def json_object(response: Answer) -> dict[str, Any]:
    """The JSON object of a 2xx answer; ``UnreadableAnswer`` when it is anything else."""
    try:
        body = json.loads(response.content)
    except ValueError as exc:
        raise UnreadableAnswer(f"the answer is not JSON ({one_line(str(exc), 120)})") from None
    if not isinstance(body, dict):
        raise UnreadableAnswer(f"the answer is a JSON {type(body).__name__}, not an object")
    return body


def name_lookup_failure(error: BaseException) -> socket.gaierror | None:
    """The failed name lookup (DNS) in ``error``'s chain, if that is what failed: a host that does not
    resolve now will not resolve a second later, so it is not worth a retry."""
    return next((link for link in chain(error) if isinstance(link, socket.gaierror)), None)


def connection_refused(error: BaseException) -> ConnectionRefusedError | None:
    """The refusal in ``error``'s chain, if the host refused the connection: nothing listens on that port."""
    return next((link for link in chain(error) if isinstance(link, ConnectionRefusedError)), None)


def tls_mismatch_error(host: str, port: int | None) -> TransportError:
    """The error for an ``https`` URL whose port answers in plain HTTP."""
    return TransportError(
        f"TLS/HTTP mismatch: {host}:{port or 443} answers in plain HTTP, not TLS "
        "(check the endpoint's port; http:// is allowed only to a loopback address)"
    )


def final_error(
    error: Exception, attempts: int, host: str, redact: Redactor, subject: str | None = None, origin: str | None = None
) -> CssVpcepError:
    """The project's error for the last failure of a request to ``host`` (at ``origin``, the endpoint's scheme,
    host and port), after ``attempts`` attempts; about ``subject`` (``cluster 4f3d...``) when given."""
    if isinstance(error, ApiError):
        return ApiError(error.status, error.code, error.message, error.request_id, attempts=attempts, subject=subject)
    found = error if isinstance(error, CssVpcepError) else _network_error(error, attempts, host, redact, origin or host)
    return type(found)(f"{subject}: {found}") if subject else found


def _network_error(error: Exception, attempts: int, host: str, redact: Redactor, origin: str) -> TransportError:
    suffix = f" after {attempts} attempts" if attempts > 1 else ""
    if isinstance(error, UnreadableAnswer):
        return TransportError(f"unreadable answer from {host}: {redact(str(error))}{suffix}")
    if isinstance(error, NetworkFailure) and error.timeout:
        return TransportError(f"timed out talking to {origin} ({error.timeout.value}){suffix}")
    lookup = name_lookup_failure(error)
    if lookup is not None:
        reason = one_line(redact(lookup.strerror or str(lookup)), 120)
        return TransportError(f"cannot resolve {host}: {reason} (check the endpoint, the region and the cloud)")
    if connection_refused(error) is not None:
        return TransportError(f"connection refused by {origin}{suffix} (check the endpoint's host and port)")
    if is_verification_failure(error):
        return TransportError(
            f"TLS verification failed for {host}: {one_line(redact(str(error)), 200)} "
            "(trust its CA with SSL_CERT_FILE)"
        )
    cause = error.__cause__ if isinstance(error, NetworkFailure) else error
    detail = one_line(redact(str(error)), 200) or type(cause).__name__
    return TransportError(f"network failure talking to {origin}: {detail}{suffix}")
