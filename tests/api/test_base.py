"""Base operations per server version ("4.0" legacy, "5.0" and "6.0" gateway) on MockTransport."""

from __future__ import annotations

import json
from typing import Any

import anyio
import httpx
import pytest

import seatable_async as sa
from tests.api.mockserver import (
    API_TOKEN,
    GW,
    LEGACY,
    LEGACY_SQL,
    RO_API_TOKEN,
    SERVER,
    UUID,
    MockServer,
    base_token,
    reply,
)

pytestmark = pytest.mark.anyio

VERSIONS = ["4.0", "4.4", "5.0", "6.0"]

METADATA = {
    "metadata": {
        "tables": [
            {
                "_id": "0000",
                "name": "Table1",
                "columns": [
                    {"key": "0000", "name": "Name", "type": "text", "width": 200, "editable": True},
                    {
                        "key": "Cw35",
                        "type": "link",
                        "name": "Link",
                        "data": {
                            "display_column_key": "0000",
                            "table_id": "0000",
                            "other_table_id": "0000",
                            "is_internal_link": True,
                            "link_id": "7V2M",
                        },
                    },
                    {
                        "key": "BydO",
                        "type": "date",
                        "name": "Date",
                        "data": {"format": "YYYY-MM-DD"},
                    },
                ],
                "views": [{"_id": "0000", "name": "Default View", "type": "table", "rows": []}],
            }
        ],
        "version": 482,
        "format_version": 7,
        "settings": {},
    }
}


def rows_url(version: str, suffix: str = "/rows/") -> str:
    return (LEGACY if version == "4.0" else GW) + suffix


def make_row(i: int) -> dict[str, Any]:
    return {"_id": f"row{i:019d}", "Name": f"n{i}"}


async def with_base(server: MockServer, fn: Any, token: str = API_TOKEN) -> Any:
    async with sa.Client(SERVER, transport=server.transport()) as client:
        return await fn(client.base(token))


@pytest.mark.parametrize("version", VERSIONS)
async def test_metadata(version: str) -> None:
    server = MockServer(version)
    server.on("GET", rows_url(version, "/metadata/"), METADATA)
    meta = await with_base(server, lambda b: b.metadata())
    table = meta.table("Table1")
    assert table.id == "0000"
    assert meta.table("0000") is table
    assert table.column("Link").data["link_id"] == "7V2M"
    assert table.column("0000").name == "Name"
    assert table.view("Default View").id == "0000"
    assert meta.table_names == ["Table1"]
    with pytest.raises(KeyError):
        meta.table("Nope")
    server.on("GET", rows_url(version, "/metadata/"), {"metadata": {"tables": [{"name": "x"}]}})
    with pytest.raises(sa.ResponseFormatError):
        await with_base(server, lambda b: b.metadata())


@pytest.mark.parametrize("version", VERSIONS)
async def test_list_rows_routes_and_keys(version: str) -> None:
    server = MockServer(version)
    server.on("GET", rows_url(version), {"rows": [make_row(1)]})
    rows = await with_base(server, lambda b: b.list_rows("Table1", view="V", start=5, limit=10))
    assert rows == [make_row(1)]
    call = server.base_calls()[0]
    expected = {"table_name": "Table1", "view_name": "V", "start": "5", "limit": "10"}
    if version != "4.0":
        expected["convert_keys"] = "true"
    assert call.params == expected
    assert call.headers["authorization"].startswith("Bearer ey")


async def test_list_rows_validation_sends_nothing() -> None:
    server = MockServer()

    async def go(base: sa.Base) -> None:
        for kwargs in ({"limit": 0}, {"limit": 1001}, {"start": -1}, {"view": ""}):
            with pytest.raises(sa.ConfigurationError):
                await base.list_rows("Table1", **kwargs)
        with pytest.raises(sa.ConfigurationError):
            await base.list_rows("")
        with pytest.raises(sa.ConfigurationError):
            async for _ in base.rows("Table1", page_size=0):
                pass

    await with_base(server, go)
    assert server.requests == []


@pytest.mark.parametrize("version", VERSIONS)
async def test_rows_paginates_until_short_page(version: str) -> None:
    server = MockServer(version)
    all_rows = [make_row(i) for i in range(2500)]

    def page(request: httpx.Request) -> httpx.Response:
        start = int(request.url.params["start"])
        limit = int(request.url.params["limit"])
        return reply({"rows": all_rows[start : start + limit]})

    server.on("GET", rows_url(version), page)

    async def go(base: sa.Base) -> list[dict[str, Any]]:
        return [row async for row in base.rows("Table1")]

    assert await with_base(server, go) == all_rows
    assert [c.params["start"] for c in server.base_calls()] == ["0", "1000", "2000"]


@pytest.mark.parametrize("version", VERSIONS)
async def test_get_row(version: str) -> None:
    server = MockServer(version)
    row_id = "Bko1e60YT-egit2SljWSZA"
    server.on("GET", rows_url(version, f"/rows/{row_id}/"), make_row(1))
    row = await with_base(server, lambda b: b.get_row("Table1", row_id))
    assert row == make_row(1)
    params = server.base_calls()[0].params
    assert params == (
        {"table_name": "Table1"}
        if version == "4.0"
        else {"table_name": "Table1", "convert_keys": "true"}
    )
    body = (
        {"error_msg": "row not found"}
        if version == "4.0"
        else {"error_message": "row _id not exits"}
    )
    server.on("GET", rows_url(version, f"/rows/{row_id}/"), body, 404)
    with pytest.raises(sa.NotFoundError) as info:
        await with_base(server, lambda b: b.get_row("Table1", row_id))
    assert info.value.path is not None
    assert info.value.path.endswith("/rows/{row_id}/")


def gateway_append(state: dict[str, Any]) -> Any:
    async def handle(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        state["active"] += 1
        state["peak"] = max(state["peak"], state["active"])
        await anyio.sleep(0.01)
        state["active"] -= 1
        ids = [{"_id": f"id-{row['Name']}"} for row in body["rows"]]
        return reply(
            {
                "inserted_row_count": len(ids),
                "row_ids": ids,
                "first_row": {"0000": body["rows"][0]["Name"]},
            }
        )

    return handle


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
@pytest.mark.parametrize("version", ["4.4", "5.0", "6.0"])
async def test_append_rows_batches_concurrently_in_order(version: str) -> None:
    server = MockServer(version)
    state = {"active": 0, "peak": 0}
    server.on("POST", rows_url(version), gateway_append(state))
    rows = [{"Name": str(i)} for i in range(3500)]
    ids = await with_base(server, lambda b: b.append_rows("Table1", rows, encode=False))
    assert ids == [f"id-{i}" for i in range(3500)]
    sizes = sorted(len(c.json()["rows"]) for c in server.base_calls())
    assert sizes == [500, 1000, 1000, 1000]
    assert state["peak"] > 1
    assert all(c.json()["table_name"] == "Table1" for c in server.base_calls())


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_append_rows_legacy_per_row_for_ids() -> None:
    server = MockServer("4.0")
    state = {"active": 0, "peak": 0}

    async def one(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        state["active"] += 1
        state["peak"] = max(state["peak"], state["active"])
        await anyio.sleep(0.005)
        state["active"] -= 1
        return reply({"_id": f"id-{body['row']['Name']}", **body["row"]})

    server.on("POST", f"{LEGACY}/rows/", one)
    rows = [{"Name": str(i)} for i in range(40)]
    ids = await with_base(server, lambda b: b.append_rows("Table1", rows, encode=False))
    assert ids == [f"id-{i}" for i in range(40)]
    assert len(server.base_calls()) == 40
    assert state["peak"] > 1
    assert not server.calls("POST", f"{LEGACY}/batch-append-rows/")


async def test_a_small_append_is_one_request_on_the_gateway_and_per_row_before_it() -> None:
    for version in VERSIONS:
        server = MockServer(version)
        server.on(
            "POST",
            f"{LEGACY}/rows/",
            lambda r: reply({"_id": "x" + json.loads(r.content)["row"]["Name"]}),
        )
        server.on(
            "POST",
            f"{GW}/rows/",
            lambda r: reply(
                {"row_ids": [{"_id": "x" + row["Name"]} for row in json.loads(r.content)["rows"]]}
            ),
        )

        async def go(base: sa.Base) -> list[str]:
            return await base.append_rows("T", [{"Name": "1"}, {"Name": "2"}], encode=False)

        assert await with_base(server, go) == ["x1", "x2"]
        per_row = version in ("3.5", "4.0")
        assert len(server.calls("POST", f"{LEGACY}/rows/")) == (2 if per_row else 0)
        assert len(server.calls("POST", f"{GW}/rows/")) == (0 if per_row else 1)


async def test_append_maybe_applied_is_not_replayed() -> None:
    server = MockServer("6.0")
    server.on("POST", f"{GW}/rows/", {"error_message": "oops"}, 502)
    with pytest.raises(sa.MaybeAppliedError):
        await with_base(server, lambda b: b.append_rows("Table1", [{"Name": "a"}], encode=False))
    assert len(server.calls("POST", f"{GW}/rows/")) == 1


async def test_append_malformed_answer() -> None:
    server = MockServer("6.0")
    server.on("POST", f"{GW}/rows/", {"inserted_row_count": 1})
    with pytest.raises(sa.ResponseFormatError):
        await with_base(server, lambda b: b.append_rows("Table1", [{"Name": "a"}], encode=False))


async def test_append_validation_sends_nothing() -> None:
    server = MockServer()

    async def go(base: sa.Base) -> None:
        for bad in ({"Name": "x"}, "text", [1], [{"a": 1}, None]):
            with pytest.raises(sa.ConfigurationError):
                await base.append_rows("Table1", bad, encode=False)
        assert await base.append_rows("Table1", [], encode=False) == []

    await with_base(server, go)
    assert server.requests == []


@pytest.mark.parametrize("version", VERSIONS)
async def test_update_rows_batches(version: str) -> None:
    server = MockServer(version)
    path = rows_url(version, "/rows/" if version != "4.0" else "/batch-update-rows/")
    server.on("PUT", path, {"success": True})
    updates = {f"r{i}": {"Name": str(i)} for i in range(2100)}
    await with_base(server, lambda b: b.update_rows("Table1", updates, encode=False))
    calls = server.calls("PUT", path)
    assert sorted(len(c.json()["updates"]) for c in calls) == [100, 1000, 1000]
    sent = {u["row_id"]: u["row"] for c in calls for u in c.json()["updates"]}
    assert sent == updates
    server.requests.clear()
    await with_base(
        server, lambda b: b.update_rows("Table1", [("r1", {"Name": "z"})], encode=False)
    )
    assert server.calls("PUT", path)[0].json() == {
        "table_name": "Table1",
        "updates": [{"row_id": "r1", "row": {"Name": "z"}}],
    }


@pytest.mark.parametrize("version", VERSIONS)
async def test_delete_rows_batches(version: str) -> None:
    server = MockServer(version)
    path = rows_url(version, "/rows/" if version != "4.0" else "/batch-delete-rows/")
    server.on("DELETE", path, {"success": True})
    ids = [f"r{i}" for i in range(25000)]
    await with_base(server, lambda b: b.delete_rows("Table1", ids))
    calls = server.calls("DELETE", path)
    assert sorted(len(c.json()["row_ids"]) for c in calls) == [5000, 10000, 10000]
    assert sorted(i for c in calls for i in c.json()["row_ids"]) == sorted(ids)


async def test_update_delete_validation_sends_nothing() -> None:
    server = MockServer()

    async def go(base: sa.Base) -> None:
        for bad in ("x", [("id",)], [(1, {})], {"id": "not a mapping"}):
            with pytest.raises(sa.ConfigurationError):
                await base.update_rows("Table1", bad, encode=False)
        for bad_ids in ("abc", [""], [None]):
            with pytest.raises(sa.ConfigurationError):
                await base.delete_rows("Table1", bad_ids)

    await with_base(server, go)
    assert server.requests == []


@pytest.mark.parametrize("version", VERSIONS)
async def test_read_only_token_refuses_writes_before_sending(version: str) -> None:
    server = MockServer(version)

    async def go(base: sa.Base) -> None:
        for action in (
            lambda: base.append_rows("Table1", [{"Name": "x"}], encode=False),
            lambda: base.update_rows("Table1", {"r": {"Name": "x"}}, encode=False),
            lambda: base.delete_rows("Table1", ["r"]),
            lambda: base.sql("INSERT INTO Table1 (Name) VALUES ('x')"),
        ):
            with pytest.raises(sa.PermissionDeniedError) as info:
                await action()
            assert "read-only" in str(info.value)
            assert "quota" in str(info.value)

    await with_base(server, go, token=RO_API_TOKEN)
    assert server.base_calls() == []


async def test_external_base_reads_work_writes_refused_without_request() -> None:
    server = MockServer("6.0")
    server.on(
        "GET",
        "/api/v2.1/external-link-tokens/linktok/access-token/",
        lambda r: reply(
            {
                "access_token": base_token("r"),
                "dtable_uuid": UUID,
                "dtable_server": f"{SERVER}/api-gateway/",
                "dtable_socket": f"{SERVER}/",
                "dtable_db": f"{SERVER}/dtable-db/",
            }
        ),
    )
    server.on("GET", f"{GW}/rows/", {"rows": [make_row(1)]})
    async with sa.Client(SERVER, transport=server.transport()) as client:
        base = client.external_base(f"{SERVER}/dtable/external-links/linktok")
        with pytest.raises(sa.PermissionDeniedError, match="external link"):
            await base.append_rows("Table1", [{"Name": "x"}], encode=False)
        with pytest.raises(sa.PermissionDeniedError):
            await base.delete_rows("Table1", ["x"])
        assert server.requests == []
        assert await base.list_rows("Table1") == [make_row(1)]
        with pytest.raises(sa.ConfigurationError, match="API-Token"):
            await base.upload_file("a.txt", b"x")
        with pytest.raises(sa.ConfigurationError, match="create_api_token"):
            await base.download_file("/files/a.txt")
    assert not server.calls(path=f"{GW}/sql")


# -- SQL ----------------------------------------------------------------------------------------

SQL_ANSWER = {
    "success": True,
    "error_message": "",
    "is_join_stmt": False,
    "metadata": [{"key": "0000", "name": "Name", "type": "text", "data": None}],
    "results": [{"Name": "Box", "_id": "Re7GZaC9Sh-G6RC5zeAn2w"}],
}


@pytest.mark.parametrize("version", VERSIONS)
async def test_sql_select(version: str) -> None:
    server = MockServer(version)
    path = LEGACY_SQL if version == "4.0" else f"{GW}/sql"
    server.on("POST", path, SQL_ANSWER)
    result = await with_base(server, lambda b: b.sql("SELECT Name FROM Table1 WHERE Age > ?", [30]))
    assert result.rows == SQL_ANSWER["results"]
    assert result.columns[0]["name"] == "Name"
    assert result.truncated is False
    # SQL parameters exist from 5.0; before (4.4's gateway included) they are inlined.
    expected: dict[str, Any] = (
        {"sql": "SELECT Name FROM Table1 WHERE Age > 30", "convert_keys": True}
        if version in ("4.0", "4.4")
        else {
            "sql": "SELECT Name FROM Table1 WHERE Age > ?",
            "parameters": [30],
            "convert_keys": True,
        }
    )
    assert server.calls("POST", path)[0].json() == expected


async def test_sql_legacy_success_false_and_key_normalisation() -> None:
    server = MockServer("4.0")
    server.on("POST", LEGACY_SQL, {"success": False, "error_message": "no such table: Nope"})
    with pytest.raises(sa.BadRequestError, match="no such table") as info:
        await with_base(server, lambda b: b.sql("SELECT * FROM Nope"))
    assert info.value.status == 200
    server.on("POST", LEGACY_SQL, {**SQL_ANSWER, "results": [{"0000": "Box", "_id": "r1"}]})
    result = await with_base(server, lambda b: b.sql("SELECT Name FROM Table1"))
    assert result.rows == [{"Name": "Box", "_id": "r1"}]


async def test_sql_legacy_inlines_parameters() -> None:
    server = MockServer("4.0")
    server.on("POST", LEGACY_SQL, SQL_ANSWER)
    await with_base(
        server,
        lambda b: b.sql(
            "SELECT * FROM T WHERE a = ? AND b = ? AND c = '?' AND d = ? AND e = ? AND f = ?",
            ["it's", 3, None, True, 1.5],
        ),
    )
    body = server.calls("POST", LEGACY_SQL)[0].json()
    assert body["sql"] == (
        "SELECT * FROM T WHERE a = 'it''s' AND b = 3 AND c = '?' "
        "AND d = NULL AND e = true AND f = 1.5"
    )
    assert "parameters" not in body

    async def bad(base: sa.Base) -> None:
        for params in ([1], [1, 2, 3], [[1], 2]):
            with pytest.raises(sa.ConfigurationError):
                await base.sql("SELECT * FROM T WHERE a = ? AND b = ?", params)

    server.requests.clear()
    await with_base(server, bad)
    assert server.calls("POST", LEGACY_SQL) == []


async def test_sql_gateway_error_and_truncation() -> None:
    server = MockServer("6.0")
    server.on("POST", f"{GW}/sql", {"error_message": "no such table: nonexistent_table"}, 400)
    with pytest.raises(sa.BadRequestError, match="no such table"):
        await with_base(server, lambda b: b.sql("SELECT * FROM nonexistent_table"))
    server.on("POST", f"{GW}/sql", {**SQL_ANSWER, "results": [make_row(i) for i in range(100)]})
    result = await with_base(server, lambda b: b.sql("SELECT * FROM Table1"))
    assert result.truncated is True
    result = await with_base(server, lambda b: b.sql("SELECT * FROM Table1 LIMIT 500"))
    assert result.truncated is False


async def test_sql_insert_not_replayed() -> None:
    server = MockServer("6.0")
    server.on("POST", f"{GW}/sql", {"error_message": "bad gateway"}, 502)
    with pytest.raises(sa.MaybeAppliedError):
        await with_base(server, lambda b: b.sql("INSERT INTO T (Name) VALUES ('x')"))
    assert len(server.calls("POST", f"{GW}/sql")) == 1


@pytest.mark.parametrize("version", VERSIONS)
async def test_sql_pages(version: str) -> None:
    server = MockServer(version)
    path = LEGACY_SQL if version == "4.0" else f"{GW}/sql"
    all_rows = [make_row(i) for i in range(25)]

    def page(request: httpx.Request) -> httpx.Response:
        sql = json.loads(request.content)["sql"]
        limit, offset = (int(x) for x in sql.split("LIMIT ")[1].split(" OFFSET "))
        return reply({**SQL_ANSWER, "results": all_rows[offset : offset + limit]})

    server.on("POST", path, page)

    async def go(base: sa.Base) -> list[dict[str, Any]]:
        return [r async for r in base.sql_pages("SELECT * FROM Table1 ORDER BY _id;", page_size=10)]

    assert await with_base(server, go) == all_rows
    sent = [c.json()["sql"] for c in server.calls("POST", path)]
    assert sent == [f"SELECT * FROM Table1 ORDER BY _id\nLIMIT 10 OFFSET {o}" for o in (0, 10, 20)]


async def test_sql_pages_refuses_limit_without_request() -> None:
    server = MockServer("6.0")

    async def go(base: sa.Base) -> None:
        for sql in (
            "SELECT * FROM T LIMIT 5",
            "select * from T offset 3",
            "DELETE FROM T",
            "SELECT * FROM T",
            "",
        ):
            kwargs: dict[str, Any] = {"page_size": 0} if sql == "SELECT * FROM T" else {}
            with pytest.raises(sa.ConfigurationError):
                async for _ in base.sql_pages(sql, **kwargs):
                    pass
        # a quoted 'limit' is fine; it is a literal, not a clause
        server.on("POST", f"{GW}/sql", {**SQL_ANSWER, "results": []})

    await with_base(server, go)
    assert server.base_calls() == []

    async def literal(base: sa.Base) -> list[Any]:
        return [r async for r in base.sql_pages("SELECT * FROM T WHERE Name = 'limit'")]

    assert await with_base(server, literal) == []


async def test_sql_validation_sends_nothing() -> None:
    server = MockServer()

    async def go(base: sa.Base) -> None:
        with pytest.raises(sa.ConfigurationError):
            await base.sql("   ")
        with pytest.raises(sa.ConfigurationError):
            await base.sql("SELECT 1", "not a list")  # type: ignore[arg-type]

    await with_base(server, go)
    assert server.requests == []


async def test_import_rows_delegates_to_bulk() -> None:
    server = MockServer("6.0")
    server.on("POST", f"{GW}/rows/", gateway_append({"active": 0, "peak": 0}))
    rows = ({"Name": str(i)} for i in range(2500))
    report = await with_base(
        server, lambda b: b.import_rows("Table1", rows, batch_size=1000, encode=False)
    )
    assert report.rows_read == 2500
    assert list(report.row_ids) == [f"id-{i}" for i in range(2500)]
