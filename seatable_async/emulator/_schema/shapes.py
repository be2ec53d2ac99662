"""Shapes of schema objects created through the REST API, per version, and derived column data.

Sources: 6.x ``seatable/openapi`` ``tests/__snapshots__`` (``test_columns/*``, ``test_views/*``,
``test_tables/test_duplicateTable``, ``test_metadata/test_getMetadata``), our
``v5.0-test-snapshots/test_createTable[…]`` and the v5.0 spec examples. What is not recorded is
marked "inferred" (and listed in ``docs/reference/emulator.md``).
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from .._state.cells import PALETTE
from .._state.records import Column, Table, new_key

__all__ = [
    "FIRST_COLUMN_TYPES",
    "TYPES",
    "SchemaError",
    "column_extra",
    "default_view",
    "formula_data",
    "new_option_id",
    "table_extra",
    "with_option_ids",
]

#: Column types the REST API creates (5.0 spec ``*_column`` schemas, the official client).
TYPES = frozenset(
    {
        "text",
        "long-text",
        "number",
        "checkbox",
        "date",
        "single-select",
        "multiple-select",
        "image",
        "file",
        "collaborator",
        "link",
        "formula",
        "link-formula",
        "creator",
        "ctime",
        "last-modifier",
        "mtime",
        "geolocation",
        "auto-number",
        "url",
        "email",
        "duration",
        "button",
        "rate",
    }
)
#: "the first column can only be text, number, date, single select, formula and autonumber"
#: (5.0 spec, createTable).
FIRST_COLUMN_TYPES = frozenset(
    {"text", "number", "date", "single-select", "formula", "auto-number"}
)
_REFERENCE = re.compile(r"\{([^{}]+)\}")
_NUMERIC = frozenset({"number", "duration", "rate", "auto-number"})
_DATE_FUNCTIONS = ("dateadd", "date(", "today(", "now(", "eomonth")


class SchemaError(Exception):
    """A refused schema request: answered with ``status`` and ``message`` in the route
    family's error body."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def column_extra(version: tuple[int, int]) -> dict[str, Any]:
    """Attributes of a column created through the REST API: the 6.x snapshots
    (``test_insertColumn[*]``, ``test_appendColumns``) on 6.0; the 5.0 spec examples
    (``draggable``, ``permission_type``, ``permitted_users``, ``description``) before."""
    if version >= (6, 0):
        return {
            "colorbys": {},
            "description": None,
            "draggable": True,
            "edit_metadata_permission_type": "",
            "edit_metadata_permitted_group": [],
            "edit_metadata_permitted_users": [],
            "permission_type": "",
            "permitted_group": [],
            "permitted_users": [],
        }
    return {"draggable": True, "permission_type": "", "permitted_users": [], "description": None}


def default_view(version: tuple[int, int], view_id: str, name: str) -> dict[str, Any]:
    """A view created through the REST API (or a new table's default view): 6.x
    ``test_views/test_createView`` / ``test_getView``; 5.0 ``test_createTable`` (which adds
    ``link_rows``)."""
    view: dict[str, Any] = {
        "_id": view_id,
        "colorbys": {},
        "colors": {},
        "column_colors": {},
        "filter_conjunction": "And",
        "filters": [],
        "formula_rows": {},
        "groupbys": [],
        "groups": [],
        "hidden_columns": [],
        "is_locked": False,
    }
    if version < (6, 0):
        view["link_rows"] = {}
    view.update(
        {
            "name": name,
            "private_for": None,
            "row_height": "default",
            "rows": [],
            "sorts": [],
            "summaries": {},
            "type": "table",
        }
    )
    return view


def table_extra() -> dict[str, Any]:
    """Metadata attributes of a table created through the REST API (6.x ``getMetadata``)."""
    return {"header_settings": {}, "summary_configs": {}}


def table_answer(table: Table, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """A created or duplicated table as answered (5.0 ``test_createTable``, 6.x
    ``test_duplicateTable``): metadata plus ``rows``, ``id_row_map`` and ``view_structure``."""
    out = table.as_dict()
    out["rows"] = rows
    out["id_row_map"] = {r["_id"]: r for r in rows}
    out["view_structure"] = {"folders": [], "view_ids": [v["_id"] for v in table.views]}
    return out


def new_option_id(used: set[str]) -> str:
    """A 6-digit option id like the ones the server generates (ISSUES #2)."""
    oid = ""
    while not oid or oid in used:
        oid = str(100000 + secrets.randbelow(900000))
    return oid


def with_option_ids(options: list[Any]) -> list[dict[str, Any]]:
    """Options as stored: given ids kept (6.x ``test_insertColumn[single-select]``), missing
    ids and colours filled in (inferred, like auto-created options)."""
    out: list[dict[str, Any]] = []
    used = {str(o.get("id")) for o in options if isinstance(o, dict) and o.get("id")}
    for option in options:
        if not isinstance(option, dict) or not isinstance(option.get("name"), str):
            raise SchemaError(400, "options invalid.")
        stored = dict(option)
        if not stored.get("id"):
            stored["id"] = new_option_id(used)
            used.add(stored["id"])
        color, text_color = PALETTE[len(out) % len(PALETTE)]
        stored.setdefault("color", color)
        stored.setdefault("textColor", text_color)
        out.append(stored)
    return out


def formula_data(table: Table, data: dict[str, Any]) -> dict[str, Any]:
    """A formula column's data as the server completes it on insert: ``operated_columns`` (the
    keys of the ``{Column}`` references) and ``result_type`` (6.x
    ``test_insertColumn[formula-sum]``: ``"1 + 2"`` → ``number``; the rules for other
    formulas are inferred: date functions → ``date``, only numeric operands → ``number``,
    else ``string``)."""
    formula = data.get("formula")
    if not isinstance(formula, str) or not formula.strip():
        raise SchemaError(400, "column_data invalid: formula is required.")
    operated: list[str] = []
    for ref in _REFERENCE.findall(formula):
        col = table.by_name.get(ref)
        if col is None:
            raise SchemaError(400, f"column_data invalid: column {ref} not found.")
        if col.key not in operated:
            operated.append(col.key)
    lowered = formula.lower()
    if any(f in lowered for f in _DATE_FUNCTIONS):
        result = "date"
    elif "'" in formula or '"' in formula or re.search(r"[a-z_]+\(", lowered):
        result = "string"
    elif all(table.by_key[k].type in _NUMERIC for k in operated):
        result = "number"
    else:
        result = "string"
    return {**data, "operated_columns": operated, "result_type": result}


def link_formula_data(table: Table, data: dict[str, Any]) -> dict[str, Any]:
    """A link-formula column's data (5.0 spec insertColumn example: ``link_column_key``,
    ``operated_columns``, ``result_type``, ``include_condition``, ``conditions``); the input
    names the link column as ``link_column`` (6.x ``test_columns.py``). Inferred:
    ``count_links`` is a number, other formulas an array."""
    link = data.get("link_column") or data.get("link_column_key")
    col = table.column(link) if isinstance(link, str) else None
    if col is None or col.type != "link":
        raise SchemaError(400, "column_data invalid: link_column not found.")
    out = {k: v for k, v in data.items() if k != "link_column"}
    out.update(
        {
            "link_column_key": col.key,
            "operated_columns": [col.key],
            "result_type": "number" if data.get("formula") == "count_links" else "array",
        }
    )
    out.setdefault("include_condition", False)
    out.setdefault("condition_conjunction", "And")
    out.setdefault("conditions", [])
    return out


def link_data(table: Table, other: Table, used_link_ids: set[str]) -> dict[str, Any]:
    """A new link column's data (5.0 spec ``duplicateTable`` / metadata examples)."""
    return {
        "display_column_key": "0000",
        "table_id": table.id,
        "other_table_id": other.id,
        "is_internal_link": True,
        "is_multiple": True,
        "is_row_from_view": False,
        "other_view_id": "",
        "link_id": new_key(used_link_ids),
    }


def mirror_link(column: Column, name: str, key: str, extra: dict[str, Any]) -> Column:
    """The link column SeaTable adds to the other table: same ``link_id``, table ids swapped
    (inferred: named after the linking table)."""
    data = dict(column.data or {})
    data["table_id"], data["other_table_id"] = data.get("other_table_id"), data.get("table_id")
    return Column(key, name, "link", data, extra=extra)
