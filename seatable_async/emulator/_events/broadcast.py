"""Row writes that publish their operation on the event bus (REST routes, SQL, Socket.IO).

`BroadcastingRows` has the write methods of `RowStore` (same signatures), so a route or the SQL
runner writes through it exactly as through the store; when anyone listens on
the event bus it also builds the operation dtable-server would broadcast and emits it, under
the state lock so operations go out in the order they were applied.

Which operation a REST write becomes is not recorded (dtable-server's REST handlers are not
public); the operation *shapes* are (``seatable/openapi`` ``tests/test_websocket.py``). Chosen
here, and listed in ``docs/reference/emulator.md`` as inferred:

* batch append (gateway ``POST rows/``, legacy ``batch-append-rows/``) → ``append_rows`` with
  ``row_datas``; the legacy single-row ``POST rows/`` → ``insert_row`` below the last row,
  with ``links_data: {}`` (the shape of the developer docs' sample broadcast);
* batch update (gateway ``PUT rows/``, legacy ``batch-update-rows/``, SQL ``UPDATE``) →
  ``modify_rows`` (``row_ids``, ``updated``, ``old_rows``); legacy single ``PUT rows/`` →
  ``modify_row`` (``row_id``, ``updated``, ``old_row``);
* batch delete (and SQL ``DELETE``) → ``delete_rows`` (``row_ids``, ``deleted_rows``,
  ``upper_row_ids``); legacy single ``DELETE rows/`` → ``delete_row`` (``row_id``,
  ``deleted_row``, ``upper_row_id``);
* rows inserted into big-data storage (SQL ``INSERT``) are not broadcast: they live in
  dtable-db, not in the base dtable-server holds.

Cells are keyed by column key with the values dtable-server keeps: select cells hold option
*ids* (the official client's ``utils.convert_row`` maps them back to names), dates their
stored text, other types as stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from .._state.cells import SQL_TYPES as _SQL_TYPES
from .._state.records import Base, Column, Table, quote_ident
from .._state.state import State
from .bus import EventBus

if TYPE_CHECKING:
    from .._state.store import Inserted

__all__ = ["BroadcastingRows", "append_builder", "fetch_rows", "op_cells"]

_ROW_SYSTEM = ("_id", "_ctime", "_mtime", "_creator", "_last_modifier")
_CHUNK = 500


def _option_ids(col: Column) -> dict[str, str]:
    options = (col.data or {}).get("options") or []
    return {str(o.get("name")): str(o.get("id")) for o in options if isinstance(o, dict)}


def op_value(col: Column, value: Any) -> Any:
    """A stored value (loaded, keyed by name) as dtable-server keeps it in operations."""
    if value is None:
        return None
    convert = _op_converter(col)
    return value if convert is None else convert(value)


def _op_converter(col: Column) -> Callable[[Any], Any] | None:
    """Loaded value → operation value for ``col`` (None: as loaded), options looked up once."""
    if col.type == "single-select":
        ids = _option_ids(col)
        return lambda v: ids.get(str(v), v)
    if col.type == "multiple-select":
        ids = _option_ids(col)
        return lambda v: [ids.get(str(x), x) for x in v] if isinstance(v, list) else v
    return None


def _stored_to_op(col: Column, loader: Callable[[Any], Any] | None) -> Callable[[Any], Any]:
    """A value as handed to SQLite → as dtable-server keeps it in operations: SQLite's
    NUMERIC affinity applied (an integral float is read back as an integer, as JavaScript
    prints it), the stored form loaded, select options as ids."""
    convert = _op_converter(col)
    numeric = _SQL_TYPES.get(col.type) == "NUMERIC"

    def to_op(value: Any) -> Any:
        if numeric and type(value) is float and value.is_integer() and abs(value) < 2**63:
            value = int(value)
        if loader is not None:
            value = loader(value)
        return value if convert is None or value is None else convert(value)

    return to_op


def append_builder(state: State, table: Table, inserted: Inserted) -> Callable[[], list[Any]]:
    """A function that builds the ``row_datas`` of an ``append_rows`` operation from the
    records just inserted: system fields and every set cell keyed by column key. It captures
    what it needs, so it gives the same answer whenever it is called."""
    codec = state.codec
    position = {name: i for i, name in enumerate(inserted.names)}
    cells = [
        (position[c.name], c.key, _stored_to_op(c, codec.loader(c)))
        for c in table.columns
        if c.name in position
    ]
    records = inserted.records

    def build() -> list[Any]:
        datas = []
        for rec in records:
            data = dict(zip(_ROW_SYSTEM, rec, strict=False))
            for index, key, to_op in cells:
                value = rec[index]
                if value is not None:
                    value = to_op(value)
                    if value is not None:
                        data[key] = value
            datas.append(data)
        return datas

    return build


def op_cells(
    table: Table, row: dict[str, Any], names: Iterable[str] | None = None
) -> dict[str, Any]:
    """``row`` (by column name) keyed by column key; only ``names`` when given, else every
    set cell."""
    out: dict[str, Any] = {}
    wanted = table.by_name.keys() if names is None else names
    for name in wanted:
        col = table.by_name.get(name)
        if col is None:
            continue
        value = row.get(name)
        if names is None and value is None:
            continue
        out[col.key] = op_value(col, value)
    return out


def fetch_rows(state: State, base: Base, table: Table, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The stored rows with ``ids`` (by column name, values loaded), by row id."""
    names = [*_ROW_SYSTEM, *(c.name for c in table.columns)]
    select = ", ".join(quote_ident(n) for n in names)
    loaders = [(c.name, state.codec.loader(c)) for c in table.columns]
    out: dict[str, dict[str, Any]] = {}
    with state.lock:
        for chunk in _chunks(ids):
            marks = ", ".join("?" * len(chunk))
            sql = f"SELECT {select} FROM {quote_ident(table.name)} WHERE _id IN ({marks})"
            for rec in base.conn.execute(sql, chunk).fetchall():
                row = dict(zip(names, rec, strict=True))
                for name, load in loaders:
                    if load is not None and row[name] is not None:
                        row[name] = load(row[name])
                out[row["_id"]] = row
    return out


def upper_row_ids(base: Base, table: Table, ids: list[str]) -> list[str | None]:
    """The id of the row above each of ``ids`` (table order), None for the first row."""
    sql = (
        f"SELECT (SELECT p._id FROM {quote_ident(table.name)} p WHERE p.rowid < r.rowid "
        f"ORDER BY p.rowid DESC LIMIT 1) FROM {quote_ident(table.name)} r WHERE r._id = ?"
    )
    out: list[str | None] = []
    for row_id in ids:
        found = base.conn.execute(sql, (row_id,)).fetchone()
        out.append(found[0] if found else None)
    return out


def last_row_id(base: Base, table: Table) -> str | None:
    found = base.conn.execute(
        f"SELECT _id FROM {quote_ident(table.name)} ORDER BY rowid DESC LIMIT 1"
    ).fetchone()
    return found[0] if found else None


def _chunks(ids: list[str]) -> Iterator[list[str]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i : i + _CHUNK]


def _system(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row.get(k) for k in _ROW_SYSTEM}


class BroadcastingRows:
    """Writes rows through the state's `RowStore` and emits each write's operation.

    Args:
        state: where the rows are stored.
        events: where each write's operation is published.
        single: the write comes from a single-row endpoint (``insert_row``/``modify_row``/
            ``delete_row`` instead of the plural operations).
        origin: the Socket.IO connection that sent the write, if any (not echoed to it).
    """

    def __init__(
        self, state: State, events: EventBus, *, single: bool = False, origin: object = None
    ) -> None:
        self.state = state
        self.events = events
        self.single = single
        self.origin = origin

    def _emit(self, base: Base, operation: dict[str, Any]) -> None:
        self.events.emit(base.uuid, operation, self.origin)

    def insert_rows(
        self,
        base: Base,
        table: Table,
        rows: list[dict[str, Any]],
        creator: str,
        archived: bool = False,
    ) -> tuple[list[str], dict[str, Any] | None]:
        state = self.state
        if archived or not self.events.listening:
            return state.insert_rows(base, table, rows, creator, archived)
        with state.lock:
            anchor = last_row_id(base, table) if self.single else None
            inserted = state.insert_stored(base, table, rows, creator)
            datas = append_builder(state, table, inserted)
            op_type = "insert_row" if self.single else "append_rows"

            def build() -> dict[str, Any]:
                if self.single:
                    return {
                        "op_type": "insert_row",
                        "table_id": table.id,
                        "row_id": anchor,
                        "row_insert_position": "insert_below",
                        "row_data": datas()[0],
                        "links_data": {},
                    }
                return {"op_type": "append_rows", "table_id": table.id, "row_datas": datas()}

            self.events.emit_built_later(base.uuid, op_type, table.id, build, self.origin)
        return inserted.ids, inserted.first

    def update_rows(
        self, base: Base, table: Table, updates: Iterable[tuple[str, dict[str, Any]]], user: str
    ) -> int:
        state = self.state
        if not self.events.listening:
            return state.update_rows(base, table, updates, user)
        updates = list(updates)
        with state.lock:
            ids = list(dict.fromkeys(row_id for row_id, _ in updates))
            before = fetch_rows(state, base, table, ids)
            count = state.update_rows(base, table, updates, user)
            after = fetch_rows(state, base, table, ids)
            touched: dict[str, list[str]] = {}
            for row_id, row in updates:
                names = touched.setdefault(row_id, [])
                names += [n for n in row if n in table.by_name and n not in names]
            present = [i for i in ids if i in after]
            updated = {i: op_cells(table, after[i], touched[i]) for i in present}
            old = {i: op_cells(table, before[i], touched[i]) for i in present}
            if present:
                self._emit(base, self._modify(table, present, updated, old))
        return count

    def _modify(
        self,
        table: Table,
        ids: list[str],
        updated: dict[str, dict[str, Any]],
        old: dict[str, dict[str, Any]],
    ) -> dict[str, Any]:
        if self.single and len(ids) == 1:
            row_id = ids[0]
            return {
                "op_type": "modify_row",
                "table_id": table.id,
                "row_id": row_id,
                "updated": updated[row_id],
                "old_row": old[row_id],
            }
        return {
            "op_type": "modify_rows",
            "table_id": table.id,
            "row_ids": ids,
            "updated": updated,
            "old_rows": old,
        }

    def delete_rows(self, base: Base, table: Table, row_ids: list[str]) -> int:
        state = self.state
        if not self.events.listening:
            return state.delete_rows(base, table, row_ids)
        with state.lock:
            ids = list(dict.fromkeys(row_ids))
            before = fetch_rows(state, base, table, ids)
            present = [i for i in ids if i in before]
            uppers = upper_row_ids(base, table, present)
            count = state.delete_rows(base, table, row_ids)
            deleted = [{**_system(before[i]), **op_cells(table, before[i])} for i in present]
            if self.single and len(present) == 1:
                op: dict[str, Any] = {
                    "op_type": "delete_row",
                    "table_id": table.id,
                    "row_id": present[0],
                    "deleted_row": deleted[0],
                    "upper_row_id": uppers[0],
                }
            else:
                op = {
                    "op_type": "delete_rows",
                    "table_id": table.id,
                    "row_ids": present,
                    "deleted_rows": deleted,
                    "upper_row_ids": uppers,
                }
            if present:
                self._emit(base, op)
        return count
