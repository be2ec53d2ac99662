"""``base.columns``: list, insert, append, rename, resize, freeze, move, retype and delete
columns; select options and cascades (`ColumnOptions`, forwarded by `Delegate`).

Endpoints (gateway 4.4+ / legacy dtable-server before 6.0, same bodies on both; 5.0 spec
``listColumns``/``insertColumn``/``updateColumn``/``deleteColumn``/``appendColumns``, official
client ``list_columns``/``insert_column``/``rename_column``/``resize_column``/
``freeze_column``/``move_column``/``modify_column_type``/``delete_column``): ``columns/``
GET/POST/PUT (with ``op_type``)/DELETE and ``batch-append-columns/`` POST. Columns are named by
name or key (the spec's ``column``: "the name or key of the target column").
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from typing import Any

from seatable_async import _validate as check
from seatable_async._base import schema_checks as schema
from seatable_async._base.column_options import ColumnOptions
from seatable_async._base.context import BaseContext
from seatable_async._base.delegate import Delegate
from seatable_async._base.routing import Endpoint
from seatable_async.errors import ConfigurationError
from seatable_async.models import Column

__all__ = ["Columns"]

LIST_COLUMNS = Endpoint("base.columns.list", "GET", gateway="/columns/", legacy="/columns/")
INSERT_COLUMN = Endpoint(
    "base.columns.insert", "POST", gateway="/columns/", legacy="/columns/", changes_schema=True
)
APPEND_COLUMNS = Endpoint(
    "base.columns.append",
    "POST",
    gateway="/batch-append-columns/",
    legacy="/batch-append-columns/",
    changes_schema=True,
)
# PUT columns/ by op_type. Resizing, freezing, moving and retyping set absolute values, so a
# replay after the change landed changes nothing; a rename cannot be replayed (the old name
# is gone and the replay would fail), nor a delete.
RESIZE_COLUMN = Endpoint(
    "base.columns.resize", "PUT", gateway="/columns/", legacy="/columns/", changes_schema=True
)
FREEZE_COLUMN = Endpoint(
    "base.columns.freeze", "PUT", gateway="/columns/", legacy="/columns/", changes_schema=True
)
MOVE_COLUMN = Endpoint(
    "base.columns.move", "PUT", gateway="/columns/", legacy="/columns/", changes_schema=True
)
RETYPE_COLUMN = Endpoint(
    "base.columns.change_type", "PUT", gateway="/columns/", legacy="/columns/", changes_schema=True
)
RENAME_COLUMN = Endpoint(
    "base.columns.rename",
    "PUT",
    gateway="/columns/",
    legacy="/columns/",
    idempotent=False,
    changes_schema=True,
)
DELETE_COLUMN = Endpoint(
    "base.columns.delete",
    "DELETE",
    gateway="/columns/",
    legacy="/columns/",
    idempotent=False,
    changes_schema=True,
)


class Columns:
    """The columns of a base's tables (``base.columns``)."""

    # Select options and cascades live in `ColumnOptions`.
    add_options = Delegate("_options", ColumnOptions.add_options)
    update_options = Delegate("_options", ColumnOptions.update_options)
    delete_options = Delegate("_options", ColumnOptions.delete_options)
    set_cascade = Delegate("_options", ColumnOptions.set_cascade)

    def __init__(self, context: BaseContext):
        self._ctx = context
        self._options = ColumnOptions(context)

    async def list(self, table: str, *, view: str | None = None) -> builtins.list[Column]:
        """Return the columns of a table, or the columns a view shows (its hidden ones left
        out).

        Raises:
            ConfigurationError: invalid arguments (before any request).
            NotFoundError: no such table or view.
        """
        params: dict[str, str | int | float | bool] = {"table_name": check.text(table, "table")}
        if view is not None:
            params["view_name"] = check.text(view, "view")
        route = await self._ctx.route()
        answer = await self._ctx.send(LIST_COLUMNS, route, params=params)
        return schema.columns_answer(LIST_COLUMNS, route, answer)

    async def insert(
        self,
        table: str,
        name: str,
        type: str,
        data: Mapping[str, Any] | None = None,
        anchor: str | None = None,
    ) -> Column:
        """Add one column (any type, link and formula columns included).

        Args:
            table: the table.
            name: the new column's name.
            type: its type, e.g. ``"single-select"`` (see `Column.type`).
            data: the type's settings, e.g. ``{"options": [...]}``, ``{"formula": "..."}``,
                ``{"table": "T1", "other_table": "T2"}`` for a link, ``{"format":
                "YYYY-MM-DD HH:mm"}`` for a date.
            anchor: the column (name or key) the new one is placed after; last when None.

        Returns:
            The new `Column` as the server stored it (key, filled-in ``data``).

        Raises:
            ConfigurationError: invalid arguments (before any request).
            PermissionDeniedError: read-only token or external link (before any write).
            NotFoundError, BadRequestError: no such table, or invalid column data.
            MaybeAppliedError: the request may have been applied (not replayed).
        """
        body: dict[str, Any] = {
            "table_name": check.text(table, "table"),
            "column_name": schema.column_name(name),
            "column_type": schema.column_type(type),
        }
        column_data = schema.data(data)
        if column_data is not None:
            body["column_data"] = column_data
        if anchor is not None:
            body["anchor_column"] = schema.column(anchor, "anchor")
        route = await self._ctx.route(write=True)
        answer = await self._ctx.send(INSERT_COLUMN, route, json=body)
        return schema.column_answer(INSERT_COLUMN, route, answer)

    async def append(
        self, table: str, columns: Sequence[Mapping[str, Any]]
    ) -> builtins.list[Column]:
        """Add several columns at the end of a table in one request.

        Args:
            table: the table.
            columns: ``{"column_name", "column_type", "column_data"?}`` mappings. SeaTable
                does not append ``formula``, ``link`` or ``link-formula`` columns this way:
                use `insert` for those.

        Returns:
            The new columns, in order.

        Raises:
            ConfigurationError: invalid arguments (before any request).
            PermissionDeniedError: read-only token or external link (before any write).
            NotFoundError, BadRequestError: no such table, or invalid column data.
            MaybeAppliedError: the request may have been applied (not replayed).
        """
        body = {"table_name": check.text(table, "table"), "columns": schema.column_specs(columns)}
        if not body["columns"]:
            return []
        route = await self._ctx.route(write=True)
        answer = await self._ctx.send(APPEND_COLUMNS, route, json=body)
        return schema.columns_answer(APPEND_COLUMNS, route, answer)

    async def rename(self, table: str, column: str, new_name: str) -> Column:
        """Rename a column (named by name or key); returns the renamed `Column`.

        Raises:
            ConfigurationError: invalid arguments (before any request).
            PermissionDeniedError: read-only token or external link (before any write).
            NotFoundError, BadRequestError: no such table or column, or the name is taken.
            MaybeAppliedError: the request may have been applied (not replayed).
        """
        extra = {"new_column_name": schema.column_name(new_name, "new_name")}
        return await self._update(RENAME_COLUMN, "rename_column", table, column, extra)

    async def resize(self, table: str, column: str, width: int) -> Column:
        """Set a column's width in pixels; returns the `Column`.

        Raises:
            ConfigurationError: invalid arguments (before any request).
            NotFoundError: no such table or column.
        """
        extra = {"new_column_width": check.integer(width, "width", minimum=1)}
        return await self._update(RESIZE_COLUMN, "resize_column", table, column, extra)

    async def freeze(self, table: str, column: str, frozen: bool = True) -> Column:
        """Freeze a column (pin it to the left), or unfreeze it with ``frozen=False``.

        Raises:
            ConfigurationError: invalid arguments (before any request).
            NotFoundError: no such table or column.
        """
        extra = {"frozen": check.boolean(frozen, "frozen")}
        return await self._update(FREEZE_COLUMN, "freeze_column", table, column, extra)

    async def move(self, table: str, column: str, *, after: str) -> Column:
        """Move a column right after another one (both by name or key).

        Raises:
            ConfigurationError: invalid arguments (before any request).
            NotFoundError: no such table or column.
        """
        extra = {"target_column": schema.column(after, "after")}
        return await self._update(MOVE_COLUMN, "move_column", table, column, extra)

    async def change_type(
        self, table: str, column: str, new_type: str, data: Mapping[str, Any] | None = None
    ) -> Column:
        """Change a column's type; SeaTable converts its cells.

        Args:
            table: the table.
            column: the column, by name or key.
            new_type: the new type (not ``"link"``: insert a link column instead).
            data: the new type's settings, e.g. ``{"format": "euro"}`` for a number.

        Raises:
            ConfigurationError: invalid arguments (before any request).
            NotFoundError, BadRequestError: no such table or column, or invalid data.
        """
        kind = schema.column_type(new_type, "new_type")
        if kind == "link":
            raise ConfigurationError(
                "new_type must not be 'link': a column cannot become a link column; insert "
                "one with base.columns.insert(table, name, 'link', data={...})"
            )
        extra: dict[str, Any] = {"new_column_type": kind}
        column_data = schema.data(data)
        if column_data is not None:
            extra["column_data"] = column_data
        return await self._update(RETYPE_COLUMN, "modify_column_type", table, column, extra)

    async def delete(self, table: str, column: str) -> None:
        """Delete a column (by name or key) and its cells.

        Raises:
            ConfigurationError: invalid arguments (before any request).
            PermissionDeniedError: read-only token or external link (before any write).
            NotFoundError: no such table or column.
            MaybeAppliedError: the request may have been applied (not replayed).
        """
        body = {"table_name": check.text(table, "table"), "column": schema.column(column)}
        route = await self._ctx.route(write=True)
        await self._ctx.send(DELETE_COLUMN, route, json=body)

    async def _update(
        self, endpoint: Endpoint, op_type: str, table: str, column: str, extra: dict[str, Any]
    ) -> Column:
        body = {
            "op_type": op_type,
            "table_name": check.text(table, "table"),
            "column": schema.column(column),
            **extra,
        }
        route = await self._ctx.route(write=True)
        answer = await self._ctx.send(endpoint, route, json=body)
        return schema.column_answer(endpoint, route, answer)
