"""The official ``seatable-api`` 4.0.0 client's table, column, option and view methods, unchanged,
against the served emulator (4.0 legacy dtable-server, 5.0 and 6.0 API gateway), and round trips
with our SDK: what one writes, the other reads back identically.

Sources: the official client's ``main.py`` / ``api_gateway.py`` (requests and bodies), the 5.0
spec (answers), 6.x ``tests/__snapshots__/test_columns`` and ``test_views`` (shapes).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anyio
import pytest

import seatable_async as sa
from seatable_async.emulator import Emulator

from .emu_helpers import TABLES

seatable_api = pytest.importorskip("seatable_api")
from seatable_api import Base  # noqa: E402
from seatable_api.constants import ColumnTypes  # noqa: E402

Served = tuple[Emulator, str, str]


@pytest.fixture(params=["4.0", "5.0", "6.0"])
def served(request: pytest.FixtureRequest) -> Iterator[Served]:
    emu = Emulator(str(request.param))
    emu.add_user("alice@example.com", "pw")
    base = emu.add_base(owner="alice@example.com", name="Demo", tables=TABLES)
    token = emu.add_api_token(base, app_name="sdk", permission="rw")
    with emu.serve_in_thread() as url:
        yield emu, url, token


def official(url: str, token: str) -> Any:
    base = Base(token, url)
    base.auth()
    return base


def ours(url: str, token: str, fn: Any) -> Any:
    async def run() -> Any:
        async with sa.Client(url) as client:
            return await fn(client.base(token))

    return anyio.run(run)


def test_tables(served: Served) -> None:
    """add_table / rename_table / delete_table; the table reads back through base.tables."""
    _, url, token = served
    off = official(url, token)
    created = off.add_table("Projects", columns=[{"column_name": "Title", "column_type": "text"}])
    assert created["name"] == "Projects"
    assert [c["name"] for c in created["columns"]] == ["Title"]
    assert created["views"][0]["name"] == "Default View"
    assert off.rename_table("Projects", "Archive") == {"success": True}
    tables = ours(url, token, lambda b: b.tables.list())
    assert [t.name for t in tables] == ["Table1", "Archive"]
    assert tables[1].id == created["_id"]
    assert [c.key for c in tables[1].columns] == [c["key"] for c in created["columns"]]
    assert off.delete_table("Archive") == {"success": True}
    assert [t["name"] for t in off.list_tables()] == ["Table1"]


def test_columns(served: Served) -> None:
    """insert/rename/resize/freeze/move/modify_column_type/delete_column, add_column_options and
    add_column_cascade_settings; list_columns and our columns.list agree column by column."""
    _, url, token = served
    off = official(url, token)
    status = off.insert_column("Table1", "Status", ColumnTypes.SINGLE_SELECT)
    assert status["type"] == "single-select"
    country = off.insert_column(
        "Table1", "Country", ColumnTypes.SINGLE_SELECT, column_key=status["key"]
    )
    off.add_column_options(
        "Table1",
        "Status",
        [{"name": "Europe", "color": "#59CB74", "textColor": "#FFFFFF"}, {"name": "Asia"}],
    )
    off.add_column_options("Table1", country["key"], [{"name": "Germany"}, {"name": "Japan"}])
    cascade = {"Europe": ["Germany"], "Asia": ["Japan"]}
    assert off.add_column_cascade_settings("Table1", "Country", "Status", cascade) == {
        "success": True
    }
    renamed = off.rename_column("Table1", status["key"], "Continent")
    assert renamed["name"] == "Continent"
    assert off.resize_column("Table1", "Continent", 321)["width"] == 321
    assert off.freeze_column("Table1", "Continent", True)["frozen"] is True
    off.move_column("Table1", "Age", "Continent")
    assert off.modify_column_type("Table1", "Age", ColumnTypes.TEXT)["type"] == "text"
    with pytest.raises(ConnectionError, match="400"):
        off.delete_column("Table1", "Name")  # the first column stays (inferred)
    wire = off.list_columns("Table1")
    assert [c["name"] for c in wire] == ["Name", "Continent", "Age", "Country"]
    mine = ours(url, token, lambda b: b.columns.list("Table1"))
    assert [c.raw for c in mine] == wire
    continent = mine[1]
    assert continent.width == 321 and continent.frozen
    assert [o.name for o in continent.options] == ["Europe", "Asia"]
    assert continent.option("Europe").color == "#59CB74"
    child = mine[3].data or {}
    assert child["cascade_column_key"] == continent.key
    assert child["cascade_settings"] == {
        continent.option("Europe").id: [mine[3].option("Germany").id],
        continent.option("Asia").id: [mine[3].option("Japan").id],
    }
    off.delete_column("Table1", country["key"])
    assert [c["name"] for c in off.list_columns("Table1")] == ["Name", "Continent", "Age"]


def test_views(served: Served) -> None:
    """list_views / get_view_by_name / add_view / rename_view / delete_view."""
    _, url, token = served
    off = official(url, token)
    added = off.add_view("Table1", "Open")
    assert added["name"] == "Open"
    assert [v["name"] for v in off.list_views("Table1")["views"]] == ["Default View", "Open"]
    assert off.get_view_by_name("Table1", "Open")["_id"] == added["_id"]
    assert off.rename_view("Table1", "Open", "Open items")["name"] == "Open items"
    mine = ours(url, token, lambda b: b.views.get("Table1", "Open items"))
    assert mine.id == added["_id"]
    assert mine.raw == off.get_view_by_name("Table1", "Open items")
    assert off.delete_view("Table1", "Open items") == {"success": True}
    assert [v["name"] for v in off.list_views("Table1")["views"]] == ["Default View"]


def test_sdk_writes_read_by_official(served: Served) -> None:
    """What our SDK creates (table, columns, options, view settings) the official client reads
    back identically."""
    _, url, token = served

    async def write(base: sa.Base) -> tuple[sa.Table, sa.View]:
        table = await base.tables.add(
            "Tasks",
            [
                {"column_name": "Title", "column_type": "text"},
                {"column_name": "Hours", "column_type": "number"},
            ],
        )
        await base.columns.insert("Tasks", "State", "single-select", anchor="Title")
        await base.columns.add_options("Tasks", "State", [{"name": "done", "color": "#59CB74"}])
        await base.append_rows("Tasks", [{"Title": "a", "Hours": 3}, {"Title": "b", "Hours": 1}])
        view = await base.views.add("Tasks", "Short")
        view = await base.views.update(
            "Tasks",
            "Short",
            filters=[{"column_name": "Hours", "filter_predicate": "less", "filter_term": 2}],
            hidden_columns=["State"],
        )
        return table, view

    table, view = ours(url, token, write)
    off = official(url, token)
    columns = off.list_columns("Tasks")
    assert [c["name"] for c in columns] == ["Title", "State", "Hours"]
    assert columns[1]["data"]["options"][0]["name"] == "done"
    assert off.get_view_by_name("Tasks", "Short") == view.raw
    assert [c["name"] for c in off.list_columns("Tasks", view_name="Short")] == ["Title", "Hours"]
    assert [r["Title"] for r in off.list_rows("Tasks", view_name="Short")] == ["b"]
    assert off.get_table_by_name("Tasks")["_id"] == table.id
