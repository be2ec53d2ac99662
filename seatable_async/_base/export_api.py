"""Export of a `Base`: batches of rows, Arrow record batches, pyarrow / pandas / polars frames.

``export`` streams rows (see `seatable_async._base.export_job` for the routes); the frame methods
build on it, typing each column from its SeaTable type (see `seatable_async.cells.arrow_type`).
pyarrow, pandas and polars are optional extras, imported only when used.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from seatable_async._base.context import BaseContext
from seatable_async._base.export_job import (
    ExportJob,
    ExportProgressCallback,
    ExportRoute,
    RowLister,
    SqlRunner,
)
from seatable_async._base.sql_text import SQL_CAP
from seatable_async._base.typed import Cells
from seatable_async.cells import (
    DEFAULT_SYSTEM_FIELDS,
    SYSTEM_FIELDS,
    ArrowBuilder,
    CellOptions,
)
from seatable_async.cells._deps import require

if TYPE_CHECKING:
    import pandas as pd
    import polars as pl
    import pyarrow as pa

__all__ = ["Exporter"]


class Exporter:
    """Export and frames of one base; `Base` delegates ``export``, ``to_pandas``, … here.

    The rows come from ``lister`` (``list_rows``) and ``runner`` (``sql``) — the base's row
    and SQL operations.
    """

    def __init__(
        self, context: BaseContext, cells: Cells, lister: RowLister, runner: SqlRunner
    ) -> None:
        self._ctx = context
        self._cells = cells
        self._lister = lister
        self._runner = runner

    async def export(
        self,
        table: str | None = None,
        *,
        sql: str | None = None,
        parameters: Sequence[Any] | None = None,
        view: str | None = None,
        columns: Sequence[str] | None = None,
        batch_size: int = SQL_CAP,
        decode: bool | CellOptions = False,
        on_progress: ExportProgressCallback | None = None,
        route: ExportRoute = "auto",
        concurrency: int | None = None,
    ) -> AsyncIterator[list[dict[str, Any]]]:
        """Stream a whole table (or a view, or an SQL query) as batches of rows.

        A table goes out in SQL pages of up to 10,000 rows ordered by ``_id``, ``concurrency``
        at a time after one ``COUNT(*)`` (100,000 rows: 11 requests); a view through
        list-rows pages (1,000 per request); a query in ``LIMIT``/``OFFSET`` pages. Where the
        server refuses SQL, a table falls back to list-rows pages. See
        `seatable_async._base.export_job` for how each route keeps rows from being skipped or
        repeated while the table is written.

        Args:
            table: the table to export (or None with ``sql``).
            sql: a SELECT without LIMIT/OFFSET to export instead of a table.
            parameters: values for ``sql``'s ``?`` placeholders.
            view: export this view of ``table`` (its filters and sorts apply).
            columns: only these columns (and ``_id``).
            batch_size: rows per page and batch, 1..10000.
            decode: Python values by column type (see `Base.list_rows`).
            on_progress: called (sync or async) with an `ExportProgress` after each batch.
            route: ``"auto"`` (default), ``"sql"``, ``"keyset"`` (sequential keyset pages:
                exact even while the table is written), ``"rows"`` or ``"query"``.
            concurrency: SQL pages in flight (default 4, at most ``client.max_concurrency``);
                memory holds that many pages.

        Yields:
            Lists of rows keyed by column name, with ``_id`` and the system fields.

        Raises:
            ConfigurationError: invalid arguments (before any request).
            NotFoundError, BadRequestError: unknown table or view, or a refused query.
        """
        job = self._export_job(
            table, sql=sql, parameters=parameters, view=view, columns=columns,
            batch_size=batch_size, decode=decode, on_progress=on_progress, route=route,
            concurrency=concurrency,
        )  # fmt: skip
        async for batch in job.batches():
            yield batch

    def _export_job(self, table: str | None, **settings: Any) -> ExportJob:
        """Prepare an export; `ExportJob` checks the arguments before any request."""
        return ExportJob(
            self._lister,
            self._runner,
            table,
            client_limit=self._ctx.session.max_concurrency,
            **settings,
        )

    async def arrow_batches(
        self,
        table: str | None = None,
        *,
        sql: str | None = None,
        parameters: Sequence[Any] | None = None,
        view: str | None = None,
        columns: Sequence[str] | None = None,
        batch_size: int = SQL_CAP,
        on_progress: ExportProgressCallback | None = None,
        route: ExportRoute = "auto",
        concurrency: int | None = None,
        system_fields: Sequence[str] = DEFAULT_SYSTEM_FIELDS,
        cells: CellOptions | None = None,
    ) -> AsyncIterator[pa.RecordBatch]:
        """`export` as Arrow record batches with one schema, typed from the column types
        (write them to Parquet as they come: memory stays at a few batches). An export without
        rows yields one empty batch, so that a writer learns the schema.

        Args:
            system_fields: system fields to include first (``_id``, ``_ctime``, ``_mtime`` by
                default; a query has those it selects).
            cells: a `CellOptions` whose ``users`` (e-mail → user id) turns user ids into
                e-mail addresses.
            others: see `export`.

        Raises:
            ConfigurationError: pyarrow is missing (``pip install "seatable-async[arrow]"``).
        """
        require("pyarrow")
        job = self._export_job(
            table, sql=sql, parameters=parameters, view=view, columns=columns,
            batch_size=batch_size, decode=False, on_progress=on_progress, route=route,
            concurrency=concurrency,
        )  # fmt: skip
        plan = _ArrowPlan(job, columns, system_fields, cells or CellOptions())
        async for item in self._arrow(plan, with_builder=False):
            yield item

    async def _arrow(self, plan: _ArrowPlan, *, with_builder: bool) -> AsyncIterator[Any]:
        """Record batches; ``with_builder`` yields the `ArrowBuilder` first (for the schema
        of an export without rows)."""
        job = plan.job
        builder: ArrowBuilder | None = None
        if job.table is not None and job.route != "query":
            builder = await self._table_builder(job.table, plan)
            if with_builder:
                yield builder
        empty = True
        async for rows in job.batches():
            if builder is None:
                builder = self._query_builder(job.sql_columns or [], plan.cells)
                if with_builder:
                    yield builder
            yield builder.batch(rows)
            empty = False
        if empty:
            if builder is None:
                builder = self._query_builder(job.sql_columns or [], plan.cells)
                if with_builder:
                    yield builder
            if not with_builder:
                yield builder.batch([])  # so that a writer learns the schema

    async def _table_builder(self, table: str, plan: _ArrowPlan) -> ArrowBuilder:
        specs = (await self._ctx.schema.table(table)).columns
        system_fields = plan.system_fields
        if plan.columns is not None:
            wanted = set(plan.columns)
            specs = [c for c in specs if c.name in wanted]
            system_fields = [f for f in system_fields if f == "_id" or f in wanted]
        return ArrowBuilder(
            specs, server_tz=self._cells.tz, users=plan.cells.users, system_fields=system_fields
        )

    def _query_builder(self, described: list[dict[str, Any]], cells: CellOptions) -> ArrowBuilder:
        columns: dict[str, dict[str, Any]] = {}
        for column in described:
            name, type_ = column.get("name"), column.get("type")
            if isinstance(name, str) and isinstance(type_, str):
                columns.setdefault(name, column)
        return ArrowBuilder(
            [c for n, c in columns.items() if n not in SYSTEM_FIELDS],
            server_tz=self._cells.tz,
            users=cells.users,
            system_fields=[n for n in columns if n in SYSTEM_FIELDS],
        )

    async def to_arrow(self, /, table: str | None = None, **export: Any) -> pa.Table:
        """A `pyarrow.Table` of the whole export; ``export`` takes `arrow_batches`' keywords.

        Raises:
            ConfigurationError: pyarrow is missing (``pip install "seatable-async[arrow]"``).
        """
        pa = require("pyarrow")
        system_fields = export.pop("system_fields", DEFAULT_SYSTEM_FIELDS)
        cells = export.pop("cells", None)
        job = self._export_job(table, **{**_EXPORT_DEFAULTS, **export, "decode": False})
        plan = _ArrowPlan(job, export.get("columns"), system_fields, cells or CellOptions())
        builder: ArrowBuilder | None = None
        batches = []
        async for item in self._arrow(plan, with_builder=True):
            if builder is None:
                builder = item
            else:
                batches.append(item)
        assert builder is not None
        frame: Any = pa.Table.from_batches(batches, schema=builder.schema)
        return frame

    async def to_pandas(self, /, table: str | None = None, **export: Any) -> pd.DataFrame:
        """A pandas DataFrame of the whole export, built through Arrow (keywords: see
        `arrow_batches`).

        Raises:
            ConfigurationError: pandas or pyarrow is missing (``seatable-async[pandas]``).
        """
        require("pandas")
        frame: pd.DataFrame = (await self.to_arrow(table, **export)).to_pandas()
        return frame

    async def to_polars(self, /, table: str | None = None, **export: Any) -> pl.DataFrame:
        """A polars DataFrame of the whole export (keywords: see `arrow_batches`).

        Raises:
            ConfigurationError: polars or pyarrow is missing (``seatable-async[polars]``).
        """
        polars = require("polars")
        frame: pl.DataFrame = polars.from_arrow(await self.to_arrow(table, **export))
        return frame


@attrs.frozen
class _ArrowPlan:
    job: ExportJob
    columns: Sequence[str] | None
    system_fields: Sequence[str]
    cells: CellOptions


_EXPORT_DEFAULTS: dict[str, Any] = {
    "sql": None,
    "parameters": None,
    "view": None,
    "columns": None,
    "batch_size": SQL_CAP,
    "decode": False,
    "on_progress": None,
    "route": "auto",
    "concurrency": None,
}
