"""Export: a whole table, a view or an SQL query, streamed as batches of rows.

Routes (``route=``; ``"auto"`` picks the cheapest the request allows):

``"sql"`` (a whole table, the default)
    ``SELECT COUNT(*)`` first, then pages of up to 10,000 rows ordered by ``_id`` (the only
    order that is total and never changes: row ids are unique and immutable), fetched
    ``concurrency`` at a time: 100,000 rows cost 11 requests. Pages are placed at offsets
    spread evenly over the count, so consecutive pages overlap whenever the count is not a
    multiple of the page size; the overlap and the page sizes expected from the count check
    that no write moved rows between pages while they were fetched. When a check fails, rows
    seen twice are dropped and the gaps between pages, and everything after the last page, are
    read again by keyset (``_id > last``) — those rows come at the end. A table written while
    it is exported can still hide a skipped row when an insert and a delete cancel out
    between two page fetches; ``route="keyset"`` rules that out.
``"keyset"``
    Pages by keyset (``WHERE _id > last ORDER BY _id``), one after the other: every row that
    exists for the whole export is read exactly once, whatever is written meanwhile; one round
    trip per page plus a last, short or empty, page.
``"rows"`` (a view, or where SQL is refused)
    List-rows pages of 1,000 (the server's cap), one after the other, in the view's order.
``"query"`` (``sql=``)
    The statement with ``LIMIT``/``OFFSET`` pages appended, one after the other; give it an
    ``ORDER BY`` for a stable order.

Memory holds at most ``concurrency`` pages (10,000 rows each) at a time, however large the
table. Concurrent pages are fetched in waves and yielded between waves, so no task group spans
a ``yield``.
"""

from __future__ import annotations

import inspect
import math
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, Literal, Protocol

import anyio
import attrs

from seatable_async import _validate as check
from seatable_async._base.sql_text import SQL_CAP, without_literals
from seatable_async.cells import CellOptions, cell_options
from seatable_async.errors import BadRequestError, ConfigurationError, UnsupportedOperationError
from seatable_async.models import SqlResult

__all__ = [
    "DEFAULT_EXPORT_CONCURRENCY",
    "ExportJob",
    "ExportProgress",
    "ExportProgressCallback",
    "ExportRoute",
    "RowLister",
    "SqlRunner",
    "export_concurrency",
    "quote_name",
]

ExportRoute = Literal["auto", "sql", "keyset", "rows", "query"]
DEFAULT_EXPORT_CONCURRENCY = 4
"""SQL pages in flight at once by default (memory holds this many pages)."""
_LIST_CAP = 1000
Rows = list[dict[str, Any]]


@attrs.frozen
class ExportProgress:
    """One progress event of an export, sent after each batch.

    Attributes:
        rows: rows yielded so far.
        total: the row count taken at the start (``"sql"`` route), else None.
        requests: requests the export has made so far (count and pages; not retries).
        route: the route in use: ``"sql"``, ``"keyset"``, ``"rows"`` or ``"query"``.
        elapsed: seconds since the export started.
    """

    rows: int
    total: int | None
    requests: int
    route: str
    elapsed: float


ExportProgressCallback = Callable[[ExportProgress], Awaitable[None] | None]


class SqlRunner(Protocol):
    """What an export needs to run SQL (a base's SQL operations)."""

    async def sql(
        self,
        sql: str,
        parameters: Sequence[Any] | None = None,
        *,
        decode: bool | CellOptions = False,
    ) -> SqlResult: ...


class RowLister(Protocol):
    """What an export needs to list rows (a base's row operations)."""

    async def list_rows(
        self,
        table: str,
        *,
        view: str | None = None,
        start: int = 0,
        limit: int = _LIST_CAP,
        decode: bool | CellOptions = False,
    ) -> Rows: ...


def quote_name(name: str) -> str:
    """A table or column name as an SQL identifier."""
    return "`" + name.replace("`", "``") + "`"


@attrs.define
class _Page:
    offset: int
    rows: Rows = attrs.field(factory=list)


class ExportJob:
    """One export; `batches` runs it. Arguments are checked on construction.

    Raises:
        ConfigurationError: invalid arguments (before any request).
    """

    def __init__(
        self,
        lister: RowLister,
        runner: SqlRunner,
        table: str | None,
        *,
        sql: str | None,
        parameters: Sequence[Any] | None,
        view: str | None,
        columns: Sequence[str] | None,
        batch_size: int,
        decode: bool | CellOptions,
        on_progress: ExportProgressCallback | None,
        route: ExportRoute,
        concurrency: int | None,
        client_limit: int,
    ) -> None:
        if table is not None:
            table = check.text(table, "table")
        if sql is not None:
            sql = check.text(sql, "sql")
        if view is not None:
            view = check.text(view, "view")
        if columns is not None:
            if isinstance(columns, str) or not isinstance(columns, Sequence):
                raise ConfigurationError("columns must be a sequence of column names")
            columns = [check.text(c, "columns[]") for c in columns]
        check.integer(batch_size, "batch_size", minimum=1, maximum=SQL_CAP)
        if concurrency is not None:
            check.integer(concurrency, "concurrency", minimum=1)
        if on_progress is not None:
            check.function(on_progress, "on_progress")
        self._lister = lister
        self._runner = runner
        self.table = table
        self.route = _choose(table, sql, view, columns, route)
        self._statement = _statement(sql) if sql is not None else None
        self._parameters = list(parameters) if parameters is not None else None
        self._view = view
        # _id always comes along (keyset pages and the checks need it), once.
        self._columns = [c for c in columns if c != "_id"] if columns is not None else None
        self._size = batch_size
        self._decode: bool | CellOptions = cell_options(decode, "decode") or False
        self._on_progress = on_progress
        self._concurrency = export_concurrency(concurrency, client_limit)
        self.requests = 0
        self.rows = 0
        self.total: int | None = None
        self.sql_columns: list[dict[str, Any]] | None = None
        self._started = time.perf_counter()

    async def batches(self) -> AsyncIterator[Rows]:
        """Run the export: batches of rows, none empty."""
        self._started = time.perf_counter()
        if self.route == "auto":
            try:
                self.total = await self._count()
                self.route = "sql"
            except (BadRequestError, UnsupportedOperationError):
                self.route = "rows"  # SQL refused here: list-rows pages still work
        pages = {
            "sql": self._sql_pages,
            "keyset": self._keyset_pages,
            "rows": self._list_pages,
            "query": self._query_pages,
        }[self.route]()
        async for batch in pages:
            if batch:
                self.rows += len(batch)
                yield batch
                await self._progress()

    async def _progress(self) -> None:
        if self._on_progress is None:
            return
        event = ExportProgress(
            rows=self.rows,
            total=self.total,
            requests=self.requests,
            route=self.route,
            elapsed=time.perf_counter() - self._started,
        )
        result = self._on_progress(event)
        if inspect.isawaitable(result):
            await result

    # -- requests ------------------------------------------------------------------------------

    async def _query(self, statement: str, parameters: Sequence[Any] | None = None) -> Rows:
        self.requests += 1
        result = await self._runner.sql(statement, parameters, decode=self._decode)
        if self.sql_columns is None:
            self.sql_columns = result.columns
        return result.rows

    async def _count(self) -> int:
        assert self.table is not None
        self.requests += 1
        result = await self._runner.sql(f"SELECT COUNT(*) FROM {quote_name(self.table)}")
        value = next(iter(result.rows[0].values()), None) if result.rows else None
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
            raise BadRequestError(f"unexpected COUNT(*) answer {value!r:.40}", status=200)
        return int(value)

    def _select(self) -> str:
        assert self.table is not None
        if self._columns is None:
            fields = "*"
        else:
            fields = ", ".join(quote_name(c) for c in ["_id", *self._columns] if c)
        return f"SELECT {fields} FROM {quote_name(self.table)}"

    # -- routes --------------------------------------------------------------------------------

    async def _sql_pages(self) -> AsyncIterator[Rows]:
        if self.total is None:
            self.total = await self._count()
        count, size = self.total, self._size
        if count == 0:
            if self._columns is not None:
                # No page will be asked for: let the server check the names (an unknown
                # column is a BadRequestError, also for an empty table).
                await self._query(f"{self._select()} LIMIT 1")
            return
        pages = math.ceil(count / size)
        stride = math.ceil(count / pages)
        select = f"{self._select()} ORDER BY `_id` LIMIT {size} OFFSET "
        previous: set[str] = set()  # ids of the page before: drops what two pages share
        gaps: list[tuple[str, str]] = []
        last: str | None = None
        sound = True
        before = 0  # rows expected in the page before
        offsets = [k * stride for k in range(pages)]
        for start in range(0, pages, self._concurrency):
            wave = [_Page(o) for o in offsets[start : start + self._concurrency]]
            await self._fetch_all(wave, lambda page: self._query(select + str(page.offset)))
            for page in wave:
                # An unchanged table gives each page exactly these sizes and overlaps.
                expected = max(0, min(size, count - page.offset))
                overlap = min(expected, max(0, before - stride)) if page.offset else 0
                fresh = [r for r in page.rows if r.get("_id") not in previous]
                if len(page.rows) != expected or len(page.rows) - len(fresh) != overlap:
                    sound = False
                if last is not None and fresh:
                    gaps.append((last, str(fresh[0].get("_id"))))
                previous = {str(r.get("_id")) for r in page.rows}
                if page.rows:
                    last = str(page.rows[-1].get("_id"))
                before = expected
                yield fresh
        if not sound:
            async for rows in self._repair(gaps, last):
                yield rows

    async def _repair(self, gaps: list[tuple[str, str]], last: str | None) -> AsyncIterator[Rows]:
        """Rows a write may have moved past the pages: between pages, and after the last."""
        ranges = [("`_id` > ? AND `_id` < ?", [a, b]) for a, b in gaps]
        if last is not None:
            ranges.append(("`_id` > ?", [last]))
        for start in range(0, len(ranges), 50):
            part = ranges[start : start + 50]
            condition = " OR ".join(f"({c})" for c, _ in part)
            params = [p for _, ps in part for p in ps]
            async for rows in self._keyset(f"({condition})", params):
                yield rows

    async def _keyset_pages(self) -> AsyncIterator[Rows]:
        async for rows in self._keyset(None, []):
            yield rows

    async def _keyset(self, condition: str | None, params: list[Any]) -> AsyncIterator[Rows]:
        after: str | None = None
        while True:
            where = [condition] if condition else []
            args = list(params)
            if after is not None:
                where.append("`_id` > ?")
                args.append(after)
            clause = f" WHERE {' AND '.join(where)}" if where else ""
            statement = f"{self._select()}{clause} ORDER BY `_id` LIMIT {self._size}"
            rows = await self._query(statement, args or None)
            yield rows
            if len(rows) < self._size:
                return
            after = str(rows[-1].get("_id"))

    async def _list_pages(self) -> AsyncIterator[Rows]:
        assert self.table is not None
        start = 0
        batch: Rows = []
        keep = None if self._columns is None else {"_id", *self._columns}
        while True:
            self.requests += 1
            page = await self._lister.list_rows(
                self.table, view=self._view, start=start, limit=_LIST_CAP, decode=self._decode
            )
            batch.extend(
                page if keep is None else ({k: r[k] for k in r if k in keep} for r in page)
            )
            while len(batch) >= self._size:
                yield batch[: self._size]
                batch = batch[self._size :]
            if len(page) < _LIST_CAP:
                yield batch
                return
            start += len(page)

    async def _query_pages(self) -> AsyncIterator[Rows]:
        assert self._statement is not None
        offset = 0
        while True:
            statement = f"{self._statement}\nLIMIT {self._size} OFFSET {offset}"
            rows = await self._query(statement, self._parameters)
            yield rows
            if len(rows) < self._size:
                return
            offset += self._size

    async def _fetch_all(
        self, pages: list[_Page], fetch: Callable[[_Page], Awaitable[Rows]]
    ) -> None:
        async def one(page: _Page) -> None:
            page.rows = await fetch(page)

        if len(pages) == 1:
            await one(pages[0])
            return
        async with anyio.create_task_group() as group:
            for page in pages:
                group.start_soon(one, page)


def _choose(
    table: str | None,
    sql: str | None,
    view: str | None,
    columns: Sequence[str] | None,
    route: str,
) -> ExportRoute:
    if route not in ("auto", "sql", "keyset", "rows", "query"):
        raise ConfigurationError("route must be 'auto', 'sql', 'keyset', 'rows' or 'query'")
    if sql is not None:
        if table is not None or view is not None or columns is not None:
            raise ConfigurationError("sql= exports a query: pass no table, view or columns")
        if route not in ("auto", "query"):
            raise ConfigurationError(f"route {route!r} exports a table; sql= needs 'query'")
        return "query"
    if table is None:
        raise ConfigurationError("export needs a table name or sql=")
    if route == "query":
        raise ConfigurationError("route 'query' needs sql=")
    if view is not None:
        if route not in ("auto", "rows"):
            raise ConfigurationError("a view is exported through list-rows pages: route='rows'")
        return "rows"
    return "auto" if route == "auto" else route  # type: ignore[return-value]


def _statement(sql: str) -> str:
    statement = sql.strip().rstrip(";").strip()
    if not statement or statement.split(None, 1)[0].lower() != "select":
        raise ConfigurationError("sql must be a SELECT statement")
    if re.search(r"\b(limit|offset)\b", without_literals(statement), re.IGNORECASE):
        raise ConfigurationError("sql must not hold LIMIT/OFFSET: export pages it itself")
    return statement


def export_concurrency(value: int | None, client_limit: int) -> int:
    """Pages in flight: ``value``, else the default, never above the client's limit."""
    chosen = DEFAULT_EXPORT_CONCURRENCY if value is None else value
    return max(1, min(chosen, client_limit))
