"""Which pages to ask for and when to stop: the paging decision, without any I/O.

The first page shows the service's real page size (it may cap the size asked for) and, usually, its
``total_count``. Every other page is then asked for at once. Without a ``total_count`` pages are
walked one by one. The walk stops when the count is reached, on a page shorter than the first (the
last one), or when a round of pages brings nothing new. Connections are kept each id once, in the
service's order. A read that stops short of the count without having seen the last page is an
``IncompleteReadError``: the service's pages repeat rather than end.

The read drives it::

    pages = Pagination(first_page)
    while offsets := pages.wanted():
        pages.add([fetch(offset) for offset in offsets])   # concurrently, in order
    outputs = pages.result(...)                            # or IncompleteReadError

A page is what ``_fields.read_page`` makes of the service's JSON: plain values, connections as dicts.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from .errors import IncompleteReadError

Page = dict[str, Any]
"""A page as ``_fields.read_page`` reads it."""

MAX_PAGES = 10_000
"""A hard stop for a service whose data never stops growing."""


def _identity(item: dict[str, Any]) -> str:
    """What makes an item the same one again: its id, or all of it when it has none."""
    return item["id"] or json.dumps(item)


class Pagination:
    """The state of one read's pages: what was collected, what to ask for next, whether it is complete."""

    def __init__(self, first: Page, max_pages: int = MAX_PAGES) -> None:
        self.first = first
        """The first page: its size is the service's page size; it also carries the service's fields."""
        self.page_size = len(first["connections"])
        self.total: int | None = first["total_count"]
        """The service's count of connections: the largest any page reported (``None``: not said)."""
        self.requests = 1
        """How many pages have been fetched, the first included."""
        self._max_pages = max_pages
        self._walking = self.total is None
        self._next_offset = self.page_size
        self._done = self.page_size == 0
        self._reached_end = False
        self._connections: dict[str, Any] = {}
        self._permissions: dict[str, Any] = {}
        self._collect(first)

    def wanted(self) -> list[int]:
        """The offsets of the pages to fetch next (all at once), in order; empty when the read is over."""
        if self._done or self.requests >= self._max_pages:
            return []
        if self._walking:
            return [self._next_offset]
        assert self.total is not None
        if len(self._connections) >= self.total:
            return []
        return list(range(self._next_offset, self.total, self.page_size))[: self._max_pages - self.requests]

    def add(self, pages: Sequence[Page]) -> None:
        """Take in the pages fetched for the offsets ``wanted()`` returned, in the same order."""
        self.requests += len(pages)
        brought = sum(self._collect(page) for page in pages)
        self._next_offset += self.page_size * len(pages)
        short = any(len(page["connections"]) < self.page_size for page in pages)
        if self._walking:
            # Without a count, the walk ends on a short page, or on one that brings nothing new.
            self._done = short or brought == 0
            return
        assert self.total is not None
        self.total = max([self.total, *(page["total_count"] for page in pages if page["total_count"] is not None)])
        if short:
            self._done = self._reached_end = True
        elif brought == 0:
            self._done = True

    def connections(self, cluster_id: str) -> list[Any]:
        """Every connection read, each id once, in the service's order.

        Raises ``IncompleteReadError`` when the pages stopped short of the service's count without a
        last page.
        """
        complete = self._walking or self._reached_end or (self.total or 0) <= len(self._connections)
        if not complete:
            raise IncompleteReadError(
                f"the service reported {self.total} connections for cluster {cluster_id} but its pages "
                f"brought only {len(self._connections)} distinct ones after {self.requests} requests "
                "(pages repeat: the service may be ignoring 'offset')"
            )
        return list(self._connections.values())

    def result(self, cluster_id: str, project_id: str, region: str, endpoint: str) -> dict[str, Any]:
        """The read's outputs by name, in order: exactly ``VpcepConnectionsResult.to_outputs()``.
        ``IncompleteReadError`` as ``connections`` raises it."""
        connections = self.connections(cluster_id)
        return {
            "cluster_id": cluster_id,
            "project_id": project_id,
            "region": region,
            "endpoint": endpoint,
            "connections": connections,
            "permissions": list(self._permissions.values()),  # the whitelist, each id once
            "vpc_service_name": self.first["vpc_service_name"],
            "vpcep_update_switch": self.first["vpcep_update_switch"],
            "total_count": len(connections),
        }

    def _collect(self, page: Page) -> int:
        """Keep a page's connections and permissions; return how many connections were new."""
        before = len(self._connections)
        for connection in page["connections"]:
            self._connections.setdefault(_identity(connection), connection)
        for permission in page["permissions"]:
            self._permissions.setdefault(_identity(permission), permission)
        return len(self._connections) - before
