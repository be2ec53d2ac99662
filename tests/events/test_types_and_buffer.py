"""Operations → typed events, and the bounded buffer's overflow policy (in-process, no server).

Operation shapes: ``seatable/openapi`` ``tests/test_websocket.py``; select cells carry option
ids (the official client's ``utils.convert_row`` maps them to names).
"""

from __future__ import annotations

import anyio
import pytest

import seatable_async as sa
from seatable_async.events._buffer import EventBuffer
from seatable_async.events._types import Names, event_class, to_event
from seatable_async.models import Metadata

META = Metadata.from_json(
    {
        "metadata": {
            "tables": [
                {
                    "_id": "0000",
                    "name": "Tasks",
                    "columns": [
                        {"key": "0000", "name": "Name", "type": "text"},
                        {
                            "key": "st01",
                            "name": "Status",
                            "type": "single-select",
                            "data": {"options": [{"id": "111", "name": "open"}]},
                        },
                        {
                            "key": "tg01",
                            "name": "Tags",
                            "type": "multiple-select",
                            "data": {"options": [{"id": "7", "name": "red"}]},
                        },
                    ],
                }
            ]
        }
    },
    method="GET",
    path="metadata",
)
NAMES = Names(META)


def convert(op: dict[str, object]) -> sa.Event:
    return to_event(op, NAMES, received_at=1.0, version=3)


def test_inserted_rows_keep_cells_and_give_names() -> None:
    cells = {"_id": "r1", "0000": "a", "st01": "111", "tg01": ["7"], "zz99": 1}
    event = convert({"op_type": "append_rows", "table_id": "0000", "row_datas": [cells]})
    assert isinstance(event, sa.RowsInserted)
    assert (event.table_name, event.version, event.row_ids) == ("Tasks", 3, ("r1",))
    row = event.rows[0]
    assert dict(row.cells) == cells  # exactly as sent
    assert dict(row.values) == {"_id": "r1", "Name": "a", "Status": "open", "Tags": ["red"]}
    with pytest.raises(TypeError):
        row.cells["0000"] = "changed"  # type: ignore[index]


def test_insert_row_uses_row_data_not_the_anchor() -> None:
    op = {
        "op_type": "insert_row",
        "table_id": "0000",
        "row_id": "anchor",
        "row_insert_position": "insert_below",
        "row_data": {"_id": "new", "0000": "b"},
        "links_data": {},
    }
    event = convert(op)
    assert isinstance(event, sa.RowsInserted)
    assert event.row_ids == ("new",)


def test_updates_single_and_batch() -> None:
    one = convert(
        {
            "op_type": "modify_row",
            "table_id": "0000",
            "row_id": "r1",
            "updated": {"st01": "111"},
            "old_row": {"st01": None},
        }
    )
    assert isinstance(one, sa.RowsUpdated)
    assert dict(one.rows[0].values) == {"Status": "open"}
    assert dict(one.rows[0].old_values) == {"Status": None}
    many = convert(
        {
            "op_type": "modify_rows",
            "table_id": "0000",
            "row_ids": ["r1", "r2"],
            "updated": {"r1": {"0000": "x"}, "r2": {"0000": "y"}},
            "old_rows": {"r1": {"0000": "a"}},
        }
    )
    assert isinstance(many, sa.RowsUpdated)
    assert [(r.row_id, dict(r.values), dict(r.old_cells)) for r in many.rows] == [
        ("r1", {"Name": "x"}, {"0000": "a"}),
        ("r2", {"Name": "y"}, {}),
    ]


def test_deletes_locks_schema_and_unknown() -> None:
    gone = convert(
        {
            "op_type": "delete_rows",
            "table_id": "0000",
            "row_ids": ["r1", "r2"],
            "deleted_rows": [{"_id": "r1", "0000": "a"}],
        }
    )
    assert isinstance(gone, sa.RowsDeleted)
    assert gone.row_ids == ("r1", "r2")
    assert dict(gone.rows[0].values) == {"_id": "r1", "Name": "a"}
    single = convert({"op_type": "delete_row", "table_id": "0000", "row_id": "r3"})
    assert isinstance(single, sa.RowsDeleted)
    assert single.row_ids == ("r3",)
    lock = convert(
        {"op_type": "lock_rows", "table_id": "0000", "row_ids": ["r1"], "locked_by": "u"}
    )
    assert isinstance(lock, sa.RowsLocked)
    assert (lock.locked, lock.locked_by, lock.row_ids) == (True, "u", ("r1",))
    unlock = convert({"op_type": "unlock_rows", "table_id": "0000", "row_ids": ["r1"]})
    assert isinstance(unlock, sa.RowsLocked)
    assert unlock.locked is False
    targets = {
        "rename_column": "column",
        "insert_table": "table",
        "modify_filters": "view",
        "insert_view": "view",
        "modify_header_lock": "table",
    }
    for op_type, target in targets.items():
        event = convert({"op_type": op_type, "table_id": "0000"})
        assert isinstance(event, sa.SchemaChanged)
        assert event.target == target
    other = convert({"op_type": "something_new", "x": 1})
    assert isinstance(other, sa.OtherOperation)
    assert dict(other.raw) == {"op_type": "something_new", "x": 1}
    assert event_class("append_rows") is sa.RowsInserted


def test_malformed_operations_never_raise() -> None:
    event = convert({"op_type": "append_rows", "table_id": 5, "row_datas": "nope"})
    assert isinstance(event, sa.RowsInserted)
    assert (event.table_id, event.rows) == (None, ())


def test_names_report_what_they_lack() -> None:
    assert NAMES.misses("0000", {"0000": "a", "st01": "111"}) == set()
    assert NAMES.misses("0000", {"new1": 1, "st01": "222"}) == {("new1", ""), ("st01", "222")}
    assert NAMES.misses("zzzz", {}) == {("zzzz", "")}


def stamped(i: int) -> sa.NotificationReceived:
    return sa.NotificationReceived(received_at=float(i), data={"i": i})


@pytest.mark.anyio
async def test_buffer_drops_oldest_and_marks_the_gap() -> None:
    dropped: list[int] = []
    buffer: EventBuffer[sa.NotificationReceived] = EventBuffer(3, lambda: 99.0, dropped.append)
    for i in range(10):
        buffer.put(stamped(i))
    assert len(buffer) == 3  # bounded whatever the consumer does
    marker = await buffer.get()
    assert isinstance(marker, sa.EventsDropped)
    assert (marker.count, marker.since, buffer.dropped, sum(dropped)) == (7, 0.0, 7, 7)
    rest = [await buffer.get() for _ in range(3)]
    assert [e.data["i"] for e in rest if isinstance(e, sa.NotificationReceived)] == [7, 8, 9]


@pytest.mark.anyio
async def test_buffer_wakes_reader_then_ends_or_fails() -> None:
    buffer: EventBuffer[sa.NotificationReceived] = EventBuffer(5, lambda: 0.0)
    got: list[object] = []

    async def read() -> None:
        got.append(await buffer.get())

    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            tg.start_soon(read)
            await anyio.wait_all_tasks_blocked()
            buffer.put(stamped(1))
    assert got == [stamped(1)]
    buffer.put(stamped(2))
    buffer.fail(sa.TransportError("gone"))
    assert await buffer.get() == stamped(2)  # what waits is read first
    with pytest.raises(sa.TransportError):
        await buffer.get()
    closed: EventBuffer[sa.NotificationReceived] = EventBuffer(5, lambda: 0.0)
    closed.close()
    with pytest.raises(StopAsyncIteration):
        await closed.get()
