"""Select options and cascades of ``base.columns`` (`Columns` forwards them here).

Endpoints (gateway 4.4+ / legacy dtable-server before 6.0; 5.0 spec ``addSelectOption``,
``updateSelectOption``, ``deleteSelectOption``, ``updateColumnCascade``; official client
``add_column_options``, ``add_column_cascade_settings``): ``column-options/`` POST/PUT/DELETE
and ``column-cascade-settings/`` POST.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from seatable_async import _validate as check
from seatable_async._base import schema_checks as schema
from seatable_async._base.context import BaseContext
from seatable_async._base.routing import Endpoint
from seatable_async.errors import ConfigurationError
from seatable_async.models import SelectOption

__all__ = ["ColumnOptions"]

ADD_OPTIONS = Endpoint(
    "base.columns.add_options",
    "POST",
    gateway="/column-options/",
    legacy="/column-options/",
    changes_schema=True,
)
# Updating by option id sets absolute values; deleting by name leaves nothing to delete on a
# replay (unknown names are ignored), so both may be replayed.
UPDATE_OPTIONS = Endpoint(
    "base.columns.update_options",
    "PUT",
    gateway="/column-options/",
    legacy="/column-options/",
    changes_schema=True,
)
DELETE_OPTIONS = Endpoint(
    "base.columns.delete_options",
    "DELETE",
    gateway="/column-options/",
    legacy="/column-options/",
    changes_schema=True,
)
# The settings replace the child column's cascade settings: a replay writes the same again.
SET_CASCADE = Endpoint(
    "base.columns.set_cascade",
    "POST",
    gateway="/column-cascade-settings/",
    legacy="/column-cascade-settings/",
    idempotent=True,
    changes_schema=True,
)


class ColumnOptions:
    """Select options and cascade settings of a base's columns; `Columns` delegates here."""

    def __init__(self, context: BaseContext) -> None:
        self._ctx = context

    async def add_options(
        self, table: str, column: str, options: Sequence[Mapping[str, str]]
    ) -> None:
        """Add options to a single- or multiple-select column.

        Args:
            table: the table.
            column: the select column, by name or key.
            options: ``{"name", "color", "textColor"?}`` mappings, e.g. ``{"name": "done",
                "color": "#59CB74"}``; the server gives each an id.

        Raises:
            ConfigurationError: invalid arguments (before any request).
            PermissionDeniedError: read-only token or external link (before any write).
            NotFoundError, BadRequestError: no such table or column, or not a select column.
            MaybeAppliedError: the request may have been applied (not replayed).
        """
        body = _body(table, column, options=schema.options(options))
        route = await self._ctx.route(write=True)
        await self._ctx.send(ADD_OPTIONS, route, json=body)

    async def update_options(
        self, table: str, column: str, options: Sequence[Mapping[str, str]]
    ) -> list[SelectOption]:
        """Change existing options (found by ``id``): their ``name``, ``color`` or
        ``textColor``. Cells holding a renamed option show the new name.

        Returns:
            The updated options as the server stored them.

        Raises:
            ConfigurationError: invalid arguments, an option without ``id`` (before any
                request).
            NotFoundError, BadRequestError: no such table or column, or not a select column.
        """
        body = _body(table, column, options=schema.options(options, need_id=True))
        body["return_options"] = True
        route = await self._ctx.route(write=True)
        answer = await self._ctx.send(UPDATE_OPTIONS, route, json=body)
        items = answer.get("options") if isinstance(answer, dict) else None
        if not isinstance(items, list):
            raise UPDATE_OPTIONS.malformed(route, "the answer has no 'options' list")
        path = UPDATE_OPTIONS.template(route)
        return [SelectOption.from_json(o, method="PUT", path=path) for o in items]

    async def delete_options(self, table: str, column: str, names: Sequence[str]) -> None:
        """Remove options by name; cells holding them lose the value.

        Raises:
            ConfigurationError: invalid arguments (before any request).
            NotFoundError, BadRequestError: no such table or column, or not a select column.
        """
        body = _body(table, column, option_names=schema.names(names, "names"))
        route = await self._ctx.route(write=True)
        await self._ctx.send(DELETE_OPTIONS, route, json=body)

    async def set_cascade(
        self,
        table: str,
        *,
        child: str,
        parent: str,
        settings: Mapping[str, Sequence[str]],
    ) -> None:
        """Make a single-select column's options depend on another one's.

        Args:
            table: the table.
            child: the dependent single-select column, by name or key.
            parent: the single-select column it depends on, by name or key.
            settings: parent option name -> the child option names offered with it, e.g.
                ``{"Europe": ["Germany", "France"], "Asia": ["Japan"]}``.

        Raises:
            ConfigurationError: invalid arguments (before any request).
            NotFoundError, BadRequestError: no such table or columns, or options missing.
        """
        if not isinstance(settings, Mapping):
            raise ConfigurationError("settings must be a mapping of parent option names")
        cascade = {
            check.text(key, "settings keys"): schema.names(value, f"settings[{key!r}]")
            for key, value in settings.items()
        }
        body = {
            "table_name": check.text(table, "table"),
            "child_column": schema.column(child, "child"),
            "parent_column": schema.column(parent, "parent"),
            "cascade_settings": cascade,
        }
        route = await self._ctx.route(write=True)
        await self._ctx.send(SET_CASCADE, route, json=body)


def _body(table: str, column: str, **extra: Any) -> dict[str, Any]:
    return {"table_name": check.text(table, "table"), "column": schema.column(column), **extra}
