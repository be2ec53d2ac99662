"""Applying an operation a client sent over Socket.IO (``update-dtable``): rows in
`_sockets.row_ops`, columns, tables and views in `_sockets.schema_ops`; the applied operation is
published on the event bus."""

from __future__ import annotations

from typing import Any

from .._events.bus import EventBus
from .._state.records import Base
from .._state.state import State
from .operation import OperationInvalid, table_of
from .row_ops import ROW_OPS, apply_row_operation
from .schema_ops import SCHEMA_OPS, apply_schema

__all__ = ["OperationInvalid", "apply_operation"]


def apply_operation(
    state: State, events: EventBus, base: Base, op: dict[str, Any], user: str, origin: object = None
) -> dict[str, Any] | None:
    """Apply ``op`` to ``base`` and publish it (not back to ``origin``).

    Returns:
        The operation completed with generated values (auto numbers) when it differs from
        what was sent, else None.

    Raises:
        OperationInvalid: nothing was changed.
    """
    kind = op.get("op_type")
    with state.lock:
        if kind in ROW_OPS:
            echo = apply_row_operation(state, base, table_of(base, op), op, str(kind), user)
        elif kind in SCHEMA_OPS:
            apply_schema(state, base, op, str(kind))
            base.version += 1
            echo = None
        else:
            raise OperationInvalid(f"unknown op_type {kind!r}")
        events.emit(base.uuid, echo if echo is not None else op, origin)
    return echo
