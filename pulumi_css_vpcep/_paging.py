"""Which pages to ask for and when to stop: the paging decision, without any I/O.

The first page shows the service's real page size (it may cap the size asked for) and, usually, its
``total_count``. Every other page is then asked for at once. Without a ``total_count`` pages are
walked one by one, until a page shorter than the first (the last one). Connections are kept each id
once, in the service's order. The rules:

- never truncate silently: a read that cannot show it has every connection ends in ``IncompleteReadError``;
- never fail a read for a duplicate the service sent: when the pages listed as many connections as the
  count, the read is complete, each id once;
- a later page that is the first one again (the same ids in the same order) means the pages repeat
  instead of moving on (a service ignoring ``offset``): ``IncompleteReadError`` at once, even when the
  pages listed as many as the count;
- a read that sees the data move under it (a later page's count differs from the first's, or the pages
  end before listing as many as the count: a connection deleted while paging) is made again from the
  first page, at most ``MAX_READS`` times in all, before it gives up;
- items without an id are dropped with a warning: the schema promises every connection and whitelist
  entry an id, and a program can do nothing with one that has none.

The read drives it::

    pages = Pagination(first_page)
    while offsets := pages.wanted():                       # [0] when the read is made again
        pages.add([fetch(offset) for offset in offsets])   # concurrently, in order
    outputs = pages.result(...)                            # or IncompleteReadError

A page is what ``_fields.read_page`` makes of the service's JSON: plain values, connections as dicts.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from .errors import IncompleteReadError

Page = dict[str, Any]
"""A page as ``_fields.read_page`` reads it."""

MAX_PAGES = 10_000
"""A hard stop for a service whose data never stops growing."""
MAX_READS = 3
"""How many times a read is made in all when its data moves under it, before it gives up."""

_logger = logging.getLogger("pulumi_css_vpcep")


class Pagination:
    """The state of one read's pages: what was collected, what to ask for next, whether it is complete."""

    def __init__(self, first: Page, max_pages: int = MAX_PAGES, max_reads: int = MAX_READS) -> None:
        self.requests = 0
        """How many pages have been fetched, first pages included."""
        self.reads = 0
        """How many times the read was started from its first page."""
        self._max_pages = max_pages
        self._max_reads = max_reads
        self._start(first)

    def _start(self, first: Page) -> None:
        self.reads += 1
        self.requests += 1
        self.first = first
        """The first page: its size is the service's page size; it also carries the service's fields."""
        self.page_size = len(first["connections"])
        self._first_ids = [item["id"] for item in first["connections"]]
        self.total: int | None = first["total_count"]
        """The service's count of connections, as its first page gives it (``None``: not said)."""
        self._next_offset = self.page_size
        self._listed = 0
        """How many connections the pages listed, duplicates and items without an id included."""
        self._ended = self.page_size == 0
        """Whether a page shorter than the first (or an empty first page) showed the end."""
        self._moved: str | None = None
        """How the data moved under the read, if it did."""
        self._repeats = False
        self._dropped = 0
        self._connections: dict[str, Any] = {}
        self._permissions: dict[str, Any] = {}
        self._collect(first)
        self._settle()

    def wanted(self) -> list[int]:
        """The offsets of the pages to fetch next (all at once), in order; ``[0]`` when the read is made
        again; empty when the read is over."""
        if self._moved is not None:
            return [0] if self.reads < self._max_reads and self.requests < self._max_pages else []
        if self._ended or self._repeats or self.requests >= self._max_pages:
            return []
        if self.total is None:
            return [self._next_offset]
        return list(range(self._next_offset, self.total, self.page_size))[: self._max_pages - self.requests]

    def add(self, pages: Sequence[Page]) -> None:
        """Take in the pages fetched for the offsets ``wanted()`` returned, in the same order."""
        if self._moved is not None:
            [first] = pages
            self._start(first)
            return
        self.requests += len(pages)
        self._next_offset += self.page_size * len(pages)
        for page in pages:
            size, new = len(page["connections"]), self._collect(page)
            count = page["total_count"]
            if self.total is not None and count is not None and count != self.total:
                self._moved = f"its count went from {self.total} to {count}"
            elif size < self.page_size:
                self._ended = True
            elif new == 0 and [item["id"] for item in page["connections"]] == self._first_ids:
                self._repeats = True
        self._settle()

    def _settle(self) -> None:
        """With a count: the read is over once the pages listed that many; pages that end short of it mean
        connections went while they were read."""
        if self.total is None or self._moved is not None or self._repeats:
            return
        if self._listed >= self.total:
            self._ended = True
        elif self._ended:
            self._moved = f"its pages listed {self._listed} of the {self.total} it counted"

    def connections(self, cluster_id: str) -> list[Any]:
        """Every connection read, each id once, in the service's order.

        Raises ``IncompleteReadError`` when the pages cannot show every connection: they repeat the first,
        they kept moving, or they never ended.
        """
        where = f"cluster {cluster_id}"
        if self._moved is not None:
            raise IncompleteReadError(
                f"the connections of {where} changed while they were read, {self.reads} times in a row "
                f"(last: {self._moved}); read again when they settle"
            )
        if self._repeats:
            shown = f"reported {self.total} connections for" if self.total is not None else "listed connections of"
            raise IncompleteReadError(
                f"the service {shown} {where} but its pages brought only {len(self._connections)} distinct "
                f"ones after {self.requests} requests (pages repeat: the service may be ignoring 'offset')"
            )
        if not self._ended:
            raise IncompleteReadError(
                f"the read of {where} stopped after {self.requests} pages ({len(self._connections)} connections) "
                "without reaching the last page"
            )
        if self._dropped:
            _logger.warning("%d item(s) of %s without an id were left out: the service sent them without one",
                            self._dropped, where)
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
        """Keep a page's connections and permissions; return how many of its connections were new (one
        without an id counts as new: it is not a repeat of another)."""
        self._listed += len(page["connections"])
        new = 0
        for kept, items in ((self._connections, page["connections"]), (self._permissions, page["permissions"])):
            for item in items:
                if not item["id"]:
                    self._dropped += 1
                    new += kept is self._connections
                elif item["id"] not in kept:
                    kept[item["id"]] = item
                    new += kept is self._connections
        return new
