"""Row links: gateway ``links/`` and ``query-links/`` (4.4+), legacy dtable-server ``links/``,
``batch-update-links/`` and dtable-db ``linked-records/`` (before 6.0).

Request shapes: v5.0/6.1 ``base_operations.yaml`` (``row_link_create_update_delete``,
``list_row_links``), ``base_operations_deprecated.yaml`` (``create_row_link``,
``create_row_links``, ``update_links``, ``list_row_links``) and what the official client 4.0.0
sends (names or ids, ``row_id_list`` next to the map). Answers: ``{"success": true}``; delete
``{"success": true, "deleted_links_count": n}`` counting the pairs asked for, existing or not
(ISSUES #9); query ``{row_id: [{"row_id", "display_value"}]}``, 10 per row unless the row asks
for more, at most 100 (the spec's ``listRowLinkLimit``). Batch writes take at most 1,000 rows
(developer docs, ``batch_update_links``: "can't operate more than 1000 rows at once").

Inferred (no recording): the error texts and statuses; a link made twice is refused (v5.0
spec: "It is not possible to create a link twice. This will result in an error."); legacy
``links/`` also takes the map form (the official client's ``batch_add_links`` sends it there);
the operations published for Socket.IO (``add_links``, ``remove_links``, ``update_links`` in
dtable-server's style, cells keyed by row id).
"""

from __future__ import annotations

from typing import Any

from .._auth.access import base_access
from .._server.families import BaseRoute, add_routes, bind, families
from .._server.request import Request
from .._server.responses import HTTPError, Response, error_message, error_msg, json_response
from .._server.router import Router
from .._state import links
from .._state.extras import Link
from .._state.records import Base, Table, quote_ident

MAX_ROWS = 1000
QUERY_DEFAULT = 10
QUERY_MAX = 100

Pairs = dict[str, list[str]]


def _err(family: str, status: int, msg: str) -> HTTPError:
    return error_message(status, msg) if family == "gateway" else error_msg(status, msg)


def _find_table(family: str, base: Base, data: dict[str, Any], prefix: str = "") -> Table:
    for key in (f"{prefix}table_id", f"{prefix}table_name"):
        value = data.get(key)
        if isinstance(value, str) and value:
            table = base.table(value)
            if table is not None:
                return table
    if not any(data.get(f"{prefix}table_{k}") for k in ("id", "name")):
        raise _err(family, 400, f"{prefix}table_name invalid.")
    raise _err(family, 404, "table not found")


def _resolve(family: str, req: Request, base: Base, data: dict[str, Any]) -> tuple[Link, Table]:
    """The link and the table whose rows the map's keys are."""
    link = links.link_of(req.services.state, base, str(data.get("link_id") or ""))
    if link is None:
        raise _err(family, 404, "link not found")
    table = _find_table(family, base, data)
    other = _find_table(family, base, data, "other_")
    if {table.id, other.id} != {link.table_id, link.other_table_id}:
        raise _err(family, 400, "table and other table do not belong to this link.")
    return link, table


def _pairs(family: str, data: dict[str, Any]) -> Pairs:
    """The map form, or the single form (``table_row_id``/``other_table_row_id``)."""
    raw = data.get("other_rows_ids_map")
    if raw is None and "table_row_id" in data:
        raw = {data.get("table_row_id"): [data.get("other_table_row_id")]}
    if not isinstance(raw, dict) or not all(
        isinstance(k, str) and isinstance(v, list) and all(isinstance(i, str) for i in v)
        for k, v in raw.items()
    ):
        raise _err(family, 400, "other_rows_ids_map invalid.")
    if len(raw) > MAX_ROWS:
        raise _err(family, 400, f"Number of rows exceeds the limit of {MAX_ROWS}.")
    return {k: list(dict.fromkeys(v)) for k, v in raw.items()}


def _check_rows(family: str, req: Request, base: Base, table: Table, ids: set[str]) -> None:
    if not ids:
        return
    marks = ", ".join("?" * len(ids))
    with req.services.state.lock:
        found = {
            r[0]
            for r in base.conn.execute(
                f"SELECT _id FROM {quote_ident(table.name)} WHERE _id IN ({marks})",
                list(ids),
            )
        }
    if ids - found:
        raise _err(family, 404, "row not found")


def _emit(req: Request, base: Base, op: str, link: Link, table: Table, **fields: Any) -> None:
    operation = {
        "op_type": op,
        "link_id": link.link_id,
        "table_id": table.id,
        "other_table_id": link.other(table.id),
        **fields,
    }
    req.services.events.emit(base.uuid, operation)


def _touched(link: Link, table: Table, pairs: Pairs) -> dict[str, set[str]]:
    other = link.other(table.id)
    touched: dict[str, set[str]] = {table.id: set(pairs)}
    touched.setdefault(other, set()).update(i for ids in pairs.values() for i in ids)
    return touched


async def add_links(req: Request, family: str) -> Response:
    base, _ = base_access(req, family, req.params["uuid"], write=True)
    data = await req.json_object()
    link, table = _resolve(family, req, base, data)
    pairs = _pairs(family, data)
    state = req.services.state
    other = base.table(link.other(table.id))
    assert other is not None
    _check_rows(family, req, base, table, set(pairs))
    _check_rows(family, req, base, other, {i for ids in pairs.values() for i in ids})
    with state.lock:
        if any(o in link.targets(table.id, r) for r, ids in pairs.items() for o in ids):
            raise _err(family, 400, "link already exists.")
        for row_id, ids in pairs.items():
            for other_id in ids:
                link.add(table.id, row_id, other_id)
        links.write_cells(state, base, link, _touched(link, table, pairs))
    _emit(req, base, "add_links", link, table, other_rows_ids_map=pairs)
    return json_response({"success": True})


async def remove_links(req: Request, family: str) -> Response:
    base, _ = base_access(req, family, req.params["uuid"], write=True)
    data = await req.json_object()
    link, table = _resolve(family, req, base, data)
    pairs = _pairs(family, data)
    state = req.services.state
    with state.lock:
        for row_id, ids in pairs.items():
            for other_id in ids:
                link.remove(table.id, row_id, other_id)
        links.write_cells(state, base, link, _touched(link, table, pairs))
    _emit(req, base, "remove_links", link, table, other_rows_ids_map=pairs)
    count = sum(len(ids) for ids in pairs.values())  # asked for, not found (ISSUES #9)
    if family == "gateway":
        return json_response({"success": True, "deleted_links_count": count})
    return json_response({"deleted_links_count": count})


def _replace(req: Request, family: str, base: Base, link: Link, table: Table, rows: Pairs) -> None:
    state = req.services.state
    other = base.table(link.other(table.id))
    assert other is not None
    _check_rows(family, req, base, table, set(rows))
    _check_rows(family, req, base, other, {i for ids in rows.values() for i in ids})
    with state.lock:
        old = {r: link.targets(table.id, r) for r in rows}
        for row_id, ids in rows.items():
            for other_id in old[row_id]:
                link.remove(table.id, row_id, other_id)
            for other_id in ids:
                link.add(table.id, row_id, other_id)
        touched = _touched(link, table, rows)
        touched[link.other(table.id)].update(i for ids in old.values() for i in ids)
        links.write_cells(state, base, link, touched)
    _emit(
        req,
        base,
        "update_links",
        link,
        table,
        row_id_list=list(rows),
        other_rows_ids_map=rows,
        old_other_rows_ids_map=old,
    )


async def set_links(req: Request, family: str) -> Response:
    """Gateway PUT links/ and legacy PUT batch-update-links/: each listed row's links become
    its map entry (rows in ``row_id_list`` missing from the map lose all their links)."""
    base, _ = base_access(req, family, req.params["uuid"], write=True)
    data = await req.json_object()
    link, table = _resolve(family, req, base, data)
    pairs = _pairs(family, data)
    listed = data.get("row_id_list")
    if listed is not None:
        if not isinstance(listed, list) or not all(isinstance(r, str) for r in listed):
            raise _err(family, 400, "row_id_list invalid.")
        if len(set(listed) | set(pairs)) > MAX_ROWS:
            raise _err(family, 400, f"Number of rows exceeds the limit of {MAX_ROWS}.")
        pairs = {**{r: [] for r in listed}, **pairs}
    _replace(req, family, base, link, table, pairs)
    return json_response({"success": True})


async def update_row_links(req: Request, family: str) -> Response:
    """Legacy PUT links/: one row's links become ``other_rows_ids`` (``update_link``)."""
    base, _ = base_access(req, family, req.params["uuid"], write=True)
    data = await req.json_object()
    link, table = _resolve(family, req, base, data)
    row_id, ids = data.get("row_id"), data.get("other_rows_ids")
    if not isinstance(row_id, str) or not row_id:
        raise _err(family, 400, "row_id invalid.")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise _err(family, 400, "other_rows_ids invalid.")
    _replace(req, family, base, link, table, {row_id: list(dict.fromkeys(ids))})
    return json_response({"success": True})


def _int(value: Any, default: int) -> int:
    if isinstance(value, bool) or value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


async def query_links(req: Request, family: str) -> Response:
    """Gateway query-links/ (table by id or name, column by key or name) and dtable-db
    linked-records/ (``table_id``, ``link_column`` = the column key)."""
    base, _ = base_access(req, family, req.params["uuid"], write=False)
    data = await req.json_object()
    table = _find_table(family, base, data)
    wanted = [
        data.get(k) for k in ("link_column_key", "link_column", "link_column_name") if data.get(k)
    ]
    col = next(
        (
            c
            for w in wanted
            if isinstance(w, str)
            for c in (table.by_key.get(w), table.by_name.get(w))
            if c is not None
        ),
        None,
    )
    if col is None or col.type != "link":
        raise _err(family, 404, "link column not found")
    rows = data.get("rows")
    if not isinstance(rows, list) or not all(
        isinstance(r, dict) and isinstance(r.get("row_id"), str) for r in rows
    ):
        raise _err(family, 400, "rows invalid.")
    asked = [
        (
            r["row_id"],
            max(0, _int(r.get("offset"), 0)),
            min(QUERY_MAX, max(1, _int(r.get("limit"), QUERY_DEFAULT))),
        )
        for r in rows
    ]
    return json_response(links.linked_records(req.services.state, base, table, col, asked))


_GATEWAY: list[BaseRoute] = [
    ("links.add", "POST", "links/", add_links),
    ("links.set", "PUT", "links/", set_links),
    ("links.remove", "DELETE", "links/", remove_links),
    ("links.query", "POST", "query-links/", query_links),
]
_LEGACY: list[BaseRoute] = [
    ("links.add", "POST", "links/", add_links),
    ("links.update", "PUT", "links/", update_row_links),
    ("links.remove", "DELETE", "links/", remove_links),
    ("links.batch_update", "PUT", "batch-update-links/", set_links),
]


def register(router: Router, version: tuple[int, int]) -> None:
    for family in families(version):
        add_routes(router, family, _GATEWAY if family == "gateway" else _LEGACY)
    if "legacy" in families(version):
        db = "/dtable-db/api/v1/linked-records/{uuid}"
        for path in (db, db + "/"):  # the v5.0 spec without the slash, the client with it
            router.add("legacy.links.query", "POST", path, "legacy", bind(query_links, "legacy"))
