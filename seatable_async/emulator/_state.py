"""Emulator state: users, workspaces, bases (one SQLite database each), API-Tokens, links."""

from __future__ import annotations

import base64
import json
import os
import secrets
import sqlite3
import string
import threading
import uuid as uuidlib
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from attrs import define, field

_ALNUM = string.ascii_letters + string.digits

#: SQLite column affinity per SeaTable column type; other types store JSON text.
_AFFINITY = {
    "text": "TEXT",
    "long-text": "TEXT",
    "email": "TEXT",
    "url": "TEXT",
    "date": "TEXT",
    "single-select": "TEXT",
    "number": "NUMERIC",
    "duration": "NUMERIC",
    "rate": "INTEGER",
    "checkbox": "INTEGER",
    "auto-number": "TEXT",
}
SYSTEM_COLUMNS = ("_id", "_ctime", "_mtime", "_creator", "_last_modifier")
SYSTEM_TYPES = {
    "_id": "text",
    "_ctime": "ctime",
    "_mtime": "mtime",
    "_creator": "creator",
    "_last_modifier": "last-modifier",
}


def new_row_id() -> str:
    """A 22-character URL-safe row id, like SeaTable's."""
    return secrets.token_urlsafe(16)


def new_row_ids(n: int) -> list[str]:
    """``n`` row ids from one ``os.urandom`` call (fast for 1,000-row batches)."""
    encoded = base64.urlsafe_b64encode(os.urandom(18 * n)).decode()
    return [encoded[i : i + 22] for i in range(0, 24 * n, 24)]


def new_token() -> str:
    """A 40-character lower-case hex token (Account-Token, API-Token)."""
    return secrets.token_hex(20)


def iso(ts: float) -> str:
    """``2021-03-10T16:06:48.981+00:00``."""
    dt = datetime.fromtimestamp(ts, tz=timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}+00:00"


def iso_seconds(ts: float) -> str:
    """``2021-03-02T09:47:41+00:00``."""
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@define
class User:
    """A user account. ``email`` is the internal id ``<32hex>@auth.local``."""

    email: str
    login: str
    password: str
    role: str
    otp: str | None
    account_token: str
    org_id: int | None
    name: str
    workspace_id: int
    created_at: float


@define
class Column:
    key: str
    name: str
    type: str
    data: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "type": self.type,
            "width": 200,
            "editable": True,
            "resizable": True,
            "data": self.data,
        }


@define
class Table:
    id: str
    name: str
    columns: list[Column]
    by_name: dict[str, Column] = field(factory=dict)
    by_key: dict[str, Column] = field(factory=dict)

    def __attrs_post_init__(self) -> None:
        self.by_name = {c.name: c for c in self.columns}
        self.by_key = {c.key: c for c in self.columns}

    def as_dict(self) -> dict[str, Any]:
        return {
            "_id": self.id,
            "name": self.name,
            "is_header_locked": False,
            "columns": [c.as_dict() for c in self.columns],
            "views": [
                {
                    "_id": "0000",
                    "name": "Default View",
                    "type": "table",
                    "is_locked": False,
                    "filter_conjunction": "And",
                    "filters": [],
                    "sorts": [],
                    "groupbys": [],
                    "hidden_columns": [],
                }
            ],
        }


@define
class Base:
    """A base: metadata plus its SQLite database (one table per SeaTable table)."""

    id: int
    uuid: str
    workspace_id: int
    name: str
    owner: str
    tables: list[Table]
    conn: sqlite3.Connection
    created_at: float
    updated_at: float
    assets: dict[str, bytes] = field(factory=dict)
    version: int = 1

    def table(self, name_or_id: str) -> Table | None:
        for t in self.tables:
            if t.name == name_or_id:
                return t
        for t in self.tables:
            if t.id == name_or_id:
                return t
        return None


@define
class ApiToken:
    token: str
    base_uuid: str
    app_name: str
    permission: str
    generated_by: str
    generated_at: float
    last_access: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "app_name": self.app_name,
            "api_token": self.token,
            "generated_by": self.generated_by,
            "generated_at": iso_seconds(self.generated_at),
            "last_access": iso_seconds(self.last_access),
            "permission": self.permission,
        }


@define
class Workspace:
    id: int
    owner: str
    name: str


@define
class Org:
    id: int
    name: str
    admin: str


@define
class Group:
    id: int
    name: str
    org_id: int | None
    members: list[str] = field(factory=list)


def _encode(col: Column, value: Any) -> Any:
    if value is None:
        return None
    if col.type == "checkbox":
        return 1 if value is True else 0
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    if col.type not in _AFFINITY and isinstance(value, str):
        return json.dumps(value)
    return value


def _decode(col: Column, value: Any) -> Any:
    if value is None:
        return None
    if col.type == "checkbox":
        return bool(value)
    if col.type not in _AFFINITY and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


class State:
    """All server-side data, guarded by one re-entrant lock (served mode runs in a thread)."""

    def __init__(self, clock: Callable[[], float], db_path: str | Path | None = None) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.db_path = Path(db_path) if db_path is not None else None
        self.users: dict[str, User] = {}
        self.users_by_login: dict[str, User] = {}
        self.users_by_token: dict[str, User] = {}
        self.workspaces: dict[int, Workspace] = {}
        self.bases: dict[str, Base] = {}
        self.api_tokens: dict[str, ApiToken] = {}
        self.external_links: dict[str, str] = {}
        self.orgs: dict[int, Org] = {}
        self.groups: dict[int, Group] = {}
        self._ids: dict[str, int] = {}

    def next_id(self, kind: str) -> int:
        value = self._ids.get(kind, 0) + 1
        self._ids[kind] = value
        return value

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

    # ---- bases -------------------------------------------------------------------------
    def _connect(self, base_uuid: str) -> sqlite3.Connection:
        if self.db_path is not None:
            self.db_path.mkdir(parents=True, exist_ok=True)
            target = str(self.db_path / f"{base_uuid}.sqlite3")
        else:
            target = ":memory:"
        conn = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        conn.create_function("seatable_row_id", 0, new_row_id)
        conn.create_function("seatable_now", 0, lambda: iso(self.clock()))
        conn.execute("PRAGMA journal_mode=MEMORY")
        conn.execute("PRAGMA synchronous=OFF")
        return conn

    def add_base(
        self,
        owner: User,
        name: str,
        tables: dict[str, dict[str, str]] | None = None,
        workspace_id: int | None = None,
    ) -> Base:
        """Create a base; ``tables`` maps table name → {column name: column type}."""
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
                conn=self._connect(base_uuid),
                created_at=now,
                updated_at=now,
            )
            spec = tables if tables is not None else {"Table1": {"Name": "text"}}
            for tname, cols in spec.items():
                self.create_table(base, tname, cols)
            self.bases[base_uuid] = base
            return base

    def create_table(self, base: Base, name: str, columns: dict[str, str]) -> Table:
        used_keys: set[str] = set()
        cols: list[Column] = []
        for i, (cname, ctype) in enumerate(columns.items()):
            if cname.startswith("_"):
                raise ValueError(f"column name {cname!r} is reserved")
            key = "0000" if i == 0 else ""
            while not key or key in used_keys:
                key = "".join(secrets.choice(_ALNUM) for _ in range(4))
            used_keys.add(key)
            cols.append(Column(key, cname, ctype))
        table_id = "0000" if not base.tables else ""
        existing = {t.id for t in base.tables}
        while not table_id or table_id in existing:
            table_id = "".join(secrets.choice(_ALNUM) for _ in range(4))
        table = Table(table_id, name, cols)
        col_sql = ", ".join(
            f"{quote_ident(c.name)} {_AFFINITY.get(c.type, '')}".rstrip() for c in cols
        )
        ddl = (
            f"CREATE TABLE {quote_ident(name)} ("
            "_id TEXT PRIMARY KEY DEFAULT (seatable_row_id()), "
            "_ctime TEXT DEFAULT (seatable_now()), _mtime TEXT DEFAULT (seatable_now()), "
            "_creator TEXT, _last_modifier TEXT" + (", " + col_sql if col_sql else "") + ")"
        )
        base.conn.execute(ddl)
        base.tables.append(table)
        return table

    def delete_base(self, base: Base) -> None:
        with self.lock:
            self.bases.pop(base.uuid, None)
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

    # ---- rows --------------------------------------------------------------------------
    def insert_rows(
        self, base: Base, table: Table, rows: list[dict[str, Any]], creator: str
    ) -> tuple[list[str], dict[str, Any] | None]:
        """Insert rows (keyed by column name; unknown keys ignored) in one transaction.

        Returns the new row ids and the first stored row (keyed by column name)."""
        now = iso(self.clock())
        names: list[str] = []
        seen: set[str] = set()
        for row in rows:
            for k in row:
                if k not in seen and k in table.by_name:
                    seen.add(k)
                    names.append(k)
        cols = [table.by_name[n] for n in names]
        ids = new_row_ids(len(rows))
        head = (now, now, creator, creator)
        sql = (
            f"INSERT INTO {quote_ident(table.name)} (_id, _ctime, _mtime, _creator, _last_modifier"
            + "".join(", " + quote_ident(n) for n in names)
            + ") VALUES (?, ?, ?, ?, ?"
            + ", ?" * len(names)
            + ")"
        )
        plain = all(c.type in _AFFINITY and c.type != "checkbox" for c in cols)
        with self.lock:
            conn = base.conn
            conn.execute("BEGIN")
            try:
                if plain:
                    try:
                        conn.executemany(
                            sql,
                            [
                                (rid, *head, *map(row.get, names))
                                for rid, row in zip(ids, rows, strict=False)
                            ],
                        )
                    except sqlite3.ProgrammingError:  # a list/dict value: encode as JSON
                        conn.execute("ROLLBACK")
                        conn.execute("BEGIN")
                        plain = False
                if not plain:
                    conn.executemany(
                        sql,
                        [
                            (rid, *head, *[_encode(c, row.get(c.name)) for c in cols])
                            for rid, row in zip(ids, rows, strict=False)
                        ],
                    )
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            base.version += 1
        first: dict[str, Any] | None = None
        if rows:
            first = {
                "_id": ids[0],
                "_ctime": now,
                "_mtime": now,
                "_creator": creator,
                "_last_modifier": creator,
            }
            for n in names:
                if n in rows[0]:
                    first[n] = rows[0][n]
        return ids, first

    def update_rows(
        self, base: Base, table: Table, updates: Iterable[tuple[str, dict[str, Any]]], user: str
    ) -> int:
        now = iso(self.clock())
        count = 0
        with self.lock:
            conn = base.conn
            conn.execute("BEGIN")
            try:
                for row_id, row in updates:
                    cols = [table.by_name[k] for k in row if k in table.by_name]
                    sets = "".join(f", {quote_ident(c.name)} = ?" for c in cols)
                    sql = (
                        f"UPDATE {quote_ident(table.name)} SET _mtime = ?, _last_modifier = ?"
                        f"{sets} WHERE _id = ?"
                    )
                    cur = conn.execute(
                        sql, (now, user, *[_encode(c, row[c.name]) for c in cols], row_id)
                    )
                    count += cur.rowcount
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            base.version += 1
        return count

    def delete_rows(self, base: Base, table: Table, row_ids: list[str]) -> int:
        with self.lock:
            conn = base.conn
            conn.execute("BEGIN")
            cur = conn.executemany(
                f"DELETE FROM {quote_ident(table.name)} WHERE _id = ?", [(r,) for r in row_ids]
            )
            conn.execute("COMMIT")
            base.version += 1
            return cur.rowcount

    def select_rows(
        self,
        base: Base,
        table: Table,
        start: int = 0,
        limit: int = -1,
        row_id: str | None = None,
        order_by: str | None = None,
        descending: bool = False,
    ) -> list[dict[str, Any]]:
        """Rows keyed by column name (every column, unset = None) plus system columns.

        ``order_by`` (a column name; unknown names are ignored) sorts before paging."""
        cols = table.columns
        select = ", ".join([*SYSTEM_COLUMNS, *(quote_ident(c.name) for c in cols)])
        sql = f"SELECT {select} FROM {quote_ident(table.name)}"
        args: tuple[Any, ...]
        if row_id is not None:
            sql += " WHERE _id = ?"
            args = (row_id,)
        else:
            if order_by is not None and (order_by in table.by_name or order_by in SYSTEM_TYPES):
                direction = " DESC" if descending else ""
                sql += f" ORDER BY {quote_ident(order_by)}{direction}, rowid"
            else:
                sql += " ORDER BY rowid"
            sql += " LIMIT ? OFFSET ?"
            args = (limit, start)
        with self.lock:
            fetched = base.conn.execute(sql, args).fetchall()
        out: list[dict[str, Any]] = []
        nsys = len(SYSTEM_COLUMNS)
        for rec in fetched:
            row = dict(zip(SYSTEM_COLUMNS, rec[:nsys], strict=False))
            for c, v in zip(cols, rec[nsys:], strict=False):
                row[c.name] = _decode(c, v)
            out.append(row)
        return out

    def decode_value(self, col: Column, value: Any) -> Any:
        return _decode(col, value)
