"""The start of a synchronous read: the project id and the first page, without httpx, pydantic or an event loop.

Most clusters fit in one page, and then the first page is the whole read. ``FirstPage.outputs`` says
so, and gives the outputs in plain values (the command prints them without building any model);
otherwise the client reads the other pages at once (``client.read_resolved``), starting from this page.
``read_outputs`` is that whole synchronous read in plain values, as the dynamic provider stores them.
"""

from __future__ import annotations

import time
from typing import Any, NamedTuple, Unpack

from ._attempts import Timeouts, logger
from ._fields import read_page
from ._paging import Pagination
from ._projects import PROJECT_IDS, project_id_from
from ._settings import Settings, SettingsSources, proxy_applies, resolve_settings, validate_cluster_id
from ._sync_http import SyncHttp
from ._tls import INSECURE_WARNING

__all__ = [
    "REQUEST_LIMIT",
    "FirstPage",
    "connections_url",
    "page_query",
    "project_subject",
    "read_first_page",
    "read_outputs",
    "start_read",
]

REQUEST_LIMIT = 100
"""The page size asked for: the one the Terraform provider uses against the live service. A service
that caps it lower shows its real page size on the first page."""


def connections_url(settings: Settings, project_id: str, cluster_id: str) -> str:
    return f"{settings.css_endpoint}/v1.0/{project_id}/clusters/{cluster_id}/vpcepservice/connections"


def project_subject(settings: Settings) -> str:
    """What an IAM lookup of the project id is about, as its errors name it."""
    return f"the project of region {settings.region}"


def page_query(offset: int) -> list[tuple[str, str]]:
    return [("offset", str(offset)), ("limit", str(REQUEST_LIMIT))]


class FirstPage(NamedTuple):
    """The first page of a read, as the service sent it, and what the read knows by then."""

    settings: Settings
    cluster_id: str
    project_id: str
    body: dict[str, Any]
    """The page's JSON object, as sent."""
    deadline: float
    """When the whole read must end (``time.monotonic()``)."""

    def outputs(self) -> dict[str, Any] | None:
        """The read's outputs in plain values, exactly ``VpcepConnectionsResult.to_outputs()``, when this page
        is the whole read; ``None`` when other pages are wanted."""
        pages = Pagination(read_page(self.body))
        if pages.wanted():
            return None
        return pages.result(self.cluster_id, self.project_id, self.settings.region, self.settings.css_endpoint)


def read_first_page(settings: Settings, cluster_id: str, timeouts: Timeouts) -> FirstPage:
    """Read the project id (from the settings, remembered, or through IAM) and the first page.

    ``cluster_id`` must already be validated, and no proxy may apply to ``settings``. Raises the
    project's errors, as the async read does.
    """
    if settings.insecure:
        logger.warning(INSECURE_WARNING)  # on every read: the spec asks for it each time, not once
    deadline = time.monotonic() + settings.retry.deadline
    http = SyncHttp(settings, timeouts, deadline)
    try:
        project_id = settings.project_id or PROJECT_IDS.remembered(settings)
        if not project_id:
            found = http.get_json(
                f"{settings.iam_endpoint}/projects", [("name", settings.region)], {}, project_subject(settings)
            )
            project_id = PROJECT_IDS.remember(settings, project_id_from(found, settings.region))
        url = connections_url(settings, project_id, cluster_id)
        body = http.get_json(url, page_query(0), {"X-Project-Id": project_id}, f"cluster {cluster_id}")
    finally:
        http.close()
    return FirstPage(settings, cluster_id, project_id, body, deadline)


def start_read(settings: Settings, cluster_id: str, timeouts: Timeouts) -> FirstPage | None:
    """The first page of a synchronous read; ``None`` when a proxy may route the read, which httpx then
    reads whole (it applies proxies and ``NO_PROXY``)."""
    if proxy_applies(settings):
        return None
    return read_first_page(settings, cluster_id, timeouts)


def read_outputs(
    cluster_id: str, last_endpoint: str | None = None, **sources: Unpack[SettingsSources]
) -> dict[str, Any]:
    """``read_vpcep_connections(...).to_outputs()``, with the same arguments and errors: the first page's
    plain values when it is the whole read (no httpx, no pydantic), else the client's read of every page.
    ``last_endpoint``: the endpoint to read through when no setting names one (``resolve_settings``)."""
    cluster_id = validate_cluster_id(cluster_id)
    settings = resolve_settings(**sources, last_endpoint=last_endpoint)
    first = start_read(settings, cluster_id, Timeouts())
    outputs = first.outputs() if first is not None else None
    if outputs is not None:
        return outputs
    from ._client import DEFAULT_TIMEOUT, read_resolved

    return read_resolved(settings, cluster_id, DEFAULT_TIMEOUT, first).to_outputs()
