"""Operations a client sends over Socket.IO (``update-dtable``), applied to a base.

Shapes and effects as recorded in ``seatable/openapi`` ``tests/test_websocket.py`` and its
snapshots (6.0/6.1): row ids of new rows come from the client (no ``_id`` → the row's id is
null), system fields the client does not send stay empty, ``modify_*`` write the ``updated``
cells, locks set ``_locked``/``_locked_by`` and unlocking clears both. Cells are keyed by column
key; select cells may carry option ids (as dtable-server keeps them) or names. Row operations
live here, schema operations in `_sockets.schema_ops`, the dispatch in `_sockets.apply`.

An operation that lacks a required attribute, names an unknown table/row/column, or has an
unknown ``op_type`` raises `OperationInvalid` and changes nothing (recorded for a missing
``row_datas`` and an unknown type; the others inferred).
"""

from __future__ import annotations

from typing import Any

from .._state.records import Base, Column, Table, quote_ident
from .._state.state import State
from .operation import OperationInvalid, need

__all__ = ["ROW_OPS", "apply_row_operation"]


def _option_name(col: Column, value: Any) -> Any:
    for o in (col.data or {}).get("options") or []:
        if isinstance(o, dict) and str(o.get("id")) == str(value):
            return o.get("name")
    return value


def by_name(table: Table, cells: dict[str, Any]) -> dict[str, Any]:
    """Cells keyed by column key (option ids allowed) → keyed by name for the row store."""
    out: dict[str, Any] = {}
    for key, value in cells.items():
        col = table.by_key.get(key)
        if col is None:
            continue  # system fields and unknown keys
        if col.type == "single-select" and value is not None:
            value = _option_name(col, value)
        elif col.type == "multiple-select" and isinstance(value, list):
            value = [_option_name(col, v) for v in value]
        out[col.name] = value
    return out


def _insert(
    state: State, base: Base, table: Table, datas: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Insert rows as sent; returns them with generated auto numbers filled in."""
    rows = [by_name(table, d) for d in datas]
    ids, _ = state.insert_rows(base, table, rows, "")
    name = quote_ident(table.name)
    sql = (
        f"UPDATE {name} SET _id = ?, _ctime = ?, _mtime = ?, _creator = ?, _last_modifier = ? "
        "WHERE _id = ?"
    )
    base.conn.executemany(
        sql,
        [
            (
                d.get("_id"),
                d.get("_ctime"),
                d.get("_mtime"),
                d.get("_creator"),
                d.get("_last_modifier"),
                i,
            )
            for d, i in zip(datas, ids, strict=True)
        ],
    )
    autos = [c for c in table.columns if c.type == "auto-number"]
    if not autos:
        return datas
    cols = ", ".join(quote_ident(c.name) for c in autos)
    completed = []
    for d in datas:
        found = base.conn.execute(
            f"SELECT {cols} FROM {name} WHERE _id IS ? ORDER BY rowid DESC LIMIT 1",
            (d.get("_id"),),
        ).fetchone()
        numbers = dict(zip((c.key for c in autos), found or (), strict=False))
        completed.append({**d, **numbers})
    return completed


def _move_next_to(base: Base, table: Table, anchor: str, above: bool) -> None:
    """Move the newest row next to ``anchor`` in table order."""
    name = quote_ident(table.name)
    conn = base.conn
    found = conn.execute(f"SELECT rowid FROM {name} WHERE _id = ?", (anchor,)).fetchone()
    if found is None:
        raise OperationInvalid("anchor row not found")
    last = conn.execute(f"SELECT MAX(rowid) FROM {name}").fetchone()[0]
    position = found[0] if above else found[0] + 1
    if position >= last:
        return  # already there
    # make room: shift the rows from ``position`` on by one (negated first: no clashes)
    conn.execute(
        f"UPDATE {name} SET rowid = -(rowid + 1) WHERE rowid >= ? AND rowid < ?", (position, last)
    )
    conn.execute(f"UPDATE {name} SET rowid = ? WHERE rowid = ?", (position, last))
    conn.execute(f"UPDATE {name} SET rowid = -rowid WHERE rowid < 0")


def apply_row_operation(
    state: State, base: Base, table: Table, op: dict[str, Any], kind: str, user: str
) -> dict[str, Any] | None:
    """Apply the row operation ``kind`` to ``table``; returns it completed with generated
    values when that differs from what was sent."""
    name = quote_ident(table.name)
    if kind == "append_rows":
        datas = need(op, "row_datas", list)
        if not all(isinstance(d, dict) for d in datas):
            raise OperationInvalid("row_datas invalid")
        done = _insert(state, base, table, datas)
        return {**op, "row_datas": done} if done is not datas else None
    if kind == "insert_row":
        data = need(op, "row_data", dict)
        anchor = op.get("row_id")
        done = _insert(state, base, table, [data])
        if isinstance(anchor, str):
            above = op.get("row_insert_position") == "insert_above"
            _move_next_to(base, table, anchor, above)
        return {**op, "row_data": done[0]} if done[0] is not data else None
    if kind == "modify_row":
        row_id = need(op, "row_id", str)
        state.update_rows(base, table, [(row_id, by_name(table, need(op, "updated", dict)))], user)
        return None
    if kind == "modify_rows":
        updated = need(op, "updated", dict)
        ids = need(op, "row_ids", list)
        pairs = [(i, by_name(table, updated.get(i) or {})) for i in ids if isinstance(i, str)]
        state.update_rows(base, table, pairs, user)
        return None
    if kind in ("delete_row", "delete_rows"):
        ids = [need(op, "row_id", str)] if kind == "delete_row" else need(op, "row_ids", list)
        state.delete_rows(base, table, [i for i in ids if isinstance(i, str)])
        return None
    # lock_rows / unlock_rows
    ids = [i for i in need(op, "row_ids", list) if isinstance(i, str)]
    locked, by = (1, str(op.get("locked_by") or user)) if kind == "lock_rows" else (None, None)
    marks = ", ".join("?" * len(ids))
    with state.lock:
        base.conn.execute(
            f"UPDATE {name} SET _locked = ?, _locked_by = ? WHERE _id IN ({marks})",
            (locked, by, *ids),
        )
        base.version += 1
    return None


ROW_OPS = frozenset(
    {
        "append_rows",
        "insert_row",
        "modify_row",
        "modify_rows",
        "delete_row",
        "delete_rows",
        "lock_rows",
        "unlock_rows",
    }
)
