"""Emulator state: users, workspaces, bases, API-Tokens, links; rows live in `RowStore`."""

from __future__ import annotations

import secrets
import sqlite3
import threading
import uuid as uuidlib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from .cells import CellCodec
from .dates import Zone
from .extras import BaseExtras
from .records import (
    SYSTEM_COLUMNS,
    SYSTEM_TYPES,
    ApiToken,
    Base,
    Column,
    Group,
    Org,
    Table,
    User,
    Workspace,
    iso,
    new_row_id,
    new_row_ids,
    new_token,
    quote_ident,
)
from .store import ColumnSpec, Inserted, RowStore

__all__ = [
    "SYSTEM_COLUMNS",
    "SYSTEM_TYPES",
    "ApiToken",
    "Base",
    "Column",
    "Group",
    "Org",
    "State",
    "Table",
    "User",
    "Workspace",
    "extras_of",
    "iso",
    "new_row_id",
    "new_row_ids",
    "new_token",
    "quote_ident",
]


class State:
    """All server-side data, guarded by one re-entrant lock (served mode runs in a thread)."""

    def __init__(
        self,
        clock: Callable[[], float],
        db_path: str | Path | None = None,
        zone: Zone | None = None,
        functions: Callable[[sqlite3.Connection], None] | None = None,
    ) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.zone = zone or Zone()
        self.db_path = Path(db_path) if db_path is not None else None
        self.codec = CellCodec(self.zone)
        self.store = RowStore(self.codec, clock, self.lock, self.db_path, functions)
        self.users: dict[str, User] = {}
        self.users_by_login: dict[str, User] = {}
        self.users_by_token: dict[str, User] = {}
        self.workspaces: dict[int, Workspace] = {}
        self.bases: dict[str, Base] = {}
        self.api_tokens: dict[str, ApiToken] = {}
        self.external_links: dict[str, str] = {}
        self.orgs: dict[int, Org] = {}
        self.groups: dict[int, Group] = {}
        self.extras: dict[str, BaseExtras] = {}
        self._ids: dict[str, int] = {}

    def next_id(self, kind: str) -> int:
        value = self._ids.get(kind, 0) + 1
        self._ids[kind] = value
        return value

    def iso_seconds(self, ts: float) -> str:
        """dtable-web timestamps: whole seconds in the server's zone (``…+01:00``)."""
        return self.zone.iso_seconds(ts)

    def token_dict(self, t: ApiToken) -> dict[str, Any]:
        return {
            "app_name": t.app_name,
            "api_token": t.token,
            "generated_by": t.generated_by,
            "generated_at": self.iso_seconds(t.generated_at),
            "last_access": self.iso_seconds(t.last_access),
            "permission": t.permission,
        }

    # ---- users -------------------------------------------------------------------------
    def add_user(
        self,
        login: str,
        password: str,
        role: str = "user",
        otp: str | None = None,
        org_id: int | None = None,
        name: str | None = None,
    ) -> User:
        if role not in ("user", "team_admin", "system_admin"):
            raise ValueError(f"unknown role {role!r}")
        with self.lock:
            if login.lower() in self.users_by_login:
                raise ValueError(f"user {login!r} exists")
            email = f"{secrets.token_hex(16)}@auth.local"
            if role == "team_admin" and org_id is None:
                org = Org(self.next_id("org"), f"{login} team", email)
                self.orgs[org.id] = org
                org_id = org.id
            ws = Workspace(self.next_id("workspace"), email, "personal")
            self.workspaces[ws.id] = ws
            user = User(
                email=email,
                login=login,
                password=password,
                role=role,
                otp=otp,
                account_token=new_token(),
                org_id=org_id,
                name=name or login.split("@")[0],
                workspace_id=ws.id,
                created_at=self.clock(),
            )
            self.users[email] = user
            self.users_by_login[login.lower()] = user
            self.users_by_token[user.account_token] = user
            return user

    def find_user(self, login_or_email: str) -> User | None:
        with self.lock:
            return self.users.get(login_or_email) or self.users_by_login.get(login_or_email.lower())

    def user_orgs_users(self, org_id: int) -> list[User]:
        with self.lock:
            return [u for u in self.users.values() if u.org_id == org_id]

    def team_of(self, base_uuid: str) -> str:
        """Whose monthly quota a base's operations use: its owner's team, else the owner."""
        base = self.bases.get(base_uuid)
        if base is None:
            return ""
        owner = self.users.get(base.owner)
        if owner is not None and owner.org_id is not None:
            return f"org:{owner.org_id}"
        return base.owner

    # ---- bases -------------------------------------------------------------------------
    def add_base(
        self,
        owner: User,
        name: str,
        tables: Mapping[str, Mapping[str, ColumnSpec]] | None = None,
        workspace_id: int | None = None,
        big_data: bool = False,
    ) -> Base:
        """Create a base; ``tables`` maps table name → {column name: type or {type, data}}."""
        with self.lock:
            ws_id = workspace_id if workspace_id is not None else owner.workspace_id
            if any(b.workspace_id == ws_id and b.name == name for b in self.bases.values()):
                raise ValueError(f"base {name!r} exists in workspace {ws_id}")
            base_uuid = str(uuidlib.uuid4())
            now = self.clock()
            base = Base(
                id=self.next_id("base"),
                uuid=base_uuid,
                workspace_id=ws_id,
                name=name,
                owner=owner.email,
                tables=[],
                conn=self.store.connect(base_uuid),
                created_at=now,
                updated_at=now,
                big_data=big_data,
            )
            spec = tables if tables is not None else {"Table1": {"Name": "text"}}
            for tname, cols in spec.items():
                self.create_table(base, tname, cols)
            self.bases[base_uuid] = base
            return base

    def rows_of(self, base_uuid: str, table: str) -> list[dict[str, Any]]:
        """The stored rows of a base's table by name; KeyError for an unknown base or table."""
        base = self.bases[base_uuid]
        found = base.table(table)
        if found is None:
            raise KeyError(table)
        return self.select_rows(base, found)

    def create_table(self, base: Base, name: str, columns: Mapping[str, ColumnSpec]) -> Table:
        return self.store.create_table(base, name, columns)

    def delete_base(self, base: Base) -> None:
        with self.lock:
            self.bases.pop(base.uuid, None)
            self.extras.pop(base.uuid, None)
            for token in [t for t, a in self.api_tokens.items() if a.base_uuid == base.uuid]:
                del self.api_tokens[token]
            for link in [k for k, v in self.external_links.items() if v == base.uuid]:
                del self.external_links[link]
            base.conn.close()

    def find_base(self, workspace_id: int, name: str) -> Base | None:
        with self.lock:
            for b in self.bases.values():
                if b.workspace_id == workspace_id and b.name == name:
                    return b
            return None

    # ---- rows (see RowStore) -----------------------------------------------------------
    def insert_rows(
        self,
        base: Base,
        table: Table,
        rows: list[dict[str, Any]],
        creator: str,
        archived: bool = False,
    ) -> tuple[list[str], dict[str, Any] | None]:
        return self.store.insert_rows(base, table, rows, creator, archived)

    def insert_stored(
        self, base: Base, table: Table, rows: list[dict[str, Any]], creator: str
    ) -> Inserted:
        return self.store.insert_stored(base, table, rows, creator)

    def update_rows(
        self, base: Base, table: Table, updates: Iterable[tuple[str, dict[str, Any]]], user: str
    ) -> int:
        return self.store.update_rows(base, table, updates, user)

    def delete_rows(self, base: Base, table: Table, row_ids: list[str]) -> int:
        return self.store.delete_rows(base, table, row_ids)

    def select_rows(
        self,
        base: Base,
        table: Table,
        start: int = 0,
        limit: int = -1,
        row_id: str | None = None,
        order_by: str | None = None,
        descending: bool = False,
        archived: bool = True,
    ) -> list[dict[str, Any]]:
        return self.store.select_rows(
            base, table, start, limit, row_id, order_by, descending, archived
        )


def extras_of(state: State, base: Base) -> BaseExtras:
    """The extras of ``base`` (created on first use)."""
    with state.lock:
        found = state.extras.get(base.uuid)
        if found is None:
            found = state.extras[base.uuid] = BaseExtras()
        return found
