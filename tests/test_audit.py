"""The audit's rules (``_audit``), which the command and the policy pack share: plain values in, findings out."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

from pulumi_css_vpcep._audit import as_plain, findings, policy_rules, whitelist

NOW = datetime(2025, 1, 1, tzinfo=UTC)


def outputs(*connections: dict[str, Any], permissions: tuple[str, ...] = ("iam:domain::d1",)) -> dict[str, Any]:
    return {"connections": list(connections),
            "permissions": [{"id": f"p{i}", "permission": p} for i, p in enumerate(permissions)]}


def connection(id_: str, domain_id: str | None, status: str = "accepted", created_at: str = "2024-12-31T23:00:00Z"
               ) -> dict[str, Any]:
    return {"id": id_, "domain_id": domain_id, "status": status, "created_at": created_at}


def test_a_clean_cluster_has_no_finding() -> None:
    assert findings(outputs(connection("ep-1", "d1")), now=NOW) == []


def test_an_account_off_the_whitelist_is_named_with_its_connection() -> None:
    [finding] = findings(outputs(connection("ep-1", "d1"), connection("ep-2", "d2")), now=NOW)
    assert (finding.connection_id, finding.domain_id) == ("ep-2", "d2")
    assert finding.line() == "connection ep-2 (account d2): accepted, and its account is not on the whitelist"


@pytest.mark.parametrize("entry", ["iam:domain::d2", "d2", "D2", "iam:domain::*", "*", " iam:domain::d2 "])
def test_whitelist_entries_admit_by_prefix_bare_id_or_everyone(entry: str) -> None:
    assert findings(outputs(connection("ep-2", "d2"), permissions=(entry,)), now=NOW) == []


def test_organization_paths_and_account_names_admit_nothing_and_are_said_to_be_unchecked() -> None:
    org = "organizations:orgPath::o-1/r-2/ou-3"
    [finding] = findings(outputs(connection("ep-2", "d2"), permissions=(org, "iam:domainName::ops*")), now=NOW)
    assert finding.reason.endswith(f"not checked: {org}, iam:domainName::ops*)")
    assert whitelist([org]).domain_ids == frozenset()


def test_allowed_accounts_replace_the_whitelist() -> None:
    both = outputs(connection("ep-1", "d1"), connection("ep-2", "d2"))
    [finding] = findings(both, allowed=["iam:domain::d2"], now=NOW)
    assert finding.connection_id == "ep-1"
    assert finding.reason == "accepted, and its account is not among the allowed accounts"
    assert findings(both, allowed=["d1", "d2"], now=NOW) == []


def test_a_connection_without_an_account_is_a_finding_unless_everyone_is_admitted() -> None:
    [finding] = findings(outputs(connection("ep-1", None)), now=NOW)
    assert finding.line() == "connection ep-1 (account unknown): accepted, and its account is not given"
    assert findings(outputs(connection("ep-1", None), permissions=("*",)), now=NOW) == []


def test_a_connection_pending_longer_than_allowed_is_a_finding() -> None:
    old = connection("ep-1", "d1", "pendingAcceptance", "2024-12-30T22:00:00Z")
    [finding] = findings(outputs(old), max_pending=3600, now=NOW)
    assert finding.reason == "pending acceptance for 1d2h (since 2024-12-30T22:00:00Z), longer than 1h"
    assert findings(outputs(old), max_pending=2 * 86400, now=NOW) == []
    assert findings(outputs(old), now=NOW) == []  # no --max-pending: pending is no finding


def test_a_pending_connection_whose_creation_time_is_unreadable_is_a_finding() -> None:
    [finding] = findings(outputs(connection("ep-1", "d1", "pendingAcceptance", "yesterday")), max_pending=60, now=NOW)
    assert finding.reason == "pending acceptance since an unreadable time"


def test_a_creation_time_without_a_zone_is_utc() -> None:
    recent = connection("ep-1", "d1", "pendingAcceptance", "2024-12-31T23:59:00")
    assert findings(outputs(recent), max_pending=120, now=NOW) == []
    assert len(findings(outputs(recent), max_pending=30, now=NOW)) == 1


def test_findings_as_json_name_connection_account_and_reason() -> None:
    [finding] = findings(outputs(connection("ep-2", "d2")), now=NOW)
    assert finding.as_json() == {"connection_id": "ep-2", "domain_id": "d2",
                                 "reason": "accepted, and its account is not on the whitelist"}


def test_outputs_in_the_plugins_camel_case_are_audited_alike() -> None:
    camel = {"connections": [{"id": "ep-2", "domainId": "d2", "status": "pendingAcceptance",
                              "createdAt": "2024-12-30T00:00:00Z"}],
             "permissions": [{"id": "p", "permission": "iam:domain::d1", "permissionType": "domainId"}]}
    assert [f.reason.split(",")[0] for f in findings(camel, max_pending=60, now=NOW)] == [
        "pendingAcceptance", "pending acceptance for 2d (since 2024-12-30T00:00:00Z)"
    ]


def test_a_policys_read_only_views_become_plain_values() -> None:
    class View(Mapping[str, Any]):
        def __init__(self, target: dict[str, Any]) -> None:
            self._target = target

        def __getitem__(self, key: str) -> Any:
            value = self._target[key]
            return View(value) if isinstance(value, dict) else tuple(value) if isinstance(value, list) else value

        def __iter__(self) -> Iterator[str]:
            return iter(self._target)

        def __len__(self) -> int:
            return len(self._target)

    plain = outputs(connection("ep-2", "d2"))
    assert as_plain(View(plain)) == plain


@pytest.mark.parametrize(
    ("config", "rules"),
    [({}, {"allowed": None, "max_pending": None}),
     ({"allowDomains": ["d1"], "maxPending": "72h"}, {"allowed": ["d1"], "max_pending": 72 * 3600.0})],
)
def test_a_policys_configuration_gives_the_rules(config: dict[str, Any], rules: dict[str, Any]) -> None:
    assert policy_rules(config) == rules


@pytest.mark.parametrize(("config", "named"), [({"allowDomains": "d1"}, "allowDomains"),
                                               ({"maxPending": "3 days"}, "maxPending")])
def test_a_bad_policy_configuration_is_refused_naming_the_key(config: dict[str, Any], named: str) -> None:
    with pytest.raises(ValueError, match=f"^{named}"):
        policy_rules(config)
