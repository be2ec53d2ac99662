"""What every Socket.IO operation handler needs: the refusal and reading an operation's fields."""

from __future__ import annotations

from typing import Any

from .._state.records import Base, Table

__all__ = ["OperationInvalid", "need", "table_of"]


class OperationInvalid(Exception):
    """The operation cannot be applied (acked ``operation_invalid``)."""


def need(op: dict[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    """``op[key]`` if present and of ``kind``."""
    value = op.get(key)
    if not isinstance(value, kind):
        raise OperationInvalid(f"{key} missing or invalid")
    return value


def table_of(base: Base, op: dict[str, Any]) -> Table:
    table_id = need(op, "table_id", str)
    for table in base.tables:
        if table.id == table_id:
            return table
    raise OperationInvalid(f"table {table_id} not found")
