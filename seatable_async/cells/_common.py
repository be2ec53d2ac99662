"""Small helpers shared by the encoder, the decoder and the frame adapters."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence, Set
from decimal import Decimal
from typing import Any

__all__ = ["MAX_EXACT_INT", "Invalid", "as_list", "is_bool", "is_integer", "is_missing", "is_real"]

#: Largest integer an IEEE-754 double (what SeaTable stores numbers as) holds exactly.
MAX_EXACT_INT = 2**53


class Invalid(Exception):
    """Raised by the per-type converters; the row encoder adds row, column and value."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def is_integer(value: Any) -> bool:
    """An integer that is not a bool (numpy integers count; numpy bools do not)."""
    if type(value) is int:  # fast path before the ABC check
        return True
    return isinstance(value, numbers.Integral) and not is_bool(value)


def is_real(value: Any) -> bool:
    """An int, float, Decimal or numpy number — never a bool."""
    if type(value) in (int, float):  # fast path before the ABC checks
        return True
    return (isinstance(value, (numbers.Real, Decimal)) and not is_bool(value)) or is_integer(value)


def is_missing(value: Any) -> bool:
    """None, a float NaN, or a pandas/numpy missing marker (NaT, NA)."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    # pandas.NA, pandas.NaT and numpy.datetime64("NaT") all compare unequal to themselves
    # or refuse bool(); recognise them by name so that pandas/numpy stay optional.
    name = type(value).__name__
    return name in ("NAType", "NaTType") or (
        name in ("datetime64", "timedelta64") and str(value) == "NaT"
    )


def is_bool(value: Any) -> bool:
    """A bool or a numpy bool (``numpy.bool_``, named ``bool`` since numpy 2)."""
    kind = type(value)
    return kind is bool or (kind.__module__ == "numpy" and kind.__name__ in ("bool", "bool_"))


def as_list(value: Any, what: str) -> list[Any]:
    """A list, tuple, set (sorted) or numpy array as a list.

    Raises:
        Invalid: anything else.
    """
    if isinstance(value, Set):
        return sorted(value, key=str)  # deterministic order for sets
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes, Mapping)):
        return list(value)
    tolist = getattr(value, "tolist", None)  # numpy arrays from pandas list columns
    if callable(tolist):
        items = tolist()
        if isinstance(items, list):
            return items
    raise Invalid(f"expects a list of {what}")
