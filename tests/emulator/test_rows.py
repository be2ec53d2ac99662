"""Row operations on the gateway and the legacy dtable-server, caps and bad input."""

from __future__ import annotations

import re

import pytest

from .emu_helpers import Setup, auth, base_token, client, gw, legacy, make

pytestmark = pytest.mark.anyio

ROW_ID = re.compile(r"^[A-Za-z0-9\-_]{22}$")


async def _h(s: Setup) -> dict[str, str]:
    async with client(s.emu) as c:
        return auth(await base_token(c, s.api_token))


async def test_gateway_row_crud() -> None:
    s = make()
    h = await _h(s)
    key_age = s.base.tables[0].by_name["Age"].key
    async with client(s.emu) as c:
        r = await c.get(gw(s, "metadata/"), headers=h)
        meta = r.json()["metadata"]
        assert meta["tables"][0]["name"] == "Table1"
        assert [col["name"] for col in meta["tables"][0]["columns"]] == ["Name", "Age"]
        assert meta["tables"][0]["columns"][0]["key"] == "0000"
        assert r.headers["x-powered-by"] == "SeaTable-Api-Gateway"
        r = await c.post(
            gw(s, "rows/"),
            headers=h,
            json={
                "table_name": "Table1",
                "rows": [{"Name": "a", "Age": 1, "Unknown": "x"}, {"Name": "b"}],
            },
        )
        body = r.json()
        assert body["inserted_row_count"] == 2
        ids = [x["_id"] for x in body["row_ids"]]
        assert all(ROW_ID.match(i) for i in ids)
        assert body["first_row"]["0000"] == "a"
        assert body["first_row"][key_age] == 1
        rows = (await c.get(gw(s, "rows/"), params={"table_name": "Table1"}, headers=h)).json()
        assert rows["rows"][0]["0000"] == "a"
        assert rows["rows"][1][key_age] is None
        for flag in ("true", "True"):
            rows = (
                await c.get(
                    gw(s, "rows/"), params={"table_name": "Table1", "convert_keys": flag}, headers=h
                )
            ).json()["rows"]
            assert rows[0]["Name"] == "a"
            assert "Unknown" not in rows[0]
            assert set(rows[0]) >= {"_id", "_ctime", "_mtime", "_creator", "_last_modifier"}
        paged = (
            await c.get(
                gw(s, "rows/"), params={"table_name": "Table1", "start": 1, "limit": 1}, headers=h
            )
        ).json()["rows"]
        assert [x["_id"] for x in paged] == [ids[1]]
        r = await c.put(
            gw(s, "rows/"),
            headers=h,
            json={"table_name": "Table1", "updates": [{"row_id": ids[1], "row": {"Age": 7}}]},
        )
        assert r.json() == {"success": True}
        one = (
            await c.get(
                gw(s, f"rows/{ids[1]}/"),
                params={"table_name": "Table1", "convert_keys": "true"},
                headers=h,
            )
        ).json()
        assert one["Age"] == 7
        assert one["_id"] == ids[1]
        r = await c.get(
            gw(s, "rows/AAAAAAAAAAAAAAAAAAAAAA/"), params={"table_name": "Table1"}, headers=h
        )
        assert (r.status_code, r.json()) == (404, {"error_message": "row _id not exits"})
        r = await c.request(
            "DELETE", gw(s, "rows/"), headers=h, json={"table_name": "Table1", "row_ids": [ids[0]]}
        )
        assert r.json()["success"] is True
    assert [x["Name"] for x in s.emu.rows(s.base, "Table1")] == ["b"]
    assert s.emu.stats.requests["gateway.rows.append"] == 1


async def test_gateway_caps_and_errors() -> None:
    s = make()
    h = await _h(s)
    async with client(s.emu) as c:
        r = await c.post(
            gw(s, "rows/"), headers=h, json={"table_name": "Table1", "rows": [{"Name": "x"}] * 1001}
        )
        assert r.status_code == 400
        assert "error_message" in r.json()
        r = await c.post(
            gw(s, "rows/"), headers=h, json={"table_name": "Table1", "rows": [{"Name": "x"}] * 1000}
        )
        assert r.json()["inserted_row_count"] == 1000
        r = await c.put(
            gw(s, "rows/"),
            headers=h,
            json={"table_name": "Table1", "updates": [{"row_id": "x", "row": {}}] * 1001},
        )
        assert r.status_code == 400
        r = await c.request(
            "DELETE",
            gw(s, "rows/"),
            headers=h,
            json={"table_name": "Table1", "row_ids": ["x"] * 10001},
        )
        assert r.status_code == 400
        r = await c.get(gw(s, "rows/"), params={"table_name": "Table1", "limit": 5000}, headers=h)
        assert len(r.json()["rows"]) == 1000
        r = await c.get(gw(s, "rows/"), params={"table_name": "Nope"}, headers=h)
        assert (r.status_code, r.json()) == (404, {"error_message": "table not found"})
        bad_inputs = [
            ("POST", gw(s, "rows/"), b"{not json"),
            ("POST", gw(s, "rows/"), b"[1, 2]"),
            ("POST", gw(s, "rows/"), b'{"table_name": "Table1", "rows": "x"}'),
            ("POST", gw(s, "rows/"), b'{"table_name": "Table1", "rows": [1]}'),
            ("POST", gw(s, "rows/"), b'{"table_name": 5, "rows": []}'),
            ("PUT", gw(s, "rows/"), b'{"table_name": "Table1", "updates": [{"row": 1}]}'),
            ("DELETE", gw(s, "rows/"), b'{"table_name": "Table1", "row_ids": [1]}'),
            ("POST", gw(s, "sql"), b'{"sql": 5}'),
            ("POST", gw(s, "sql"), b'{"sql": "select 1", "parameters": {"a": 1}}'),
        ]
        for method, url, content in bad_inputs:
            r = await c.request(
                method, url, headers={**h, "Content-Type": "application/json"}, content=content
            )
            assert 400 <= r.status_code < 500, (url, content, r.text)
        r = await c.get(gw(s, "rows/"), params={"table_name": "Table1", "start": "x"}, headers=h)
        assert r.status_code == 400
        r = await c.post(
            "/api2/auth-token/", content=b"\xff\xfe", headers={"Content-Type": "application/json"}
        )
        assert r.status_code == 400
    assert 500 not in s.emu.stats.statuses


async def test_legacy_row_ops() -> None:
    s = make("4.0")
    h = await _h(s)
    async with client(s.emu) as c:
        r = await c.get(gw(s, "rows/"), params={"table_name": "Table1"}, headers=h)
        assert r.status_code == 404
        r = await c.post(
            legacy(s, "rows/"), headers=h, json={"table_name": "Table1", "row": {"Name": "solo"}}
        )
        row = r.json()
        assert row["Name"] == "solo"
        assert ROW_ID.match(row["_id"])
        r = await c.post(
            legacy(s, "batch-append-rows/"),
            headers=h,
            json={"table_name": "Table1", "rows": [{"Name": "a", "Age": 3}, {"Name": "b"}]},
        )
        assert r.json() == {"inserted_row_count": 2}
        rows = (await c.get(legacy(s, "rows/"), params={"table_name": "Table1"}, headers=h)).json()[
            "rows"
        ]
        assert [x["Name"] for x in rows] == ["solo", "a", "b"]
        assert "Age" not in rows[2]
        assert "x-powered-by" not in r.headers
        r = await c.put(
            legacy(s, "rows/"),
            headers=h,
            json={"table_name": "Table1", "row_id": row["_id"], "row": {"Age": 9}},
        )
        assert r.json() == {"success": True}
        got = (
            await c.get(
                legacy(s, f"rows/{row['_id']}/"), params={"table_name": "Table1"}, headers=h
            )
        ).json()
        assert got["Age"] == 9
        r = await c.put(
            legacy(s, "batch-update-rows/"),
            headers=h,
            json={
                "table_name": "Table1",
                "updates": [{"row_id": rows[1]["_id"], "row": {"Age": 4}}],
            },
        )
        assert r.json() == {"success": True}
        r = await c.request(
            "DELETE",
            legacy(s, "rows/"),
            headers=h,
            json={"table_name": "Table1", "row_id": row["_id"]},
        )
        assert r.json()["success"] is True
        r = await c.request(
            "DELETE",
            legacy(s, "batch-delete-rows/"),
            headers=h,
            json={"table_name": "Table1", "row_ids": [rows[2]["_id"]]},
        )
        assert r.json()["success"] is True
        r = await c.get(legacy(s, "rows/"), params={"table_name": "Nope"}, headers=h)
        assert (r.status_code, r.json()) == (404, {"error_msg": "table not found"})
        r = await c.post(
            legacy(s, "batch-append-rows/"),
            headers=h,
            json={"table_name": "Table1", "rows": [{}] * 1001},
        )
        assert r.status_code == 400
        assert "error_msg" in r.json()
    stored = s.emu.rows(s.base, "Table1")
    assert [(x["Name"], x["Age"]) for x in stored] == [("a", 4)]


async def test_legacy_removed_in_6() -> None:
    s = make("6.0")
    h = await _h(s)
    async with client(s.emu) as c:
        r = await c.get(legacy(s, "rows/"), params={"table_name": "Table1"}, headers=h)
        assert r.status_code == 404
        r = await c.post(
            f"/dtable-db/api/v1/query/{s.base.uuid}/", json={"sql": "select 1"}, headers=h
        )
        assert r.status_code == 404


async def test_redirect_legacy() -> None:
    s = make("5.0", redirect_legacy=True)
    h = await _h(s)
    async with client(s.emu) as c:
        r = await c.get(legacy(s, "rows/"), params={"table_name": "Table1"}, headers=h)
        assert r.status_code == 302
        assert r.headers["location"] == (
            f"http://seatable.test/api-gateway/api/v2/dtables/{s.base.uuid}/rows/?table_name=Table1"
        )
        r = await c.post(
            f"/dtable-db/api/v1/query/{s.base.uuid}/", json={"sql": "select 1"}, headers=h
        )
        assert r.status_code == 302
        assert r.headers["location"].endswith("/sql")
        r = await c.post(
            legacy(s, "batch-append-rows/"),
            headers=h,
            json={"table_name": "Table1", "rows": [{"Name": "x"}]},
        )
        assert r.status_code == 200


async def test_json_typed_columns_round_trip() -> None:
    s = make()
    s.emu.state.create_table(
        s.base, "Tags", {"Name": "text", "Labels": "multiple-select", "Done": "checkbox"}
    )
    h = await _h(s)
    async with client(s.emu) as c:
        r = await c.post(
            gw(s, "rows/"),
            headers=h,
            json={
                "table_name": "Tags",
                "rows": [{"Name": "a", "Labels": ["x", "y"], "Done": True}, {"Name": ["odd"]}],
            },
        )
        assert r.status_code == 200
        rows = (
            await c.get(
                gw(s, "rows/"), params={"table_name": "Tags", "convert_keys": "true"}, headers=h
            )
        ).json()["rows"]
    assert rows[0]["Labels"] == ["x", "y"]
    assert rows[0]["Done"] is True
    assert rows[1]["Name"] == '["odd"]'


async def test_legacy_list_rows_order_by() -> None:
    s = make("4.0")
    s.emu.state.insert_rows(s.base, s.base.tables[0], [{"Name": n} for n in "bca"], "seed")
    h = await _h(s)
    async with client(s.emu) as c:
        r = await c.get(
            legacy(s, "rows/"),
            headers=h,
            params={
                "table_name": "Table1",
                "view_name": "Default View",
                "order_by": "Name",
                "direction": "desc",
                "limit": 2,
            },
        )
    assert [x["Name"] for x in r.json()["rows"]] == ["c", "b"]


def test_db_path_keeps_sqlite_files(tmp_path: object) -> None:
    import pathlib
    import sqlite3

    from seatable_async.emulator import Emulator

    path = pathlib.Path(str(tmp_path))
    emu = Emulator(db_path=path)
    emu.add_user("a@example.com", "pw")
    b = emu.add_base(owner="a@example.com", name="D", tables={"T": {"Name": "text"}})
    emu.state.insert_rows(b, b.tables[0], [{"Name": "kept"}], "seed")
    conn = sqlite3.connect(path / f"{b.uuid}.sqlite3")
    try:
        assert conn.execute('SELECT "Name" FROM "T"').fetchall() == [("kept",)]
    finally:
        conn.close()
    b.conn.close()
