"""What each webhook request carries: the ``data`` of one row (or link) change.

``dtable-events`` posts ``{"event": "update", "data": <message>}`` for every message of the
``table-events`` channel, one per row (``dtable_events/webhook/``); the same messages become
row activities, so a row change's ``data`` has the activity's fields (``dtable_events/
activities/db.py``: ``dtable_uuid``, ``row_id``, ``op_user``, ``op_type``, ``op_time`` in
Unix seconds, ``table_id``, ``table_name``, ``row_name``, ``row_data``), matching the help
page "Structure of the webhook data" (``insert_row``, ``modify_row``, ``delete_row``;
``row_data`` entries ``{column_key, column_name, column_type, column_data, value,
old_value}``). Link messages name two rows (``table1_row_id``, ``table1_id``,
``table1_name``, ``table1_row_name``, ``row_data1`` and the same with ``2``), fields the
activity handler reads for ``add_link``, ``remove_link`` and ``update_links``.

Inferred, and listed in ``docs/reference/webhooks.md``: a link message per pair of rows whose
link changed, its cells the two link columns with ``value``/``old_value`` as row-id lists;
``op_user`` of a delete and of link changes ``""``; ``row_name`` of link changes ``""``;
``op_time`` to the millisecond, as in the help pages' samples.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from attrs import frozen

from .._state.activity_log import ROW_OPS, Columns, cell_changes, row_changes
from .._state.extras import Link
from .._state.records import Column, Table

__all__ = ["Change", "link_datas", "row_datas"]

LINK_OPS = {"add_links": "add_link", "remove_links": "remove_link", "update_links": "update_links"}


@frozen
class Change:
    """One published row operation, captured when it was applied; its messages are built
    later, off the request path (``op`` builds the operation from data it captured)."""

    base_uuid: str
    table_id: str
    table_name: str
    columns: Columns
    op: Callable[[], dict[str, Any]]
    op_time: float
    modifier: str = ""


def row_datas(change: Change) -> list[dict[str, Any]]:
    """The message of each row an operation changed, in the operation's order."""
    op = change.op()
    kind = ROW_OPS.get(str(op.get("op_type")), "")
    first = change.columns[0][0] if change.columns else ""
    out = []
    for row_id, new, old in row_changes(op):
        if kind == "insert_row":
            user = str(new.get("_creator") or "")
        else:
            user = change.modifier if kind == "modify_row" else ""
        out.append(
            {
                "dtable_uuid": change.base_uuid,
                "row_id": row_id,
                "op_user": user,
                "op_type": kind,
                "op_time": change.op_time,
                "table_id": change.table_id,
                "table_name": change.table_name,
                "row_name": str(new.get(first) or old.get(first) or ""),
                "row_data": cell_changes(change.columns, new, old),
            }
        )
    return out


def _link_column(table: Table, link_id: str) -> Column | None:
    return next((c for c in table.columns if (c.data or {}).get("link_id") == link_id), None)


def _cell(col: Column | None, after: list[str], before: list[str]) -> list[dict[str, Any]]:
    if col is None:
        return []
    return [
        {
            "column_key": col.key,
            "column_name": col.name,
            "column_type": col.type,
            "column_data": col.data or {},
            "value": after,
            "old_value": before,
        }
    ]


def _pairs(op: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """(row, other row, linked now) for each pair whose link the operation changed."""
    new = op.get("other_rows_ids_map") or {}
    if op.get("op_type") != "update_links":
        linked = op.get("op_type") == "add_links"
        return [(r, o, linked) for r, others in new.items() for o in others]
    old = op.get("old_other_rows_ids_map") or {}
    out = []
    for row in op.get("row_id_list") or list(new):
        now, before = list(new.get(row) or []), list(old.get(row) or [])
        out += [(row, o, True) for o in now if o not in before]
        out += [(row, o, False) for o in before if o not in now]
    return out


def _before(after: list[str], other: str, linked: bool) -> list[str]:
    return [i for i in after if i != other] if linked else [*after, other]


def link_datas(
    base_uuid: str,
    op: dict[str, Any],
    link: Link,
    tables: tuple[Table, Table],
    op_time: float,
) -> list[dict[str, Any]]:
    """The message of each pair of rows a link operation changed (built at once: they read
    the link's state right after the operation)."""
    kind = LINK_OPS[str(op.get("op_type"))]
    table, other = tables
    mine, theirs = _link_column(table, link.link_id), _link_column(other, link.link_id)
    out = []
    for row, other_row, linked in _pairs(op):
        after1 = link.targets(table.id, row)
        after2 = link.targets(other.id, other_row)
        out.append(
            {
                "dtable_uuid": base_uuid,
                "op_user": "",
                "op_type": kind,
                "op_time": op_time,
                "table1_id": table.id,
                "table1_name": table.name,
                "table1_row_id": row,
                "table1_row_name": "",
                "row_data1": _cell(mine, after1, _before(after1, other_row, linked)),
                "table2_id": other.id,
                "table2_name": other.name,
                "table2_row_id": other_row,
                "table2_row_name": "",
                "row_data2": _cell(theirs, after2, _before(after2, row, linked)),
            }
        )
    return out
