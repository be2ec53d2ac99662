"""Limits like production (audit D8). Source for the numbers: api.seatable.com
``intro/limits.md`` (2025 table: base operations 200/min Cloud, 500/min server; account
operations 1000/3000 per minute; ``/api2/auth-token`` 60/min Cloud), reference §8."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from seatable_async.emulator import Emulator, Limits

from ._world import world

pytestmark = pytest.mark.anyio

TABLES = {"T": {"Name": "text"}}
JUNE_15 = datetime(2030, 6, 15, 12, 0, 30, tzinfo=timezone.utc).timestamp()


class _Clock:
    def __init__(self, t: float = JUNE_15) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def test_presets_carry_the_documented_numbers() -> None:
    """Cloud: 200/min base, 1000/min account, 60/min auth-token; self-hosted: 500 and 3000,
    auth-token unlimited. Source: limits.md 2025 table."""
    assert Emulator(limits="cloud").limits == Limits(200, 1000, 60, None)
    assert Emulator(limits="self-hosted").limits == Limits(500, 3000, None, None)
    assert Limits.preset("cloud", base_per_month=10).base_per_month == 10
    with pytest.raises(ValueError, match="preset"):
        Limits.preset("moon")


async def test_gateway_answers_always_carry_ratelimit_headers() -> None:
    """With a preset on, every gateway answer (errors too) carries ``x-ratelimit-limit``,
    ``-remaining`` and ``-reset`` (Unix seconds, end of the minute window); the 201st request
    of a minute gets an empty 429. Source: reference §8 / BLOG-5.3 (headers on every
    response), limits.md ("HTTP 429 without any further output")."""
    clock = _Clock()
    async with world(tables=TABLES, limits="cloud", clock=clock) as w:
        r = await w.client.get(w.gw("rows/"), headers=w.headers, params={"table_name": "Nope"})
        assert r.status_code == 404
        assert r.headers["x-ratelimit-limit"] == "200"
        assert r.headers["x-ratelimit-remaining"] == "199"
        assert r.headers["x-ratelimit-reset"] == str(int(JUNE_15 // 60 * 60 + 60))
        for _ in range(199):
            await w.client.get(w.gw("metadata/"), headers=w.headers)
        r = await w.client.get(w.gw("metadata/"), headers=w.headers)
        assert (r.status_code, r.content) == (429, b"")
        assert r.headers["x-ratelimit-remaining"] == "0"
        clock.t += 60
        assert (await w.client.get(w.gw("metadata/"), headers=w.headers)).status_code == 200
    assert w.emu.stats.rate_limited == 1


async def test_monthly_quota_runs_out_and_resets_next_month() -> None:
    """When the monthly quota is used up the gateway answers 429 with remaining 0 and reset =
    start of next month; the next month starts afresh. Source: reference §8 / BLOG-5.3 ("when
    the monthly limit is exhausted … x-ratelimit-reset = start of next month")."""
    clock = _Clock()
    lim = Limits.preset("cloud", base_per_month=3)
    async with world(
        tables=TABLES, limits=lim, clock=clock, timezone="+02:00", token_ttl=60 * 86400
    ) as w:
        for _ in range(3):
            assert (await w.client.get(w.gw("metadata/"), headers=w.headers)).status_code == 200
        r = await w.client.get(w.gw("metadata/"), headers=w.headers)
        july = datetime(2030, 7, 1, tzinfo=timezone.utc).timestamp() - 2 * 3600
        assert r.status_code == 429
        assert r.headers["x-ratelimit-remaining"] == "0"
        assert r.headers["x-ratelimit-reset"] == str(int(july))
        clock.t = july + 1  # the next month, in the server's zone
        assert (await w.client.get(w.gw("metadata/"), headers=w.headers)).status_code == 200


async def test_dtable_web_429_is_drf_with_retry_after() -> None:
    """dtable-web throttles answer DRF's 429 ``{"detail": "Request was throttled. Expected
    available in N seconds."}`` with ``Retry-After: N``; ``/api2/auth-token/`` allows 60 a
    minute on Cloud, ping is never limited. Source: reference §8 (DRF throttle classes,
    ``/ping`` unlimited), limits.md (auth-token 60/min)."""
    clock = _Clock()
    async with world(tables=TABLES, limits="cloud", clock=clock) as w:
        login = {"username": "owner@example.com", "password": "pw"}
        for _ in range(60):
            assert (await w.client.post("/api2/auth-token/", data=login)).status_code == 200
        r = await w.client.post("/api2/auth-token/", data=login)
        wait = 30  # JUNE_15 is 30 s into its minute
        assert r.status_code == 429
        assert r.json() == {
            "detail": f"Request was throttled. Expected available in {wait} seconds."
        }
        assert r.headers["retry-after"] == str(wait)
        for _ in range(100):
            assert (await w.client.get("/api2/ping/")).status_code == 200


async def test_account_endpoints_count_per_credential() -> None:
    """Account operations have their own per-minute budget per Account-Token. Source:
    limits.md ("All account operations /api/v2.1/*")."""
    async with world(tables=TABLES, limits=Limits(account_per_minute=2), clock=_Clock()) as w:
        user = w.emu.state.find_user("owner@example.com")
        assert user is not None
        h = {"Authorization": f"Token {user.account_token}"}
        codes = [
            (await w.client.get("/api/v2.1/workspaces/", headers=h)).status_code for _ in range(3)
        ]
        other = w.emu.add_user("b@example.com", "pw")
        r = await w.client.get(
            "/api/v2.1/workspaces/", headers={"Authorization": f"Token {other.account_token}"}
        )
    assert codes == [200, 200, 429]
    assert r.status_code == 200


async def test_explicit_rate_limit_still_wins() -> None:
    """``rate_limit=(n, s)`` keeps working next to a preset and sets the base window.
    Source: the emulator's own API (DESIGN.md §5)."""
    async with world(tables=TABLES, limits="cloud", rate_limit=(1, 60), clock=_Clock()) as w:
        first = await w.client.get(w.gw("metadata/"), headers=w.headers)
        second = await w.client.get(w.gw("metadata/"), headers=w.headers)
    assert first.headers["x-ratelimit-limit"] == "1"
    assert second.status_code == 429
