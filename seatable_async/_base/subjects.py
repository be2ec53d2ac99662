"""Name what a refused base operation was about: the table, view and row it concerned.

SeaTable answers an unknown table, view or row with a bare message (``table not found``,
``view not found``, ``row _id not exits``; reference §5), which says nothing about *which* one.
The call itself knows: its ``table_name`` / ``view_name`` parameters and its ``row_id`` path
argument. `name_subject` puts them into the error's message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from seatable_async.errors import APIError, BadRequestError, NotFoundError

__all__ = ["Subject", "name_subject", "subject_of"]


@attrs.frozen
class Subject:
    """The table, view and row one call concerns (each None when it names none)."""

    table: str | None = None
    view: str | None = None
    row: str | None = None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def subject_of(
    params: Mapping[str, Any] | None, body: Any, args: Mapping[str, str] | None
) -> Subject:
    """What a call concerns, read from its query parameters, JSON body and path arguments."""
    fields: dict[str, Any] = {}
    if isinstance(body, Mapping):
        fields.update(body)
    fields.update(params or {})
    return Subject(
        table=_text(fields.get("table_name")),
        view=_text(fields.get("view_name")),
        row=_text((args or {}).get("row_id")),
    )


def name_subject(error: APIError, subject: Subject) -> APIError:
    """``error`` with a message naming the table, view or row it concerns (or as it is).

    Only refusals about what was asked for (400, 404) are renamed; a message that already
    names its subject is kept.
    """
    if not isinstance(error, (NotFoundError, BadRequestError)) or subject.table is None:
        return error
    message = error.message
    lowered = message.lower()
    table = repr(subject.table)
    if "view" in lowered and subject.view is not None and repr(subject.view) not in message:
        detail = f"table {table} has no view {subject.view!r}"
    elif "row" in lowered and subject.row is not None and repr(subject.row) not in message:
        detail = f"table {table} has no row {subject.row!r}"
    elif "table" in lowered and "not found" in lowered and table not in message:
        detail = f"the base has no table {table}"
    elif table not in message:
        named = [f"table {table}"]
        named += [f"view {subject.view!r}"] if subject.view is not None else []
        named += [f"row {subject.row!r}"] if subject.row is not None else []
        return error.with_message(f"{message} ({', '.join(named)})")
    else:
        return error
    return error.with_message(f"{message}: {detail}")
