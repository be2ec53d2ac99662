"""``base.events()`` against the served emulator (loopback: the socket needs a real server).

The emulator's Socket.IO behaviour is the recorded one (``tests/emulator/test_socket.py``);
which operation each REST write becomes is inferred (``docs/reference/emulator.md``). Waits are
for events, each bounded by ``fail_after``; the only polling is on counters, also bounded.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio
import pytest

import seatable_async as sa
from seatable_async.emulator import Emulator

pytest.importorskip("socketio")
pytest.importorskip("aiohttp")

pytestmark = pytest.mark.anyio_backends("asyncio")


TABLES = {"Tasks": {"Name": "text", "Done": "checkbox", "Status": "single-select"}}
WAIT = 15


class Live:
    def __init__(self, emu: Emulator, url: str, client: sa.Client, base: sa.Base, uuid: str):
        self.emu, self.url, self.client, self.base, self.uuid = emu, url, client, base, uuid


async def open_live(ttl: float = 3 * 86400, version: str = "6.0") -> AsyncIterator[Live]:
    emu = Emulator(version, token_ttl=ttl)
    stored = emu.add_base(owner="alice@example.com", name="Live", tables=TABLES)
    token = emu.add_api_token(stored)
    async with emu.serve() as url, sa.Client(url) as client:
        yield Live(emu, url, client, client.base(token), stored.uuid)


@pytest.fixture
async def live() -> AsyncIterator[Live]:
    async for it in open_live():
        yield it


async def next_event(stream: sa.EventStream) -> sa.Event:
    with anyio.fail_after(WAIT):
        return await stream.__anext__()


async def until(condition: Callable[[], bool]) -> None:
    """Poll a counter, bounded (for server-side effects that send nothing back)."""
    with anyio.fail_after(WAIT):
        while not condition():  # noqa: ASYNC110 - counters signal nothing; bounded above
            await anyio.sleep(0.01)


async def official_send(live: Live, operation: dict[str, Any]) -> None:
    """Send an operation as another client would (the official client's handshake)."""
    import socketio

    stored = live.emu.state.bases[live.uuid]
    jwt = live.emu.mint_base_token(stored, "rw", app_name="other")
    sio = socketio.AsyncClient(reconnection=False, handle_sigint=False)
    await sio.connect(f"{live.url}?dtable_uuid={live.uuid}", socketio_path="/api-gateway/socket.io")
    try:
        assert (await sio.call("join-room", (live.uuid, jwt), timeout=WAIT))["status"] == 1
        ack = await sio.call("update-dtable", (live.uuid, json.dumps(operation)), timeout=WAIT)
        assert ack["status"] == 1
    finally:
        await sio.disconnect()


@pytest.mark.anyio
async def test_every_write_kind_arrives_typed_and_in_order(live: Live) -> None:
    """REST append/update/delete, legacy-style single writes, SQL update and delete, another
    client's lock and schema operation, and a notification: one typed event each, in order,
    with cells by key and values by name (select option ids → names)."""
    base = live.base
    async with base.events() as stream:
        ids = await base.append_rows("Tasks", [{"Name": "a", "Status": "open"}, {"Name": "b"}])
        inserted = await next_event(stream)
        assert isinstance(inserted, sa.RowsInserted)
        assert (inserted.table_name, inserted.row_ids) == ("Tasks", tuple(ids))
        assert inserted.rows[0].values["Status"] == "open"  # option id resolved
        assert inserted.rows[0].cells["0000"] == "a"  # the first column's key
        await base.update_rows("Tasks", {ids[0]: {"Done": True}})
        updated = await next_event(stream)
        assert isinstance(updated, sa.RowsUpdated)
        assert dict(updated.rows[0].values) == {"Done": True}
        await base.sql("UPDATE Tasks SET Name = 'c' WHERE Name = 'b'")
        by_sql = await next_event(stream)
        assert isinstance(by_sql, sa.RowsUpdated)
        assert (by_sql.row_ids, dict(by_sql.rows[0].old_values)) == ((ids[1],), {"Name": "b"})
        await base.sql("DELETE FROM Tasks WHERE Name = 'c'")
        assert (await next_event(stream)).row_ids == (ids[1],)  # type: ignore[attr-defined]
        await official_send(
            live,
            {"op_type": "lock_rows", "table_id": "0000", "row_ids": [ids[0]], "locked_by": "x"},
        )
        locked = await next_event(stream)
        assert isinstance(locked, sa.RowsLocked)
        assert (locked.locked, locked.row_ids) == (True, (ids[0],))
        await official_send(
            live,
            {
                "op_type": "insert_column",
                "table_id": "0000",
                "column_key": "0000",
                "column_data": {"key": "nw01", "type": "text", "name": "Note"},
            },
        )
        schema = await next_event(stream)
        assert isinstance(schema, sa.SchemaChanged)
        assert schema.target == "column"
        await base.update_rows("Tasks", {ids[0]: {"Note": "fresh"}})
        renamed = await next_event(stream)
        assert isinstance(renamed, sa.RowsUpdated)
        assert dict(renamed.rows[0].values) == {"Note": "fresh"}  # names re-read after it
        live.emu.notify(live.uuid, {"msg_type": "toast", "detail": {"text": "hi"}})
        note = await next_event(stream)
        assert isinstance(note, sa.NotificationReceived)
        assert note.data["detail"] == {"text": "hi"}
        await base.delete_rows("Tasks", [ids[0]])
        deleted = await next_event(stream)
        assert isinstance(deleted, sa.RowsDeleted)
        assert deleted.rows[0].values["Name"] == "a"
    stats = live.client.stats
    assert stats.events_received == 9
    assert (stats.event_reconnects, stats.events_dropped) == (0, 0)


@pytest.mark.anyio
async def test_types_filter_keeps_only_chosen_events(live: Live) -> None:
    base = live.base
    async with base.events(types=[sa.RowsDeleted]) as stream:
        ids = await base.append_rows("Tasks", [{"Name": "a"}])
        await base.update_rows("Tasks", {ids[0]: {"Name": "b"}})
        await base.delete_rows("Tasks", ids)
        event = await next_event(stream)
        assert isinstance(event, sa.RowsDeleted)
        assert stream.buffered == 0
    assert live.client.stats.events_received == 3
    with pytest.raises(sa.ConfigurationError):
        base.events(types=[dict])  # type: ignore[list-item]


@pytest.mark.anyio
async def test_token_renewal_mid_stream_loses_nothing() -> None:
    """Base-Tokens live 3 s: the stream re-joins with each renewed token on the same
    connection while rows keep arriving; every row's event arrives exactly once, in order."""
    async for live in open_live(ttl=3):
        base = live.base
        names: list[str] = []
        async with base.events(types=[sa.RowsInserted]) as stream:
            with anyio.fail_after(60):
                for i in range(3000):
                    if live.client.stats.event_rejoins >= 2:
                        break
                    await base.append_rows("Tasks", [{"Name": f"r{i}"}])
                    event = await next_event(stream)
                    assert isinstance(event, sa.RowsInserted)
                    names.append(event.rows[0].values["Name"])
        assert live.client.stats.event_rejoins >= 2
        assert names == [f"r{i}" for i in range(len(names))]
        assert live.emu.stats.sockets["joined"] >= 3  # first join + two re-joins
        assert live.emu.stats.sockets["connected"] == 1  # one connection all along
        assert live.emu.stats.token_requests["api"] >= 3


@pytest.mark.anyio
async def test_dropped_connection_reconnects_and_catches_up(live: Live) -> None:
    """The server cuts the websocket without goodbye; a row written meanwhile is not
    delivered; the stream reconnects with backoff, says so (Reconnected), and changed_rows
    finds the missed row; later rows arrive again."""
    base = live.base
    async with base.events() as stream:
        await base.append_rows("Tasks", [{"Name": "before"}])
        assert isinstance(await next_event(stream), sa.RowsInserted)
        cut = await anyio.to_thread.run_sync(live.emu.drop_socket_connections)
        assert cut == 1
        await base.append_rows("Tasks", [{"Name": "missed"}])
        marker = await next_event(stream)
        assert isinstance(marker, sa.Reconnected)
        assert marker.attempts >= 1
        assert marker.disconnected_at <= marker.received_at
        caught = [r["Name"] async for r in stream.changed_rows("Tasks", marker.disconnected_at)]
        assert "missed" in caught
        await base.append_rows("Tasks", [{"Name": "after"}])
        after = await next_event(stream)
        assert isinstance(after, sa.RowsInserted)
        assert after.rows[0].values["Name"] == "after"
    assert live.client.stats.event_reconnects == 1
    assert live.emu.stats.sockets["connected"] == 2


@pytest.mark.anyio
async def test_slow_consumer_keeps_memory_bounded(live: Live) -> None:
    """20 events into a 5-event buffer nobody reads: 15 oldest dropped and counted, a marker
    first, then the newest 5 in order."""
    base = live.base
    async with base.events(buffer_size=5) as stream:
        for i in range(20):
            await base.append_rows("Tasks", [{"Name": f"r{i}"}])
        await until(lambda: live.client.stats.events_received == 20)
        assert stream.buffered == 5
        marker = await next_event(stream)
        assert isinstance(marker, sa.EventsDropped)
        assert marker.count == 15
        rest = [await next_event(stream) for _ in range(5)]
        assert [e.rows[0].values["Name"] for e in rest] == [f"r{i}" for i in range(15, 20)]  # type: ignore[attr-defined]
    assert stream.dropped == 15
    assert live.client.stats.events_dropped == 15


@pytest.mark.anyio
async def test_cancelled_consumer_leaves_no_tasks(live: Live) -> None:
    """Cancelling a task that iterates the stream closes the connection and ends every task
    the stream started."""
    before = set(asyncio.all_tasks())
    entered = anyio.Event()

    async def consume() -> None:
        async with live.base.events() as stream:
            entered.set()
            async for _ in stream:
                pass

    with anyio.fail_after(WAIT):
        async with anyio.create_task_group() as tg:
            tg.start_soon(consume)
            await entered.wait()
            tg.cancel_scope.cancel()
    await until(lambda: live.emu.stats.sockets["disconnected"] == 1)
    leftover = {t for t in asyncio.all_tasks() - before if not t.done()}
    leftover.discard(asyncio.current_task())  # type: ignore[arg-type]
    assert leftover == set()


@pytest.mark.anyio
async def test_misuse_fails_clearly(live: Live) -> None:
    stream = live.base.events()
    with pytest.raises(sa.ConfigurationError, match="async with"):
        stream.__aiter__()
    async with stream:
        pass
    with pytest.raises(sa.ConfigurationError, match="once"):
        await stream.__aenter__()
    with pytest.raises(sa.ConfigurationError):
        live.base.events(buffer_size=0)


@pytest.mark.anyio
async def test_legacy_server_uses_the_dtable_server_socket() -> None:
    """4.0 has no gateway: the stream connects to /socket.io on the dtable-server host."""
    async for live in open_live(version="4.0"):
        async with live.base.events() as stream:
            await live.base.append_rows("Tasks", [{"Name": "old"}])
            event = await next_event(stream)
            assert isinstance(event, sa.RowsInserted)
            assert event.rows[0].values["Name"] == "old"
        assert live.emu.stats.requests.get("gateway.metadata", 0) == 0
