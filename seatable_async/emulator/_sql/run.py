"""SQL on a base: SeaTable's dialect (see ``_sql.lexer``) answered by SQLite.

SELECT runs translated; UPDATE and DELETE select the matching row ids and then write through
the row store (so values are normalised and ``_mtime``/``_last_modifier`` kept like any
write); INSERT needs big-data storage and lands there as archived rows (api.seatable.com
``querysql``: "INSERT only works with bases that have big data storage enabled"; without it
6.1.8 answers 400 ``base … not found: insert on non-existent base``, ISSUES #32).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from .._events.broadcast import BroadcastingRows
from .._state import links
from .._state.cells import READ_ONLY
from .._state.records import SYSTEM_TYPES, Base, Column
from .._state.state import State
from .lexer import MAX_LIMIT, SqlError, Statement
from .parser import constant_value, translate

#: Columns SQL cannot write (developer docs ``sql/limitations`` "Column writability").
SQL_READ_ONLY = READ_ONLY | {"image", "file", "geolocation", "auto-number", "digital-sign"}

__all__ = ["SqlError", "run_sql"]


def _writable(col: Column) -> Column:
    if col.type in SQL_READ_ONLY:
        raise SqlError(f"column {col.name} of type {col.type} cannot be written by SQL")
    return col


def _write_answer() -> dict[str, Any]:
    # A write answers without metadata (recorded: tests/test_sql_functions.py bypasses its
    # response check because writes answer "metadata": null); results likewise empty.
    return {
        "success": True,
        "error_message": "",
        "is_join_stmt": False,
        "metadata": None,
        "results": None,
    }


def run_sql(
    state: State,
    base: Base,
    sql: Any,
    parameters: Any,
    convert_keys: bool,
    who: str = "",
    *,
    writer: BroadcastingRows | None = None,
    link_cap: int | None = None,
) -> dict[str, Any]:
    """Execute one statement; SELECT returns ≤100 rows without LIMIT and ≤10,000 with, and
    at most ``link_cap`` links per link cell. Writes go through ``writer`` (default: the row
    store, publishing nothing)."""
    if not isinstance(sql, str) or not sql.strip():
        raise SqlError("sql is required")
    if parameters is None:
        parameters = []
    if not isinstance(parameters, list) or any(isinstance(p, (list, dict)) for p in parameters):
        raise SqlError("parameters invalid")
    stmt = translate(sql.strip(), base)
    params = list(parameters)
    store = writer if writer is not None else state.store
    if stmt.kind == "INSERT":
        if not base.big_data:
            raise SqlError(f"base {base.uuid} not found: insert on non-existent base")
        cols = [_writable(c) for c in stmt.columns]
        rows = [
            {c.name: constant_value(t, params) for c, t in zip(cols, row, strict=True)}
            for row in stmt.values
        ]
        store.insert_rows(base, stmt.tables[0], rows, who, archived=True)
        return _write_answer()
    if stmt.kind == "UPDATE":
        values = {_writable(c).name: constant_value(t, params) for c, t in stmt.sets}
        ids = _matching_ids(state, base, stmt, params)
        store.update_rows(base, stmt.tables[0], [(i, values) for i in ids], who)
        return _write_answer()
    if stmt.kind == "DELETE":
        store.delete_rows(base, stmt.tables[0], _matching_ids(state, base, stmt, params))
        return _write_answer()
    return _select(state, base, stmt, params, convert_keys, link_cap)


def _execute(state: State, base: Base, sql: str, params: list[Any]) -> sqlite3.Cursor:
    try:
        with state.lock:
            return base.conn.execute(sql, params)
    except (sqlite3.Error, OverflowError, ValueError) as exc:
        raise SqlError(str(exc)) from None


def _matching_ids(state: State, base: Base, stmt: Statement, params: list[Any]) -> list[str]:
    with state.lock:
        return [r[0] for r in _execute(state, base, stmt.sql, params).fetchall()]


def _select(
    state: State,
    base: Base,
    stmt: Statement,
    params: list[Any],
    convert_keys: bool,
    link_cap: int | None,
) -> dict[str, Any]:
    with state.lock:
        cur = _execute(state, base, stmt.sql, params)
        try:
            fetched = cur.fetchmany(MAX_LIMIT)
        except (sqlite3.Error, OverflowError, ValueError) as exc:
            raise SqlError(str(exc)) from None
        names = [d[0] for d in cur.description or ()]
    join = len(stmt.tables) > 1
    store = state.store
    metadata: list[dict[str, Any]] = []
    plan: list[tuple[str, Any]] = []
    for name in names:
        col = None if name in stmt.expressions else _resolve(stmt, name)
        if col is not None:
            metadata.append({"key": col.key, "name": col.name, "type": col.type, "data": col.data})
            # JOIN results stay keyed by column key even with convert_keys (ISSUES #33)
            key = col.name if convert_keys and not join else col.key
            plan.append((key, store.shower(col)))
        elif name in SYSTEM_TYPES:
            ctype = SYSTEM_TYPES[name]
            metadata.append({"key": name, "name": name, "type": ctype, "data": None})
            boolean = ctype == "checkbox"
            plan.append((name, (lambda v: None if v is None else bool(v)) if boolean else None))
        else:
            metadata.append({"key": name, "name": name, "type": "text", "data": None})
            boolean = stmt.expressions.get(name, False)
            plan.append((name, (lambda v: None if v is None else bool(v)) if boolean else None))
    # Column by column, and only the columns that change: an answer holds up to 10,000 rows.
    keys = [key for key, _ in plan]
    converted = [(i, show) for i, (_, show) in enumerate(plan) if show is not None]
    records: list[Any] = fetched
    if converted:
        records = [list(rec) for rec in fetched]
        for i, show in converted:
            for rec in records:
                rec[i] = show(rec[i])
    results = [dict(zip(keys, rec, strict=True)) for rec in records]
    for table in stmt.tables:
        links.render_sql(state, base, table, metadata, results, convert_keys and not join, link_cap)
    return {
        "success": True,
        "error_message": "",
        "is_join_stmt": join,
        "metadata": metadata,
        "results": results,
    }


def _resolve(stmt: Statement, name: str) -> Column | None:
    for table in stmt.tables:
        col = table.by_name.get(name)
        if col is not None:
            return col
    return None
