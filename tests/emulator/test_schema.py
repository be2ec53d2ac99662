"""Emulator conformance for the schema routes (tables, columns, options, views): request and
answer shapes, error bodies per route family, operations published, views applied to rows.
Each test names its source; "inferred" marks what nothing recorded."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from .emu_helpers import Setup, auth, base_token, client, gw, legacy, make

pytestmark = pytest.mark.anyio

#: Keys of a column created through the REST API on 6.0.10 (6.x ``test_insertColumn[*]``).
COLUMN_KEYS_6 = {
    "colorbys",
    "data",
    "description",
    "draggable",
    "edit_metadata_permission_type",
    "edit_metadata_permitted_group",
    "edit_metadata_permitted_users",
    "editable",
    "key",
    "name",
    "permission_type",
    "permitted_group",
    "permitted_users",
    "resizable",
    "type",
    "width",
}
#: Keys of a view on 6.0.10 (6.x ``test_views/test_getView``, ``test_createView``).
VIEW_KEYS_6 = {
    "_id",
    "colorbys",
    "colors",
    "column_colors",
    "filter_conjunction",
    "filters",
    "formula_rows",
    "groupbys",
    "groups",
    "hidden_columns",
    "is_locked",
    "name",
    "private_for",
    "row_height",
    "rows",
    "sorts",
    "summaries",
    "type",
}


@asynccontextmanager
async def session(
    version: str,
) -> AsyncIterator[tuple[Setup, httpx.AsyncClient, dict[str, str], Any]]:
    s = make(version)
    async with client(s.emu) as c:
        headers = auth(await base_token(c, s.api_token), "Bearer")
        url = gw if s.emu.has_gateway else legacy
        yield s, c, headers, lambda suffix: url(s, suffix)


async def test_insert_column_shape_6() -> None:
    """6.x ``test_insertColumn[single-select]``, ``[auto-number]``, ``[formula-sum]``: the
    full key set, given option ids kept, auto-number and formula data completed."""
    async with session("6.0") as (_s, c, h, u):
        options = [{"id": "0000", "name": "alpha", "color": "#9860E5", "textColor": "#000000"}]
        r = await c.post(
            u("columns/"),
            headers=h,
            json={
                "table_name": "Table1",
                "column_name": "single-select",
                "column_type": "single-select",
                "column_data": {"options": options},
            },
        )
        assert r.status_code == 200
        assert set(r.json()) == COLUMN_KEYS_6
        assert r.json()["data"] == {"options": options}
        r = await c.post(
            u("columns/"),
            headers=h,
            json={
                "table_name": "Table1",
                "column_name": "auto",
                "column_type": "auto-number",
                "column_data": {"format": "0000", "digits": 4},
            },
        )
        assert r.json()["data"] == {"digits": 4, "format": "0000", "max_used_auto_number": 0}
        r = await c.post(
            u("columns/"),
            headers=h,
            json={
                "table_name": "Table1",
                "column_name": "formula-sum",
                "column_type": "formula",
                "column_data": {"formula": "1 + 2"},
            },
        )
        assert r.json()["data"] == {
            "formula": "1 + 2",
            "operated_columns": [],
            "result_type": "number",
        }


async def test_column_shape_5() -> None:
    """5.0 spec examples (insertColumn, appendColumns): ``draggable``, ``permission_type``,
    ``permitted_users``, ``description``; the 6.x-only keys are absent (inferred for 4.x)."""
    async with session("5.0") as (_s, c, h, u):
        r = await c.post(
            u("batch-append-columns/"),
            headers=h,
            json={
                "table_name": "Table1",
                "columns": [{"column_name": "n", "column_type": "number"}],
            },
        )
        (col,) = r.json()["columns"]
        assert set(col) == {
            "key", "name", "type", "width", "editable", "resizable", "data", "draggable",
            "permission_type", "permitted_users", "description",
        }  # fmt: skip
        assert col["data"] == {"format": "number", "decimal": "dot", "thousands": "no"}


@pytest.mark.parametrize("version", ["4.0", "5.0"])
async def test_create_table_answer(version: str) -> None:
    """5.0 ``test_createTable[createTable]`` / ``[createTableDeprecated]``: the table with
    ``rows``, ``id_row_map``, ``view_structure`` and a full default view (``link_rows`` before
    6.0); the first column's key is ``0000``."""
    async with session(version) as (_s, c, h, u):
        r = await c.post(
            u("tables/"),
            headers=h,
            json={
                "table_name": "test_createTable",
                "columns": [{"column_name": "t", "column_type": "text"}],
            },
        )
        body = r.json()
        assert set(body) == {
            "_id", "columns", "header_settings", "id_row_map", "is_header_locked", "name",
            "rows", "summary_configs", "view_structure", "views",
        }  # fmt: skip
        assert body["view_structure"] == {"folders": [], "view_ids": ["0000"]}
        assert body["columns"][0]["key"] == "0000"
        assert set(body["views"][0]) == VIEW_KEYS_6 | {"link_rows"}
        assert (body["rows"], body["id_row_map"]) == ([], {})


async def test_duplicate_table_answer_6() -> None:
    """6.x ``test_tables/test_duplicateTable``: ``"<name>(copy)"``, rows keyed by column key with
    ``_id``/``_ctime``/``_mtime``/``_creator``/``_last_modifier`` in ``rows`` and
    ``id_row_map``."""
    async with session("6.0") as (_s, c, h, u):
        await c.post(
            u("rows/"),
            headers=h,
            json={"table_name": "Table1", "rows": [{"Name": "row-1", "Age": 1}]},
        )
        r = await c.post(
            u("tables/duplicate-table/"),
            headers=h,
            json={"table_name": "Table1", "is_duplicate_records": True},
        )
        body = r.json()
        assert body["name"] == "Table1(copy)"
        (row,) = body["rows"]
        assert set(row) == {
            "_id",
            "_ctime",
            "_mtime",
            "_creator",
            "_last_modifier",
            "0000",
            body["columns"][1]["key"],
        }
        assert body["id_row_map"] == {row["_id"]: row}


@pytest.mark.parametrize("version", ["4.4", "5.0"])
async def test_no_gateway_duplicate_before_6(version: str) -> None:
    """Duplicate-table is in the 5.0 spec only on dtable-server; the gateway has it in the 6.1
    spec and the 6.0.10 run."""
    async with session(version) as (s, c, h, _):
        body = {"table_name": "Table1", "is_duplicate_records": False}
        r = await c.post(gw(s, "tables/duplicate-table/"), headers=h, json=body)
        assert r.status_code == 404
        r = await c.post(legacy(s, "tables/duplicate-table/"), headers=h, json=body)
        assert r.json()["name"] == "Table1(copy)"


async def test_no_legacy_schema_routes_on_6() -> None:
    """6.0 removed the old dtable-server routes."""
    async with session("6.0") as (s, c, h, _):
        r = await c.get(legacy(s, "columns/"), headers=h, params={"table_name": "Table1"})
        assert r.status_code == 404


@pytest.mark.parametrize(
    ("version", "key"), [("4.0", "error_msg"), ("5.0", "error_message"), ("6.0", "error_message")]
)
async def test_error_bodies_per_family(version: str, key: str) -> None:
    """Gateway errors carry ``error_message``, dtable-server ``error_msg`` (reference §10);
    unknown table → 404 ``table not found`` (fidelity audit); unknown column/view → 404 and a
    taken name → 400 (inferred)."""
    async with session(version) as (_s, c, h, u):
        r = await c.put(u("tables/"), headers=h, json={"table_name": "Nope", "new_table_name": "X"})
        assert (r.status_code, r.json()) == (404, {key: "table not found"})
        r = await c.request(
            "DELETE", u("columns/"), headers=h, json={"table_name": "Table1", "column": "Nope"}
        )
        assert r.status_code == 404 and key in r.json()
        r = await c.get(u("views/Nope/"), headers=h, params={"table_name": "Table1"})
        assert (r.status_code, r.json()) == (404, {key: "view not found"})
        r = await c.post(
            u("columns/"),
            headers=h,
            json={"table_name": "Table1", "column_name": "Age", "column_type": "text"},
        )
        assert r.status_code == 400 and key in r.json()


async def test_operations_published() -> None:
    """Operations as ``tests/test_websocket.py`` (6.0.10) records them: ``insert_column``
    (column_key = the anchor, column_data), ``rename_column`` (new/old_column_name),
    ``resize_column`` (new/old_column_width), ``freeze_column`` (frozen), ``modify_column_data``
    (column_data), ``delete_column`` (old_column, upper_column_key), ``rename_table``
    (table_name), ``insert_view`` (view_data), ``modify_filters``, ``delete_view``."""
    ops: list[dict[str, Any]] = []
    async with session("6.0") as (s, c, h, u):
        s.emu.events.subscribe(lambda uuid, op, origin: ops.append(op))
        r = await c.post(
            u("columns/"),
            headers=h,
            json={
                "table_name": "Table1",
                "column_name": "S",
                "column_type": "single-select",
                "anchor_column": "Name",
            },
        )
        key = r.json()["key"]
        put = {"table_name": "Table1", "column": "S"}
        await c.put(
            u("columns/"),
            headers=h,
            json={**put, "op_type": "rename_column", "new_column_name": "T"},
        )
        put["column"] = key
        await c.put(
            u("columns/"),
            headers=h,
            json={**put, "op_type": "resize_column", "new_column_width": 400},
        )
        await c.put(
            u("columns/"), headers=h, json={**put, "op_type": "freeze_column", "frozen": True}
        )
        await c.post(u("column-options/"), headers=h, json={**put, "options": [{"name": "open"}]})
        await c.request("DELETE", u("columns/"), headers=h, json=put)
        await c.put(u("tables/"), headers=h, json={"table_name": "Table1", "new_table_name": "T1"})
        view = (
            await c.post(
                u("views/"),
                headers=h,
                params={"table_name": "T1"},
                json={"name": "V", "type": "table"},
            )
        ).json()
        await c.put(
            u("views/V/"),
            headers=h,
            params={"table_name": "T1"},
            json={"filters": [{"column_key": "0000", "filter_predicate": "is_empty"}]},
        )
        await c.request("DELETE", u("views/V/"), headers=h, params={"table_name": "T1"})
    table_id = s.base.tables[0].id
    column = {k: v for k, v in ops[0]["column_data"].items()}
    assert ops[0] == {
        "op_type": "insert_column",
        "table_id": table_id,
        "column_key": "0000",
        "column_data": column,
    }
    assert ops[1] == {
        "op_type": "rename_column",
        "table_id": table_id,
        "column_key": key,
        "new_column_name": "T",
        "old_column_name": "S",
    }
    assert ops[2] == {
        "op_type": "resize_column",
        "table_id": table_id,
        "column_key": key,
        "new_column_width": 400,
        "old_column_width": 200,
    }
    assert ops[3] == {
        "op_type": "freeze_column",
        "table_id": table_id,
        "column_key": key,
        "frozen": True,
    }
    assert (
        ops[4]["op_type"] == "modify_column_data"
        and ops[4]["column_data"]["options"][0]["name"] == "open"
    )
    assert ops[5]["op_type"] == "delete_column" and ops[5]["upper_column_key"] == "0000"
    assert ops[5]["old_column"]["frozen"] is True
    assert ops[6] == {"op_type": "rename_table", "table_id": table_id, "table_name": "T1"}
    assert ops[7] == {"op_type": "insert_view", "table_id": table_id, "view_data": view}
    assert ops[8] == {
        "op_type": "modify_filters",
        "table_id": table_id,
        "view_id": view["_id"],
        "filters": [{"column_key": "0000", "filter_predicate": "is_empty"}],
        "filter_conjunction": "And",
    }
    assert ops[9] == {
        "op_type": "delete_view",
        "table_id": table_id,
        "view_id": view["_id"],
        "view_name": "V",
    }


async def test_view_settings_and_rows() -> None:
    """5.0 spec updateView: unset fields stay, an empty list changes nothing, ``[{}]`` clears;
    listRows with a view applies its filters and sorts and hides its hidden columns (6.1 spec,
    fidelity audit D11). ``column_name`` in sorts (6.x ``test_updateView``) is stored as the
    key (inferred). The 6.x view shape (``test_getView``)."""
    async with session("6.0") as (s, c, h, u):
        rows = [{"Name": n, "Age": a} for n, a in (("a", 30), ("b", 10), ("c", 50), ("d", None))]
        await c.post(u("rows/"), headers=h, json={"table_name": "Table1", "rows": rows})
        q = {"table_name": "Table1"}
        r = await c.post(u("views/"), headers=h, params=q, json={"name": "V", "type": "table"})
        assert set(r.json()) == VIEW_KEYS_6
        age = s.base.tables[0].by_name["Age"].key
        r = await c.put(
            u("views/V/"),
            headers=h,
            params=q,
            json={
                "sorts": [{"column_name": "Age", "sort_type": "down"}],
                "filters": [
                    {"column_key": age, "filter_predicate": "greater", "filter_term": 18},
                    {"column_key": age, "filter_predicate": "is_empty"},
                ],
                "filter_conjunction": "Or",
                "hidden_columns": [age],
            },
        )
        assert r.json()["sorts"] == [{"column_key": age, "sort_type": "down"}]
        listed = (
            await c.get(
                u("rows/"), headers=h, params={**q, "view_name": "V", "convert_keys": "true"}
            )
        ).json()["rows"]
        assert [row["Name"] for row in listed] == ["c", "a", "d"]
        assert all("Age" not in row for row in listed)
        r = await c.put(u("views/V/"), headers=h, params=q, json={"sorts": [], "filters": [{}]})
        assert r.json()["sorts"] == [{"column_key": age, "sort_type": "down"}]
        assert r.json()["filters"] == []
        listed = (
            await c.get(u("rows/"), headers=h, params={**q, "view_id": r.json()["_id"]})
        ).json()["rows"]
        assert len(listed) == 4


async def test_select_option_cells_follow() -> None:
    """5.0 spec: deleted options "will be removed from the entries containing them"; a renamed
    option (updateSelectOption) shows its new name in its cells (the emulator stores names;
    inferred); ``return_options`` answers the updated options (spec example)."""
    async with session("5.0") as (s, c, h, u):
        await c.post(
            u("columns/"),
            headers=h,
            json={"table_name": "Table1", "column_name": "M", "column_type": "multiple-select"},
        )
        rows = [{"Name": "x", "M": ["a", "b"]}, {"Name": "y", "M": ["b"]}]
        await c.post(u("rows/"), headers=h, json={"table_name": "Table1", "rows": rows})
        col = s.base.tables[0].by_name["M"]
        ids = {o["name"]: o["id"] for o in (col.data or {})["options"]}
        r = await c.put(
            u("column-options/"),
            headers=h,
            json={
                "table_name": "Table1",
                "column": "M",
                "options": [{"id": ids["a"], "name": "A"}],
                "return_options": True,
            },
        )
        assert r.json()["options"][0]["name"] == "A"
        await c.request(
            "DELETE",
            u("column-options/"),
            headers=h,
            json={"table_name": "Table1", "column": "M", "option_names": ["b"]},
        )
    assert [r["M"] for r in s.emu.rows(s.base, "Table1")] == [["A"], []]
