"""Table changes of a base (create, rename, delete, duplicate), and `Schema`: every schema
operation of the emulator (tables here, columns in `ColumnSchema`, cell rewrites in
`CellSchema`).
"""

from __future__ import annotations

from typing import Any

from .._state.records import Base, Column, Table, new_key, quote_ident
from .._state.store import table_ddl
from .cell_rewrites import CellSchema
from .columns import check_name, clash, copy_json, parse_spec
from .shapes import FIRST_COLUMN_TYPES, SchemaError, default_view, table_answer, table_extra

__all__ = ["Schema", "SchemaError"]

_DEFAULT_NAMES = {"en": ("Name", "Default View"), "zh-cn": ("名称", "默认视图")}
_SYSTEM_SHOWN = ("_id", "_ctime", "_mtime", "_creator", "_last_modifier")


class Schema(CellSchema):
    """Every schema operation on one emulator state (see `ColumnSchema` for the arguments)."""

    def add_table(self, base: Base, name: Any, specs: Any, lang: Any = None) -> dict[str, Any]:
        """Create a table; ``specs`` are ``{"column_name", "column_type", "column_data"}``.
        Without columns the table gets a ``Name`` text column (``名称`` with ``lang="zh-cn"``,
        the official client's ``lang``; inferred)."""
        name = check_name(name, "table_name")
        with self.state.lock:
            if base.table(name) is not None or clash(name, (t.name for t in base.tables)):
                raise SchemaError(400, f"table {name} already exists.")
            column_name, view_name = _DEFAULT_NAMES.get(str(lang or "en"), _DEFAULT_NAMES["en"])
            if specs is None or specs == []:
                specs = [{"column_name": column_name, "column_type": "text"}]
            if not isinstance(specs, list):
                raise SchemaError(400, "columns invalid.")
            table_id = new_key({t.id for t in base.tables})
            table = Table(table_id, name, [], views=[default_view(self.version, "0000", view_name)])
            table.extra = table_extra()
            mirrors: list[tuple[Table, Column]] = []
            for index, spec in enumerate(specs):
                cname, ctype, data = parse_spec(spec)
                if index == 0 and ctype not in FIRST_COLUMN_TYPES:
                    raise SchemaError(400, f"the first column can not be a {ctype} column.")
                key = "0000" if index == 0 else new_key(set(table.by_key))
                col, mirror = self._column(base, table, cname, ctype, data, key)
                table.columns.append(col)
                table.reindex()
                if mirror is not None:
                    mirrors.append(mirror)
            base.conn.execute(table_ddl(table))
            base.tables.append(table)
            for other, col in mirrors:
                self._add_sqlite_column(base, other, col, len(other.columns))
            base.version += 1
            answer = table_answer(table, [])
        self.emit({"op_type": "insert_table", "table_data": answer})
        for other, col in mirrors:
            self._emit_insert(other, col)
        return answer

    def rename_table(self, base: Base, table: Table, new_name: Any) -> None:
        new_name = check_name(new_name, "new_table_name")
        with self.state.lock:
            others = (t.name for t in base.tables if t is not table)
            if clash(new_name, others):
                raise SchemaError(400, f"table {new_name} already exists.")
            if new_name != table.name:
                base.conn.execute(
                    f"ALTER TABLE {quote_ident(table.name)} RENAME TO {quote_ident(new_name)}"
                )
                table.name = new_name
                base.version += 1
        self.emit({"op_type": "rename_table", "table_id": table.id, "table_name": new_name})

    def delete_table(self, base: Base, table: Table) -> None:
        with self.state.lock:
            deleted = table.as_dict()
            base.conn.execute(f"DROP TABLE {quote_ident(table.name)}")
            base.tables.remove(table)
            base.version += 1
        self.emit(
            {
                "op_type": "delete_table",
                "table_id": table.id,
                "table_name": table.name,
                "deleted_table": deleted,
            }
        )

    def duplicate_table(self, base: Base, table: Table, with_rows: bool) -> dict[str, Any]:
        """Copy ``table`` as ``"<name>(copy)"`` (5.0 spec duplicateTable; 6.x
        ``test_duplicateTable``): same column keys and views; rows keep their ids (inferred)."""
        with self.state.lock:
            name = f"{table.name}(copy)"
            while clash(name, (t.name for t in base.tables)):
                name += "(copy)"
            columns = [
                Column(
                    c.key, c.name, c.type, copy_json(c.data), c.width, c.frozen, copy_json(c.extra)
                )
                for c in table.columns
            ]
            views = [copy_json(v) for v in table.views]
            copy = Table(new_key({t.id for t in base.tables}), name, columns, views=views)
            copy.extra = table_extra()
            base.conn.execute(table_ddl(copy))
            if with_rows:
                base.conn.execute(
                    f"INSERT INTO {quote_ident(name)} SELECT * FROM {quote_ident(table.name)}"
                )
            base.tables.append(copy)
            base.version += 1
            rows = self._answer_rows(base, copy) if with_rows else []
            answer = table_answer(copy, rows)
        self.emit({"op_type": "insert_table", "table_data": answer})
        return answer

    def _answer_rows(self, base: Base, table: Table) -> list[dict[str, Any]]:
        """Rows as a table object carries them: system fields and set cells by column key."""
        out = []
        for row in self.state.select_rows(base, table):
            shown = {k: row[k] for k in _SYSTEM_SHOWN if row.get(k) is not None}
            for col in table.columns:
                if row.get(col.name) is not None:
                    shown[col.key] = row[col.name]
            out.append(shown)
        return out
