"""SQL on a base, answered by SQLite (tables and columns carry the SeaTable names)."""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from ._state import SYSTEM_TYPES, Base, State

DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000

_STRINGS = re.compile(r"'(?:[^']|'')*'")
_LIMIT = re.compile(r"\blimit\b", re.IGNORECASE)
_FROM = re.compile(
    r"\b(?:from|into|update)\s+(`[^`]+`|\"[^\"]+\"|\[[^\]]+\]|[^\s,;()]+)", re.IGNORECASE
)
_KINDS = ("SELECT", "INSERT", "UPDATE", "DELETE")


class SqlError(Exception):
    """An SQL error; the message is what the server reports in ``error_message``."""


def run_sql(
    state: State,
    base: Base,
    sql: Any,
    parameters: Any,
    convert_keys: bool,
) -> dict[str, Any]:
    """Execute one statement; SELECT returns ≤100 rows without LIMIT and ≤10,000 with."""
    if not isinstance(sql, str) or not sql.strip():
        raise SqlError("sql is required")
    if parameters is None:
        parameters = []
    if not isinstance(parameters, list) or any(isinstance(p, (list, dict)) for p in parameters):
        raise SqlError("parameters invalid")
    text = sql.strip().rstrip(";")
    kind = text.split(None, 1)[0].upper()
    if kind not in _KINDS:
        raise SqlError(f"unsupported SQL statement: {kind}")
    stripped = _STRINGS.sub("''", text)
    match = _FROM.search(stripped)
    table = None
    if match:
        tname = match.group(1)
        if tname[0] in '`"[':
            tname = tname[1:-1]
        table = base.table(tname)
    try:
        with state.lock:
            cur = base.conn.execute(text, parameters)
            if kind != "SELECT":
                count = cur.rowcount
                base.version += 1
                return {
                    "success": True,
                    "error_message": "",
                    "is_join_stmt": False,
                    "metadata": [],
                    "results": [],
                    "affected_rows": count,
                }
            limit = MAX_LIMIT if _LIMIT.search(stripped) else DEFAULT_LIMIT
            fetched = cur.fetchmany(limit)
            names = [d[0] for d in cur.description or ()]
    except (sqlite3.Error, OverflowError, ValueError) as exc:
        raise SqlError(str(exc)) from None
    columns = [table.by_name.get(n) if table is not None else None for n in names]
    metadata: list[dict[str, Any]] = []
    keys: list[str] = []
    for name, col in zip(names, columns, strict=False):
        if col is not None:
            metadata.append({"key": col.key, "name": col.name, "type": col.type, "data": col.data})
            keys.append(col.name if convert_keys else col.key)
        else:
            metadata.append(
                {"key": name, "name": name, "type": SYSTEM_TYPES.get(name, "text"), "data": None}
            )
            keys.append(name)
    results = []
    for rec in fetched:
        row: dict[str, Any] = {}
        for key, col, value in zip(keys, columns, rec, strict=False):
            row[key] = state.store.show(col, value) if col is not None else value
        results.append(row)
    return {
        "success": True,
        "error_message": "",
        "is_join_stmt": " join " in stripped.lower(),
        "metadata": metadata,
        "results": results,
    }
