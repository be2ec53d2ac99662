"""Typed cells on a `Base`: encoders and decoders built from the cached schema.

Writes (``append_rows``, ``update_rows``, ``import_rows``) encode by default: every value is
converted to the wire form of its column's type, and an invalid one raises `CellValueError`
(row, column, value) before anything is sent. Reads decode on request (``decode=True``).
The server's time zone comes from ``Client(timezone=...)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from seatable_async._base.context import BaseContext
from seatable_async._base.links import Links
from seatable_async.cells import CellOptions, EncodedRow, RowDecoder, RowEncoder, cell_options
from seatable_async.cells._raw import check_raw_rows
from seatable_async.errors import (
    CellValueError,
    ConfigurationError,
    PartialWrite,
    ResponseFormatError,
    SeaTableError,
)
from seatable_async.models import Table

__all__ = ["Cells", "Encoded", "WritePlan", "check_links", "row_items"]

Encoded = tuple[Table, RowEncoder, list[EncodedRow]]
Row = Mapping[str, Any] | EncodedRow


@attrs.frozen
class WritePlan:
    """Rows ready to send, and the link cells to write once the rows exist.

    Attributes:
        cells: per input row, the cells for the rows endpoint.
        links: ``(input position, {link column: row ids})`` of the rows that have links.
        table: the table's metadata (when links are to be written).
        encoder: the encoder (when links are to be written).
    """

    cells: list[dict[str, Any]]
    links: list[tuple[int, dict[str, list[str]]]] = attrs.field(factory=list)
    table: Table | None = None
    encoder: RowEncoder | None = None


def row_items(rows: object, what: str = "rows") -> list[Row]:
    """A sequence of row mappings or `EncodedRow` items.

    Raises:
        ConfigurationError: anything else.
    """
    if isinstance(rows, (str, bytes, Mapping)) or not isinstance(rows, Sequence):
        raise ConfigurationError(f"{what} must be a sequence of mappings (column name -> value)")
    for index, row in enumerate(rows):
        if type(row) is not dict and not isinstance(row, (Mapping, EncodedRow)):
            raise ConfigurationError(
                f"{what}[{index}] must be a mapping of column names to values, "
                f"not a {type(row).__name__}"
            )
    return list(rows)


class Cells:
    """Encoders and decoders for a base's tables, shared by its rows, SQL and export."""

    def __init__(self, context: BaseContext) -> None:
        self._ctx = context

    async def row_encoder(self, table: str, encode: bool | CellOptions = True) -> RowEncoder:
        """A `RowEncoder` for ``table`` (its columns from the cached metadata, the client's
        time zone): validate or convert rows yourself before sending them.

        Raises:
            NotFoundError: no such table.
            ConfigurationError: ``encode`` is not True or a `CellOptions`.
        """
        options = cell_options(encode, "encode") or CellOptions()
        return options.encoder((await self._ctx.schema.table(table)).columns, server_tz=self.tz)

    async def row_decoder(self, table: str, decode: bool | CellOptions = True) -> RowDecoder:
        """A `RowDecoder` for ``table`` (its columns from the cached metadata, the client's
        time zone), for rows read with ``decode=False``.

        Raises:
            NotFoundError: no such table.
        """
        options = cell_options(decode, "decode") or CellOptions()
        return options.decoder((await self._ctx.schema.table(table)).columns, server_tz=self.tz)

    @property
    def tz(self) -> Any:
        return self._ctx.session.timezone

    async def plan_writes(
        self, table: str, rows: Sequence[Row], encode: bool | CellOptions
    ) -> WritePlan:
        """Encode rows (unless ``encode=False``; `EncodedRow` items are sent as encoded) and
        check their link cells, before anything is sent.

        Raises:
            CellValueError: an invalid value (row index, column, value).
        """
        options = cell_options(encode, "encode")
        if options is None:
            raw = [dict(r) for r in rows if not isinstance(r, EncodedRow)]
            check_raw_rows([(i, r) for i, r in enumerate(rows) if not isinstance(r, EncodedRow)])
            if len(raw) == len(rows):  # nothing encoded yet: send the rows as given
                return WritePlan(raw)
        if options is None:  # raw rows stay raw next to already encoded ones
            rows = [
                r if isinstance(r, EncodedRow) else EncodedRow(i, dict(r))
                for i, r in enumerate(rows)
            ]
        meta, encoder, encoded = await self._encode(table, rows, options or CellOptions())
        check_links(encoder, encoded)
        links = [(i, dict(e.links)) for i, e in enumerate(encoded) if e.links]
        return WritePlan([e.cells for e in encoded], links, meta, encoder)

    async def write_links(self, plan: WritePlan, row_ids: Sequence[str]) -> None:
        """Write the plan's link cells to the rows ``row_ids`` (by input position).

        Raises:
            SeaTableError: the links failed; ``partial`` says every row was written, with
                its id (the rows landed, only their links are missing).
        """
        if not plan.links or plan.table is None:
            return
        by_column: dict[str, dict[str, list[str]]] = {}
        for i, cells in plan.links:
            for name, ids in cells.items():
                by_column.setdefault(name, {})[row_ids[i]] = ids
        links = Links(self._ctx)
        try:
            for name, targets in by_column.items():
                await links.set(plan.table.name, name, targets)
        except SeaTableError as exc:
            error = exc.with_message(
                f"the rows were written (ids in .partial) but not their link cells: {exc.message}"
            )
            total = len(plan.cells)
            error.partial = PartialWrite(
                total=total,
                applied=tuple(range(total)),
                maybe_applied=(),
                not_applied=(),
                row_ids=dict(enumerate(row_ids)),
            )
            raise error from exc

    async def _encode(
        self, table: str, rows: Sequence[Mapping[str, Any] | EncodedRow], options: CellOptions
    ) -> Encoded:
        """Encode every row before anything is sent; `EncodedRow` items pass as they are.

        A value refused by metadata cached earlier is checked once more against fresh
        metadata (a column or option may have been added since).

        Raises:
            CellValueError: the first invalid value (row index, column, value).
        """
        schema = self._ctx.schema
        seen = schema.generation
        table_meta = await schema.table(table)
        try:
            return self._encode_with(table_meta, rows, options)
        except CellValueError:
            if schema.generation != seen:
                raise  # the metadata is fresh: the value is wrong
        table_meta = await schema.table(table, refresh=True)
        return self._encode_with(table_meta, rows, options)

    def _encode_with(
        self, table: Table, rows: Sequence[Mapping[str, Any] | EncodedRow], options: CellOptions
    ) -> Encoded:
        encoder = options.encoder(table.columns, server_tz=self.tz)
        out = [
            row if isinstance(row, EncodedRow) else encoder.row(row, index=index)
            for index, row in enumerate(rows)
        ]
        return table, encoder, out

    async def decode(
        self, table: str, rows: list[dict[str, Any]], options: CellOptions
    ) -> list[dict[str, Any]]:
        """Decode rows of ``table``; a value that does not fit its cached column type is
        decoded once more with fresh metadata (the column may have changed type).

        Raises:
            ResponseFormatError: a value does not fit its column's type.
        """
        schema = self._ctx.schema
        seen = schema.generation
        try:
            return (await self._table_decoder(table, options)).rows(rows)
        except ResponseFormatError:
            if schema.generation != seen:
                raise
        schema.invalidate()
        return (await self._table_decoder(table, options)).rows(rows)

    async def _table_decoder(self, table: str, options: CellOptions) -> RowDecoder:
        return options.decoder((await self._ctx.schema.table(table)).columns, server_tz=self.tz)

    def columns_decoder(
        self, columns: Sequence[Mapping[str, Any]], options: CellOptions
    ) -> RowDecoder:
        """A decoder for an SQL answer, from the columns its ``metadata`` describes."""
        unique: dict[str, Mapping[str, Any]] = {}
        for column in columns:
            name, type_ = column.get("name"), column.get("type")
            if isinstance(name, str) and isinstance(type_, str):
                unique.setdefault(name, column)
        return options.decoder(unique.values(), server_tz=self.tz)


def check_links(encoder: RowEncoder, rows: Sequence[EncodedRow]) -> None:
    """Refuse link values for columns whose metadata does not say where they point (before
    anything is sent).

    Raises:
        CellValueError: naming the first such row and column.
    """
    for row in rows:
        for name, ids in row.links.items():
            spec = encoder.column(name)
            if spec is None or spec.link is None:
                raise CellValueError(
                    "the column's metadata has no link_id/table_id/other_table_id, so its "
                    "links cannot be written",
                    row=row.index,
                    column=name,
                    value=ids,
                )
