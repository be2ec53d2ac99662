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
    assert set(a) <= {"200", "429", "500", "502", "503", "504", "reset", "lost"}
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
        assert r.status_code in (500, 502, 503, 504)
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


class _Clock:
    """A wall clock that only moves when told (deterministic late commits)."""

    def __init__(self) -> None:
        self.t = 1_750_000_000.0

    def __call__(self) -> float:
        return self.t


async def test_5xx_statuses_and_html_bodies() -> None:
    """502/503/504 come from the proxy (nginx HTML page), 500 from the app (JSON).
    Source: audit D3 ("Nginx error pages are HTML. 504 exists."), reference §0 (nginx in
    front of every component)."""
    s = make(faults=Faults(seed=3, rate_5xx=1.0, statuses_5xx=(502, 504)))
    h = await _h(s)
    seen: set[int] = set()
    async with client(s.emu) as c:
        for _ in range(20):
            r = await c.get(gw(s, "rows/"), params={"table_name": "Table1"}, headers=h)
            seen.add(r.status_code)
            assert r.headers["content-type"] == "text/html"
            assert f"<title>{r.status_code} ".encode() in r.content
            assert b"nginx" in r.content
        s.emu.faults = Faults(seed=3, rate_5xx=1.0, statuses_5xx=[500])
        r = await c.get(gw(s, "rows/"), params={"table_name": "Table1"}, headers=h)
        assert (r.status_code, r.json()) == (500, {"error_msg": "Internal Server Error"})
    assert seen == {502, 504}
    with pytest.raises(ValueError, match="5xx"):
        Faults(statuses_5xx=(404,))


async def test_late_commit_lands_after_the_delay_on_the_emulator_clock() -> None:
    """A proxy answers 502/504 while the backend applies the write later. Source: audit D3
    ("A proxy or the gateway can answer 502 or 504 after the backend has applied a write")."""
    clock = _Clock()
    s = make(clock=clock, faults=Faults(seed=5, rate_late_commit=1.0, late_commit_delay=30))
    h = await _h(s)
    async with client(s.emu) as c:
        r = await c.post(
            gw(s, "rows/"), headers=h, json={"table_name": "Table1", "rows": [{"Name": "late"}]}
        )
        assert r.status_code in (502, 504)
        assert r.headers["content-type"] == "text/html"
        assert s.emu.pending_late_writes == 1
        assert s.emu.rows(s.base, "Table1") == []  # not yet
        clock.t += 29.9
        assert s.emu.rows(s.base, "Table1") == []
        s.emu.advance(0.1)  # due now: lands inside advance()
        assert [r["Name"] for r in s.emu.rows(s.base, "Table1")] == ["late"]
    assert s.emu.pending_late_writes == 0
    assert s.emu.stats.late_writes == 1
    assert s.emu.stats.faults == {"late": 1}


async def test_late_commit_lands_before_the_next_request_sees_the_table() -> None:
    clock = _Clock()
    s = make(clock=clock, faults=Faults(seed=5, rate_late_commit=1.0, late_commit_delay=2))
    h = await _h(s)
    async with client(s.emu) as c:
        r = await c.post(
            gw(s, "rows/"), headers=h, json={"table_name": "Table1", "rows": [{"Name": "x"}]}
        )
        assert r.status_code in (502, 504)
        s.emu.faults = None
        r = await c.get(gw(s, "rows/"), params={"table_name": "Table1"}, headers=h)
        assert r.json()["rows"] == []
        clock.t += 2
        r = await c.get(gw(s, "rows/"), params={"table_name": "Table1"}, headers=h)
        assert [row["0000"] for row in r.json()["rows"]] == ["x"]


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_late_commit_lands_in_process_without_further_requests(anyio_backend: str) -> None:
    """The waker task in the caller's loop applies the write on the real clock."""
    import anyio

    s = make(faults=Faults(seed=5, rate_late_commit=1.0, late_commit_delay=0.05))
    h = await _h(s)
    async with client(s.emu) as c:
        r = await c.post(
            gw(s, "rows/"), headers=h, json={"table_name": "Table1", "rows": [{"Name": "x"}]}
        )
    assert r.status_code in (502, 504)
    for _ in range(500):  # bounded wait for the waker (it polls every ≤50 ms)
        if not s.emu.late.pending:
            break
        await anyio.sleep(0.01)
    assert s.emu.stats.late_writes == 1
    assert [r["Name"] for r in s.emu.state.select_rows(s.base, s.base.tables[0])] == ["x"]


def test_late_commit_lands_when_served_without_further_requests() -> None:
    import time

    s = make(faults=Faults(seed=5, rate_late_commit=1.0, late_commit_delay=0.05))
    with s.emu.serve_in_thread() as url, httpx.Client(base_url=url) as c:
        token = c.get("/api/v2.1/dtable/app-access-token/", headers=auth(s.api_token))
        h = auth(token.json()["access_token"])
        r = c.post(gw(s, "rows/"), headers=h, json={"table_name": "Table1", "rows": [{}]})
        assert r.status_code in (502, 504)
        deadline = time.monotonic() + 5
        while s.emu.late.pending and time.monotonic() < deadline:
            time.sleep(0.01)
        assert s.emu.late.pending == 0
    assert len(s.emu.state.select_rows(s.base, s.base.tables[0])) == 1


async def test_apply_late_writes_everything_and_reads_are_not_deferred() -> None:
    clock = _Clock()
    s = make(clock=clock, faults=Faults(seed=5, rate_late_commit=1.0, late_commit_delay=3600))
    h = await _h(s)
    async with client(s.emu) as c:
        r = await c.get(gw(s, "rows/"), params={"table_name": "Table1"}, headers=h)
        assert r.status_code in (502, 504)
        assert s.emu.pending_late_writes == 0  # a read has nothing to land
        for name in ("a", "b"):
            await c.post(
                gw(s, "rows/"), headers=h, json={"table_name": "Table1", "rows": [{"Name": name}]}
            )
    assert s.emu.apply_late_writes() == 0
    assert s.emu.apply_late_writes(everything=True) == 2
    assert [r["Name"] for r in s.emu.state.select_rows(s.base, s.base.tables[0])] == ["a", "b"]


async def test_truncated_body_applies_write_and_fails_the_read() -> None:
    s = make(faults=Faults(seed=2, rate_truncated=1.0))
    h = await _h(s)
    async with client(s.emu) as c:
        with pytest.raises(httpx.RemoteProtocolError, match="complete message body"):
            await c.post(
                gw(s, "rows/"), headers=h, json={"table_name": "Table1", "rows": [{"Name": "t"}]}
            )
        async with c.stream("GET", gw(s, "rows/"), params={"table_name": "Table1"}, headers=h) as r:
            assert r.status_code == 200
            chunks: list[bytes] = []

            async def read_all() -> None:
                async for chunk in r.aiter_raw():
                    chunks.append(chunk)

            with pytest.raises(httpx.RemoteProtocolError):
                await read_all()
            assert 0 < len(b"".join(chunks)) < int(r.headers["content-length"])
    assert [r["Name"] for r in s.emu.rows(s.base, "Table1")] == ["t"]
    assert s.emu.stats.faults == {"truncated": 2}


def test_truncated_body_when_served() -> None:
    s = make(faults=Faults(seed=2, rate_truncated=1.0))
    with s.emu.serve_in_thread() as url, httpx.Client(base_url=url) as c:
        token = c.get("/api/v2.1/dtable/app-access-token/", headers=auth(s.api_token))
        h = auth(token.json()["access_token"])
        with pytest.raises(httpx.RemoteProtocolError):
            c.post(gw(s, "rows/"), headers=h, json={"table_name": "Table1", "rows": [{"Age": 1}]})
    assert [r["Age"] for r in s.emu.rows(s.base, "Table1")] == [1]


def test_slow_body_trips_a_read_timeout_when_served() -> None:
    s = make(faults=Faults(seed=2, rate_slow_body=1.0, slow_body_delay=0.5))
    with s.emu.serve_in_thread() as url, httpx.Client(base_url=url) as c:
        token = c.get("/api/v2.1/dtable/app-access-token/", headers=auth(s.api_token))
        h = auth(token.json()["access_token"])
        timeout = httpx.Timeout(5, read=0.1)
        with c.stream("GET", gw(s, "metadata/"), headers=h, timeout=timeout) as r:
            assert r.status_code == 200  # the headers arrived at once
            with pytest.raises(httpx.ReadTimeout):
                r.read()
        r = c.get(gw(s, "metadata/"), headers=h, timeout=5)
        assert r.status_code == 200
        assert r.json()["metadata"]["tables"][0]["name"] == "Table1"


def test_new_fault_kinds_keep_old_sequences() -> None:
    """Adding kinds after the old ones leaves a seed's old faults unchanged."""
    from seatable_async.emulator._faults.faults import FaultInjector

    old = FaultInjector(Faults(seed=9, rate_429=0.2, rate_reset=0.1))
    new = FaultInjector(Faults(seed=9, rate_429=0.2, rate_reset=0.1, rate_late_commit=0.3))
    kinds_old = [old.draw()[0] for _ in range(200)]
    kinds_new = [new.draw()[0] for _ in range(200)]
    assert [k for k in kinds_new if k != "late"] == [
        k for k, n in zip(kinds_old, kinds_new, strict=True) if n != "late"
    ]
    assert kinds_new.count("late") > 0
    assert all(o is None for o, n in zip(kinds_old, kinds_new, strict=True) if n == "late")
