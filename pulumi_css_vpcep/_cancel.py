"""Stopping reads in flight: what the Pulumi engine's cancel (the first Ctrl-C of ``pulumi up``, a pipeline's
SIGINT to ``pulumi``) does to a provider's reads.

A ``Cancellation`` is set once and stays set: the engine cancels a whole run, so every read in flight ends
at once with ``ReadCancelledError``, and every read that starts later ends before it sends anything. A
face passes its ``Cancellation`` to the read (``_read``), which uses it throughout: a synchronous read runs
in a thread of its own while its caller waits for it or for the cancel (``call``), so the caller is free
whatever the read is blocked in (a name lookup, a connect, a held answer); an asynchronous read is a task,
cancelled where it awaits (``run``); and the read's requests stop between attempts and in their waits.
Nothing here loads Pulumi: each face sets its ``Cancellation``
when the engine cancels.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from .errors import ReadCancelledError

_T = TypeVar("_T")
_logger = logging.getLogger("pulumi_css_vpcep")


class Cancellation:
    """A cancel that every read of a provider process watches. Thread-safe; set once, never reset."""

    def __init__(self) -> None:
        self._set = threading.Event()
        self._lock = threading.Lock()
        self._callbacks: dict[int, Callable[[], None]] = {}
        self._next = 0

    def __repr__(self) -> str:
        return f"Cancellation(cancelled={self.cancelled})"

    @property
    def cancelled(self) -> bool:
        """Whether the engine has cancelled."""
        return self._set.is_set()

    def cancel(self) -> None:
        """Stop every read in flight, and every read to come, with ``ReadCancelledError``. Every callback runs:
        one that raises is logged, and the others still run (each is another read waiting to end)."""
        with self._lock:
            self._set.set()
            callbacks, self._callbacks = list(self._callbacks.values()), {}
        for callback in callbacks:
            try:
                callback()
            except Exception as exc:
                _logger.warning("a read's cancel callback failed (%s: %s); the other reads end all the same",
                                type(exc).__name__, exc)

    def wait(self, seconds: float) -> bool:
        """Wait ``seconds``, or less if the engine cancels meanwhile; whether it cancelled."""
        return self._set.wait(seconds)

    def subscribe(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call ``callback`` on cancel (at once if cancelled already); returns what unsubscribes it."""
        with self._lock:
            if not self._set.is_set():
                key, self._next = self._next, self._next + 1
                self._callbacks[key] = callback
                return lambda: self._forget(key)
        callback()
        return lambda: None

    def _forget(self, key: int) -> None:
        with self._lock:
            self._callbacks.pop(key, None)

    def error(self, about: str | None = None) -> ReadCancelledError:
        """The error of a read (of cluster ``about``) that the cancel stopped."""
        cluster = f" of cluster {about}" if about else ""
        return ReadCancelledError(
            f"read{cluster} cancelled: the Pulumi engine is stopping the run (Ctrl-C or a pipeline's cancel)"
        )

    def call(self, read: Callable[..., _T], /, *args: Any, about: str | None = None, **kwargs: Any) -> _T:
        """``read(*args, **kwargs)`` in a thread of its own, or ``ReadCancelledError`` as soon as the engine
        cancels (the read of cluster ``about``). A read cut off this way runs on in its (daemon) thread until it
        sees the cancel itself (``_requests`` stops it between attempts and in its waits; an exchange in flight
        ends by its timeout); its result is dropped, and it keeps no process alive."""
        if self.cancelled:
            raise self.error(about)
        ended = threading.Event()
        outcome: list[tuple[bool, Any]] = []

        def run() -> None:
            try:
                outcome.append((True, read(*args, **kwargs)))
            except BaseException as exc:  # handed to the caller's thread as it is
                outcome.append((False, exc))
            finally:
                ended.set()

        unsubscribe = self.subscribe(ended.set)
        try:
            threading.Thread(target=run, name="css-vpcep-read", daemon=True).start()
            ended.wait()
        finally:
            unsubscribe()
        if not outcome:
            raise self.error(about)
        done, value = outcome[0]
        if done:
            return value  # type: ignore[no-any-return]
        raise value

    async def run(self, read: Awaitable[_T], about: str | None = None) -> _T:
        """Await ``read`` as a task of the running loop, cancelled with ``ReadCancelledError`` when the
        engine cancels (from any thread)."""
        import asyncio

        if self.cancelled:
            if asyncio.iscoroutine(read):
                read.close()
            raise self.error(about)
        loop = asyncio.get_running_loop()
        task = asyncio.ensure_future(read)

        def stop() -> None:
            loop.call_soon_threadsafe(task.cancel)

        unsubscribe = self.subscribe(stop)
        try:
            return await task
        except asyncio.CancelledError:
            if not self.cancelled:
                raise  # the caller itself was cancelled
            raise self.error(about) from None
        finally:
            unsubscribe()
            if not task.done():
                task.cancel()
