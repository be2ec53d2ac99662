"""Row storage: one SQLite table per SeaTable table, values normalised by the cell codec."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from itertools import repeat
from pathlib import Path
from typing import Any

import attrs

from . import cells as _cells
from . import dates
from .cells import CellCodec
from .records import (
    SYSTEM_COLUMNS,
    Base,
    Column,
    Table,
    iso,
    new_key,
    new_row_id,
    new_row_ids,
    quote_ident,
)

ColumnSpec = str | Mapping[str, Any]

_INSERTED_HEAD = ("_id", "_ctime", "_mtime", "_creator", "_last_modifier", "_archived")


@attrs.frozen
class Inserted:
    """Rows just inserted: their ids, the first row as `RowStore.insert_rows` answers it, and
    the records as handed to SQLite (``names`` are the record's fields: system fields, then
    the written columns by name)."""

    ids: list[str]
    first: dict[str, Any] | None
    names: tuple[str, ...]
    records: list[tuple[Any, ...]]


def column_from_spec(name: str, spec: ColumnSpec, key: str) -> Column:
    """A column from ``"number"`` or ``{"type": "date", "data": {"format": ...}}``."""
    if isinstance(spec, str):
        ctype, data = spec, None
    else:
        ctype, data = str(spec["type"]), spec.get("data")
    merged = _cells.default_data(ctype)
    if data:
        merged = {**(merged or {}), **dict(data)}
    return Column(key, name, ctype, merged)


def column_ddl(col: Column) -> str:
    """The SQLite declaration of a column: its name and the type's affinity."""
    return f"{quote_ident(col.name)} {_cells.SQL_TYPES.get(col.type, '')}".rstrip()


def table_ddl(table: Table, name: str | None = None) -> str:
    """``CREATE TABLE`` for ``table`` (under ``name`` when given): system columns, then the
    table's columns."""
    col_sql = ", ".join(column_ddl(c) for c in table.columns)
    return (
        f"CREATE TABLE {quote_ident(name or table.name)} ("
        "_id TEXT PRIMARY KEY DEFAULT (seatable_row_id()), "
        "_ctime TEXT COLLATE SEADATE DEFAULT (seatable_now()), "
        "_mtime TEXT COLLATE SEADATE DEFAULT (seatable_now()), "
        "_creator TEXT, _last_modifier TEXT, _archived INTEGER NOT NULL DEFAULT 0, "
        "_locked INTEGER, _locked_by TEXT" + (", " + col_sql if col_sql else "") + ")"
    )


class RowStore:
    """Reads and writes rows of bases; every call runs under the state's lock."""

    def __init__(
        self,
        codec: CellCodec,
        clock: Callable[[], float],
        lock: threading.RLock,
        db_path: Path | None,
        functions: Callable[[sqlite3.Connection], None] | None = None,
    ) -> None:
        self.codec = codec
        self.clock = clock
        self.lock = lock
        self.db_path = db_path
        self._functions = functions

    def connect(self, base_uuid: str) -> sqlite3.Connection:
        if self.db_path is not None:
            self.db_path.mkdir(parents=True, exist_ok=True)
            target = str(self.db_path / f"{base_uuid}.sqlite3")
        else:
            target = ":memory:"
        conn = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        conn.create_function("seatable_row_id", 0, new_row_id)
        conn.create_function("seatable_now", 0, lambda: iso(self.clock()))
        conn.create_collation("SEADATE", dates.collation(self.codec.zone))  # type: ignore[arg-type]
        if self._functions is not None:
            self._functions(conn)
        conn.execute("PRAGMA journal_mode=MEMORY")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA case_sensitive_like=ON")  # SeaTable's LIKE is case-sensitive
        return conn

    def create_table(self, base: Base, name: str, columns: Mapping[str, ColumnSpec]) -> Table:
        used: set[str] = set()
        cols: list[Column] = []
        for i, (cname, spec) in enumerate(columns.items()):
            if cname.startswith("_"):
                raise ValueError(f"column name {cname!r} is reserved")
            key = "0000" if i == 0 else new_key(used)
            used.add(key)
            cols.append(column_from_spec(cname, spec, key))
        table_id = "0000" if not base.tables else new_key({t.id for t in base.tables})
        table = Table(table_id, name, cols)
        with self.lock:
            base.conn.execute(table_ddl(table))
            base.tables.append(table)
        return table

    # ---- writes --------------------------------------------------------------------------
    def _writers(self, table: Table, names: Iterable[str]) -> list[tuple[str, Any]]:
        out = []
        for n in names:
            col = table.by_name.get(n)
            if col is None:
                continue  # unknown keys and system fields (_ctime, _creator ...) are ignored
            writer = self.codec.writer(col)
            if writer is not None:
                out.append((n, writer))
        return out

    def insert_rows(
        self,
        base: Base,
        table: Table,
        rows: list[dict[str, Any]],
        creator: str,
        archived: bool = False,
    ) -> tuple[list[str], dict[str, Any] | None]:
        """Insert rows (keyed by column name) in one transaction.

        Returns the new row ids and the first row as stored (keyed by column name: ``_id``,
        ``_creator``, ``_last_modifier``, the written columns and generated auto numbers)."""
        inserted = self.insert_stored(base, table, rows, creator, archived)
        return inserted.ids, inserted.first

    def insert_stored(
        self,
        base: Base,
        table: Table,
        rows: list[dict[str, Any]],
        creator: str,
        archived: bool = False,
    ) -> Inserted:
        """`insert_rows`, also returning the stored records as written (for operations)."""
        names: list[str] = []
        seen: set[str] = set()
        for row in rows:
            for k in row:
                if k not in seen:
                    seen.add(k)
                    names.append(k)
        with self.lock:
            writers = self._writers(table, names)
            autos = [c for c in table.columns if c.type == "auto-number"]
            auto_names = [c.name for c in autos]
            writers = [(n, w) for n, w in writers if n not in auto_names]
            n_rows = len(rows)
            ids = new_row_ids(n_rows)
            now = iso(self.clock())
            # column by column: values that already have the stored type skip the writer
            values = [_cells.write_column([row.get(n) for row in rows], w) for n, w in writers]
            if autos:
                values += self._auto_numbers(autos, rows)
            columns = [n for n, _ in writers] + auto_names
            cells = list(
                zip(
                    ids,
                    repeat(now, n_rows),
                    repeat(now, n_rows),
                    repeat(creator, n_rows),
                    repeat(creator, n_rows),
                    repeat(1 if archived else 0, n_rows),
                    *values,
                    strict=False,
                )
            )
            sql = (
                f"INSERT INTO {quote_ident(table.name)} "
                "(_id, _ctime, _mtime, _creator, _last_modifier, _archived"
                + "".join(", " + quote_ident(n) for n in columns)
                + ") VALUES (?, ?, ?, ?, ?, ?"
                + ", ?" * len(columns)
                + ")"
            )
            conn = base.conn
            conn.execute("BEGIN")
            try:
                conn.executemany(sql, cells)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            base.version += 1
        fields = (*_INSERTED_HEAD, *columns)
        if not rows:
            return Inserted(ids, None, fields, cells)
        first: dict[str, Any] = {"_id": ids[0], "_creator": creator, "_last_modifier": creator}
        stored = dict(zip(fields, cells[0], strict=True))
        for name in columns:
            if name in rows[0] or name in auto_names:
                first[name] = self.show(table.by_name[name], stored[name])
        return Inserted(ids, first, fields, cells)

    def _auto_numbers(self, autos: list[Column], rows: list[dict[str, Any]]) -> list[list[Any]]:
        today = self.codec.zone.local(datetime.fromtimestamp(self.clock(), tz=timezone.utc))
        out = []
        for col in autos:
            data = col.data if col.data is not None else {}
            n = int(data.get("max_used_auto_number") or 0)
            numbers: list[Any] = []
            for row in rows:
                given = row.get(col.name)
                if given is not None and given != "":
                    numbers.append(_cells.text(given))  # overwritable, as recorded (#4)
                else:
                    n += 1
                    numbers.append(_cells.auto_number(data, n, today))
            data["max_used_auto_number"] = n
            col.data = data
            out.append(numbers)
        return out

    def update_rows(
        self, base: Base, table: Table, updates: Iterable[tuple[str, dict[str, Any]]], user: str
    ) -> int:
        count = 0
        with self.lock:
            now = iso(self.clock())
            conn = base.conn
            conn.execute("BEGIN")
            try:
                for row_id, row in updates:
                    writers = self._writers(table, row)
                    sets = "".join(f", {quote_ident(n)} = ?" for n, _ in writers)
                    sql = (
                        f"UPDATE {quote_ident(table.name)} SET _mtime = ?, _last_modifier = ?"
                        f"{sets} WHERE _id = ?"
                    )
                    values = [w(row[n]) for n, w in writers]
                    count += conn.execute(sql, (now, user, *values, row_id)).rowcount
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            base.version += 1
        return count

    def delete_rows(self, base: Base, table: Table, row_ids: list[str]) -> int:
        with self.lock:
            conn = base.conn
            conn.execute("BEGIN")
            cur = conn.executemany(
                f"DELETE FROM {quote_ident(table.name)} WHERE _id = ?", [(r,) for r in row_ids]
            )
            conn.execute("COMMIT")
            base.version += 1
            return cur.rowcount

    # ---- reads ---------------------------------------------------------------------------
    def select_rows(
        self,
        base: Base,
        table: Table,
        start: int = 0,
        limit: int = -1,
        row_id: str | None = None,
        order_by: str | None = None,
        descending: bool = False,
        archived: bool = True,
    ) -> list[dict[str, Any]]:
        """Rows keyed by column name (every column, unset = None) plus system columns, as
        stored (dates as local wall time). ``order_by`` (a column name; unknown names are
        ignored) sorts before paging; ``archived=False`` leaves big-data rows out."""
        cols = table.columns
        select = ", ".join([*SYSTEM_COLUMNS, *(quote_ident(c.name) for c in cols)])
        sql = f"SELECT {select} FROM {quote_ident(table.name)}"
        args: tuple[Any, ...]
        if row_id is not None:
            sql += " WHERE _id = ?"
            args = (row_id,)
        else:
            if not archived:
                sql += " WHERE _archived = 0"
            if order_by is not None and (order_by in table.by_name or order_by in SYSTEM_COLUMNS):
                direction = " DESC" if descending else ""
                sql += f" ORDER BY {quote_ident(order_by)}{direction}, rowid"
            else:
                sql += " ORDER BY rowid"
            sql += " LIMIT ? OFFSET ?"
            args = (limit, start)
        with self.lock:
            fetched = base.conn.execute(sql, args).fetchall()
        names = [*SYSTEM_COLUMNS, *(c.name for c in cols)]
        loaders = [(c.name, load) for c in cols if (load := self.codec.loader(c)) is not None]
        out = [dict(zip(names, rec, strict=False)) for rec in fetched]
        for row in out:
            row["_archived"] = bool(row["_archived"])
            for name, load in loaders:
                v = row[name]
                if v is not None:
                    row[name] = load(v)
        return out

    def show(self, col: Column, stored_sql_value: Any) -> Any:
        """A value as written to SQLite, as the gateway shows it."""
        show = self.shower(col)
        return show(stored_sql_value) if show is not None else stored_sql_value

    def shower(self, col: Column) -> Callable[[Any], Any] | None:
        """`show` for one column, decided once (None: values show as stored). A whole SQL
        answer uses it, so the per-type lookups are not repeated for every cell."""
        load, shower = self.codec.loader(col), self.codec.shower(col)
        if load is None:
            return shower
        if shower is None:
            return lambda v: load(v) if v is not None else None
        return lambda v: shower(load(v) if v is not None else None)

    def count_rows(self, base: Base) -> int:
        with self.lock:
            return sum(
                base.conn.execute(f"SELECT COUNT(*) FROM {quote_ident(t.name)}").fetchone()[0]
                for t in base.tables
            )
