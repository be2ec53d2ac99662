"""The row activities of one base, as ``GET activities/`` answers them (shape: 6.x
``test_activities/test_listRowActivities`` snapshot; v5.0 spec ``listRowActivities``).

Inferred: ``op_user`` taken from the row's ``_creator``/``_last_modifier`` when the operation
carries them, and ``row_name`` from the table's first column.

Like dtable-events, which works through a queue of operations, the log keeps each operation
as it was published (one entry per write, whatever its row count) and builds the per-row
activities only when they are read: a 100,000-row import costs a list append, not 100,000
activity records.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from attrs import define, field

from .records import Table

__all__ = ["ROW_OPS", "ActivityLog", "Columns", "cell_changes", "row_changes"]


# Row operations (dtable-server's vocabulary) → the activity's op_type.
ROW_OPS = {
    "append_rows": "insert_row",
    "insert_row": "insert_row",
    "modify_row": "modify_row",
    "modify_rows": "modify_row",
    "delete_row": "delete_row",
    "delete_rows": "delete_row",
}

# (key, name, type, data) of each column when the operation was applied.
Columns = tuple[tuple[str, str, str, Any], ...]


@define
class _Entry:
    kind: str
    table_id: str
    table_name: str
    columns: Columns
    op: Callable[[], dict[str, Any]]
    op_time: str
    first_id: int = 0


@define
class ActivityLog:
    """The row operations of one base, expanded into activities on read."""

    _entries: list[_Entry] = field(factory=list)
    _by_row: dict[str, list[tuple[int, int]]] = field(factory=dict)
    _indexed: int = 0
    _next_id: int = 1

    def record(
        self, kind: str, table: Table, op: Callable[[], dict[str, Any]], op_time: str
    ) -> None:
        """Keep one published row operation (``kind``: the activity's ``op_type``; ``op``
        builds the operation)."""
        columns = tuple((c.key, c.name, c.type, c.data) for c in table.columns)
        self._entries.append(_Entry(kind, table.id, table.name, columns, op, op_time))

    def of_row(self, base_uuid: str, row_id: str) -> list[dict[str, Any]]:
        """The activities of ``row_id``, newest first."""
        # Activities are numbered in the order of their operations, as they are indexed.
        for number in range(self._indexed, len(self._entries)):
            entry = self._entries[number]
            entry.first_id = self._next_id
            changes = row_changes(entry.op())
            self._next_id += len(changes)
            for position, (changed, _, _) in enumerate(changes):
                self._by_row.setdefault(changed, []).append((number, position))
        self._indexed = len(self._entries)
        return [
            self._activity(base_uuid, self._entries[number], position)
            for number, position in reversed(self._by_row.get(row_id, []))
        ]

    @staticmethod
    def _activity(base_uuid: str, entry: _Entry, position: int) -> dict[str, Any]:
        row_id, new, old = row_changes(entry.op())[position]
        first = entry.columns[0][0] if entry.columns else ""
        return {
            "detail": {
                "row_data": cell_changes(entry.columns, new, old),
                "row_name": str(new.get(first) or old.get(first) or ""),
                "row_name_option": "",
                "table_id": entry.table_id,
                "table_name": entry.table_name,
            },
            "dtable_uuid": base_uuid,
            "id": entry.first_id + position,
            "op_app": "",
            "op_time": entry.op_time,
            "op_type": entry.kind,
            "op_user": str(new.get("_creator") or new.get("_last_modifier") or ""),
            "row_count": 1,
            "row_id": row_id,
        }


def row_changes(op: dict[str, Any]) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(row id, new cells, old cells) of a row operation (fields of ``_events.bus``' vocabulary)."""
    kind = op.get("op_type")
    if kind == "append_rows":
        return [(str(r.get("_id")), r, {}) for r in op.get("row_datas") or []]
    if kind == "insert_row":
        data = op.get("row_data") or {}
        return [(str(data.get("_id")), data, {})]
    if kind == "modify_row":
        return [(str(op.get("row_id")), op.get("updated") or {}, op.get("old_row") or {})]
    if kind == "modify_rows":
        updated, old = op.get("updated") or {}, op.get("old_rows") or {}
        return [(str(r), updated.get(r) or {}, old.get(r) or {}) for r in op.get("row_ids") or []]
    if kind == "delete_row":
        return [(str(op.get("row_id")), {}, op.get("deleted_row") or {})]
    if kind == "delete_rows":
        old = {str(r.get("_id")): r for r in op.get("deleted_rows") or [] if isinstance(r, dict)}
        return [(str(r), {}, old.get(str(r), {})) for r in op.get("row_ids") or []]
    return []


def cell_changes(
    columns: Columns, new: dict[str, Any], old: dict[str, Any]
) -> list[dict[str, Any]]:
    out = []
    for key, name, kind, data in columns:
        if key in new or key in old:
            entry = {
                "column_key": key,
                "column_name": name,
                "column_type": kind,
                "column_data": data or {},
                "value": new.get(key, ""),
            }
            if old:
                entry["old_value"] = old.get(key, "")
            out.append(entry)
    return out
