"""A bounded buffer between the connection and a consumer that may be slow.

Overflow policy: **drop the oldest**. When ``capacity`` events wait and another arrives, the
oldest waiting event is dropped and counted; the consumer's next read is an `EventsDropped`
marker (how many, since when), then the retained events in order. Memory stays bounded by
``capacity`` events whatever the consumer does; the connection never waits for the consumer
(waiting would only move the backlog into the server's socket buffers until it disconnects).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

import anyio

from seatable_async.events._types import EventsDropped

__all__ = ["EventBuffer"]


class Stamped(Protocol):
    @property
    def received_at(self) -> float: ...


T = TypeVar("T", bound=Stamped)


class EventBuffer(Generic[T]):
    """Holds at most ``capacity`` events for one consumer.

    Args:
        capacity: events kept at most (≥ 1).
        clock: Unix time source for markers.
        on_drop: called with the number of events dropped, for the client's counters.
    """

    def __init__(
        self,
        capacity: int,
        clock: Callable[[], float],
        on_drop: Callable[[int], None] | None = None,
    ) -> None:
        self.capacity = capacity
        self.dropped = 0
        self._items: deque[T] = deque()
        self._clock = clock
        self._on_drop = on_drop
        self._pending_drops = 0
        self._drops_since = 0.0
        self._ready = anyio.Event()
        self._failure: BaseException | None = None
        self._closed = False

    def __len__(self) -> int:
        return len(self._items)

    def put(self, event: T) -> None:
        """Add ``event`` without waiting; drops the oldest one when full."""
        if self._closed:
            return
        if len(self._items) >= self.capacity:
            oldest = self._items.popleft()
            if self._pending_drops == 0:
                self._drops_since = oldest.received_at
            self._pending_drops += 1
            self.dropped += 1
            if self._on_drop is not None:
                self._on_drop(1)
        self._items.append(event)
        self._ready.set()

    def fail(self, error: BaseException) -> None:
        """End the stream with ``error`` once the waiting events are read."""
        if self._failure is None:
            self._failure = error
        self._ready.set()

    def close(self) -> None:
        """End the stream: readers get what waits, then `StopAsyncIteration`."""
        self._closed = True
        self._ready.set()

    async def get(self) -> T | EventsDropped:
        """The next event (an `EventsDropped` marker first after drops).

        Raises:
            StopAsyncIteration: closed and empty.
            Exception: the error given to `fail`, once empty.
        """
        while True:
            if self._pending_drops:
                marker = EventsDropped(
                    received_at=self._clock(), count=self._pending_drops, since=self._drops_since
                )
                self._pending_drops = 0
                return marker
            if self._items:
                return self._items.popleft()
            if self._failure is not None:
                raise self._failure
            if self._closed:
                raise StopAsyncIteration
            self._ready = anyio.Event()
            await self._ready.wait()
