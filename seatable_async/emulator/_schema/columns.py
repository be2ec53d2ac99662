"""Schema changes of a base: tables and columns in the metadata and in SQLite, each published
as a dtable-server operation (``_events.bus``).

Every method runs under the state's lock and raises `SchemaError` for a refused request. The
route handlers (``_routes.schema``) turn that into the route family's error body.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from .._events.bus import Operation
from .._state import cells
from .._state.records import Base, Column, Table, new_key, quote_ident
from .._state.state import State
from .._state.store import column_ddl
from .shapes import (
    TYPES,
    SchemaError,
    column_extra,
    formula_data,
    link_data,
    link_formula_data,
    mirror_link,
    with_option_ids,
)

__all__ = [
    "ColumnSchema",
    "SchemaError",
    "check_column_name",
    "check_name",
    "clash",
    "copy_json",
    "parse_spec",
]

_FORBIDDEN = ".{}`"


class ColumnSchema:
    """Column operations on one emulator state, for one server version (tables and cell
    rewrites are added by subclasses: `seatable_async.emulator._schema_tables.Schema`).

    Args:
        state: the emulator's state.
        version: the emulated version (shapes differ per version).
        emit: publishes an operation of the base being changed.
    """

    def __init__(
        self, state: State, version: tuple[int, int], emit: Callable[[Operation], None]
    ) -> None:
        self.state = state
        self.version = version
        self.emit = emit

    # ---- columns -----------------------------------------------------------------------
    def insert_column(
        self, base: Base, table: Table, name: Any, ctype: Any, data: Any, anchor: Any
    ) -> dict[str, Any]:
        spec = {"column_name": name, "column_type": ctype, "column_data": data}
        cname, kind, given = parse_spec(spec)
        with self.state.lock:
            index = len(table.columns)
            if anchor not in (None, ""):
                after = table.column(str(anchor))
                if after is None:
                    raise SchemaError(404, f"column {anchor} not found.")
                index = table.columns.index(after) + 1
            col, mirror = self._column(base, table, cname, kind, given, new_key(set(table.by_key)))
            self._add_sqlite_column(base, table, col, index)
            if mirror is not None:
                other, mirrored = mirror
                self._add_sqlite_column(base, other, mirrored, len(other.columns))
            base.version += 1
        self._emit_insert(table, col)
        if mirror is not None:
            self._emit_insert(*mirror)
        return col.as_dict()

    def append_columns(self, base: Base, table: Table, specs: Any) -> list[dict[str, Any]]:
        """Append several columns; formula, link, link-formula and auto-number columns are
        refused (5.0 spec appendColumns; 6.x ``test_columns.py``), all checked first."""
        if not isinstance(specs, list) or not specs:
            raise SchemaError(400, "columns invalid.")
        parsed = [parse_spec(s) for s in specs]
        for _, kind, _ in parsed:
            if kind in ("formula", "link", "link-formula", "auto-number"):
                raise SchemaError(400, f"column_type {kind} is not supported here.")
        names = [p[0] for p in parsed]
        if len({n.lower() for n in names}) != len(names):
            raise SchemaError(400, "column_name duplicated.")
        with self.state.lock:
            for cname in names:
                if clash(cname, table.by_name):
                    raise SchemaError(400, f"column {cname} already exists.")
            added = []
            for cname, kind, given in parsed:
                col, _ = self._column(base, table, cname, kind, given, new_key(set(table.by_key)))
                self._add_sqlite_column(base, table, col, len(table.columns))
                added.append(col)
            base.version += 1
        shown = [c.as_dict() for c in added]
        self.emit({"op_type": "insert_columns", "table_id": table.id, "insert_columns": shown})
        return shown

    def rename_column(self, base: Base, table: Table, col: Column, new_name: Any) -> None:
        new_name = check_column_name(new_name, "new_column_name")
        with self.state.lock:
            if new_name != col.name:
                if clash(new_name, (c.name for c in table.columns if c is not col)):
                    raise SchemaError(400, f"column {new_name} already exists.")
                base.conn.execute(
                    f"ALTER TABLE {quote_ident(table.name)} RENAME COLUMN "
                    f"{quote_ident(col.name)} TO {quote_ident(new_name)}"
                )
                old, col.name = col.name, new_name
                table.reindex()
                base.version += 1
            else:
                old = col.name
        self.emit(
            {
                "op_type": "rename_column",
                "table_id": table.id,
                "column_key": col.key,
                "new_column_name": new_name,
                "old_column_name": old,
            }
        )

    def resize_column(self, base: Base, table: Table, col: Column, width: Any) -> None:
        if isinstance(width, bool) or not isinstance(width, int) or width < 1:
            raise SchemaError(400, "new_column_width invalid.")
        with self.state.lock:
            old, col.width = col.width, width
            base.version += 1
        self.emit(
            {
                "op_type": "resize_column",
                "table_id": table.id,
                "column_key": col.key,
                "new_column_width": width,
                "old_column_width": old,
            }
        )

    def freeze_column(self, base: Base, table: Table, col: Column, frozen: Any) -> None:
        if not isinstance(frozen, bool):
            raise SchemaError(400, "frozen invalid.")
        with self.state.lock:
            col.frozen = frozen
            base.version += 1
        self.emit(
            {"op_type": "freeze_column", "table_id": table.id, "column_key": col.key,
             "frozen": frozen}
        )  # fmt: skip

    def move_column(self, base: Base, table: Table, col: Column, target: Column) -> None:
        """Place ``col`` right after ``target``; the first column stays first (inferred)."""
        with self.state.lock:
            if table.columns[0] is col:
                raise SchemaError(400, "the first column can not be moved.")
            if target is not col:
                table.columns.remove(col)
                table.columns.insert(table.columns.index(target) + 1, col)
                base.version += 1
        self.emit(
            {
                "op_type": "move_column",
                "table_id": table.id,
                "column_key": col.key,
                "target_column_key": target.key,
            }
        )

    def delete_column(self, base: Base, table: Table, col: Column) -> None:
        with self.state.lock:
            index = table.columns.index(col)
            if index == 0:
                raise SchemaError(400, "the first column can not be deleted.")
            base.conn.execute(
                f"ALTER TABLE {quote_ident(table.name)} DROP COLUMN {quote_ident(col.name)}"
            )
            table.columns.remove(col)
            table.reindex()
            for view in table.views:
                _forget_column(view, col.key)
            base.version += 1
            upper = table.columns[index - 1].key
        self.emit(
            {
                "op_type": "delete_column",
                "table_id": table.id,
                "column_key": col.key,
                "old_column": col.as_dict(),
                "upper_column_key": upper,
            }
        )

    def set_column_data(self, base: Base, table: Table, col: Column, data: Any) -> None:
        """Store new ``data`` for ``col`` and publish ``modify_column_data``."""
        with self.state.lock:
            col.data = data
            base.version += 1
        self.emit(
            {
                "op_type": "modify_column_data",
                "table_id": table.id,
                "column_key": col.key,
                "column_data": data,
            }
        )

    # ---- helpers -----------------------------------------------------------------------
    def _column(
        self, base: Base, table: Table, name: str, kind: str, data: dict[str, Any] | None, key: str
    ) -> tuple[Column, tuple[Table, Column] | None]:
        """A new column of ``table`` with its stored data, and the link column SeaTable adds to
        the other table for a link (not yet added anywhere)."""
        if clash(name, table.by_name):
            raise SchemaError(400, f"column {name} already exists.")
        extra = column_extra(self.version)
        mirror: tuple[Table, Column] | None = None
        if kind == "link":
            other_name = (data or {}).get("other_table")
            other = base.table(other_name) if isinstance(other_name, str) else None
            if other is None:
                raise SchemaError(400, "column_data invalid: other_table not found.")
            used = {
                str((c.data or {}).get("link_id"))
                for t in base.tables
                for c in t.columns
                if c.type == "link"
            }
            col = Column(key, name, kind, link_data(table, other, used), extra=extra)
            if other is not table:
                mname = table.name
                while clash(mname, other.by_name):
                    mname += "2"
                mkey = new_key(set(other.by_key))
                mirror = (other, mirror_link(col, mname, mkey, column_extra(self.version)))
            return col, mirror
        if kind == "formula":
            stored = formula_data(table, data or {})
        elif kind == "link-formula":
            stored = link_formula_data(table, data or {})
        elif kind in ("single-select", "multiple-select"):
            stored = {**(data or {}), "options": with_option_ids((data or {}).get("options", []))}
        elif data is not None:
            stored = dict(data)
            if kind == "auto-number":
                defaults = cells.default_data("auto-number") or {}
                stored = {**defaults, **stored, "max_used_auto_number": 0}
        else:
            stored = cells.default_data(kind)  # type: ignore[assignment]
        return Column(key, name, kind, stored, extra=extra), mirror

    def _add_sqlite_column(self, base: Base, table: Table, col: Column, index: int) -> None:
        base.conn.execute(f"ALTER TABLE {quote_ident(table.name)} ADD COLUMN {column_ddl(col)}")
        table.columns.insert(index, col)
        table.reindex()
        if col.type == "auto-number":
            self._number_rows(base, table, col)

    def _number_rows(self, base: Base, table: Table, col: Column) -> None:
        """Number the existing rows of a new auto-number column, in row order (inferred)."""
        data = col.data if col.data is not None else {}
        ids = [r[0] for r in base.conn.execute(f"SELECT _id FROM {quote_ident(table.name)}")]
        now = datetime.fromtimestamp(self.state.clock(), tz=timezone.utc)
        today = self.state.codec.zone.local(now)
        numbers = [cells.auto_number(data, n, today) for n in range(1, len(ids) + 1)]
        base.conn.executemany(
            f"UPDATE {quote_ident(table.name)} SET {quote_ident(col.name)} = ? WHERE _id = ?",
            list(zip(numbers, ids, strict=True)),
        )
        data["max_used_auto_number"] = len(ids)
        col.data = data

    def _emit_insert(self, table: Table, col: Column) -> None:
        index = table.columns.index(col)
        anchor = table.columns[index - 1].key if index > 0 else None
        self.emit(
            {
                "op_type": "insert_column",
                "table_id": table.id,
                "column_key": anchor,
                "column_data": col.as_dict(),
            }
        )


def check_name(value: Any, what: str) -> str:
    """A table or view name: a non-empty string."""
    if not isinstance(value, str) or not value.strip():
        raise SchemaError(400, f"{what} invalid.")
    return value.strip()


def check_column_name(value: Any, what: str) -> str:
    """A column name: no ``.``, ``{``, ``}`` or backtick (5.0 spec), no leading ``_``."""
    text = check_name(value, what)
    if any(c in text for c in _FORBIDDEN) or text.startswith("_"):
        raise SchemaError(400, f"{what} invalid.")
    return text


def parse_spec(value: Any) -> tuple[str, str, dict[str, Any] | None]:
    """(name, type, data) of a ``{"column_name", "column_type", "column_data"}`` object."""
    if not isinstance(value, dict):
        raise SchemaError(400, "columns invalid.")
    text = check_column_name(value.get("column_name"), "column_name")
    kind = value.get("column_type")
    if kind not in TYPES:
        raise SchemaError(400, "column_type invalid.")
    data = value.get("column_data")
    if data is not None and not isinstance(data, dict):
        raise SchemaError(400, "column_data invalid.")
    return text, str(kind), data


def clash(name: str, names: Any) -> bool:
    """SQLite names are case-insensitive, so the emulator refuses names differing only in
    case (a documented limitation)."""
    lowered = name.lower()
    return any(n.lower() == lowered for n in names)


def copy_json(value: Any) -> Any:
    """A deep copy of JSON-like data."""
    return copy.deepcopy(value)


def _forget_column(view: dict[str, Any], key: str) -> None:
    """Drop a deleted column from a view's settings (inferred)."""
    for field in ("filters", "sorts", "groupbys"):
        entries = view.get(field)
        if isinstance(entries, list):
            view[field] = [
                e for e in entries if not (isinstance(e, dict) and e.get("column_key") == key)
            ]
    hidden = view.get("hidden_columns")
    if isinstance(hidden, list):
        view["hidden_columns"] = [h for h in hidden if h != key]
