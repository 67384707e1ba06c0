"""Who is connected that should not be: the audit's rules, as plain functions over a read's outputs (no I/O).

``css-vpcep audit`` and the policy pack in ``examples/policy-pack`` apply the same ``findings``.

The whitelist is the outputs' ``permissions``; each entry's ``permission`` is written as the VPC Endpoint
service documents it:

- ``iam:domain::{account id}`` admits that account (older entries hold the bare account id);
- ``*``, or ``iam:domain::*``, admits every account;
- ``organizations:orgPath::{path}`` admits the accounts under an organization path, and
  ``iam:domainName::{pattern}`` accounts by name: neither can be judged from a connection's account id, so
  they admit nothing here, and a finding says that the whitelist has such entries.

The service also admits its own account without an entry, and the outputs do not name that account: a
connection from it is a finding unless the account is listed (``allowed`` replaces the whitelist).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

from ._fields import read_stored
from ._settings import parse_duration

DOMAIN_PREFIX = "iam:domain::"
"""How the whitelist writes an account id."""
EVERYONE = "*"
"""The whitelist entry (or account id) that admits every account."""
PENDING = "pendingAcceptance"
"""The status of a connection waiting for the service's owner to accept it."""
AUDITED_TYPES = ("css-vpcep:index:VpcepConnections", "pulumi-python:dynamic/css-vpcep:VpcepConnections")
"""The resource types whose outputs a policy audits: the plugin's resource, and the Python dynamic resource
(``VpcepConnections`` registers its own type, so no other dynamic resource is mistaken for it)."""
MAX_PENDING = 10 * 365 * 86400.0
"""The longest ``max_pending`` a person may give, in seconds: ten years (``87600h``)."""


class Finding(NamedTuple):
    """A connection the audit reports: its id, its consumer's account, and why."""

    connection_id: str | None
    domain_id: str | None
    reason: str

    def line(self) -> str:
        """The finding as one line: ``connection ID (account D): reason``."""
        return f"connection {self.connection_id or '(no id)'} (account {self.domain_id or 'unknown'}): {self.reason}"

    def as_json(self) -> dict[str, Any]:
        """The finding as a JSON object: ``connection_id``, ``domain_id``, ``reason``."""
        return self._asdict()


class Whitelist(NamedTuple):
    """The accounts admitted: by id, or every one; and the entries that cannot be judged by an account id."""

    domain_ids: frozenset[str]
    everyone: bool
    unjudged: tuple[str, ...]

    def admits(self, domain_id: str | None) -> bool:
        """Whether a connection from ``domain_id`` is admitted (an unknown account is not)."""
        return self.everyone or (domain_id is not None and domain_id.casefold() in self.domain_ids)


def whitelist(entries: Iterable[str | None]) -> Whitelist:
    """The accounts that ``entries`` admit: whitelist entries (``iam:domain::ID``, a bare ``ID``, ``*``) or
    account ids as a person lists them."""
    domain_ids: set[str] = set()
    everyone = False
    unjudged: list[str] = []
    for entry in entries:
        text = (entry or "").strip()
        if not text:
            continue
        account = text[len(DOMAIN_PREFIX):] if text.startswith(DOMAIN_PREFIX) else text
        if account == EVERYONE:
            everyone = True
        elif ":" in account:  # organizations:orgPath::..., iam:domainName::...
            unjudged.append(text)
        else:
            domain_ids.add(account.casefold())
    return Whitelist(frozenset(domain_ids), everyone, tuple(unjudged))


def service_whitelist(outputs: Mapping[str, Any]) -> Whitelist:
    """The whitelist of a read's outputs (``permissions[].permission``)."""
    return whitelist(p.get("permission") for p in outputs.get("permissions") or [])


def created(connection: Mapping[str, Any]) -> datetime | None:
    """When a connection was created (``created_at``, ISO 8601, UTC when it names no zone), if readable."""
    value = connection.get("created_at")
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def duration_words(seconds: float) -> str:
    """``seconds`` as a person reads a long duration: ``3d4h``, ``2h5m``, ``90s``."""
    whole = int(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [(days, "d"), (hours, "h"), (minutes, "m")] if days or hours or minutes else [(secs, "s")]
    shown = "".join(f"{n}{unit}" for n, unit in parts if n)
    return shown or "0s"


def findings(
    outputs: Mapping[str, Any],
    *,
    allowed: Sequence[str] | None = None,
    max_pending: float | None = None,
    now: datetime | None = None,
) -> list[Finding]:
    """The audit of a read's outputs, in the order of its connections: each connection whose account is not
    admitted, by the service's whitelist or, when given, by ``allowed`` (account ids or whitelist entries,
    which replace the whitelist); and, when ``max_pending`` (seconds) is given, each connection pending
    acceptance for longer, by its ``created_at`` (one whose creation time is unreadable is reported too).
    ``outputs`` may be spelled in snake_case (a read's, the dynamic resource's) or camelCase (the plugin's)."""
    outputs = read_stored(outputs)  # either spelling: a read's, or a plugin's camelCase state
    admitted = service_whitelist(outputs) if allowed is None else whitelist(allowed)
    by = "on the whitelist" if allowed is None else "among the allowed accounts"
    moment = now or datetime.now(UTC)
    found = []
    for connection in outputs.get("connections") or []:
        connection_id, domain_id = connection.get("id"), connection.get("domain_id")
        status = connection.get("status") or "unknown"
        if not admitted.admits(domain_id):
            why = f"{status}, and its account is " + (f"not {by}" if domain_id else "not given")
            if admitted.unjudged:
                unjudged = ", ".join(admitted.unjudged)
                why += f" (entries by organization path or account name are not checked: {unjudged})"
            found.append(Finding(connection_id, domain_id, why))
        if max_pending is not None and str(status).casefold() == PENDING.casefold():
            since = created(connection)
            if since is None:
                found.append(Finding(connection_id, domain_id, "pending acceptance since an unreadable time"))
            elif (age := (moment - since).total_seconds()) > max_pending:
                found.append(Finding(
                    connection_id, domain_id,
                    f"pending acceptance for {duration_words(age)} (since {connection.get('created_at')}), "
                    f"longer than {duration_words(max_pending)}",
                ))
    return found


def as_plain(value: Any) -> Any:
    """A value read through mappings and sequences (a policy's read-only views of a resource's outputs) as plain
    dicts and lists: the outputs ``findings`` takes."""
    if isinstance(value, Mapping):
        return {key: as_plain(item) for key, item in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return [as_plain(item) for item in value]
    return value


def policy_rules(config: Mapping[str, Any]) -> dict[str, Any]:
    """``findings``' keyword arguments from a policy's configuration: ``allowDomains`` (a list of account ids)
    and ``maxPending`` (a duration such as ``72h``); ``ValueError`` naming the key for a malformed value."""
    allowed = config.get("allowDomains")
    if allowed is not None and (not isinstance(allowed, list) or not all(isinstance(a, str) for a in allowed)):
        raise ValueError("allowDomains must be a list of account ids")
    given = config.get("maxPending")
    try:
        max_pending = None if given is None else parse_duration(str(given), MAX_PENDING)
    except ValueError as err:
        raise ValueError(f"maxPending: {err}") from None
    return {"allowed": allowed, "max_pending": max_pending}
