"""SQL on the gateway and on the legacy dtable-db."""

from __future__ import annotations

import pytest

from .emu_helpers import Setup, auth, base_token, client, gw, make

pytestmark = pytest.mark.anyio


async def _seeded(version: str, n: int = 150) -> tuple[Setup, dict[str, str]]:
    s = make(version)
    s.emu.state.insert_rows(
        s.base, s.base.tables[0], [{"Name": f"n{i}", "Age": i} for i in range(n)], "seed"
    )
    async with client(s.emu) as c:
        return s, auth(await base_token(c, s.api_token))


async def test_gateway_sql() -> None:
    s, h = await _seeded("6.0")
    async with client(s.emu) as c:

        async def q(sql: str, **extra: object) -> dict[str, object]:
            r = await c.post(gw(s, "sql"), headers=h, json={"sql": sql, **extra})
            assert r.status_code == 200, r.text
            data: dict[str, object] = r.json()
            return data

        body = await q("SELECT * FROM Table1")
        assert body["success"] is True
        assert body["error_message"] == ""
        assert body["is_join_stmt"] is False
        assert len(body["results"]) == 100  # type: ignore[arg-type]
        first = body["results"][0]  # type: ignore[index]
        assert first["0000"] == "n0"
        assert "_id" in first
        meta = body["metadata"]
        assert {"key": "0000", "name": "Name", "type": "text", "data": None} in meta  # type: ignore[operator]
        body = await q(
            "SELECT Name, Age FROM `Table1` WHERE Age >= ? ORDER BY Age DESC LIMIT 3",
            parameters=[10],
            convert_keys=True,
        )
        assert body["results"] == [
            {"Name": "n149", "Age": 149},
            {"Name": "n148", "Age": 148},
            {"Name": "n147", "Age": 147},
        ]
        body = await q("SELECT COUNT(*) FROM Table1", convert_keys=True)
        assert body["results"] == [{"COUNT(*)": 150}]
        body = await q("SELECT Name FROM Table1 LIMIT 200 OFFSET 10", convert_keys=True)
        assert len(body["results"]) == 140  # type: ignore[arg-type]
        body = await q("UPDATE Table1 SET Age = 0 WHERE Name = 'n1'")
        assert body["success"] is True
        r = await c.post(
            gw(s, "sql"), headers=h, json={"sql": "INSERT INTO Table1 (Name, Age) VALUES ('x', 1)"}
        )
        assert r.status_code == 400  # no big-data storage (ISSUES #32)
        s.base.big_data = True
        body = await q("INSERT INTO Table1 (Name, Age) VALUES ('sql', 1)")
        assert body["success"] is True
        assert body["metadata"] is None
        r = await c.post(gw(s, "sql/"), headers=h, json={"sql": "SELECT * FROM nonexistent_table"})
        assert (r.status_code, r.json()) == (
            400,
            {"error_message": "no such table: nonexistent_table"},
        )
        r = await c.post(gw(s, "sql"), headers=h, json={"sql": "SELEC nonsense"})
        assert r.status_code == 400
        assert "error_message" in r.json()
        r = await c.post(gw(s, "sql"), headers=h, json={"sql": "DROP TABLE Table1"})
        assert r.status_code == 400
        r = await c.post(gw(s, "sql"), headers=h, json={"sql": "SELECT 1; DELETE FROM Table1"})
        assert r.status_code == 400
    names = [x["Name"] for x in s.emu.rows(s.base, "Table1")]
    assert len(names) == 151
    assert names[-1] == "sql"
    assert s.emu.rows(s.base, "Table1")[-1]["_id"]


async def test_sql_cap_10000() -> None:
    s, h = await _seeded("6.0", 10_050)
    async with client(s.emu) as c:
        r = await c.post(
            gw(s, "sql"), headers=h, json={"sql": "SELECT Name FROM Table1 LIMIT 20000"}
        )
    assert len(r.json()["results"]) == 10_000


async def test_legacy_sql() -> None:
    s, h = await _seeded("4.4", 5)
    url = f"/dtable-db/api/v1/query/{s.base.uuid}/"
    async with client(s.emu) as c:
        r = await c.post(
            url,
            headers=h,
            json={"sql": "SELECT Name FROM Table1 WHERE Age = 2", "convert_keys": True},
        )
        assert r.json()["results"] == [{"Name": "n2"}]
        r = await c.post(url, headers=h, json={"sql": "SELECT * FROM Nope"})
        assert r.status_code == 200
        assert r.json() == {"success": False, "error_message": "no such table: Nope"}
        # parameters are ignored before 5.0
        r = await c.post(
            url, headers=h, json={"sql": "SELECT Name FROM Table1 WHERE Age = ?", "parameters": [2]}
        )
        assert r.json()["success"] is False
    s5, h5 = await _seeded("5.0", 5)
    async with client(s5.emu) as c:
        r = await c.post(
            f"/dtable-db/api/v1/query/{s5.base.uuid}/",
            headers=h5,
            json={
                "sql": "SELECT Name FROM Table1 WHERE Age = ?",
                "parameters": [2],
                "convert_keys": True,
            },
        )
        assert r.json()["results"] == [{"Name": "n2"}]
