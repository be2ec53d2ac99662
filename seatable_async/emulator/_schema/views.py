"""Views of a table: create, change, delete, each published as a dtable-server operation.

Shapes: 6.x ``test_views/*`` snapshots and 5.0 ``test_createTable`` (see ``_schema.shapes``);
operations: ``insert_view`` (view_data), ``delete_view`` (view_id, view_name), ``rename_view``
(view_name), ``modify_filters`` (filters, filter_conjunction), ``modify_sorts``,
``modify_groupbys``, ``modify_hidden_columns``, ``modify_view_lock`` (is_locked) as recorded in
``tests/test_websocket.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._events.bus import Operation
from .._state.records import Base, Table, new_key
from .._state.state import State
from .columns import check_name
from .shapes import SchemaError, default_view

__all__ = ["ViewSchema"]

_ENTRY_LISTS = {"filters": "modify_filters", "sorts": "modify_sorts", "groupbys": "modify_groupbys"}
_CONJUNCTIONS = ("And", "Or")
_VIEW_TYPES = ("", "table", "archive")


class ViewSchema:
    """View operations on one emulator state, for one server version.

    Args:
        state: the emulator's state.
        version: the emulated version.
        emit: publishes an operation of the base being changed.
    """

    def __init__(
        self, state: State, version: tuple[int, int], emit: Callable[[Operation], None]
    ) -> None:
        self.state = state
        self.version = version
        self.emit = emit

    def add_view(self, base: Base, table: Table, body: dict[str, Any]) -> dict[str, Any]:
        name = check_name(body.get("name"), "name")
        kind = body.get("type") or "table"
        if kind not in _VIEW_TYPES:
            raise SchemaError(400, "type invalid.")
        locked = body.get("is_locked", False)
        if not isinstance(locked, bool):
            raise SchemaError(400, "is_locked invalid.")
        with self.state.lock:
            if any(v.get("name") == name for v in table.views):
                raise SchemaError(400, f"view {name} already exists.")
            view = default_view(self.version, new_key({str(v["_id"]) for v in table.views}), name)
            view["type"] = kind
            view["is_locked"] = locked
            table.views.append(view)
            base.version += 1
        self.emit({"op_type": "insert_view", "table_id": table.id, "view_data": dict(view)})
        return dict(view)

    def delete_view(self, base: Base, table: Table, view: dict[str, Any]) -> None:
        """Delete a view; a table keeps at least one (inferred, as in the web interface)."""
        with self.state.lock:
            if len(table.views) == 1:
                raise SchemaError(400, "the last view of a table can not be deleted.")
            table.views.remove(view)
            base.version += 1
        self.emit(
            {
                "op_type": "delete_view",
                "table_id": table.id,
                "view_id": view["_id"],
                "view_name": view["name"],
            }
        )

    def update_view(
        self, base: Base, table: Table, view: dict[str, Any], body: dict[str, Any]
    ) -> dict[str, Any]:
        """Apply the given settings (5.0 spec updateView: what is not given stays; an empty
        list changes nothing, ``[{}]`` removes the filters, sorts or groups). Entries may
        name their column by ``column_key`` or ``column_name`` (6.x ``test_updateView``
        sends ``column_name``); they are stored by key (inferred)."""
        changes: list[Operation] = []
        with self.state.lock:
            new = dict(view)
            if body.get("name") is not None:
                name = check_name(body["name"], "name")
                if name != view["name"]:
                    if any(v.get("name") == name for v in table.views if v is not view):
                        raise SchemaError(400, f"view {name} already exists.")
                    new["name"] = name
                    changes.append({"op_type": "rename_view", "view_name": name})
            if body.get("is_locked") is not None:
                if not isinstance(body["is_locked"], bool):
                    raise SchemaError(400, "is_locked invalid.")
                new["is_locked"] = body["is_locked"]
                changes.append({"op_type": "modify_view_lock", "is_locked": body["is_locked"]})
            conjunction = body.get("filter_conjunction")
            if conjunction is not None and conjunction not in _CONJUNCTIONS:
                raise SchemaError(400, "filter_conjunction invalid.")
            for field, op_type in _ENTRY_LISTS.items():
                entries = _entries(table, body.get(field), field)
                if entries is not None:
                    new[field] = entries
                    change: Operation = {"op_type": op_type, field: entries}
                    if field == "filters":
                        new["filter_conjunction"] = conjunction or view["filter_conjunction"]
                        change["filter_conjunction"] = new["filter_conjunction"]
                    changes.append(change)
            if conjunction is not None and "filters" not in body:
                new["filter_conjunction"] = conjunction
                changes.append(
                    {
                        "op_type": "modify_filters",
                        "filters": new["filters"],
                        "filter_conjunction": conjunction,
                    }
                )
            hidden = body.get("hidden_columns")
            if hidden is not None:
                new["hidden_columns"] = _hidden(table, hidden)
                changes.append(
                    {"op_type": "modify_hidden_columns", "hidden_columns": new["hidden_columns"]}
                )
            view.clear()
            view.update(new)
            if changes:
                base.version += 1
        for change in changes:
            self.emit({**change, "table_id": table.id, "view_id": view["_id"]})
        return dict(view)


def _entries(table: Table, value: Any, field: str) -> list[dict[str, Any]] | None:
    if value is None or value == []:
        return None
    if not isinstance(value, list) or not all(isinstance(e, dict) for e in value):
        raise SchemaError(400, f"{field} invalid.")
    out = []
    for entry in value:
        if not entry:
            continue  # [{}] clears
        ref = entry.get("column_key", entry.get("column_name"))
        col = table.column(ref) if isinstance(ref, str) else None
        if col is None:
            raise SchemaError(400, f"column {ref} not found.")
        stored = {k: v for k, v in entry.items() if k not in ("column_key", "column_name")}
        out.append({"column_key": col.key, **stored})
    return out


def _hidden(table: Table, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(h, str) for h in value):
        raise SchemaError(400, "hidden_columns invalid.")
    keys = []
    for ref in value:
        col = table.column(ref)
        if col is None:
            raise SchemaError(400, f"column {ref} not found.")
        keys.append(col.key)
    return keys
