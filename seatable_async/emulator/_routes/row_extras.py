"""Row extras: lock/unlock rows, insert next to a row, column defaults, and big-data storage.

* ``lock-rows/`` / ``unlock-rows/`` (PUT, gateway 4.4+ and dtable-server before 6.0; v5.0 specs
  ``lockRows``/``lockRowsDeprecated``): ``{table_name, row_ids}`` → ``{"success": true}``. A
  locked row shows ``_locked: true`` and ``_locked_by``; unlocking sets both to null (6.x
  ``test_websocket/test_lock_and_unlock_rows`` snapshots).
* Legacy ``POST rows/`` with ``anchor_row_id`` and ``row_insert_position`` (``insert_below``
  by default; v5.0 deprecated spec ``insert_row``) puts the row next to the anchor; the gateway
  has no such field (its spec's ``append_rows`` lacks it, the official client appends).
* ``apply_default`` (v5.0 specs ``append_row``/``append_rows``): empty cells of columns with
  ``enable_fill_default_value`` get ``default_value`` (the field names of the 6.1 spec's SQL
  metadata example; the literal copy is inferred).
* Big data (needs ``big_data=True``): gateway ``add-archived-rows/``, dtable-db
  ``insert-rows/{uuid}/`` → ``{"inserted_row_count": n}``; ``archive-view/`` (gateway and
  dtable-server) ``{table_name, where}`` → ``{"success": true, "error_message": ""}``;
  gateway ``unarchive/`` ``{table_id, row_ids}`` → ``{"success": true, "task_id": …}`` (6.1
  spec example).

Inferred: the 1,000-row cap of lock/unlock, big-data inserts and unarchive (like appends); the
error texts; a missing anchor answers 404; ``_locked_by`` is the token's user or app name.
"""

from __future__ import annotations

import sqlite3
import uuid
from typing import Any

from .._auth.access import base_access
from .._server.families import BaseRoute, add_routes, bind, families
from .._server.request import Request
from .._server.responses import HTTPError, Response, error_message, error_msg, json_response
from .._server.router import Router
from .._sql.lexer import SqlError
from .._sql.parser import translate
from .._state.records import Base, Table, quote_ident

MAX_ROWS = 1000


def _err(family: str, status: int, msg: str) -> HTTPError:
    return error_message(status, msg) if family == "gateway" else error_msg(status, msg)


def _table(family: str, base: Base, data: dict[str, Any]) -> Table:
    for key in ("table_id", "table_name"):
        value = data.get(key)
        if isinstance(value, str) and value:
            table = base.table(value)
            if table is not None:
                return table
    if not (data.get("table_id") or data.get("table_name")):
        raise _err(family, 400, "table_name invalid.")
    raise _err(family, 404, "table not found")


def _row_ids(family: str, data: dict[str, Any]) -> list[str]:
    ids = data.get("row_ids")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise _err(family, 400, "row_ids invalid.")
    if len(ids) > MAX_ROWS:
        raise _err(family, 400, f"Number of row_ids exceeds the limit of {MAX_ROWS}.")
    return ids


def _who(claims: dict[str, Any]) -> str:
    return str(claims.get("username") or claims.get("app_name") or "")


def apply_defaults(table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with the columns' default values filled in where a cell is missing or empty."""
    defaults = {
        c.name: c.data["default_value"]
        for c in table.columns
        if c.data
        and c.data.get("enable_fill_default_value")
        and c.data.get("default_value") not in (None, "")
    }
    if not defaults:
        return rows
    return [
        {**row, **{k: v for k, v in defaults.items() if row.get(k) in (None, "")}} for row in rows
    ]


def check_anchor(base: Base, table: Table, data: dict[str, Any]) -> str:
    """The insert position asked for, after checking the anchor row exists (before writing)."""
    position = data.get("row_insert_position") or "insert_below"
    if position not in ("insert_below", "insert_above"):
        raise error_msg(400, "row_insert_position invalid.")
    anchor = data.get("anchor_row_id")
    found = base.conn.execute(
        f"SELECT 1 FROM {quote_ident(table.name)} WHERE _id = ?", (anchor,)
    ).fetchone()
    if not isinstance(anchor, str) or found is None:
        raise error_msg(404, "anchor row not found")
    return str(position)


def place_row(
    req: Request, base: Base, table: Table, row_id: str, anchor: str, position: str
) -> None:
    """Move the new row ``row_id`` next to ``anchor`` and publish ``insert_row``."""
    name = quote_ident(table.name)
    state = req.services.state
    with state.lock:
        conn = base.conn
        (anchor_at,) = conn.execute(f"SELECT rowid FROM {name} WHERE _id = ?", (anchor,)).fetchone()
        target = anchor_at + (1 if position == "insert_below" else 0)
        # rowids are the table's order: park the new row, shift the rows from target on by one
        conn.execute("BEGIN")
        try:
            conn.execute(
                f"UPDATE {name} SET rowid = (SELECT max(rowid) + 2 FROM {name}) WHERE _id = ?",
                (row_id,),
            )
            conn.execute(
                f"UPDATE {name} SET rowid = -(rowid + 1) WHERE rowid >= ? AND _id != ?",
                (target, row_id),
            )
            conn.execute(f"UPDATE {name} SET rowid = -rowid WHERE rowid < 0")
            conn.execute(f"UPDATE {name} SET rowid = ? WHERE _id = ?", (target, row_id))
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        stored = state.select_rows(base, table, row_id=row_id)[0]
    row_data = {c.key: stored[c.name] for c in table.columns if stored.get(c.name) is not None}
    req.services.events.emit(
        base.uuid,
        {
            "op_type": "insert_row",
            "table_id": table.id,
            "row_id": anchor,
            "row_insert_position": position,
            "row_data": {"_id": row_id, **row_data},
        },
    )


async def lock_rows(req: Request, family: str, lock: bool) -> Response:
    base, claims = base_access(req, family, req.params["uuid"], write=True)
    data = await req.json_object()
    table = _table(family, base, data)
    ids = _row_ids(family, data)
    who = _who(claims) if lock else None
    state = req.services.state
    with state.lock:
        base.conn.executemany(
            f"UPDATE {quote_ident(table.name)} SET _locked = ?, _locked_by = ? WHERE _id = ?",
            [(1 if lock else None, who, i) for i in ids],
        )
        base.version += 1
    op: dict[str, Any] = {"op_type": "lock_rows" if lock else "unlock_rows", "table_id": table.id}
    op["row_ids"] = ids
    if lock:
        op["locked_by"] = who
    req.services.events.emit(base.uuid, op)
    return json_response({"success": True})


async def lock(req: Request, family: str) -> Response:
    return await lock_rows(req, family, True)


async def unlock(req: Request, family: str) -> Response:
    return await lock_rows(req, family, False)


def _big_data(base: Base) -> None:
    if not base.big_data:
        # ISSUES #32 (SQL INSERT on a base without big-data storage); inferred here
        raise error_message(400, f"base {base.uuid} not found: insert on non-existent base")


async def insert_archived(req: Request, family: str) -> Response:
    base, claims = base_access(req, family, req.params["uuid"], write=True)
    data = await req.json_object()
    table = _table("gateway", base, data)
    rows = data.get("rows")
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise error_message(400, "rows invalid.")
    if len(rows) > MAX_ROWS:
        raise error_message(400, f"Number of rows exceeds the limit of {MAX_ROWS}.")
    _big_data(base)
    ids, _ = req.services.state.insert_rows(base, table, rows, _who(claims), archived=True)
    req.services.stats.add("rows_written", len(ids))
    return json_response({"inserted_row_count": len(ids)})


async def archive_view(req: Request, family: str) -> Response:
    base, _ = base_access(req, family, req.params["uuid"], write=True)
    data = await req.json_object()
    table = _table(family, base, data)
    where = data.get("where")
    if where is not None and not isinstance(where, str):
        raise _err(family, 400, "where invalid.")
    if not base.big_data:
        raise _err(family, 400, "big data storage is not enabled for this base.")
    sql = f"DELETE FROM `{table.name.replace('`', '``')}`"
    if where and where.strip():
        sql += f" WHERE {where}"
    state = req.services.state
    try:
        stmt = translate(sql, base)
        with state.lock:
            ids = [r[0] for r in base.conn.execute(stmt.sql).fetchall()]
    except (SqlError, sqlite3.Error) as exc:
        raise _err(family, 400, str(exc)) from None
    _set_archived(req, base, table, ids, True)
    return json_response({"success": True, "error_message": ""})


def _set_archived(req: Request, base: Base, table: Table, ids: list[str], archived: bool) -> None:
    state = req.services.state
    with state.lock:
        base.conn.executemany(
            f"UPDATE {quote_ident(table.name)} SET _archived = ? WHERE _id = ?",
            [(1 if archived else 0, i) for i in ids],
        )
        base.version += 1


async def unarchive(req: Request, family: str) -> Response:
    base, _ = base_access(req, family, req.params["uuid"], write=True)
    data = await req.json_object()
    table = _table(family, base, data)
    ids = _row_ids(family, data)
    if not base.big_data:
        raise _err(family, 400, "big data storage is not enabled for this base.")
    _set_archived(req, base, table, ids, False)
    return json_response({"success": True, "task_id": str(uuid.uuid4())})


_GATEWAY: list[BaseRoute] = [
    ("rows.lock", "PUT", "lock-rows/", lock),
    ("rows.unlock", "PUT", "unlock-rows/", unlock),
    ("big_data.insert", "POST", "add-archived-rows/", insert_archived),
    ("big_data.archive", "POST", "archive-view/", archive_view),
    ("big_data.unarchive", "POST", "unarchive/", unarchive),
]
_LEGACY: list[BaseRoute] = [
    ("rows.lock", "PUT", "lock-rows/", lock),
    ("rows.unlock", "PUT", "unlock-rows/", unlock),
    ("big_data.archive", "POST", "archive-view/", archive_view),
]


def register(router: Router, version: tuple[int, int]) -> None:
    for family in families(version):
        add_routes(router, family, _GATEWAY if family == "gateway" else _LEGACY)
    if "legacy" in families(version):
        router.add(
            "legacy.big_data.insert",
            "POST",
            "/dtable-db/api/v1/insert-rows/{uuid}/",
            "legacy",
            bind(insert_archived, "legacy"),
        )
