"""Virtual time for timing tests, on both anyio backends.

trio has ``MockClock(autojump_threshold=0)``; for asyncio, `VirtualTimeLoop` does the same: its
``time()`` is virtual, and whenever the loop would sleep until its next timer with no I/O ready,
the clock jumps there at once. Token windows, rate-limit windows and retry backoffs then take
no wall-clock time and cannot be missed on a loaded machine.

A module or test opts in with the ``virtual_time`` mark (the root conftest's ``anyio_backend``
fixture then returns `virtual_backend` for each loop)::

    pytestmark = [pytest.mark.anyio, pytest.mark.virtual_time]

Code under test must take its time from ``anyio.current_time()`` (or a clock built on it, see
`wall_clock`). Work in threads is not covered: the clock may jump while a thread runs.
"""

from __future__ import annotations

import asyncio
import selectors
from collections.abc import Callable
from typing import Any

import anyio

EPOCH = 1_900_000_000.0
"""Unix time at virtual zero (a plausible wall clock for JWT ``exp`` and rate-limit resets)."""


class _JumpingSelector(selectors.BaseSelector):
    """Polls real I/O without blocking; when there is none, advances the loop's clock."""

    def __init__(self, loop: VirtualTimeLoop, inner: selectors.BaseSelector):
        self._loop = loop
        self._inner = inner

    def register(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._inner.register(fileobj, events, data)

    def unregister(self, fileobj: Any) -> selectors.SelectorKey:
        return self._inner.unregister(fileobj)

    def modify(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._inner.modify(fileobj, events, data)

    def get_map(self) -> Any:
        return self._inner.get_map()

    def close(self) -> None:
        self._inner.close()

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        ready = self._inner.select(0)
        if ready or timeout == 0:
            return ready
        if timeout is None:
            return self._inner.select(None)  # nothing scheduled: wait for real I/O
        self._loop.virtual_now += timeout
        return []


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """An asyncio loop whose clock jumps to the next timer whenever it would idle."""

    def __init__(self) -> None:
        self.virtual_now = 0.0
        super().__init__(_JumpingSelector(self, selectors.DefaultSelector()))

    def time(self) -> float:
        return self.virtual_now


def virtual_backend(name: str) -> tuple[str, dict[str, Any]]:
    """The ``anyio_backend`` value that runs a test on virtual time."""
    if name == "trio":
        import trio.testing

        return "trio", {"clock": trio.testing.MockClock(autojump_threshold=0)}
    return "asyncio", {"loop_factory": VirtualTimeLoop}


def wall_clock() -> Callable[[], float]:
    """A Unix-time clock that follows the event loop's (virtual) clock."""
    return lambda: EPOCH + anyio.current_time()
