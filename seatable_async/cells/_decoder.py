"""Server JSON → Python values, by column type (opt-in; raw JSON stays the SDK's default)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any

from seatable_async.cells._common import Invalid, is_integer, is_real
from seatable_async.cells._dates import parse_wire_datetime
from seatable_async.cells._spec import ColumnLike, ColumnSpec, column_specs
from seatable_async.errors import ResponseFormatError

__all__ = ["RowDecoder", "decode_cell", "decode_row"]

_USER_FIELDS = ("_creator", "_last_modifier", "_locked_by")
_TIME_FIELDS = ("_ctime", "_mtime")
_SYSTEM_TIME = ColumnSpec(name="_ctime", type="ctime")


class RowDecoder:
    """Decodes rows of one table (or one SQL result); build it once and reuse it.

    Decoding is idempotent: already decoded values pass through unchanged, so raw and decoded
    rows can be mixed.

    Args:
        columns: the table's columns (``models.Column``, `ColumnSpec` or metadata dicts).
        server_tz: when given, date-times are converted to this zone (same instant), and
            offset-less date-times from pre-4.4 servers are read as this zone's wall clock.
        decimals: numbers as `Decimal` (the shortest decimal that reads back as the same
            double, so ``499.99`` → ``Decimal("499.99")``) instead of int/float.
        users: email → user id; when given, user ids (collaborators, creator, last modifier)
            decode to these emails. Unknown ids stay ids.

    Raises:
        ConfigurationError: malformed columns.
    """

    def __init__(
        self,
        columns: Iterable[ColumnLike | Mapping[str, Any]],
        *,
        server_tz: tzinfo | None = None,
        decimals: bool = False,
        users: Mapping[str, str] | None = None,
    ) -> None:
        self._columns = column_specs(columns)
        self._by_name = {c.name: c for c in self._columns}
        self._by_key = {c.key: c for c in self._columns if c.key}
        self._server_tz = server_tz
        self._decimals = decimals
        self._emails = {user_id: email for email, user_id in (users or {}).items()}
        self._options: dict[str, tuple[dict[str, str], frozenset[str]]] = {}
        self._by_type: dict[str, Callable[[ColumnSpec, Any], Any]] = {
            "number": self._number,
            "checkbox": self._checkbox,
            "date": self._date,
            "ctime": self._instant,
            "mtime": self._instant,
            "duration": self._duration,
            "rate": self._rate,
            "single-select": self._single_select,
            "multiple-select": self._multiple_select,
            "collaborator": self._users,
            "creator": self._user,
            "last-modifier": self._user,
            "link": self._links,
            "digital-sign": self._signature,
            "long-text": self._long_text,
        }

    @property
    def columns(self) -> tuple[ColumnSpec, ...]:
        """The table's columns."""
        return self._columns

    def column(self, name_or_key: str) -> ColumnSpec | None:
        """The column with this name, else with this key."""
        return self._by_name.get(name_or_key) or self._by_key.get(name_or_key)

    def cell(self, column: ColumnSpec, value: Any) -> Any:
        """Decode one value of ``column`` (None stays None).

        Raises:
            ResponseFormatError: the value does not have the column type's shape.
        """
        if value is None:
            return None
        handler = self._by_type.get(column.type)
        if handler is None:
            return value  # text, formulas, files, geolocation, …: as the server gave them
        try:
            return handler(column, value)
        except Invalid as exc:
            raise ResponseFormatError(
                f"column {column.name!r} ({column.type}): {exc.reason}; got {value!r:.60}"
            ) from None

    def row(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """Decode one row keyed by column names or keys; the result is keyed by names.

        ``_ctime``/``_mtime`` become datetimes, ``_creator``/``_last_modifier``/
        ``_locked_by`` emails when ``users`` knows them; other unknown keys stay as given.

        Raises:
            ResponseFormatError: a value does not have its column type's shape.
        """
        out: dict[str, Any] = {}
        for name, value in row.items():
            spec = self.column(name)
            if spec is not None:
                out[spec.name] = self.cell(spec, value)
            elif name in _TIME_FIELDS and value is not None:
                out[name] = self._system_time(name, value)
            elif name in _USER_FIELDS and isinstance(value, str):
                out[name] = self._emails.get(value, value)
            else:
                out[name] = value
        return out

    def rows(self, rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Decode several rows; see `row`."""
        return [self.row(r) for r in rows]

    def _system_time(self, name: str, value: Any) -> datetime:
        try:
            return self._instant(_SYSTEM_TIME, value)
        except Invalid as exc:
            raise ResponseFormatError(f"{name}: {exc.reason}; got {value!r:.60}") from None

    def _number(self, spec: ColumnSpec, value: Any) -> Any:
        if isinstance(value, Decimal):
            return value if self._decimals else float(value)
        if not is_real(value):
            raise Invalid("not a number")
        if not self._decimals:
            return value
        return Decimal(int(value)) if is_integer(value) else Decimal(repr(float(value)))

    def _checkbox(self, spec: ColumnSpec, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        # Pre-5.0 formula answers and some old cells carry "true"/"false".
        if value in ("true", "false"):
            return bool(value == "true")
        raise Invalid("not a boolean")

    def _date(self, spec: ColumnSpec, value: Any) -> date:
        if isinstance(value, str):
            value = parse_wire_datetime(value)
        if not isinstance(value, date):
            raise Invalid("not a date")
        if not spec.has_time:
            # The calendar date as the server wrote it: 2030-06-20T00:00:00+02:00 is the 20th,
            # never shifted through UTC.
            return value.date() if isinstance(value, datetime) else value
        if not isinstance(value, datetime):
            return datetime(value.year, value.month, value.day, tzinfo=self._server_tz)
        return self._zoned(value)

    def _instant(self, spec: ColumnSpec, value: Any) -> datetime:
        parsed = parse_wire_datetime(value) if isinstance(value, str) else value
        if not isinstance(parsed, datetime):
            raise Invalid("not a date-time")
        return self._zoned(parsed)

    def _zoned(self, value: datetime) -> datetime:
        if self._server_tz is None:
            return value
        if value.tzinfo is None:
            return value.replace(tzinfo=self._server_tz)
        return value.astimezone(self._server_tz)

    def _duration(self, spec: ColumnSpec, value: Any) -> timedelta:
        if isinstance(value, timedelta):
            return value
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                raise Invalid("not a number of seconds") from None
        if not is_real(value):
            raise Invalid("not a number of seconds")
        return timedelta(seconds=float(value))

    def _rate(self, spec: ColumnSpec, value: Any) -> int:
        if is_integer(value) or (is_real(value) and float(value).is_integer()):
            return int(value)
        raise Invalid("not a whole number")

    def _option_names(self, spec: ColumnSpec) -> tuple[dict[str, str], frozenset[str]]:
        cached = self._options.get(spec.name)
        if cached is None:
            by_id: dict[str, str] = {}
            for option in spec.options:
                name, option_id = option.get("name"), option.get("id")
                if isinstance(name, str) and option_id is not None:
                    by_id[str(option_id)] = name
            cached = self._options[spec.name] = (by_id, frozenset(by_id.values()))
        return cached

    def _option(self, spec: ColumnSpec, value: Any) -> str:
        # 6.x answers with option names; 5.0's gateway answered with option ids (even ints).
        # A name wins over an id that happens to be spelt the same.
        by_id, names = self._option_names(spec)
        if isinstance(value, str) and value in names:
            return value
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value) in by_id:
            return by_id[str(value)]
        if isinstance(value, str):
            return value
        raise Invalid("not an option name or id")

    def _single_select(self, spec: ColumnSpec, value: Any) -> str:
        return self._option(spec, value)

    def _multiple_select(self, spec: ColumnSpec, value: Any) -> list[str]:
        if not isinstance(value, list):
            raise Invalid("not a list of options")
        return [self._option(spec, v) for v in value]

    def _user(self, spec: ColumnSpec, value: Any) -> str:
        if not isinstance(value, str):
            raise Invalid("not a user id")
        return self._emails.get(value, value)

    def _users(self, spec: ColumnSpec, value: Any) -> list[str]:
        if not isinstance(value, list):
            raise Invalid("not a list of user ids")
        return [self._user(spec, v) for v in value]

    def _links(self, spec: ColumnSpec, value: Any) -> list[str]:
        # Gateway (5.0+): [{"row_id", "display_value"}]; old dtable-server: ["row id", …].
        if not isinstance(value, list):
            raise Invalid("not a list of linked rows")
        ids: list[str] = []
        for item in value:
            row_id = item.get("row_id") if isinstance(item, Mapping) else item
            if not isinstance(row_id, str):
                raise Invalid("a linked row has no row_id")
            ids.append(row_id)
        return ids

    def _signature(self, spec: ColumnSpec, value: Any) -> dict[str, Any]:
        if not isinstance(value, Mapping):
            raise Invalid("not a signature object")
        out = dict(value)
        if isinstance(out.get("sign_time"), str):
            out["sign_time"] = self._instant(spec, out["sign_time"])
        return out

    def _long_text(self, spec: ColumnSpec, value: Any) -> Any:
        # Socket.IO events and old answers give long text as {"text": …, "preview": …}.
        if isinstance(value, Mapping) and isinstance(value.get("text"), str):
            return value["text"]
        return value


def decode_row(
    row: Mapping[str, Any], columns: Iterable[ColumnLike | Mapping[str, Any]], **options: Any
) -> dict[str, Any]:
    """Decode one row; ``options`` are `RowDecoder`'s keywords. Prefer a reused `RowDecoder`."""
    return RowDecoder(columns, **options).row(row)


def decode_cell(value: Any, column: ColumnLike | Mapping[str, Any], **options: Any) -> Any:
    """Decode one value of one column; ``options`` are `RowDecoder`'s keywords.

    Raises:
        ResponseFormatError: the value does not have the column type's shape.
    """
    decoder = RowDecoder([column], **options)
    return decoder.cell(decoder.columns[0], value)
