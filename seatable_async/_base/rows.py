"""Row operations of a `Base`: list, page through, get, append, update, delete.

Writes of any length are cut into batches of the server's caps and sent concurrently (see
`seatable_async._batches`); on servers before the API gateway, whose batch append returns no
ids, rows are appended one per request to learn them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from seatable_async import _validate as check
from seatable_async._base.context import BaseContext
from seatable_async._base.routing import Endpoint, Route
from seatable_async._base.row_extras import ordered_page, ordering, send_row_ids
from seatable_async._base.typed import Cells, row_items
from seatable_async._batches import send_in_chunks
from seatable_async.cells import CellOptions, EncodedRow, cell_options

__all__ = ["APPEND_CAP", "DELETE_CAP", "LIST_CAP", "UPDATE_CAP", "RowOps"]

APPEND_CAP = 1000
UPDATE_CAP = 1000
DELETE_CAP = 10000
LIST_CAP = 1000

LIST_ROWS = Endpoint("base.list_rows", "GET", gateway="/rows/", legacy="/rows/")
GET_ROW = Endpoint("base.get_row", "GET", gateway="/rows/{row_id}/", legacy="/rows/{row_id}/")
APPEND_ROWS = Endpoint("base.append_rows", "POST", gateway="/rows/", idempotent=False)
APPEND_ROW = Endpoint("base.append_rows", "POST", legacy="/rows/", idempotent=False)
UPDATE_ROWS = Endpoint("base.update_rows", "PUT", gateway="/rows/", legacy="/batch-update-rows/")
DELETE_ROWS = Endpoint("base.delete_rows", "DELETE", gateway="/rows/", legacy="/batch-delete-rows/")


class RowOps:
    """Row operations of one base; `Base` delegates ``list_rows``, ``append_rows``, … here."""

    def __init__(self, context: BaseContext, cells: Cells) -> None:
        self._ctx = context
        self._cells = cells

    async def list_rows(
        self,
        table: str,
        *,
        view: str | None = None,
        start: int = 0,
        limit: int = LIST_CAP,
        order_by: str | None = None,
        direction: str = "asc",
        decode: bool | CellOptions = False,
    ) -> list[dict[str, Any]]:
        """Return one page of rows (at most 1,000), keyed by column name.

        Args:
            table: table name.
            view: optional view name (its filters and sorts apply).
            start: index of the first row.
            limit: page size, 1..1000.
            order_by: a column name to sort by before paging. dtable-server sorts itself;
                the API gateway dropped sorting (4.4), so there the page comes from SQL
                (``SELECT * … ORDER BY``), whose cells follow SQL's shapes.
            direction: ``"asc"`` or ``"desc"``.
            decode: turn cells into Python values by column type (``date``, ``datetime``,
                ``timedelta``, option names, …; see `seatable_async.cells`); a `CellOptions`
                tunes it. Default: the server's JSON as is.

        Returns:
            The rows (``_id`` and the other system fields included), keyed by column name on
            every server version.

        Raises:
            ConfigurationError: invalid arguments (before any request).
            UnsupportedOperationError: ``order_by`` with ``view`` on the API gateway.
            NotFoundError, BadRequestError: unknown table or view.
        """
        check.text(table, "table")
        check.integer(start, "start", minimum=0)
        check.integer(limit, "limit", minimum=1, maximum=LIST_CAP)
        if view is not None:
            check.text(view, "view")
        ordering(order_by, direction, None, False)
        options = cell_options(decode, "decode")
        route = await self._ctx.route()
        if order_by is not None:
            ordering(order_by, direction, view, route.gateway)
            if route.gateway:
                with self._ctx.schema.watch():
                    page = await ordered_page(
                        self._ctx, route, table, order_by, direction, start, limit
                    )
                return page if options is None else await self._cells.decode(table, page, options)
        params: dict[str, str | int | float | bool] = {
            "table_name": table,
            "start": start,
            "limit": limit,
        }
        if view is not None:
            params["view_name"] = view
        if order_by is not None:
            params["order_by"] = order_by
            params["direction"] = direction
        if route.gateway:
            params["convert_keys"] = "true"
        with self._ctx.schema.watch():
            data = await self._ctx.send(LIST_ROWS, route, params=params)
        rows = data.get("rows") if isinstance(data, dict) else None
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise LIST_ROWS.malformed(route, "the answer's rows are not a list of objects")
        return rows if options is None else await self._cells.decode(table, rows, options)

    async def rows(
        self,
        table: str,
        view: str | None = None,
        *,
        page_size: int = LIST_CAP,
        decode: bool | CellOptions = False,
    ) -> AsyncIterator[dict[str, Any]]:
        """Iterate over every row of a table (or view), fetching page after page.

        Pages are requested with ``start += page_size`` until a page comes back short.
        Rows added or deleted while iterating may be seen twice or skipped (SeaTable has no
        cursor); for a whole table, `Base.export` is cheaper (10,000 rows per request).

        Args:
            table: table name.
            view: optional view name.
            page_size: rows per request, 1..1000.
            decode: Python values by column type (see `list_rows`).

        Raises:
            ConfigurationError: invalid arguments (before any request).
            NotFoundError, BadRequestError: unknown table or view.
        """
        check.text(table, "table")
        check.integer(page_size, "page_size", minimum=1, maximum=LIST_CAP)
        cell_options(decode, "decode")
        start = 0
        while True:
            page = await self.list_rows(
                table, view=view, start=start, limit=page_size, decode=decode
            )
            for row in page:
                yield row
            if len(page) < page_size:
                return
            start += len(page)

    async def get_row(
        self, table: str, row_id: str, *, decode: bool | CellOptions = False
    ) -> dict[str, Any]:
        """Return one row, keyed by column name (``decode``: see `list_rows`).

        Raises:
            ConfigurationError: empty table name or row id (before any request).
            NotFoundError: no such row (or table).
        """
        check.text(table, "table")
        row_id = check.text(row_id, "row_id")
        options = cell_options(decode, "decode")
        route = await self._ctx.route()
        params: dict[str, str | int | float | bool] = {"table_name": table}
        if route.gateway:
            params["convert_keys"] = "true"
        with self._ctx.schema.watch():
            data = await self._ctx.send(GET_ROW, route, args={"row_id": row_id}, params=params)
        if not isinstance(data, dict):
            raise GET_ROW.malformed(route, "the row answer is not an object")
        return data if options is None else (await self._cells.decode(table, [data], options))[0]

    async def append_rows(
        self,
        table: str,
        rows: Sequence[Mapping[str, Any] | EncodedRow],
        *,
        apply_default: bool = False,
        encode: bool | CellOptions = True,
    ) -> list[str]:
        """Append rows and return their ids in input order.

        Any number of rows: they are split into 1,000-row batches sent concurrently (at most
        ``client.max_concurrency`` at once). On servers before the API gateway, whose batch
        endpoint returns no ids, rows are sent one per request (concurrently) to learn them.
        For very large or resumable imports use `import_rows`.

        Rows are encoded by column type first (see `seatable_async.cells`): ``date``,
        ``datetime``, ``Decimal``, ``timedelta``, option names, collaborators, link row ids,
        geolocations and assets become what SeaTable stores, and an invalid value raises
        `CellValueError` before anything is sent. Link cells are written after the rows,
        through the links endpoint (the rows endpoint ignores them).

        Args:
            table: table name.
            rows: mappings of column **name** to value, or `EncodedRow` items (sent as they
                are).
            apply_default: fill empty cells with the columns' default values.
            encode: True (default) encodes with the table's cached metadata, a `CellOptions`
                tunes it, False sends the rows as given (SeaTable ignores unknown names and
                stores what it cannot read as empty).

        Returns:
            The new rows' ids, in the order of ``rows``.

        Raises:
            ConfigurationError: invalid arguments (before any request).
            CellValueError: a value cannot be written to its column (before any write).
            PermissionDeniedError: read-only token or external link (before any write).
            MaybeAppliedError: a batch failed after it may have been applied (not replayed).
            SeaTableError: any failure of a batch; after it no new batch starts, and the
                error's ``partial`` (`PartialWrite`) lists the rows that landed (with their
                ids), may have landed, or were not written, so a retry can skip them. When
                only the link cells failed, ``partial`` lists every row as written.
        """
        check.text(table, "table")
        items = row_items(rows)
        check.boolean(apply_default, "apply_default")
        if not items:
            return []
        route = await self._ctx.route(write=True)
        plan = await self._cells.plan_writes(table, items, encode)
        payload = plan.cells
        append = self._append_batch if route.gateway else self._append_single
        extra = {"apply_default": True} if apply_default else {}

        async def send(batch: list[dict[str, Any]]) -> list[str]:
            return await append(route, table, batch, extra)

        with self._ctx.schema.watch():
            results = await send_in_chunks(
                payload,
                APPEND_CAP if route.gateway else 1,
                send,
                limit=self._ctx.session.max_concurrency,
                row_ids=list,
            )
        row_ids = [row_id for ids in results for row_id in ids]
        await self._cells.write_links(plan, row_ids)
        return row_ids

    async def _append_batch(
        self, route: Route, table: str, batch: list[dict[str, Any]], extra: dict[str, Any]
    ) -> list[str]:
        body = {"table_name": table, "rows": batch, **extra}
        data = await self._ctx.send(APPEND_ROWS, route, json=body)
        ids = data.get("row_ids") if isinstance(data, dict) else None
        if not isinstance(ids, list) or len(ids) != len(batch):
            raise APPEND_ROWS.malformed(route, "the append answer has no row_ids for every row")
        out: list[str] = []
        for item in ids:
            value = item.get("_id") if isinstance(item, dict) else item
            if not isinstance(value, str) or not value:
                raise APPEND_ROWS.malformed(route, "the append answer has a malformed row id")
            out.append(value)
        return out

    async def _append_single(
        self, route: Route, table: str, rows: list[dict[str, Any]], extra: dict[str, Any]
    ) -> list[str]:
        (row,) = rows
        body = {"table_name": table, "row": row, **extra}
        data = await self._ctx.send(APPEND_ROW, route, json=body)
        row_id = data.get("_id") if isinstance(data, dict) else None
        if not isinstance(row_id, str) or not row_id:
            raise APPEND_ROW.malformed(route, "the append answer has no _id")
        return [row_id]

    async def update_rows(
        self,
        table: str,
        updates: Mapping[str, Mapping[str, Any]] | Sequence[tuple[str, Mapping[str, Any]]],
        *,
        encode: bool | CellOptions = True,
    ) -> None:
        """Change cells of existing rows.

        Values are encoded as for `append_rows`; a link cell given here replaces the row's
        links (an empty list or None removes them).

        Args:
            table: table name.
            updates: ``{row_id: {column name: value}}`` or a sequence of ``(row_id, row)``;
                sent in 1,000-row batches, concurrently.
            encode: see `append_rows`.

        Raises:
            ConfigurationError: invalid arguments (before any request).
            CellValueError: a value cannot be written to its column (before any write).
            PermissionDeniedError: read-only token or external link (before any write).
            NotFoundError, BadRequestError: unknown table or invalid data.
            SeaTableError: any failure of a batch, with ``partial`` (`PartialWrite`) telling
                which updates (by position) were applied.
        """
        check.text(table, "table")
        pairs = check.updates(updates)
        if not pairs:
            return
        route = await self._ctx.route(write=True)
        plan = await self._cells.plan_writes(table, [row for _, row in pairs], encode)
        ids = [row_id for row_id, _ in pairs]
        # Rows whose only change is their links need no rows request.
        items = [(i, c) for i, c in zip(ids, plan.cells, strict=True) if c or not plan.links]

        async def send(batch: list[tuple[str, dict[str, Any]]]) -> None:
            changes = [{"row_id": row_id, "row": row} for row_id, row in batch]
            await self._ctx.send(UPDATE_ROWS, route, json={"table_name": table, "updates": changes})

        with self._ctx.schema.watch():
            await send_in_chunks(items, UPDATE_CAP, send, limit=self._ctx.session.max_concurrency)
        await self._cells.write_links(plan, ids)

    async def delete_rows(self, table: str, row_ids: Sequence[str]) -> None:
        """Delete rows by id (in 10,000-id batches, concurrently). Unknown ids are ignored.

        Raises:
            ConfigurationError: invalid arguments (before any request).
            PermissionDeniedError: read-only token or external link (before any write).
            NotFoundError, BadRequestError: unknown table.
            SeaTableError: any failure of a batch, with ``partial`` (`PartialWrite`) telling
                which ids (by position) were deleted.
        """
        await send_row_ids(self._ctx, DELETE_ROWS, table, row_ids, DELETE_CAP)
