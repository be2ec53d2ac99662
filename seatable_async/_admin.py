"""Team-admin and system-admin operations (Account-Token of an administrator).

A plain user calling them gets `PermissionDeniedError` (SeaTable
answers 403).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from seatable_async import _validate as check
from seatable_async._client_session import Session
from seatable_async._http.call import Credential
from seatable_async.errors import ConfigurationError, ResponseFormatError
from seatable_async.models import (
    AdminBase,
    AdminUser,
    GroupMembersResult,
    SystemInfo,
    Team,
    TeamUser,
)

__all__ = ["SystemAdmin", "TeamAdmin"]


def _check_page(page: object, per_page: object) -> None:
    check.integer(page, "page", minimum=1)
    check.integer(per_page, "per_page", minimum=1)


class _AdminCalls:
    """Sends an administrator's calls with their Account-Token."""

    def __init__(self, session: Session, credential: Credential):
        self._session = session
        self._credential = credential

    async def _request(
        self, method: str, path: str, template: str | None = None, **kwargs: Any
    ) -> Any:
        return await self._session.request(
            method, path, template, credential=self._credential, **kwargs
        )


def _list(data: Any, keys: Sequence[str], method: str, template: str) -> list[Any]:
    if isinstance(data, dict):
        for key in keys:
            value = data.get(key)
            if isinstance(value, list):
                return value
    raise ResponseFormatError(
        f"the answer has no {' / '.join(keys)} list", method=method, path=template
    )


class TeamAdmin(_AdminCalls):
    """Operations of a team administrator on team ``org_id``.

    Get it with `Account.team_admin`.
    """

    def __init__(self, session: Session, credential: Credential, org_id: int):
        super().__init__(session, credential)
        self.org_id = org_id

    def __repr__(self) -> str:
        return f"<seatable_async.TeamAdmin org_id={self.org_id}>"

    def _path(self, suffix: str) -> tuple[str, str]:
        return (
            f"/api/v2.1/org/{self.org_id}/admin/{suffix}",
            "/api/v2.1/org/{org_id}/admin/" + suffix,
        )

    async def list_users(self, page: int = 1, per_page: int = 100) -> list[TeamUser]:
        """List the team's users (one page).

        Raises:
            ConfigurationError: invalid page arguments (before any request).
            PermissionDeniedError: not an admin of this team.
        """
        _check_page(page, per_page)
        path, template = self._path("users/")
        data = await self._request(
            "GET", path, template, params={"page": page, "per_page": per_page}
        )
        items = _list(data, ("user_list", "data"), "GET", template)
        return [TeamUser.from_json(u, method="GET", path=template) for u in items]

    async def add_user(self, email: str, name: str, password: str) -> TeamUser:
        """Add a user to the team.

        Raises:
            ConfigurationError: invalid arguments (before any request).
            BadRequestError: the user exists or the input is invalid.
            PermissionDeniedError: not an admin of this team.
            MaybeAppliedError: the user may have been created but the answer was lost.
        """
        check.email(email)
        check.text(name, "name")
        check.text(password, "password")
        path, template = self._path("users/")
        data = await self._request(
            "POST",
            path,
            template,
            form={"email": email.strip(), "name": name, "password": password},
            idempotent=False,
        )
        return TeamUser.from_json(data, method="POST", path=template)

    async def list_bases(self) -> list[AdminBase]:
        """List the team's bases (with owner and row count).

        Raises:
            PermissionDeniedError: not an admin of this team.
        """
        path, template = self._path("dtables/")
        data = await self._request("GET", path, template)
        items = _list(data, ("dtable_list", "dtables"), "GET", template)
        return [AdminBase.from_json(b, method="GET", path=template) for b in items]

    async def add_group_members(self, group_id: int, emails: Sequence[str]) -> GroupMembersResult:
        """Add team users (by their ``…@auth.local`` id or e-mail) to a group.

        Returns:
            `GroupMembersResult`: who was added and, per user, why not.

        Raises:
            ConfigurationError: invalid arguments (before any request).
            NotFoundError: no such group.
            PermissionDeniedError: not an admin of this team.
        """
        check.integer(group_id, "group_id", minimum=1)
        if isinstance(emails, str) or not isinstance(emails, Sequence) or not emails:
            raise ConfigurationError("emails must be a non-empty list of user ids or e-mails")
        members = [check.email(e) for e in emails]
        path, template = self._path(f"groups/{group_id}/members/")
        template = "/api/v2.1/org/{org_id}/admin/groups/{group_id}/members/"
        data = await self._request(
            "POST",
            path,
            template,
            files=[("user_id", (None, m)) for m in members],
        )
        return GroupMembersResult.from_json(data, method="POST", path=template)


class SystemAdmin(_AdminCalls):
    """Operations of a SeaTable system administrator. Get it with `Account.system_admin`."""

    def __repr__(self) -> str:
        return "<seatable_async.SystemAdmin>"

    async def list_users(self, page: int = 1, per_page: int = 100) -> list[AdminUser]:
        """List the server's users (one page).

        Raises:
            ConfigurationError: invalid page arguments (before any request).
            PermissionDeniedError: not a system administrator.
        """
        _check_page(page, per_page)
        template = "/api/v2.1/admin/users/"
        data = await self._request("GET", template, params={"page": page, "per_page": per_page})
        items = _list(data, ("data", "user_list"), "GET", template)
        return [AdminUser.from_json(u, method="GET", path=template) for u in items]

    async def add_user(
        self, email: str, name: str, password: str, *, role: str | None = None
    ) -> AdminUser:
        """Create a user.

        Raises:
            ConfigurationError: invalid arguments (before any request).
            BadRequestError: the user exists or the input is invalid.
            PermissionDeniedError: not a system administrator, or the licence's user limit.
            MaybeAppliedError: the user may have been created but the answer was lost.
        """
        check.email(email)
        check.text(name, "name")
        check.text(password, "password")
        form = {"email": email.strip(), "name": name, "password": password}
        if role is not None:
            form["role"] = check.text(role, "role")
        template = "/api/v2.1/admin/users/"
        data = await self._request("POST", template, form=form, idempotent=False)
        return AdminUser.from_json(data, method="POST", path=template)

    async def list_bases(self) -> list[AdminBase]:
        """List every base on the server.

        Raises:
            PermissionDeniedError: not a system administrator.
        """
        template = "/api/v2.1/admin/dtables/"
        data = await self._request("GET", template)
        items = _list(data, ("dtables", "dtable_list", "data"), "GET", template)
        return [AdminBase.from_json(b, method="GET", path=template) for b in items]

    async def delete_base(self, base_uuid: str) -> None:
        """Delete a base by its uuid.

        Raises:
            ConfigurationError: empty uuid (before any request).
            NotFoundError: no such base.
            PermissionDeniedError: not a system administrator.
        """
        check.text(base_uuid, "base_uuid")
        if "/" in base_uuid:
            raise ConfigurationError("base_uuid cannot contain '/'")
        await self._request(
            "DELETE",
            f"/api/v2.1/admin/dtable/{base_uuid.strip()}/",
            "/api/v2.1/admin/dtable/{base_uuid}/",
        )

    async def list_teams(self) -> list[Team]:
        """List the teams (SeaTable "organizations").

        Raises:
            PermissionDeniedError: not a system administrator.
        """
        template = "/api/v2.1/admin/organizations/"
        data = await self._request("GET", template)
        items = _list(data, ("organizations", "org_list", "data"), "GET", template)
        return [Team.from_json(t, method="GET", path=template) for t in items]

    async def add_team(self, org_name: str, admin_email: str, password: str) -> Team:
        """Create a team with its first admin user.

        Raises:
            ConfigurationError: invalid arguments (before any request).
            BadRequestError: invalid input or the admin user exists.
            PermissionDeniedError: not a system administrator.
            MaybeAppliedError: the team may have been created but the answer was lost.
        """
        check.text(org_name, "org_name")
        check.email(admin_email)
        check.text(password, "password")
        template = "/api/v2.1/admin/organizations/"
        data = await self._request(
            "POST",
            template,
            form={
                "org_name": org_name,
                "admin_email": admin_email.strip(),
                "password": password,
                "with_workspace": "true",
            },
            idempotent=False,
        )
        team = Team.from_json(data, method="POST", path=template)
        if not team.org_name:
            team = Team(org_id=team.org_id, org_name=org_name, raw=team.raw)
        return team

    async def sysinfo(self) -> SystemInfo:
        """Return the server's version and user/team/base counts.

        Raises:
            PermissionDeniedError: not a system administrator.
        """
        template = "/api/v2.1/admin/sysinfo/"
        data = await self._request("GET", template)
        return SystemInfo.from_json(data, method="GET", path=template)
