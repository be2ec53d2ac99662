"""`CellOptions`: how the SDK encodes and decodes typed cells, in one value."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import tzinfo
from typing import Any

import attrs

from seatable_async.cells._decoder import RowDecoder
from seatable_async.cells._encoder import ReadOnlyPolicy, RowEncoder, UnknownPolicy
from seatable_async.cells._spec import ColumnLike
from seatable_async.errors import ConfigurationError

__all__ = ["CellOptions", "cell_options"]


def _users(value: Mapping[str, str] | None) -> Mapping[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ConfigurationError("users must map e-mail addresses to user ids (str -> str)")
    return dict(value)


def _choice(*allowed: str) -> Any:
    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value not in allowed:
            names = ", ".join(repr(a) for a in allowed)
            raise ConfigurationError(f"{attribute.name} must be one of {names}")

    return check


def _flag(instance: object, attribute: attrs.Attribute[bool], value: object) -> None:
    if not isinstance(value, bool):
        raise ConfigurationError(f"{attribute.name} must be True or False")


@attrs.frozen(kw_only=True)
class CellOptions:
    """Settings of typed cells; pass as ``encode=`` / ``decode=`` instead of ``True``.

    Attributes:
        strict_options: refuse select values that are not among the column's options (the
            server would create them silently).
        truncate: drop what a column cannot hold (seconds in a minute column, the time in a
            date-only column, fractions of a second in a duration) instead of refusing it.
        users: e-mail address → user id (``…@auth.local``), so collaborator cells take
            e-mail addresses when written and give them back when read.
        read_only: values for computed columns (formula, auto-number, creator, …):
            ``"error"`` refuses them, ``"drop"`` drops them with a warning.
        unknown: keys that are no column of the table: ``"error"`` or ``"drop"``.
        decimals: read numbers as `Decimal` (the shortest decimal of the stored double).
    """

    strict_options: bool = attrs.field(default=False, validator=_flag)
    truncate: bool = attrs.field(default=False, validator=_flag)
    users: Mapping[str, str] | None = attrs.field(default=None, converter=_users, eq=False)
    read_only: ReadOnlyPolicy = attrs.field(default="error", validator=_choice("error", "drop"))
    unknown: UnknownPolicy = attrs.field(default="error", validator=_choice("error", "drop"))
    decimals: bool = attrs.field(default=False, validator=_flag)

    def encoder(
        self, columns: Iterable[ColumnLike | Mapping[str, Any]], *, server_tz: tzinfo | None
    ) -> RowEncoder:
        """A `RowEncoder` for these columns with these settings."""
        return RowEncoder(
            columns,
            server_tz=server_tz,
            truncate=self.truncate,
            strict_options=self.strict_options,
            users=self.users,
            read_only=self.read_only,
            unknown=self.unknown,
        )

    def decoder(
        self, columns: Iterable[ColumnLike | Mapping[str, Any]], *, server_tz: tzinfo | None
    ) -> RowDecoder:
        """A `RowDecoder` for these columns with these settings."""
        return RowDecoder(columns, server_tz=server_tz, decimals=self.decimals, users=self.users)


def cell_options(value: object, what: str) -> CellOptions | None:
    """``True`` → default `CellOptions`, ``False`` → None, a `CellOptions` as is.

    Raises:
        ConfigurationError: anything else.
    """
    if value is True:
        return CellOptions()
    if value is False:
        return None
    if isinstance(value, CellOptions):
        return value
    raise ConfigurationError(f"{what} must be True, False or a CellOptions")
