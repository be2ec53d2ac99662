"""Each row of an import as it is read: checked, encoded by column type, its key checked.

A row that cannot be sent is refused here, before it joins a batch, with the error the report
gives for it: not a mapping, an invalid value (`CellValueError`, naming row, column and value),
or a missing, unusable or repeated key value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from seatable_async.bulk._key_column import DuplicateKeys, KeyColumn
from seatable_async.cells import EncodedRow, RowEncoder
from seatable_async.cells._raw import check_raw_rows
from seatable_async.errors import CellValueError, ConfigurationError

__all__ = ["RowCheck"]

Prepared = dict[str, Any] | EncodedRow


class RowCheck:
    """Prepares rows for sending.

    Args:
        encoder: encodes rows (None: rows are sent as given).
        key: the key column, when the import has one.
    """

    def __init__(self, encoder: RowEncoder | None, key: KeyColumn | None) -> None:
        self._encoder = encoder
        self._key = key
        self._seen = DuplicateKeys() if key is not None else None

    def prepare(self, index: int, row: Any) -> Prepared | ConfigurationError:
        """The row to send (cells, or an `EncodedRow` when it has link cells), or the error
        that keeps it from being sent."""
        if type(row) is not dict and not isinstance(row, Mapping):
            reason = f"is a {type(row).__name__}, not a mapping of column names to values"
            return ConfigurationError(f"row {index} {reason}")
        prepared: Prepared
        if self._encoder is None:
            cells = prepared = dict(row)
            try:
                check_raw_rows([(index, cells)])
            except CellValueError as exc:
                return exc
        else:
            try:
                cells, links, row_id = self._encoder.split(row, index=index)
            except CellValueError as exc:
                return exc
            # Rows with link cells travel as EncodedRow: append_rows writes their links.
            prepared = EncodedRow(index, cells, links, row_id) if links else cells
        if self._key is not None and self._seen is not None:
            form = self._key.normalize(cells.get(self._key.name))
            if form is None:
                return ConfigurationError(
                    f"row {index} has no usable value for key column {self._key.name!r} "
                    f"(missing, empty, or not a {self._key.type} value)"
                )
            first = self._seen.first_row(form, index)
            if first is not None:
                return ConfigurationError(
                    f"row {index} repeats the key value of input row {first}; it was not "
                    "sent (keys must be unique)"
                )
        return prepared
