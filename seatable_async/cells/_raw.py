"""Rows sent as given (``encode=False``): only what JSON can carry, checked before sending.

Without this check a value JSON cannot carry (a ``set``, a ``datetime``, ``NaN``, an object)
fails inside the HTTP layer as one message about "the request body", naming no row or column.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from seatable_async.errors import CellValueError

__all__ = ["check_raw_rows"]

_MAX_DEPTH = 32


def check_raw_rows(rows: Sequence[tuple[int, Mapping[str, object]]]) -> None:
    """Raise `CellValueError` (row, column, value) for the first cell JSON cannot carry.

    ``rows`` pairs each row with its position in the caller's input.
    """
    for index, row in rows:
        for column, value in row.items():
            if not isinstance(column, str):
                raise CellValueError(
                    "column names must be strings", row=index, column=repr(column), value=value
                )
            reason = _unsendable(value, 0)
            if reason is not None:
                raise CellValueError(reason, row=index, column=column, value=value)


def _unsendable(value: object, depth: int) -> str | None:
    if value is None or isinstance(value, (str, bool, int)):
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else "not a finite number, which JSON cannot carry"
    if depth >= _MAX_DEPTH:
        return f"nested deeper than {_MAX_DEPTH} levels"
    if isinstance(value, (list, tuple)):
        for item in value:
            reason = _unsendable(item, depth + 1)
            if reason is not None:
                return reason
        return None
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                return f"a mapping key {key!r} is not a string"
            reason = _unsendable(item, depth + 1)
            if reason is not None:
                return reason
        return None
    return (
        f"a {type(value).__name__} cannot be sent as it is (encode=False sends JSON values "
        "only; encode=True converts it by the column's type)"
    )
