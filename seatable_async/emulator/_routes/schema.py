"""Schema routes: tables, columns, select options, cascades and views, on the API gateway (4.4+)
and the legacy dtable-server (< 6.0), with the same bodies on both (5.0 spec
``base_operations.yaml`` / ``base_operations_deprecated.yaml``). ``tables/duplicate-table/`` is
on the gateway from 6.0 only (6.0.10 ``test_duplicateTable``; not in the 5.0 gateway spec).

Errors: the gateway answers ``{"error_message": …}``, dtable-server ``{"error_msg": …}``; an
unknown table, column or view is 404, any other refusal 400 (messages inferred, except
``table not found``).
"""

from __future__ import annotations

from typing import Any

from .._auth.access import base_access
from .._schema.shapes import SchemaError
from .._schema.tables import Schema
from .._schema.views import ViewSchema
from .._server.families import BaseRoute, FamilyHandler, add_routes, bind, families
from .._server.request import Request
from .._server.responses import HTTPError, Response, error_message, error_msg, json_response
from .._server.router import Handler, Router
from .._state.records import Base, Column, Table
from .._state.view_rows import hidden_names

_SUCCESS = {"success": True}
_TRUE = (True, "true", "True", 1)


def _err(family: str, status: int, msg: str) -> HTTPError:
    return error_message(status, msg) if family == "gateway" else error_msg(status, msg)


def _table(family: str, base: Base, name: Any, table_id: Any = None) -> Table:
    ref = name if isinstance(name, str) and name else table_id
    if not isinstance(ref, str) or not ref:
        raise _err(family, 400, "table_name invalid.")
    table = base.table(ref)
    if table is None:
        raise _err(family, 404, "table not found")
    return table


def _column(family: str, table: Table, ref: Any, what: str = "column") -> Column:
    if not isinstance(ref, str) or not ref:
        raise _err(family, 400, f"{what} invalid.")
    col = table.column(ref)
    if col is None:
        raise _err(family, 404, f"column {ref} not found.")
    return col


def _view(family: str, table: Table, name: str) -> dict[str, Any]:
    view = table.view(name)
    if view is None:
        raise _err(family, 404, "view not found")
    return view


async def _write(req: Request, family: str) -> tuple[Base, dict[str, Any], Schema]:
    base, _ = base_access(req, family, req.params["uuid"], write=True)
    body = await req.json_object()
    services = req.services
    schema = Schema(
        services.state, services.version.numbers, lambda op: services.events.emit(base.uuid, op)
    )
    return base, body, schema


def _refused(family: str, exc: SchemaError) -> HTTPError:
    return _err(family, exc.status, exc.message)


# ---- tables ----------------------------------------------------------------------------------
async def add_table(req: Request, family: str) -> Response:
    base, body, schema = await _write(req, family)
    answer = schema.add_table(base, body.get("table_name"), body.get("columns"), body.get("lang"))
    return json_response(answer)


async def rename_table(req: Request, family: str) -> Response:
    base, body, schema = await _write(req, family)
    table = _table(family, base, body.get("table_name"), body.get("table_id"))
    schema.rename_table(base, table, body.get("new_table_name"))
    return json_response(_SUCCESS)


async def delete_table(req: Request, family: str) -> Response:
    base, body, schema = await _write(req, family)
    table = _table(family, base, body.get("table_name"), body.get("table_id"))
    schema.delete_table(base, table)
    return json_response(_SUCCESS)


async def duplicate_table(req: Request, family: str) -> Response:
    base, body, schema = await _write(req, family)
    table = _table(family, base, body.get("table_name"), body.get("table_id"))
    with_rows = body.get("is_duplicate_records") in _TRUE
    return json_response(schema.duplicate_table(base, table, with_rows))


# ---- columns ---------------------------------------------------------------------------------
async def list_columns(req: Request, family: str) -> Response:
    """All columns, or the ones a view shows (5.0 spec listColumns: "the visible columns in a
    certain view")."""
    base, _ = base_access(req, family, req.params["uuid"], write=False)
    q = req.query
    table = _table(family, base, q.get("table_name"), q.get("table_id"))
    hidden: set[str] = set()
    view_ref = q.get("view_name") or q.get("view_id")
    if view_ref:
        hidden = hidden_names(table, _view(family, table, view_ref))
    columns = [c.as_dict() for c in table.columns if c.name not in hidden]
    return json_response({"columns": columns})


async def insert_column(req: Request, family: str) -> Response:
    base, body, schema = await _write(req, family)
    table = _table(family, base, body.get("table_name"), body.get("table_id"))
    answer = schema.insert_column(
        base,
        table,
        body.get("column_name"),
        body.get("column_type"),
        body.get("column_data"),
        body.get("anchor_column"),
    )
    return json_response(answer)


async def append_columns(req: Request, family: str) -> Response:
    base, body, schema = await _write(req, family)
    table = _table(family, base, body.get("table_name"), body.get("table_id"))
    return json_response({"columns": schema.append_columns(base, table, body.get("columns"))})


async def update_column(req: Request, family: str) -> Response:
    """PUT columns/ by ``op_type``; answers the changed column (5.0 spec updateColumn)."""
    base, body, schema = await _write(req, family)
    table = _table(family, base, body.get("table_name"), body.get("table_id"))
    col = _column(family, table, body.get("column"))
    op_type = body.get("op_type")
    if op_type == "rename_column":
        schema.rename_column(base, table, col, body.get("new_column_name"))
    elif op_type == "resize_column":
        schema.resize_column(base, table, col, body.get("new_column_width"))
    elif op_type == "freeze_column":
        schema.freeze_column(base, table, col, body.get("frozen"))
    elif op_type == "move_column":
        target = _column(family, table, body.get("target_column"), "target_column")
        schema.move_column(base, table, col, target)
    elif op_type == "modify_column_type":
        schema.change_type(base, table, col, body.get("new_column_type"), body.get("column_data"))
    else:
        raise _err(family, 400, "op_type invalid.")
    return json_response(col.as_dict())


async def delete_column(req: Request, family: str) -> Response:
    base, body, schema = await _write(req, family)
    table = _table(family, base, body.get("table_name"), body.get("table_id"))
    schema.delete_column(base, table, _column(family, table, body.get("column")))
    return json_response(_SUCCESS)


async def add_options(req: Request, family: str) -> Response:
    base, body, schema = await _write(req, family)
    table = _table(family, base, body.get("table_name"), body.get("table_id"))
    schema.add_options(base, table, _column(family, table, body.get("column")), body.get("options"))
    return json_response(_SUCCESS)


async def update_options(req: Request, family: str) -> Response:
    """Answers the updated options with ``return_options`` (5.0 spec example), else success."""
    base, body, schema = await _write(req, family)
    table = _table(family, base, body.get("table_name"), body.get("table_id"))
    col = _column(family, table, body.get("column"))
    updated = schema.update_options(base, table, col, body.get("options"))
    if body.get("return_options") in _TRUE:
        return json_response({"options": updated})
    return json_response(_SUCCESS)


async def delete_options(req: Request, family: str) -> Response:
    base, body, schema = await _write(req, family)
    table = _table(family, base, body.get("table_name"), body.get("table_id"))
    col = _column(family, table, body.get("column"))
    schema.delete_options(base, table, col, body.get("option_names"))
    return json_response(_SUCCESS)


async def set_cascade(req: Request, family: str) -> Response:
    base, body, schema = await _write(req, family)
    table = _table(family, base, body.get("table_name"), body.get("table_id"))
    child = _column(family, table, body.get("child_column"), "child_column")
    parent = _column(family, table, body.get("parent_column"), "parent_column")
    schema.set_cascade(base, table, child, parent, body.get("cascade_settings"))
    return json_response(_SUCCESS)


# ---- views -----------------------------------------------------------------------------------
def _views(req: Request, base: Base) -> ViewSchema:
    services = req.services
    return ViewSchema(
        services.state, services.version.numbers, lambda op: services.events.emit(base.uuid, op)
    )


async def list_views(req: Request, family: str) -> Response:
    base, _ = base_access(req, family, req.params["uuid"], write=False)
    table = _table(family, base, req.query.get("table_name"), req.query.get("table_id"))
    return json_response({"views": [dict(v) for v in table.views]})


async def get_view(req: Request, family: str) -> Response:
    base, _ = base_access(req, family, req.params["uuid"], write=False)
    table = _table(family, base, req.query.get("table_name"), req.query.get("table_id"))
    return json_response(dict(_view(family, table, req.params["view_name"])))


async def add_view(req: Request, family: str) -> Response:
    base, body, _ = await _write(req, family)
    table = _table(family, base, req.query.get("table_name"), req.query.get("table_id"))
    return json_response(_views(req, base).add_view(base, table, body))


async def update_view(req: Request, family: str) -> Response:
    base, body, _ = await _write(req, family)
    table = _table(family, base, req.query.get("table_name"), req.query.get("table_id"))
    view = _view(family, table, req.params["view_name"])
    return json_response(_views(req, base).update_view(base, table, view, body))


async def delete_view(req: Request, family: str) -> Response:
    base, _ = base_access(req, family, req.params["uuid"], write=True)
    table = _table(family, base, req.query.get("table_name"), req.query.get("table_id"))
    view = _view(family, table, req.params["view_name"])
    _views(req, base).delete_view(base, table, view)
    return json_response(_SUCCESS)


# ---- registration ----------------------------------------------------------------------------
def _bind(fn: FamilyHandler, family: str) -> Handler:
    """`bind`, with the schema's refusals answered as the family answers errors."""

    async def refusing(req: Request, family: str) -> Response:
        try:
            return await fn(req, family)
        except SchemaError as exc:
            raise _refused(family, exc) from None

    refusing.__name__ = fn.__name__
    return bind(refusing, family)


_ROUTES: list[BaseRoute] = [
    ("tables.add", "POST", "tables/", add_table),
    ("tables.rename", "PUT", "tables/", rename_table),
    ("tables.delete", "DELETE", "tables/", delete_table),
    ("tables.duplicate", "POST", "tables/duplicate-table/", duplicate_table),
    ("columns.list", "GET", "columns/", list_columns),
    ("columns.insert", "POST", "columns/", insert_column),
    ("columns.update", "PUT", "columns/", update_column),
    ("columns.delete", "DELETE", "columns/", delete_column),
    ("columns.append", "POST", "batch-append-columns/", append_columns),
    ("options.add", "POST", "column-options/", add_options),
    ("options.update", "PUT", "column-options/", update_options),
    ("options.delete", "DELETE", "column-options/", delete_options),
    ("columns.cascade", "POST", "column-cascade-settings/", set_cascade),
    ("views.list", "GET", "views/", list_views),
    ("views.add", "POST", "views/", add_view),
    ("views.get", "GET", "views/{view_name}/", get_view),
    ("views.update", "PUT", "views/{view_name}/", update_view),
    ("views.delete", "DELETE", "views/{view_name}/", delete_view),
]


def register(router: Router, version: tuple[int, int]) -> None:
    for family in families(version):
        routes = [
            r
            for r in _ROUTES
            # duplicate-table reached the gateway in 6.0
            if not (r[0] == "tables.duplicate" and family == "gateway" and version < (6, 0))
        ]
        add_routes(router, family, routes, binder=_bind)
