"""Exact repeats of a webhook within a window, remembered in bounded memory."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable

from seatable_async.webhooks._event import WebhookEvent

__all__ = ["RepeatFilter"]

_Key = tuple[str, str, str, float, bytes]


class RepeatFilter:
    """Remembers the events seen in the last ``window`` seconds (at most ``size`` of them).

    An event repeats an earlier one when both have the same ``dtable_uuid``, ``row_id``,
    ``op_type`` and ``op_time`` and the same body bytes. The bytes count because SeaTable's
    ``op_time`` has millisecond resolution: two different writes of one row in the same
    millisecond (concurrent API clients) are two events, not a repeat; a replayed or
    re-sent request is byte for byte the same.
    """

    def __init__(self, window: float, size: int, clock: Callable[[], float]) -> None:
        self._window = window
        self._size = size
        self._clock = clock
        self._seen: OrderedDict[_Key, float] = OrderedDict()

    def __len__(self) -> int:
        return len(self._seen)

    @staticmethod
    def key(event: WebhookEvent, body: bytes) -> _Key:
        digest = hashlib.sha256(body).digest()
        return (event.dtable_uuid, event.row_id, event.op_type, event.op_timestamp, digest)

    def seen(self, key: _Key) -> bool:
        """Whether ``key`` was remembered within the window (expired keys are forgotten)."""
        now = self._clock()
        seen = self._seen
        while seen:
            oldest, expires = next(iter(seen.items()))
            if expires > now:
                break
            del seen[oldest]
        return key in seen

    def remember(self, key: _Key) -> None:
        """Remember ``key`` for the window (the oldest key goes when the filter is full)."""
        if self._window <= 0 or self._size <= 0:
            return
        self._seen[key] = self._clock() + self._window
        self._seen.move_to_end(key)
        while len(self._seen) > self._size:
            self._seen.popitem(last=False)
