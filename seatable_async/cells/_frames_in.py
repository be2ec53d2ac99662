"""DataFrames and Arrow data → row dicts of plain Python values, streamed in batches."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Iterator
from typing import Any, Literal

from seatable_async.cells._common import is_missing
from seatable_async.cells._deps import loaded, require
from seatable_async.errors import ConfigurationError

__all__ = ["iter_frame_batches", "iter_frame_rows"]

MissingPolicy = Literal["omit", "none"]


def iter_frame_rows(
    source: Any, *, batch_size: int = 1000, missing: MissingPolicy = "omit"
) -> Iterator[dict[str, Any]]:
    """Rows of a frame as dicts of plain Python values, streamed.

    Args:
        source: a pandas DataFrame, a polars DataFrame, a `pyarrow.Table`, `RecordBatch` or
            `RecordBatchReader`, an iterable of record batches (``ParquetFile.iter_batches()``),
            or any object exporting an Arrow stream (``__arrow_c_stream__``). The pandas index
            is ignored.
        batch_size: rows converted at a time; memory stays at about one batch (plus the
            reader's current batch), whatever the source's size.
        missing: ``"omit"`` leaves empty values (None, NaN, NaT, NA) out of the row (an
            append then leaves the cell empty, an update leaves it unchanged); ``"none"``
            keeps them as None (an update then clears the cell).

    Values: numpy scalars become Python scalars, timestamps `datetime` (aware when the column
    has a zone), dates `date`, durations `timedelta`, decimals `Decimal`, categoricals their
    labels, lists lists and structs dicts. Nanoseconds are cut to microseconds.

    Raises:
        ConfigurationError: unsupported source, or the library needed to read it is missing.
    """
    for batch in iter_frame_batches(source, batch_size=batch_size, missing=missing):
        yield from batch


def iter_frame_batches(
    source: Any, *, batch_size: int = 1000, missing: MissingPolicy = "omit"
) -> Iterator[list[dict[str, Any]]]:
    """Like `iter_frame_rows`, grouped in lists of ``batch_size`` rows (the last may be
    shorter): 1,000 matches SeaTable's append limit."""
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
        raise ConfigurationError("batch_size must be a positive int")
    if missing not in ("omit", "none"):
        raise ConfigurationError("missing must be 'omit' or 'none'")
    rows = (_clean(r, missing) for r in _python_rows(source, batch_size))
    while batch := list(itertools.islice(rows, batch_size)):
        yield batch


def _python_rows(source: Any, size: int) -> Iterator[dict[str, Any]]:
    pd, pl, pa = loaded("pandas"), loaded("polars"), loaded("pyarrow")
    if pd is not None and isinstance(source, pd.DataFrame):
        yield from _pandas_rows(source, size)
    elif pl is not None and isinstance(source, pl.DataFrame):
        pa = require("pyarrow")
        for part in source.iter_slices(size):
            yield from _arrow_rows(pa, part.to_arrow(), size)
    elif pa is not None and isinstance(source, (pa.Table, pa.RecordBatch)):
        for batch in source.to_batches(size) if isinstance(source, pa.Table) else [source]:
            yield from _arrow_rows(pa, batch, size)
    elif pa is not None and isinstance(source, pa.RecordBatchReader):
        for batch in source:
            yield from _arrow_rows(pa, batch, size)
    elif hasattr(source, "__arrow_c_stream__"):
        pa = require("pyarrow")
        for batch in pa.RecordBatchReader.from_stream(source):
            yield from _arrow_rows(pa, batch, size)
    elif pa is not None and isinstance(source, Iterable) and not isinstance(source, (str, bytes)):
        # Record batches one by one: ParquetFile.iter_batches(), Dataset.to_batches(), …
        for batch in source:
            if not isinstance(batch, pa.RecordBatch):
                raise _unsupported(source)
            yield from _arrow_rows(pa, batch, size)
    else:
        raise _unsupported(source)


def _unsupported(source: Any) -> ConfigurationError:
    return ConfigurationError(
        f"cannot read rows from {type(source).__name__}: pass a pandas or polars DataFrame, "
        "a pyarrow Table, RecordBatch or RecordBatchReader, or an iterable of RecordBatches"
    )


def _arrow_rows(pa: Any, batch: Any, size: int) -> Iterator[dict[str, Any]]:
    batch = _microseconds(pa, batch)
    for start in range(0, batch.num_rows, size):
        yield from batch.slice(start, size).to_pylist()


def _microseconds(pa: Any, batch: Any) -> Any:
    # Python's datetime/timedelta hold microseconds; nanosecond columns would otherwise come
    # back as pandas objects (or fail without pandas).
    types = pa.types
    fields = []
    for f in batch.schema:
        if types.is_timestamp(f.type) and f.type.unit == "ns":
            f = f.with_type(pa.timestamp("us", tz=f.type.tz))
        elif types.is_duration(f.type) and f.type.unit == "ns":
            f = f.with_type(pa.duration("us"))
        fields.append(f)
    schema = pa.schema(fields)
    if schema.equals(batch.schema):
        return batch
    return batch.cast(schema, safe=False)


def _pandas_rows(frame: Any, size: int) -> Iterator[dict[str, Any]]:
    pa = require("pyarrow")
    names = [str(c) for c in frame.columns]
    if len(set(names)) != len(names):
        raise ConfigurationError("the DataFrame has duplicate column names")
    for start in range(0, len(frame), size):
        chunk = frame.iloc[start : start + size]
        try:
            batch = pa.RecordBatch.from_pandas(chunk, preserve_index=False)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            # Mixed-type object columns have no Arrow type: convert value by value.
            for record in chunk.itertuples(index=False, name=None):
                yield {n: _plain(v) for n, v in zip(names, record, strict=True)}
            continue
        batch = batch.rename_columns(names)
        yield from _arrow_rows(pa, batch, size)


def _plain(value: Any) -> Any:
    if is_missing(value):
        return None
    if type(value).__name__ == "Timestamp" and callable(getattr(value, "to_pydatetime", None)):
        return value.to_pydatetime(warn=False)  # nanoseconds are cut, as documented
    if type(value).__name__ == "Timedelta" and callable(getattr(value, "to_pytimedelta", None)):
        return value.to_pytimedelta()
    if type(value).__module__ == "numpy":
        # Arrays (list cells) first: a one-element array also has .item().
        convert = value.tolist if type(value).__name__ == "ndarray" else value.item
        return convert()
    return value


def _clean(row: dict[str, Any], missing: MissingPolicy) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in row.items():
        if value is None or (isinstance(value, float) and math.isnan(value)):
            if missing == "none":
                out[name] = None
            continue
        out[name] = value
    return out
