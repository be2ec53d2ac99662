"""What one webhook request carries: `WebhookEvent`, read from the raw body by `parse_event`.

SeaTable sends one ``POST`` per change, ``{"event": "update", "data": {…}}`` (``dtable-events``
wraps each message of its ``table-events`` channel so). Row changes carry ``dtable_uuid``,
``row_id``, ``op_user``, ``op_type`` (``insert_row``, ``modify_row``, ``delete_row``, …),
``op_time`` (Unix seconds, a float), ``table_id``, ``table_name``, ``row_name`` and
``row_data``, a list of ``{column_key, column_name, column_type, column_data, value,
old_value}`` for the changed cells (SeaTable's help pages "Structure of the webhook data" and
"The secret key of a webhook"). Link changes (``add_link``, ``remove_link``,
``update_links``, ``update_rows_links``) name two rows instead: ``table1_row_id``,
``table1_id``, ``table1_name``, ``table1_row_name``, ``row_data1`` and the same with ``2``
(the fields ``dtable-events``' activity handler reads from that channel).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

import attrs

from seatable_async.errors import WebhookPayloadError

__all__ = ["LINK_OPERATIONS", "CellChange", "LinkedRow", "WebhookEvent", "parse_event"]

LINK_OPERATIONS = frozenset({"add_link", "remove_link", "update_links", "update_rows_links"})


@attrs.frozen
class CellChange:
    """One changed cell of a row, as the webhook reports it.

    Attributes:
        column_key: the column's key (stable across renames).
        column_name: the column's name when the change happened.
        column_type: e.g. ``"text"``, ``"number"``, ``"single-select"``, ``"link"``.
        value: the new value as SeaTable stores it (select cells hold option *ids*; look
            the names up in ``column_data["options"]``).
        old_value: the value before the change; None when the server sent none (new rows).
        column_data: the column's settings (options, formats), as sent.
    """

    column_key: str
    column_name: str
    column_type: str
    value: Any = None
    old_value: Any = None
    column_data: Mapping[str, Any] = attrs.field(factory=dict, repr=False)


@attrs.frozen
class LinkedRow:
    """The second row of a link change (``table2_*`` in the body)."""

    row_id: str
    table_id: str
    table_name: str
    row_name: str = ""
    row_data: tuple[CellChange, ...] = ()


@attrs.frozen
class WebhookEvent:
    """One change of a base, as one webhook request reported it.

    Attributes:
        event: the envelope's ``event`` (``"update"`` on every server so far).
        op_type: what happened: ``insert_row``, ``modify_row``, ``delete_row``, a link
            operation (see `is_link_change`) or a newer kind, passed through as sent.
        dtable_uuid: the base.
        row_id: the row changed (for a link change, the first of its two rows).
        table_id, table_name: that row's table.
        op_user: who made the change (internal user id, ``…@auth.local``; may be ``""``).
        op_time: when, as an aware UTC datetime.
        op_timestamp: the same instant as SeaTable sent it (Unix seconds).
        row_name: the row's display value (its first column), often ``""``.
        row_data: the changed cells (empty for most inserts and deletes).
        other_row: for a link change, the other row; None otherwise.
        raw: the body's ``data`` object, unchanged (fields SeaTable adds later).
    """

    event: str
    op_type: str
    dtable_uuid: str
    row_id: str
    table_id: str
    table_name: str
    op_user: str
    op_time: datetime
    op_timestamp: float
    row_name: str = ""
    row_data: tuple[CellChange, ...] = ()
    other_row: LinkedRow | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)

    @property
    def is_link_change(self) -> bool:
        """Whether this is a link between two rows made, removed or replaced."""
        return self.op_type in LINK_OPERATIONS

    @property
    def values(self) -> dict[str, Any]:
        """The new values by column name."""
        return {cell.column_name: cell.value for cell in self.row_data}

    @property
    def old_values(self) -> dict[str, Any]:
        """The previous values by column name (cells the server sent an old value for)."""
        return {c.column_name: c.old_value for c in self.row_data if c.old_value is not None}


def _fail(message: str, field: str | None = None) -> WebhookPayloadError:
    return WebhookPayloadError(f"not a SeaTable webhook event: {message}", field=field)


def _text(data: Mapping[str, Any], key: str, where: str, *, required: bool) -> str:
    value = data.get(key)
    if value is None:
        if required:
            raise _fail(f"{where}.{key} is missing", f"{where}.{key}")
        return ""
    if not isinstance(value, str):
        raise _fail(f"{where}.{key} is not a string", f"{where}.{key}")
    return value


def _cells(value: Any, field: str) -> tuple[CellChange, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise _fail(f"{field} is not a list", field)
    cells = []
    for index, item in enumerate(value):
        where = f"{field}[{index}]"
        if not isinstance(item, dict):
            raise _fail(f"{where} is not an object", where)
        column_data = item.get("column_data")
        if column_data is not None and not isinstance(column_data, dict):
            raise _fail(f"{where}.column_data is not an object", f"{where}.column_data")
        cells.append(
            CellChange(
                column_key=_text(item, "column_key", where, required=True),
                column_name=_text(item, "column_name", where, required=False),
                column_type=_text(item, "column_type", where, required=False),
                value=item.get("value"),
                old_value=item.get("old_value"),
                column_data=column_data or {},
            )
        )
    return tuple(cells)


def _op_time(data: Mapping[str, Any]) -> tuple[datetime, float]:
    value = data.get("op_time")
    if value is None:
        raise _fail("data.op_time is missing", "data.op_time")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _fail("data.op_time is not a Unix time in seconds", "data.op_time")
    try:
        return datetime.fromtimestamp(value, tz=timezone.utc), float(value)
    except (OverflowError, OSError, ValueError):
        raise _fail("data.op_time is out of range", "data.op_time") from None


def _load(body: bytes) -> dict[str, Any]:
    if not isinstance(body, (bytes, bytearray, memoryview)):
        raise _fail(f"the body must be bytes, not {type(body).__name__}")
    try:
        document = json.loads(bytes(body).decode("utf-8"))
    except UnicodeDecodeError:
        raise _fail("the body is not UTF-8") from None
    except (ValueError, RecursionError):
        raise _fail("the body is not JSON") from None
    if not isinstance(document, dict):
        raise _fail("the body is not a JSON object")
    return document


def parse_event(body: bytes) -> WebhookEvent:
    """Read one webhook request's body (verify its signature first: `verify_signature`).

    Unknown ``op_type`` values and fields are kept (``op_type`` as sent, the rest in ``raw``)
    so a newer server's events still arrive; what an event cannot do without is checked.

    Raises:
        WebhookPayloadError: the body is not UTF-8 JSON, not ``{"event": …, "data": {…}}``,
            or lacks (or mistypes) ``dtable_uuid``, ``op_type``, ``op_time`` or the row id;
            ``error.field`` names the part.
    """
    document = _load(body)
    event = document.get("event")
    if not isinstance(event, str) or not event:
        raise _fail("'event' is missing or not a string", "event")
    data = document.get("data")
    if not isinstance(data, dict):
        raise _fail("'data' is missing or not an object", "data")
    op_type = _text(data, "op_type", "data", required=True)
    op_time, timestamp = _op_time(data)
    dtable_uuid = _text(data, "dtable_uuid", "data", required=True)
    op_user = _text(data, "op_user", "data", required=False)
    # A link change names two rows (table1_*, table2_*) and no row_id.
    link = "row_id" not in data and "table1_row_id" in data
    first, cells = ("table1_", "row_data1") if link else ("", "row_data")
    other = None
    if link:
        other = LinkedRow(
            row_id=_text(data, "table2_row_id", "data", required=True),
            table_id=_text(data, "table2_id", "data", required=False),
            table_name=_text(data, "table2_name", "data", required=False),
            row_name=_text(data, "table2_row_name", "data", required=False),
            row_data=_cells(data.get("row_data2"), "data.row_data2"),
        )
    table = "table1_" if link else "table_"
    return WebhookEvent(
        event=event,
        op_type=op_type,
        dtable_uuid=dtable_uuid,
        row_id=_text(data, f"{first}row_id", "data", required=True),
        table_id=_text(data, f"{table}id", "data", required=False),
        table_name=_text(data, f"{table}name", "data", required=False),
        op_user=op_user,
        op_time=op_time,
        op_timestamp=timestamp,
        row_name=_text(data, f"{first}row_name", "data", required=False),
        row_data=_cells(data.get(cells), f"data.{cells}"),
        other_row=other,
        raw=data,
    )
