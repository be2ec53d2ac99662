"""``Base.export``: which route it takes, how many requests each costs, and that every row comes
out exactly once — also when the table is written during the export.

Server behaviour relied on: SQL answers hold at most 10,000 rows with a LIMIT (api.seatable.com
``querysql``; reference §6), ``ORDER BY _id`` sorts by the row id, list-rows pages hold at most
1,000 rows and take ``view_name`` (v5.0 ``base_operations.yaml`` ``listRows``), an SQL error is
answered 400 on the gateway (6.x ``test_sql_functions.py``).
"""

from __future__ import annotations

import collections
from typing import Any

import anyio
import httpx
import pytest

import seatable_async as sa
from seatable_async.emulator import Emulator
from tests.base.helpers import Hooked, client, requests

pytestmark = pytest.mark.anyio


def seeded(rows: int, version: str = "6.0") -> tuple[Emulator, Any, str]:
    emu = Emulator(version=version)
    info = emu.add_base(owner="a@example.com", name="E", tables={"T": {"N": "number"}})
    state = emu.state
    base = state.bases[info.uuid]
    table = base.table("T")
    assert table is not None
    for start in range(0, rows, 5000):
        state.insert_rows(
            base, table, [{"N": i} for i in range(start, min(rows, start + 5000))], "a"
        )
    return emu, info, emu.add_api_token(info)


async def collect(base: sa.Base, *args: Any, **kwargs: Any) -> list[list[dict[str, Any]]]:
    return [batch async for batch in base.export(*args, **kwargs)]


def ids_of(batches: list[list[dict[str, Any]]]) -> list[str]:
    return [str(row["_id"]) for batch in batches for row in batch]


@pytest.mark.parametrize(("rows", "sql_requests"), [(10_000, 11), (2_501, 4), (999, 2), (0, 1)])
async def test_a_table_goes_out_in_counted_sql_pages(rows: int, sql_requests: int) -> None:
    """COUNT(*) and then ceil(rows / page) pages: the same ratio as 100,000 rows in 11
    requests of 10,000; no list-rows request; every row once, in ``_id`` order."""
    emu, info, token = seeded(rows)
    events: list[sa.ExportProgress] = []
    async with client(emu) as c:
        batches = await collect(c.base(token), "T", batch_size=1000, on_progress=events.append)
    assert requests(emu, "gateway.sql") == sql_requests
    assert requests(emu, "gateway.rows.list") == 0
    ids = ids_of(batches)
    assert sorted(ids) == sorted(r["_id"] for r in emu.rows(info, "T"))
    assert ids == sorted(ids)
    assert all(batches) and all(len(b) <= 1000 for b in batches)
    if rows:
        assert events[-1].rows == rows and events[-1].total == rows
        assert events[-1].route == "sql" and events[-1].requests == sql_requests
        assert [e.rows for e in events] == sorted(e.rows for e in events)


async def test_keyset_route_reads_page_after_page() -> None:
    """``route="keyset"``: ``_id > last`` pages until a short one (a full last page costs one
    more, empty, request)."""
    emu, info, token = seeded(2000)
    async with client(emu) as c:
        batches = await collect(c.base(token), "T", route="keyset", batch_size=1000)
        assert requests(emu, "gateway.sql") == 3
        emu.stats.reset()
        await collect(c.base(token), "T", route="keyset", batch_size=800)
        assert requests(emu, "gateway.sql") == 3  # 800, 800, 400
    assert sorted(ids_of(batches)) == sorted(r["_id"] for r in emu.rows(info, "T"))


async def test_a_view_goes_out_in_list_pages() -> None:
    """A view cannot be queried by SQL: list-rows pages of 1,000, gathered into batches."""
    emu, info, token = seeded(2500)
    async with client(emu) as c:
        batches = await collect(c.base(token), "T", view="Default View", batch_size=2000)
    assert requests(emu, "gateway.rows.list") == 3
    assert requests(emu, "gateway.sql") == 0
    assert [len(b) for b in batches] == [2000, 500]
    assert ids_of(batches) == [r["_id"] for r in emu.rows(info, "T")]  # the view's order


async def test_a_query_goes_out_in_limit_offset_pages() -> None:
    emu, _, token = seeded(2500)
    async with client(emu) as c:
        batches = await collect(
            c.base(token), sql="SELECT N FROM T WHERE N >= ? ORDER BY N", parameters=[500],
            batch_size=1000,
        )  # fmt: skip
    assert [row["N"] for batch in batches for row in batch] == list(range(500, 2500))
    assert requests(emu, "gateway.sql") == 3  # 1,000, 1,000, then an empty page ends it


async def test_sql_refused_falls_back_to_list_pages() -> None:
    """Where the server refuses SQL (400), a table is exported through list-rows pages."""
    emu, info, token = seeded(1500)

    def refuse(request: httpx.Request) -> httpx.Response | None:
        if request.url.path.endswith("/sql"):
            return httpx.Response(400, json={"error_message": "SQL is disabled here"})
        return None

    events: list[sa.ExportProgress] = []
    async with client(emu, transport=Hooked(emu, refuse)) as c:
        batches = await collect(c.base(token), "T", on_progress=events.append)
    assert requests(emu, "gateway.rows.list") == 2
    assert sorted(ids_of(batches)) == sorted(r["_id"] for r in emu.rows(info, "T"))
    assert events[-1].route == "rows"


@pytest.mark.parametrize("change", ["delete", "insert"])
async def test_writes_during_the_export_lose_no_row(change: str) -> None:
    """Rows deleted before a page boundary shift later pages back (a row would be skipped);
    rows inserted shift them forward (rows would repeat, and the last be pushed out). The
    page checks notice, and every row that exists for the whole export comes out once."""
    emu, info, token = seeded(3000)
    base_rec = emu.state.bases[info.uuid]
    table = base_rec.table("T")
    assert table is not None
    before = sorted(r["_id"] for r in emu.rows(info, "T"))
    removed: list[str] = before[:200]  # all in the first page (ordered by _id)
    seen = {"sql": 0}

    def write_after_first_page(request: httpx.Request) -> httpx.Response | None:
        if request.url.path.endswith("/sql"):
            seen["sql"] += 1
            if seen["sql"] == 3:  # count, page 0, then this: page 1
                if change == "delete":
                    emu.state.delete_rows(base_rec, table, removed)
                else:
                    emu.state.insert_rows(base_rec, table, [{"N": -i} for i in range(300)], "a")
        return None

    async with client(emu, transport=Hooked(emu, write_after_first_page)) as c:
        batches = await collect(c.base(token), "T", batch_size=1000, concurrency=1)
    counts = collections.Counter(ids_of(batches))
    assert max(counts.values()) == 1
    survivors = set(before) - set(removed if change == "delete" else [])
    assert survivors <= set(counts)
    assert requests(emu, "gateway.sql") > 4  # the repair read the gaps and the tail


async def test_pages_in_flight_stay_within_concurrency() -> None:
    """At most ``concurrency`` SQL pages are in flight (memory holds that many pages)."""
    emu, _, token = seeded(5000)
    inner = emu.transport()
    state = {"now": 0, "peak": 0}

    class Counting(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            sql = request.url.path.endswith("/sql")
            state["now"] += sql
            state["peak"] = max(state["peak"], state["now"])
            try:
                await anyio.sleep(0.01)  # let concurrent pages overlap
                return await inner.handle_async_request(request)
            finally:
                state["now"] -= sql

    async with client(emu, transport=Counting()) as c:
        batches = await collect(c.base(token), "T", batch_size=500, concurrency=3)
    assert sum(map(len, batches)) == 5000
    assert state["peak"] == 3


async def test_legacy_servers_export_through_dtable_db() -> None:
    """Before the API gateway (4.0), SQL goes to dtable-db's ``query/``."""
    emu, info, token = seeded(1200, version="4.0")
    async with client(emu) as c:
        batches = await collect(c.base(token), "T", batch_size=1000, decode=True)
    assert requests(emu, "legacy.sql") == 3
    assert sorted(ids_of(batches)) == sorted(r["_id"] for r in emu.rows(info, "T"))


async def test_export_columns_and_decode() -> None:
    emu, _, token = seeded(10)
    async with client(emu) as c:
        (batch,) = await collect(c.base(token), "T", columns=["_id", "N"], decode=True)
    assert set(batch[0]) == {"_id", "N"}
    assert sorted(r["N"] for r in batch) == list(range(10))


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (("T",), {"sql": "SELECT 1 FROM T"}, "no table"),
        ((), {"sql": "SELECT N FROM T LIMIT 5"}, "LIMIT"),
        ((), {"sql": "DELETE FROM T"}, "SELECT"),
        (("T",), {"view": "V", "route": "keyset"}, "route='rows'"),
        (("T",), {"batch_size": 10_001}, "batch_size"),
        (("T",), {"route": "fast"}, "route"),
        ((), {}, "table name or sql"),
        (("T",), {"columns": "N"}, "columns"),
    ],
)
async def test_bad_arguments_send_nothing(
    args: tuple[Any, ...], kwargs: dict[str, Any], message: str
) -> None:
    emu, _, token = seeded(0)
    async with client(emu) as c:
        with pytest.raises(sa.ConfigurationError, match=message):
            await collect(c.base(token), *args, **kwargs)
    assert emu.stats.total_requests == 0
