"""Late commits: writes answered with a 5xx at once that land later, on the emulator clock.

A proxy (nginx, the API gateway) gives up on a slow backend and answers 502/504 while the
backend goes on and applies the write. The emulator keeps such writes in a queue ordered by
due time on its own clock and applies them when the clock has passed that time:

* before every request it serves (so a read after the delay sees the write),
* in `Emulator.advance` and `Emulator.rows` (deterministic: tests drive the clock),
* in a waker task: served over HTTP, a task in the server's loop; in-process (ASGI
  transport), a task in the caller's loop (asyncio task or trio system task) that lives only
  while writes are pending. Either way the write lands without any further request.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

log = logging.getLogger("seatable_async.emulator")

#: Longest sleep of a waker between clock checks (an injected clock may jump).
WAKER_POLL = 0.05


def run_now(coro: Coroutine[Any, Any, object]) -> object:
    """Run a handler coroutine that never suspends (its request body is already read)."""
    try:
        coro.send(None)
    except StopIteration as done:
        result: object = done.value
        return result
    coro.close()
    raise RuntimeError("a late-committed handler tried to suspend")


class LateCommits:
    """Writes waiting to land, ordered by due time."""

    def __init__(
        self, clock: Callable[[], float], on_applied: Callable[[int], None] | None = None
    ) -> None:
        self._clock = clock
        self._on_applied = on_applied
        self._heap: list[tuple[float, int, Callable[[], Coroutine[Any, Any, object]]]] = []
        self._order = itertools.count()
        self._lock = threading.RLock()
        self.applied = 0
        self._wakers: set[object] = set()

    @property
    def pending(self) -> int:
        return len(self._heap)

    def next_due(self) -> float | None:
        with self._lock:
            return self._heap[0][0] if self._heap else None

    def schedule(self, due: float, start: Callable[[], Awaitable[object]]) -> None:
        """Queue the handler call ``start`` to run at ``due`` (its request's body must
        already be read)."""

        def call() -> Coroutine[Any, Any, object]:
            coro = start()
            assert isinstance(coro, Coroutine)
            return coro

        with self._lock:
            heapq.heappush(self._heap, (due, next(self._order), call))

    def apply_due(self, everything: bool = False) -> int:
        """Apply every write whose time has come (all of them with ``everything``)."""
        if not self._heap:
            return 0
        done = 0
        with self._lock:
            now = self._clock()
            while self._heap and (everything or self._heap[0][0] <= now):
                _, _, call = heapq.heappop(self._heap)
                try:
                    run_now(call())
                except Exception:  # the client never sees this answer; the server logs it
                    log.debug("late commit failed", exc_info=True)
                done += 1
            self.applied += done
        if done and self._on_applied is not None:
            self._on_applied(done)
        return done

    def start_waker(self) -> None:
        """Apply the pending writes on time in the running event loop, without requests."""
        import sniffio

        try:
            library = sniffio.current_async_library()
        except sniffio.AsyncLibraryNotFoundError:
            return
        if library == "trio":
            import trio

            key: object = trio.lowlevel.current_trio_token()
        else:
            import asyncio

            key = asyncio.get_running_loop()
        with self._lock:
            if key in self._wakers:
                return
            self._wakers.add(key)
        if library == "trio":
            trio.lowlevel.spawn_system_task(self._wake, key)
        else:
            task = asyncio.get_running_loop().create_task(self._wake(key))
            _TASKS.add(task)
            task.add_done_callback(_TASKS.discard)

    async def _wake(self, key: object) -> None:
        import anyio

        try:
            while True:
                self.apply_due()
                due = self.next_due()
                if due is None:
                    return
                await anyio.sleep(min(max(due - self._clock(), 0.001), WAKER_POLL))
        finally:
            with self._lock:
                self._wakers.discard(key)


_TASKS: set[Any] = set()  # strong references to running asyncio wakers
