"""SQL of a `Base`: one statement (`sql`), or a large SELECT page by page (`sql_pages`).

SQL goes to the gateway's ``/sql`` (4.4+) or the legacy dtable-db ``query/``. Servers take
``?`` parameters from 5.0 on; before that (4.4's gateway included) the SDK inlines them as
literals (see `seatable_async._base.sql_text`).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from seatable_async import _validate as check
from seatable_async._base.context import BaseContext
from seatable_async._base.routing import Endpoint, Route
from seatable_async._base.sql_text import (
    SQL_CAP,
    inline_parameters,
    json_parameter,
    result_cap,
    without_literals,
)
from seatable_async._base.typed import Cells
from seatable_async.cells import CellOptions, cell_options
from seatable_async.errors import BadRequestError, ConfigurationError
from seatable_async.models import SqlResult, rows_by_name

__all__ = ["SqlOps"]

SQL = Endpoint("base.sql", "POST", gateway="/sql", legacy_db="/query/{base_uuid}/")
PARAMETERS_SINCE = (5, 0)
"""The first version whose SQL endpoint takes ``parameters``."""


class SqlOps:
    """SQL of one base; `Base` delegates ``sql`` and ``sql_pages`` here."""

    def __init__(self, context: BaseContext, cells: Cells) -> None:
        self._ctx = context
        self._cells = cells

    async def sql(
        self,
        sql: str,
        parameters: Sequence[Any] | None = None,
        *,
        decode: bool | CellOptions = False,
    ) -> SqlResult:
        """Run one SQL statement (``?`` placeholders take ``parameters``).

        Args:
            sql: the statement in SeaTable's SQL dialect.
            parameters: values for the ``?`` placeholders: str, int, float, Decimal, bool,
                None, date or datetime. Servers before 5.0 get them inlined as literals.
            decode: turn cells into Python values by the column types the answer's
                ``metadata`` gives (no extra request; see `Base.list_rows`).

        Returns:
            `SqlResult` with rows keyed by column name; ``truncated`` tells whether the
            server's cap (100 rows without LIMIT, 10,000 with) may have cut it.

        Raises:
            ConfigurationError: empty statement, or a parameter of another type (before any
                request).
            PermissionDeniedError: a write statement with a read-only token (before sending).
            BadRequestError: SeaTable refused the statement (its message included), also when
                the old dtable-db answered ``{"success": false}`` with HTTP 200.
            MaybeAppliedError: a write statement failed after it may have been applied.
        """
        statement = check.text(sql, "sql")
        if parameters is not None and (
            isinstance(parameters, (str, bytes, Mapping)) or not isinstance(parameters, Sequence)
        ):
            raise ConfigurationError("parameters must be a sequence (list or tuple) of values")
        reading = statement.split(None, 1)[0].lower() in ("select", "with")
        options = cell_options(decode, "decode")
        route = await self._ctx.route(write=not reading)
        body: dict[str, Any] = {"sql": statement, "convert_keys": True}
        if parameters is not None:
            if await self._takes_parameters(route):
                body["parameters"] = [json_parameter(value) for value in parameters]
            else:
                body["sql"] = inline_parameters(statement, parameters)
        data = await self._ctx.send(SQL, route, json=body, idempotent=reading)
        if not isinstance(data, dict):
            raise SQL.malformed(route, "the SQL answer is not an object")
        if data.get("success") is False:
            message = str(data.get("error_message") or data.get("error_msg") or "SQL failed")
            raise BadRequestError(
                message, status=200, method="POST", path=SQL.template(route), error_msg=message
            )
        results = data.get("results", [])
        metadata = data.get("metadata", [])
        if results is None:
            results = []
        if not isinstance(results, list) or not all(isinstance(r, dict) for r in results):
            raise SQL.malformed(route, "the SQL answer's results are not a list of rows")
        columns = [m for m in metadata if isinstance(m, dict)] if isinstance(metadata, list) else []
        rows = _rows_keyed_by_name(results, columns)
        if options is not None:
            rows = self._cells.columns_decoder(columns, options).rows(rows)
        cap = result_cap(statement)
        return SqlResult(rows=rows, columns=columns, truncated=reading and len(rows) >= cap)

    async def _takes_parameters(self, route: Route) -> bool:
        if not route.gateway:
            return False  # dtable-db before the gateway (< 4.4) predates parameters
        version = route.version or await self._ctx.session.server_version()
        return not version or version >= PARAMETERS_SINCE

    async def sql_pages(
        self,
        sql: str,
        parameters: Sequence[Any] | None = None,
        *,
        page_size: int = SQL_CAP,
        decode: bool | CellOptions = False,
    ) -> AsyncIterator[dict[str, Any]]:
        """Iterate over every row of a large SELECT, fetching it page by page.

        Appends ``LIMIT page_size OFFSET n`` to the statement and stops at a short page. Add
        an ``ORDER BY`` (e.g. ``ORDER BY _id``) for a stable order across pages; to read a
        whole table, `Base.export` is faster (concurrent pages) and checks for writes.

        Args:
            sql: a SELECT statement **without** LIMIT/OFFSET.
            parameters: values for ``?`` placeholders.
            page_size: rows per request, 1..10000.
            decode: Python values by column type (see `Base.sql`).

        Raises:
            ConfigurationError: not a SELECT, already has LIMIT/OFFSET, or bad page_size
                (before any request).
            BadRequestError: SeaTable refused the statement.
        """
        statement = check.text(sql, "sql").rstrip(";").strip()
        check.integer(page_size, "page_size", minimum=1, maximum=SQL_CAP)
        if statement.split(None, 1)[0].lower() != "select":
            raise ConfigurationError("sql must be a SELECT statement (sql_pages pages SELECTs)")
        if re.search(r"\b(limit|offset)\b", without_literals(statement), re.IGNORECASE):
            raise ConfigurationError(
                "sql must not hold LIMIT/OFFSET: sql_pages adds them itself (or use sql() for "
                "a single page)"
            )
        offset = 0
        while True:
            # On a line of its own, so a trailing "-- comment" cannot swallow it.
            page = await self.sql(
                f"{statement}\nLIMIT {page_size} OFFSET {offset}", parameters, decode=decode
            )
            for row in page.rows:
                yield row
            if len(page.rows) < page_size:
                return
            offset += page_size


def _rows_keyed_by_name(
    rows: list[dict[str, Any]], columns: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Old dtable-db servers may ignore ``convert_keys``: rename column keys to names."""
    names = {c.get("name") for c in columns}
    mapping = {
        str(c["key"]): str(c["name"])
        for c in columns
        if isinstance(c.get("key"), str)
        and isinstance(c.get("name"), str)
        and c["key"] != c["name"]
        and c["key"] not in names
    }
    if not mapping or not any(k in mapping for row in rows for k in row):
        return rows
    return rows_by_name(rows, mapping)
