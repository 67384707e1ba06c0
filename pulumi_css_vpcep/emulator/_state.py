"""What the emulator serves: clusters, keys, projects, and how it misbehaves.

``EmulatorState`` is the one mutable object the service, the control API and tests share.
``DataFile`` is the model of a ``--data`` file and of a cluster sent to the control API, so both are
checked the same way and their errors name the field that is wrong.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    AliasChoices,
    AliasGenerator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from .._fields import camel_case
from ._faults import Fault
from ._identity import Agency, Identity
from ._samples import (
    SAMPLE_ACCESS_KEY,
    SAMPLE_AGENCY,
    SAMPLE_DOMAIN_ID,
    SAMPLE_DOMAIN_NAME,
    SAMPLE_ID_TOKEN,
    SAMPLE_IDENTITY_PROVIDER,
    SAMPLE_INSTANCE_AGENCY,
    SAMPLE_PROJECT_ID,
    SAMPLE_REGION,
    SAMPLE_SECRET_KEY,
    generate_connections,
    sample_clusters,
)
from ._schedule import Change, advance, as_data, plan

__all__ = [
    "AgencySpec",
    "Cluster",
    "ClusterSpec",
    "DataFile",
    "EmulatorState",
    "ReadTarget",
    "sample_identity",
    "sample_state",
    "validation_message",
]

MAX_GENERATED = 1_000_000
"""The most connections ``generate`` makes for one cluster."""


@dataclass
class Cluster:
    """A CSS cluster published as a VPC endpoint service, with its connections as the API spells them."""

    id: str
    project_id: str = SAMPLE_PROJECT_ID
    connections: list[dict[str, Any]] = field(default_factory=list)
    permissions: list[dict[str, Any]] = field(default_factory=list)
    vpc_service_name: str | None = None
    vpcep_update_switch: Any = "false"
    enabled: bool = True
    """False: the endpoint service is not enabled, and reads fail with 400 ``CSS.5182``."""
    grow_by: int = 0
    """Connections added after each read of a page, to change ``total_count`` between pages."""
    grow_times: int = 0
    """How many reads grow the cluster."""
    granted_to: list[str] | None = None
    """The principals that may read it (``key:<AK>``, ``agency:<domain>/<name>``, ``idp:<id>``, ``instance``);
    ``None``: any signed key. Any other is answered 403 ``CSS.0015``."""
    changes: list[Change] = field(default_factory=list)
    """The changes of its connections still to come (``_schedule``), in time order."""

    def advance(self, now: float | None = None) -> None:
        """Apply the changes of its connections that are due (``now``: ``time.monotonic()``); hold the state's lock."""
        if self.changes:
            self.changes = advance(self.connections, self.changes, time.monotonic() if now is None else now)

    def as_data(self) -> dict[str, Any]:
        """The cluster as a data file writes it (camelCase), its changes to come counted from now; hold the
        state's lock. What the control API answers, and what it takes back."""
        now = time.monotonic()
        self.advance(now)
        return {
            "id": self.id,
            "projectId": self.project_id,
            "connections": as_data(self.connections, self.changes, now),
            "permissions": self.permissions,
            "vpcServiceName": self.vpc_service_name,
            "vpcepUpdateSwitch": self.vpcep_update_switch,
            "enabled": self.enabled,
            "growBy": self.grow_by,
            "growTimes": self.grow_times,
            **({"grantedTo": self.granted_to} if self.granted_to is not None else {}),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Cluster:
        """A cluster from its JSON form (see ``ClusterSpec``); raises pydantic's ``ValidationError``."""
        return ClusterSpec.model_validate(data).to_cluster()


@dataclass(frozen=True)
class ReadTarget:
    """A region, project and cluster that a read of the emulator's data succeeds with."""

    region: str
    project_id: str
    cluster_id: str | None
    """An enabled cluster of that project, if there is one."""


@dataclass
class EmulatorState:
    """Everything the emulator serves and how it misbehaves. Safe to change while it runs."""

    credentials: dict[str, str] = field(default_factory=lambda: {SAMPLE_ACCESS_KEY: SAMPLE_SECRET_KEY})
    """Known access keys and their secret keys."""
    projects: dict[str, list[str]] = field(default_factory=lambda: {SAMPLE_REGION: [SAMPLE_PROJECT_ID]})
    """Project ids by region, as IAM lists them (more than one for a region is allowed)."""
    clusters: dict[str, Cluster] = field(default_factory=dict)
    page_cap: int = 100
    """The most connections a page holds, whatever ``limit`` asks for."""
    default_limit: int = 10
    """The page size when ``limit`` is not given: one short page."""
    latency: float = 0.0
    """Seconds added to every API request."""
    ignore_offset: bool = False
    """Serve every page from offset 0, as a broken service would."""
    clock_offset: float = 0.0
    """Seconds the gateway's clock is ahead of the client's (negative: behind), to simulate clock skew."""
    faults: list[Fault] = field(default_factory=list)
    seed: int = 0
    requests: Counter[str] = field(default_factory=Counter)
    """API requests served, by ``css``, ``iam``, ``css:<cluster id>`` and status ``status:<code>``."""
    in_flight: int = 0
    """API requests being answered now."""
    peak_in_flight: int = 0
    """The most API requests answered at once since the counts were last reset."""
    identity: Identity = field(default_factory=Identity)
    """Agencies, identity providers, the instance's agency, and the temporary keys issued (``_identity``)."""

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.lock = threading.Lock()

    def add_cluster(self, cluster: Cluster) -> None:
        """Add or replace a cluster."""
        with self.lock:
            self.clusters[cluster.id] = cluster

    def set_faults(self, faults: Sequence[Fault]) -> None:
        """Replace the injected faults."""
        with self.lock:
            self.faults = list(faults)

    def reset_counts(self) -> None:
        """Forget the requests counted so far."""
        with self.lock:
            self.requests.clear()
            self.peak_in_flight = self.in_flight

    def pick_fault(self, target: str) -> Fault | None:
        """The fault to inject into the next request to ``target`` (``css`` or ``iam``), if any."""
        with self.lock:
            for fault in self.faults:
                if fault.target not in (target, "any"):
                    continue
                if fault.times is not None and fault.times <= 0:
                    continue
                if fault.rate is not None and self.rng.random() >= fault.rate:
                    continue
                if fault.times is not None:
                    fault.times -= 1
                return fault
        return None

    def first_credentials(self) -> tuple[str, str]:
        """The first key pair (the sample pair if there is none): what a client should sign with."""
        with self.lock:
            return next(iter(self.credentials.items()), (SAMPLE_ACCESS_KEY, SAMPLE_SECRET_KEY))

    def read_target(self) -> ReadTarget:
        """Where a read succeeds: the region and project of the first enabled cluster that IAM lists,
        else the first region that has a project, else the sample region and project."""
        with self.lock:
            regions: dict[str, str] = {}
            for region, ids in self.projects.items():
                for project_id in ids:
                    regions.setdefault(project_id, region)
            for cluster in self.clusters.values():
                if cluster.enabled and cluster.project_id in regions:
                    return ReadTarget(regions[cluster.project_id], cluster.project_id, cluster.id)
            if regions:
                project_id, region = next(iter(regions.items()))
                return ReadTarget(region, project_id, None)
        return ReadTarget(SAMPLE_REGION, SAMPLE_PROJECT_ID, None)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EmulatorState:
        """A state from a data file's JSON (see ``DataFile``); raises pydantic's ``ValidationError``."""
        return DataFile.model_validate(data).to_state()


def sample_state(**options: Any) -> EmulatorState:
    """The sample data: region ``cn-north-4``, a cluster with three connections, and one whose
    endpoint service is not enabled; an agency, an identity provider and an instance agency to get
    temporary keys from (``sample_identity``)."""
    state = EmulatorState(**options)
    for raw in sample_clusters():
        state.add_cluster(Cluster.from_json(raw))
    state.identity = sample_identity()
    return state


def sample_identity() -> Identity:
    """The sample agency ``emulator-domain/css-reader``, identity provider ``emulator-oidc`` (which accepts
    ``SAMPLE_ID_TOKEN``) and instance agency: every source of temporary keys works offline."""
    return Identity(
        agencies=[Agency(SAMPLE_AGENCY, SAMPLE_DOMAIN_NAME, SAMPLE_DOMAIN_ID)],
        identity_providers={SAMPLE_IDENTITY_PROVIDER: [SAMPLE_ID_TOKEN]},
        instance_agency=SAMPLE_INSTANCE_AGENCY,
    )


def _checked(pattern: str, message: str) -> AfterValidator:
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError(message)
        return value

    return AfterValidator(check)


_Id = Annotated[str, _checked(r"[A-Za-z0-9_-]{1,64}", "must be 1 to 64 letters, digits, '-' or '_'")]
_AccessKey = Annotated[str, _checked(r"[!-~]{1,256}", "an access key must be printable ASCII with no whitespace")]
_SecretKey = Annotated[str, _checked(r"[!-~]{1,256}", "a secret key must be printable ASCII with no whitespace")]
_Region = Annotated[
    str, _checked(r"[a-z0-9]+(-[a-z0-9]+)*", "a region must be lower-case words joined by '-', such as cn-north-4")
]
_ProjectIds = Annotated[list[_Id], BeforeValidator(lambda value: [value] if isinstance(value, str) else value)]
_Principal = Annotated[str, _checked(
    r"key:[!-~]{1,256}|agency:[^/\s]{1,64}/[^/\s]{1,64}|idp:[!-~]{1,128}|instance",
    "a principal is key:<access key>, agency:<domain name>/<agency name>, idp:<identity provider id> or instance",
)]
_Name = Annotated[str, _checked(r"[A-Za-z0-9_.-]{1,64}", "must be 1 to 64 letters, digits, '_', '.' or '-'")]


class AgencySpec(BaseModel):
    """An agency in a data file: its name and its domain's name (and id)."""

    model_config = ConfigDict(extra="forbid")

    name: _Name
    domain_name: _Name
    domain_id: _Id | None = None


class ClusterSpec(BaseModel):
    """A cluster in a data file or sent to the control API. Keys are the field names of ``Cluster`` in
    camelCase (``projectId``, ``vpcServiceName``, as the API spells its fields) or snake_case; ``generate: N``
    makes N connections when ``connections`` is not given. A connection may change later (``_schedule``:
    ``statusChanges``, ``appearsAfterSeconds``)."""

    model_config = ConfigDict(
        extra="forbid",
        alias_generator=AliasGenerator(validation_alias=lambda name: AliasChoices(camel_case(name), name)),
    )

    id: _Id
    project_id: _Id = SAMPLE_PROJECT_ID
    connections: list[Any] | None = None
    generate: Annotated[int, Field(ge=0, le=MAX_GENERATED)] | None = None
    permissions: list[Any] = Field(default_factory=list)
    vpc_service_name: Any = None
    vpcep_update_switch: Any = "false"
    enabled: bool = True
    grow_by: Annotated[int, Field(ge=0, le=MAX_GENERATED)] = 0
    grow_times: Annotated[int, Field(ge=0)] = 0
    granted_to: list[_Principal] | None = None

    @field_validator("connections")
    @classmethod
    def _timings(cls, connections: list[Any] | None) -> list[Any] | None:
        if connections is not None:
            plan(connections, 0.0)  # refuses a malformed timing now, naming it
        return connections

    def to_cluster(self) -> Cluster:
        """The cluster this describes; the connections' changes count from now."""
        connections = self.connections
        if connections is None:
            connections = generate_connections(self.generate or 0, prefix=self.id[:8])
        listed, changes = plan(connections, time.monotonic())
        return Cluster(
            id=self.id,
            project_id=self.project_id,
            connections=listed,
            permissions=self.permissions,
            vpc_service_name=self.vpc_service_name,
            vpcep_update_switch=self.vpcep_update_switch,
            enabled=self.enabled,
            grow_by=self.grow_by,
            grow_times=self.grow_times,
            granted_to=list(self.granted_to) if self.granted_to is not None else None,
            changes=changes,
        )


class DataFile(BaseModel):
    """A ``--data`` file: ``{"credentials": {AK: SK}, "projects": {region: id or [ids]}, "clusters": [...]}``,
    and for temporary keys ``agencies`` (``[{"name", "domain_name", "domain_id"}]``), ``identity_providers``
    (``{id: [accepted id tokens]}``), ``instance_agency`` (a name, or null for none) and
    ``credential_lifetime`` (seconds every temporary key lives).

    Every key is optional. Without ``clusters`` the sample clusters are served; without
    ``credentials`` or ``projects``, the sample key pair or the sample region and project; without the
    keys of temporary keys, the samples' agency, identity provider and instance agency.
    """

    model_config = ConfigDict(extra="forbid")

    credentials: Annotated[dict[_AccessKey, _SecretKey], Field(min_length=1)] | None = None
    projects: Annotated[dict[_Region, _ProjectIds], Field(min_length=1)] | None = None
    clusters: list[ClusterSpec] | None = None
    agencies: list[AgencySpec] | None = None
    identity_providers: dict[_Name, list[Annotated[str, Field(min_length=1)]]] | None = None
    instance_agency: _Name | None = None
    credential_lifetime: Annotated[float, Field(gt=0, le=86400)] | None = None

    def to_state(self) -> EmulatorState:
        """The state that serves this data."""
        state = sample_state() if self.clusters is None else EmulatorState()
        if self.credentials is not None:
            state.credentials = dict(self.credentials)
        if self.projects is not None:
            state.projects = {region: list(ids) for region, ids in self.projects.items()}
        for spec in self.clusters or []:
            state.add_cluster(spec.to_cluster())
        self._identity(state.identity)
        return state

    def _identity(self, identity: Identity) -> None:
        """Put the data's agencies, identity providers, instance agency and key lifetime in ``identity``:
        those it leaves out are the samples' (``sample_identity``)."""
        sample = sample_identity()
        identity.agencies = ([Agency(a.name, a.domain_name, a.domain_id) for a in self.agencies]
                             if self.agencies is not None else sample.agencies)
        identity.identity_providers = (dict(self.identity_providers) if self.identity_providers is not None
                                       else sample.identity_providers)
        identity.instance_agency = self.instance_agency if "instance_agency" in self.model_fields_set else (
            sample.instance_agency)
        identity.lifetime = self.credential_lifetime

    @classmethod
    def parse(cls, text: str | bytes) -> Self:
        """A data file from its JSON text; raises pydantic's ``ValidationError`` (JSON errors included)."""
        return cls.model_validate_json(text)


_PLAIN_MESSAGES = {
    "model_type": "must be a JSON object",
    "dict_type": "must be a JSON object",
    "list_type": "must be a JSON array",
    "missing": "is required",
    "extra_forbidden": "is not a known field",
    "int_type": "must be an integer",
    "int_parsing": "must be an integer",
    "int_from_float": "must be an integer",
    "string_type": "must be a string",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
}


def validation_message(error: ValidationError) -> str:
    """The first problem ``error`` reports, as ``where: what`` (``clusters[0].generate: must be an
    integer``). It never shows an input value, nor an access key used as a key of ``credentials``."""
    problems = error.errors(include_url=False, include_input=False)
    first = problems[0]
    where = _location(first["loc"])
    if first["type"] == "value_error":
        what = str(first["ctx"]["error"])
    elif first["type"] == "json_invalid":
        what = f"not valid JSON ({first['ctx']['error']})"
    else:
        what = _PLAIN_MESSAGES.get(first["type"], first["msg"])
    more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
    return f"{where or 'top level'}: {what}{more}"


def _location(loc: tuple[int | str, ...]) -> str:
    if loc[:1] == ("credentials",):
        return "credentials"  # the rest of the location is an access key
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part != "[key]":
            text += f".{part}" if text else part
    return text
