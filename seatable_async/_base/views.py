"""``base.views``: list, get, add, update and delete the views of a table.

Endpoints (gateway 4.4+ / legacy dtable-server before 6.0, the table as ``table_name`` query
parameter on both; 5.0 spec ``listViews``/``createView``/``getView``/``updateView``/
``deleteView``, official client ``list_views``/``get_view_by_name``/``add_view``/
``rename_view``/``delete_view``): ``views/`` GET/POST and ``views/{view_name}/`` GET/PUT/DELETE.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from typing import Any

from seatable_async import _validate as check
from seatable_async._base import schema_checks as schema
from seatable_async._base.context import BaseContext
from seatable_async._base.routing import Endpoint, Route
from seatable_async.models import View

__all__ = ["Views"]

LIST_VIEWS = Endpoint("base.views.list", "GET", gateway="/views/", legacy="/views/")
GET_VIEW = Endpoint(
    "base.views.get", "GET", gateway="/views/{view_name}/", legacy="/views/{view_name}/"
)
ADD_VIEW = Endpoint(
    "base.views.add", "POST", gateway="/views/", legacy="/views/", changes_schema=True
)
UPDATE_VIEW = Endpoint(
    "base.views.update",
    "PUT",
    gateway="/views/{view_name}/",
    legacy="/views/{view_name}/",
    changes_schema=True,
)
# A delete that landed cannot be replayed: the view is gone and the replay would fail.
DELETE_VIEW = Endpoint(
    "base.views.delete",
    "DELETE",
    gateway="/views/{view_name}/",
    legacy="/views/{view_name}/",
    idempotent=False,
    changes_schema=True,
)
COLUMNS = Endpoint("base.views.update", "GET", gateway="/columns/", legacy="/columns/")
_CONJUNCTIONS = ("And", "Or")
_VIEW_TYPES = ("table", "archive")


class Views:
    """The views of a base's tables (``base.views``)."""

    def __init__(self, context: BaseContext):
        self._ctx = context

    async def list(self, table: str) -> builtins.list[View]:
        """Return the views of a table with their settings.

        Raises:
            ConfigurationError: invalid arguments (before any request).
            NotFoundError: no such table.
        """
        params = {"table_name": check.text(table, "table")}
        route = await self._ctx.route()
        answer = await self._ctx.send(LIST_VIEWS, route, params=params)
        return schema.views_answer(LIST_VIEWS, route, answer)

    async def get(self, table: str, name: str) -> View:
        """Return one view by name.

        Raises:
            ConfigurationError: invalid arguments (before any request).
            NotFoundError: no such table or view.
        """
        params = {"table_name": check.text(table, "table")}
        args = {"view_name": check.text(name, "name")}
        route = await self._ctx.route()
        answer = await self._ctx.send(GET_VIEW, route, args=args, params=params)
        return schema.view_answer(GET_VIEW, route, answer)

    async def add(
        self, table: str, name: str, type: str = "table", *, is_locked: bool | None = None
    ) -> View:
        """Create a view (showing every row); set its filters, sorts… with `update`.

        Args:
            table: the table.
            name: the new view's name.
            type: ``"table"``, or ``"archive"`` for a view of big-data (archived) rows.
            is_locked: lock the view's settings.

        Returns:
            The new `View`.

        Raises:
            ConfigurationError: invalid arguments (before any request).
            PermissionDeniedError: read-only token or external link (before any write).
            NotFoundError, BadRequestError: no such table, or the name is taken.
            MaybeAppliedError: the request may have been applied (not replayed).
        """
        params = {"table_name": check.text(table, "table")}
        body: dict[str, Any] = {
            "name": check.text(name, "name"),
            "type": check.choice(type, "type", _VIEW_TYPES),
        }
        if is_locked is not None:
            body["is_locked"] = check.boolean(is_locked, "is_locked")
        route = await self._ctx.route(write=True)
        answer = await self._ctx.send(ADD_VIEW, route, params=params, json=body)
        return schema.view_answer(ADD_VIEW, route, answer)

    async def update(
        self,
        table: str,
        name: str,
        *,
        new_name: str | None = None,
        is_locked: bool | None = None,
        filters: Sequence[Mapping[str, Any]] | None = None,
        filter_conjunction: str | None = None,
        sorts: Sequence[Mapping[str, Any]] | None = None,
        groupbys: Sequence[Mapping[str, Any]] | None = None,
        hidden_columns: Sequence[str] | None = None,
    ) -> View:
        """Change a view's settings; what is not given stays as it is.

        Args:
            table: the table.
            name: the view to change.
            new_name: rename it.
            is_locked: lock or unlock its settings.
            filters: ``{"column_key" | "column_name", "filter_predicate", "filter_term",
                "filter_term_modifier"?}`` conditions, e.g. ``{"column_name": "Age",
                "filter_predicate": "greater", "filter_term": 30}``; ``[]`` removes them all.
            filter_conjunction: ``"And"`` or ``"Or"``.
            sorts: ``{"column_key" | "column_name", "sort_type": "up" | "down"}``; ``[]``
                removes them.
            groupbys: like ``sorts``; ``[]`` removes them.
            hidden_columns: the columns (names or keys) the view hides; ``[]`` shows all.

        Column names are turned into keys with one extra request (the columns of the table).

        Returns:
            The view as the server stored it.

        Raises:
            ConfigurationError: invalid arguments (before any request).
            PermissionDeniedError: read-only token or external link (before any write).
            NotFoundError, BadRequestError: no such table or view, or invalid settings.
            MaybeAppliedError: a rename may have been applied (not replayed).
        """
        table = check.text(table, "table")
        name = check.text(name, "name")
        body: dict[str, Any] = {}
        if new_name is not None:
            body["name"] = check.text(new_name, "new_name")
        if is_locked is not None:
            body["is_locked"] = check.boolean(is_locked, "is_locked")
        if filter_conjunction is not None:
            body["filter_conjunction"] = check.choice(
                filter_conjunction, "filter_conjunction", _CONJUNCTIONS
            )
        lists = {"filters": filters, "sorts": sorts, "groupbys": groupbys}
        for key, value in lists.items():
            if value is not None:
                body[key] = schema.entries(value, key)
        hidden = None if hidden_columns is None else schema.names(hidden_columns, "hidden_columns")
        route = await self._ctx.route(write=True)
        if hidden or any(
            "column_name" in e and "column_key" not in e for key in lists for e in body.get(key, ())
        ):
            keys = await self._column_keys(route, table)
            for key in lists:
                if key in body:
                    body[key] = [_keyed(e, keys) for e in body[key]]
            hidden = [keys.get(h, h) for h in hidden or ()]
        if hidden is not None:
            body["hidden_columns"] = hidden
        for key in lists:
            # The server ignores an empty list ("send an empty object like this: [{}]" to
            # remove them, 5.0 spec updateView)
            if body.get(key) == []:
                body[key] = [{}]
        renames = "name" in body and body["name"] != name
        answer = await self._ctx.send(
            UPDATE_VIEW,
            route,
            args={"view_name": name},
            params={"table_name": table},
            json=body,
            idempotent=not renames,
        )
        return schema.view_answer(UPDATE_VIEW, route, answer)

    async def delete(self, table: str, name: str) -> None:
        """Delete a view.

        Raises:
            ConfigurationError: invalid arguments (before any request).
            PermissionDeniedError: read-only token or external link (before any write).
            NotFoundError: no such table or view.
            MaybeAppliedError: the request may have been applied (not replayed).
        """
        params = {"table_name": check.text(table, "table")}
        args = {"view_name": check.text(name, "name")}
        route = await self._ctx.route(write=True)
        await self._ctx.send(DELETE_VIEW, route, args=args, params=params)

    async def _column_keys(self, route: Route, table: str) -> dict[str, str]:
        """Column name -> key (keys map to themselves)."""
        answer = await self._ctx.send(COLUMNS, route, params={"table_name": table})
        columns = schema.columns_answer(COLUMNS, route, answer)
        keys = {c.key: c.key for c in columns}
        keys.update({c.name: c.key for c in columns})
        return keys


def _keyed(entry: dict[str, Any], keys: Mapping[str, str]) -> dict[str, Any]:
    if "column_name" not in entry or "column_key" in entry:
        return entry
    out = {k: v for k, v in entry.items() if k != "column_name"}
    name = entry["column_name"]
    out["column_key"] = keys.get(name, name) if isinstance(name, str) else name
    return {"column_key": out.pop("column_key"), **out}
