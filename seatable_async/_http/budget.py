"""Storage protocol for sharing per-base rate budgets between processes (see `BudgetStore`)."""

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
    sent: bool = True
    """False when the request was never sent: it only gives its unit back."""


@runtime_checkable
class BudgetStore(Protocol):
    """Shared per-base rate budgets: the rules of the budget, implemented twice — in Python by
    the per-process rate limiter, and in a Lua script by ``RedisFleetStore`` for a fleet.

    Time is Unix seconds of the caller's clock, as the server's ``x-ratelimit-reset`` is.
    State per base: ``limit``, the ``window`` being counted (its reset) and ``reported`` (the
    lowest ``remaining`` the server reported for it), ``rolled_from`` (the window before),
    ``blocked_until``, ``consecutive_429`` and the requests in flight.

    Acquire (before a request):

    1. ``blocked_until > now`` → wait until then.
    2. A known window ends (``now ≥ window + 0.05``): a new one began; ``rolled_from = window``,
       the window is forgotten, ``reported = limit``.
    3. ``available = reported − in_flight`` (unlimited while no limit is known). Every answered
       request was counted in the report with the highest count, so this is exact whatever
       order answers arrive in. ``available > 0`` → count the request (``in_flight += 1``).
    4. Otherwise, with a known window, wait until ``window + 0.05``; with none, wait for news
       (an answer), or send one probe when nothing is in flight.

    Release (after the answer; ``status`` is None when nothing came back; a request that was
    never sent only gives back its unit): ``in_flight −= 1``; with
    ``x-ratelimit-limit/-remaining/-reset`` and a reset at most ``10 × max_wait`` away: learn
    ``limit``; a reset later than the window (and than ``rolled_from``) starts that window with
    ``reported = remaining``; the same reset lowers ``reported`` to ``remaining``; an older
    one is ignored. A far-away reset with nothing remaining (a monthly quota) blocks for
    ``max_wait``. A 429 sets ``reported = 0`` and blocks the base — for every process sharing
    the budget — until the known window's end (+0.05 s), else the ``Retry-After``, else
    ``min(max_wait, 0.5 × 2^min(consecutive_429, 7))`` seconds; any other answer below 500
    clears ``consecutive_429``.

    Both methods may raise ``StoreUnavailable``; the limiter then uses its per-process budget.
    """

    async def acquire_budget(self, key: str, now: float, ticket: str) -> float:
        """Count one request under ``ticket`` and return 0, or return the seconds to wait."""
        ...

    async def release_budget(self, events: Sequence[BudgetEvent]) -> None:
        """Apply the answers of requests counted by `acquire_budget`, in order."""
        ...
