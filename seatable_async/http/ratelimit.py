"""Per-base rate budget shared by every task using the base.

SeaTable's API gateway counts requests per base in fixed windows and reports the budget on every
answer (``x-ratelimit-limit``, ``-remaining``, ``-reset`` in Unix seconds). The limiter counts
what this client sends, trusts the server's ``remaining`` when it is lower, and once the window is
spent makes every worker wait for the reset together, instead of each one collecting a 429.
Without headers (legacy routes) it only reacts to 429s, by blocking the base for the server's
``Retry-After`` or an exponential backoff.

With a `BudgetStore` (e.g. Redis) the budget is shared by
every process using the store: acquiring is one atomic store call, and answers are sent to the
store from a background task. The rules are the same (see `seatable_async.http.budget`).
If the store fails, the limiter falls back to its per-process budget for that request.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable, Mapping

import anyio
import attrs

from seatable_async.http.budget import BudgetEvent, BudgetStore
from seatable_async.http.retry import parse_retry_after

__all__ = ["RateLimiter"]

_RESET_MARGIN = 0.05
_MAX_BLOCK = 60.0


@attrs.define
class _Budget:
    limit: int | None = None
    remaining: int = 0
    reset_at: float | None = None
    in_flight: int = 0
    blocked_until: float = 0.0
    consecutive_429: int = 0


class RateLimiter:
    """Paces requests per base key from the server's rate-limit headers and 429s."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        max_wait: float = _MAX_BLOCK,
        store: BudgetStore | None = None,
        spawn: Callable[[Callable[[], Awaitable[None]]], None] | None = None,
    ):
        """Create a limiter.

        Args:
            clock: Unix time source (the server's resets are Unix seconds).
            max_wait: the longest a single block lasts.
            store: shares the budgets with other processes (default: per-process only).
            spawn: starts background work (sending answers to the store); without it they are
                sent by the next `acquire`.
        """
        self._clock = clock
        self._max_wait = max_wait
        self._budgets: dict[str, _Budget] = {}
        self._store = store
        self._spawn = spawn
        self._tickets: dict[str, list[str]] = {}
        self._pending: list[BudgetEvent] = []
        self._flushing = False

    def _budget(self, key: str) -> _Budget:
        budget = self._budgets.get(key)
        if budget is None:
            budget = self._budgets[key] = _Budget()
        return budget

    async def acquire(self, key: str) -> None:
        """Wait until ``key`` may send one more request, and count it."""
        if self._store is not None and await self._acquire_shared(key, self._store):
            return
        budget = self._budget(key)
        while True:
            now = self._clock()
            if budget.blocked_until > now:
                await anyio.sleep(budget.blocked_until - now)
                continue
            if budget.limit is not None and budget.reset_at is not None:
                if now >= budget.reset_at + _RESET_MARGIN:
                    # A new window began; requests still in flight may land in it.
                    budget.remaining = max(0, budget.limit - budget.in_flight)
                    budget.reset_at = None
                elif budget.remaining <= 0:
                    await anyio.sleep(budget.reset_at + _RESET_MARGIN - now)
                    continue
            if budget.limit is not None and budget.remaining <= 0 and budget.reset_at is None:
                # Spent a window whose end we have not learned yet: wait for news.
                await anyio.sleep(0.05)
                if budget.in_flight == 0 and budget.reset_at is None:
                    budget.remaining = 1
                continue
            budget.remaining -= 1
            budget.in_flight += 1
            return

    def release(self, key: str, status: int | None, headers: Mapping[str, str] | None) -> None:
        """Account for the answer (or failure, ``status=None``) of a request sent for ``key``."""
        if self._store is not None:
            tickets = self._tickets.get(key)
            if tickets:
                self._release_shared(key, tickets.pop(), status, headers)
        budget = self._budget(key)
        budget.in_flight = max(0, budget.in_flight - 1)
        now = self._clock()
        limit = remaining = reset = None
        if headers:
            limit = _int(headers.get("x-ratelimit-limit"))
            remaining = _int(headers.get("x-ratelimit-remaining"))
            reset = _float(headers.get("x-ratelimit-reset"))
        if limit is not None and limit > 0 and remaining is not None and reset is not None:
            if reset > now and reset - now <= self._max_wait * 10:
                if budget.limit is None:
                    # First answer with a budget: before it the client counted blindly.
                    budget.remaining = remaining - budget.in_flight
                budget.limit = limit
                if budget.reset_at is None or reset > budget.reset_at:
                    if budget.reset_at is not None and reset > budget.reset_at:
                        budget.remaining = limit - budget.in_flight
                    budget.reset_at = reset
                budget.remaining = min(budget.remaining, remaining)
            elif remaining <= 0 and reset > now:
                # A far-away reset (monthly quota): block, capped; the retry policy decides.
                budget.blocked_until = now + self._max_wait
        if status == 429:
            budget.consecutive_429 += 1
            budget.remaining = 0
            wait = parse_retry_after(headers or {}, now=now, cap=self._max_wait)
            if wait is None or (budget.reset_at is not None and budget.reset_at > now):
                wait = (
                    budget.reset_at - now + _RESET_MARGIN
                    if budget.reset_at is not None and budget.reset_at > now
                    else min(self._max_wait, 0.5 * 2 ** min(budget.consecutive_429, 7))
                )
            budget.blocked_until = max(budget.blocked_until, now + wait)
        elif status is not None and status < 500:
            budget.consecutive_429 = 0

    # -- shared budget --------------------------------------------------------------------------

    async def _acquire_shared(self, key: str, store: BudgetStore) -> bool:
        """Count the request in the store; ``False`` means "use the local budget"."""
        if self._pending:
            await self._flush(store)
        ticket = uuid.uuid4().hex
        while True:
            try:
                wait = await store.acquire_budget(key, self._clock(), ticket)
            except Exception:  # the store logs; any failure means per-process pacing
                return False
            if wait <= 0:
                self._tickets.setdefault(key, []).append(ticket)
                return True
            await anyio.sleep(min(wait, self._max_wait))

    def _release_shared(
        self, key: str, ticket: str, status: int | None, headers: Mapping[str, str] | None
    ) -> None:
        now = self._clock()
        limit = remaining = reset = retry_after = None
        if headers:
            limit = _int(headers.get("x-ratelimit-limit"))
            remaining = _int(headers.get("x-ratelimit-remaining"))
            reset = _float(headers.get("x-ratelimit-reset"))
        if status == 429:
            retry_after = parse_retry_after(headers or {}, now=now, cap=self._max_wait)
        self._pending.append(
            BudgetEvent(key, ticket, now, status, limit, remaining, reset, retry_after,
                        self._max_wait)
        )
        if self._spawn is not None and not self._flushing and self._store is not None:
            store = self._store
            self._flushing = True

            async def flush() -> None:
                try:
                    await self._flush(store)
                finally:
                    self._flushing = False

            self._spawn(flush)

    async def _flush(self, store: BudgetStore) -> None:
        while self._pending:
            events, self._pending = self._pending, []
            try:
                await store.release_budget(events)
            except Exception:  # the store logs; the per-process budget saw the answers too
                return

    def snapshot(self, key: str) -> tuple[int | None, int, float | None]:
        """``(limit, remaining, reset_at)`` as currently believed, for diagnostics."""
        budget = self._budget(key)
        return budget.limit, budget.remaining, budget.reset_at


def _int(raw: str | None) -> int | None:
    value = _float(raw)
    return int(value) if value is not None else None


def _float(raw: str | None) -> float | None:
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None
