"""Counters describing what the emulator saw (thread-safe increments)."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from attrs import define, field


@define
class EmulatorStats:
    """Request counters. ``requests`` by route name (e.g. ``"gateway.rows.append"``),
    ``token_requests`` by Base-Token flow (``"api"``, ``"account"``, ``"external"``, ``"temp"``;
    successful mints), ``statuses`` by status code, ``schemes`` by Authorization scheme
    (``"token"``/``"bearer"``/other), ``faults`` by injected kind, plus ``rejected_tokens``
    (Base-Tokens refused: expired/invalid/wrong base) and ``rate_limited`` (429 from limiter),
    ``late_writes`` (writes of late-commit faults that have landed), ``sockets`` (Socket.IO:
    ``"connected"``, ``"refused"``, ``"joined"``, ``"refused_join"``, ``"operations"``,
    ``"operation_invalid"``, ``"broadcasts"``, ``"dropped"``, ``"disconnected"``),
    ``webhooks`` (``"sent"``, ``"delivered"``, ``"failed"``, ``"timeouts"``,
    ``"invalidated"``, ``"skipped_invalid"``).
    """

    requests: Counter[str] = field(factory=Counter)
    token_requests: Counter[str] = field(factory=Counter)
    statuses: Counter[int] = field(factory=Counter)
    schemes: Counter[str] = field(factory=Counter)
    faults: Counter[str] = field(factory=Counter)
    sockets: Counter[str] = field(factory=Counter)
    webhooks: Counter[str] = field(factory=Counter)
    rejected_tokens: int = 0
    rate_limited: int = 0
    rows_written: int = 0
    late_writes: int = 0
    _lock: threading.Lock = field(factory=threading.Lock, repr=False, eq=False)

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.token_requests.clear()
            self.statuses.clear()
            self.schemes.clear()
            self.faults.clear()
            self.sockets.clear()
            self.webhooks.clear()
            self.rejected_tokens = 0
            self.rate_limited = 0
            self.rows_written = 0
            self.late_writes = 0

    def count(self, counter: str, key: Any, n: int = 1) -> None:
        with self._lock:
            c: Counter[Any] = getattr(self, counter)
            c[key] += n

    def add(self, attr: str, n: int = 1) -> None:
        with self._lock:
            setattr(self, attr, getattr(self, attr) + n)

    def as_dict(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": dict(self.requests),
                "token_requests": dict(self.token_requests),
                "statuses": {str(k): v for k, v in self.statuses.items()},
                "schemes": dict(self.schemes),
                "faults": dict(self.faults),
                "sockets": dict(self.sockets),
                "webhooks": dict(self.webhooks),
                "rejected_tokens": self.rejected_tokens,
                "rate_limited": self.rate_limited,
                "rows_written": self.rows_written,
                "late_writes": self.late_writes,
                "total_requests": sum(self.requests.values()),
            }
