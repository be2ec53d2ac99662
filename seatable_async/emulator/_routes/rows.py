"""Base operations: API gateway (4.4+) and legacy dtable-server / dtable-db (< 6.0)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from .._auth.access import base_access
from .._events.broadcast import BroadcastingRows
from .._server.families import BaseRoute, add_routes, bind, families
from .._server.request import Request
from .._server.responses import HTTPError, Response, error_message, error_msg, json_response
from .._server.router import Router
from .._sql.lexer import SqlError
from .._sql.run import run_sql
from .._state import links
from .._state.cells import SYSTEM_VIEW, CellCodec
from .._state.records import Base, Table
from .._state.view_rows import apply_view, hidden_names
from . import row_extras

MAX_LIST = 1000
MAX_WRITE = 1000
MAX_DELETE = 10_000
_TRUE = ("true", "True", "1", "TRUE")


def _err(family: str, status: int, msg: str) -> HTTPError:
    return error_message(status, msg) if family == "gateway" else error_msg(status, msg)


def _table(family: str, base: Base, name: Any, table_id: Any = None) -> Table:
    if (not isinstance(name, str) or not name) and isinstance(table_id, str):
        name = table_id
    if not isinstance(name, str) or not name:
        raise _err(family, 400, "table_name invalid.")
    table = base.table(name)
    if table is None:
        raise _err(family, 404, "table not found")
    return table


def _int(family: str, value: str | None, default: int, name: str) -> int:
    if value in (None, ""):
        return default
    try:
        result = int(str(value))
    except ValueError:
        raise _err(family, 400, f"{name} invalid.") from None
    if result < 0:
        raise _err(family, 400, f"{name} invalid.")
    return result


def _find_view(family: str, table: Table, ref: str | None) -> dict[str, Any] | None:
    if not ref:
        return None
    view = table.view(ref)
    if view is None:
        raise _err(family, 404, "view not found")
    return view


_GATEWAY_SYSTEM = ("_id", "_ctime", "_mtime", "_creator", "_last_modifier", "_archived")


def gateway_rows(
    codec: CellCodec, table: Table, rows: list[dict[str, Any]], convert_keys: bool
) -> list[dict[str, Any]]:
    """Rows as the gateway answers them: system fields, then every column (unset = null),
    dates with the zone's offset, keyed by column key unless ``convert_keys`` (5.0/6.x
    ``test_listRows[listRows]`` snapshots)."""
    plan = [
        (
            col.name if convert_keys else col.key,
            SYSTEM_VIEW.get(col.type, col.name),
            codec.shower(col),
        )
        for col in table.columns
    ]
    out = []
    for row in rows:
        shown = {k: row[k] for k in _GATEWAY_SYSTEM}
        locked = row["_locked"]
        shown["_locked"] = None if locked is None else bool(locked)
        shown["_locked_by"] = row["_locked_by"]
        for key, source, show in plan:
            value = row[source]
            shown[key] = show(value) if show is not None else value
        out.append(shown)
    return out


def show_links(
    req: Request, family: str, base: Base, table: Table, rows: list[dict[str, Any]]
) -> None:
    """Link cells: objects on the gateway (≤50 from 6.0), row ids on legacy (`_state.links`)."""
    cap = links.CELL_CAP if req.services.version.numbers >= (6, 0) else None
    style = "objects" if family == "gateway" else "ids"
    links.render_cells(req.services.state, base, table, rows, style, cap)


def legacy_row(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    """A row as the old dtable-server answers it: ``_id``, ``_ctime``, ``_mtime`` and the set
    cells keyed by name, values as stored (dates ``2030-06-20`` / ``2030-06-20 23:55``); no
    ``_creator``/``_last_modifier`` (5.0 ``test_listRows[listRowsDeprecated]`` snapshot)."""
    out = {"_id": row["_id"], "_ctime": row["_ctime"], "_mtime": row["_mtime"]}
    for col in table.columns:
        value = row[SYSTEM_VIEW.get(col.type, col.name)]
        if value is not None and col.type not in ("formula", "link-formula", "button"):
            out[col.name] = value
    return out


def _rows_list(family: str, data: dict[str, Any], key: str, cap: int) -> list[Any]:
    rows = data.get(key)
    if not isinstance(rows, list):
        raise _err(family, 400, f"{key} invalid.")
    if len(rows) > cap:
        raise _err(family, 400, f"Number of {key} exceeds the limit of {cap}.")
    return rows


def _row_dicts(family: str, rows: list[Any]) -> list[dict[str, Any]]:
    if not all(isinstance(r, dict) for r in rows):
        raise _err(family, 400, "rows invalid.")
    return rows


def _updates(family: str, data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for u in _rows_list(family, data, "updates", MAX_WRITE):
        if (
            not isinstance(u, dict)
            or not isinstance(u.get("row_id"), str)
            or not isinstance(u.get("row"), dict)
        ):
            raise _err(family, 400, "updates invalid.")
        out.append((u["row_id"], u["row"]))
    return out


def _writer(req: Request, *, single: bool = False) -> BroadcastingRows:
    """Writes rows and announces them on the event bus."""
    return BroadcastingRows(req.services.state, req.services.events, single=single)


def _who(claims: dict[str, Any]) -> str:
    return str(claims.get("username") or claims.get("app_name") or "")


async def metadata(req: Request, family: str) -> Response:
    base, _ = base_access(req, family, req.params["uuid"], write=False)
    return json_response(
        {
            "metadata": {
                "tables": [t.as_dict() for t in base.tables],
                "version": base.version,
                "format_version": 7,
                "settings": {},
            }
        }
    )


def _redirect(req: Request, suffix: str) -> Response:
    qs = req.scope.get("query_string", b"").decode("latin-1")
    target = f"{req.base_url}/api-gateway/api/v2/dtables/{req.params['uuid']}/{suffix}"
    if qs:
        target += "?" + qs
    return Response(302, b"", None, [(b"location", target.encode())])


async def list_rows(req: Request, family: str) -> Response:
    if (
        family == "legacy"
        and req.services.settings.redirect_legacy
        and req.services.version.has_gateway
    ):
        return _redirect(req, "rows/")
    base, _ = base_access(req, family, req.params["uuid"], write=False)
    q = req.query
    table = _table(family, base, q.get("table_name"), q.get("table_id"))
    view = _find_view(family, table, q.get("view_name") or q.get("view_id"))
    start = _int(family, q.get("start"), 0, "start")
    limit = min(_int(family, q.get("limit"), MAX_LIST, "limit"), MAX_LIST)
    order_by = q.get("order_by") if family == "legacy" else None  # the gateway dropped it (4.4)
    descending = q.get("direction", "asc").lower() == "desc"
    state = req.services.state
    archived = family == "gateway"  # the old dtable-server does not see big-data rows
    if view is not None and (view.get("filters") or view.get("sorts")):
        everything = state.select_rows(
            base, table, order_by=order_by, descending=descending, archived=archived
        )
        today = req.services.state.zone.local(
            datetime.fromtimestamp(req.services.clock.now(), tz=timezone.utc)
        )
        rows = apply_view(table, view, everything, today.date())[start : start + limit]
    else:
        rows = state.select_rows(
            base, table, start, limit, order_by=order_by, descending=descending, archived=archived
        )
    show_links(req, family, base, table, rows)
    hidden = hidden_names(table, view) if view is not None else set()
    if family == "gateway":
        convert = q.get("convert_keys", "false") in _TRUE
        shown = gateway_rows(state.codec, table, rows, convert)
        if hidden:
            drop = hidden if convert else {table.by_name[n].key for n in hidden}
            shown = [{k: v for k, v in row.items() if k not in drop} for row in shown]
        return json_response({"rows": shown})
    return json_response(
        {"rows": [{k: v for k, v in legacy_row(table, r).items() if k not in hidden} for r in rows]}
    )


async def get_row(req: Request, family: str) -> Response:
    if (
        family == "legacy"
        and req.services.settings.redirect_legacy
        and req.services.version.has_gateway
    ):
        return _redirect(req, f"rows/{req.params['row_id']}/")
    base, _ = base_access(req, family, req.params["uuid"], write=False)
    q = req.query
    table = _table(family, base, q.get("table_name"), q.get("table_id"))
    rows = req.services.state.select_rows(base, table, row_id=req.params["row_id"])
    if not rows:
        raise _err(family, 404, "row _id not exits" if family == "gateway" else "row not found")
    show_links(req, family, base, table, rows)
    if family == "gateway":
        convert = q.get("convert_keys", "") in _TRUE
        return json_response(gateway_rows(req.services.state.codec, table, rows, convert)[0])
    return json_response(legacy_row(table, rows[0]))


async def append_rows(req: Request, family: str) -> Response:
    """Gateway POST rows/ and legacy batch-append-rows/."""
    base, claims = base_access(req, family, req.params["uuid"], write=True)
    data = await req.json_object()
    table = _table(family, base, data.get("table_name"), data.get("table_id"))
    rows = _row_dicts(family, _rows_list(family, data, "rows", MAX_WRITE))
    if data.get("apply_default") is True:
        rows = row_extras.apply_defaults(table, rows)
    ids, stored = _writer(req).insert_rows(base, table, rows, _who(claims))
    req.services.stats.add("rows_written", len(ids))
    if family != "gateway":
        return json_response({"inserted_row_count": len(ids)})
    first: dict[str, Any] | None = None
    if stored is not None:
        first = {}
        for k, v in stored.items():
            col = table.by_name.get(k)
            first[col.key if col is not None else k] = v
    return json_response(
        {
            "inserted_row_count": len(ids),
            "row_ids": [{"_id": i} for i in ids],
            "first_row": first,
        }
    )


async def append_row(req: Request, family: str) -> Response:
    """Legacy POST rows/ with a single ``row``; answers the stored row."""
    base, claims = base_access(req, family, req.params["uuid"], write=True)
    data = await req.json_object()
    table = _table(family, base, data.get("table_name"), data.get("table_id"))
    row = data.get("row")
    if not isinstance(row, dict):
        raise _err(family, 400, "row invalid.")
    anchor = data.get("anchor_row_id")
    position = row_extras.check_anchor(base, table, data) if anchor else ""
    if data.get("apply_default") is True:
        row = row_extras.apply_defaults(table, [row])[0]
    if anchor:  # place_row publishes the positioned insert_row
        ids, stored = req.services.state.insert_rows(base, table, [row], _who(claims))
    else:
        writer = _writer(req, single=True)
        ids, stored = writer.insert_rows(base, table, [row], _who(claims))
    req.services.stats.add("rows_written", 1)
    if anchor:
        row_extras.place_row(req, base, table, ids[0], str(anchor), position)
    return json_response(stored)


async def update_rows(req: Request, family: str) -> Response:
    base, claims = base_access(req, family, req.params["uuid"], write=True)
    data = await req.json_object()
    table = _table(family, base, data.get("table_name"), data.get("table_id"))
    updates = _updates(family, data)
    _writer(req).update_rows(base, table, updates, _who(claims))
    return json_response({"success": True})


async def update_row(req: Request, family: str) -> Response:
    base, claims = base_access(req, family, req.params["uuid"], write=True)
    data = await req.json_object()
    table = _table(family, base, data.get("table_name"), data.get("table_id"))
    row_id, row = data.get("row_id"), data.get("row")
    if not isinstance(row_id, str) or not isinstance(row, dict):
        raise _err(family, 400, "params invalid")
    writer = _writer(req, single=True)
    writer.update_rows(base, table, [(row_id, row)], _who(claims))
    return json_response({"success": True})


async def delete_rows(req: Request, family: str) -> Response:
    base, _ = base_access(req, family, req.params["uuid"], write=True)
    data = await req.json_object()
    table = _table(family, base, data.get("table_name"), data.get("table_id"))
    ids = _rows_list(family, data, "row_ids", MAX_DELETE)
    if not all(isinstance(i, str) for i in ids):
        raise _err(family, 400, "row_ids invalid.")
    _writer(req).delete_rows(base, table, ids)
    return json_response({"success": True})  # no row count (v5.0/6.1 spec)


async def delete_row(req: Request, family: str) -> Response:
    base, _ = base_access(req, family, req.params["uuid"], write=True)
    data = await req.json_object()
    table = _table(family, base, data.get("table_name"), data.get("table_id"))
    row_id = data.get("row_id")
    if not isinstance(row_id, str):
        raise _err(family, 400, "params invalid")
    _writer(req, single=True).delete_rows(base, table, [row_id])
    return json_response({"success": True})


def _is_write_sql(sql: Any) -> bool:
    return isinstance(sql, str) and sql.strip()[:6].upper() in ("INSERT", "UPDATE", "DELETE")


async def sql(req: Request, family: str) -> Response:
    """Gateway SQL (errors 400 ``error_message``) and legacy dtable-db SQL (200 success false)."""
    if (
        family == "legacy"
        and req.services.settings.redirect_legacy
        and req.services.version.has_gateway
    ):
        return _redirect(req, "sql")
    data = await req.json_object()
    statement = data.get("sql")
    base, claims = base_access(req, family, req.params["uuid"], write=_is_write_sql(statement))
    params = data.get("parameters") if req.services.version.numbers >= (5, 0) else None
    convert = data.get("convert_keys") in (True, "true", "True")
    try:
        writer = _writer(req)
        cap = links.CELL_CAP if req.services.version.numbers >= (6, 0) else None
        result = run_sql(
            req.services.state,
            base,
            statement,
            params,
            convert,
            _who(claims),
            writer=writer,
            link_cap=cap,
        )
    except SqlError as exc:
        if family == "gateway":
            raise error_message(400, str(exc)) from None
        return json_response({"success": False, "error_message": str(exc)})
    return json_response(result)


_GATEWAY: list[BaseRoute] = [
    ("metadata", "GET", "metadata/", metadata),
    ("rows.list", "GET", "rows/", list_rows),
    ("rows.append", "POST", "rows/", append_rows),
    ("rows.update", "PUT", "rows/", update_rows),
    ("rows.delete", "DELETE", "rows/", delete_rows),
    ("rows.get", "GET", "rows/{row_id}/", get_row),
    # v5.0 spec and the official SDK: /sql; 6.1 spec and the 6.x tests: /sql/
    ("sql", "POST", "sql", sql),
    ("sql", "POST", "sql/", sql),
]
_LEGACY: list[BaseRoute] = [
    ("metadata", "GET", "metadata/", metadata),
    ("rows.list", "GET", "rows/", list_rows),
    ("rows.append", "POST", "rows/", append_row),
    ("rows.update", "PUT", "rows/", update_row),
    ("rows.delete", "DELETE", "rows/", delete_row),
    ("rows.get", "GET", "rows/{row_id}/", get_row),
    ("rows.batch_append", "POST", "batch-append-rows/", append_rows),
    ("rows.batch_update", "PUT", "batch-update-rows/", update_rows),
    ("rows.batch_delete", "DELETE", "batch-delete-rows/", delete_rows),
]


def register(router: Router, version: tuple[int, int]) -> None:
    for family in families(version):
        add_routes(router, family, _GATEWAY if family == "gateway" else _LEGACY)
    if "legacy" in families(version):
        path = "/dtable-db/api/v1/query/{uuid}/"
        router.add("legacy.sql", "POST", path, "legacy", bind(sql, "legacy"))
