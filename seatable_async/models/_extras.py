"""Values of a base's resources beyond rows: linked records, comments, notifications, row
activities, snapshots, users and custom-folder files."""

from __future__ import annotations

from typing import Any

import attrs

from seatable_async.models._convert import JSONModel, prepare

__all__ = [
    "Activity",
    "ActivityPage",
    "Comment",
    "CustomAsset",
    "CustomFolder",
    "LinkedRecord",
    "Notification",
    "SnapshotResult",
    "UserInfo",
]


@attrs.frozen
class LinkedRecord(JSONModel):
    """A row a link cell points to.

    Attributes:
        row_id: the linked row's id (in the other table).
        display_value: what the link cell shows for it (the other table's display column).
    """

    row_id: str
    display_value: Any = None


@attrs.frozen
class Comment(JSONModel):
    """A comment on a row.

    Attributes:
        id: the comment's id (for ``comments.get`` and ``comments.delete``).
        row_id: the row it is on.
        comment: the text.
        author: the author's internal user id (``…@auth.local``).
        created_at, updated_at: ISO times as the server writes them.
        resolved: whether the comment was marked resolved.
    """

    id: int
    row_id: str
    comment: str
    author: str = ""
    created_at: str = ""
    updated_at: str = ""
    resolved: bool = False
    raw: dict[str, Any] = attrs.field(eq=False, repr=False, factory=dict)


@attrs.frozen
class Notification(JSONModel):
    """A notification of a base (a comment, a collaborator assignment…).

    Attributes:
        id: the notification's id (for ``notifications.mark_seen``).
        msg_type: its kind, e.g. ``"row_comment"``, ``"selected_collaborator"``.
        seen: whether it was read.
        username: the user it is for.
        detail: the kind's details (``table_id``, ``row_id``, ``author``…).
    """

    id: int
    msg_type: str
    seen: bool = False
    username: str = ""
    created_at: str = ""
    detail: dict[str, Any] = attrs.field(factory=dict)
    raw: dict[str, Any] = attrs.field(eq=False, repr=False, factory=dict)


@attrs.frozen
class Activity(JSONModel):
    """One change in a row's history.

    Attributes:
        id: the activity's id.
        row_id: the row.
        op_type: ``"insert_row"``, ``"modify_row"``, ``"delete_row"``…
        op_user: who made the change.
        op_time: when, as the server writes it.
        detail: ``table_id``, ``table_name``, ``row_name`` and ``row_data`` (the changed cells
            with ``value`` and ``old_value``).
    """

    id: int
    row_id: str
    op_type: str
    op_user: str = ""
    op_time: str = ""
    detail: dict[str, Any] = attrs.field(factory=dict)
    raw: dict[str, Any] = attrs.field(eq=False, repr=False, factory=dict)


@attrs.frozen
class ActivityPage(JSONModel):
    """One page of a row's activities, newest first.

    Attributes:
        activities: the page.
        total_count: how many activities the row has in all.
    """

    activities: list[Activity]
    total_count: int = 0


@attrs.frozen
class SnapshotResult(JSONModel):
    """The answer to a snapshot request.

    Attributes:
        status: ``"created"``, or why none was made (``"time_is_short"``: the last one is
            less than 10 minutes old).
        commit_id, dtable_name, ctime: the new snapshot (``ctime`` in Unix milliseconds),
            when one was made.
    """

    status: str
    commit_id: str | None = None
    dtable_name: str | None = None
    ctime: int | None = None

    @property
    def created(self) -> bool:
        """Whether a snapshot was made."""
        return self.status == "created"


@prepare(SnapshotResult)
def _flatten_snapshot(data: dict[str, Any]) -> dict[str, Any]:
    inner = data.get("snapshot")
    if inner is not None and not isinstance(inner, dict):
        raise TypeError("'snapshot' is not an object")
    status = data.get("status") or ("created" if inner else None)
    return {**(inner or {}), "status": status}


@attrs.frozen
class UserInfo(JSONModel):
    """A user as a base's API-Token may see them.

    Attributes:
        email: the internal user id asked about.
        name: the display name.
        id_in_org: the user's id in the team ("" when unset).
    """

    email: str
    name: str
    id_in_org: str = ""


@attrs.frozen
class CustomFolder(JSONModel):
    """The content of a folder among a base's custom folders.

    Attributes:
        dirs: the sub-folders' names.
        files: the files' names.
    """

    dirs: list[str] = attrs.field(factory=list)
    files: list[str] = attrs.field(factory=list)


@prepare(CustomFolder)
def _names(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, field in (("dir", "dirs"), ("file", "files")):
        entries = data.get(key) or []
        if not isinstance(entries, list) or not all(
            isinstance(e, dict) and isinstance(e.get("name"), str) for e in entries
        ):
            raise TypeError(f"'{key}' is not a list of named entries")
        out[field] = [e["name"] for e in entries]
    return out


@attrs.frozen
class CustomAsset:
    """A file in a base's custom folders.

    Attributes:
        name: the stored file name.
        size: bytes.
        path: its path in the custom folders (``/Invoices/b347.pdf``), what
            ``base.files.download_custom`` takes.
        uuid: the server's id of the file.
        url: ``custom-asset://<uuid>.<ext>``, the URL a file cell holds for it.
    """

    name: str
    size: int
    path: str
    uuid: str
    url: str

    def cell(self) -> dict[str, Any]:
        """The value for one entry of a file cell."""
        return {"name": self.name, "size": self.size, "type": "file", "url": self.url}
