"""Link cells given in rows, written through the links endpoint after the rows themselves.

The rows endpoints ignore link columns (SeaTable sets links only through ``links/``), so
``append_rows`` / ``update_rows`` hand the link values the encoder separated
(`EncodedRow.links`) to `write_links`, which replaces each row's links with the given row ids:
``PUT /links/`` on the API gateway, ``PUT /batch-update-links/`` on dtable-server.

Internal until ``base.links`` exists; it then takes over (see the hand-off note in
``docs/reference/cells.md``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from seatable_async._base.context import BaseContext
from seatable_async._base.routing import Endpoint, Route
from seatable_async._batches import Batch, run_batches
from seatable_async.cells import EncodedRow, RowEncoder
from seatable_async.errors import CellValueError
from seatable_async.models import Table

__all__ = ["LINKS_CAP", "check_links", "write_links"]

LINKS_CAP = 1000
"""Rows per links request (the updates' cap; the links endpoint documents none)."""

SET_LINKS = Endpoint(
    "base.links.set", "PUT", gateway="/links/", legacy="/batch-update-links/", idempotent=True
)


def check_links(encoder: RowEncoder, rows: Sequence[EncodedRow]) -> None:
    """Refuse link values for link columns whose metadata does not say where they point
    (before anything is sent).

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


async def write_links(
    ctx: BaseContext,
    route: Route,
    table: Table,
    encoder: RowEncoder,
    links: Sequence[tuple[str, Mapping[str, list[str]]]],
) -> None:
    """Replace the links of rows: ``[(row_id, {link column: [other row ids]})]``.

    Raises:
        SeaTableError: a links request failed (``partial`` tells which rows were linked).
    """
    by_column: dict[str, dict[str, list[str]]] = {}
    for row_id, cells in links:
        for name, ids in cells.items():
            by_column.setdefault(name, {})[row_id] = list(ids)
    batches: list[Batch[None]] = []
    done = 0
    for name, targets in by_column.items():
        body = _body(route, table, encoder, name)
        items = list(targets.items())
        for start in range(0, len(items), LINKS_CAP):
            chunk = dict(items[start : start + LINKS_CAP])
            indices = range(done + start, done + start + len(chunk))
            batches.append(Batch(indices, _sender(ctx, route, body, chunk)))
        done += len(items)
    if batches:
        await run_batches(batches, limit=ctx.session.max_concurrency, total=done)


def _body(route: Route, table: Table, encoder: RowEncoder, column: str) -> dict[str, Any]:
    spec = encoder.column(column)
    info = spec.link if spec is not None else None
    if info is None:  # check_links refused these before anything was sent
        raise CellValueError("not a link column", row=None, column=column, value=None)
    # Both sides of a link carry the same ids; the map's keys are rows of *this* table.
    other = info.other_table_id if info.table_id == table.id else info.table_id
    body: dict[str, Any] = {"link_id": info.link_id, "table_id": table.id, "other_table_id": other}
    if not route.gateway:
        body["table_name"] = table.name
    return body


def _sender(
    ctx: BaseContext, route: Route, body: dict[str, Any], targets: dict[str, list[str]]
) -> Any:
    async def send() -> None:
        payload = {**body, "other_rows_ids_map": targets}
        if not route.gateway:
            payload["row_id_list"] = list(targets)
        await ctx.send(SET_LINKS, route, json=payload)

    return send
