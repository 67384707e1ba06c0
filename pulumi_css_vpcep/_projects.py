"""The project id of a region, as IAM names it, remembered so that it is asked for once.

``PROJECT_IDS`` serves every read of the process and lives as long as the process: a project's id never
changes, so an id once found stays right. ``clear()`` forgets every id (tests, or a program that wants
to look again).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from ._settings import Settings
from .errors import ConfigurationError, CssVpcepError

if TYPE_CHECKING:
    import asyncio

_Key = tuple[str, str, str]
_T = TypeVar("_T")


class ProjectIds:
    """Project ids found through IAM, by (the credentials' identity, region, IAM endpoint): an identity is a hash
    of static keys, or names the source of temporary ones, so it stays the same across their renewals.

    Reads in one event loop that need the same id while it is being looked up share that one lookup.
    The read (``_read``) decides when to look up and remembers what it found.
    """

    def __init__(self) -> None:
        self._found: dict[_Key, str] = {}
        self._pending: dict[_Key, asyncio.Task[Any]] = {}

    def __repr__(self) -> str:
        return f"ProjectIds({len(self._found)} found)"

    @staticmethod
    def _key(settings: Settings) -> _Key:
        return settings.credentials.identity, settings.region, settings.iam_endpoint

    def remembered(self, settings: Settings) -> str | None:
        """The project id found earlier for ``settings``, if any."""
        return self._found.get(self._key(settings))

    def remember(self, settings: Settings, project_id: str) -> str:
        """Keep ``project_id`` as the one for ``settings``; return it."""
        self._found[self._key(settings)] = project_id
        return project_id

    async def shared(self, settings: Settings, lookup: Callable[[], Coroutine[Any, Any, _T]]) -> _T:
        """What ``lookup`` (the IAM request for ``settings``) gives: reads of one event loop that ask while it
        is under way share that one lookup. A read whose shared lookup ended for its starter's sake (the
        starter was cancelled and closed its connections) looks up again by itself; the service's refusals
        and the network's failures are everyone's."""
        import asyncio  # here, not above: a synchronous read imports no asyncio

        key = self._key(settings)
        loop = asyncio.get_running_loop()
        task = self._pending.get(key)
        if task is not None and task.get_loop() is loop:
            try:
                return await asyncio.shield(task)
            except CssVpcepError:
                raise
            except (Exception, asyncio.CancelledError):
                current = asyncio.current_task()
                starter_gone = task.done() and (task.cancelled() or isinstance(task.exception(), RuntimeError))
                if not starter_gone or (current is not None and current.cancelling()):
                    raise  # this read's own cancel, or a failure of the lookup itself
        task = loop.create_task(lookup())
        self._pending[key] = task
        task.add_done_callback(lambda done: self._settle(key, done))
        return await asyncio.shield(task)

    def _settle(self, key: _Key, task: asyncio.Task[Any]) -> None:
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
