"""Retry policy, classification helpers and server-directed delays (pure functions)."""

from __future__ import annotations

import email.utils
import math
import random
import time
from collections.abc import Mapping

import attrs

from seatable_async.errors import ConfigurationError

__all__ = ["RetryPolicy", "backoff_delay", "parse_retry_after"]


def _positive(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not (isinstance(value, (int, float)) and value > 0 and math.isfinite(value)):
        raise ConfigurationError(f"RetryPolicy.{attribute.name} must be a positive number")


@attrs.frozen
class RetryPolicy:
    """How hard the client tries before giving up.

    Attributes:
        max_attempts: attempts per operation, the first one included (a token re-mint replay
            and the Bearer→Token switch do not count).
        deadline: seconds the whole operation may take, counted from its first attempt: no
            attempt starts after it, and the attempt running when it passes is ended
            (`RequestTimeoutError` with ``scope="operation"``). A streamed download is bounded
            by it until its header arrives, then by the download rule.
        backoff_base: first delay for 5xx and transport failures; doubles per attempt, jittered.
        backoff_max: cap of that delay.
        rate_limit_wait: first delay after a 429 that names no reset time.
        max_server_wait: cap for a server-directed wait (``Retry-After``, ``x-ratelimit-reset``).
    """

    max_attempts: int = attrs.field(default=6)
    deadline: float = attrs.field(default=120.0, validator=_positive)
    backoff_base: float = attrs.field(default=0.2, validator=_positive)
    backoff_max: float = attrs.field(default=8.0, validator=_positive)
    rate_limit_wait: float = attrs.field(default=1.0, validator=_positive)
    max_server_wait: float = attrs.field(default=60.0, validator=_positive)

    @max_attempts.validator
    def _check_attempts(self, attribute: attrs.Attribute[int], value: int) -> None:
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ConfigurationError("RetryPolicy.max_attempts must be an integer >= 1")


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Full-jitter exponential backoff for the ``attempt``-th retry (1-based)."""
    high = min(cap, base * (2.0 ** max(0, attempt - 1)))
    return (rng or random).uniform(high / 2, high)


def parse_retry_after(
    headers: Mapping[str, str], *, now: float | None = None, cap: float = 60.0
) -> float | None:
    """Seconds to wait as the server directs, or None when it gives no usable hint.

    Reads ``retry-after-ms``, ``Retry-After`` (seconds or HTTP-date) and ``x-ratelimit-reset``
    (Unix seconds; a reset far in the future, such as a monthly quota, is capped). Negative,
    non-finite, non-numeric and absurd values are ignored.
    """
    now = time.time() if now is None else now
    candidates: list[float] = []
    raw_ms = headers.get("retry-after-ms")
    if raw_ms is not None:
        ms = _number(raw_ms)
        if ms is not None:
            candidates.append(ms / 1000.0)
    raw = headers.get("retry-after")
    if raw is not None and not candidates:
        seconds = _number(raw)
        if seconds is None:
            seconds = _http_date_delay(raw, now)
        if seconds is not None:
            candidates.append(seconds)
    reset = headers.get("x-ratelimit-reset")
    if reset is not None and not candidates:
        at = _number(reset)
        if at is not None and at > 1e9:
            candidates.append(at - now)
        elif at is not None:
            candidates.append(at)
    for value in candidates:
        if 0 <= value < 1e9:
            return min(value, cap)
    return None


def _number(raw: str) -> float | None:
    try:
        value = float(raw.strip())
    except (ValueError, AttributeError):
        return None
    return value if math.isfinite(value) else None


def _http_date_delay(raw: str, now: float) -> float | None:
    try:
        parsed = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    try:
        return parsed.timestamp() - now
    except (OverflowError, OSError, ValueError):
        return None
