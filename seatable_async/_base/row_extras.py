"""Row operations beyond list/append/update/delete: insert next to a row, lock and unlock
rows, and list rows in an order; `Base` forwards them here.

* ``insert_row``: dtable-server ``POST rows/`` with ``anchor_row_id`` and
  ``row_insert_position`` (v5.0 deprecated spec ``insert_row``). The gateway has no such field,
  so on 4.4-5.x the request goes to dtable-server (named in the token answer); 6.0 has no way to
  insert at a position.
* ``lock_rows`` / ``unlock_rows``: ``PUT lock-rows/`` / ``unlock-rows/`` on the gateway and
  dtable-server (v5.0 specs), in batches of `LOCK_BATCH` ids.
* Ordered pages: dtable-server's list rows takes ``order_by``/``direction``; the gateway
  dropped them in 4.4 (v5.0 changelog), so there the page comes from SQL (``SELECT * … ORDER
  BY … LIMIT … OFFSET …``), keyed by column name like every page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from seatable_async import _validate as check
from seatable_async._base.context import BaseContext
from seatable_async._base.routing import Endpoint, Route
from seatable_async._base.sql import SQL
from seatable_async._batches import send_in_chunks
from seatable_async.errors import UnsupportedOperationError

__all__ = ["LOCK_BATCH", "RowExtras", "send_row_ids"]

LOCK_BATCH = 1000
"""Row ids per lock/unlock request (no documented cap; the update cap is used)."""

INSERT_ROW = Endpoint(
    "base.insert_row", "POST", legacy="/rows/", legacy_fallback=True, idempotent=False
)
LOCK_ROWS = Endpoint("base.lock_rows", "PUT", gateway="/lock-rows/", legacy="/lock-rows/")
UNLOCK_ROWS = Endpoint("base.unlock_rows", "PUT", gateway="/unlock-rows/", legacy="/unlock-rows/")
DIRECTIONS = ("asc", "desc")


def quote_name(name: str) -> str:
    """A table or column name as a SeaTable SQL identifier."""
    return "`" + name.replace("`", "``") + "`"


class RowExtras:
    """Insert at a position, lock and unlock rows of one base; `Base` delegates here."""

    def __init__(self, context: BaseContext) -> None:
        self._ctx = context

    async def insert_row(
        self,
        table: str,
        row: Mapping[str, Any],
        *,
        anchor: str,
        above: bool = False,
        apply_default: bool = False,
    ) -> str:
        """Insert one row below (or above) another row.

        Args:
            table: table name.
            row: column name -> value.
            anchor: the id of the row to insert next to.
            above: insert above ``anchor`` instead of below.
            apply_default: fill empty cells with the columns' default values.

        Returns:
            The new row's id.

        Raises:
            ConfigurationError: invalid arguments (before any request).
            UnsupportedOperationError: the server has no dtable-server (6.0+), so no positional
                insert (before any request).
            NotFoundError: ``anchor`` does not exist.
            MaybeAppliedError: the request may have inserted the row (it is not replayed).
        """
        check.text(table, "table")
        (payload,) = check.rows([row])
        anchor = check.text(anchor, "anchor")
        check.boolean(above, "above")
        check.boolean(apply_default, "apply_default")
        route = await self._ctx.route(write=True)
        body: dict[str, Any] = {
            "table_name": table,
            "row": payload,
            "anchor_row_id": anchor,
            "row_insert_position": "insert_above" if above else "insert_below",
        }
        if apply_default:
            body["apply_default"] = True
        data = await self._ctx.send(INSERT_ROW, route, json=body)
        row_id = data.get("_id") if isinstance(data, dict) else None
        if not isinstance(row_id, str) or not row_id:
            raise INSERT_ROW.malformed(route, "the insert answer has no _id")
        return row_id

    async def lock_rows(self, table: str, row_ids: Sequence[str]) -> None:
        """Lock rows against editing in the web interface (an enterprise feature).

        Args:
            table: table name.
            row_ids: the rows (already locked ones are fine); any number, sent in batches.

        Raises:
            ConfigurationError: invalid arguments (before any request).
            PermissionDeniedError: read-only token or external link (before any request).
            SeaTableError: a failed batch, with ``partial`` telling which ids were locked.
        """
        await send_row_ids(self._ctx, LOCK_ROWS, table, row_ids, LOCK_BATCH)

    async def unlock_rows(self, table: str, row_ids: Sequence[str]) -> None:
        """Unlock rows (unlocked ones are fine). Arguments and errors as for `lock_rows`."""
        await send_row_ids(self._ctx, UNLOCK_ROWS, table, row_ids, LOCK_BATCH)


async def send_row_ids(
    ctx: BaseContext, endpoint: Endpoint, table: str, row_ids: Sequence[str], cap: int
) -> None:
    """Send ``{"table_name", "row_ids"}`` writes (delete, lock, unlock) for any number of ids,
    ``cap`` per request, concurrently; a failed batch raises with ``partial``."""
    check.text(table, "table")
    ids = check.row_ids(row_ids)
    if not ids:
        return
    route = await ctx.route(write=True)

    async def send(batch: list[str]) -> None:
        await ctx.send(endpoint, route, json={"table_name": table, "row_ids": batch})

    await send_in_chunks(ids, cap, send, limit=ctx.session.max_concurrency)


async def ordered_page(
    ctx: BaseContext,
    route: Route,
    table: str,
    order_by: str,
    direction: str,
    start: int,
    limit: int,
) -> list[dict[str, Any]]:
    """One page in ``order_by`` order on the gateway, through SQL."""
    statement = (
        f"SELECT * FROM {quote_name(table)} ORDER BY {quote_name(order_by)} "
        f"{direction.upper()} LIMIT {limit} OFFSET {start}"
    )
    body: dict[str, Any] = {"sql": statement, "convert_keys": True}
    data = await ctx.send(SQL, route, json=body, idempotent=True)
    rows = data.get("results") if isinstance(data, dict) else None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise SQL.malformed(route, "the answer's results are not a list of objects")
    return rows


def ordering(order_by: str | None, direction: str, view: str | None, gateway: bool) -> None:
    """Check ``list_rows``' ordering arguments (before any request besides the token's).

    Raises:
        ConfigurationError: an empty column name or a bad direction.
        UnsupportedOperationError: ``order_by`` with a view on the gateway (SQL cannot apply
            a view's filters).
    """
    check.choice(direction, "direction", DIRECTIONS)
    if order_by is None:
        return
    check.text(order_by, "order_by")
    if gateway and view is not None:
        raise UnsupportedOperationError(
            "base.list_rows with order_by and a view is not available on the API gateway "
            "(it dropped ordering in 4.4): sort the view itself, or leave out view",
            operation="base.list_rows",
        )
