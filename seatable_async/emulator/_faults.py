"""Deterministic fault injection: one random draw per in-scope request, in arrival order."""

from __future__ import annotations

import random
import threading

from attrs import field, frozen


def _rate(instance: object, attribute: object, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError("fault rates must be between 0 and 1")


@frozen
class Faults:
    """Fault rates (each 0..1; their sum should be ≤ 1).

    ``rate_429``: 429 with empty body. ``rate_5xx``: 500/502/503, the write is not applied.
    ``rate_reset``: connection dropped before anything is applied. ``rate_lost``: the request
    is applied, then the connection is dropped (client sees a protocol error).
    ``latency_jitter``: extra uniform 0..jitter seconds per in-scope request.
    Faults hit base operations; with ``token_endpoints=True`` also the Base-Token endpoints.
    Same ``seed`` and same request sequence give the same faults.
    """

    seed: int = 1
    rate_429: float = field(default=0.0, validator=_rate)
    rate_5xx: float = field(default=0.0, validator=_rate)
    rate_reset: float = field(default=0.0, validator=_rate)
    rate_lost: float = field(default=0.0, validator=_rate)
    latency_jitter: float = 0.0
    token_endpoints: bool = False


class FaultInjector:
    """Draws faults for a `Faults` configuration."""

    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self._rng = random.Random(faults.seed)
        self._jitter_rng = random.Random(faults.seed + 1_000_003)
        self._lock = threading.Lock()

    def draw(self) -> tuple[str | None, int, float]:
        """(kind, status, jitter): kind is None, "429", "5xx", "reset" or "lost"."""
        f = self.faults
        with self._lock:
            r = self._rng.random()
            jitter = self._jitter_rng.uniform(0.0, f.latency_jitter) if f.latency_jitter else 0.0
        edge = f.rate_429
        if r < edge:
            return "429", 429, jitter
        if r < edge + f.rate_5xx:
            position = (r - edge) / f.rate_5xx
            return "5xx", (500, 502, 503)[min(int(position * 3), 2)], jitter
        edge += f.rate_5xx
        if r < edge + f.rate_reset:
            return "reset", 0, jitter
        edge += f.rate_reset
        if r < edge + f.rate_lost:
            return "lost", 0, jitter
        return None, 0, jitter
