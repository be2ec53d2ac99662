"""Column, table and view operations sent over Socket.IO, applied to a base's metadata.

Recorded in ``seatable/openapi`` ``tests/test_websocket.py`` and its snapshots: columns and
tables sent by a client are stored exactly as sent (no defaults added), ``modify_column_type``
replaces the column with ``new_column``, ``modify_column_data`` sets the given ``data``
attributes (merged into the existing ``data``: inferred), resize/freeze set ``width``/``frozen``,
view operations set the attribute they name, and ``modify_header_lock`` exists only here.
"""

from __future__ import annotations

from typing import Any

from .._state import cells
from .._state.records import Base, Column, Table, quote_ident
from .._state.state import State
from .operation import OperationInvalid, need, table_of

__all__ = ["SCHEMA_OPS", "apply_schema"]

_SHOWN = ("key", "name", "type", "data")
#: View operations: the attributes each one copies from the operation into the view.
VIEW_FIELDS: dict[str, tuple[str, ...]] = {
    "modify_filters": ("filters", "filter_conjunction"),
    "modify_sorts": ("sorts",),
    "modify_groupbys": ("groupbys",),
    "modify_hidden_columns": ("hidden_columns",),
    "modify_view_lock": ("is_locked",),
    "modify_row_height": ("row_height",),
}


def _sent_column(data: Any) -> Column:
    if not isinstance(data, dict):
        raise OperationInvalid("column invalid")
    key, name, ctype = data.get("key"), data.get("name"), data.get("type")
    if not (isinstance(key, str) and isinstance(name, str) and isinstance(ctype, str)):
        raise OperationInvalid("column needs key, name and type")
    if name.startswith("_"):
        raise OperationInvalid("reserved column name")
    col_data = data.get("data")
    extra = {k: v for k, v in data.items() if k not in _SHOWN or k == "data"}
    data_dict = col_data if isinstance(col_data, dict) else None
    return Column(key, name, ctype, data_dict, extra=extra, as_sent=True)


def _add_columns(base: Base, table: Table, cols: list[Column], after: str | None) -> None:
    for col in cols:
        if col.key in table.by_key or col.name in table.by_name:
            raise OperationInvalid("column exists")
    for col in cols:
        decl = cells.SQL_TYPES.get(col.type, "")
        base.conn.execute(
            f"ALTER TABLE {quote_ident(table.name)} ADD COLUMN {quote_ident(col.name)} {decl}"
        )
    at = len(table.columns)
    if after is not None and after in table.by_key:
        at = table.columns.index(table.by_key[after]) + 1
    table.columns[at:at] = cols
    table.reindex()


def _column(table: Table, op: dict[str, Any]) -> Column:
    col = table.by_key.get(need(op, "column_key", str))
    if col is None:
        raise OperationInvalid("column not found")
    return col


def _rename(base: Base, table: Table, col: Column, name: str) -> None:
    if name != col.name:
        if not name or name.startswith("_") or name in table.by_name:
            raise OperationInvalid("column name invalid")
        base.conn.execute(
            f"ALTER TABLE {quote_ident(table.name)} RENAME COLUMN {quote_ident(col.name)} "
            f"TO {quote_ident(name)}"
        )
        col.name = name
        table.reindex()


def _column_op(base: Base, table: Table, op: dict[str, Any], kind: str) -> None:
    if kind == "insert_column":
        anchor = op.get("column_key")
        _add_columns(base, table, [_sent_column(op.get("column_data"))], anchor)
        return
    if kind == "insert_columns":
        _add_columns(base, table, [_sent_column(c) for c in need(op, "insert_columns", list)], None)
        return
    col = _column(table, op)
    if kind == "delete_column":
        base.conn.execute(
            f"ALTER TABLE {quote_ident(table.name)} DROP COLUMN {quote_ident(col.name)}"
        )
        table.columns.remove(col)
        table.reindex()
    elif kind == "rename_column":
        _rename(base, table, col, need(op, "new_column_name", str))
    elif kind == "resize_column":
        col.width = int(need(op, "new_column_width", (int, float)))
        if col.as_sent:
            col.extra["width"] = col.width
    elif kind == "freeze_column":
        col.frozen = bool(op.get("frozen"))
        if col.as_sent:
            col.extra["frozen"] = col.frozen
    elif kind == "modify_column_type":
        new = _sent_column({**need(op, "new_column", dict), "key": col.key})
        _rename(base, table, col, new.name)
        col.type, col.data, col.extra, col.as_sent = new.type, new.data, new.extra, True
    else:  # modify_column_data
        data = need(op, "column_data", dict)
        col.data = {**(col.data or {}), **data}


def _insert_table(state: State, base: Base, op: dict[str, Any]) -> None:
    data = need(op, "table_data", dict)
    table_id, name = data.get("_id"), data.get("name")
    columns = data.get("columns") or []
    if not isinstance(table_id, str) or not isinstance(name, str) or not name:
        raise OperationInvalid("table_data needs _id and name")
    if base.table(name) is not None or any(t.id == table_id for t in base.tables):
        raise OperationInvalid("table exists")
    if not isinstance(columns, list):
        raise OperationInvalid("columns invalid")
    cols = [_sent_column(c) for c in columns]
    table = state.create_table(base, name, {})
    table.id = table_id
    _add_columns(base, table, cols, None)
    views = data.get("views")
    if isinstance(views, list) and all(isinstance(v, dict) for v in views):
        table.views = [dict(v) for v in views]
    table.is_header_locked = bool(data.get("is_header_locked"))


def _table_op(state: State, base: Base, op: dict[str, Any], kind: str) -> None:
    if kind == "insert_table":
        _insert_table(state, base, op)
        return
    table = table_of(base, op)
    if kind == "rename_table":
        name = need(op, "table_name", str)
        if not name or (name != table.name and base.table(name) is not None):
            raise OperationInvalid("table name invalid")
        base.conn.execute(f"ALTER TABLE {quote_ident(table.name)} RENAME TO {quote_ident(name)}")
        table.name = name
    elif kind == "delete_table":
        base.conn.execute(f"DROP TABLE {quote_ident(table.name)}")
        base.tables.remove(table)
    else:  # modify_header_lock
        table.is_header_locked = bool(op.get("is_header_locked"))


def _view_op(base: Base, op: dict[str, Any], kind: str) -> None:
    table = table_of(base, op)
    if kind == "insert_view":
        view = need(op, "view_data", dict)
        if not isinstance(view.get("_id"), str):
            raise OperationInvalid("view_data needs _id")
        table.views.append(dict(view))
        return
    view_id = need(op, "view_id", str)
    view = next((v for v in table.views if v.get("_id") == view_id), None)
    if view is None:
        raise OperationInvalid("view not found")
    if kind == "delete_view":
        table.views.remove(view)
    elif kind == "rename_view":
        view["name"] = need(op, "view_name", str)
    else:
        for field_name in VIEW_FIELDS[kind]:
            if field_name in op:
                view[field_name] = op[field_name]


_COLUMN_OPS = frozenset(
    {
        "insert_column",
        "insert_columns",
        "delete_column",
        "rename_column",
        "resize_column",
        "freeze_column",
        "modify_column_type",
        "modify_column_data",
    }
)
_TABLE_OPS = frozenset({"insert_table", "rename_table", "delete_table", "modify_header_lock"})
_VIEW_OPS = frozenset({"insert_view", "delete_view", "rename_view", *VIEW_FIELDS})
SCHEMA_OPS = _COLUMN_OPS | _TABLE_OPS | _VIEW_OPS


def apply_schema(state: State, base: Base, op: dict[str, Any], kind: str) -> None:
    """Apply one column, table or view operation (under the state lock).

    Raises:
        OperationInvalid: nothing was changed.
    """
    if kind in _COLUMN_OPS:
        _column_op(base, table_of(base, op), op, kind)
    elif kind in _TABLE_OPS:
        _table_op(state, base, op, kind)
    else:
        _view_op(base, op, kind)
