"""SQL ``?`` parameters on every server version: sent as ``parameters`` from 5.0, inlined as
safe literals before (4.4's gateway included).

Server behaviour relied on: the SQL endpoint takes ``parameters`` only from 5.0 (reference
`seatable-api.md` §0 endpoint table and the 5.0 spec's ``querySQL``; the emulator drops them
below 5.0); string literals are read MySQL-style, a backslash escaping (inferred from the SQL
docs' "MySQL format" for LIMIT and their double-quoted strings — `docs/reference/emulator.md`).
"""

from __future__ import annotations

import datetime
import decimal
import json
from typing import Any

import httpx
import pytest

import seatable_async as sa
from seatable_async.emulator import Emulator

pytestmark = pytest.mark.anyio

VERSIONS = ["4.0", "4.4", "5.0", "6.0"]
HOSTILE = [
    "O'Brien",
    "back\\slash",
    "ends with \\",
    "quote\\'mix",
    "'; DELETE FROM T; --",
    "a ? inside",
    'double "quotes"',
    "line\nbreak",
    "ünïcødé 🚀",
]


class _Bodies(httpx.AsyncBaseTransport):
    """Keeps the JSON body of every SQL request."""

    def __init__(self, inner: httpx.AsyncBaseTransport):
        self.inner = inner
        self.sql: list[dict[str, Any]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith(("/sql", "/sql/")) or "/query/" in request.url.path:
            self.sql.append(json.loads(request.content))
        return await self.inner.handle_async_request(request)


def _emulator(version: str) -> tuple[Emulator, str]:
    emu = Emulator(version=version)
    emu.add_user("a@example.com", "pw")
    columns = {"Name": "text", "N": "number", "Day": "date", "Done": "checkbox"}
    info = emu.add_base(owner="a@example.com", name="B", tables={"T": columns})
    return emu, emu.add_api_token(info)


@pytest.mark.parametrize("version", VERSIONS)
async def test_hostile_strings_match_exactly_on_every_version(version: str) -> None:
    emu, token = _emulator(version)
    transport = _Bodies(emu.transport())
    async with sa.Client("http://127.0.0.1", transport=transport) as client:
        base = client.base(token)
        await base.append_rows("T", [{"Name": h, "N": i} for i, h in enumerate(HOSTILE)])
        for i, text in enumerate(HOSTILE):
            result = await base.sql("SELECT Name, N FROM T WHERE Name = ? AND N = ?", [text, i])
            assert [r["Name"] for r in result.rows] == [text], text
        everything = await base.sql("SELECT COUNT(*) AS n FROM T")
    assert everything.rows[0]["n"] == len(HOSTILE)  # the DELETE in a value never ran
    inlined = version in ("4.0", "4.4")
    for body in transport.sql[:-1]:
        assert ("parameters" in body) is not inlined
        assert ("?" in body["sql"].replace("'a ? inside'", "")) is not inlined


@pytest.mark.parametrize("version", VERSIONS)
async def test_numbers_booleans_none_and_dates(version: str) -> None:
    emu, token = _emulator(version)
    async with sa.Client("http://127.0.0.1", transport=emu.transport()) as client:
        base = client.base(token)
        await base.append_rows(
            "T",
            [
                {"Name": "a", "N": 1.5, "Day": "2030-06-20", "Done": True},
                {"Name": "b", "N": 7, "Day": "2031-01-02", "Done": False},
            ],
        )
        cases: list[tuple[str, list[Any], list[str]]] = [
            ("N = ?", [decimal.Decimal("1.5")], ["a"]),
            ("N > ?", [2], ["b"]),
            ("Done = ?", [True], ["a"]),
            ("Day = ?", [datetime.date(2031, 1, 2)], ["b"]),
            ("Day < ?", [datetime.datetime(2031, 1, 1, 12, 0)], ["a"]),
            ("Name = ? OR Name IS NULL", [None], []),
        ]
        for where, params, names in cases:
            result = await base.sql(f"SELECT Name FROM T WHERE {where} ORDER BY Name", params)
            assert [r["Name"] for r in result.rows] == names, (where, params)


async def test_a_parameter_of_another_type_is_refused_before_sending() -> None:
    emu, token = _emulator("4.4")
    transport = _Bodies(emu.transport())
    async with sa.Client("http://127.0.0.1", transport=transport) as client:
        base = client.base(token)
        for bad in (object(), [1, 2], float("nan"), b"bytes"):
            with pytest.raises(sa.ConfigurationError, match="SQL parameters"):
                await base.sql("SELECT Name FROM T WHERE Name = ?", [bad])
    assert transport.sql == []


async def test_placeholder_count_must_match() -> None:
    emu, token = _emulator("4.0")
    async with sa.Client("http://127.0.0.1", transport=emu.transport()) as client:
        base = client.base(token)
        with pytest.raises(sa.ConfigurationError, match="placeholders"):
            await base.sql("SELECT Name FROM T WHERE Name = ? AND N = ?", ["x"])
