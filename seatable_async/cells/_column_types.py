"""The SDK's column-type vocabulary: every SeaTable column type, and the families code needs.

One `Literal` names the types; each family is a ``frozenset[ColumnType]``, so a misspelt type
anywhere is a mypy error rather than a set that silently never matches. The emulator keeps
its own list on purpose (it stands for the server, see `seatable_async.emulator`).
"""

from __future__ import annotations

from typing import Literal, get_args

__all__ = [
    "COLUMN_TYPES",
    "CREATABLE_TYPES",
    "DATE_TYPES",
    "LIST_VALUED_TYPES",
    "NUMERIC_TYPES",
    "OBJECT_VALUED_TYPES",
    "READ_ONLY_TYPES",
    "TEXT_TYPES",
    "ColumnType",
]

ColumnType = Literal[
    "text",
    "long-text",
    "number",
    "checkbox",
    "date",
    "single-select",
    "multiple-select",
    "image",
    "file",
    "collaborator",
    "link",
    "formula",
    "link-formula",
    "creator",
    "ctime",
    "last-modifier",
    "mtime",
    "geolocation",
    "auto-number",
    "url",
    "email",
    "duration",
    "button",
    "rate",
    "department-single-select",
    "digital-sign",
]
"""Every column type the SDK knows (metadata answers, cell codecs, frames)."""

COLUMN_TYPES: tuple[ColumnType, ...] = get_args(ColumnType)

#: The types SeaTable's API accepts for a new column (the official client's ``ColumnTypes``,
#: 5.0 spec): all but the department select and the digital signature.
CREATABLE_TYPES: tuple[ColumnType, ...] = tuple(
    t for t in COLUMN_TYPES if t not in ("department-single-select", "digital-sign")
)

#: Column types the server computes itself. Writes to them are ignored by the server (formula,
#: creator, ctime…) or, for auto-number, silently overwrite the sequence (API_ISSUES #4, #7).
READ_ONLY_TYPES: frozenset[ColumnType] = frozenset(
    {"formula", "link-formula", "creator", "ctime", "last-modifier", "mtime", "auto-number",
     "button"}
)  # fmt: skip

#: Free text: the cell is a plain string the user typed.
TEXT_TYPES: frozenset[ColumnType] = frozenset({"text", "long-text", "email", "url"})

#: Numbers on the wire (a duration is seconds, a rating a small integer).
NUMERIC_TYPES: frozenset[ColumnType] = frozenset({"number", "duration", "rate"})

#: Dates and times (``date`` maybe without a time; ``ctime``/``mtime`` always with one).
DATE_TYPES: frozenset[ColumnType] = frozenset({"date", "ctime", "mtime"})

#: Cells that hold a list (of option ids, user ids, row ids, image URLs, file objects).
LIST_VALUED_TYPES: frozenset[ColumnType] = frozenset(
    {"multiple-select", "collaborator", "link", "image", "file"}
)

#: Cells that hold one JSON object.
OBJECT_VALUED_TYPES: frozenset[ColumnType] = frozenset({"geolocation", "digital-sign"})
