"""Who works on a base and what happened to it: collaborators, user info, a row's activities,
snapshots; `Base` forwards them here.

* ``related_users``: ``GET related-users/`` (gateway 4.4+, dtable-server before 6.0; v5.0
  specs ``listCollaborators``) → ``{"user_list": [...]}``.
* ``user_info``: ``GET /api/v2.1/dtable/app-user-info/?username=`` with the API-Token (the
  official client's ``get_user_info``) → ``{"name", "id_in_org"}``.
* ``activities``: ``GET activities/?row_id=&page=&per_page=`` (v5.0 specs
  ``listRowActivities``) → ``{"activities": [...], "total_count": n}``.
* ``snapshot``: ``POST snapshot/`` (v5.0 specs ``createSnapshot``).
"""

from __future__ import annotations

from typing import Any

from seatable_async import _validate as check
from seatable_async._base.context import BaseContext
from seatable_async._base.routing import Endpoint
from seatable_async.errors import ResponseFormatError
from seatable_async.models import ActivityPage, SnapshotResult, User, UserInfo

__all__ = ["ACTIVITIES_PER_PAGE", "Collab"]

ACTIVITIES_PER_PAGE = 25
"""Activities per page (the server's default ``per_page``)."""

RELATED_USERS = Endpoint(
    "base.related_users", "GET", gateway="/related-users/", legacy="/related-users/"
)
ACTIVITIES = Endpoint("base.activities", "GET", gateway="/activities/", legacy="/activities/")
SNAPSHOT = Endpoint("base.snapshot", "POST", gateway="/snapshot/", legacy="/snapshot/")
_USER_INFO = "/api/v2.1/dtable/app-user-info/"


class Collab:
    """Collaborators, user info, row activities and snapshots of one base; `Base` delegates
    here."""

    def __init__(self, context: BaseContext) -> None:
        self._ctx = context

    async def related_users(self) -> list[User]:
        """The users who can access this base.

        Raises:
            ResponseFormatError: the answer has no list of users.
        """
        route = await self._ctx.route()
        data = await self._ctx.send(RELATED_USERS, route)
        users = data.get("user_list") if isinstance(data, dict) else None
        if not isinstance(users, list):
            raise RELATED_USERS.malformed(route, "the answer has no user_list")
        return [User.from_json(u, method="GET", path=RELATED_USERS.template(route)) for u in users]

    async def user_info(self, email: str) -> UserInfo:
        """A user's display name and team id, as this base's API-Token may see them.

        Args:
            email: the user's internal id (``…@auth.local``).

        Raises:
            ConfigurationError: empty ``email``, or the base was not opened with an API-Token
                (before any request).
        """
        email = check.text(email, "email")
        data = await self._ctx.session.request(
            "GET",
            _USER_INFO,
            credential=self._ctx.api_credential(),
            params={"username": email},
            scheme_probe=True,
        )
        if not isinstance(data, dict):
            raise ResponseFormatError("the answer is not an object", method="GET", path=_USER_INFO)
        return UserInfo.from_json({**data, "email": email}, method="GET", path=_USER_INFO)

    async def activities(
        self, table: str, row_id: str, page: int = 1, *, per_page: int = ACTIVITIES_PER_PAGE
    ) -> ActivityPage:
        """One page of a row's change history, newest first.

        Args:
            table: the row's table (the server finds the row by id alone).
            row_id: the row.
            page: the page number, from 1.
            per_page: activities per page.

        Raises:
            ConfigurationError: invalid arguments (before any request).
        """
        check.text(table, "table")
        row_id = check.text(row_id, "row_id")
        check.integer(page, "page", minimum=1)
        check.integer(per_page, "per_page", minimum=1)
        route = await self._ctx.route()
        params: dict[str, str | int | float | bool] = {
            "row_id": row_id,
            "page": page,
            "per_page": per_page,
        }
        data = await self._ctx.send(ACTIVITIES, route, params=params)
        return ActivityPage.from_json(data, method="GET", path=ACTIVITIES.template(route))

    async def snapshot(self) -> SnapshotResult:
        """Ask the server to snapshot this base now.

        SeaTable makes one only when the base changed since the last snapshot and that one is
        at least 10 minutes old; otherwise ``status`` says why not (``created`` is False).

        Raises:
            PermissionDeniedError: read-only token or external link (before any request).
        """
        route = await self._ctx.route(write=True)
        token = self._ctx.peek()
        body: dict[str, Any] = {}
        if token is not None and token.grant.dtable_name:
            body["dtable_name"] = token.grant.dtable_name
        data = await self._ctx.send(SNAPSHOT, route, json=body)
        return SnapshotResult.from_json(data, method="POST", path=SNAPSHOT.template(route))
