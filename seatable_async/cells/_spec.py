"""Column descriptions the codec works from, independent of the SDK's metadata models."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol, runtime_checkable

import attrs

from seatable_async.cells._column_types import READ_ONLY_TYPES
from seatable_async.errors import ConfigurationError

__all__ = [
    "READ_ONLY_TYPES",
    "SYSTEM_FIELDS",
    "ColumnLike",
    "ColumnSpec",
    "LinkInfo",
    "column_spec",
    "column_specs",
]

#: Row fields every list-rows / SQL answer carries besides the columns (gateway, 5.0+).
SYSTEM_FIELDS = (
    "_id",
    "_ctime",
    "_mtime",
    "_creator",
    "_last_modifier",
    "_archived",
    "_locked",
    "_locked_by",
)


@runtime_checkable
class ColumnLike(Protocol):
    """Anything describing a column: ``seatable_async.models.Column`` fits, and so does
    `ColumnSpec`. ``key`` and ``data`` are read with ``getattr`` and may be missing."""

    @property
    def name(self) -> str: ...

    @property
    def type(self) -> str: ...


@attrs.frozen
class LinkInfo:
    """Where a link column points: pass these to the links API."""

    link_id: str
    table_id: str
    other_table_id: str


@attrs.frozen
class ColumnSpec:
    """One column as the codec needs it.

    Attributes:
        name: the column's name (rows are keyed by it on append/update).
        type: SeaTable's column type (``"number"``, ``"single-select"``…).
        key: the 4-character column key (rows from list-rows may be keyed by it).
        data: SeaTable's type-specific column data (options, formats, link ids…), as in metadata.
    """

    name: str
    type: str
    key: str = ""
    data: Mapping[str, Any] | None = attrs.field(default=None, hash=False)

    def get(self, field: str, default: Any = None) -> Any:
        """One entry of ``data`` (``default`` when there is no data or no such entry)."""
        if not self.data:
            return default
        return self.data.get(field, default)

    @property
    def read_only(self) -> bool:
        """True for computed columns (formula, auto-number, creator, ctime, …)."""
        return self.type in READ_ONLY_TYPES

    @property
    def has_time(self) -> bool:
        """For a date column: True when its format shows the time (``… HH:mm``).

        A date column without a format holds dates: SeaTable's default format is
        ``YYYY-MM-DD``.
        """
        fmt = self.get("format")
        return isinstance(fmt, str) and "HH:mm" in fmt

    @property
    def has_seconds(self) -> bool:
        """For a date column: True when its format shows seconds (``… HH:mm:ss``)."""
        fmt = self.get("format")
        return isinstance(fmt, str) and "HH:mm:ss" in fmt

    @property
    def options(self) -> list[Mapping[str, Any]]:
        """A select column's options (``{"id", "name", "color", "textColor"}``)."""
        options = self.get("options")
        if not isinstance(options, list):
            return []
        return [o for o in options if isinstance(o, Mapping)]

    @property
    def link(self) -> LinkInfo | None:
        """A link column's ``link_id``/``table_id``/``other_table_id``, when metadata has them."""
        ids = [self.get(k) for k in ("link_id", "table_id", "other_table_id")]
        if self.type != "link" or not all(isinstance(i, str) and i for i in ids):
            return None
        return LinkInfo(*ids)


def column_spec(column: ColumnLike | Mapping[str, Any]) -> ColumnSpec:
    """Normalise one column description.

    Args:
        column: a `ColumnSpec`, any object with ``name`` and ``type`` (and optionally ``key``,
            ``data``) attributes such as ``models.Column``, or a metadata/SQL ``metadata`` dict
            ``{"key", "name", "type", "data"}``.

    Raises:
        ConfigurationError: no string ``name``/``type``, or ``data`` is not a mapping.
    """
    if isinstance(column, ColumnSpec):
        return column
    if isinstance(column, Mapping):
        name, type_ = column.get("name"), column.get("type")
        key, data = column.get("key", ""), column.get("data")
    else:
        name, type_ = getattr(column, "name", None), getattr(column, "type", None)
        key, data = getattr(column, "key", ""), getattr(column, "data", None)
    if not isinstance(name, str) or not isinstance(type_, str):
        raise ConfigurationError(f"a column needs a string name and type, got {column!r:.80}")
    if data is not None and not isinstance(data, Mapping):
        raise ConfigurationError(f"column {name!r}: data must be a mapping or None")
    return ColumnSpec(name=name, type=type_, key=key if isinstance(key, str) else "", data=data)


def column_specs(columns: Iterable[ColumnLike | Mapping[str, Any]]) -> tuple[ColumnSpec, ...]:
    """Normalise a table's columns; see `column_spec`.

    Raises:
        ConfigurationError: a column is malformed, or two columns share a name.
    """
    specs = tuple(column_spec(c) for c in columns)
    seen: set[str] = set()
    for spec in specs:
        if spec.name in seen:
            raise ConfigurationError(f"two columns are named {spec.name!r}")
        seen.add(spec.name)
    return specs
