"""SQL in SeaTable's dialect, not SQLite's (audit D2, D13).

Sources: developer docs ``developer.seatable.com/sql`` (data types, limitations, functions),
api.seatable.com ``reference/querysql``, ``seatable/openapi`` ``tests/test_sql.py`` and
``tests/test_sql_functions.py`` (6.x) and ``tests/API_ISSUES.md`` (#32, #33, #34).
"""

from __future__ import annotations

from typing import Any

import pytest

from ._world import World, world

pytestmark = pytest.mark.anyio

PEOPLE = {
    "P": {
        "name": "text",
        "age": "number",
        "city": "text",
        "born": "date",
        "tags": "multiple-select",
        "vip": "checkbox",
        "seq": "auto-number",
    }
}
ROWS = [
    {"name": "Alice", "age": 30, "city": "Berlin", "born": "2000-03-15", "tags": ["red", "green"]},
    {"name": "Bob", "age": 25, "city": "Munich", "born": "1998-07-22", "tags": ["blue"]},
    {"name": "Charlie", "age": 35, "city": "Berlin", "born": "1990-12-01", "vip": True},
    {"name": "diana", "age": 28, "city": "Hamburg", "born": "1995-01-30", "tags": []},
]


async def _ok(w: World, sql: str, **extra: Any) -> list[dict[str, Any]]:
    r = await w.sql(sql, **extra)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["success"] is True
    results: list[dict[str, Any]] = body["results"]
    return results


async def _refused(w: World, sql: str) -> str:
    r = await w.sql(sql)
    assert r.status_code == 400, (sql, r.text)
    message: str = r.json()["error_message"]
    return message


async def test_like_is_case_sensitive_and_ilike_is_not() -> None:
    """``LIKE`` matches case; ``ILIKE`` ignores it. Source: SQL reference ("LIKE only
    supports strings. The key word ILIKE can be used instead of LIKE to make the match
    case-insensitive"); ``tests/test_sql_functions.py::test_ilike``."""
    async with world(tables=PEOPLE) as w:
        await w.append(ROWS, "P")
        assert await _ok(w, "SELECT name FROM P WHERE name LIKE 'a%'") == []
        assert await _ok(w, "SELECT name FROM P WHERE name LIKE 'A%'") == [{"name": "Alice"}]
        rows = await _ok(w, "SELECT name FROM P WHERE name ILIKE '%a' ORDER BY name")
        assert rows == [{"name": "diana"}]
        rows = await _ok(w, "SELECT name FROM P WHERE name NOT ILIKE 'd%' AND name ILIKE '_O%'")
        assert rows == [{"name": "Bob"}]


async def test_join_keyword_subqueries_union_and_case_are_refused() -> None:
    """Only comma joins exist; ``INNER/LEFT JOIN``, subqueries, ``UNION``, ``CASE`` answer 400.
    Source: querysql ("JOIN keyword is not supported"), ``tests/test_sql_functions.py``
    (``TestJoins``, ``TestUnsupportedSyntax``, ``test_case_when_not_supported``)."""
    async with world(tables={**PEOPLE, "Q": {"name": "text", "city": "text"}}) as w:
        await w.append(ROWS, "P")
        for sql in (
            "SELECT P.name FROM P INNER JOIN Q ON P.name = Q.name",
            "SELECT P.name FROM P LEFT JOIN Q ON P.name = Q.name",
            "SELECT name FROM P WHERE age IN (SELECT age FROM P)",
            "SELECT name FROM P UNION SELECT name FROM Q",
            "SELECT CASE WHEN age > 30 THEN 'old' ELSE 'young' END FROM P",
        ):
            await _refused(w, sql)


async def test_comma_join_answers_keys_and_flags_the_join() -> None:
    """A comma join works, sets ``is_join_stmt`` and keeps column keys despite
    ``convert_keys``. Source: ISSUES #33; ``tests/test_sql_functions.py::test_implicit_join``."""
    async with world(tables={**PEOPLE, "Q": {"who": "text", "pet": "text"}}) as w:
        await w.append(ROWS, "P")
        await w.append([{"who": "Alice", "pet": "cat"}], "Q")
        r = await w.sql("SELECT P.name, Q.pet FROM P, Q WHERE P.name = Q.who")
        body = r.json()
        keys = {c.name: c.key for t in w.base.tables for c in t.columns}
    assert body["is_join_stmt"] is True
    assert body["results"] == [{keys["name"]: "Alice", keys["pet"]: "cat"}]


async def test_sqlite_and_mysql_functions_are_refused_seatable_ones_work() -> None:
    """Only SeaTable's function names: ``SUBSTR``, ``CONCAT``, ``IFNULL``, ``COALESCE``,
    ``LENGTH`` answer 400; ``mid``, ``concatenate``, ``len``, ``upper`` work and name their
    result by the expression. Source: querysql ("mid() instead of SUBSTR(), concatenate()
    instead of CONCAT()"); ``tests/test_sql_functions.py`` (``TestMySQLFunctionsNotSupported``
    and ``TestTextFunctions``)."""
    async with world(tables=PEOPLE) as w:
        await w.append(ROWS, "P")
        for fn in ("SUBSTR(name, 1, 2)", "CONCAT(name, city)", "IFNULL(name, 'x')"):
            await _refused(w, f"SELECT {fn} FROM P")
        for fn in ("COALESCE(name, 'x')", "LENGTH(name)", "CAST(age AS TEXT)", "RANDOM()"):
            await _refused(w, f"SELECT {fn} FROM P")
        rows = await _ok(
            w,
            "SELECT mid(`name`, 1, 3), concatenate(name, ' from ', city), len(name), "
            "upper(name) AS up FROM P WHERE name = 'Alice'",
        )
    assert rows == [
        {
            "mid(name, 1, 3)": "Ali",
            "concatenate(name, ' from ', city)": "Alice from Berlin",
            "len(name)": 5,
            "up": "ALICE",
        }
    ]


async def test_aggregate_keys_are_the_expression_without_backticks() -> None:
    """``COUNT(*)``, ``SUM(`age`)`` are keyed ``COUNT(*)``, ``SUM(age)``. Source:
    ``tests/test_sql.py::test_sql_count`` and ``test_sql_functions.py::test_sum``."""
    async with world(tables=PEOPLE) as w:
        await w.append(ROWS, "P")
        rows = await _ok(w, "SELECT COUNT(*), SUM(`age`), AVG(age) FROM `P`")
    assert rows == [{"COUNT(*)": 4, "SUM(age)": 118, "AVG(age)": 29.5}]


async def test_constants_only_inside_functions_and_booleans_are_json_booleans() -> None:
    """``pi`` alone is a column name (400 ``no such column: pi``) but works inside a function;
    comparison functions answer JSON booleans. Source: ISSUES #34;
    ``tests/test_sql_functions.py`` (``TestConstants``, ``test_greater``)."""
    async with world(tables=PEOPLE) as w:
        await w.append(ROWS, "P")
        assert await _refused(w, "SELECT pi FROM P LIMIT 1") == "no such column: pi"
        rows = await _ok(
            w, "SELECT multiply(pi, 2), greater(5, 3), exact(name, 'alice') FROM P LIMIT 1"
        )
    value = rows[0]
    assert abs(value["multiply(pi, 2)"] - 6.283185) < 1e-5
    assert value["greater(5, 3)"] is True
    assert value["exact(name, 'alice')"] is False


async def test_update_set_takes_only_constants_and_normalises_values() -> None:
    """``UPDATE … SET`` accepts constants (and ``?``) only; expressions and functions answer
    400. Written values go through the column rules. Source: querysql ("Functions and
    expressions are not supported in UPDATE SET or INSERT VALUES"); ``tests/
    test_sql_functions.py`` (``test_update_set_expression_not_supported``)."""
    async with world(tables=PEOPLE) as w:
        await w.append(ROWS, "P")
        await _refused(w, "UPDATE P SET age = age + 1")
        await _refused(w, "UPDATE P SET name = upper('x') WHERE name = 'Bob'")
        r = await w.sql(
            "UPDATE P SET age = ?, born = '31.12.1999', vip = 1 WHERE name = 'Bob'",
            parameters=["41"],
        )
        assert r.json() == {
            "success": True,
            "error_message": "",
            "is_join_stmt": False,
            "metadata": None,
            "results": None,
        }
        rows = await _ok(w, "SELECT age, born, vip, _last_modifier FROM P WHERE name = 'Bob'")
    assert rows == [
        {"age": 41, "born": "1999-12-31T00:00:00+00:00", "vip": False, "_last_modifier": "conf"}
    ]


async def test_update_and_delete_without_where_touch_every_row() -> None:
    """UPDATE/DELETE without WHERE apply to all rows. Source: ``tests/test_sql_functions.py``
    (``test_update_without_where_is_allowed``, ``test_delete_without_where_is_allowed``)."""
    async with world(tables=PEOPLE) as w:
        await w.append(ROWS, "P")
        await _ok(w, "UPDATE P SET city = 'X'")
        assert {r["city"] for r in await _ok(w, "SELECT city FROM P")} == {"X"}
        await _ok(w, "DELETE FROM P")
        assert await _ok(w, "SELECT * FROM P") == []


async def test_insert_needs_big_data_storage_and_lands_archived() -> None:
    """Without big-data storage INSERT answers 400 ``base … not found: insert on non-existent
    base``; with it the rows land in big-data storage (``_archived`` true) and the old
    dtable-server list does not show them. Source: ISSUES #32 (6.1.8), querysql ("INSERT only
    works with bases that have big data storage enabled"), v5.0 spec querySQL ("New rows
    (INSERT statement) are always added to the big data backend")."""
    async with world(tables=PEOPLE) as w:
        message = await _refused(w, "INSERT INTO P (name, age) VALUES ('x', 1)")
        assert message == f"base {w.base.uuid} not found: insert on non-existent base"
    async with world("5.0", tables=PEOPLE, big_data=True) as w:
        await _refused(w, "INSERT INTO P (name, age) VALUES (upper('fig'), 5)")
        await _ok(w, "INSERT INTO P (name, age, tags) VALUES ('Eve', '7', 'x'), ('Fay', 8, NULL)")
        rows = await w.rows("P")
        legacy = await w.client.get(
            w.legacy("rows/"), headers=w.headers, params={"table_name": "P"}
        )
    assert [(r["name"], r["age"], r["tags"], r["_archived"]) for r in rows] == [
        ("Eve", 7, ["x"], True),
        ("Fay", 8, None, True),
    ]
    assert legacy.json()["rows"] == []


async def test_default_limit_100_and_cap_10000() -> None:
    """Without LIMIT 100 rows; with any LIMIT at most 10,000. Source: querysql ("Default: 100
    rows. Maximum: 10,000 rows"); v5.0 spec ("maximum of 10 000 rows")."""
    async with world(tables=PEOPLE) as w:
        w.emu.state.insert_rows(w.base, w.base.tables[0], [{"age": i} for i in range(10_050)], "s")
        assert len(await _ok(w, "SELECT age FROM P")) == 100
        assert len(await _ok(w, "SELECT age FROM P LIMIT 20000")) == 10_000
        assert len(await _ok(w, "SELECT age FROM P LIMIT 5 OFFSET 10049")) == 1


async def test_dates_compare_as_dates() -> None:
    """Date columns compare as dates with ISO and RFC 3339 literals, unparseable input is
    null and never matches. Source: developer docs ``sql/data-types`` (date: "ISO or RFC 3339
    strings" in WHERE); SQL reference ("Time constants should be strings in ISO format …
    RFC 3339 format are supported"); ISSUES #5 (invalid dates stored null)."""
    async with world(tables=PEOPLE, timezone="+02:00") as w:
        await w.append([*ROWS, {"name": "Nobody", "born": "not a date"}], "P")
        rows = await _ok(w, "SELECT name FROM P WHERE born > '1999-01-01' ORDER BY born")
        assert [r["name"] for r in rows] == ["Alice"]
        rows = await _ok(w, "SELECT name FROM P WHERE born = '1998-07-21T22:00:00Z'")
        assert rows == [{"name": "Bob"}]
        rows = await _ok(
            w,
            "SELECT name, born FROM P WHERE born BETWEEN '1995-01-30' "
            "AND '1998-07-22T00:00:00+02:00' ORDER BY born DESC",
        )
        assert rows == [
            {"name": "Bob", "born": "1998-07-22T00:00:00+02:00"},
            {"name": "diana", "born": "1995-01-30T00:00:00+02:00"},
        ]
        assert await _ok(w, "SELECT name FROM P WHERE born IS NULL") == [{"name": "Nobody"}]


async def test_list_columns_compare_on_their_elements() -> None:
    """Multiple-select columns: ``=``/``LIKE`` use the first element, ``IS NULL`` is true for
    an empty list, ``IN``/``HAS ANY OF``/``HAS ALL OF``/``HAS NONE OF``/``IS EXACTLY`` look at
    all elements. Source: developer docs ``sql/limitations`` ("WHERE rules for list types")."""
    async with world(tables=PEOPLE) as w:
        await w.append(ROWS, "P")

        async def names(where: str) -> list[str]:
            rows = await _ok(w, f"SELECT name FROM P WHERE {where} ORDER BY name")
            return [r["name"] for r in rows]

        assert await names("tags = 'red'") == ["Alice"]
        assert await names("tags = 'green'") == []  # not the first element
        assert await names("tags LIKE 'b%'") == ["Bob"]
        assert await names("tags IS NULL") == ["Charlie", "diana"]
        assert await names("tags IN ('green', 'blue')") == ["Alice", "Bob"]
        assert await names("tags HAS ANY OF ('green')") == ["Alice"]
        assert await names("tags HAS ALL OF ('green', 'red')") == ["Alice"]
        assert await names("tags HAS NONE OF ('red')") == ["Bob", "Charlie", "diana"]
        assert await names("tags IS EXACTLY ('green', 'red')") == ["Alice"]
        rows = await _ok(w, "SELECT tags FROM P WHERE name = 'Alice'")
    assert rows == [{"tags": ["red", "green"]}]  # selected lists stay lists


async def test_select_star_shows_stored_values_and_system_fields() -> None:
    """``SELECT *`` includes ``_archived``, ``_locked``, ``_locked_by`` and shows stored values
    (dates with offset, checkbox booleans, lists, auto numbers). Source: 5.0/6.x snapshots
    ``test_querySQL[querySQL].json``."""
    async with world(tables=PEOPLE, timezone="Europe/Berlin") as w:
        await w.append(ROWS[:1], "P")
        body = (await w.sql("SELECT * FROM P")).json()
    row = body["results"][0]
    assert (row["_archived"], row["_locked"], row["_locked_by"]) == (False, None, None)
    assert row["born"] == "2000-03-15T00:00:00+01:00"
    assert (row["vip"], row["tags"], row["seq"]) == (None, ["red", "green"], "0001")
    meta = {m["name"]: m for m in body["metadata"]}
    assert meta["born"]["type"] == "date" and meta["_ctime"]["type"] == "ctime"


async def test_group_by_is_strict() -> None:
    """Selected plain columns must be grouped. Source: SQL reference ("GROUP BY uses strict
    syntax. The selected fields must appear in group by list, except for aggregation
    functions")."""
    async with world(tables=PEOPLE) as w:
        await w.append(ROWS, "P")
        await _refused(w, "SELECT city, name, COUNT(*) FROM P GROUP BY city")
        rows = await _ok(w, "SELECT `city`, COUNT(*) FROM P GROUP BY `city` HAVING COUNT(*) > 1")
    assert rows == [{"city": "Berlin", "COUNT(*)": 2}]


async def test_double_quotes_are_strings_not_identifiers() -> None:
    """``"…"`` is a string literal: as a table name it is refused. Source:
    ``tests/test_sql_functions.py::test_double_quote_table_not_supported``."""
    async with world(tables=PEOPLE) as w:
        await w.append(ROWS, "P")
        await _refused(w, 'SELECT "name" FROM "P"')
        assert await _ok(w, 'SELECT name FROM P WHERE city = "Munich"') == [{"name": "Bob"}]


async def test_errors_per_route() -> None:
    """Gateway errors are 400 ``{"error_message"}``; the old dtable-db answers 200
    ``{"success": false, "error_message"}``. Source: reference §9 (dtable-db "may be HTTP
    200"; gateway 400 ``no such table``) and ``tests/test_sql.py::test_sql_invalid_table``."""
    async with world("4.4", tables=PEOPLE) as w:
        r = await w.sql("SELECT * FROM Nope")
        assert (r.status_code, r.json()) == (400, {"error_message": "no such table: Nope"})
        r = await w.client.post(
            f"/dtable-db/api/v1/query/{w.base.uuid}/",
            headers=w.headers,
            json={"sql": "SELECT SUBSTR(name, 1) FROM P"},
        )
    assert r.status_code == 200
    assert r.json()["success"] is False
    assert "SUBSTR" in r.json()["error_message"]


async def test_backticks_quote_names_and_double_to_escape() -> None:
    """Names with spaces, reserved words or backticks are quoted with backticks (a backtick
    inside is doubled, MySQL style). Source: developer docs ``scripts/sql/introduction``
    ("escape these names with backticks"); ``tests/test_sql_functions.py`` (``TestQuoting``);
    doubling is inferred (the SQL parser follows MySQL's quoting)."""
    async with world(tables={"a`b c": {"date": "text"}}) as w:
        await w.append([{"date": "x"}], "a`b c")
        rows = await _ok(w, "SELECT `date` FROM `a``b c` WHERE `date` = 'x'")
    assert rows == [{"date": "x"}]
