"""Typed cells through the SDK and the emulator: the value written, the form the emulator stores,
the value read back with ``decode=True``; and what is refused before anything is sent.

Sources of the stored and answered forms (as in ``tests/cells/test_roundtrip.py``):

* [IN-6] seatable/openapi ``tests/test_base_operations.py`` ``ROWS``: values 6.0.10 accepted.
* [GW-6] ``tests/__snapshots__/test_base_operations/test_listRows[listRows].json``: what 6.0.10
  answered (dates with the server zone's offset, ``2030-06-20T00:00:00+02:00``).
* [ISSUES] ``tests/API_ISSUES.md``: #1 checkbox 1 stored as false, #2 unknown select options
  created, #5 invalid dates stored as null, #7 writes to computed columns ignored.
* [MD] ``/work/shared/reference/seatable-api.md`` §5–6 (cell shapes per type).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import seatable_async as sa
from tests.base.helpers import client, requests, world

pytestmark = pytest.mark.anyio

BERLIN = ZoneInfo("Europe/Berlin")
UTC = dt.timezone.utc
USERS = {"alice@example.com": "a1b2c3@auth.local"}
ASSET = {"name": "a.txt", "size": 13, "type": "file", "url": "https://x.org/a.txt"}

# column, value written, stored by the emulator, decoded on read
CASES: list[tuple[str, Any, Any, Any]] = [
    ("Title", "ABC", "ABC", "ABC"),  # [IN-6] text → [GW-6]
    ("Notes", "## Plan\n- one", "## Plan\n- one", "## Plan\n- one"),  # long-text [GW-6]
    ("Mail", "a@example.com", "a@example.com", "a@example.com"),  # email [GW-6]
    ("Site", "https://seatable.com", "https://seatable.com", "https://seatable.com"),  # url
    ("Price", Decimal("499.99"), 499.99, 499.99),  # number: the equal double [IN-6]
    ("Price", 500, 500, 500),  # number: an int stays an int [GW-6]
    ("Done", True, True, True),  # checkbox: JSON booleans only [ISSUES #1]
    ("Day", dt.date(2030, 6, 20), "2030-06-20", dt.date(2030, 6, 20)),  # date-only [GW-6]
    # An aware datetime goes out as Berlin wall clock; read back aware, in Berlin [GW-6].
    ("When", dt.datetime(2030, 6, 20, 21, 55, tzinfo=UTC), "2030-06-20 23:55",
     dt.datetime(2030, 6, 20, 23, 55, tzinfo=BERLIN)),
    # A naive datetime is the server's wall clock, sent as is.
    ("When", dt.datetime(2030, 1, 5, 8, 30), "2030-01-05 08:30",
     dt.datetime(2030, 1, 5, 8, 30, tzinfo=BERLIN)),
    ("Spent", dt.timedelta(hours=1, minutes=30), 5400, dt.timedelta(seconds=5400)),  # duration
    ("Stage", "draft", "draft", "draft"),  # single-select by name (6.x answers names)
    ("Tags", ["red", "blue"], ["red", "blue"], ["red", "blue"]),  # multiple-select names
    ("Owners", ["alice@example.com"], ["a1b2c3@auth.local"], ["alice@example.com"]),  # [MD]
    ("Place", (50.1, 8.2), {"lat": 50.1, "lng": 8.2}, {"lat": 50.1, "lng": 8.2}),  # [GW-6]
    ("Docs", [ASSET], [ASSET], [ASSET]),  # file: assets [GW-6]
    ("Pics", ["https://x.org/p.png"], ["https://x.org/p.png"], ["https://x.org/p.png"]),
    ("Stars", 4, 4, 4),  # rate: whole stars within rate_max_number (5)
]  # fmt: skip


@pytest.mark.parametrize(("column", "value", "stored", "decoded"), CASES)
async def test_round_trip_per_column_type(
    column: str, value: Any, stored: Any, decoded: Any
) -> None:
    """Written typed, stored as SeaTable stores it, read back typed (sources per case above)."""
    emu, info, token = world()
    options = sa.CellOptions(users=USERS)
    async with client(emu) as c:
        base = c.base(token)
        (row_id,) = await base.append_rows("T", [{column: value}], encode=options)
        assert emu.rows(info, "T")[0][column] == stored
        raw = await base.get_row("T", row_id)
        row = await base.get_row("T", row_id, decode=options)
    assert row[column] == decoded
    assert type(row[column]) is type(decoded)
    if isinstance(decoded, dt.datetime):
        assert row[column].utcoffset() == decoded.utcoffset()
    if column in ("Day", "When"):
        assert isinstance(raw[column], str)  # raw JSON stays the default


async def test_invalid_values_are_refused_before_anything_is_sent() -> None:
    """A real server stores ``notanumber`` in a number column as null ([ISSUES #5] records the
    same for dates): the encoder refuses it, naming row, column and value, and no row is sent."""
    emu, info, token = world()
    async with client(emu) as c:
        base = c.base(token)
        bad = [
            ([{"Title": "ok"}, {"Price": "notanumber"}], "row 1, column 'Price': not a number"),
            ([{"Done": 1}], "column 'Done'"),  # [ISSUES #1]: 1 would be stored as false
            ([{"Nope": 1}], "column 'Nope': no such column"),
            ([{"Calc": 3}], "computed by the server"),  # [ISSUES #7]
            ([{"Stars": 9}], "rating goes from 0 to 5"),
            ([{"Day": dt.datetime(2030, 6, 20, 10, 0)}], "dates only"),
        ]
        for rows, message in bad:
            with pytest.raises(sa.CellValueError, match=message):
                await base.append_rows("T", rows)
        with pytest.raises(sa.CellValueError, match="row 0, column 'Price'"):
            await base.update_rows("T", {"x" * 22: {"Price": float("nan")}})
    assert requests(emu, "gateway.rows.append") == 0
    assert requests(emu, "gateway.rows.update") == 0
    assert emu.rows(info, "T") == []


async def test_aware_datetimes_need_the_server_zone() -> None:
    """Without ``Client(timezone=)`` an aware datetime is refused (guessing would shift it);
    a naive one is the server's wall clock."""
    emu, _, token = world()
    async with client(emu, timezone=None) as c:
        base = c.base(token)
        with pytest.raises(sa.CellValueError, match="server_tz"):
            await base.append_rows("T", [{"When": dt.datetime(2030, 6, 20, 21, 55, tzinfo=UTC)}])
        (row_id,) = await base.append_rows("T", [{"When": dt.datetime(2030, 6, 20, 21, 55)}])
        row = await base.get_row("T", row_id, decode=True)
    # Read back with the offset the server sent (Berlin summer time), the same instant.
    assert row["When"] == dt.datetime(2030, 6, 20, 21, 55, tzinfo=BERLIN)
    assert row["When"].utcoffset() == dt.timedelta(hours=2)
    with pytest.raises(sa.ConfigurationError, match="time zone"):
        sa.Client("http://127.0.0.1", timezone="Mars/Olympus")


async def test_raw_writes_stay_possible() -> None:
    """``encode=False`` sends rows as given (no metadata request): the server then decides,
    e.g. stores an unparseable number as null."""
    emu, info, token = world()
    async with client(emu) as c:
        await c.base(token).append_rows("T", [{"Price": "notanumber"}], encode=False)
    assert requests(emu, "gateway.metadata") == 0
    assert emu.rows(info, "T")[0]["Price"] is None


async def test_strict_options_and_a_stale_schema() -> None:
    """Unknown select options are created by the server ([ISSUES #2]); ``strict_options``
    refuses them. An option the cached schema does not know yet is checked once more against
    fresh metadata before being refused."""
    emu, info, token = world()
    strict = sa.CellOptions(strict_options=True)
    async with client(emu) as c:
        base = c.base(token)
        await base.append_rows("T", [{"Stage": "draft"}], encode=strict)
        with pytest.raises(sa.CellValueError, match="no such option"):
            await base.append_rows("T", [{"Stage": "final"}], encode=strict)
        assert requests(emu, "gateway.metadata") == 2  # refused only after a fresh look
        await base.append_rows("T", [{"Stage": "final"}])  # the server creates the option
        await base.append_rows("T", [{"Stage": "final"}], encode=strict)  # refreshed: known
        assert requests(emu, "gateway.metadata") == 3
    assert [r["Stage"] for r in emu.rows(info, "T")] == ["draft", "final", "final"]


async def test_schema_cache_is_shared_and_dropped_on_schema_errors() -> None:
    """One metadata request serves every typed call of a Base; a table created later is
    looked up once more; a 404 drops the cache so the next typed call fetches again."""
    emu, info, token = world()
    async with client(emu) as c:
        base = c.base(token)
        for _ in range(3):
            await base.append_rows("T", [{"Title": "x"}])
            await base.list_rows("T", decode=True)
        assert requests(emu, "gateway.metadata") == 1
        emu.state.create_table(emu.state.bases[info.uuid], "Later", {"N": "number"})
        await base.append_rows("Later", [{"N": Decimal("2")}])
        assert requests(emu, "gateway.metadata") == 2
        with pytest.raises(sa.NotFoundError):
            await base.list_rows("Gone")
        await base.append_rows("T", [{"Title": "y"}])
        assert requests(emu, "gateway.metadata") == 3
        with pytest.raises(sa.NotFoundError, match="table not found"):
            await base.append_rows("Gone", [{"Title": "y"}])
    assert emu.rows(info, "Later")[0]["N"] == 2


async def test_decoding_on_every_read() -> None:
    """``decode`` works on list_rows, rows(), get_row and sql (SQL decodes from the answer's
    own ``metadata``: no metadata request)."""
    emu, _, token = world()
    day = dt.date(2030, 6, 20)
    async with client(emu) as c:
        base = c.base(token)
        (row_id,) = await base.append_rows("T", [{"Day": day, "Spent": 60}])
        fetched = c.stats.requests
        result = await base.sql("SELECT Day, Spent FROM T", decode=True)
        assert c.stats.requests == fetched + 1
        assert result.rows[0]["Day"] == day
        assert result.rows[0]["Spent"] == dt.timedelta(minutes=1)
        assert (await base.list_rows("T", decode=True))[0]["Day"] == day
        assert [r["Day"] async for r in base.rows("T", decode=True)] == [day]
        assert (await base.get_row("T", row_id, decode=True))["_ctime"].tzinfo == BERLIN
        assert isinstance((await base.list_rows("T"))[0]["Day"], str)


async def test_row_encoder_and_decoder_are_public() -> None:
    """``row_encoder`` checks rows up front; ``EncodedRow`` items are sent as encoded."""
    emu, _, token = world()
    async with client(emu) as c:
        base = c.base(token)
        encoder = await base.row_encoder("T")
        encoded = encoder.rows([{"Price": "12.5", "Day": "2030-06-20"}])
        await base.append_rows("T", encoded)
        decoder = await base.row_decoder("T", sa.CellOptions(decimals=True))
        (row,) = decoder.rows(await base.list_rows("T"))
    assert row["Price"] == Decimal("12.5")
    assert row["Day"] == dt.date(2030, 6, 20)
