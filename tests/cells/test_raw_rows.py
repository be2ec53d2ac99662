"""``encode=False`` sends rows as given — but a value JSON cannot carry is refused before
anything is sent, as a `CellValueError` naming row and column (not a message about "the request
body").

Server facts relied on: none beyond the emulator's row routes (reference/seatable-api.md §4,
``POST …/rows/`` takes JSON rows); the refusal happens before any request.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest

import seatable_async as sa
from seatable_async.emulator import Emulator

pytestmark = pytest.mark.anyio

BAD: list[tuple[object, str]] = [
    ({"a", "b"}, "set cannot be sent"),
    (dt.datetime(2030, 1, 1), "datetime cannot be sent"),
    (math.nan, "not a finite number"),
    ([1, [2, {"x": math.inf}]], "not a finite number"),
    ({1: "a"}, "mapping key 1 is not a string"),
    (object(), "object cannot be sent"),
]


def _setup() -> tuple[Emulator, str]:
    emu = Emulator(version="6.0")
    emu.add_user("a@example.com", "pw")
    base = emu.add_base(owner="a@example.com", name="B", tables={"T": {"Name": "text"}})
    return emu, emu.add_api_token(base, app_name="app", permission="rw")


def _writes(emu: Emulator) -> int:
    return sum(n for route, n in emu.stats.requests.items() if "append" in route)


@pytest.mark.parametrize(("value", "reason"), BAD, ids=[type(v).__name__ for v, _ in BAD])
async def test_append_rows_raw_refuses_what_json_cannot_carry(value: Any, reason: str) -> None:
    emu, token = _setup()
    rows = [{"Name": "ok"}, {"Name": value}]
    async with sa.Client("http://127.0.0.1", transport=emu.transport()) as client:
        base = client.base(token)
        before = _writes(emu)
        with pytest.raises(sa.CellValueError) as caught:
            await base.append_rows("T", rows, encode=False)
        assert _writes(emu) == before
        assert await base.list_rows("T") == []
    assert (caught.value.row, caught.value.column) == (1, "Name")
    assert reason in str(caught.value)


async def test_import_rows_raw_reports_the_row_and_sends_the_others() -> None:
    emu, token = _setup()
    rows = [{"Name": "a"}, {"Name": {"x"}}, {"Name": "c"}]
    async with sa.Client("http://127.0.0.1", transport=emu.transport()) as client:
        base = client.base(token)
        report = await base.import_rows("T", rows, encode=False, raise_on_failure=False)
        stored = sorted(r["Name"] for r in await base.list_rows("T"))
    assert stored == ["a", "c"]
    assert [list(f.indices) for f in report.failed] == [[1]]
    error = report.failed[0].error
    assert isinstance(error, sa.CellValueError)
    assert (error.row, error.column) == (1, "Name")
