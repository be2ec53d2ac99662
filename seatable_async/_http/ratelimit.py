"""Per-base rate budget shared by every task using the base.

SeaTable's API gateway counts requests per base in fixed windows and reports the budget on every
answer (``x-ratelimit-limit``, ``-remaining``, ``-reset`` in Unix seconds). The limiter counts
what this client sends, trusts the server's ``remaining`` when it is lower, and once the window is
spent makes every worker wait for the reset together, instead of each one collecting a 429.
Without headers (legacy routes) it only reacts to 429s, by blocking the base for the server's
``Retry-After`` or an exponential backoff.

With a `BudgetStore` (e.g. Redis) the budget is shared by
every process using the store: acquiring is one atomic store call, and answers are sent to the
store from a background task. The rules are the same (see `BudgetStore`).
If the store fails, the limiter falls back to its per-process budget for that request.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

import anyio
import attrs

from seatable_async._http.budget import RESET_MARGIN, BudgetEvent, BudgetStore
from seatable_async._http.retry import parse_retry_after
from seatable_async.errors import RateLimitedError

__all__ = ["RateLimiter"]

_MAX_BLOCK = 60.0
_MAX_PENDING = 10_000
_SWEEP_AT = 1024


@attrs.define
class _Budget:
    """What one client knows about one base's budget.

    ``window`` is the reset (Unix seconds) of the window being counted and ``reported`` the
    lowest ``remaining`` the server reported for it. Every request the server has answered was
    counted in the report with the highest count, so ``reported - in_flight`` is exactly what
    may still be sent, whatever order the answers arrive in.
    """

    limit: int | None = None
    window: float | None = None
    reported: int | None = None
    rolled_from: float | None = None
    in_flight: int = 0
    blocked_until: float = 0.0
    consecutive_429: int = 0
    waiting: int = 0
    news: anyio.Event = attrs.field(factory=anyio.Event)

    def available(self) -> int | None:
        """Requests that may still be sent in this window; None while no limit is known."""
        if self.limit is None or self.reported is None:
            return None
        return self.reported - self.in_flight

    def announce(self) -> None:
        """Wake every task waiting for news about this budget (if any waits)."""
        if self.waiting:
            self.news.set()
            self.news = anyio.Event()


class RateLimiter:
    """Paces requests per base key from the server's rate-limit headers and 429s."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        max_wait: float = _MAX_BLOCK,
        store: BudgetStore | None = None,
        spawn: Callable[[Callable[[], Coroutine[Any, Any, None]]], None] | None = None,
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

    def now(self) -> float:
        """The limiter's Unix time (the clock the server's resets are compared with)."""
        return self._clock()

    def _budget(self, key: str) -> _Budget:
        budget = self._budgets.get(key)
        if budget is None:
            if len(self._budgets) >= _SWEEP_AT:
                self._sweep()
            budget = self._budgets[key] = _Budget()
        return budget

    def _sweep(self) -> None:
        """Forget idle bases whose window and block have passed (many bases, long runs)."""
        now = self._clock()
        for key, budget in list(self._budgets.items()):
            idle = budget.in_flight == 0 and budget.blocked_until <= now
            if idle and (budget.window is None or budget.window + RESET_MARGIN <= now):
                del self._budgets[key]

    async def acquire(self, key: str, *, give_up_at: float | None = None) -> None:
        """Wait until ``key`` may send one more request, and count it.

        Args:
            key: the base.
            give_up_at: monotonic time (``anyio.current_time()``) after which waiting is
                pointless: the caller's retry deadline.

        Raises:
            RateLimitedError: the budget is spent until after ``give_up_at`` (raised at once).
        """
        if self._store is not None and await self._acquire_shared(key, self._store, give_up_at):
            return
        budget = self._budget(key)
        while True:
            wait = self._wait(budget, self._clock())
            if wait == 0.0:
                budget.in_flight += 1
                return
            if give_up_at is not None and anyio.current_time() + (wait or 0.0) > give_up_at:
                raise _spent(key, wait)
            # Wake on news (an answer, a 429, a new window) or when the known wait is over.
            budget.waiting += 1
            try:
                with anyio.move_on_after(wait if wait is not None else float("inf")):
                    await budget.news.wait()
            finally:
                budget.waiting -= 1

    def _wait(self, budget: _Budget, now: float) -> float | None:
        """0 to send now, seconds to wait, or None to wait for news of a window."""
        if budget.blocked_until > now:
            return budget.blocked_until - now
        if budget.window is not None and now >= budget.window + RESET_MARGIN:
            # A new window began; requests still in flight may land in it.
            budget.rolled_from, budget.window = budget.window, None
            budget.reported = budget.limit
        available = budget.available()
        if available is None or available > 0:
            return 0.0
        if budget.window is not None:
            return budget.window + RESET_MARGIN - now
        # Spent a window whose end we have not learned: answers in flight will tell; with
        # nothing in flight, one probe may go.
        return 0.0 if budget.in_flight == 0 else None

    def release(
        self,
        key: str,
        status: int | None,
        headers: Mapping[str, str] | None,
        *,
        sent: bool = True,
    ) -> None:
        """Account for the answer to a request counted by `acquire`.

        Args:
            key: the base.
            status: the HTTP status, or None when no answer came.
            headers: the answer's headers, if any.
            sent: False when the request was never sent (its budget unit is refunded).
        """
        if self._store is not None:
            tickets = self._tickets.get(key)
            if tickets:
                self._release_shared(key, tickets.pop(), status, headers, sent)
        budget = self._budget(key)
        budget.in_flight = max(0, budget.in_flight - 1)
        if sent:
            self._learn(budget, status, headers)
        budget.announce()

    def _learn(
        self, budget: _Budget, status: int | None, headers: Mapping[str, str] | None
    ) -> None:
        now = self._clock()
        limit = remaining = reset = None
        if headers:
            limit = _int(headers.get("x-ratelimit-limit"))
            remaining = _int(headers.get("x-ratelimit-remaining"))
            reset = _float(headers.get("x-ratelimit-reset"))
        if limit is not None and limit > 0 and remaining is not None and reset is not None:
            if reset > now and reset - now <= self._max_wait * 10:
                budget.limit = limit
                if budget.window is None or reset > budget.window:
                    if budget.rolled_from is None or reset > budget.rolled_from:
                        budget.window, budget.reported = reset, remaining
                elif reset == budget.window and budget.reported is not None:
                    budget.reported = min(budget.reported, remaining)
            elif remaining <= 0 and reset > now:
                # A far-away reset (monthly quota): block, capped; the retry policy decides.
                budget.blocked_until = now + self._max_wait
        if status == 429:
            budget.consecutive_429 += 1
            if budget.reported is not None:
                budget.reported = min(budget.reported, 0)
            wait = parse_retry_after(headers or {}, now=now, cap=self._max_wait)
            if wait is None or (budget.window is not None and budget.window > now):
                wait = (
                    budget.window - now + RESET_MARGIN
                    if budget.window is not None and budget.window > now
                    else min(self._max_wait, 0.5 * 2 ** min(budget.consecutive_429, 7))
                )
            budget.blocked_until = max(budget.blocked_until, now + wait)
        elif status is not None and status < 500:
            budget.consecutive_429 = 0

    # -- shared budget --------------------------------------------------------------------------

    async def _acquire_shared(self, key: str, store: BudgetStore, give_up_at: float | None) -> bool:
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
            if give_up_at is not None and anyio.current_time() + wait > give_up_at:
                raise _spent(key, wait)
            await anyio.sleep(min(wait, self._max_wait))

    def _release_shared(
        self,
        key: str,
        ticket: str,
        status: int | None,
        headers: Mapping[str, str] | None,
        sent: bool,
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
            BudgetEvent(
                key, ticket, now, status, limit, remaining, reset, retry_after, self._max_wait, sent
            )
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
                # Keep them (bounded) for when the store answers again: their tickets hold
                # units of the shared budget until they are released.
                self._pending = (events + self._pending)[-_MAX_PENDING:]
                return

    def snapshot(self, key: str) -> tuple[int | None, int | None, float | None]:
        """``(limit, available, reset_at)`` as currently believed, for diagnostics."""
        budget = self._budget(key)
        return budget.limit, budget.available(), budget.window


def _spent(key: str, wait: float | None) -> RateLimitedError:
    when = f"for {wait:.1f}s more" if wait is not None else "until the server reports a reset"
    return RateLimitedError(
        f"the rate budget of this base is spent {when}, past the retry deadline "
        "(RetryPolicy.deadline); nothing was sent",
        status=429,
        retry_after=wait,
    )


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
