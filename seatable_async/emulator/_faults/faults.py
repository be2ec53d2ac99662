"""Deterministic fault injection: one random draw per in-scope request, in arrival order."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable

from attrs import field, frozen

#: Statuses of the plain 5xx fault, in the order their share of ``rate_5xx`` is assigned.
DEFAULT_5XX = (500, 502, 503, 504)
#: A proxy in front of a backend that has applied the write answers one of these.
LATE_STATUSES = (502, 504)
_REASONS = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Temporarily Unavailable",
    504: "Gateway Time-out",
}


def _rate(instance: object, attribute: object, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError("fault rates must be between 0 and 1")


def _seconds(instance: object, attribute: object, value: float) -> None:
    if value < 0:
        raise ValueError("fault delays must not be negative")


def _statuses(value: Iterable[int]) -> tuple[int, ...]:
    statuses = tuple(int(s) for s in value)
    if not statuses or any(not 500 <= s <= 599 for s in statuses):
        raise ValueError("statuses_5xx must be a non-empty list of 5xx statuses")
    return statuses


@frozen
class Faults:
    """Fault rates (each 0..1; their sum should be ≤ 1), drawn once per in-scope request.

    ``rate_429``: 429 with empty body. ``rate_5xx``: one of ``statuses_5xx`` (500 JSON, others
    an nginx HTML page); the write is not applied. ``rate_reset``: connection dropped before
    anything is applied. ``rate_lost``: the request is applied, then the connection is dropped
    (client sees a protocol error). ``rate_late_commit``: 502 or 504 with an nginx HTML page at
    once, and the write lands ``late_commit_delay`` seconds of emulator time later (a proxy gave
    up on a backend that went on). ``rate_truncated``: the request is applied, the headers and
    half the body arrive, then the connection closes. ``rate_slow_body``: headers at once, the
    body ``slow_body_delay`` real seconds later. ``latency_jitter``: extra uniform 0..jitter
    seconds per in-scope request.
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
    rate_late_commit: float = field(default=0.0, validator=_rate)
    late_commit_delay: float = field(default=1.0, validator=_seconds)
    rate_truncated: float = field(default=0.0, validator=_rate)
    rate_slow_body: float = field(default=0.0, validator=_rate)
    slow_body_delay: float = field(default=1.0, validator=_seconds)
    statuses_5xx: tuple[int, ...] = field(default=DEFAULT_5XX, converter=_statuses)


def error_page(status: int) -> bytes:
    """An nginx-style HTML error page (what a proxy answers when the backend fails)."""
    title = f"{status} {_REASONS.get(status, 'Server Error')}"
    return (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n"
        "</body>\r\n</html>\r\n"
    ).encode()


class FaultInjector:
    """Draws faults for a `Faults` configuration."""

    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self._rng = random.Random(faults.seed)
        self._jitter_rng = random.Random(faults.seed + 1_000_003)
        self._lock = threading.Lock()

    def draw(self) -> tuple[str | None, int, float]:
        """(kind, status, jitter): kind is None, "429", "5xx", "reset", "lost", "late",
        "truncated" or "slow". New kinds sit after the old ones, so a seed that used only
        the old rates keeps its sequence."""
        f = self.faults
        with self._lock:
            r = self._rng.random()
            jitter = self._jitter_rng.uniform(0.0, f.latency_jitter) if f.latency_jitter else 0.0
        edge = 0.0
        for kind, rate in (
            ("429", f.rate_429),
            ("5xx", f.rate_5xx),
            ("reset", f.rate_reset),
            ("lost", f.rate_lost),
            ("late", f.rate_late_commit),
            ("truncated", f.rate_truncated),
            ("slow", f.rate_slow_body),
        ):
            if r < edge + rate:
                position = (r - edge) / rate
                if kind == "5xx":
                    return kind, _pick(f.statuses_5xx, position), jitter
                if kind == "late":
                    return kind, _pick(LATE_STATUSES, position), jitter
                return kind, 429 if kind == "429" else 0, jitter
            edge += rate
        return None, 0, jitter


def _pick(statuses: tuple[int, ...], position: float) -> int:
    return statuses[min(int(position * len(statuses)), len(statuses) - 1)]
