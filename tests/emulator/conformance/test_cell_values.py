"""Cell values as the server stores and shows them (audit D1, D9, D13).

Sources are cited per test: ``seatable/openapi`` ``tests/API_ISSUES.md`` (6.0.10/6.1, "ISSUES
#n"), its ``tests/__snapshots__`` (6.x) and our ``reference/openapi/v5.0-test-snapshots``.
"""

from __future__ import annotations

import pytest

from ._world import world

pytestmark = pytest.mark.anyio


async def test_dates_show_the_zone_offset_per_day() -> None:
    """Date cells come back ISO with the server zone's offset; date-only columns at midnight,
    minute columns with their time; June +02:00, December +01:00 in Europe/Berlin.
    Source: 6.x snapshots ``test_base_operations/test_listRows[listRows].json`` (June rows,
    ``+02:00``) and ``test_row_crud/test_updateRow.json`` (December rows, ``+01:00``)."""
    async with world(timezone="Europe/Berlin") as w:
        await w.append(
            [
                {"Day": "2030/06/20", "Moment": "2030/06/20 23:55"},
                {"Day": "2031-12-31", "Moment": "2031/12/31 11:30"},
            ]
        )
        rows = await w.rows()
    assert [(r["Day"], r["Moment"]) for r in rows] == [
        ("2030-06-20T00:00:00+02:00", "2030-06-20T23:55:00+02:00"),
        ("2031-12-31T00:00:00+01:00", "2031-12-31T11:30:00+01:00"),
    ]


async def test_fixed_offset_timezone_and_default_utc() -> None:
    """The offset is configurable (``timezone="+05:30"``) and defaults to ``+00:00``.
    Source: brief of issue 13 (offset configurable per emulator); shape as in the snapshot
    ``test_listRows[listRows].json``."""
    async with world(timezone="+05:30") as w:
        await w.append([{"Day": "2030-06-20"}])
        assert (await w.rows())[0]["Day"] == "2030-06-20T00:00:00+05:30"
    async with world() as w:
        await w.append([{"Day": "2030-06-20"}])
        assert (await w.rows())[0]["Day"] == "2030-06-20T00:00:00+00:00"


async def test_date_input_order_follows_the_column_format() -> None:
    """``a/b/YYYY`` is read day-first in a ``DD/MM/YYYY`` column and month-first in a
    ``M/D/YYYY`` column; ``d.m.YYYY HH:mm`` is German order. Source: 6.x snapshot
    ``test_listRows[listRows].json`` (inputs ``05/06/2024`` and ``6/5/2024`` both June 5,
    ``20.06.2030 23:55`` June 20) and ``tests/test_base_operations.py`` (the inputs)."""
    async with world() as w:
        await w.append([{"EuDay": "05/06/2024", "UsDay": "6/5/2024", "DeDay": "20.06.2030 23:55"}])
        row = (await w.rows())[0]
    assert row["EuDay"] == "2024-06-05T00:00:00+00:00"
    assert row["UsDay"] == "2024-06-05T00:00:00+00:00"
    assert row["DeDay"] == "2030-06-20T23:55:00+00:00"


async def test_an_offset_in_the_input_is_converted_to_server_time() -> None:
    """RFC 3339 input with an offset lands as the server's local wall time (inferred from the
    stored form the legacy route shows, ``2030-06-20 23:55``: dates are stored zone-less)."""
    async with world(timezone="+02:00") as w:
        await w.append([{"Moment": "2030-06-20T21:55:00Z", "Day": "2030-06-20T23:30:00-05:00"}])
        row = (await w.rows())[0]
        stored = w.emu.rows(w.base, "T")[0]
    assert row["Moment"] == "2030-06-20T23:55:00+02:00"
    assert stored["Moment"] == "2030-06-20 23:55"
    assert stored["Day"] == "2030-06-21"


async def test_unparseable_dates_are_stored_as_null_without_error() -> None:
    """An invalid date is silently stored as null. Source: ISSUES #5 (``13/31/2025`` → null)."""
    async with world() as w:
        data = await w.append([{"Day": "13/31/2025", "Moment": "not a date", "Title": "x"}])
        row = (await w.rows())[0]
    assert data["inserted_row_count"] == 1
    assert (row["Day"], row["Moment"], row["Title"]) == (None, None, "x")


async def test_numbers_are_coerced_and_invalid_numbers_are_null() -> None:
    """Numeric strings become numbers, anything else null; duration strings are seconds.
    Source: 6.x snapshot ``test_listRows[listRows].json`` (duration input ``'5400'`` shown
    ``5400``); invalid → null per the audit's D1 (dtable-server stores numbers only)."""
    async with world() as w:
        await w.append(
            [
                {"Amount": "12.5", "Spent": "5400", "Stars": 7},
                {"Amount": "abc", "Spent": "1:30", "Stars": "x"},
                {"Amount": True},
            ]
        )
        rows = await w.rows()
    assert [(r["Amount"], r["Spent"], r["Stars"]) for r in rows] == [
        (12.5, 5400, 7),  # rating above rate_max_number is kept (ISSUES #3)
        (None, 5400, None),
        (None, None, None),
    ]


async def test_checkbox_only_true_is_true() -> None:
    """Only the JSON boolean ``true`` is stored true; integer ``1`` and ``"true"`` are stored
    false; an unset checkbox is null. Source: ISSUES #1; 6.x snapshot
    ``test_listRows[listRows].json`` (``"checkbox": null`` in the row without a value)."""
    async with world() as w:
        await w.append([{"Done": True}, {"Done": 1}, {"Done": "true"}, {"Done": False}, {}])
        assert [r["Done"] for r in await w.rows()] == [True, False, False, False, None]


async def test_unknown_select_options_are_created_in_the_column() -> None:
    """Writing an unknown option name creates it in the column's ``data.options`` with an
    id and colours; known names are kept. Source: ISSUES #2; option structure (id, name,
    color, textColor) from the 6.x snapshot ``test_columns/test_listColumns.json``."""
    async with world() as w:
        await w.append([{"Status": "open", "Tags": ["red", "blue"]}, {"Status": "closed"}])
        rows = await w.rows()
        r = await w.client.get(w.gw("metadata/"), headers=w.headers)
    columns = {c["name"]: c for c in r.json()["metadata"]["tables"][0]["columns"]}
    status = columns["Status"]["data"]["options"]
    assert [o["name"] for o in status] == ["open", "closed"]
    assert status[0]["id"] == "aa11"  # the existing option is untouched
    new = status[1]
    assert set(new) == {"id", "name", "color", "textColor"}
    assert new["id"] and new["id"] != "aa11"
    assert [o["name"] for o in columns["Tags"]["data"]["options"]] == ["red", "blue"]
    assert [(row["Status"], row["Tags"]) for row in rows] == [
        ("open", ["red", "blue"]),
        ("closed", None),
    ]


async def test_select_values_are_names_on_every_version() -> None:
    """Select cells come back as option names on 5.0 too. Source: 6.x snapshot
    ``test_listRows[listRows].json`` (names). The 5.0 snapshot's ``1``/``[]`` come from a test
    that created options with integer ids (``{'id': 1, ...}`` in ``simonhammes/openapi``
    ``test_base_operations.py``), not from a 5.0 answer shape — see audit D9."""
    async with world("5.0") as w:
        await w.append([{"Status": "open", "Tags": ["a"]}])
        row = (await w.rows())[0]
    assert (row["Status"], row["Tags"]) == ("open", ["a"])


async def test_auto_number_is_generated_and_overwritable() -> None:
    """Auto numbers count per column (``0001``; a string prefix gives ``T-001``); a written
    value is stored as given. Source: 5.0/6.x snapshot ``test_listRows[listRows].json``
    (``"0001"``, ``"row-0001"``) and ISSUES #4 (auto-number overwritable)."""
    async with world() as w:
        await w.append([{"Title": "a"}, {"Title": "b", "Seq": "9999"}, {"Title": "c"}])
        rows = await w.rows()
        meta = await w.client.get(w.gw("metadata/"), headers=w.headers)
    assert [(r["Seq"], r["Ticket"]) for r in rows] == [
        ("0001", "T-001"),
        ("9999", "T-002"),
        ("0002", "T-003"),
    ]
    seq = next(c for c in meta.json()["metadata"]["tables"][0]["columns"] if c["name"] == "Seq")
    assert seq["data"]["max_used_auto_number"] == 2


async def test_computed_and_system_columns_ignore_writes() -> None:
    """Writes to formula, creator, ctime and to ``_ctime``/``_mtime``/``_creator``/
    ``_last_modifier`` are ignored on append and update. Source: ISSUES #7 and
    ``tests/test_readonly_columns.py`` (6.0.10)."""
    async with world() as w:
        await w.append(
            [
                {
                    "Title": "x",
                    "Calc": 999,
                    "Author": "fake@example.com",
                    "_ctime": "2000-01-01T00:00:00.000+00:00",
                    "_creator": "fake@example.com",
                    "_last_modifier": "fake@example.com",
                }
            ]
        )
        before = (await w.rows())[0]
        r = await w.client.put(
            w.gw("rows/"),
            headers=w.headers,
            json={
                "table_name": "T",
                "updates": [
                    {
                        "row_id": before["_id"],
                        "row": {"Calc": 5, "_mtime": "2000-01-01T00:00:00.000+00:00"},
                    }
                ],
            },
        )
        assert r.status_code == 200
        after = (await w.rows())[0]
    assert before["Calc"] is None and after["Calc"] is None  # never stored
    assert before["_creator"] == before["Author"] == "conf"  # the app name for API-Token writes
    assert "2000" not in before["_ctime"] and "2000" not in after["_mtime"]
    assert before["_ctime"] == after["_ctime"] == after["Made"]
    assert after["_last_modifier"] == "conf"


async def test_row_answers_carry_archived_and_lock_fields() -> None:
    """Gateway rows (list and get) carry ``_archived``, ``_locked``, ``_locked_by`` and every
    column, unset ones as null. Source: 5.0/6.x snapshots ``test_listRows[listRows].json``
    and ``test_getRow[getRow].json``."""
    async with world() as w:
        data = await w.append([{"Title": "x"}])
        row_id = data["row_ids"][0]["_id"]
        listed = (await w.rows())[0]
        got = await w.client.get(
            w.gw(f"rows/{row_id}/"),
            headers=w.headers,
            params={"table_name": "T", "convert_keys": "true"},
        )
    for row in (listed, got.json()):
        assert (row["_archived"], row["_locked"], row["_locked_by"]) == (False, None, None)
        assert row["Notes"] is None and row["Place"] is None
        assert set(row) >= {"_id", "_ctime", "_mtime", "_creator", "_last_modifier"}


async def test_first_row_holds_stored_values_keyed_by_column_key() -> None:
    """``first_row`` is keyed by column keys (even with convert_keys), has ``_id``,
    ``_creator``, ``_last_modifier`` but no ``_ctime``/``_mtime``, and holds stored values.
    Source: ISSUES #8; v5.0 ``base_operations.yaml`` appendRows example; audit D13."""
    async with world(timezone="+02:00") as w:
        data = await w.append([{"Title": "x", "Amount": "5.0", "Done": 1, "Day": "2030/06/20"}])
        keys = {c.name: c.key for c in w.base.tables[0].columns}
    first = data["first_row"]
    assert set(first) == {
        "_id",
        "_creator",
        "_last_modifier",
        keys["Title"],
        keys["Amount"],
        keys["Done"],
        keys["Day"],
        keys["Seq"],
        keys["Ticket"],
    }
    assert first[keys["Amount"]] == 5.0 and isinstance(first[keys["Amount"]], float)
    assert first[keys["Done"]] is False
    assert first[keys["Day"]] == "2030-06-20T00:00:00+02:00"
    assert first[keys["Seq"]] == "0001"
    assert first["_id"] == data["row_ids"][0]["_id"]


async def test_legacy_rows_show_stored_dates_and_omit_creator_fields() -> None:
    """The old dtable-server shows dates as stored (``2030-06-20``, ``2030-06-20 23:55``),
    omits unset cells and ``_creator``/``_last_modifier``. Source: 5.0 snapshot
    ``test_listRows[listRowsDeprecated].json`` and ``test_getRow[getRowDeprecated].json``."""
    async with world("5.0", timezone="+02:00") as w:
        await w.append([{"Title": "x", "Day": "2030/06/20", "Moment": "2030/06/20 23:55"}])
        r = await w.client.get(w.legacy("rows/"), headers=w.headers, params={"table_name": "T"})
    row = r.json()["rows"][0]
    computed = {"Author", "Made"}  # creator / ctime columns show the row's system fields
    assert (
        set(row)
        == {"_id", "_ctime", "_mtime", "Title", "Day", "Moment", "Seq", "Ticket"} | computed
    )
    assert (row["Day"], row["Moment"]) == ("2030-06-20", "2030-06-20 23:55")


async def test_updates_normalise_like_appends() -> None:
    """Updates go through the same per-type rules (dates, options, numbers). Source: 6.x
    snapshot ``test_row_crud/test_updateRow.json`` (values read back after updateRow)."""
    async with world() as w:
        data = await w.append([{"Title": "x"}])
        row_id = data["row_ids"][0]["_id"]
        r = await w.client.put(
            w.gw("rows/"),
            headers=w.headers,
            json={
                "table_name": "T",
                "updates": [
                    {
                        "row_id": row_id,
                        "row": {"Day": "31.12.2031", "Amount": "42.00", "Status": "later"},
                    }
                ],
            },
        )
        assert r.json() == {"success": True}
        row = (await w.rows())[0]
    assert (row["Day"], row["Amount"], row["Status"]) == ("2031-12-31T00:00:00+00:00", 42, "later")


async def test_row_ids_look_like_seatable_slugids() -> None:
    """Row ids are 22 URL-safe characters ending in A, Q, g or w (16 bytes). Source: audit
    D16 (shape of the ids in the spec examples, e.g. ``Bko1e60YT-egit2SljWSZA``)."""
    import re

    async with world() as w:
        data = await w.append([{} for _ in range(200)])
    ids = [r["_id"] for r in data["row_ids"]]
    assert len(set(ids)) == 200
    assert all(re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_-]{20}[AQgw]", i) for i in ids)
