"""``base.links``: write and read the links of a link column (a link column cannot be written
through rows or SQL).

Writes name the link by its column; the column's ``link_id`` and both tables' ids are read
from the base's metadata, cached per base (fetched again when it does not know a column, and
dropped when the server refuses a request, so a renamed or deleted column is looked up again).
Writes go in batches of `LINK_BATCH_ROWS` source rows, the most one request may carry
(SeaTable developer docs, ``batch_update_links``: "can't operate more than 1000 rows at
once"), at most ``client.max_concurrency`` at once; a failed batch raises with ``partial``
telling which rows (by position) were written. Reads page through each row's links
`LINKS_PER_PAGE` at a time (``query-links`` answers 10 per row unless asked for more, at most
100: v5.0/6.1 spec ``listRowLinkLimit``) until every link is read.

Routes: gateway (4.4+) ``POST|DELETE|PUT links/`` with ``other_rows_ids_map`` and ``POST
query-links/``; dtable-server (before 6.0) ``POST|DELETE links/`` with the same map (what the
official client's ``batch_add_links`` sends), ``PUT batch-update-links/`` and dtable-db ``POST
linked-records/{base_uuid}/``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping, Sequence
from typing import Any

import attrs

from seatable_async import _validate as check
from seatable_async._base.context import BaseContext
from seatable_async._base.routing import Endpoint, Route
from seatable_async._batches import send_in_chunks
from seatable_async.errors import ConfigurationError
from seatable_async.models import LinkedRecord, Metadata

__all__ = ["LINKS_PER_PAGE", "LINK_BATCH_ROWS", "QUERY_BATCH_ROWS", "Links"]

LINK_BATCH_ROWS = 1000
"""Source rows per link write (developer docs: ``batch_update_links`` takes at most 1,000)."""
LINKS_PER_PAGE = 100
"""Links per row and request when reading (v5.0/6.1 spec: ``limit`` maximum 100)."""
QUERY_BATCH_ROWS = 1000
"""Rows per read request (no documented cap; the write cap is used)."""

ADD = Endpoint("base.links.add", "POST", gateway="/links/", legacy="/links/")
REMOVE = Endpoint("base.links.remove", "DELETE", gateway="/links/", legacy="/links/")
SET = Endpoint("base.links.set", "PUT", gateway="/links/", legacy="/batch-update-links/")
QUERY = Endpoint(
    "base.links.get",
    "POST",
    gateway="/query-links/",
    legacy_db="/linked-records/{base_uuid}/",
    idempotent=True,
)

Pairs = list[tuple[str, list[str]]]


@attrs.frozen
class LinkColumn:
    """What the server needs to know about a link column."""

    table_id: str
    table_name: str
    column_key: str
    link_id: str
    other_table_id: str
    other_table_name: str


class Links:
    """The links of a base's link columns (``base.links``).

    Tables and link columns are named by name (or id / column key).
    """

    def __init__(self, context: BaseContext):
        self._ctx = context

    async def add(
        self,
        table: str,
        link_column: str,
        row_id: str | Mapping[str, Sequence[str]],
        other_ids: Sequence[str] | None = None,
    ) -> None:
        """Link rows to rows of the other table (existing links stay).

        Args:
            table: the table holding ``link_column``.
            link_column: the link column's name (or key).
            row_id: a row of ``table``, or ``{row_id: [other ids]}`` for many rows at once.
            other_ids: the rows of the other table to link ``row_id`` to.

        Raises:
            ConfigurationError: invalid arguments (before any request), or no such link column.
            PermissionDeniedError: read-only token or external link (before any write).
            BadRequestError: SeaTable refuses, e.g. a link that already exists.
            SeaTableError: a failed batch, with ``partial`` telling which source rows (by
                position) were linked.
        """
        pairs = _pairs(row_id, other_ids)
        await self._write(ADD, table, link_column, pairs, replace=False)

    async def remove(
        self,
        table: str,
        link_column: str,
        row_id: str | Mapping[str, Sequence[str]],
        other_ids: Sequence[str] | None = None,
    ) -> None:
        """Unlink rows (links not listed stay; unknown links are ignored).

        Args: as for `add`.

        Raises: as for `add`.
        """
        pairs = _pairs(row_id, other_ids)
        await self._write(REMOVE, table, link_column, pairs, replace=False)

    async def set(self, table: str, link_column: str, links: Mapping[str, Sequence[str]]) -> None:
        """Replace the links of rows: each row then links exactly to its listed rows (an empty
        list unlinks it from everything).

        Args:
            table: the table holding ``link_column``.
            link_column: the link column's name (or key).
            links: ``{row_id: [other row ids], ...}``, any number of rows (sent in batches).

        Raises: as for `add`.
        """
        pairs = check.id_lists(links, "links")
        await self._write(SET, table, link_column, pairs, replace=True)

    async def get(
        self,
        table: str,
        link_column: str,
        row_ids: Sequence[str],
        offset: int = 0,
        limit: int | None = None,
    ) -> dict[str, list[LinkedRecord]]:
        """Read the rows each row links to, ordered by the linked rows' creation time.

        Args:
            table: the table holding ``link_column``.
            link_column: the link column's name (or key).
            row_ids: rows of ``table``.
            offset: skip this many links of each row.
            limit: at most this many links per row (default: all of them, paged past the
                server's per-request cap).

        Returns:
            ``{row_id: [LinkedRecord(row_id, display_value), ...]}`` for every row asked for.

        Raises:
            ConfigurationError: invalid arguments, or no such link column.
            ResponseFormatError: the answer is not a map of row ids to linked records.
        """
        check.text(table, "table")
        check.text(link_column, "link_column")
        ids = list(dict.fromkeys(check.row_ids(row_ids)))
        check.integer(offset, "offset", minimum=0)
        if limit is not None:
            check.integer(limit, "limit", minimum=1)
        out: dict[str, list[LinkedRecord]] = {r: [] for r in ids}
        if not ids:
            return out
        route = await self._ctx.route()
        col = await self._column(table, link_column)
        wanted = {r: limit for r in ids}
        at = {r: offset for r in ids}
        while wanted:
            pages = await self._query_round(route, col, wanted, at)
            for row_id, records in pages.items():
                previous = out[row_id]
                if previous and records and previous[-1].row_id == records[-1].row_id:
                    raise QUERY.malformed(route, "the server repeated a page of links")
                previous.extend(records)
                left = wanted.pop(row_id)
                asked = _page_size(left)
                left = None if left is None else left - len(records)
                if len(records) == asked and (left is None or left > 0):
                    wanted[row_id] = left
                    at[row_id] += len(records)
        return out

    # -- internals ----------------------------------------------------------------------------

    async def _query_round(
        self,
        route: Route,
        col: LinkColumn,
        wanted: dict[str, int | None],
        at: dict[str, int],
    ) -> dict[str, list[LinkedRecord]]:
        rows = [
            {"row_id": r, "offset": at[r], "limit": _page_size(left)} for r, left in wanted.items()
        ]
        key = "link_column_key" if route.gateway else "link_column"

        async def send(chunk: list[dict[str, Any]]) -> dict[str, list[LinkedRecord]]:
            body = {"table_id": col.table_id, key: col.column_key, "rows": chunk}
            data = await self._guarded(self._ctx.send(QUERY, route, json=body))
            return _records(route, data, [r["row_id"] for r in chunk])

        results = await send_in_chunks(
            rows, QUERY_BATCH_ROWS, send, limit=self._ctx.session.max_concurrency
        )
        return {k: v for part in results for k, v in part.items()}

    async def _write(
        self, endpoint: Endpoint, table: str, link_column: str, pairs: Pairs, *, replace: bool
    ) -> None:
        check.text(table, "table")
        check.text(link_column, "link_column")
        if not pairs:
            return
        route = await self._ctx.route(write=True)
        col = await self._column(table, link_column)

        async def send(chunk: Pairs) -> None:
            body: dict[str, Any] = {
                "link_id": col.link_id,
                "table_id": col.table_id,
                "other_table_id": col.other_table_id,
                "table_name": col.table_name,
                "other_table_name": col.other_table_name,
                "other_rows_ids_map": dict(chunk),
            }
            if replace:
                body["row_id_list"] = [r for r, _ in chunk]
            await self._guarded(self._ctx.send(endpoint, route, json=body))

        await send_in_chunks(pairs, LINK_BATCH_ROWS, send, limit=self._ctx.session.max_concurrency)

    async def _guarded(self, request: Awaitable[Any]) -> Any:
        """Send; when the server refuses, forget the base's cached metadata (it may be stale:
        a renamed or deleted column), so the next call looks the column up again."""
        with self._ctx.schema.watch():
            return await request

    async def _column(self, table: str, link_column: str) -> LinkColumn:
        """The link column, from the base's cached metadata (fetched again once when it does
        not know the column)."""
        schema = self._ctx.schema
        seen = schema.generation
        found = _link_column(await schema.metadata(), table.strip(), link_column.strip())
        if found is not None:
            return found
        meta = await schema.metadata(newer_than=seen)
        found = _link_column(meta, table.strip(), link_column.strip(), strict=True)
        assert found is not None
        return found


def _link_column(
    meta: Metadata, table: str, link_column: str, *, strict: bool = False
) -> LinkColumn | None:
    """The link column in ``meta``; None (or, ``strict``, ConfigurationError) if it is not
    there."""
    try:
        source = meta.table(table)
        column = source.column(link_column)
    except KeyError as exc:
        if strict:
            raise ConfigurationError(str(exc.args[0])) from None
        return None
    link = column.data or {}
    other_id = link.get("other_table_id")
    other = next((t for t in meta.tables if t.id == other_id), None)
    if column.type != "link" or not link.get("link_id") or other is None:
        if strict:
            raise ConfigurationError(f"column {column.name!r} of {source.name!r} is not a link")
        return None
    return LinkColumn(
        source.id, source.name, column.key, str(link["link_id"]), other.id, other.name
    )


def _page_size(left: int | None) -> int:
    return LINKS_PER_PAGE if left is None else min(left, LINKS_PER_PAGE)


def _pairs(row_id: str | Mapping[str, Sequence[str]], other_ids: Sequence[str] | None) -> Pairs:
    if isinstance(row_id, Mapping):
        if other_ids is not None:
            raise ConfigurationError("other_ids must be omitted when row_id is a mapping")
        return check.id_lists(row_id, "row_id")
    if other_ids is None:
        raise ConfigurationError("other_ids must be a sequence of row id strings")
    row = check.text(row_id, "row_id")
    return [(row, list(dict.fromkeys(check.row_ids(other_ids, "other_ids"))))]


def _records(route: Route, data: Any, row_ids: list[str]) -> dict[str, list[LinkedRecord]]:
    if not isinstance(data, dict):
        raise QUERY.malformed(route, "the answer is not an object of row ids")
    out: dict[str, list[LinkedRecord]] = {}
    for row_id in row_ids:
        entries = data.get(row_id) or []
        if not isinstance(entries, list):
            raise QUERY.malformed(route, f"the links of row {row_id!r} are not a list")
        out[row_id] = [
            LinkedRecord.from_json(e, method=QUERY.method, path=QUERY.template(route))
            for e in entries
        ]
    return out
