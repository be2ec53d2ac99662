"""Row activities: every row operation published on ``emu.events`` becomes an activity of
its rows, as dtable-events records them for ``GET activities/`` (shape: 6.x
``test_activities/test_listRowActivities`` snapshot; v5.0 spec ``listRowActivities``).

Inferred: the recording itself (dtable-events does it asynchronously from dtable-server's
operations), ``op_user`` taken from the row's ``_creator``/``_last_modifier`` when the
operation carries them, and ``row_name`` from the table's first column.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._extras import extras_of, stamp
from ._records import Table

if TYPE_CHECKING:
    from ._emulator import Emulator

__all__ = ["record_activities"]


_ROW_OPS = {
    "append_rows": "insert_row",
    "insert_row": "insert_row",
    "modify_row": "modify_row",
    "modify_rows": "modify_row",
    "delete_row": "delete_row",
    "delete_rows": "delete_row",
}


def _row_changes(op: dict[str, Any]) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(row id, new cells, old cells) of a row operation (fields of ``_events``' vocabulary)."""
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


def _row_data(table: Table, new: dict[str, Any], old: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for col in table.columns:
        if col.key in new or col.key in old:
            entry = {
                "column_key": col.key,
                "column_name": col.name,
                "column_type": col.type,
                "column_data": col.data or {},
                "value": new.get(col.key, ""),
            }
            if old:
                entry["old_value"] = old.get(col.key, "")
            out.append(entry)
    return out


def record_activities(emu: Emulator) -> None:
    """Keep a row activity for every row operation published on ``emu.events``."""

    def listen(base_uuid: str, op: dict[str, Any], origin: object | None) -> None:
        kind = _ROW_OPS.get(str(op.get("op_type")))
        base = emu.state.bases.get(base_uuid)
        table = base.table(str(op.get("table_id"))) if base is not None and kind else None
        if base is None or table is None or kind is None:
            return
        extras = extras_of(emu.state, base)
        first = table.columns[0].key if table.columns else ""
        for row_id, new, old in _row_changes(op):
            with emu.state.lock:
                extras.activities.append(
                    {
                        "detail": {
                            "row_data": _row_data(table, new, old),
                            "row_name": str(new.get(first) or old.get(first) or ""),
                            "row_name_option": "",
                            "table_id": table.id,
                            "table_name": table.name,
                        },
                        "dtable_uuid": base.uuid,
                        "id": extras.next_id("activity"),
                        "op_app": "",
                        "op_time": stamp(emu.now()),
                        "op_type": kind,
                        "op_user": str(new.get("_creator") or new.get("_last_modifier") or ""),
                        "row_count": 1,
                        "row_id": row_id,
                    }
                )

    emu.events.subscribe(listen)
