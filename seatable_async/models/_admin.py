"""Values of team-admin and system-admin operations."""

from __future__ import annotations

from typing import Any

import attrs

from seatable_async.models._convert import JSONModel, prepare

__all__ = ["AdminBase", "AdminUser", "GroupMembersResult", "SystemInfo", "Team", "TeamUser"]


@attrs.frozen
class TeamUser(JSONModel):
    """A user of a team, as the team admin sees it."""

    email: str
    name: str = ""
    contact_email: str = ""
    is_active: bool = True
    is_org_admin: bool = False
    raw: dict[str, Any] = attrs.field(eq=False, repr=False, factory=dict)


@attrs.frozen
class AdminUser(JSONModel):
    """A user as the system admin sees it."""

    email: str
    name: str = ""
    contact_email: str = ""
    is_staff: bool = False
    is_active: bool = True
    role: str | None = None
    raw: dict[str, Any] = attrs.field(eq=False, repr=False, factory=dict)


@attrs.frozen
class AdminBase(JSONModel):
    """A base as team or system admins list it (with its owner and row count)."""

    uuid: str
    name: str
    owner: str | None = None
    workspace_id: int | None = None
    rows_count: int | None = None
    raw: dict[str, Any] = attrs.field(eq=False, repr=False, factory=dict)


@attrs.frozen
class Team(JSONModel):
    """A team (SeaTable "organization")."""

    org_id: int
    org_name: str = ""
    raw: dict[str, Any] = attrs.field(eq=False, repr=False, factory=dict)


@attrs.frozen
class GroupMembersResult(JSONModel):
    """Answer of adding members to a group: who was added, who not and why."""

    added: list[str] = attrs.field(factory=list)
    failed: dict[str, str] = attrs.field(factory=dict)


@prepare(GroupMembersResult)
def _members(data: dict[str, Any]) -> dict[str, Any]:
    # {"success": [member…], "failed": [{"email", "error_msg"}…]}
    success, failed = data.get("success") or [], data.get("failed") or []
    if not isinstance(success, list) or not isinstance(failed, list):
        raise TypeError("'success'/'failed' are not lists")
    return {
        "added": [_email(item) for item in success],
        "failed": {_email(item): str(item.get("error_msg") or "") for item in failed},
    }


def _email(member: Any) -> str:
    email = member.get("email") if isinstance(member, dict) else None
    if not isinstance(email, str):
        raise TypeError("a member has no email")
    return email


@attrs.frozen
class SystemInfo(JSONModel):
    """``/api/v2.1/admin/sysinfo/``: the server's version and counts."""

    version: str
    users_count: int | None = None
    org_count: int | None = None
    dtables_count: int | None = None
    raw: dict[str, Any] = attrs.field(eq=False, repr=False, factory=dict)
