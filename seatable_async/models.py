"""Frozen value objects returned by the API, converted from SeaTable's JSON at the edge.

Every model with a ``from_json`` classmethod checks the shape it needs and raises
`ResponseFormatError` (never ``KeyError``/``TypeError``) when the
server's answer does not fit. Fields SeaTable adds later are kept in ``raw`` where useful.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import attrs

from seatable_async.auth.secret import Secret
from seatable_async.errors import ResponseFormatError

__all__ = [
    "AccountInfo",
    "AdminBase",
    "AdminUser",
    "ApiTokenInfo",
    "Asset",
    "BaseSummary",
    "BaseTokenInfo",
    "Column",
    "GroupMembersResult",
    "Metadata",
    "ServerInfo",
    "SqlResult",
    "SystemInfo",
    "Table",
    "Team",
    "TeamUser",
    "User",
    "View",
    "Workspace",
    "rows_by_name",
]


# -- conversion helpers ----------------------------------------------------------------------


class _Where:
    """Which request a body came from, for error messages."""

    def __init__(self, what: str, method: str | None, path: str | None):
        self.what = what
        self.method = method
        self.path = path

    def fail(self, reason: str) -> ResponseFormatError:
        return ResponseFormatError(f"{self.what}: {reason}", method=self.method, path=self.path)

    def obj(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise self.fail(f"expected a JSON object, got {type(data).__name__}")
        return data

    def list_of(self, data: Any, key: str) -> list[Any]:
        value = self.obj(data).get(key)
        if not isinstance(value, list):
            raise self.fail(f"'{key}' is not a list")
        return value

    def str_(self, data: dict[str, Any], key: str) -> str:
        value = data.get(key)
        if not isinstance(value, str):
            raise self.fail(f"'{key}' is missing or not a string")
        return value

    def opt_str(self, data: dict[str, Any], key: str, default: str | None = None) -> str | None:
        value = data.get(key)
        if value is None:
            return default
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, str):
            raise self.fail(f"'{key}' is not a string")
        return value

    def int_(self, data: dict[str, Any], key: str) -> int:
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise self.fail(f"'{key}' is missing or not an integer")
        try:
            return int(value)
        except ValueError:
            raise self.fail(f"'{key}' is not an integer") from None

    def opt_int(self, data: dict[str, Any], key: str) -> int | None:
        value = data.get(key)
        if value is None or value == "":
            return None
        return self.int_(data, key)

    def opt_num(self, data: dict[str, Any], key: str) -> float | None:
        value = data.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(f"'{key}' is not a number")
        return float(value)

    def bool_(self, data: dict[str, Any], key: str, default: bool = False) -> bool:
        value = data.get(key)
        if value is None:
            return default
        if isinstance(value, (bool, int)):
            return bool(value)
        if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
            return value.lower() in ("true", "1")
        raise self.fail(f"'{key}' is not a boolean")


def _where(what: str, method: str | None, path: str | None) -> _Where:
    return _Where(what, method, path)


# -- server and account ------------------------------------------------------------------------


@attrs.frozen
class ServerInfo:
    """``/server-info/``: the server's version and edition."""

    version: str
    edition: str

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

    @classmethod
    def from_json(
        cls, data: Any, *, method: str | None = "GET", path: str | None = "/server-info/"
    ) -> ServerInfo:
        """Convert a ``/server-info/`` answer.

        Raises:
            ResponseFormatError: ``version`` is missing.
        """
        w = _where("server info", method, path)
        obj = w.obj(data)
        version = w.str_(obj, "version")
        if not version:
            raise w.fail("'version' is empty")
        return cls(version=version, edition=w.opt_str(obj, "edition", "") or "")


@attrs.frozen
class AccountInfo:
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
    name: str
    contact_email: str
    login_id: str
    org_id: int | None
    is_staff: bool
    is_org_staff: bool
    raw: dict[str, Any] = attrs.field(eq=False, repr=False, factory=dict)

    @classmethod
    def from_json(
        cls, data: Any, *, method: str | None = "GET", path: str | None = "/api2/account/info/"
    ) -> AccountInfo:
        """Convert an account-info answer.

        Raises:
            ResponseFormatError: ``email`` is missing or a field has the wrong type.
        """
        w = _where("account info", method, path)
        obj = w.obj(data)
        org_id = w.opt_int(obj, "org_id")
        return cls(
            email=w.str_(obj, "email"),
            name=w.opt_str(obj, "name", "") or "",
            contact_email=w.opt_str(obj, "contact_email", "") or "",
            login_id=w.opt_str(obj, "login_id", "") or "",
            org_id=org_id if org_id is not None and org_id > 0 else None,
            is_staff=w.bool_(obj, "is_staff"),
            is_org_staff=w.bool_(obj, "is_org_staff"),
            raw=dict(obj),
        )


@attrs.frozen
class BaseSummary:
    """A base as account operations list it (not its content)."""

    id: int | None
    workspace_id: int | None
    uuid: str
    name: str
    creator: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    raw: dict[str, Any] = attrs.field(eq=False, repr=False, factory=dict)

    @classmethod
    def from_json(
        cls, data: Any, *, method: str | None = None, path: str | None = None
    ) -> BaseSummary:
        """Convert one base entry (``table_list`` item, create-base ``table``).

        Raises:
            ResponseFormatError: ``uuid`` or ``name`` is missing.
        """
        w = _where("base", method, path)
        obj = w.obj(data)
        return cls(
            id=w.opt_int(obj, "id"),
            workspace_id=w.opt_int(obj, "workspace_id"),
            uuid=w.str_(obj, "uuid"),
            name=w.str_(obj, "name"),
            creator=w.opt_str(obj, "creator"),
            created_at=w.opt_str(obj, "created_at"),
            updated_at=w.opt_str(obj, "updated_at"),
            raw=dict(obj),
        )


@attrs.frozen
class Workspace:
    """A workspace (``personal``, ``group``) or a virtual list (``starred``, ``shared``).

    Attributes:
        id: the workspace id, None for the virtual ``starred``/``shared`` lists.
        bases: the bases in it (for ``shared``: the bases shared with the user).
    """

    id: int | None
    name: str
    type: str
    bases: list[BaseSummary]
    group_id: int | None = None

    @classmethod
    def from_json(
        cls, data: Any, *, method: str | None = "GET", path: str | None = "/api/v2.1/workspaces/"
    ) -> Workspace:
        """Convert one ``workspace_list`` entry.

        Raises:
            ResponseFormatError: malformed entry or base.
        """
        w = _where("workspace", method, path)
        obj = w.obj(data)
        items: list[Any] = []
        for key in ("table_list", "shared_table_list"):
            value = obj.get(key)
            if value is None:
                continue
            if not isinstance(value, list):
                raise w.fail(f"'{key}' is not a list")
            items.extend(value)
        return cls(
            id=w.opt_int(obj, "id"),
            name=w.opt_str(obj, "name", "") or "",
            type=w.opt_str(obj, "type", "") or "",
            bases=[BaseSummary.from_json(item, method=method, path=path) for item in items],
            group_id=w.opt_int(obj, "group_id"),
        )


@attrs.frozen
class User:
    """A SeaTable user as collaborator lists show it."""

    email: str
    name: str
    contact_email: str = ""
    avatar_url: str | None = None

    @classmethod
    def from_json(cls, data: Any, *, method: str | None = None, path: str | None = None) -> User:
        """Convert one ``user_list`` entry.

        Raises:
            ResponseFormatError: ``email`` is missing.
        """
        w = _where("user", method, path)
        obj = w.obj(data)
        return cls(
            email=w.str_(obj, "email"),
            name=w.opt_str(obj, "name", "") or "",
            contact_email=w.opt_str(obj, "contact_email", "") or "",
            avatar_url=w.opt_str(obj, "avatar_url"),
        )


@attrs.frozen
class ApiTokenInfo:
    """One API-Token of a base. ``api_token`` is a `Secret` (never printed).

    Use ``info.api_token.get_secret()`` to pass it to `Client.base`.
    """

    app_name: str
    api_token: Secret = attrs.field(repr=False)
    permission: str
    generated_by: str | None = None
    generated_at: str | None = None
    last_access: str | None = None

    @classmethod
    def from_json(
        cls, data: Any, *, method: str | None = None, path: str | None = None
    ) -> ApiTokenInfo:
        """Convert an ApiToken object.

        Raises:
            ResponseFormatError: ``app_name``, ``api_token`` or ``permission`` is missing.
        """
        w = _where("API-Token", method, path)
        obj = w.obj(data)
        raw = w.str_(obj, "api_token")
        if not raw.strip():
            raise w.fail("'api_token' is empty")
        return cls(
            app_name=w.str_(obj, "app_name"),
            api_token=Secret(raw, kind="API-Token"),
            permission=w.str_(obj, "permission"),
            generated_by=w.opt_str(obj, "generated_by"),
            generated_at=w.opt_str(obj, "generated_at"),
            last_access=w.opt_str(obj, "last_access"),
        )


# -- admin -------------------------------------------------------------------------------------


@attrs.frozen
class TeamUser:
    """A user of a team, as the team admin sees it."""

    email: str
    name: str
    contact_email: str = ""
    is_active: bool = True
    is_org_admin: bool = False
    raw: dict[str, Any] = attrs.field(eq=False, repr=False, factory=dict)

    @classmethod
    def from_json(
        cls, data: Any, *, method: str | None = None, path: str | None = None
    ) -> TeamUser:
        """Convert one team-admin ``user_list`` entry.

        Raises:
            ResponseFormatError: ``email`` is missing.
        """
        w = _where("team user", method, path)
        obj = w.obj(data)
        return cls(
            email=w.str_(obj, "email"),
            name=w.opt_str(obj, "name", "") or "",
            contact_email=w.opt_str(obj, "contact_email", "") or "",
            is_active=w.bool_(obj, "is_active", True),
            is_org_admin=w.bool_(obj, "is_org_admin"),
            raw=dict(obj),
        )


@attrs.frozen
class AdminUser:
    """A user as the system admin sees it."""

    email: str
    name: str
    contact_email: str = ""
    is_staff: bool = False
    is_active: bool = True
    role: str | None = None
    raw: dict[str, Any] = attrs.field(eq=False, repr=False, factory=dict)

    @classmethod
    def from_json(
        cls, data: Any, *, method: str | None = None, path: str | None = None
    ) -> AdminUser:
        """Convert one system-admin user entry.

        Raises:
            ResponseFormatError: ``email`` is missing.
        """
        w = _where("user", method, path)
        obj = w.obj(data)
        return cls(
            email=w.str_(obj, "email"),
            name=w.opt_str(obj, "name", "") or "",
            contact_email=w.opt_str(obj, "contact_email", "") or "",
            is_staff=w.bool_(obj, "is_staff"),
            is_active=w.bool_(obj, "is_active", True),
            role=w.opt_str(obj, "role"),
            raw=dict(obj),
        )


@attrs.frozen
class AdminBase:
    """A base as team or system admins list it (with its owner and row count)."""

    uuid: str
    name: str
    owner: str | None = None
    workspace_id: int | None = None
    rows_count: int | None = None
    raw: dict[str, Any] = attrs.field(eq=False, repr=False, factory=dict)

    @classmethod
    def from_json(
        cls, data: Any, *, method: str | None = None, path: str | None = None
    ) -> AdminBase:
        """Convert one admin base entry.

        Raises:
            ResponseFormatError: ``uuid`` or ``name`` is missing.
        """
        w = _where("base", method, path)
        obj = w.obj(data)
        return cls(
            uuid=w.str_(obj, "uuid"),
            name=w.str_(obj, "name"),
            owner=w.opt_str(obj, "owner"),
            workspace_id=w.opt_int(obj, "workspace_id"),
            rows_count=w.opt_int(obj, "rows_count"),
            raw=dict(obj),
        )


@attrs.frozen
class Team:
    """A team (SeaTable "organization")."""

    org_id: int
    org_name: str
    raw: dict[str, Any] = attrs.field(eq=False, repr=False, factory=dict)

    @classmethod
    def from_json(cls, data: Any, *, method: str | None = None, path: str | None = None) -> Team:
        """Convert one organization entry (or the add-team answer).

        Raises:
            ResponseFormatError: ``org_id`` is missing.
        """
        w = _where("team", method, path)
        obj = w.obj(data)
        return cls(
            org_id=w.int_(obj, "org_id"),
            org_name=w.opt_str(obj, "org_name", "") or "",
            raw=dict(obj),
        )


@attrs.frozen
class GroupMembersResult:
    """Answer of adding members to a group: who was added, who not and why."""

    added: list[str]
    failed: dict[str, str]

    @classmethod
    def from_json(
        cls, data: Any, *, method: str | None = None, path: str | None = None
    ) -> GroupMembersResult:
        """Convert ``{"success": [member…], "failed": [{"email", "error_msg"}…]}``.

        Raises:
            ResponseFormatError: the lists are missing or malformed.
        """
        w = _where("group members", method, path)
        obj = w.obj(data)
        success = obj.get("success", [])
        failed = obj.get("failed", [])
        if not isinstance(success, list) or not isinstance(failed, list):
            raise w.fail("'success'/'failed' are not lists")
        added = [w.str_(w.obj(item), "email") for item in success]
        errors: dict[str, str] = {}
        for item in failed:
            entry = w.obj(item)
            errors[w.str_(entry, "email")] = w.opt_str(entry, "error_msg", "") or ""
        return cls(added=added, failed=errors)


@attrs.frozen
class SystemInfo:
    """``/api/v2.1/admin/sysinfo/``: the server's version and counts."""

    version: str
    users_count: int | None
    org_count: int | None
    dtables_count: int | None
    raw: dict[str, Any] = attrs.field(eq=False, repr=False, factory=dict)

    @classmethod
    def from_json(
        cls, data: Any, *, method: str | None = None, path: str | None = None
    ) -> SystemInfo:
        """Convert a sysinfo answer.

        Raises:
            ResponseFormatError: ``version`` is missing.
        """
        w = _where("system info", method, path)
        obj = w.obj(data)
        return cls(
            version=w.str_(obj, "version"),
            users_count=w.opt_int(obj, "users_count"),
            org_count=w.opt_int(obj, "org_count"),
            dtables_count=w.opt_int(obj, "dtables_count"),
            raw=dict(obj),
        )


# -- base content --------------------------------------------------------------------------


@attrs.frozen
class Column:
    """A column: ``key`` (4 chars, stable), ``name``, ``type`` and its type-specific ``data``."""

    key: str
    name: str
    type: str
    data: dict[str, Any] | None = attrs.field(default=None, eq=False)

    @classmethod
    def from_json(
        cls, data: Any, *, method: str | None = None, path: str | None = None
    ) -> Column:
        """Convert one metadata column.

        Raises:
            ResponseFormatError: ``key``, ``name`` or ``type`` is missing.
        """
        w = _where("column", method, path)
        obj = w.obj(data)
        extra = obj.get("data")
        if extra is not None and not isinstance(extra, dict):
            raise w.fail("'data' is not an object")
        return cls(
            key=w.str_(obj, "key"), name=w.str_(obj, "name"), type=w.str_(obj, "type"), data=extra
        )


@attrs.frozen
class View:
    """A view of a table."""

    name: str
    id: str
    type: str = "table"

    @classmethod
    def from_json(cls, data: Any, *, method: str | None = None, path: str | None = None) -> View:
        """Convert one metadata view.

        Raises:
            ResponseFormatError: ``_id`` or ``name`` is missing.
        """
        w = _where("view", method, path)
        obj = w.obj(data)
        return cls(
            name=w.str_(obj, "name"), id=w.str_(obj, "_id"), type=w.opt_str(obj, "type") or "table"
        )


@attrs.frozen
class Table:
    """A table with its columns and views."""

    name: str
    id: str
    columns: list[Column]
    views: list[View]

    def column(self, name: str) -> Column:
        """The column called ``name`` (or with that key).

        Raises:
            KeyError: no such column.
        """
        for column in self.columns:
            if column.name == name:
                return column
        for column in self.columns:
            if column.key == name:
                return column
        raise KeyError(f"table {self.name!r} has no column {name!r}")

    def view(self, name: str) -> View:
        """The view called ``name`` (or with that id).

        Raises:
            KeyError: no such view.
        """
        for view in self.views:
            if view.name == name or view.id == name:
                return view
        raise KeyError(f"table {self.name!r} has no view {name!r}")

    @classmethod
    def from_json(cls, data: Any, *, method: str | None = None, path: str | None = None) -> Table:
        """Convert one metadata table.

        Raises:
            ResponseFormatError: a required field is missing.
        """
        w = _where("table", method, path)
        obj = w.obj(data)
        views = obj.get("views", [])
        if not isinstance(views, list):
            raise w.fail("'views' is not a list")
        return cls(
            name=w.str_(obj, "name"),
            id=w.str_(obj, "_id"),
            columns=[
                Column.from_json(c, method=method, path=path) for c in w.list_of(obj, "columns")
            ],
            views=[View.from_json(v, method=method, path=path) for v in views],
        )


@attrs.frozen
class Metadata:
    """The structure of a base: its tables, their columns and views."""

    tables: list[Table]

    def table(self, name: str) -> Table:
        """The table called ``name`` (or with that id).

        Raises:
            KeyError: no such table.
        """
        for table in self.tables:
            if table.name == name:
                return table
        for table in self.tables:
            if table.id == name:
                return table
        raise KeyError(f"the base has no table {name!r}")

    @property
    def table_names(self) -> list[str]:
        """The names of all tables, in order."""
        return [t.name for t in self.tables]

    @classmethod
    def from_json(
        cls, data: Any, *, method: str | None = None, path: str | None = None
    ) -> Metadata:
        """Convert ``{"metadata": {"tables": [...]}}`` (or the inner object).

        Raises:
            ResponseFormatError: the answer has no list of tables.
        """
        w = _where("metadata", method, path)
        obj = w.obj(data)
        inner = obj.get("metadata", obj)
        tables = w.list_of(inner, "tables")
        return cls(tables=[Table.from_json(t, method=method, path=path) for t in tables])


@attrs.frozen
class BaseTokenInfo:
    """What the current Base-Token allows — never the token itself."""

    dtable_uuid: str
    permission: str
    expires_at: float
    app_name: str | None
    workspace_id: int | None
    dtable_name: str | None
    uses_gateway: bool
    generation: int


@attrs.frozen
class SqlResult:
    """Rows of a SQL query.

    Attributes:
        rows: result rows keyed by column name.
        columns: the ``metadata`` SeaTable returned for the selected columns.
        truncated: True when the server's cap (100 rows without LIMIT, else 10,000) may have
            cut the result; fetch the rest with ``Base.sql_pages``.
    """

    rows: list[dict[str, Any]]
    columns: list[dict[str, Any]]
    truncated: bool


@attrs.frozen
class Asset:
    """A file uploaded to a base's asset folder.

    Attributes:
        name: the stored file name (SeaTable may rename it, e.g. ``report(1).pdf``).
        size: bytes.
        url: the absolute URL to put in a file or image cell.
        path: the path relative to the base's asset folder (``/files/2026-11/report.pdf``),
            what `Base.download_file` takes.
        type: ``"file"`` or ``"image"``.
    """

    name: str
    size: int
    url: str
    path: str
    type: str

    def cell(self) -> Any:
        """The value for one cell entry: ``{"name","size","type","url"}`` for files, the URL
        for images. A file/image column holds a list of these."""
        if self.type == "image":
            return self.url
        return {"name": self.name, "size": self.size, "type": "file", "url": self.url}

    @staticmethod
    def build_url(
        server_url: str, workspace_id: int | str, parent_path: str, relative_path: str, name: str
    ) -> str:
        """``{server}/workspace/{id}{parent_path}/{relative_path}/{name}``, URL-quoted."""
        parent = "/" + parent_path.strip("/")
        relative = relative_path.strip("/")
        parts = [p for p in (parent + "/" + relative + "/" + name).split("/") if p]
        quoted = "/".join(quote(p, safe="") for p in parts)
        return f"{server_url.rstrip('/')}/workspace/{quote(str(workspace_id), safe='')}/{quoted}"


def rows_by_name(
    rows: list[dict[str, Any]], columns: Mapping[str, str]
) -> list[dict[str, Any]]:
    """Rename column keys to column names (``columns`` maps key -> name); others stay."""
    if not columns:
        return rows
    return [{columns.get(k, k): v for k, v in row.items()} for row in rows]
