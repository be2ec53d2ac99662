"""Retry bookkeeping of one call: attempts, free replays, waits and the deadline.

tenacity drives the retry loop; these callbacks decide. Replays of a re-minted Base-Token,
of the Bearer→Token switch and of a token that went stale in the queue cost no attempt; each
has a small budget of its own, checked where the replay is raised, so the internal `Replay`
signal can never end the loop and reach a caller.
"""

from __future__ import annotations

from collections import Counter

import anyio
import attrs
import tenacity

from seatable_async._http.call import Call
from seatable_async._http.retry import RetryPolicy, backoff_delay

__all__ = ["FREE_REPLAYS", "Attempts", "Replay"]

# Replays that cost no attempt, each with its own budget: a re-minted Base-Token, the
# Bearer→Token switch, and a token that went stale while the request queued.
FREE_REPLAYS = {"token": 1, "scheme": 1, "stale": 5}


class Replay(Exception):
    """Internal: send the same call again at once. Raised only while its cause's budget
    lasts, and never stops the retry loop, so it cannot reach a caller."""

    def __init__(self, cause: str):
        super().__init__(cause)
        self.cause = cause


@attrs.define
class Attempts:
    """Per-call retry bookkeeping read by tenacity's callbacks."""

    call: Call
    policy: RetryPolicy
    started: float
    counted: int = 0
    replays: Counter[str] = attrs.field(factory=Counter)
    retryable: BaseException | None = None
    cause: str = ""
    server_wait: float | None = None
    on_wire: bool = False
    """An attempt's request is in the connection's hands (a write may land)."""

    @property
    def give_up_at(self) -> float:
        """Monotonic time after which no attempt starts and no wait ends."""
        return self.started + self.policy.deadline

    def may_replay(self, cause: str) -> bool:
        """Spend one free replay of ``cause`` if its budget allows."""
        if self.replays[cause] >= FREE_REPLAYS[cause]:
            return False
        self.replays[cause] += 1
        return True

    def mark(self, exc: BaseException, cause: str, server_wait: float | None = None) -> None:
        """``exc`` ends this attempt and may be retried: it counts as one attempt."""
        self.retryable, self.cause, self.server_wait = exc, cause, server_wait
        self.counted += 1

    def should_retry(self, exc: BaseException) -> bool:
        """Whether tenacity should try again after ``exc`` (no side effect on the counts, so
        tenacity may ask more than once)."""
        if isinstance(exc, Replay):
            self.cause = exc.cause
            return True
        return exc is self.retryable

    def wait(self, retry_state: tenacity.RetryCallState) -> float:
        if self.cause in FREE_REPLAYS:
            return 0.0
        if self.server_wait is not None:
            return self.server_wait
        policy = self.policy
        if self.cause == "429":
            return backoff_delay(self.counted, policy.rate_limit_wait, policy.max_server_wait)
        return backoff_delay(self.counted, policy.backoff_base, policy.backoff_max)

    def stop(self, retry_state: tenacity.RetryCallState) -> bool:
        if self.cause in FREE_REPLAYS:
            return False  # bounded where the replay is raised
        if self.counted >= self.policy.max_attempts:
            return True
        upcoming = retry_state.upcoming_sleep or 0.0
        return anyio.current_time() + upcoming > self.give_up_at
