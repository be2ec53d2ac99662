"""Storage protocol for sharing per-base rate budgets between processes.

The rules of the budget (one algorithm, implemented twice: in Python by
`RateLimiter` for one process, and in a Lua script by
`seatable_async.redis.RedisFleetStore` for a fleet). Time is Unix seconds of the caller's
clock, as the server's ``x-ratelimit-reset`` is.

State per base: ``limit``, ``remaining``, ``reset_at``, ``blocked_until``, ``consecutive_429``
and the requests in flight.

Acquire (before a request):

1. ``blocked_until > now`` → wait until then.
2. Known window (``limit`` and ``reset_at``): once ``now ≥ reset_at + 0.05`` a new window began:
   ``remaining = max(0, limit − in_flight)`` and the reset is forgotten; before that, with
   ``remaining ≤ 0``, wait until ``reset_at + 0.05``.
3. A spent window whose end is unknown: wait 50 ms for news; with nothing in flight, allow one
   probe (``remaining = 1``).
4. Otherwise count the request: ``remaining −= 1``, ``in_flight += 1``.

Release (after the answer; ``status`` is ``None`` when nothing came back): ``in_flight −= 1``;
with ``x-ratelimit-limit/-remaining/-reset`` and a reset at most ``10 × max_wait`` away: the
first such answer sets ``remaining = header remaining − in_flight`` (before it the count was
blind); learn ``limit``; a later reset starts a new window (``remaining = limit − in_flight``); then
``remaining = min(remaining, header remaining)``. A far-away reset with nothing remaining (a
monthly quota) blocks for ``max_wait``. A 429 sets ``remaining = 0`` and blocks the base — for
every process sharing the budget — until the known reset (+0.05 s), else the ``Retry-After``,
else ``min(max_wait, 0.5 × 2^min(consecutive_429, 7))`` seconds; any other answer below 500
clears ``consecutive_429``.

A store signals an unreachable backend with
`StoreUnavailable`; the limiter then uses its per-process
budget.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import attrs

__all__ = ["RESET_MARGIN", "BudgetEvent", "BudgetStore"]

RESET_MARGIN = 0.05
"""Seconds added to a window's reset before the next window is trusted to have begun."""


@attrs.frozen
class BudgetEvent:
    """The answer to one request, as the budget rules need it (no headers, no secrets)."""

    key: str
    ticket: str
    now: float
    status: int | None
    limit: int | None
    remaining: int | None
    reset: float | None
    retry_after: float | None
    max_wait: float


@runtime_checkable
class BudgetStore(Protocol):
    """Shared per-base rate budgets (see the module docstring for the rules).

    Both methods may raise `StoreUnavailable`.
    """

    async def acquire_budget(self, key: str, now: float, ticket: str) -> float:
        """Count one request under ``ticket`` and return 0, or return the seconds to wait."""
        ...

    async def release_budget(self, events: Sequence[BudgetEvent]) -> None:
        """Apply the answers of requests counted by `acquire_budget`, in order."""
        ...
