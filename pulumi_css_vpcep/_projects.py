"""The project id of a region, as IAM names it, remembered so that it is asked for once.

``PROJECT_IDS`` serves every read of the process and lives as long as the process: a project's id never
changes, so an id once found stays right. ``clear()`` forgets every id (tests, or a program that wants
to look again).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from ._settings import Settings
from .errors import ConfigurationError

if TYPE_CHECKING:
    import asyncio

__all__ = ["PROJECT_IDS", "ProjectIds", "project_id_from"]

_Key = tuple[str, str, str]


class ProjectIds:
    """Project ids found through IAM, by (hash of the access key, region, IAM endpoint).

    Reads in one event loop that need the same id while it is being looked up share that one lookup.
    """

    def __init__(self) -> None:
        self._found: dict[_Key, str] = {}
        self._pending: dict[_Key, asyncio.Task[str]] = {}

    def __repr__(self) -> str:
        return f"ProjectIds({len(self._found)} found)"

    @staticmethod
    def _key(settings: Settings) -> _Key:
        access_key = hashlib.sha256(settings.credentials.access_key.encode()).hexdigest()
        return access_key, settings.region, settings.iam_endpoint

    def remembered(self, settings: Settings) -> str | None:
        """The project id found earlier for ``settings``, if any."""
        return self._found.get(self._key(settings))

    def remember(self, settings: Settings, project_id: str) -> str:
        """Keep ``project_id`` as the one for ``settings``; return it."""
        self._found[self._key(settings)] = project_id
        return project_id

    async def get(self, settings: Settings, lookup: Callable[[], Coroutine[Any, Any, str]]) -> str:
        """The project id for ``settings``: remembered, or found by ``lookup`` (at most one at a time)."""
        key = self._key(settings)
        found = self._found.get(key)
        if found:
            return found
        import asyncio  # here, not above: a synchronous read that needs no lookup imports no asyncio

        loop = asyncio.get_running_loop()
        task = self._pending.get(key)
        if task is None or task.get_loop() is not loop:
            task = loop.create_task(lookup())
            self._pending[key] = task
            task.add_done_callback(lambda done: self._settle(key, done))
        project_id = await asyncio.shield(task)
        self._found[key] = project_id
        return project_id

    def _settle(self, key: _Key, task: asyncio.Task[str]) -> None:
        if self._pending.get(key) is task:
            del self._pending[key]
        if not task.cancelled():
            task.exception()  # every waiter sees the failure; this marks it seen even when none is left

    def clear(self) -> None:
        """Forget every project id found so far."""
        self._found.clear()


PROJECT_IDS = ProjectIds()
"""The project ids of this process, shared by every read."""


def project_id_from(body: Any, region: str) -> str:
    """The id of the one project named ``region`` in IAM's ``GET /v3/projects`` answer.

    Raises ``ConfigurationError`` when there is none, or more than one.
    """
    projects = body.get("projects") if isinstance(body, dict) else None
    matches = [
        p for p in (projects if isinstance(projects, list) else [])
        if isinstance(p, dict) and p.get("name") == region and p.get("id")
    ]
    if len(matches) != 1:
        found = "no project" if not matches else f"{len(matches)} projects"
        raise ConfigurationError(
            f"IAM found {found} named {region!r} for these credentials: "
            "set the project id (project_id, HW_PROJECT_ID or huaweicloud:projectId)"
        )
    return str(matches[0]["id"])
