"""What a base holds besides rows: links, comments, notifications, toasts, activities,
snapshots and custom-folder files (kept per base in ``State.extras``)."""

from __future__ import annotations

import copy
from datetime import datetime, timezone
from typing import Any

from attrs import define, field

from .activity_log import ActivityLog

__all__ = ["BaseExtras", "Link", "stamp"]


@define
class Link:
    """One link between two tables (``link_id``), shared by its two link columns.

    ``forward`` maps a row of ``table_id`` to the rows of ``other_table_id`` it links, in the
    order the links were made; ``backward`` is the same seen from the other table.
    """

    link_id: str
    table_id: str
    other_table_id: str
    forward: dict[str, list[str]] = field(factory=dict)
    backward: dict[str, list[str]] = field(factory=dict)

    def side(self, table_id: str) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        """(links of rows of ``table_id``, links of the rows they point to)."""
        if table_id == self.table_id:
            return self.forward, self.backward
        return self.backward, self.forward

    def other(self, table_id: str) -> str:
        """The table the rows of ``table_id`` link to."""
        return self.other_table_id if table_id == self.table_id else self.table_id

    def targets(self, table_id: str, row_id: str) -> list[str]:
        return list(self.side(table_id)[0].get(row_id, ()))

    def add(self, table_id: str, row_id: str, other_id: str) -> bool:
        """Link two rows; False when they already were."""
        mine, theirs = self.side(table_id)
        targets = mine.setdefault(row_id, [])
        if other_id in targets:
            return False
        targets.append(other_id)
        if self.table_id != self.other_table_id:
            theirs.setdefault(other_id, []).append(row_id)
        return True

    def remove(self, table_id: str, row_id: str, other_id: str) -> bool:
        mine, theirs = self.side(table_id)
        targets = mine.get(row_id, [])
        if other_id not in targets:
            return False
        targets.remove(other_id)
        if self.table_id != self.other_table_id:
            back = theirs.get(other_id, [])
            if row_id in back:
                back.remove(row_id)
        return True


@define
class BaseExtras:
    """Per-base state outside the row tables."""

    links: dict[str, Link] = field(factory=dict)
    comments: list[dict[str, Any]] = field(factory=list)
    notifications: list[dict[str, Any]] = field(factory=list)
    toasts: list[dict[str, Any]] = field(factory=list)
    activities: ActivityLog = field(factory=ActivityLog)
    snapshots: list[dict[str, Any]] = field(factory=list)
    custom_uuids: dict[str, str] = field(factory=dict)
    next_ids: dict[str, int] = field(factory=dict)

    def next_id(self, kind: str) -> int:
        value = self.next_ids.get(kind, 0) + 1
        self.next_ids[kind] = value
        return value

    def copy(self) -> BaseExtras:
        """A deep copy for a copied base (links and files travel, messages do not)."""
        return BaseExtras(links=copy.deepcopy(self.links))


def stamp(ts: float) -> str:
    """``2021-01-15T13:35:26.000Z`` (comment and notification times in the v5.0 spec)."""
    dt = datetime.fromtimestamp(ts, tz=timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"
