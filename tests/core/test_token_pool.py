"""One Base-Token per base, shared, renewed single-flight (asyncio and trio)."""

from __future__ import annotations

import anyio
import httpx
import pytest

import seatable_async as sa
from tests.core.fakes import FakeSeaTable, api_token

pytestmark = pytest.mark.anyio

URL = "http://127.0.0.1"


async def test_thousand_concurrent_operations_make_one_token_request() -> None:
    fake = FakeSeaTable(token_delay=0.05)
    async with sa.Client(URL, transport=fake.transport(), max_concurrency=64) as client:
        base = client.base(api_token(1))
        async with anyio.create_task_group() as tg:
            for _ in range(1000):
                tg.start_soon(base.list_rows, "Table1")
        assert fake.token_requests == 1
        assert client.stats.token_requests == 1
        uuid = "00000001-aaaa-bbbb-cccc-dddddddddddd"
        assert fake.requests[f"GET /api-gateway/api/v2/dtables/{uuid}/rows/"] == 1000


async def test_twenty_bases_make_twenty_token_requests() -> None:
    fake = FakeSeaTable(token_delay=0.02)
    async with sa.Client(URL, transport=fake.transport()) as client:
        bases = [client.base(api_token(i)) for i in range(1, 21)]
        async with anyio.create_task_group() as tg:
            for base in bases:
                for _ in range(50):
                    tg.start_soon(base.list_rows, "Table1")
        assert fake.token_requests == 20
        assert client.stats.token_requests == 20
        assert client.stats.token_refreshes == 0


async def test_two_handles_for_one_api_token_share_the_token() -> None:
    fake = FakeSeaTable()
    async with sa.Client(URL, transport=fake.transport()) as client:
        await client.base(api_token(1)).list_rows("T")
        await client.base(api_token(1)).list_rows("T")
        assert fake.token_requests == 1


async def test_expiry_during_a_run_renews_without_failures() -> None:
    ttl = 0.6
    fake = FakeSeaTable(token_ttl=ttl)
    async with sa.Client(URL, transport=fake.transport()) as client:
        base = client.base(api_token(1))
        started = anyio.current_time()
        done = 0
        # Bounded by count and time: keeps operating across several token lifetimes.
        while anyio.current_time() - started < 2.0 and done < 20000:
            async with anyio.create_task_group() as tg:
                for _ in range(20):
                    tg.start_soon(base.list_rows, "T")
            done += 20
            await anyio.sleep(0.01)
        elapsed = anyio.current_time() - started
        assert client.stats.token_refreshes >= 2
        assert fake.token_requests <= int(elapsed / (ttl * 0.5)) + 2
        # Tokens are renewed ahead of expiry; a request delayed past expiry on a loaded
        # machine is refused, re-minted and replayed — never failed.
        assert client.stats.token_rejections == fake.rejected


async def test_rejected_token_is_reminted_once_for_all_waiters() -> None:
    fake = FakeSeaTable()
    async with sa.Client(URL, transport=fake.transport()) as client:
        base = client.base(api_token(1))
        await base.list_rows("T")
        info = await base.token_info()
        assert info.generation == 1
        # The server now refuses the current token (as after a secret rotation).
        fake.revoked.update(h.split(" ", 1)[1] for h in fake.seen_authorization if "." in h)
        async with anyio.create_task_group() as tg:
            for _ in range(50):
                tg.start_soon(base.list_rows, "T")
        assert fake.token_requests == 2
        assert (await base.token_info()).generation == 2
        assert client.stats.token_rejections == fake.rejected
        assert client.stats.retries.get("token", 0) == fake.rejected


async def test_write_is_replayed_after_a_token_rejection() -> None:
    fake = FakeSeaTable()
    async with sa.Client(URL, transport=fake.transport()) as client:
        base = client.base(api_token(1))
        await base.list_rows("T")
        fake.revoked.update(h.split(" ", 1)[1] for h in fake.seen_authorization if "." in h)
        ids = await base.append_rows("T", [{"Name": "a"}])
        assert len(ids) == 1
        assert len(fake.rows) == 1  # rejected before processing, replayed exactly once


async def test_stale_generation_rejection_does_not_evict_fresh_token() -> None:
    fake = FakeSeaTable()
    async with sa.Client(URL, transport=fake.transport()) as client:
        base = client.base(api_token(1))
        await base.list_rows("T")
        pool, source = client._pool, base._source
        first = await pool.get(source)
        await pool.invalidate(source, first.generation)
        second = await pool.get(source)
        assert second.generation == first.generation + 1
        await pool.invalidate(source, first.generation)  # late rejection of the old token
        assert pool.peek(source) is second
        assert fake.token_requests == 2


async def test_cancelled_refresh_leader_does_not_block_others() -> None:
    fake = FakeSeaTable()
    fake.token_gate = anyio.Event()
    async with sa.Client(URL, transport=fake.transport(), refresh_timeout=5) as client:
        base = client.base(api_token(1))
        with anyio.move_on_after(0.2) as scope:
            await base.list_rows("T")  # the leader hangs on the token endpoint
        assert scope.cancelled_caught
        fake.token_gate.set()
        rows = await base.list_rows("T")
        assert rows == []
        assert fake.token_requests == 2


async def test_refresh_timeout_bounds_a_hung_token_request() -> None:
    fake = FakeSeaTable()
    fake.token_gate = anyio.Event()
    async with sa.Client(URL, transport=fake.transport(), refresh_timeout=0.2) as client:
        base = client.base(api_token(1))
        with pytest.raises(TimeoutError):
            await base.list_rows("T")


async def test_advisory_window_refreshes_in_background_while_callers_proceed() -> None:
    fake = FakeSeaTable(token_ttl=3.0)
    async with sa.Client(URL, transport=fake.transport()) as client:
        base = client.base(api_token(1))
        await base.list_rows("T")
        token = client._pool.peek(base._source)
        assert token is not None
        await _sleep_until(token.refresh_at)  # the token enters its advisory window
        fake.token_gate = anyio.Event()  # the background refresh will hang…
        await base.list_rows("T")  # …but callers keep the still-valid token
        await anyio.wait_all_tasks_blocked()
        await base.list_rows("T")
        assert fake.token_requests == 2
        assert client._pool.peek(base._source) is token
        fake.token_gate.set()
        await anyio.wait_all_tasks_blocked()
        assert client._pool.peek(base._source) is not token
        assert client.stats.token_refreshes == 1


async def test_failed_background_refresh_is_logged_and_not_retried_per_request(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = FakeSeaTable(token_ttl=3.0)
    async with sa.Client(URL, transport=fake.transport()) as client:
        base = client.base(api_token(1))
        await base.list_rows("T")
        token = client._pool.peek(base._source)
        assert token is not None
        await _sleep_until(token.refresh_at)
        fake.script.append(
            lambda r: (
                httpx.Response(400, json={"error_msg": "x"})
                if "app-access-token" in r.url.path
                else None
            )
        )
        with caplog.at_level("WARNING", logger="seatable_async"):
            await base.list_rows("T")
            await anyio.wait_all_tasks_blocked()
            assert any("refresh failed" in r.getMessage() for r in caplog.records)
            for _ in range(20):
                await base.list_rows("T")
        # One background attempt failed; the 20 calls that followed neither failed nor each
        # started a refresh (a later retry after the cool-down may have succeeded).
        failures = [r for r in caplog.records if "refresh failed" in r.getMessage()]
        assert len(failures) == 1
        assert fake.token_requests <= 3


async def _sleep_until(deadline: float) -> None:
    """Let real time pass until ``deadline`` (token windows are defined in time)."""
    await anyio.sleep(max(0.0, deadline - anyio.current_time()) + 0.01)
