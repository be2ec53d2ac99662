"""Rows (raw or decoded) → Arrow record batches, tables, pandas and polars frames."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import tzinfo
from typing import TYPE_CHECKING, Any, cast

from seatable_async.cells._arrow_types import DEFAULT_SYSTEM_FIELDS, plan, system_spec
from seatable_async.cells._column_types import DATE_TYPES, ColumnType
from seatable_async.cells._decoder import RowDecoder
from seatable_async.cells._deps import require
from seatable_async.cells._spec import ColumnLike, ColumnSpec, column_specs
from seatable_async.errors import ConfigurationError, ResponseFormatError

if TYPE_CHECKING:
    import pandas as pd
    import polars as pl
    import pyarrow as pa

__all__ = [
    "ArrowBuilder",
    "record_batch_reader",
    "record_batches",
    "to_arrow",
    "to_pandas",
    "to_polars",
]

Row = Mapping[str, Any]
#: Rows, or batches of rows (what ``Base.export`` yields).
RowsOrBatches = Iterable[Row] | Iterable[Sequence[Row]]
# Types whose decoder changes plain values (ids → names, strings → datetimes, …).
_DECODED_TYPES: frozenset[ColumnType] = DATE_TYPES | {
    "single-select", "multiple-select", "collaborator", "creator", "last-modifier", "link",
    "duration", "digital-sign", "long-text",
}  # fmt: skip
# Decoded types that leave a plain str (their Arrow type) unchanged.
_IDENTITY_TYPES: frozenset[ColumnType] = frozenset({"long-text"})


class ArrowBuilder:
    """Turns rows of one table into Arrow record batches with a fixed schema.

    Rows may be raw server JSON (keyed by column names or keys) or already decoded; the
    schema comes from the columns (see `arrow_type`), so every batch matches it.

    Args:
        columns: the table's columns (``models.Column``, `ColumnSpec` or metadata dicts).
        server_tz: time zone of the timestamp columns, and of naive date-times (else UTC).
        users: email → user id; user ids become these emails.
        system_fields: system fields to include first (``_id``, ``_ctime``, ``_mtime`` by
            default; also ``_creator``, ``_last_modifier``, ``_archived``, ``_locked``,
            ``_locked_by``).

    Raises:
        ConfigurationError: pyarrow is missing, or columns/system fields are invalid.
    """

    def __init__(
        self,
        columns: Iterable[ColumnLike | Mapping[str, Any]],
        *,
        server_tz: tzinfo | None = None,
        users: Mapping[str, str] | None = None,
        system_fields: Sequence[str] = DEFAULT_SYSTEM_FIELDS,
    ) -> None:
        self._pa = require("pyarrow")
        specs = column_specs(columns)
        self._schema, self._adapters = plan(specs, system_fields=system_fields, server_tz=server_tz)
        self._specs: list[ColumnSpec] = [system_spec(f) for f in system_fields] + list(specs)
        if len({s.name for s in self._specs}) != len(self._specs):
            raise ConfigurationError("a system field is listed twice or named like a column")
        self._decoder = RowDecoder(specs, server_tz=server_tz, users=users)
        self._pc = require("pyarrow.compute")
        self._fast = {
            s.name: self._fast_path(s, f.type)
            for s, f in zip(self._specs, self._schema, strict=True)
        }

    def _fast_path(self, spec: ColumnSpec, arrow: Any) -> tuple[str, tuple[type, ...]] | None:
        # Columns whose JSON values Arrow can take or parse itself skip the per-value Python
        # path, which keeps wide exports fast; anything unexpected falls back to it.
        pa = self._pa
        if spec.type in ("ctime", "mtime") or (spec.type == "date" and spec.has_time):
            return ("stamp", (str,))
        if spec.type == "date":
            return ("day", (str,))
        if spec.type == "duration":
            return ("plain", (int,))
        if spec.type in _DECODED_TYPES and spec.type not in _IDENTITY_TYPES:
            return None
        plain = {pa.string(): (str,), pa.float64(): (int, float), pa.bool_(): (bool,),
                 pa.int64(): (int,)}.get(arrow)  # fmt: skip
        return ("plain", plain) if plain is not None else None

    @property
    def schema(self) -> pa.Schema:
        """The schema of every batch."""
        return self._schema

    def batch(self, rows: Iterable[Row]) -> pa.RecordBatch:
        """One record batch from rows.

        Raises:
            ResponseFormatError: a value does not fit its column's type.
        """
        rows = list(rows)
        if not all(isinstance(r, Mapping) for r in rows):
            raise ConfigurationError("rows must be mappings (dicts keyed by column name or key)")
        arrays = []
        for spec, adapter, field in zip(self._specs, self._adapters, self._schema, strict=True):
            name, key = spec.name, spec.key
            if key:
                values = [r[name] if name in r else r.get(key) for r in rows]
            else:
                values = [r.get(name) for r in rows]
            array = self._fast_array(spec, field.type, values)
            if array is None:
                decode = self._decoder.cell
                values = [adapter(decode(spec, v)) for v in values]
                try:
                    array = self._pa.array(values, type=field.type)
                except (self._pa.ArrowInvalid, self._pa.ArrowTypeError) as exc:
                    raise ResponseFormatError(
                        f"column {spec.name!r}: values do not fit Arrow type {field.type}: {exc}"
                    ) from None
            arrays.append(array)
        return self._pa.RecordBatch.from_arrays(arrays, schema=self._schema)

    def _fast_array(self, spec: ColumnSpec, arrow: Any, values: list[Any]) -> Any:
        fast = self._fast[spec.name]
        if fast is None:
            return None
        kind, plain = fast
        if not all(v is None or type(v) in plain for v in values):
            return None
        pa = self._pa
        try:
            if kind == "plain":
                return pa.array(values, type=arrow)
            strings = pa.array(values, type=pa.string())
            if kind == "day":
                # The calendar date as written: "2030-06-20T00:00:00+02:00" is the 20th.
                return self._pc.utf8_slice_codeunits(strings, 0, 10).cast(pa.date32())
            return strings.cast(arrow)  # ISO 8601 with offset → the instant
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            return None  # e.g. offset-less pre-4.4 date-times: the Python path reads them

    def batches(self, rows: RowsOrBatches, *, batch_size: int = 10_000) -> Iterator[pa.RecordBatch]:
        """Record batches, lazily: one per input batch, or per ``batch_size`` flat rows."""
        for chunk in _chunks(rows, batch_size):
            yield self.batch(chunk)

    def reader(self, rows: RowsOrBatches, *, batch_size: int = 10_000) -> pa.RecordBatchReader:
        """A streaming `pyarrow.RecordBatchReader` (for ``pyarrow.parquet.ParquetWriter``, …)."""
        return self._pa.RecordBatchReader.from_batches(
            self._schema, self.batches(rows, batch_size=batch_size)
        )

    def table(self, rows: RowsOrBatches, *, batch_size: int = 10_000) -> pa.Table:
        """A `pyarrow.Table` of every row."""
        return self._pa.Table.from_batches(
            list(self.batches(rows, batch_size=batch_size)), schema=self._schema
        )


def _chunks(rows: RowsOrBatches, size: int) -> Iterator[Sequence[Row]]:
    if size < 1:
        raise ConfigurationError("batch_size must be at least 1")
    it = iter(rows)
    first = next(it, None)
    if first is None:
        return
    if isinstance(first, Mapping):
        flat: Iterator[Any] = itertools.chain([first], it)
        while chunk := list(itertools.islice(flat, size)):
            yield chunk
        return
    for batch in itertools.chain([first], it):
        if isinstance(batch, (Mapping, str, bytes)) or not isinstance(batch, Iterable):
            raise ConfigurationError("rows must all be mappings, or all be batches of mappings")
        yield cast("list[Row]", list(batch))


def record_batches(
    rows: RowsOrBatches, columns: Iterable[ColumnLike | Mapping[str, Any]], **options: Any
) -> Iterator[pa.RecordBatch]:
    """Record batches from rows or batches of rows; ``options`` are `ArrowBuilder`'s
    keywords plus ``batch_size``."""
    size = options.pop("batch_size", 10_000)
    return ArrowBuilder(columns, **options).batches(rows, batch_size=size)


def record_batch_reader(
    rows: RowsOrBatches, columns: Iterable[ColumnLike | Mapping[str, Any]], **options: Any
) -> pa.RecordBatchReader:
    """A streaming reader over `record_batches` (flat memory: one batch at a time)."""
    size = options.pop("batch_size", 10_000)
    return ArrowBuilder(columns, **options).reader(rows, batch_size=size)


def to_arrow(
    rows: RowsOrBatches, columns: Iterable[ColumnLike | Mapping[str, Any]], **options: Any
) -> pa.Table:
    """A `pyarrow.Table`; ``options`` are `ArrowBuilder`'s keywords plus ``batch_size``.

    Raises:
        ConfigurationError: pyarrow is missing (``pip install "seatable-async[arrow]"``).
    """
    size = options.pop("batch_size", 10_000)
    return ArrowBuilder(columns, **options).table(rows, batch_size=size)


def to_pandas(
    rows: RowsOrBatches, columns: Iterable[ColumnLike | Mapping[str, Any]], **options: Any
) -> pd.DataFrame:
    """A pandas DataFrame built through Arrow; see `to_arrow`.

    Raises:
        ConfigurationError: pandas or pyarrow is missing (``seatable-async[pandas]``).
    """
    require("pandas")
    frame: pd.DataFrame = to_arrow(rows, columns, **options).to_pandas()
    return frame


def to_polars(
    rows: RowsOrBatches, columns: Iterable[ColumnLike | Mapping[str, Any]], **options: Any
) -> pl.DataFrame:
    """A polars DataFrame built through Arrow (zero-copy where possible); see `to_arrow`.

    Raises:
        ConfigurationError: polars or pyarrow is missing (``seatable-async[polars]``).
    """
    polars = require("polars")
    frame: pl.DataFrame = polars.from_arrow(to_arrow(rows, columns, **options))
    return frame
