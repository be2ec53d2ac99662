"""Fixed-window rate limiting per base, windows aligned to the Unix clock."""

from __future__ import annotations

import math
import threading


class RateLimiter:
    """Counts hits per key in windows ``[floor(now/s)*s, +s)``."""

    def __init__(self) -> None:
        self._windows: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, limit: int, seconds: float, now: float) -> tuple[bool, int, int]:
        """(allowed, remaining, reset): reset is the window end in Unix seconds."""
        start = math.floor(now / seconds) * seconds
        with self._lock:
            wstart, count = self._windows.get(key, (start, 0))
            if wstart != start:
                count = 0
            count += 1
            self._windows[key] = (start, count)
        reset = math.ceil(start + seconds)
        return count <= limit, max(limit - count, 0), reset

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()
