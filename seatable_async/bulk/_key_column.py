"""Key values compared as the server stores them, and the input's duplicate keys.

With ``key``, the importer asks the server which key values exist and matches them with the
input. The server rewrites values on the way in: ``"42"`` in a number column is the number 42,
``"2030-06-20"`` in a date column comes back as ``"2030-06-20T00:00:00+02:00"`` (recorded from a
5.0 server). So both sides are *normalised* by the key column's type before comparing:

=========================================  ===================================================
key column type                            compared as
=========================================  ===================================================
text, long-text, email, url, single-select  the text
auto-number                                the text (``"0001"``)
number, duration, rating                   the number (``42``, ``"42"`` and ``42.0`` are one)
checkbox                                   the boolean
date without time                          the calendar day as the server writes it
date with time                             a naive value by its wall-clock time (the server's
                                           zone), an aware one by its instant; to the minute,
                                           or the second when the column shows seconds
=========================================  ===================================================

Columns whose values the server computes or reshapes (formula, link, multiple-select,
collaborator, file, image, …) cannot serve as keys: `KeyColumn.of` refuses them.
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import math
from array import array
from collections.abc import Hashable, Mapping
from typing import Any

import attrs

from seatable_async.cells import EncodedRow
from seatable_async.cells._column_types import NUMERIC_TYPES, TEXT_TYPES, ColumnType
from seatable_async.errors import ConfigurationError
from seatable_async.models import Column

__all__ = ["DuplicateKeys", "KeyColumn", "key_value"]


def key_value(row: Mapping[str, Any] | EncodedRow, name: str) -> Any:
    """The key column's value in a row as it is sent (an encoded row's cell)."""
    return (row.cells if isinstance(row, EncodedRow) else row).get(name)


# Key columns compare as text, as numbers, as booleans or as calendar dates.
_TEXT: frozenset[ColumnType] = TEXT_TYPES | {"single-select", "auto-number"}
_NUMBER = NUMERIC_TYPES
_KINDS: frozenset[ColumnType] = _TEXT | _NUMBER | {"checkbox", "date"}


@attrs.frozen
class KeyColumn:
    """A key column and how its values compare.

    Attributes:
        name: the column name.
        type: the SeaTable column type.
        with_time: a date column that holds a time of day.
        seconds: a date column that shows seconds.
    """

    name: str
    type: str
    with_time: bool = False
    seconds: bool = False

    @classmethod
    def of(cls, column: Column) -> KeyColumn:
        """The key column for ``column``.

        Raises:
            ConfigurationError: the server computes or reshapes this type's values.
        """
        if column.type not in _KINDS:
            raise ConfigurationError(
                f"key column {column.name!r} is of type {column.type!r}, whose values the "
                "server computes or reshapes; use a text, number, date, checkbox or "
                "single-select column as key"
            )
        fmt = str((column.data or {}).get("format") or "")
        return cls(column.name, column.type, "HH:mm" in fmt or "hh:mm" in fmt, ":ss" in fmt)

    def normalize(self, value: Any) -> Hashable | None:
        """The comparable form of an input value; None when it cannot serve as a key."""
        try:
            return self._normalize(value, stored=False)
        except (ValueError, TypeError, OverflowError, decimal.InvalidOperation):
            return None

    def stored(self, value: Any) -> list[Hashable]:
        """The comparable forms of a value read back from the server (a date-time matches
        both by wall clock and by instant)."""
        try:
            form = self._normalize(value, stored=True)
        except (ValueError, TypeError, OverflowError, decimal.InvalidOperation):
            return []
        if form is None:
            return []
        if isinstance(form, tuple) and form and form[0] == "wall":
            instant = _instant(value)
            return [form] if instant is None else [form, ("instant", instant)]
        return [form]

    def sql_value(self, value: Any) -> Any:
        """The value to query with (numbers as numbers, dates as ISO text)."""
        if self.type in _NUMBER and isinstance(value, str):
            number = float(value)
            return int(number) if number.is_integer() else number
        if isinstance(value, decimal.Decimal):
            return float(value)
        return value

    def _normalize(self, value: Any, *, stored: bool) -> Hashable | None:
        if value is None or value == "":
            return None
        if self.type in _TEXT:
            if isinstance(value, bool) or not isinstance(value, (str, int)):
                return None
            return ("s", str(value))
        if self.type in _NUMBER:
            if isinstance(value, bool):
                return None
            number = float(value)
            return ("n", number) if math.isfinite(number) else None
        if self.type == "checkbox":
            return ("b", value) if isinstance(value, bool) else None
        return self._date(value, stored=stored)

    def _date(self, value: Any, *, stored: bool) -> Hashable | None:
        if isinstance(value, datetime.datetime):
            moment = value
        elif isinstance(value, datetime.date):
            moment = datetime.datetime(value.year, value.month, value.day)
        elif isinstance(value, str):
            moment = datetime.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        else:
            return None
        if not self.with_time:
            # The calendar day as written: "2030-06-20T00:00:00+02:00" is the 20th.
            return ("d", moment.date().isoformat())
        if moment.tzinfo is not None and not stored:
            return ("instant", moment.timestamp())
        wall = moment.replace(tzinfo=None, microsecond=0)
        if not self.seconds:
            wall = wall.replace(second=0)
        return ("wall", wall.isoformat())


def _instant(value: Any) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.timestamp() if moment.tzinfo is not None else None


class DuplicateKeys:
    """Remembers every key value of an import (16 bytes a row) to report repeats.

    An open-addressing table of 8-byte digests and 4-byte row indices; it answers which
    earlier input row held the same key.
    """

    def __init__(self) -> None:
        self._digests = array("Q", bytes(8 * 1024))
        self._rows = array("i", [-1]) * 1024
        self._count = 0

    def first_row(self, key: Hashable, index: int) -> int | None:
        """Record ``key`` for input row ``index``; return the earlier row with it, if any."""
        digest = int.from_bytes(hashlib.blake2b(repr(key).encode(), digest_size=8).digest(), "big")
        digest = digest or 1  # 0 marks an empty slot
        mask = len(self._digests) - 1
        slot = digest & mask
        while True:
            held = self._digests[slot]
            if held == 0:
                break
            if held == digest:
                return int(self._rows[slot])
            slot = (slot + 1) & mask
        self._digests[slot] = digest
        self._rows[slot] = index
        self._count += 1
        if self._count * 2 > len(self._digests):
            self._grow()
        return None

    def _grow(self) -> None:
        digests, rows = self._digests, self._rows
        self._digests = array("Q", bytes(16 * len(digests)))
        self._rows = array("i", [-1]) * (2 * len(rows))
        mask = len(self._digests) - 1
        for digest, row in zip(digests, rows, strict=True):
            if digest:
                slot = digest & mask
                while self._digests[slot]:
                    slot = (slot + 1) & mask
                self._digests[slot] = digest
                self._rows[slot] = row
