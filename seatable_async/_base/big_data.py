"""``base.big_data``: a base's big-data (archive) storage, for bases that have it enabled.

* ``insert``: gateway ``POST add-archived-rows/`` (4.4+), dtable-db ``POST
  insert-rows/{base_uuid}/`` before 6.0 (v5.0 specs ``addBigDataRows`` /
  ``insertBigDataRowsDeprecated``); `BIG_DATA_BATCH` rows per request, concurrently.
* ``archive``: ``POST archive-view/`` on the gateway and dtable-server, with an SQL-like
  ``where`` (v5.0 specs ``moveRowsToBigData``); the server moves matching rows itself.
* ``unarchive``: gateway ``POST unarchive/`` with ``table_id`` and ``row_ids`` (v5.0 spec
  ``moveRowsToNormalBackend``); dtable-server has no such endpoint.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from seatable_async import _validate as check
from seatable_async._base.context import BaseContext
from seatable_async._base.routing import Endpoint
from seatable_async._batches import send_in_chunks
from seatable_async.errors import BadRequestError

__all__ = ["BIG_DATA_BATCH", "BigData"]

BIG_DATA_BATCH = 1000
"""Rows per big-data request (no documented cap; the append cap is used)."""

INSERT = Endpoint(
    "base.big_data.insert",
    "POST",
    gateway="/add-archived-rows/",
    legacy_db="/insert-rows/{base_uuid}/",
    idempotent=False,
)
ARCHIVE = Endpoint(
    "base.big_data.archive", "POST", gateway="/archive-view/", legacy="/archive-view/"
)
UNARCHIVE = Endpoint("base.big_data.unarchive", "POST", gateway="/unarchive/")


class BigData:
    """Big-data storage of a base (``base.big_data``)."""

    def __init__(self, context: BaseContext):
        self._ctx = context

    async def insert(self, table: str, rows: Sequence[Mapping[str, Any]]) -> int:
        """Insert rows straight into big-data storage.

        Args:
            table: table name.
            rows: mappings of column name to value; any number, sent in batches.

        Returns:
            How many rows the server says it inserted (it returns no row ids).

        Raises:
            ConfigurationError: invalid arguments (before any request).
            PermissionDeniedError: read-only token or external link (before any write).
            BadRequestError: the base has no big-data storage.
            MaybeAppliedError: a batch may have landed (it is not replayed).
            SeaTableError: a failed batch, with ``partial`` telling which rows landed.
        """
        check.text(table, "table")
        payload = check.rows(rows)
        if not payload:
            return 0
        route = await self._ctx.route(write=True)

        async def send(batch: list[dict[str, Any]]) -> int:
            data = await self._ctx.send(INSERT, route, json={"table_name": table, "rows": batch})
            count = data.get("inserted_row_count") if isinstance(data, dict) else None
            if isinstance(count, bool) or not isinstance(count, int):
                raise INSERT.malformed(route, "the answer has no inserted_row_count")
            return count

        counts = await send_in_chunks(
            payload, BIG_DATA_BATCH, send, limit=self._ctx.session.max_concurrency
        )
        return sum(counts)

    async def archive(self, table: str, where: str | None = None) -> None:
        """Move the rows of ``table`` that match ``where`` into big-data storage.

        Args:
            table: table name.
            where: an SQL condition, e.g. ``"`Status` = 'done'"`` (default: every row).

        Raises:
            ConfigurationError: invalid arguments (before any request).
            BadRequestError: the base has no big-data storage, or ``where`` is invalid.
        """
        check.text(table, "table")
        body: dict[str, Any] = {"table_name": table}
        if where is not None:
            body["where"] = check.text(where, "where")
        route = await self._ctx.route(write=True)
        data = await self._ctx.send(ARCHIVE, route, json=body)
        if isinstance(data, dict) and data.get("success") is False:
            message = str(data.get("error_message") or "the server did not archive the rows")
            raise BadRequestError(
                message, status=200, method="POST", path=ARCHIVE.template(route), error_msg=message
            )

    async def unarchive(self, table: str, row_ids: Sequence[str]) -> None:
        """Move rows back from big-data storage into the base (API gateway only).

        Args:
            table: table name (or id).
            row_ids: the rows; any number, sent in batches.

        Raises:
            ConfigurationError: invalid arguments (before any request).
            UnsupportedOperationError: servers before the API gateway (before any request).
            NotFoundError: the base has no such table.
            BadRequestError: the base has no big-data storage.
            SeaTableError: a failed batch, with ``partial`` telling which ids were moved.
        """
        check.text(table, "table")
        ids = check.row_ids(row_ids)
        if not ids:
            return
        route = await self._ctx.supported(UNARCHIVE, await self._ctx.route(write=True))
        table_id = (await self._ctx.schema.table(table)).id

        async def send(batch: list[str]) -> None:
            await self._ctx.send(UNARCHIVE, route, json={"table_id": table_id, "row_ids": batch})

        await send_in_chunks(ids, BIG_DATA_BATCH, send, limit=self._ctx.session.max_concurrency)
