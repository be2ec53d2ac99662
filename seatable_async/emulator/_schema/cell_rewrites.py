"""Schema changes that rewrite cells: a column's type, and the options of select columns.

The emulator stores select cells as option *names* (``_state.cells``), so renaming or deleting an
option rewrites the cells that hold it; changing a type converts every cell of the column.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._state import cells as _cells
from .._state.records import Base, Column, Table, quote_ident
from .._state.store import column_ddl
from .columns import ColumnSchema, copy_json
from .shapes import (
    FIRST_COLUMN_TYPES,
    TYPES,
    SchemaError,
    formula_data,
    link_formula_data,
    new_option_id,
    with_option_ids,
)

__all__ = ["CellSchema"]

_SELECTS = ("single-select", "multiple-select")
_LISTS = frozenset({"multiple-select", "collaborator", "image", "file"})
_TEXTS = frozenset({"text", "long-text", "email", "url"})
_TRUE = ("true", "1", "yes")


class CellSchema(ColumnSchema):
    """Column type changes and select options (see `ColumnSchema`)."""

    def change_type(
        self, base: Base, table: Table, col: Column, new_type: Any, data: Any
    ) -> dict[str, Any]:
        """Change ``col``'s type and convert its cells (conversion rules inferred: values are
        rewritten through the new type's normaliser; lists join with ``", "`` into text)."""
        if new_type not in TYPES:
            raise SchemaError(400, "new_column_type invalid.")
        if new_type == "link":
            raise SchemaError(400, "Switching to link column type is not allowed.")
        if data is not None and not isinstance(data, dict):
            raise SchemaError(400, "column_data invalid.")
        with self.state.lock:
            if table.columns[0] is col and new_type not in FIRST_COLUMN_TYPES:
                raise SchemaError(400, f"the first column can not be a {new_type} column.")
            old = col.as_dict()
            old_type = col.type
            cells = self._cells(base, table, col)
            conn = base.conn
            name = quote_ident(col.name)
            conn.execute(f"ALTER TABLE {quote_ident(table.name)} DROP COLUMN {name}")
            col.type = new_type
            col.data = self._new_data(table, col, old_type, data)
            conn.execute(f"ALTER TABLE {quote_ident(table.name)} ADD COLUMN {column_ddl(col)}")
            writer = self.state.codec.writer(col)
            new_cells: list[tuple[str, Any]] = []
            if new_type == "auto-number":
                self._number_rows(base, table, col)
            elif writer is not None:
                for row_id, value in cells:
                    if value is not None:
                        stored = writer(_convert(value, old_type, new_type))
                        if stored is not None:
                            new_cells.append((row_id, stored))
                conn.executemany(
                    f"UPDATE {quote_ident(table.name)} SET {name} = ? WHERE _id = ?",
                    [(v, i) for i, v in new_cells],
                )
            base.version += 1
            shown = self._cells(base, table, col)
        self.emit(
            {
                "op_type": "modify_column_type",
                "table_id": table.id,
                "column_key": col.key,
                "new_column": col.as_dict(),
                "old_column": old,
                "new_rows_data": [{"_id": i, col.key: v} for i, v in shown if v is not None],
                "old_rows_data": [{"_id": i, col.key: v} for i, v in cells if v is not None],
            }
        )
        return col.as_dict()

    def _new_data(
        self, table: Table, col: Column, old_type: str, data: dict[str, Any] | None
    ) -> dict[str, Any] | None:
        if col.type == "formula":
            return formula_data(table, data or {})
        if col.type == "link-formula":
            return link_formula_data(table, data or {})
        if col.type in _SELECTS:
            given = (data or {}).get("options")
            if given is None and old_type in _SELECTS:
                given = (col.data or {}).get("options", [])
            return {**(data or {}), "options": with_option_ids(list(given or []))}
        if data is not None:
            return dict(data)
        return _cells.default_data(col.type)

    def _cells(self, base: Base, table: Table, col: Column) -> list[tuple[str, Any]]:
        load = self.state.codec.loader(col)
        sql = f"SELECT _id, {quote_ident(col.name)} FROM {quote_ident(table.name)} ORDER BY rowid"
        rows = base.conn.execute(sql).fetchall()
        return [(i, load(v) if load and v is not None else v) for i, v in rows]

    # ---- select options --------------------------------------------------------------
    def add_options(self, base: Base, table: Table, col: Column, options: Any) -> None:
        """Add options (new names only; a name already there is skipped, inferred), each with
        a new id and, unless given, colours from the palette."""
        items = _options(col, options)
        with self.state.lock:
            data = copy_json(col.data) or {}
            stored = data.setdefault("options", [])
            names = {o.get("name") for o in stored}
            used = {str(o.get("id")) for o in stored}
            for item in items:
                if not isinstance(item.get("name"), str) or not item["name"]:
                    raise SchemaError(400, "options invalid.")
                if item["name"] in names:
                    continue
                color, text_color = _cells.PALETTE[len(stored) % len(_cells.PALETTE)]
                oid = new_option_id(used)
                used.add(oid)
                names.add(item["name"])
                stored.append(
                    {
                        "name": item["name"],
                        "color": item.get("color", color),
                        "textColor": item.get("textColor", text_color),
                        "id": oid,
                    }
                )
        self.set_column_data(base, table, col, data)

    def update_options(
        self, base: Base, table: Table, col: Column, options: Any
    ) -> list[dict[str, Any]]:
        """Change options found by ``id``; cells of a renamed option follow it."""
        items = _options(col, options)
        with self.state.lock:
            data = copy_json(col.data) or {}
            stored = {str(o.get("id")): o for o in data.setdefault("options", [])}
            renames: dict[str, str] = {}
            updated = []
            for item in items:
                option = stored.get(str(item.get("id")))
                if option is None:
                    raise SchemaError(400, f"option {item.get('id')} not found.")
                new_name = item.get("name", option["name"])
                if new_name != option["name"]:
                    if any(o["name"] == new_name for o in stored.values()):
                        raise SchemaError(400, f"option {new_name} already exists.")
                    renames[option["name"]] = new_name
                option.update({k: v for k, v in item.items() if k != "id"})
                updated.append(dict(option))
            self._rewrite(base, table, col, lambda name: renames.get(name, name))
        self.set_column_data(base, table, col, data)
        return updated

    def delete_options(self, base: Base, table: Table, col: Column, names: Any) -> None:
        """Remove options by name (unknown names ignored); cells holding them are cleared."""
        _options(col, [])
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise SchemaError(400, "option_names invalid.")
        gone = set(names)
        with self.state.lock:
            data = copy_json(col.data) or {}
            data["options"] = [o for o in data.get("options", []) if o.get("name") not in gone]
            self._rewrite(base, table, col, lambda name: None if name in gone else name)
        self.set_column_data(base, table, col, data)

    def set_cascade(
        self, base: Base, table: Table, child: Column, parent: Column, settings: Any
    ) -> None:
        """Store the cascade on the child: ``cascade_column_key`` and ``cascade_settings``
        keyed by option ids (the stored form is inferred)."""
        for col in (child, parent):
            if col.type != "single-select":
                raise SchemaError(400, f"column {col.name} is not a single-select column.")
        if not isinstance(settings, dict):
            raise SchemaError(400, "cascade_settings invalid.")
        parents = {o["name"]: o["id"] for o in (parent.data or {}).get("options", [])}
        children = {o["name"]: o["id"] for o in (child.data or {}).get("options", [])}
        cascade: dict[str, list[str]] = {}
        for key, values in settings.items():
            if key not in parents or not isinstance(values, list):
                raise SchemaError(400, f"option {key} not found.")
            missing = [v for v in values if v not in children]
            if missing:
                raise SchemaError(400, f"option {missing[0]} not found.")
            cascade[parents[key]] = [children[v] for v in values]
        data = {
            **(copy_json(child.data) or {}),
            "cascade_column_key": parent.key,
            "cascade_settings": cascade,
        }
        self.set_column_data(base, table, child, data)

    def _rewrite(
        self, base: Base, table: Table, col: Column, rename: Callable[[str], str | None]
    ) -> None:
        """Apply ``rename`` to every option name stored in ``col``'s cells."""
        updates: list[tuple[str | None, str]] = []
        for row_id, value in self._cells(base, table, col):
            if value is None:
                continue
            if col.type == "multiple-select" and isinstance(value, list):
                kept = [n for n in (rename(v) for v in value) if n is not None]
                if kept != value:
                    updates.append((_cells.to_json(kept), row_id))
            elif isinstance(value, str) and rename(value) != value:
                updates.append((rename(value), row_id))
        base.conn.executemany(
            f"UPDATE {quote_ident(table.name)} SET {quote_ident(col.name)} = ? WHERE _id = ?",
            updates,
        )


def _options(col: Column, options: Any) -> list[dict[str, Any]]:
    if col.type not in _SELECTS:
        raise SchemaError(400, f"column {col.name} is not a single or multiple select column.")
    if not isinstance(options, list) or not all(isinstance(o, dict) for o in options):
        raise SchemaError(400, "options invalid.")
    return options


def _convert(value: Any, old_type: str, new_type: str) -> Any:
    """A cell of ``old_type`` as input for a ``new_type`` writer (inferred rules)."""
    if isinstance(value, list):
        if new_type in _LISTS:
            return value
        if new_type in _TEXTS:
            return ", ".join(_cells.text(v) if not isinstance(v, str) else v for v in value)
        return value[0] if value else None
    if new_type == "checkbox":
        if isinstance(value, str):
            return value.strip().lower() in _TRUE
        return bool(value)
    if old_type == "checkbox" and new_type in _TEXTS:
        return "true" if value else "false"
    if new_type in _LISTS and not isinstance(value, list):
        return [value]
    return value
