"""Token flights under failure, on virtual time (asyncio and trio).

One flight per base credential at a time; every waiter gets its outcome; failures are
remembered briefly; renewal windows and expiry at the server's whole-second granularity.

Server behaviour relied on: a Base-Token is a JWT whose ``exp`` (and, in some answers,
``iat``) are whole Unix seconds (reference `seatable-api.md` §4 token table; the spec's example
token decodes to ``exp, dtable_uuid, username, permission, app_name``); an expired token is
refused with 403 ``Token expired.`` (reference §10.1). The scripted fake in ``fakes.py`` plays
that server; virtual time (``tests/virtual_time.py``) makes the windows exact.
"""

from __future__ import annotations

import anyio
import httpx
import jwt
import pytest

import seatable_async as sa
from seatable_async.emulator import Emulator
from tests.core.fakes import FakeSeaTable, api_token
from tests.virtual_time import wall_clock

pytestmark = [pytest.mark.anyio, pytest.mark.virtual_time]

URL = "http://127.0.0.1"


def _fake(**kwargs: object) -> FakeSeaTable:
    return FakeSeaTable(clock=wall_clock(), **kwargs)  # type: ignore[arg-type]


async def _collect(base: sa.Base, callers: int) -> list[BaseException | None]:
    outcomes: list[BaseException | None] = []

    async def one() -> None:
        try:
            await base.list_rows("T")
        except sa.SeaTableError as exc:
            outcomes.append(exc)
        else:
            outcomes.append(None)

    async with anyio.create_task_group() as tg:
        for _ in range(callers):
            tg.start_soon(one)
    return outcomes


async def test_hundred_callers_against_a_failing_token_endpoint_share_one_flight() -> None:
    fake = _fake()
    fake.token_failure = 500
    async with sa.Client(URL, transport=fake.transport(), clock=wall_clock()) as client:
        base = client.base(api_token(1))
        started = anyio.current_time()
        outcomes = await _collect(base, 100)
        elapsed = anyio.current_time() - started
    assert len(outcomes) == 100
    assert all(isinstance(o, sa.ServerError) for o in outcomes)
    # One flight with its own retries (RetryPolicy: 6 attempts), not one per caller.
    assert fake.token_requests == sa.RetryPolicy().max_attempts
    assert fake.token_requests <= 10
    assert elapsed < 60


async def test_a_failed_flight_is_remembered_briefly() -> None:
    fake = _fake()
    fake.token_failure = 500
    policy = sa.RetryPolicy(max_attempts=1)
    async with sa.Client(URL, transport=fake.transport(), retry=policy) as client:
        base = client.base(api_token(1))
        first = await _collect(base, 10)
        assert fake.token_requests == 1
        again = await _collect(base, 10)  # within the negative cache: no new flight
        assert fake.token_requests == 1
        assert all(isinstance(o, sa.ServerError) for o in first + again)
        await anyio.sleep(1.01)  # the first gap is one second
        fake.token_failure = None
        assert await _collect(base, 10) == [None] * 10
        assert fake.token_requests == 2


async def test_fifty_callers_against_a_hanging_token_endpoint_time_out_typed() -> None:
    fake = _fake()
    fake.token_gate = anyio.Event()  # never set: the endpoint hangs
    async with sa.Client(URL, transport=fake.transport(), refresh_timeout=1) as client:
        base = client.base(api_token(1))
        started = anyio.current_time()
        outcomes = await _collect(base, 50)
        elapsed = anyio.current_time() - started
    assert len(outcomes) == 50
    for outcome in outcomes:
        assert isinstance(outcome, sa.TokenRefreshTimeoutError)
        assert isinstance(outcome, sa.TransportError) and outcome.sent is False
    assert fake.token_requests == 1
    assert elapsed < 20


async def test_a_cancelled_caller_stops_waiting_and_the_flight_serves_the_others() -> None:
    fake = _fake()
    fake.token_gate = anyio.Event()
    async with sa.Client(URL, transport=fake.transport(), refresh_timeout=30) as client:
        base = client.base(api_token(1))
        results: list[list[dict[str, object]]] = []

        async def patient() -> None:
            results.append(await base.list_rows("T"))

        async with anyio.create_task_group() as tg:
            tg.start_soon(patient)
            started = anyio.current_time()
            with anyio.move_on_after(0.5) as scope:
                await base.list_rows("T")  # this caller gives up while the token is pending
            assert scope.cancelled_caught
            assert anyio.current_time() - started == pytest.approx(0.5)
            fake.token_gate.set()
        assert results == [[]]
        assert fake.token_requests == 1  # the flight was not cancelled with its first caller


async def test_advisory_window_refreshes_in_background_while_callers_proceed() -> None:
    fake = _fake(token_ttl=3.0)
    async with sa.Client(URL, transport=fake.transport()) as client:
        base = client.base(api_token(1))
        await base.list_rows("T")
        token = base._ctx.peek()
        assert token is not None
        await anyio.sleep(token.refresh_at - anyio.current_time() + 0.001)
        fake.token_gate = anyio.Event()  # the background refresh will hang…
        await base.list_rows("T")  # …but callers keep the still-valid token
        await anyio.wait_all_tasks_blocked()
        await base.list_rows("T")
        assert fake.token_requests == 2
        assert base._ctx.peek() is token
        fake.token_gate.set()
        await anyio.wait_all_tasks_blocked()
        assert base._ctx.peek() is not token
        assert client.stats.token_refreshes == 1


async def test_failed_background_refresh_is_logged_once_and_retried_after_a_gap(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = _fake(token_ttl=300.0)
    async with sa.Client(URL, transport=fake.transport()) as client:
        base = client.base(api_token(1))
        await base.list_rows("T")
        token = base._ctx.peek()
        assert token is not None
        await anyio.sleep(token.refresh_at - anyio.current_time() + 0.001)
        fake.token_failure = 400
        with caplog.at_level("WARNING", logger="seatable_async"):
            await base.list_rows("T")
            await anyio.wait_all_tasks_blocked()
            for _ in range(20):
                await base.list_rows("T")
        failures = [r for r in caplog.records if "refresh failed" in r.getMessage()]
        assert len(failures) == 1
        assert fake.token_requests == 2  # 20 calls within the gap started no new flight
        fake.token_failure = None
        await anyio.sleep(0.02 * token.lifetime + 0.01)  # the background retry gap
        await base.list_rows("T")
        await anyio.wait_all_tasks_blocked()
        assert fake.token_requests == 3
        assert base._ctx.peek() is not token


async def test_expiry_during_a_run_renews_without_failures() -> None:
    fake = _fake(token_ttl=0.6)
    async with sa.Client(URL, transport=fake.transport(), clock=wall_clock()) as client:
        base = client.base(api_token(1))
        for _ in range(200):  # 200 rounds of 20 calls, 0.01 s apart: about 3 lifetimes
            async with anyio.create_task_group() as tg:
                for _ in range(20):
                    tg.start_soon(base.list_rows, "T")
            await anyio.sleep(0.01)
        assert client.stats.token_refreshes >= 2
        assert fake.rejected == 0


@pytest.mark.parametrize(
    ("with_iat", "send_date", "server_ahead"),
    [
        pytest.param(True, False, 0.0, id="exp-and-iat"),
        pytest.param(False, True, 0.0, id="exp-and-date-header"),
        pytest.param(False, True, 5.0, id="date-header-local-clock-5s-behind"),
        pytest.param(False, False, 5.0, id="local-clock-only-5s-behind"),
        pytest.param(False, False, -5.0, id="local-clock-only-5s-ahead"),
    ],
)
async def test_whole_second_claims_never_send_an_expired_token(
    with_iat: bool, send_date: bool, server_ahead: float
) -> None:
    """Tokens whose claims are whole seconds (as real servers write them) live up to a second
    less than ``exp - iat``; without ``iat`` the answer's ``Date`` dates them, else the local
    clock with a 5-second margin. Continuous traffic over several generations: no request may
    go out with an expired token (the issue measured 47 with 3-second tokens over 7 s)."""
    ttl = 3.0 if server_ahead == 0 else 12.0
    clock = wall_clock()
    fake = FakeSeaTable(
        token_ttl=ttl,
        with_iat=with_iat,
        send_date=send_date,
        clock=lambda: clock() + server_ahead,
    )
    fake.whole_seconds = True
    async with sa.Client(URL, transport=fake.transport(), clock=clock) as client:
        base = client.base(api_token(1))
        await anyio.sleep(0.37)  # start off the whole second, as real traffic does
        started = anyio.current_time()
        while anyio.current_time() - started < 7 * ttl / 3:
            async with anyio.create_task_group() as tg:
                for _ in range(8):
                    tg.start_soon(base.list_rows, "T")
            await anyio.sleep(0.05)
        generations = fake.token_requests
    assert generations >= 3
    assert fake.rejected <= generations
    assert fake.rejected == 0


async def test_permission_denied_is_not_a_token_rejection() -> None:
    """A 403 naming permission (``Permission denied.``) raises at once without minting a new
    token; a 403 naming the token (``Token expired.``, reference §9/§10.1) re-mints once."""
    fake = _fake()
    async with sa.Client(URL, transport=fake.transport()) as client:
        base = client.base(api_token(1))
        await base.list_rows("T")
        fake.script.append(
            lambda r: (
                httpx.Response(403, json={"error_message": "Permission denied."})
                if r.url.path.endswith("/rows/")
                else None
            )
        )
        with pytest.raises(sa.PermissionDeniedError):
            await base.list_rows("T")
        assert fake.token_requests == 1
        assert client.stats.token_rejections == 0
        fake.script.append(
            lambda r: (
                httpx.Response(403, json={"error_message": "Token expired."})
                if r.url.path.endswith("/rows/")
                else None
            )
        )
        assert await base.list_rows("T") == []
        assert fake.token_requests == 2
        assert client.stats.token_rejections == 1


async def test_a_lease_that_queued_past_its_renewal_point_is_never_sent() -> None:
    """A request that took the token, then queued for a connection slot until after the
    token's mandatory renewal point, is sent with the renewed token, and is served."""
    ttl = 0.3
    gate = anyio.Event()
    clock = wall_clock()
    expired_seen: list[float] = []
    served: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/app-access-token/"):
            now = clock()
            token = jwt.encode({"exp": now + ttl, "iat": now}, "k" * 32, algorithm="HS256")
            return httpx.Response(
                200, json={"access_token": token, "dtable_uuid": "u-1", "use_api_gateway": True}
            )
        raw = request.headers["authorization"].split(" ", 1)[1]
        exp = jwt.decode(raw, options={"verify_signature": False, "verify_iat": False})["exp"]
        if exp <= clock():
            expired_seen.append(clock() - exp)
            return httpx.Response(403, json={"error_message": "invalid token"})
        if not served:
            served.append("first")
            await gate.wait()  # the only connection slot stays busy
        else:
            served.append("queued")
        return httpx.Response(200, json={"rows": []})

    transport = httpx.MockTransport(handler)
    async with sa.Client(URL, transport=transport, max_concurrency=1, clock=clock) as client:
        base = client.base("b" * 40)
        async with anyio.create_task_group() as tg:
            tg.start_soon(base.list_rows, "T")
            await anyio.wait_all_tasks_blocked()
            tg.start_soon(base.list_rows, "T")  # leases the token, then queues for the slot
            await anyio.wait_all_tasks_blocked()
            await anyio.sleep(ttl + 0.05)  # the queued lease outlives the token
            gate.set()
        assert client.stats.token_requests == 2
    assert expired_seen == [], "a token past its mandatory refresh point was sent"
    assert served == ["first", "queued"]


async def test_short_emulator_tokens_renew_without_failed_operations() -> None:
    """Against the emulator (in-process, on virtual time): 1-second Base-Tokens renewed
    across several lifetimes; every operation succeeds and the renewals stay bounded."""
    clock = wall_clock()
    emu = Emulator(version="6.0", token_ttl=1.0, clock=clock)
    emu.add_user("a@example.com", "pw")
    info = emu.add_base(owner="a@example.com", name="B", tables={"Table1": {"Name": "text"}})
    token = emu.add_api_token(info, app_name="app", permission="rw")
    async with sa.Client(URL, transport=emu.transport(), clock=clock) as client:
        base = client.base(token)
        for _ in range(150):  # 150 rounds 0.02 s apart: three lifetimes
            async with anyio.create_task_group() as tg:
                for _ in range(10):
                    tg.start_soon(base.list_rows, "Table1")
            await anyio.sleep(0.02)
        assert client.stats.token_refreshes >= 2
        assert emu.stats.token_requests["api"] <= 3 / 0.5 + 2
        assert emu.stats.rejected_tokens == client.stats.token_rejections == 0
