"""Typed cells: Python values ⇄ SeaTable's cell JSON, and rows ⇄ Arrow, pandas and polars.

Pure and I/O-free: nothing here sends a request. Column descriptions come from metadata
(``models.Column``, metadata/SQL dicts or `ColumnSpec`).

* `RowEncoder` turns rows of Python values into what append/update accept, raising
  `CellValueError` (row index, column, value) before anything is sent. Link values come out
  separately (`EncodedRow.links`): they are written through the links API.
* `RowDecoder` turns server rows into Python values (opt-in; raw JSON stays the default).
* `CellOptions` bundles the settings of both, as the SDK's ``encode=`` / ``decode=`` take them.
* `ArrowBuilder` / `to_arrow` / `to_pandas` / `to_polars` build frames from rows;
  `iter_frame_rows` / `iter_frame_batches` stream rows out of frames and Arrow readers.

**Zone rule.** SeaTable stores a date-time as a wall-clock time in the *server's* time zone
and answers with that zone's offset (``2030-06-20T23:55:00+02:00``). Writing: a `date` is sent
as ``YYYY-MM-DD``; a naive `datetime` is taken as the server's wall clock and sent unchanged
(``YYYY-MM-DD HH:MM``); an aware `datetime` is converted to ``server_tz`` (the server's zone,
e.g. ``ZoneInfo("Europe/Berlin")``) and then sent as wall clock — without ``server_tz`` it is
refused, since guessing the zone would shift it silently. Date columns hold minutes (seconds
when their format shows ``ss``) and date-only columns days: a value with finer parts is refused
unless ``truncate=True``. Reading: a date-only column gives the calendar `date` exactly as the
server wrote it (never shifted through UTC); a date-time column gives an aware `datetime` with
the server's offset, converted to ``server_tz`` when given; offset-less answers of pre-4.4
servers are naive, or in ``server_tz`` when given. Arrow timestamps use ``server_tz`` (UTC
without it).

**Decimal rule.** SeaTable stores numbers as IEEE-754 doubles. A `Decimal` is written when that
double holds it exactly — integral and within ±2**53 (sent as an int), or equal to the shortest
decimal of the nearest double (``Decimal("0.1")`` is sent as ``0.1``); ints beyond ±2**53 and
decimals with more digits are refused rather than rounded silently, as are NaN and infinity.
Reading gives ints and floats as the JSON had them, or with ``decimals=True`` the shortest
`Decimal` that reads back as the stored double (``499.99`` → ``Decimal("499.99")``).
"""

from seatable_async.cells._arrow_types import (
    DEFAULT_SYSTEM_FIELDS,
    arrow_field,
    arrow_schema,
    arrow_type,
)
from seatable_async.cells._decoder import RowDecoder, decode_cell, decode_row
from seatable_async.cells._encoder import (
    EncodedRow,
    ReadOnlyColumnWarning,
    RowEncoder,
    encode_cell,
    encode_row,
)
from seatable_async.cells._frames_in import iter_frame_batches, iter_frame_rows
from seatable_async.cells._frames_out import (
    ArrowBuilder,
    record_batch_reader,
    record_batches,
    to_arrow,
    to_pandas,
    to_polars,
)
from seatable_async.cells._options import CellOptions, cell_options
from seatable_async.cells._spec import (
    READ_ONLY_TYPES,
    SYSTEM_FIELDS,
    ColumnLike,
    ColumnSpec,
    LinkInfo,
    column_spec,
    column_specs,
)
from seatable_async.errors import CellValueError

__all__ = [
    "DEFAULT_SYSTEM_FIELDS",
    "READ_ONLY_TYPES",
    "SYSTEM_FIELDS",
    "ArrowBuilder",
    "CellOptions",
    "CellValueError",
    "ColumnLike",
    "ColumnSpec",
    "EncodedRow",
    "LinkInfo",
    "ReadOnlyColumnWarning",
    "RowDecoder",
    "RowEncoder",
    "arrow_field",
    "arrow_schema",
    "arrow_type",
    "cell_options",
    "column_spec",
    "column_specs",
    "decode_cell",
    "decode_row",
    "encode_cell",
    "encode_row",
    "iter_frame_batches",
    "iter_frame_rows",
    "record_batch_reader",
    "record_batches",
    "to_arrow",
    "to_pandas",
    "to_polars",
]
