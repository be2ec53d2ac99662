"""Rate limits, fault injection, the transport mapping and latency."""

from __future__ import annotations

import math

import httpx
import pytest

from seatable_async.emulator import Faults

from .emu_helpers import Setup, auth, base_token, client, gw, legacy, make

pytestmark = pytest.mark.anyio


async def _h(s: Setup) -> dict[str, str]:
    async with client(s.emu) as c:
        return auth(await base_token(c, s.api_token))


async def test_rate_limit_headers_and_429() -> None:
    s = make("5.0", rate_limit=(3, 60))
    h = await _h(s)
    params = {"table_name": "Table1"}
    async with client(s.emu) as c:
        window_end = math.floor(s.emu.now() / 60) * 60 + 60
        for remaining in (2, 1, 0):
            r = await c.get(gw(s, "rows/"), params=params, headers=h)
            assert r.status_code == 200
            assert r.headers["x-ratelimit-limit"] == "3"
            assert r.headers["x-ratelimit-remaining"] == str(remaining)
            assert r.headers["x-ratelimit-reset"] == str(window_end)
            assert r.headers["x-powered-by"] == "SeaTable-Api-Gateway"
        r = await c.get(gw(s, "rows/"), params=params, headers=h)
        assert r.status_code == 429
        assert r.content == b""
        assert r.headers["x-ratelimit-remaining"] == "0"
        r = await c.get(legacy(s, "rows/"), params=params, headers=h)
        assert r.status_code == 429
        assert "x-ratelimit-limit" not in r.headers
        # token endpoints are not limited
        assert (
            await c.get("/api/v2.1/dtable/app-access-token/", headers=auth(s.api_token))
        ).status_code == 200
        s.emu.advance(60)
        r = await c.get(gw(s, "rows/"), params=params, headers=h)
        assert r.status_code == 200
        assert r.headers["x-ratelimit-remaining"] == "2"
    assert s.emu.stats.rate_limited == 2
    assert s.emu.stats.statuses[429] == 2


async def _statuses(faults: Faults, n: int = 60) -> list[str]:
    s = make(faults=faults)
    h = await _h(s)
    out = []
    async with client(s.emu) as c:
        for _ in range(n):
            try:
                r = await c.get(gw(s, "rows/"), params={"table_name": "Table1"}, headers=h)
                out.append(str(r.status_code))
            except httpx.ReadError:
                out.append("reset")
            except httpx.RemoteProtocolError:
                out.append("lost")
    return out


async def test_faults_are_deterministic() -> None:
    f = Faults(seed=7, rate_429=0.1, rate_5xx=0.1, rate_reset=0.1, rate_lost=0.1)
    a = await _statuses(f)
    b = await _statuses(f)
    assert a == b
    assert set(a) <= {"200", "429", "500", "502", "503", "reset", "lost"}
    assert {"200", "429", "reset", "lost"} <= set(a)
    c = await _statuses(Faults(seed=8, rate_429=0.1, rate_5xx=0.1, rate_reset=0.1, rate_lost=0.1))
    assert c != a


async def test_lost_applies_write_and_5xx_does_not() -> None:
    s = make(faults=Faults(seed=1, rate_lost=1.0))
    h = await _h(s)  # token endpoints are not faulted by default
    async with client(s.emu) as c:
        with pytest.raises(httpx.RemoteProtocolError):
            await c.post(
                gw(s, "rows/"), headers=h, json={"table_name": "Table1", "rows": [{"Name": "lost"}]}
            )
        assert [r["Name"] for r in s.emu.rows(s.base, "Table1")] == ["lost"]
        s.emu.faults = Faults(seed=1, rate_5xx=1.0)
        r = await c.post(
            gw(s, "rows/"), headers=h, json={"table_name": "Table1", "rows": [{"Name": "5xx"}]}
        )
        assert r.status_code in (500, 502, 503)
        s.emu.faults = Faults(seed=1, rate_reset=1.0)
        with pytest.raises(httpx.ReadError):
            await c.post(
                gw(s, "rows/"),
                headers=h,
                json={"table_name": "Table1", "rows": [{"Name": "reset"}]},
            )
        s.emu.faults = Faults(seed=1, rate_429=1.0)
        r = await c.post(
            gw(s, "rows/"), headers=h, json={"table_name": "Table1", "rows": [{"Name": "429"}]}
        )
        assert r.status_code == 429
        assert r.content == b""
        s.emu.faults = None
    assert [r["Name"] for r in s.emu.rows(s.base, "Table1")] == ["lost"]
    assert s.emu.stats.faults == {"lost": 1, "5xx": 1, "reset": 1, "429": 1}


async def test_faults_on_token_endpoints_only_when_enabled() -> None:
    s = make(faults=Faults(seed=1, rate_429=1.0))
    async with client(s.emu) as c:
        r = await c.get("/api/v2.1/dtable/app-access-token/", headers=auth(s.api_token))
        assert r.status_code == 200
        s.emu.faults = Faults(seed=1, rate_429=1.0, token_endpoints=True)
        r = await c.get("/api/v2.1/dtable/app-access-token/", headers=auth(s.api_token))
        assert r.status_code == 429


def test_faults_validation() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        Faults(rate_429=2.0)
    with pytest.raises(AttributeError):
        Faults().rate_429 = 0.5  # type: ignore[misc]


async def test_latency() -> None:
    import time

    s = make(latency=0.05)
    async with client(s.emu) as c:
        t0 = time.perf_counter()
        await c.get("/api2/ping/")
        assert time.perf_counter() - t0 >= 0.05


async def test_stats_reset() -> None:
    s = make()
    async with client(s.emu) as c:
        await c.get("/api2/ping/")
        await c.get("/nope/")
    assert s.emu.stats.total_requests == 2
    assert s.emu.stats.requests["unknown"] == 1
    s.emu.stats.reset()
    assert s.emu.stats.total_requests == 0
