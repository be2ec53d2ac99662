"""``base.comments``: comments on rows (v5.0 specs, tag "Row Comments").

Gateway (4.4+) and dtable-server (before 6.0): ``GET comments/?row_id=`` (a list), ``GET|DELETE
comments/{comment_id}/``, ``GET comments-count/?row_id=`` → ``{"count"}``, ``GET
comments-within-days/?days=`` → ``{"comments": [...]}``. Adding a comment (``POST
comments/?table_id=&row_id=``) was missing from 6.0 (``seatable/openapi`` ISSUES #12: 405) and
is back in 6.1, so `Comments.add` needs a 6.1 gateway.
"""

from __future__ import annotations

import builtins
from typing import Any

from seatable_async import _validate as check
from seatable_async._base.context import BaseContext
from seatable_async._base.routing import Endpoint, Route
from seatable_async.models import Comment

__all__ = ["Comments"]

LIST = Endpoint("base.comments.list", "GET", gateway="/comments/", legacy="/comments/")
ONE = "/comments/{comment_id}/"
GET = Endpoint("base.comments.get", "GET", gateway=ONE, legacy=ONE)
DELETE = Endpoint("base.comments.delete", "DELETE", gateway=ONE, legacy=ONE)
COUNT = Endpoint(
    "base.comments.count", "GET", gateway="/comments-count/", legacy="/comments-count/"
)
WITHIN = Endpoint(
    "base.comments.within_days",
    "GET",
    gateway="/comments-within-days/",
    legacy="/comments-within-days/",
)
ADD = Endpoint("base.comments.add", "POST", gateway="/comments/", gateway_since=(6, 1))


class Comments:
    """Row comments of a base (``base.comments``)."""

    def __init__(self, context: BaseContext):
        self._ctx = context

    async def list(self, table: str, row_id: str) -> list[Comment]:
        """The comments on a row, oldest first.

        Args:
            table: the row's table (the server finds the row by id alone).
            row_id: the row.

        Raises:
            ConfigurationError: invalid arguments (before any request).
            ResponseFormatError: the answer is not a list of comments.
        """
        check.text(table, "table")
        row_id = check.text(row_id, "row_id")
        route = await self._ctx.route()
        data = await self._ctx.send(LIST, route, params={"row_id": row_id})
        if not isinstance(data, list):
            raise LIST.malformed(route, "the answer is not a list of comments")
        return _comments(route, LIST, data)

    async def get(self, comment_id: int) -> Comment:
        """One comment by id.

        Raises:
            NotFoundError: no such comment.
        """
        check.integer(comment_id, "comment_id", minimum=1)
        route = await self._ctx.route()
        data = await self._ctx.send(GET, route, args={"comment_id": str(comment_id)})
        return Comment.from_json(data, method="GET", path=GET.template(route))

    async def count(self, table: str, row_id: str) -> int:
        """How many comments a row has (cheap: to check for new ones)."""
        check.text(table, "table")
        row_id = check.text(row_id, "row_id")
        route = await self._ctx.route()
        data = await self._ctx.send(COUNT, route, params={"row_id": row_id})
        count = data.get("count") if isinstance(data, dict) else None
        if isinstance(count, bool) or not isinstance(count, int):
            raise COUNT.malformed(route, "the answer has no count")
        return count

    async def within_days(self, days: int = 7) -> builtins.list[Comment]:
        """Every comment of the base made in the last ``days`` days."""
        check.integer(days, "days", minimum=1)
        route = await self._ctx.route()
        data = await self._ctx.send(WITHIN, route, params={"days": days})
        found = data.get("comments") if isinstance(data, dict) else None
        if not isinstance(found, list):
            raise WITHIN.malformed(route, "the answer has no comments list")
        return _comments(route, WITHIN, found)

    async def add(self, table: str, row_id: str, text: str) -> None:
        """Comment on a row (SeaTable 6.1+; the server answers without the new id).

        Raises:
            ConfigurationError: invalid arguments (before any request).
            UnsupportedOperationError: servers before 6.1 (before any request but the
                version's).
            NotFoundError: the base has no such table.
        """
        check.text(table, "table")
        row_id = check.text(row_id, "row_id")
        text = check.text(text, "text")
        route = await self._ctx.supported(ADD, await self._ctx.route(write=True))
        table_id = (await self._ctx.schema.table(table)).id
        params = {"table_id": table_id, "row_id": row_id}
        await self._ctx.send(ADD, route, params=params, json={"comment": text})

    async def delete(self, comment_id: int) -> None:
        """Delete a comment.

        Raises:
            NotFoundError: no such comment.
        """
        check.integer(comment_id, "comment_id", minimum=1)
        route = await self._ctx.route(write=True)
        await self._ctx.send(DELETE, route, args={"comment_id": str(comment_id)})


def _comments(route: Route, endpoint: Endpoint, data: list[Any]) -> list[Comment]:
    path = endpoint.template(route)
    return [Comment.from_json(c, method="GET", path=path) for c in data]
