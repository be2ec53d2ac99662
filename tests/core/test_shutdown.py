"""Leaving ``async with Client`` cancels in-flight work cleanly and leaves nothing running.

Runs on virtual time (``tests/virtual_time.py``), so token windows cannot be missed.
"""

from __future__ import annotations

import anyio
import httpx
import pytest

import seatable_async as sa
from tests.core.fakes import FakeSeaTable, api_token

pytestmark = [pytest.mark.anyio, pytest.mark.virtual_time]

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
        token = base._ctx.peek()
        assert token is not None
        await anyio.sleep(token.refresh_at - anyio.current_time() + 0.001)
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


class _SlowClose(httpx.AsyncBaseTransport):
    """A transport whose close takes until ``release`` is set (a slow connection pool)."""

    def __init__(self, inner: httpx.AsyncBaseTransport):
        self.inner = inner
        self.closing = anyio.Event()
        self.release = anyio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        self.closing.set()
        await self.release.wait()
        await self.inner.aclose()


async def test_a_call_that_arrives_while_closing_sends_nothing() -> None:
    fake = FakeSeaTable()
    transport = _SlowClose(fake.transport())
    outcome: list[BaseException] = []

    async def late_caller(base: sa.Base) -> None:
        await transport.closing.wait()
        before = sum(fake.requests.values())
        try:
            await base.list_rows("T")
        except sa.SeaTableError as exc:
            outcome.append(exc)
        assert sum(fake.requests.values()) == before
        transport.release.set()

    async with anyio.create_task_group() as tg, sa.Client(URL, transport=transport) as client:
        base = client.base(api_token(1))
        await base.list_rows("T")
        tg.start_soon(late_caller, base)
    assert len(outcome) == 1 and isinstance(outcome[0], sa.ClientClosedError)
    assert outcome[0].maybe_sent is False


async def test_closing_from_another_task_is_refused_clearly() -> None:
    """A client owns a task group, so only the task that opened it may close it; another task
    gets a clear error and the client stays usable (documented in ``Client``)."""
    fake = FakeSeaTable()
    client = sa.Client(URL, transport=fake.transport())
    await client.__aenter__()
    refused: list[BaseException] = []

    async def close_elsewhere() -> None:
        try:
            await client.__aexit__(None, None, None)
        except sa.ConfigurationError as exc:
            refused.append(exc)

    async with anyio.create_task_group() as tg:
        tg.start_soon(close_elsewhere)
    assert len(refused) == 1 and "task that opened it" in str(refused[0])
    assert await client.base(api_token(1)).list_rows("T") == []
    await client.__aexit__(None, None, None)
    with pytest.raises(sa.ClientClosedError):
        await client.ping()
