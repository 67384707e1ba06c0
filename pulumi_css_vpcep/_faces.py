"""What the two Pulumi faces share: the inputs and their checks, what a stored state names, replace or
drift, and the output names.

Everything here speaks snake_case plain values, the names of ``models``. The dynamic resource uses
them as they are; the plugin turns its camelCase property values into them at its edge (``camel_case``
is the one spelling rule). Stored outputs are read back by the field table (``_fields``), so nothing
here imports Pulumi or pydantic (a test holds the names to the models).
"""

from __future__ import annotations

import difflib
import json
import threading
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any, NamedTuple

from ._fields import camel_case as camel_case  # the faces' one spelling rule
from ._fields import read_stored, resource_id
from ._settings import (
    CONFIG_KEYS,
    CREDENTIAL_KEYS,
    PROJECT_CONFIG_KEYS,
    PROJECT_CONFIG_NAMESPACE,
    parse_resource_id,
    validate_endpoint,
    validate_id,
    validate_region,
)
from ._wait import WaitFor, wait_for
from .errors import InvalidInputError

INPUT_NAMES = ("cluster_id", "project_id", "region", "endpoint")
"""The inputs (``VpcepConnectionsArgs``'s fields): what is read. Each is also an output, and a change of
any replaces the resource."""
REQUIRED_INPUTS = ("cluster_id",)
"""The inputs that must be given."""
OUTPUT_NAMES = (*INPUT_NAMES, "connections", "permissions", "vpc_service_name", "vpcep_update_switch", "total_count")
"""The outputs of the resource and the function (``VpcepConnectionsResult``'s fields), in order."""
COMPUTED_NAMES = tuple(name for name in OUTPUT_NAMES if name not in INPUT_NAMES)
"""The outputs that only a read gives."""
WAIT_INPUT = "wait_for"
"""The resource's input that makes its create and update end only once connections have a status
(``_wait.WaitFor``: ``endpoint_ids`` and ``status``). Not an input of the function; stored beside the outputs
so that a diff sees it change, which updates (and waits), never replaces."""

_CHECKS: dict[str, Callable[[Any, str], str]] = {
    "cluster_id": validate_id,
    "project_id": validate_id,
    "region": validate_region,
    "endpoint": validate_endpoint,
}
assert tuple(_CHECKS) == INPUT_NAMES, "every input has exactly one check"


class Unknown:
    """A value not known yet (an input computed by another resource, during a preview)."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = Unknown()
Inputs = dict[str, "str | Unknown | None"]
"""Checked inputs by snake_case name: a well-formed value, ``UNKNOWN``, or ``None`` when not given."""


class Failure(NamedTuple):
    """A refused input: its name as the face spells it, and why (a ``CheckFailure``'s two fields)."""

    name: str
    reason: str


def check_inputs(
    given: Mapping[str, Any],
    spell: Callable[[str], str] = str,
    *,
    allow_unknown: bool = True,
    only_inputs: bool = False,
    resource: bool = False,
) -> tuple[Inputs, list[Failure]]:
    """Check inputs without sending anything: the values to use, and a failure for each bad one.

    :param given: the inputs by the face's names (``spell(name)``), each a plain value or ``UNKNOWN``.
    :param allow_unknown: whether an unknown value passes (a preview) or is refused (a function call).
    :param only_inputs: whether a name that is not an input (other than an engine's ``__`` key) fails.
    :param resource: whether the resource's own input (``WAIT_INPUT``, checked by ``check_wait``) is an input.
    """
    inputs: Inputs = {}
    failures: list[Failure] = []
    spelled = [spell(name) for name in INPUT_NAMES]
    if only_inputs:
        known_keys = [*spelled, spell(WAIT_INPUT)] if resource else spelled
        extra = sorted(key for key in given if key not in known_keys and not key.startswith("__"))
        failures += [Failure(key, f"unknown input {key!r}: expected one of {', '.join(spelled)}") for key in extra]
    for name, key in zip(INPUT_NAMES, spelled, strict=True):
        value = given.get(key)
        inputs[name] = None
        if value is None:
            if name in REQUIRED_INPUTS:
                failures.append(Failure(key, f"{key} is required"))
        elif isinstance(value, Unknown):
            if allow_unknown:
                inputs[name] = UNKNOWN
            else:
                failures.append(Failure(key, f"{key} must be known"))
        else:
            try:
                inputs[name] = _CHECKS[name](value, key)
            except InvalidInputError as err:
                failures.append(Failure(key, str(err)))
    return inputs, failures


def _has_unknown(value: Any) -> bool:
    if isinstance(value, Unknown):
        return True
    if isinstance(value, Mapping):
        return any(_has_unknown(item) for item in value.values())
    return isinstance(value, list | tuple) and any(_has_unknown(item) for item in value)


def check_wait(
    given: Mapping[str, Any], spell: Callable[[str], str] = str
) -> tuple[WaitFor | Unknown | None, list[Failure]]:
    """The resource's wait input among ``given`` (by the face's names): ``None`` when not given, ``UNKNOWN`` while
    any part of it is not known (a preview, which never waits), else a checked ``WaitFor``; and its failure."""
    key = spell(WAIT_INPUT)
    value = given.get(key)
    if value is None:
        return None, []
    if _has_unknown(value):
        return UNKNOWN, []
    ids, status = spell("endpoint_ids"), spell("status")
    if not isinstance(value, Mapping):
        return None, [Failure(key, f"{key} must be an object with {ids} and {status}")]
    extra = sorted(k for k in value if k not in (ids, status))
    if extra:
        return None, [Failure(key, f"unknown field {extra[0]!r} of {key}: expected {ids} and {status}")]
    try:
        return wait_for(value.get(ids), value.get(status), (f"{key}.{ids}", f"{key}.{status}")), []
    except InvalidInputError as err:
        return None, [Failure(key, str(err))]


def stored_wait(state: Mapping[str, Any], spell: Callable[[str], str] = str) -> WaitFor | None:
    """The wait a stored state (or checked inputs) holds, ``None`` when it holds none or an unreadable one."""
    wait, failures = check_wait(state, spell)
    return wait if isinstance(wait, WaitFor) and not failures else None


def wait_changed(wait: WaitFor | Unknown | None, olds: Mapping[str, Any], spell: Callable[[str], str] = str) -> bool:
    """Whether the wait input differs from the one stored (``olds``): an update, that waits for the new one."""
    return isinstance(wait, Unknown) or wait != stored_wait(olds, spell)


def with_wait(outputs: Mapping[str, Any], wait: WaitFor | None) -> dict[str, Any]:
    """What a resource stores: a read's outputs, and its wait input when it has one (snake_case)."""
    return {**outputs, WAIT_INPUT: wait.as_input()} if wait is not None else dict(outputs)


def checked_inputs(given: Mapping[str, Any], spell: Callable[[str], str] = str, **options: bool) -> Inputs:
    """``check_inputs``, raising ``InvalidInputError`` for the first failure (the engine checked them already)."""
    inputs, failures = check_inputs(given, spell, **options)
    if failures:
        raise InvalidInputError(failures[0].name, failures[0].reason)
    return inputs


def config_key(namespace: str, key: str) -> str:
    """The full configuration key of ``key`` for a face whose settings are under ``namespace``: this
    project's own settings (``readTimeout``) are ``css-vpcep:*`` in every face."""
    return f"{PROJECT_CONFIG_NAMESPACE if key in PROJECT_CONFIG_KEYS else namespace}:{key}"


def configuration(get: Callable[[str], Any]) -> dict[str, Any]:
    """The Pulumi configuration a read uses, by key (``settings.CONFIG_KEYS``), from a face's ``get``."""
    found = {key: get(key) for key in CONFIG_KEYS}
    return {key: value for key, value in found.items() if value is not None and not isinstance(value, Unknown)}


def plain_credentials(namespace: str, value_of: Callable[[str], Any], is_secret: Callable[[str], bool]) -> list[str]:
    """Warnings for the credentials a stack configures in plain text: the engine keeps the stack's
    configuration in the provider's state, and a value not set with ``--secret`` is stored there as it is."""
    keys = [f"{namespace}:{key}" for key in CREDENTIAL_KEYS]
    return [
        f"{key} is not a secret, so the engine stores it in plain text in the provider's state: "
        f"set it with `pulumi config set --secret {key}`"
        for key in keys if value_of(key) is not None and not is_secret(key)
    ]


def nearest_key(key: str, known: Iterable[str]) -> str | None:
    """The known key nearest to ``key`` (most likely what a misspelt one meant), or ``None`` when none is near."""
    found = difflib.get_close_matches(key, sorted(known), n=1)
    return found[0] if found else None


def unknown_key(namespace: str, key: str, known: Collection[str]) -> str:
    """Why ``namespace:key`` is refused: not a configuration key of this package, with the nearest known key."""
    nearest = nearest_key(key, known)
    hint = f"did you mean {namespace}:{nearest}?" if nearest else f"its keys are {', '.join(sorted(known))}"
    return f"{namespace}:{key} is not a configuration key of {PROJECT_CONFIG_NAMESPACE}: {hint}"


def unread_keys(keys: Iterable[str], namespace: str, others: Collection[str] = ()) -> list[str]:
    """Warnings for the configuration keys (``namespace:key``, a program's whole configuration) that a face
    whose settings are under ``namespace`` does not read although they look meant for it: a key it reads
    under the other namespace (``css-vpcep:region`` in a Python program), any other ``css-vpcep:*`` key, and a
    key of ``namespace`` near one it reads. A key of another package sharing ``namespace`` (``others``:
    ``pulumi-huaweicloud``'s) is left alone, as is one near no key read here."""
    read = {config_key(namespace, key) for key in CONFIG_KEYS}
    warnings = []
    for full in sorted(keys):
        space, _, key = full.partition(":")
        if full in read or space not in (namespace, PROJECT_CONFIG_NAMESPACE):
            continue
        nearest = key if key in CONFIG_KEYS else nearest_key(key, CONFIG_KEYS)
        if (nearest is None and space != PROJECT_CONFIG_NAMESPACE) or (space == namespace and key in others):
            continue
        hint = f": did you mean {config_key(namespace, nearest)}?" if nearest else ""
        warnings.append(f"{full} is not a key that css-vpcep reads in a Python program{hint}")
    return warnings


def known(inputs: Inputs) -> dict[str, Any]:
    """The inputs to read with: an unknown one is left to configuration."""
    return {name: None if isinstance(value, Unknown) else value for name, value in inputs.items()}


PINNED_NAMES = ("cluster_id", "project_id", "region")
"""What a stored state names for good: the cluster, and the project and region resolved at creation (a region's
project is another account's data, and the id encodes both). The endpoint is only how to reach the service:
unless it was given as an input, each read resolves it again (``HW_CSS_ENDPOINT``, else the region's)."""


def identity(state: Mapping[str, Any], endpoint: str | None = None) -> dict[str, Any]:
    """What a stored state names (``PINNED_NAMES``), read through ``endpoint`` when it is an input given, else
    through the endpoint the settings give at the time of the read."""
    named: dict[str, Any] = {}
    for name in PINNED_NAMES:
        value = state.get(name)
        named[name] = _CHECKS[name](value, name) if isinstance(value, str) and value else None
    named["endpoint"] = endpoint
    return named


def given_endpoint(inputs: Mapping[str, Any]) -> str | None:
    """The endpoint among checked inputs, when one was given and is known."""
    value = inputs.get("endpoint")
    return value if isinstance(value, str) else None


def pinned(inputs: Inputs, olds: Mapping[str, Any]) -> dict[str, Any]:
    """What an update reads: each input given, else what the stored state names (pinned at creation)."""
    stored = identity(olds, given_endpoint(inputs))
    return {name: value if isinstance(value, str) else stored[name] for name, value in inputs.items()}


def stored_identity(state: Mapping[str, Any], resource_id: str, endpoint: str | None = None) -> dict[str, Any]:
    """What a resource names: its stored state on refresh, else its id alone (``get`` and import); read
    through ``endpoint`` when it is an input given."""
    if state.get("cluster_id"):
        return identity(state, endpoint)
    region, project_id, cluster_id = parse_resource_id(resource_id)
    return {"cluster_id": cluster_id, "project_id": project_id, "region": region, "endpoint": endpoint}


def resource_id_of(outputs: Mapping[str, Any]) -> str:
    """The id of the resource whose read gave ``outputs``: ``{region}:{project_id}:{cluster_id}``."""
    return resource_id(outputs["region"], outputs["project_id"], outputs["cluster_id"])


def last_endpoint(state: Mapping[str, Any]) -> str | None:
    """The endpoint a stored state's last read used, when it is well-formed (a refresh of a resource whose
    inputs the face cannot see reads there unless ``HW_CSS_ENDPOINT`` names another)."""
    value = state.get("endpoint")
    try:
        return validate_endpoint(value) if isinstance(value, str) and value else None
    except InvalidInputError:
        return None


def replacements(inputs: Inputs, olds: Mapping[str, Any]) -> list[str]:
    """The inputs whose change replaces the resource: given, and unknown or unlike the stored value.

    An input left out keeps the value resolved at creation, so it is no change.
    """
    return [
        name for name in INPUT_NAMES
        if inputs.get(name) is not None and (isinstance(inputs[name], Unknown) or inputs[name] != olds.get(name))
    ]


def order_insensitive(value: Any) -> Any:
    """A JSON value in which lists are in a fixed order, so that the same connections and permissions
    compare equal whatever order the service sent them in (a new order is not drift)."""
    if isinstance(value, list):
        return sorted((order_insensitive(item) for item in value), key=lambda item: json.dumps(item, sort_keys=True))
    if isinstance(value, dict):
        return {key: order_insensitive(item) for key, item in value.items()}
    return value


def drift(olds: Mapping[str, Any], fresh: Mapping[str, Any], endpoint_given: bool = True) -> list[str]:
    """The outputs a fresh read (``fresh``: its outputs, ``VpcepConnectionsResult.to_outputs()``) changed from the
    stored ``olds``, read back by the field table: lists compare in any order and numbers as integers.
    Another endpoint is no drift unless the endpoint is an input (``endpoint_given``): it is how the service
    was reached, not what it holds."""
    before = read_stored(olds)
    compared = OUTPUT_NAMES if endpoint_given else tuple(name for name in OUTPUT_NAMES if name != "endpoint")
    return [name for name in compared if not _same(before[name], fresh[name])]


def _same(before: Any, after: Any) -> bool:
    """Equal as read, or equal in another order: the direct comparison settles the usual case (nothing
    changed, the service sent the same order) without sorting every list."""
    return bool(before == after or order_insensitive(before) == order_insensitive(after))


class ReadHandoff:
    """The fresh outputs a diff read and found changed, kept for the update that follows it in the same
    process, so that one ``pulumi up`` reads a drifted resource once. Each is taken at most once, by a read
    of exactly the same identity; reads of the same identity (several resources of one cluster) are kept
    side by side, each for one taker. A later diff always reads again. It holds outputs only, never
    settings or credentials, and lives as long as its provider process (one engine run)."""

    def __init__(self) -> None:
        self._kept: dict[tuple[tuple[str, Any], ...], list[dict[str, Any]]] = {}
        self._lock = threading.Lock()  # the dynamic provider host serves calls from several threads

    def __repr__(self) -> str:
        return f"ReadHandoff({sum(map(len, self._kept.values()))} kept)"

    @staticmethod
    def _key(named: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
        return tuple((name, named.get(name)) for name in INPUT_NAMES)

    def keep(self, named: Mapping[str, Any], outputs: Mapping[str, Any]) -> None:
        """Keep the outputs read for ``named`` (what a state names) for the next update of it."""
        with self._lock:
            self._kept.setdefault(self._key(named), []).append(dict(outputs))

    def take(self, named: Mapping[str, Any]) -> dict[str, Any] | None:
        """The outputs kept for ``named``, removed; ``None`` when there are none."""
        with self._lock:
            kept = self._kept.get(self._key(named))
            return kept.pop() if kept else None


def output_value(name: str, value: Any) -> Any:
    """One output as a read gives it, read back by the field table: integers as integers again (numbers cross
    Pulumi's wire as floats), each connection or permission with every field (Pulumi's Python SDK drops null
    properties inside a resource's outputs); ``None`` stays ``None``."""
    return None if value is None else read_stored({name: value})[name]


def outputs_from(values: Mapping[str, Any]) -> dict[str, Any]:
    """Outputs of either spelling (camelCase: a plugin's state, a mock's answer) as a read's snake_case outputs,
    each as ``output_value`` gives it: every output is there, ``None`` when missing (as in generated SDKs)."""
    read = read_stored(values)
    return {name: None if values.get(name, values.get(camel_case(name))) is None else read[name]
            for name in OUTPUT_NAMES}


DRIFT_LINES = 10
"""The most changes a drift's notice lists one by one; it counts the others."""
_ITEMS = {"connections": "connection", "permissions": "permission"}
"""The list outputs whose items a drift's notice names by id, and what one item is called."""


def drift_notice(
    state: Mapping[str, Any], fresh: Mapping[str, Any], changed: list[str], spell: Callable[[str], str] = str
) -> str:
    """The lines a provider writes when a preview finds the service's data changed (``changed``: the outputs
    ``drift`` found, ``fresh``: the read's outputs). Neither face's diff can show a change of outputs in the
    CLI (it sets a detailed diff's stored outputs against the new inputs, so they would show as deleted), so
    the first line names the outputs that changed, and each line under it one change: a connection or
    permission added, removed or changed, by id, with the changed fields' stored and read values, then any
    other output's stored and read value; the first ``DRIFT_LINES`` changes, and a count of the rest.
    Names are spelt as the face spells them (``spell``)."""
    before = read_stored(state)
    changes: list[str] = []
    for name in changed:
        if name in _ITEMS:
            changes += _item_changes(_ITEMS[name], before[name] or [], fresh[name] or [], spell)
        else:
            changes.append(f"{spell(name)}: {_shown(before[name])} -> {_shown(fresh[name])}")
    if len(changes) > DRIFT_LINES:
        changes[DRIFT_LINES:] = [f"and {len(changes) - DRIFT_LINES} more changes"]
    head = f"css-vpcep: cluster {state.get('cluster_id')} drifted from the stored outputs: " + ", ".join(
        map(spell, changed)
    )
    return "\n".join([head, *(f"  {line}" for line in changes)])


def _item_changes(kind: str, before: list[Any], after: list[Any], spell: Callable[[str], str]) -> list[str]:
    """The items of a list output added, changed and removed, each named by its id, in the order read."""
    olds = {_item_id(item): item for item in before if isinstance(item, Mapping)}
    news = {_item_id(item): item for item in after if isinstance(item, Mapping)}
    lines = []
    for key, item in news.items():
        old = olds.get(key)
        if old is None:
            status = f": {spell('status')} {_shown(item['status'])}" if item.get("status") is not None else ""
            lines.append(f"{kind} {key} added{status}")
            continue
        fields = [*item, *(name for name in old if name not in item)]
        moved = [f"{spell(name)} {_shown(old.get(name))} -> {_shown(item.get(name))}"
                 for name in fields if not _same(old.get(name), item.get(name))]
        if moved:
            lines.append(f"{kind} {key}: " + ", ".join(moved))
    lines += [f"{kind} {key} removed" for key in olds if key not in news]
    return lines


def _item_id(item: Mapping[str, Any]) -> str:
    """How a notice names an item: its id, else (none given) the whole item."""
    return _shown(item["id"]) if item.get("id") is not None else _shown(dict(item))


def _shown(value: Any) -> str:
    """A value as a notice writes it: plain text as it is when it is printable ASCII without edge spaces,
    anything else as JSON (so that the service's data cannot write control characters to a terminal)."""
    if isinstance(value, str) and value and value.isascii() and value.isprintable() and value == value.strip():
        return value
    return json.dumps(value, sort_keys=True)
