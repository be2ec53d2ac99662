"""Leaving ``async with Client`` cancels in-flight work cleanly and leaves nothing running."""

from __future__ import annotations

import anyio
import pytest

import seatable_async as sa
from tests.core.fakes import FakeSeaTable, api_token

pytestmark = pytest.mark.anyio

URL = "http://127.0.0.1"


async def test_requests_from_outside_tasks_end_with_client_closed_error() -> None:
    fake = FakeSeaTable()
    outcomes: list[BaseException | None] = []

    async def operate(base: sa.Base, started: anyio.Event) -> None:
        started.set()
        try:
            await base.list_rows("T")
            outcomes.append(None)
        except sa.SeaTableError as exc:
            outcomes.append(exc)

    async with (
        anyio.create_task_group() as tg,
        sa.Client(URL, transport=fake.transport()) as client,
    ):
        base = client.base(api_token(1))
        fake.token_gate = anyio.Event()  # every operation hangs on the token request
        for _ in range(10):
            started = anyio.Event()
            tg.start_soon(operate, base, started)
            await started.wait()
        await anyio.wait_all_tasks_blocked()
        assert fake.token_requests == 1
    # The client block is left while ten operations are in flight.
    assert len(outcomes) == 10
    assert all(isinstance(o, sa.ClientClosedError) for o in outcomes), outcomes


async def test_background_refresh_is_cancelled_on_exit() -> None:
    fake = FakeSeaTable(token_ttl=2.0)
    async with sa.Client(URL, transport=fake.transport()) as client:
        base = client.base(api_token(1))
        await base.list_rows("T")
        token = client._pool.peek(base._source)
        assert token is not None
        await anyio.sleep(max(0.0, token.refresh_at - anyio.current_time()) + 0.01)
        fake.token_gate = anyio.Event()  # the background refresh hangs forever
        await base.list_rows("T")
        await anyio.wait_all_tasks_blocked()
        assert fake.token_requests == 2
        started = anyio.current_time()
    # Leaving the block returned promptly despite the hung refresh.
    assert anyio.current_time() - started < 1.0
    assert client._task_group is None
    assert client._http is None


async def test_client_cannot_be_used_after_close() -> None:
    fake = FakeSeaTable()
    async with sa.Client(URL, transport=fake.transport()) as client:
        base = client.base(api_token(1))
        await base.list_rows("T")
    with pytest.raises(sa.ClientClosedError):
        await base.list_rows("T")
    with pytest.raises(sa.ConfigurationError):
        async with client:
            pass
