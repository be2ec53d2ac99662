"""``base.tables``, ``base.columns`` and ``base.views`` against the in-process emulator on 4.0
(legacy dtable-server), 4.4 and 5.0 (gateway, no duplicate-table there) and 6.0 (gateway only),
on asyncio and trio."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import attrs
import pytest

import seatable_async as sa
from seatable_async.emulator import Emulator

pytestmark = [pytest.mark.anyio, pytest.mark.anyio_backends("asyncio", "trio")]

VERSIONS = ["4.0", "4.4", "5.0", "6.0"]
URL = "http://127.0.0.1"


@attrs.define
class World:
    emu: Emulator
    base: sa.Base
    ops: list[dict[str, Any]]

    def stored(self, table: str) -> list[dict[str, Any]]:
        return self.emu.rows(next(iter(self.emu.state.bases.values())), table)


@pytest.fixture(params=VERSIONS)
async def world(request: pytest.FixtureRequest) -> AsyncIterator[World]:
    emu = Emulator(version=request.param)
    emu.add_user("alice@example.com", "pw")
    b = emu.add_base(
        owner="alice@example.com",
        name="Demo",
        tables={"Table1": {"Name": "text", "Age": "number"}, "Other": {"Title": "text"}},
    )
    token = emu.add_api_token(b)
    ops: list[dict[str, Any]] = []
    emu.events.subscribe(lambda uuid, op, origin: ops.append(op))
    async with sa.Client(URL, transport=emu.transport()) as client:
        yield World(emu, client.base(token), ops)


async def test_tables(world: World) -> None:
    base = world.base
    table = await base.tables.add(
        "Projects",
        [
            {"column_name": "Title", "column_type": "text"},
            {"column_name": "Budget", "column_type": "number", "column_data": {"format": "euro"}},
        ],
    )
    assert [c.name for c in table.columns] == ["Title", "Budget"]
    assert table.columns[0].key == "0000"
    assert table.columns[1].data == {"format": "euro"}
    assert [v.name for v in table.views] == ["Default View"]
    assert [t.name for t in await base.tables.list()] == ["Table1", "Other", "Projects"]
    await base.append_rows("Projects", [{"Title": "a", "Budget": 1}])
    await base.tables.rename("Projects", "Archive")
    assert [r["Title"] for r in await base.list_rows("Archive")] == ["a"]
    if world.emu.version in ("4.4", "5.0"):
        sent = world.emu.stats.requests.copy()
        with pytest.raises(sa.UnsupportedOperationError, match="duplicate"):
            await base.tables.duplicate("Archive", with_rows=True)
        assert world.emu.stats.requests == sent | {"server_info": 1}
    else:
        copy = await base.tables.duplicate("Archive", with_rows=True)
        assert copy.name == "Archive(copy)"
        assert [c.key for c in copy.columns] == [c.key for c in table.columns]
        assert [r["Title"] for r in await base.list_rows("Archive(copy)")] == ["a"]
        empty = await base.tables.duplicate("Archive")
        assert empty.name == "Archive(copy)(copy)"
        assert await base.list_rows(empty.name) == []
    await base.tables.delete("Archive")
    names = [t.name for t in await base.tables.list()]
    assert "Archive" not in names and "Table1" in names
    kinds = [op["op_type"] for op in world.ops]
    assert kinds[0] == "insert_table"
    assert "rename_table" in kinds and kinds[-1] == "delete_table"
    with pytest.raises(sa.NotFoundError):
        await base.tables.rename("Archive", "X")
    with pytest.raises(sa.BadRequestError):
        await base.tables.add("Table1")


async def test_columns(world: World) -> None:
    base = world.base
    await base.append_rows("Table1", [{"Name": "a", "Age": 3}, {"Name": "b", "Age": 12}])
    status = await base.columns.insert(
        "Table1", "Status", "single-select", data={"options": [{"name": "open"}]}, anchor="Name"
    )
    assert status.type == "single-select" and status.options[0].name == "open"
    added = await base.columns.append(
        "Table1",
        [
            {"column_name": "Due", "column_type": "date"},
            {"column_name": "Done", "column_type": "checkbox"},
        ],
    )
    assert [c.name for c in added] == ["Due", "Done"]
    assert [c.name for c in await base.columns.list("Table1")] == [
        "Name",
        "Status",
        "Age",
        "Due",
        "Done",
    ]
    renamed = await base.columns.rename("Table1", status.key, "State")
    assert (renamed.key, renamed.name) == (status.key, "State")
    assert (await base.columns.resize("Table1", "State", 320)).width == 320
    assert (await base.columns.freeze("Table1", "State")).frozen is True
    assert (await base.columns.freeze("Table1", "State", frozen=False)).frozen is False
    await base.columns.move("Table1", "Done", after="Name")
    retyped = await base.columns.change_type("Table1", "Age", "text")
    assert retyped.type == "text"
    rows = await base.list_rows("Table1")
    assert {r["Name"]: r["Age"] for r in rows} == {"a": "3", "b": "12"}
    await base.columns.change_type("Table1", "Age", "number", data={"format": "euro"})
    assert {r["Name"]: r["Age"] for r in world.stored("Table1")} == {"a": 3, "b": 12}
    await base.columns.delete("Table1", "Due")
    columns = await base.columns.list("Table1")
    assert [c.name for c in columns] == ["Name", "Done", "State", "Age"]
    assert columns[3].data == {"format": "euro"}
    kinds = [
        op["op_type"] for op in world.ops if op["op_type"] not in ("append_rows", "insert_row")
    ]  # row writes (4.0: one per row)
    assert kinds == [
        "insert_column",
        "insert_columns",
        "rename_column",
        "resize_column",
        "freeze_column",
        "freeze_column",
        "move_column",
        "modify_column_type",
        "modify_column_type",
        "delete_column",
    ]
    with pytest.raises(sa.NotFoundError):
        await base.columns.rename("Table1", "Nope", "X")
    with pytest.raises(sa.BadRequestError):
        await base.columns.insert("Table1", "State", "text")


async def test_select_options_and_cascade(world: World) -> None:
    base = world.base
    await base.columns.insert("Table1", "Continent", "single-select")
    await base.columns.insert("Table1", "Country", "single-select")
    await base.columns.add_options(
        "Table1", "Continent", [{"name": "Europe", "color": "#59CB74"}, {"name": "Asia"}]
    )
    await base.columns.add_options("Table1", "Country", [{"name": "France"}, {"name": "Japan"}])
    await base.append_rows(
        "Table1", [{"Name": "x", "Continent": "Europe"}, {"Name": "y", "Continent": "Asia"}]
    )
    continent = (await base.columns.list("Table1"))[2]
    europe = continent.option("Europe")
    assert europe.color == "#59CB74" and europe.text_color
    updated = await base.columns.update_options(
        "Table1", "Continent", [{"id": europe.id, "name": "EU", "color": "#FF8000"}]
    )
    assert updated == [sa.SelectOption(europe.id, "EU", "#FF8000", europe.text_color)]
    # rows appended one per request on 4.0 may land in any order: compare by name
    listed = {r["Name"]: r["Continent"] for r in await base.list_rows("Table1")}
    assert listed == {"x": "EU", "y": "Asia"}
    await base.columns.delete_options("Table1", "Continent", ["Asia"])
    assert {r["Name"]: r["Continent"] for r in world.stored("Table1")} == {"x": "EU", "y": None}
    await base.columns.set_cascade(
        "Table1", child="Country", parent="Continent", settings={"EU": ["France"]}
    )
    country = (await base.columns.list("Table1"))[3]
    assert (country.data or {})["cascade_settings"] == {europe.id: [country.option("France").id]}
    with pytest.raises(sa.BadRequestError):
        await base.columns.add_options("Table1", "Name", [{"name": "x"}])
    data_ops = [op for op in world.ops if op["op_type"] == "modify_column_data"]
    assert len(data_ops) == 5


async def test_link_and_formula_columns(world: World) -> None:
    base = world.base
    link = await base.columns.insert(
        "Table1", "Others", "link", data={"table": "Table1", "other_table": "Other"}
    )
    data = link.data or {}
    tables = {t.name: t for t in await base.tables.list()}
    assert data["table_id"] == tables["Table1"].id
    assert data["other_table_id"] == tables["Other"].id
    mirror = tables["Other"].column("Table1")
    assert mirror.type == "link"
    assert (mirror.data or {})["link_id"] == data["link_id"]
    assert (mirror.data or {})["other_table_id"] == tables["Table1"].id
    formula = await base.columns.insert("Table1", "Double", "formula", data={"formula": "{Age}*2"})
    assert (formula.data or {})["operated_columns"] == [tables["Table1"].column("Age").key]
    assert (formula.data or {})["result_type"] == "number"


async def test_views(world: World) -> None:
    base = world.base
    await base.append_rows(
        "Table1", [{"Name": "a", "Age": 30}, {"Name": "b", "Age": 10}, {"Name": "c", "Age": 50}]
    )
    view = await base.views.add("Table1", "Adults")
    assert (view.name, view.type, view.filters) == ("Adults", "table", [])
    age = (await base.tables.list())[0].column("Age")
    view = await base.views.update(
        "Table1",
        "Adults",
        filters=[{"column_name": "Age", "filter_predicate": "greater", "filter_term": 18}],
        sorts=[{"column_name": "Age", "sort_type": "down"}],
        hidden_columns=["Age"],
    )
    assert view.filters == [
        {"column_key": age.key, "filter_predicate": "greater", "filter_term": 18}
    ]
    assert view.sorts == [{"column_key": age.key, "sort_type": "down"}]
    assert view.hidden_columns == [age.key]
    rows = await base.list_rows("Table1", view="Adults")
    assert [r["Name"] for r in rows] == ["c", "a"]
    assert all("Age" not in r for r in rows)
    assert [c.name for c in await base.columns.list("Table1", view="Adults")] == ["Name"]
    assert (await base.views.get("Table1", "Adults")).id == view.id
    view = await base.views.update("Table1", "Adults", new_name="Grown-ups", sorts=[])
    assert view.name == "Grown-ups" and view.sorts == []
    unsorted = await base.list_rows("Table1", view="Grown-ups")
    assert sorted(r["Name"] for r in unsorted) == ["a", "c"]
    assert [v.name for v in await base.views.list("Table1")] == ["Default View", "Grown-ups"]
    await base.views.delete("Table1", "Grown-ups")
    with pytest.raises(sa.NotFoundError):
        await base.views.get("Table1", "Grown-ups")
    kinds = [
        op["op_type"] for op in world.ops if op["op_type"] not in ("append_rows", "insert_row")
    ]  # row writes (4.0: one per row)
    assert kinds == [
        "insert_view",
        "modify_filters",
        "modify_sorts",
        "modify_hidden_columns",
        "rename_view",
        "modify_sorts",
        "delete_view",
    ]


async def test_read_only_token_refused_before_writing(world: World) -> None:
    emu = world.emu
    b = next(iter(emu.state.bases.values()))
    ro = emu.add_api_token(b, app_name="reader", permission="r")
    async with sa.Client(URL, transport=emu.transport()) as client:
        base = client.base(ro)
        assert [t.name for t in await base.tables.list()] == ["Table1", "Other"]
        with pytest.raises(sa.PermissionDeniedError):
            await base.columns.insert("Table1", "X", "text")
        with pytest.raises(sa.PermissionDeniedError):
            await base.views.delete("Table1", "Default View")
    assert world.ops == []
