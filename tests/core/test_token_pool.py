"""One Base-Token per base, shared, renewed single-flight (asyncio and trio)."""

from __future__ import annotations

import anyio
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
        ids = await base.append_rows("T", [{"Name": "a"}], encode=False)
        assert len(ids) == 1
        assert len(fake.rows) == 1  # rejected before processing, replayed exactly once


async def test_stale_generation_rejection_does_not_evict_fresh_token() -> None:
    fake = FakeSeaTable()
    async with sa.Client(URL, transport=fake.transport()) as client:
        base = client.base(api_token(1))
        await base.list_rows("T")
        pool, source = base._ctx.session.pool, base._ctx.source
        first = await pool.get(source)
        await pool.invalidate(source, first.generation)
        second = await pool.get(source)
        assert second.generation == first.generation + 1
        await pool.invalidate(source, first.generation)  # late rejection of the old token
        assert pool.peek(source) is second
        assert fake.token_requests == 2
