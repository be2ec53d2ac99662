"""Frames out (``to_arrow``, ``to_pandas``, ``to_polars``, ``arrow_batches``) and in
(``import_rows`` from pandas, polars and pyarrow) through the emulator.

Column types map to Arrow types as `seatable_async.cells.arrow_type` documents; the stored forms
are the emulator's, sourced in ``tests/base/test_typed_cells.py``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import seatable_async as sa
from tests.base.helpers import client, requests, world

pytestmark = pytest.mark.anyio

BERLIN = ZoneInfo("Europe/Berlin")
ROWS: list[dict[str, Any]] = [
    {"Title": "a", "Price": 1.5, "Done": True, "Day": dt.date(2030, 6, 20),
     "When": dt.datetime(2030, 6, 20, 23, 55), "Spent": dt.timedelta(minutes=90),
     "Stage": "draft", "Tags": ["red", "blue"], "Stars": 3},
    {"Title": "b", "Price": None, "Done": False, "Day": None, "Tags": []},
]  # fmt: skip


async def seeded() -> tuple[Any, Any, str]:
    emu, info, token = world()
    async with client(emu) as c:
        await c.base(token).append_rows("T", ROWS)
    return emu, info, token


async def test_to_arrow_types_columns_by_their_seatable_type() -> None:
    emu, _, token = await seeded()
    async with client(emu) as c:
        table = await c.base(token).to_arrow("T")
    schema = table.schema
    assert schema.field("_id").type == pa.string()
    assert schema.field("Price").type == pa.float64()
    assert schema.field("Done").type == pa.bool_()
    assert schema.field("Day").type == pa.date32()
    assert schema.field("When").type == pa.timestamp("us", tz="Europe/Berlin")
    assert schema.field("Spent").type == pa.duration("s")
    assert schema.field("Tags").type == pa.list_(pa.string())
    assert schema.field("Stars").type == pa.int64()
    assert schema.field("Place").type == pa.struct([("lat", pa.float64()), ("lng", pa.float64())])
    rows = sorted(table.to_pylist(), key=lambda r: r["Title"])
    assert rows[0]["When"] == dt.datetime(2030, 6, 20, 23, 55, tzinfo=BERLIN)
    assert rows[0]["Spent"] == dt.timedelta(minutes=90)
    assert rows[0]["Tags"] == ["red", "blue"]
    assert rows[1]["Price"] is None and rows[1]["Day"] is None


async def test_to_pandas_and_to_polars() -> None:
    emu, _, token = await seeded()
    async with client(emu) as c:
        base = c.base(token)
        frame = await base.to_pandas("T", columns=["Title", "Price", "When"])
        polars = await base.to_polars(sql="SELECT Title, Day FROM T WHERE Done = true")
    assert list(frame.columns) == ["_id", "Title", "Price", "When"]
    assert str(frame["Price"].dtype) == "float64"
    assert str(frame["When"].dtype).startswith("datetime64") and "Europe/Berlin" in str(
        frame["When"].dtype
    )
    assert polars.columns == ["Title", "Day"]
    assert polars.schema["Day"] == pl.Date
    assert polars.to_dicts() == [{"Title": "a", "Day": dt.date(2030, 6, 20)}]


async def test_arrow_batches_stream_with_one_schema_and_an_empty_export_has_it_too() -> None:
    emu, _, token = world()
    async with client(emu) as c:
        base = c.base(token)
        empty = [b async for b in base.arrow_batches("T")]
        await base.append_rows("T", [{"Title": str(i), "Price": i} for i in range(2500)])
        batches = [b async for b in base.arrow_batches("T", batch_size=1000)]
    assert len(empty) == 1 and empty[0].num_rows == 0
    assert empty[0].schema.field("Day").type == pa.date32()
    assert [b.num_rows for b in batches] == [1000, 834, 666]
    assert all(b.schema == batches[0].schema == empty[0].schema for b in batches)


@pytest.mark.parametrize("kind", ["pandas", "polars", "arrow-table", "arrow-reader"])
async def test_import_rows_from_frames(kind: str) -> None:
    """DataFrames and Arrow data are read batch by batch and encoded by column type: empty
    values leave cells empty; timestamps follow the zone rule."""
    data = {
        "Title": ["x", "y", "z"],
        "Price": [1.25, None, 3.0],
        "Day": [dt.date(2030, 1, 2), None, dt.date(2030, 1, 4)],
        "When": [dt.datetime(2030, 1, 2, 10, 0, tzinfo=dt.timezone.utc), None, None],
        "Tags": [["red"], [], None],
    }
    source: Any
    if kind == "pandas":
        source = pd.DataFrame(data)
    elif kind == "polars":
        source = pl.DataFrame(data)
    else:
        table = pa.table(data)
        source = table if kind == "arrow-table" else pa.RecordBatchReader.from_batches(
            table.schema, table.to_batches(max_chunksize=2)
        )  # fmt: skip
    emu, info, token = world()
    async with client(emu) as c:
        report = await c.base(token).import_rows("T", source, batch_size=2)
    assert report.ok and report.inserted_count == 3
    stored = {r["Title"]: r for r in emu.rows(info, "T")}
    assert stored["x"]["Price"] == 1.25 and stored["y"]["Price"] is None
    assert stored["x"]["Day"] == "2030-01-02" and stored["y"]["Day"] is None
    assert stored["x"]["When"] == "2030-01-02 11:00"  # 10:00 UTC is 11:00 in Berlin
    assert stored["x"]["Tags"] == ["red"]
    assert requests(emu, "gateway.rows.append") == 2


async def test_a_frame_with_an_invalid_value_fails_that_row_only() -> None:
    emu, info, token = world()
    frame = pd.DataFrame({"Title": ["a", "b"], "Stars": [3, 11]})
    async with client(emu) as c:
        report = await c.base(token).import_rows("T", frame, raise_on_failure=False)
    assert report.inserted_count == 1 and report.failed_count == 1
    error = report.failed[0].error
    assert isinstance(error, sa.CellValueError)
    assert (error.row, error.column, error.value_repr) == (1, "Stars", "11")
    assert [r["Title"] for r in emu.rows(info, "T")] == ["a"]
