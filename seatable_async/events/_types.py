"""The values a live-events stream yields, and how a server operation becomes one.

SeaTable broadcasts each change of a base as one *operation* (``update-dtable``): a JSON object
with an ``op_type`` and its attributes, cells keyed by column **key** with the values the server
keeps (select cells hold option ids). Each operation becomes one event; ``cells`` keep the
server's keys and values untouched, ``values`` give the same cells by column **name** with
option ids turned into option names, when the stream knows the base's structure.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import attrs

from seatable_async.models import Metadata

__all__ = [
    "Event",
    "EventsDropped",
    "NotificationReceived",
    "OtherOperation",
    "Reconnected",
    "RowData",
    "RowUpdate",
    "RowsDeleted",
    "RowsInserted",
    "RowsLocked",
    "RowsUpdated",
    "SchemaChanged",
    "TableOperation",
]

_EMPTY: Mapping[str, Any] = MappingProxyType({})


def _frozen_map(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(value))


@attrs.frozen(kw_only=True)
class Event:
    """Something the stream delivers.

    Attributes:
        received_at: Unix time (the client's clock) when the stream received it.
    """

    received_at: float


@attrs.frozen(kw_only=True)
class TableOperation(Event):
    """A change of the base, as the server broadcast it.

    Attributes:
        op_type: the server's operation name (``"append_rows"``, ``"rename_column"``, …).
        table_id: the table it concerns (None for operations without one).
        table_name: the table's name when the stream knows it, else None.
        version: the base's version the server sent with it, if any.
        raw: the operation exactly as received (read-only).
    """

    op_type: str
    table_id: str | None
    table_name: str | None
    version: int | None
    raw: Mapping[str, Any] = attrs.field(converter=_frozen_map, repr=False)


@attrs.frozen(kw_only=True)
class RowData:
    """One row's cells in an operation.

    Attributes:
        row_id: the row's ``_id`` (None if the operation carried none).
        cells: the cells as sent: column key → value as the server keeps it.
        values: the same by column name, option ids as option names (empty when the
            stream has no names: ``names=False``, or a column it does not know yet).
    """

    row_id: str | None
    cells: Mapping[str, Any] = attrs.field(converter=_frozen_map)
    values: Mapping[str, Any] = attrs.field(converter=_frozen_map, default=_EMPTY)


@attrs.frozen(kw_only=True)
class RowUpdate(RowData):
    """One row's change: ``cells``/``values`` are the new values of the changed columns,
    ``old_cells``/``old_values`` what they were (as far as the server sent them)."""

    old_cells: Mapping[str, Any] = attrs.field(converter=_frozen_map, default=_EMPTY)
    old_values: Mapping[str, Any] = attrs.field(converter=_frozen_map, default=_EMPTY)


@attrs.frozen(kw_only=True)
class RowsInserted(TableOperation):
    """Rows were added (``append_rows``, ``insert_row``, ``insert_rows``)."""

    rows: tuple[RowData, ...]

    @property
    def row_ids(self) -> tuple[str | None, ...]:
        return tuple(r.row_id for r in self.rows)


@attrs.frozen(kw_only=True)
class RowsUpdated(TableOperation):
    """Rows were changed (``modify_row``, ``modify_rows``)."""

    rows: tuple[RowUpdate, ...]

    @property
    def row_ids(self) -> tuple[str | None, ...]:
        return tuple(r.row_id for r in self.rows)


@attrs.frozen(kw_only=True)
class RowsDeleted(TableOperation):
    """Rows were deleted (``delete_row``, ``delete_rows``); ``rows`` carry the deleted cells
    when the server sent them."""

    rows: tuple[RowData, ...]

    @property
    def row_ids(self) -> tuple[str | None, ...]:
        return tuple(r.row_id for r in self.rows)


@attrs.frozen(kw_only=True)
class RowsLocked(TableOperation):
    """Rows were locked (``locked`` True, ``locked_by`` set) or unlocked."""

    row_ids: tuple[str, ...]
    locked: bool
    locked_by: str | None


@attrs.frozen(kw_only=True)
class SchemaChanged(TableOperation):
    """A column, table or view changed; ``target`` is ``"column"``, ``"table"`` or ``"view"``.
    The stream refreshes its column names before the next event."""

    target: str


@attrs.frozen(kw_only=True)
class OtherOperation(TableOperation):
    """An operation the SDK has no type for (see ``op_type`` and ``raw``)."""


@attrs.frozen(kw_only=True)
class NotificationReceived(Event):
    """A ``new-notification`` message (read-only mapping as received)."""

    data: Mapping[str, Any] = attrs.field(converter=_frozen_map)


@attrs.frozen(kw_only=True)
class Reconnected(Event):
    """The stream lost its connection and is back: changes made between ``disconnected_at``
    and ``received_at`` were not delivered. Re-read what you need, e.g. with
    ``await stream.changed_rows(table, since=event.disconnected_at)``.

    Attributes:
        disconnected_at: Unix time (client clock) when the connection was found lost.
        attempts: connection attempts it took.
    """

    disconnected_at: float
    attempts: int


@attrs.frozen(kw_only=True)
class EventsDropped(Event):
    """The consumer fell behind and the buffer was full: ``count`` of the oldest events,
    received from ``since`` on, were dropped. The events after this marker are complete."""

    count: int
    since: float


_INSERTS = frozenset({"append_rows", "insert_row", "insert_rows"})
_UPDATES = frozenset({"modify_row", "modify_rows"})
_DELETES = frozenset({"delete_row", "delete_rows"})
_LOCKS = frozenset({"lock_rows", "unlock_rows"})
_TABLE_OPS = frozenset({"insert_table", "rename_table", "delete_table", "modify_header_lock"})


def _schema_target(op_type: str) -> str | None:
    if op_type in _TABLE_OPS:
        return "table"
    if "column" in op_type:
        return "column"
    if "view" in op_type or op_type in (
        "modify_filters",
        "modify_sorts",
        "modify_groupbys",
        "modify_hidden_columns",
        "modify_row_height",
    ):
        return "view"
    return None


class Names:
    """Column names and select options of a base, from its metadata."""

    def __init__(self, metadata: Metadata | None) -> None:
        self.tables: dict[str, str] = {}
        # table id → column key → (name, option id → name; None for non-select columns)
        self.columns: dict[str, dict[str, tuple[str, dict[str, str] | None]]] = {}
        for table in metadata.tables if metadata is not None else ():
            self.tables[table.id] = table.name
            cols: dict[str, tuple[str, dict[str, str] | None]] = {}
            for col in table.columns:
                options = (col.data or {}).get("options") if col.data else None
                ids = {
                    str(o.get("id")): str(o.get("name"))
                    for o in options or ()
                    if isinstance(o, dict)
                }
                cols[col.key] = (col.name, ids if col.type.endswith("select") else None)
            self.columns[table.id] = cols

    def misses(self, table_id: str | None, cells: Mapping[str, Any]) -> set[tuple[str, str]]:
        """What ``cells`` name that these names lack: (column key, option id) pairs, the
        option id empty for an unknown column."""
        cols = self.columns.get(table_id or "")
        if cols is None:
            return {(table_id or "", "")}
        out: set[tuple[str, str]] = set()
        for key, value in cells.items():
            if key.startswith("_"):
                continue
            known = cols.get(key)
            if known is None:
                out.add((key, ""))
                continue
            options = known[1]
            if options is not None and value is not None:
                for v in value if isinstance(value, list) else [value]:
                    if str(v) not in options and str(v) not in options.values():
                        out.add((key, str(v)))
        return out

    def values(self, table_id: str | None, cells: Mapping[str, Any]) -> dict[str, Any]:
        cols = self.columns.get(table_id or "")
        if not cols:
            return {}
        out: dict[str, Any] = {}
        for key, value in cells.items():
            if key.startswith("_"):
                out[key] = value
                continue
            known = cols.get(key)
            if known is None:
                continue
            name, options = known
            if options and isinstance(value, list):
                value = [options.get(str(v), v) for v in value]
            elif options and value is not None:
                value = options.get(str(value), value)
            out[name] = value
        return out


def row_cells(op: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Every cells mapping a row operation carries (to look for unknown names)."""
    found: list[Any] = [op.get("row_data"), op.get("updated"), op.get("deleted_row")]
    found += _list(op.get("row_datas")) + _list(op.get("deleted_rows"))
    if op.get("op_type") == "modify_rows":
        found = [v for v in _dict(op.get("updated")).values()]
    return [c for c in found if isinstance(c, dict)]


def event_class(op_type: str) -> type[TableOperation]:
    """The event class an operation becomes."""
    if op_type in _INSERTS:
        return RowsInserted
    if op_type in _UPDATES:
        return RowsUpdated
    if op_type in _DELETES:
        return RowsDeleted
    if op_type in _LOCKS:
        return RowsLocked
    return SchemaChanged if _schema_target(op_type) is not None else OtherOperation


def _row(names: Names, table_id: str | None, cells: Any, row_id: Any = None) -> RowData:
    cells = cells if isinstance(cells, dict) else {}
    rid = row_id if row_id is not None else cells.get("_id")
    return RowData(
        row_id=rid if isinstance(rid, str) else None,
        cells=cells,
        values=names.values(table_id, cells),
    )


def _update(names: Names, table_id: str | None, row_id: Any, new: Any, old: Any) -> RowUpdate:
    new = new if isinstance(new, dict) else {}
    old = old if isinstance(old, dict) else {}
    return RowUpdate(
        row_id=row_id if isinstance(row_id, str) else None,
        cells=new,
        values=names.values(table_id, new),
        old_cells=old,
        old_values=names.values(table_id, old),
    )


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def to_event(
    op: Mapping[str, Any], names: Names, *, received_at: float, version: int | None
) -> TableOperation:
    """The event for one operation (never raises on odd shapes: `OtherOperation`)."""
    op_type = str(op.get("op_type", ""))
    raw_table = op.get("table_id")
    table_id = raw_table if isinstance(raw_table, str) else None
    common: dict[str, Any] = {
        "op_type": op_type,
        "table_id": table_id,
        "table_name": names.tables.get(table_id or ""),
        "version": version,
        "raw": op,
        "received_at": received_at,
    }
    if op_type in _INSERTS:
        datas = [op.get("row_data")] if op_type == "insert_row" else _list(op.get("row_datas"))
        return RowsInserted(rows=tuple(_row(names, table_id, d) for d in datas), **common)
    if op_type in _UPDATES:
        if op_type == "modify_row":
            updates = [
                _update(names, table_id, op.get("row_id"), op.get("updated"), op.get("old_row"))
            ]
        else:
            new, old = _dict(op.get("updated")), _dict(op.get("old_rows"))
            updates = [
                _update(names, table_id, i, new.get(i), old.get(i))
                for i in _list(op.get("row_ids"))
            ]
        return RowsUpdated(rows=tuple(updates), **common)
    if op_type in _DELETES:
        if op_type == "delete_row":
            rows = [_row(names, table_id, op.get("deleted_row"), op.get("row_id"))]
        else:
            deleted = {
                d.get("_id"): d for d in _list(op.get("deleted_rows")) if isinstance(d, dict)
            }
            rows = [_row(names, table_id, deleted.get(i), i) for i in _list(op.get("row_ids"))]
        return RowsDeleted(rows=tuple(rows), **common)
    if op_type in _LOCKS:
        ids = tuple(i for i in _list(op.get("row_ids")) if isinstance(i, str))
        by = op.get("locked_by")
        locked = op_type == "lock_rows"
        return RowsLocked(
            row_ids=ids, locked=locked, locked_by=by if isinstance(by, str) else None, **common
        )
    target = _schema_target(op_type)
    if target is not None:
        return SchemaChanged(target=target, **common)
    return OtherOperation(**common)
