"""Values of account operations: the server, the account, its workspaces, bases, users and
API-Tokens."""

from __future__ import annotations

from typing import Any

import attrs

from seatable_async._secret import Secret
from seatable_async.models._convert import JSONModel, prepare

__all__ = ["AccountInfo", "ApiTokenInfo", "BaseSummary", "ServerInfo", "User", "Workspace"]


def _non_empty(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not value.strip():
        raise ValueError(f"'{attribute.name}' is empty")


def _positive_or_none(value: int | None) -> int | None:
    return value if value is not None and value > 0 else None


@attrs.frozen
class ServerInfo(JSONModel):
    """``/server-info/``: the server's version and edition."""

    version: str = attrs.field(validator=_non_empty)
    edition: str = ""

    @property
    def version_tuple(self) -> tuple[int, ...]:
        """The numeric parts of ``version``, e.g. ``(5, 0, 7)``."""
        parts: list[int] = []
        for piece in self.version.split("."):
            digits = "".join(c for c in piece if c.isdigit())
            if not digits:
                break
            parts.append(int(digits))
        return tuple(parts)


@attrs.frozen
class AccountInfo(JSONModel):
    """``/api2/account/info/``: who the Account-Token belongs to.

    Attributes:
        email: the internal user id (``<hex>@auth.local``), used wherever SeaTable wants a user.
        name: display name.
        contact_email: the address the user logs in with, when set.
        login_id: an alternative login name ("" when unset).
        org_id: the team id (only for team members; needed by `Account.team_admin`).
        is_staff: system administrator.
        is_org_staff: team administrator.
        raw: the complete answer (quota and usage fields vary by version).
    """

    email: str
    name: str = ""
    contact_email: str = ""
    login_id: str = ""
    org_id: int | None = attrs.field(default=None, converter=_positive_or_none)
    is_staff: bool = False
    is_org_staff: bool = False
    raw: dict[str, Any] = attrs.field(eq=False, repr=False, factory=dict)


@attrs.frozen
class BaseSummary(JSONModel):
    """A base as account operations list it (not its content)."""

    uuid: str
    name: str
    id: int | None = None
    workspace_id: int | None = None
    creator: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    raw: dict[str, Any] = attrs.field(eq=False, repr=False, factory=dict)


@attrs.frozen
class Workspace(JSONModel):
    """A workspace (``personal``, ``group``) or a virtual list (``starred``, ``shared``).

    Attributes:
        id: the workspace id, None for the virtual ``starred``/``shared`` lists.
        bases: the bases in it (for ``shared``: the bases shared with the user).
    """

    id: int | None = None
    name: str = ""
    type: str = ""
    bases: list[BaseSummary] = attrs.field(factory=list)
    group_id: int | None = None


@prepare(Workspace)
def _bases_of_workspace(data: dict[str, Any]) -> dict[str, Any]:
    # ``id`` is "" for the virtual lists; bases are in table_list or shared_table_list.
    bases: list[Any] = []
    for key in ("table_list", "shared_table_list"):
        value = data.get(key)
        if value is not None:
            if not isinstance(value, list):
                raise TypeError(f"'{key}' is not a list")
            bases.extend(value)
    return {**data, "id": data.get("id") or None, "bases": bases}


@attrs.frozen
class User(JSONModel):
    """A SeaTable user as collaborator lists show it."""

    email: str
    name: str = ""
    contact_email: str = ""
    avatar_url: str | None = None


@attrs.frozen
class ApiTokenInfo(JSONModel):
    """One API-Token of a base. ``api_token`` is a `Secret` (never printed).

    Use ``info.api_token.get_secret()`` to pass it to `Client.base`.
    """

    app_name: str
    api_token: Secret = attrs.field(repr=False)
    permission: str
    generated_by: str | None = None
    generated_at: str | None = None
    last_access: str | None = None
