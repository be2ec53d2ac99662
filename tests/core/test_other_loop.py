"""A `Client` belongs to the event loop that opened it (issue 24, "Loops"): its connection pool,
token renewal task and limiter are bound to that loop, so a call from another loop — in another
thread, or on trio while it was opened on asyncio — is refused at once with a
`ConfigurationError`, before anything is sent. No server behaviour is involved: the emulator
only counts requests.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import trio

import seatable_async as sa
from seatable_async.emulator import Emulator

MESSAGE = "another event loop or thread"


class _Owner:
    """A Client opened (and closed, by the same task) on an asyncio loop in its own thread."""

    def __init__(self) -> None:
        self.emu = Emulator(version="6.0")
        self.emu.add_user("a@example.com", "pw")
        info = self.emu.add_base(owner="a@example.com", name="B", tables={"T": {"Name": "text"}})
        self.token = self.emu.add_api_token(info, app_name="app", permission="rw")
        self.ready = threading.Event()
        self.done = threading.Event()
        self.base: sa.Base | None = None
        self.names_after: list[str] = []

    async def run(self) -> None:
        async with sa.Client("http://127.0.0.1", transport=self.emu.transport()) as client:
            self.base = client.base(self.token)
            await self.base.append_rows("T", [{"Name": "first"}])
            self.ready.set()
            await asyncio.to_thread(self.done.wait, 30)
            # The owning loop still works after the refused calls from elsewhere.
            self.names_after = [row["Name"] for row in await self.base.list_rows("T")]


@contextmanager
def _owned_client() -> Iterator[_Owner]:
    owner = _Owner()
    thread = threading.Thread(target=asyncio.run, args=(owner.run(),))
    thread.start()
    try:
        assert owner.ready.wait(30), "the owner loop did not open its Client"
        yield owner
    finally:
        owner.done.set()
        thread.join(30)
    assert not thread.is_alive()
    assert owner.names_after == ["first"]


def _refused(owner: _Owner, run: Callable[[Callable[[], Coroutine[Any, Any, Any]]], Any]) -> None:
    base = owner.base
    assert base is not None
    sent = owner.emu.stats.total_requests
    calls: list[Callable[[], Coroutine[Any, Any, Any]]] = [
        lambda: base.list_rows("T"),
        lambda: base.append_rows("T", [{"Name": "elsewhere"}]),
        lambda: base.sql("SELECT Name FROM T"),
    ]
    for call in calls:
        with pytest.raises(sa.ConfigurationError, match=MESSAGE):
            run(call)
    assert owner.emu.stats.total_requests == sent


def test_another_asyncio_loop_in_another_thread_is_refused_before_sending() -> None:
    with _owned_client() as owner:
        _refused(owner, lambda call: asyncio.run(call()))


def test_a_trio_run_cannot_use_a_client_opened_on_asyncio() -> None:
    with _owned_client() as owner:
        _refused(owner, lambda call: trio.run(call))
