"""``base.tables``: list, add, rename, duplicate and delete the tables of a base.

Endpoints (gateway 4.4+ / legacy dtable-server before 6.0, same body on both): ``tables/``
POST/PUT/DELETE (5.0 spec ``createTable``/``renameTable``/``deleteTable``, official client
``add_table``/``rename_table``/``delete_table``) and ``tables/duplicate-table/`` (legacy in the
5.0 spec; gateway in the 6.1 spec and the 6.0.10 test run ``test_duplicateTable``, absent from
the 5.0 gateway spec, hence gateway from 6.0).
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from typing import Any

from seatable_async import _validate as check
from seatable_async._base import schema_checks as schema
from seatable_async._base.context import BaseContext
from seatable_async._base.routing import Endpoint
from seatable_async.models import Table

__all__ = ["Tables"]

ADD_TABLE = Endpoint(
    "base.tables.add", "POST", gateway="/tables/", legacy="/tables/", changes_schema=True
)
# A rename or delete that landed cannot be replayed: the old name is gone, so the replay
# would fail with "table not found". Ambiguous failures surface as MaybeAppliedError.
RENAME_TABLE = Endpoint(
    "base.tables.rename",
    "PUT",
    gateway="/tables/",
    legacy="/tables/",
    idempotent=False,
    changes_schema=True,
)
DELETE_TABLE = Endpoint(
    "base.tables.delete",
    "DELETE",
    gateway="/tables/",
    legacy="/tables/",
    idempotent=False,
    changes_schema=True,
)
DUPLICATE_TABLE = Endpoint(
    "base.tables.duplicate",
    "POST",
    gateway="/tables/duplicate-table/",
    legacy="/tables/duplicate-table/",
    gateway_since=(6, 0),
    changes_schema=True,
)


class Tables:
    """The tables of a base (``base.tables``)."""

    def __init__(self, context: BaseContext):
        self._ctx = context

    async def list(self) -> builtins.list[Table]:
        """Return the base's tables with their columns and views (from the metadata).

        Raises:
            AuthenticationError, PermissionDeniedError: the credential was refused.
        """
        return (await self._ctx.schema.fetch()).tables

    async def add(
        self,
        name: str,
        columns: Sequence[Mapping[str, Any]] = (),
        *,
        lang: str | None = None,
    ) -> Table:
        """Create a table.

        Args:
            name: the new table's name.
            columns: its columns, in order: ``{"column_name", "column_type",
                "column_data"?}`` mappings. SeaTable allows only ``text``, ``number``,
                ``date``, ``single-select``, ``formula`` and ``auto-number`` as the first
                column.
            lang: ``"en"`` or ``"zh-cn"``: the language of the default column and view names
                (the official client's ``lang``); not sent when None.

        Returns:
            The new `Table` with its columns and default view.

        Raises:
            ConfigurationError: invalid arguments (before any request).
            PermissionDeniedError: read-only token or external link (before any write).
            BadRequestError: the name is taken or a column is invalid.
            MaybeAppliedError: the request may have been applied (not replayed).
        """
        name = check.text(name, "name")
        specs = schema.column_specs(columns)
        body: dict[str, Any] = {"table_name": name, "columns": specs}
        if lang is not None:
            body["lang"] = check.choice(lang, "lang", ("en", "zh-cn"))
        route = await self._ctx.route(write=True)
        answer = await self._ctx.send(ADD_TABLE, route, json=body)
        return schema.table_answer(ADD_TABLE, route, answer)

    async def rename(self, table: str, new_name: str) -> None:
        """Rename a table.

        Raises:
            ConfigurationError: invalid arguments (before any request).
            PermissionDeniedError: read-only token or external link (before any write).
            NotFoundError, BadRequestError: no such table, or the new name is taken.
            MaybeAppliedError: the request may have been applied (not replayed).
        """
        table = check.text(table, "table")
        new_name = check.text(new_name, "new_name")
        route = await self._ctx.route(write=True)
        await self._ctx.send(
            RENAME_TABLE, route, json={"table_name": table, "new_table_name": new_name}
        )

    async def duplicate(self, table: str, *, with_rows: bool = False) -> Table:
        """Copy a table; the copy is called ``"<name>(copy)"`` (rename it afterwards).

        Available on the legacy dtable-server (before 6.0) and on the API gateway from 6.0;
        SeaTable 4.4 and 5.x reached through the gateway do not have it.

        Args:
            table: the table to copy.
            with_rows: copy its rows too.

        Returns:
            The new `Table`.

        Raises:
            UnsupportedOperationError: the server has no such endpoint (before any request).
            ConfigurationError: invalid arguments (before any request).
            PermissionDeniedError: read-only token or external link (before any write).
            NotFoundError: no such table.
            MaybeAppliedError: the request may have been applied (not replayed).
        """
        table = check.text(table, "table")
        with_rows = check.boolean(with_rows, "with_rows")
        route = await self._ctx.route(write=True)
        answer = await self._ctx.send(
            DUPLICATE_TABLE,
            route,
            json={"table_name": table, "is_duplicate_records": with_rows},
        )
        return schema.table_answer(DUPLICATE_TABLE, route, answer)

    async def delete(self, table: str) -> None:
        """Delete a table and its rows.

        Raises:
            ConfigurationError: invalid arguments (before any request).
            PermissionDeniedError: read-only token or external link (before any write).
            NotFoundError: no such table.
            MaybeAppliedError: the request may have been applied (not replayed).
        """
        table = check.text(table, "table")
        route = await self._ctx.route(write=True)
        await self._ctx.send(DELETE_TABLE, route, json={"table_name": table})
