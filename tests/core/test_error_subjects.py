"""A refused base operation names the table, view, column or row it concerns.

SeaTable's own messages are bare: ``table not found``, ``view not found``, ``row _id not
exits`` on list-rows and get-row (404; reference §5, reproduced by the emulator), ``no such
column: X`` from SQL (400). The SDK adds the subject from the call itself.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

import seatable_async as sa
from seatable_async.emulator import Emulator

pytestmark = pytest.mark.anyio

TABLES = {"Table1": {"Name": "text", "Age": "number"}}


@pytest.fixture
async def base() -> AsyncIterator[sa.Base]:
    emu = Emulator(version="6.0")
    emu.add_user("subjects@example.com", "pw")
    b = emu.add_base(owner="subjects@example.com", name="Subjects", tables=TABLES)
    token = emu.add_api_token(b, app_name="subjects")
    async with sa.Client("http://127.0.0.1", transport=emu.transport()) as client:
        yield client.base(token)


async def _drain(rows: AsyncIterator[Any]) -> None:
    async for _ in rows:
        pass


Op = Callable[[sa.Base], Awaitable[Any]]

CASES: list[tuple[str, Op, type[sa.SeaTableError], str]] = [
    (
        "list_rows-table",
        lambda b: b.list_rows("Nope"),
        sa.NotFoundError,
        "the base has no table 'Nope'",
    ),
    (
        "list_rows-view",
        lambda b: b.list_rows("Table1", view="NoView"),
        sa.NotFoundError,
        "table 'Table1' has no view 'NoView'",
    ),
    (
        "get_row-table",
        lambda b: b.get_row("Nope", "r1"),
        sa.NotFoundError,
        "the base has no table 'Nope'",
    ),
    (
        "get_row-row",
        lambda b: b.get_row("Table1", "NoSuchRow000"),
        sa.NotFoundError,
        "table 'Table1' has no row 'NoSuchRow000'",
    ),
    (
        "append-table",
        lambda b: b.append_rows("Nope", [{"Name": "x"}]),
        sa.NotFoundError,
        "the base has no table 'Nope'",
    ),
    (
        "append-column",
        lambda b: b.append_rows("Table1", [{"Nocol": "x"}]),
        sa.CellValueError,
        "column 'Nocol'",
    ),
    (
        "update-table",
        lambda b: b.update_rows("Nope", [("r1", {"Name": "y"})]),
        sa.NotFoundError,
        "the base has no table 'Nope'",
    ),
    (
        "update-column",
        lambda b: b.update_rows("Table1", [("r1", {"Nocol": "y"})]),
        sa.CellValueError,
        "column 'Nocol'",
    ),
    (
        "delete-table",
        lambda b: b.delete_rows("Nope", ["r1"]),
        sa.NotFoundError,
        "the base has no table 'Nope'",
    ),
    ("sql-table", lambda b: b.sql("SELECT * FROM Nope"), sa.BadRequestError, "Nope"),
    ("sql-column", lambda b: b.sql("SELECT Nocol FROM Table1"), sa.BadRequestError, "Nocol"),
    (
        "export-table",
        lambda b: _drain(b.export("Nope")),
        sa.NotFoundError,
        "the base has no table 'Nope'",
    ),
    (
        "export-view",
        lambda b: _drain(b.export("Table1", view="NoView")),
        sa.NotFoundError,
        "table 'Table1' has no view 'NoView'",
    ),
    (
        "export-column",
        lambda b: _drain(b.export("Table1", columns=["Nocol"])),
        sa.BadRequestError,
        "Nocol",
    ),
]


@pytest.mark.parametrize(
    ("op", "error", "names"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
async def test_error_names_its_subject(
    base: sa.Base, op: Op, error: type[sa.SeaTableError], names: str
) -> None:
    with pytest.raises(error) as info:
        await op(base)
    assert names in info.value.message


async def test_renamed_error_keeps_status_and_path(base: sa.Base) -> None:
    with pytest.raises(sa.NotFoundError) as info:
        await base.list_rows("Nope")
    assert info.value.status == 404
    assert info.value.path is not None and "{base_uuid}" in info.value.path
    assert info.value.error_msg == "table not found"  # the server's own words stay there
