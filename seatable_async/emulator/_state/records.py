"""Records the emulator keeps (users, bases, tables, columns, tokens) and id generators."""

from __future__ import annotations

import base64
import os
import secrets
import sqlite3
import string
from datetime import datetime, timezone
from typing import Any

from attrs import define, field

ALNUM = string.ascii_letters + string.digits
SYSTEM_COLUMNS = (
    "_id",
    "_ctime",
    "_mtime",
    "_creator",
    "_last_modifier",
    "_archived",
    "_locked",
    "_locked_by",
)
SYSTEM_TYPES = {
    "_id": "text",
    "_ctime": "ctime",
    "_mtime": "mtime",
    "_creator": "creator",
    "_last_modifier": "last-modifier",
    "_archived": "checkbox",
    "_locked": "checkbox",
    "_locked_by": "text",
}


_TOP_CLEAR = bytes(b & 0x7F for b in range(256))
_VERSION_4 = bytes((b & 0x0F) | 0x40 for b in range(256))
_VARIANT = bytes((b & 0x3F) | 0x80 for b in range(256))


def new_row_ids(n: int) -> list[str]:
    """``n`` row ids shaped like SeaTable's: 16 random bytes in URL-safe base64 (22
    characters, so the last one is A, Q, g or w), version-4 bits set and the first bit clear
    (a "nice" slugid never starts with ``-``). Byte work is done with slices, not per id."""
    raw = bytearray(os.urandom(16 * n))
    raw[0::16] = raw[0::16].translate(_TOP_CLEAR)
    raw[6::16] = raw[6::16].translate(_VERSION_4)
    raw[8::16] = raw[8::16].translate(_VARIANT)
    padded = bytearray(18 * n)  # 18 bytes = 24 characters; the last 2 are zero padding
    for j in range(16):
        padded[j::18] = raw[j::16]
    encoded = base64.urlsafe_b64encode(padded).decode()
    return [encoded[i : i + 22] for i in range(0, 24 * n, 24)]


def new_row_id() -> str:
    return new_row_ids(1)[0]


def new_token() -> str:
    """A 40-character lower-case hex token (Account-Token, API-Token)."""
    return secrets.token_hex(20)


def new_key(used: set[str]) -> str:
    """A 4-character id (table, column, view) not in ``used``."""
    key = ""
    while not key or key in used:
        key = "".join(secrets.choice(ALNUM) for _ in range(4))
    return key


def iso(ts: float) -> str:
    """``2021-03-10T16:06:48.981+00:00`` (row times are UTC, recorded)."""
    dt = datetime.fromtimestamp(ts, tz=timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}+00:00"


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
    """A column. ``extra`` holds the further attributes a column created through the REST API
    carries (per version, see ``_schema.shapes``); ``frozen`` is shown once it was set;
    ``as_sent``: the column came over Socket.IO and is shown exactly as sent (the server adds
    no defaults then, ``test_websocket.py::test_insert_column``)."""

    key: str
    name: str
    type: str
    data: dict[str, Any] | None = None
    width: int = 200
    frozen: bool | None = None
    extra: dict[str, Any] = field(factory=dict)
    as_sent: bool = False

    def as_dict(self) -> dict[str, Any]:
        if self.as_sent:
            shown = {**self.extra, "key": self.key, "name": self.name, "type": self.type}
            if self.data is not None or "data" in self.extra:
                shown["data"] = self.data
            return shown
        out: dict[str, Any] = {
            "key": self.key,
            "name": self.name,
            "type": self.type,
            "width": self.width,
            "editable": True,
            "resizable": True,
            "data": self.data,
        }
        out.update(self.extra)
        if self.frozen is not None:
            out["frozen"] = self.frozen
        return out


def seeded_view() -> dict[str, Any]:
    """The default view of a table seeded with ``Emulator.add_base``."""
    return {
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


@define
class Table:
    """A table: columns in order and views (dicts as the server stores them). ``extra`` holds
    the further attributes of a table created through the REST API."""

    id: str
    name: str
    columns: list[Column]
    by_name: dict[str, Column] = field(factory=dict)
    by_key: dict[str, Column] = field(factory=dict)
    views: list[dict[str, Any]] = field(factory=list)
    is_header_locked: bool = False
    extra: dict[str, Any] = field(factory=dict)

    def __attrs_post_init__(self) -> None:
        self.reindex()
        if not self.views:
            self.views.append(seeded_view())

    def reindex(self) -> None:
        """Refresh the name and key lookups after the columns changed."""
        self.by_name = {c.name: c for c in self.columns}
        self.by_key = {c.key: c for c in self.columns}

    def column(self, name_or_key: str) -> Column | None:
        """The column with that name, else with that key."""
        return self.by_name.get(name_or_key) or self.by_key.get(name_or_key)

    def view(self, name_or_id: str) -> dict[str, Any] | None:
        """The view with that name, else with that id."""
        for view in self.views:
            if view.get("name") == name_or_id:
                return view
        for view in self.views:
            if view.get("_id") == name_or_id:
                return view
        return None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "_id": self.id,
            "name": self.name,
            "is_header_locked": self.is_header_locked,
        }
        out.update(self.extra)
        out["columns"] = [c.as_dict() for c in self.columns]
        out["views"] = [dict(v) for v in self.views]
        return out


@define
class Base:
    """A base: metadata plus its SQLite database (one table per SeaTable table).

    ``big_data``: the base has big-data storage (SQL ``INSERT`` works and lands there).
    ``quota_exceeded``: its workspace is over the asset quota or row limit, so new Base-Tokens
    come out read-only (set it to test a sudden 403 on writes)."""

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
    big_data: bool = False
    quota_exceeded: bool = False

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
