"""Rate limits like production: per-minute windows, a monthly quota, and their answers.

Numbers (api.seatable.com ``intro/limits.md``, 2025 table; reference §8):

=========================================  ==========  ===================
endpoints                                  Cloud       Dedicated / Server
=========================================  ==========  ===================
base operations ``/api-gateway/api/v2/*``  200/min     500/min
account operations ``/api/v2.1/*``         1000/min    3000/min
Account-Token ``/api2/auth-token/``        60/min      unlimited
=========================================  ==========  ===================

Base operations count per base, the others per credential (else per client address);
``/api2/ping/`` and ``/server-info/`` are never limited. The gateway answers 429 with an empty
body and sends ``x-ratelimit-limit/-remaining/-reset`` on every answer (the minute window; when
the monthly quota is used up, remaining 0 and reset = start of next month). dtable-web (DRF)
answers 429 ``{"detail": "Request was throttled. Expected available in N seconds."}`` with
``Retry-After: N`` (DRF's ``Throttled``; inferred for SeaTable from its DRF throttle classes).
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import TYPE_CHECKING

from attrs import evolve, frozen

from .._server.responses import Response, empty_response, json_response
from .rate_limiter import RateLimiter

if TYPE_CHECKING:
    from .._state.dates import Zone

Header = tuple[bytes, bytes]


def _positive(instance: object, attribute: object, value: int | None) -> None:
    if value is not None and value < 1:
        raise ValueError("limits must be positive (None = unlimited)")


@frozen
class Limits:
    """Per-minute limits (None = unlimited) and an optional monthly quota of base operations
    per team (per owner outside a team). Presets: `Limits.preset` ("cloud", "self-hosted")."""

    base_per_minute: int | None = None
    account_per_minute: int | None = None
    auth_token_per_minute: int | None = None
    base_per_month: int | None = None

    def __attrs_post_init__(self) -> None:
        for value in (
            self.base_per_minute,
            self.account_per_minute,
            self.auth_token_per_minute,
            self.base_per_month,
        ):
            _positive(self, None, value)

    @classmethod
    def preset(cls, name: str, **overrides: int | None) -> Limits:
        """``"cloud"`` or ``"self-hosted"`` (the documented defaults), with overrides, e.g.
        ``Limits.preset("cloud", base_per_month=50_000)``."""
        presets = {
            "cloud": cls(base_per_minute=200, account_per_minute=1000, auth_token_per_minute=60),
            "self-hosted": cls(base_per_minute=500, account_per_minute=3000),
        }
        if name not in presets:
            raise ValueError(f"limits preset must be 'cloud' or 'self-hosted', not {name!r}")
        return evolve(presets[name], **overrides)


def month_bounds(now: float, zone: Zone) -> tuple[str, int]:
    """(month key, Unix time of the next month's start in the server's zone)."""
    local = datetime.fromtimestamp(now, tz=zone.tzinfo)
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    start = datetime(year, month, 1, tzinfo=zone.tzinfo)
    return f"{local.year}-{local.month:02d}", int(start.timestamp())


def drf_throttled(wait: float) -> Response:
    """DRF's 429: ``detail`` names the wait, ``Retry-After`` carries it in whole seconds."""
    seconds = max(math.ceil(wait), 1)
    unit = "second" if seconds == 1 else "seconds"
    response = json_response(
        {"detail": f"Request was throttled. Expected available in {seconds} {unit}."}, 429
    )
    response.headers.append((b"retry-after", str(seconds).encode()))
    return response


class LimitPolicy:
    """Counts requests and decides; one per emulator (its counters live across requests)."""

    def __init__(self, minutes: RateLimiter | None = None) -> None:
        self.minutes = minutes or RateLimiter()
        self.months: dict[tuple[str, str], int] = {}

    def reset(self) -> None:
        self.minutes.reset()
        self.months.clear()

    def base(
        self,
        key: str,
        team: str,
        per_window: tuple[int, float] | None,
        per_month: int | None,
        now: float,
        zone: Zone,
        gateway: bool,
    ) -> tuple[Response | None, list[Header]]:
        """A base operation: (429 or None, the x-ratelimit headers for a gateway answer)."""
        headers: list[Header] = []
        blocked = False
        limit = remaining = reset = 0
        if per_window is not None:
            limit, seconds = per_window
            allowed, remaining, reset = self.minutes.hit(f"base:{key}", limit, seconds, now)
            blocked = not allowed
        if per_month is not None and not blocked:  # a refused request uses no quota
            month, next_month = month_bounds(now, zone)
            used = self.months.get((team, month), 0) + 1
            self.months[(team, month)] = used
            if used > per_month:
                blocked = True
                remaining, reset = 0, next_month
                limit = limit or per_month
        if gateway and (per_window is not None or per_month is not None):
            headers = [
                (b"x-ratelimit-limit", str(limit).encode()),
                (b"x-ratelimit-remaining", str(remaining).encode()),
                (b"x-ratelimit-reset", str(reset).encode()),
            ]
        return (empty_response(429) if blocked else None), headers

    def web(self, key: str, per_minute: int | None, now: float) -> Response | None:
        """A dtable-web request: a DRF 429 when the minute's budget is spent."""
        if per_minute is None:
            return None
        allowed, _, reset = self.minutes.hit(f"web:{key}", per_minute, 60.0, now)
        return None if allowed else drf_throttled(reset - now)
