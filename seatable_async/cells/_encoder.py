"""Rows of Python values → rows SeaTable accepts, validated before anything is sent."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator, Mapping
from datetime import tzinfo
from typing import Any, Literal

import attrs

from seatable_async.cells._common import Invalid, is_missing
from seatable_async.cells._encode_values import SLOW, CellEncoder, fast_encoder
from seatable_async.cells._spec import SYSTEM_FIELDS, ColumnLike, ColumnSpec, column_specs
from seatable_async.errors import CellValueError, ConfigurationError

__all__ = ["EncodedRow", "ReadOnlyColumnWarning", "RowEncoder", "encode_cell", "encode_row"]

_PLAIN = frozenset({str, int, float, bool})
_CELL, _LINK, _READ_ONLY = 0, 1, 2
ReadOnlyPolicy = Literal["error", "drop"]
UnknownPolicy = Literal["error", "drop", "keep"]


class ReadOnlyColumnWarning(UserWarning):
    """Values for a computed column were dropped (``read_only="drop"``); once per column."""


@attrs.frozen
class EncodedRow:
    """One encoded row.

    Attributes:
        index: the row's 0-based position in the input (None when encoded on its own).
        cells: column name → wire value, for ``append_rows`` / ``update_rows``.
        links: link column name → row ids; write these through the links API (the rows
            endpoints do not set links). An empty list (from None) clears them on update.
        row_id: the input's ``_id``, when it had one (the row to update).
    """

    index: int | None
    cells: dict[str, Any]
    links: dict[str, list[str]] = attrs.field(factory=dict)
    row_id: str | None = None


class RowEncoder:
    """Encodes rows for one table; build it once per table and reuse it.

    Args:
        columns: the table's columns (``models.Column``, `ColumnSpec` or metadata dicts).
        server_tz: the SeaTable server's time zone; needed to write aware datetimes.
        truncate: drop what a column cannot hold (seconds in a minute column, the time in a
            date-only column, fractions of a second in a duration) instead of raising.
        strict_options: refuse select values that are not among the column's options
            (the server would silently create them).
        users: email → user id (``…@auth.local``) for collaborator columns; ids pass as is.
        read_only: ``"error"`` (default) refuses values for computed columns (formula,
            auto-number, creator, ctime, …); ``"drop"`` drops them with one
            `ReadOnlyColumnWarning` per column. Empty values are dropped either way.
        unknown: keys that are no column: ``"error"`` (default), ``"drop"`` or ``"keep"``.
            System fields (``_ctime``, ``_creator``, …) are always dropped; ``_id`` becomes
            `EncodedRow.row_id`.

    Raises:
        ConfigurationError: malformed columns or options.
    """

    def __init__(
        self,
        columns: Iterable[ColumnLike | Mapping[str, Any]],
        *,
        server_tz: tzinfo | None = None,
        truncate: bool = False,
        strict_options: bool = False,
        users: Mapping[str, str] | None = None,
        read_only: ReadOnlyPolicy = "error",
        unknown: UnknownPolicy = "error",
    ) -> None:
        if read_only not in ("error", "drop"):
            raise ConfigurationError("read_only must be 'error' or 'drop'")
        if unknown not in ("error", "drop", "keep"):
            raise ConfigurationError("unknown must be 'error', 'drop' or 'keep'")
        self._columns = column_specs(columns)
        self._by_name = {c.name: c for c in self._columns}
        self._by_key = {c.key: c for c in self._columns if c.key}
        # name or key → (column, what row() does with its values, the encoder's shortcut for
        # values already in wire form), decided once; names win.
        plans = {
            c.name: (c.name, _kind(c), fast_encoder(c, strict_options=strict_options), c)
            for c in self._columns
        }
        self._plan = {c.key: plans[c.name] for c in self._columns if c.key}
        self._plan.update(plans)
        self._read_only: ReadOnlyPolicy = read_only
        self._unknown: UnknownPolicy = unknown
        self._warned: set[str] = set()
        self._cells = CellEncoder(
            server_tz=server_tz, truncate=truncate, strict_options=strict_options, users=users
        )

    @property
    def columns(self) -> tuple[ColumnSpec, ...]:
        """The table's columns."""
        return self._columns

    @property
    def link_columns(self) -> tuple[ColumnSpec, ...]:
        """The link columns, whose values end up in `EncodedRow.links`."""
        return tuple(c for c in self._columns if c.type == "link")

    def column(self, name_or_key: str) -> ColumnSpec | None:
        """The column with this name, else with this key."""
        return self._by_name.get(name_or_key) or self._by_key.get(name_or_key)

    def cell(self, column: str, value: Any, *, row: int | None = None) -> Any:
        """The wire form of one value (None for an empty cell).

        Raises:
            CellValueError: no such column, a computed column, or an invalid value.
        """
        spec = self.column(column)
        if spec is None:
            raise CellValueError("no such column", row=row, column=column, value=value)
        if spec.read_only and not is_missing(value):
            raise CellValueError(
                f"{spec.type} columns are computed by the server and cannot be written",
                row=row,
                column=spec.name,
                value=value,
            )
        return self._encode(spec, value, row)

    def _encode(self, spec: ColumnSpec, value: Any, row: int | None) -> Any:
        # pandas NA/NaT are empty cells; a float NaN reaches the type's check and is refused.
        if value is None or (
            type(value) not in _PLAIN and not isinstance(value, float) and is_missing(value)
        ):
            return None
        try:
            return self._cells.encode(spec, value)
        except Invalid as exc:
            raise CellValueError(exc.reason, row=row, column=spec.name, value=value) from None

    def row(self, row: Mapping[str, Any], *, index: int | None = None) -> EncodedRow:
        """Encode one row keyed by column names (or keys).

        Raises:
            CellValueError: the first invalid value, naming ``index``, the column and value.
        """
        cells, links, row_id = self.split(row, index=index)
        return EncodedRow(index=index, cells=cells, links=links or {}, row_id=row_id)

    def split(
        self, row: Mapping[str, Any], *, index: int | None = None
    ) -> tuple[dict[str, Any], dict[str, list[str]] | None, str | None]:
        """`row` without building an `EncodedRow` (for hot loops): the cells, the link cells
        (None when there are none) and the input's ``_id``.

        Raises:
            CellValueError: the first invalid value, naming ``index``, the column and value.
        """
        if type(row) is not dict and not isinstance(row, Mapping):
            raise CellValueError("a row must be a mapping", row=index, column="", value=row)
        cells: dict[str, Any] = {}
        links: dict[str, list[str]] | None = None
        row_id: str | None = None
        plan = self._plan
        for name, value in row.items():
            entry = plan.get(name)  # plan keys are all str: checked below only when missing
            if entry is None:
                if not isinstance(name, str):
                    raise CellValueError(
                        "column names are strings", row=index, column="", value=name
                    )
                if name == "_id" and isinstance(value, str) and value:
                    row_id = value
                elif name in SYSTEM_FIELDS or self._unknown == "drop":
                    pass
                elif self._unknown == "keep":
                    cells[name] = value
                else:
                    raise CellValueError("no such column", row=index, column=name, value=value)
                continue
            out, kind, fast, spec = entry
            if kind is _CELL:
                wire = fast(value)
                cells[out] = self._encode(spec, value, index) if wire is SLOW else wire
            elif kind is _LINK:
                if links is None:
                    links = {}
                links[out] = self._encode(spec, value, index) or []
            else:
                self._read_only_value(spec, value, index)
        return cells, links, row_id

    def _read_only_value(self, spec: ColumnSpec, value: Any, index: int | None) -> None:
        if is_missing(value):
            return
        if self._read_only == "error":
            self.cell(spec.name, value, row=index)  # raises the read-only error
        if spec.name not in self._warned:
            self._warned.add(spec.name)
            warnings.warn(
                f"column {spec.name!r} is a {spec.type} column computed by the server; "
                "its values were dropped",
                ReadOnlyColumnWarning,
                stacklevel=3,
            )

    def iter_rows(
        self, rows: Iterable[Mapping[str, Any]], *, start: int = 0
    ) -> Iterator[EncodedRow]:
        """Encode rows lazily; row ``i`` of ``rows`` gets index ``start + i``.

        Raises:
            CellValueError: at the first invalid value.
        """
        for offset, row in enumerate(rows):
            yield self.row(row, index=start + offset)

    def rows(self, rows: Iterable[Mapping[str, Any]], *, start: int = 0) -> list[EncodedRow]:
        """Encode and validate every row before returning; see `iter_rows`."""
        return list(self.iter_rows(rows, start=start))


def _kind(spec: ColumnSpec) -> int:
    return _READ_ONLY if spec.read_only else _LINK if spec.type == "link" else _CELL


def encode_row(
    row: Mapping[str, Any], columns: Iterable[ColumnLike | Mapping[str, Any]], **options: Any
) -> EncodedRow:
    """Encode one row; ``options`` are `RowEncoder`'s keywords. Prefer a reused `RowEncoder`."""
    return RowEncoder(columns, **options).row(row)


def encode_cell(value: Any, column: ColumnLike | Mapping[str, Any], **options: Any) -> Any:
    """Encode one value for one column; ``options`` are `RowEncoder`'s keywords.

    Raises:
        CellValueError: the value cannot be written to that column.
    """
    encoder = RowEncoder([column], **options)
    return encoder.cell(encoder.columns[0].name, value)
