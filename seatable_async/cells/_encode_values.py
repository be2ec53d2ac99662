"""Python value → the JSON SeaTable accepts on append/update, one column type at a time."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from datetime import date, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any

from seatable_async.cells._column_types import (
    LIST_VALUED_TYPES,
    OBJECT_VALUED_TYPES,
    TEXT_TYPES,
    ColumnType,
)
from seatable_async.cells._common import (
    MAX_EXACT_INT,
    Invalid,
    as_list,
    is_bool,
    is_integer,
    is_real,
)
from seatable_async.cells._dates import datetime_to_wire, duration_seconds, parse_iso
from seatable_async.cells._encode_structs import (
    encode_files,
    encode_geolocation,
    encode_images,
    encode_signature,
)
from seatable_async.cells._spec import ColumnSpec

__all__ = ["SLOW", "CellEncoder", "fast_encoder"]

#: What a shortcut of `fast_encoder` returns for a value it leaves to the full encoder.
SLOW: Any = object()
_DATE_WIRE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME_WIRE = re.compile(r"\d{4}-\d{2}-\d{2} ([01]\d|2[0-3]):[0-5]\d")
_SECONDS_WIRE = re.compile(r"\d{4}-\d{2}-\d{2} ([01]\d|2[0-3]):[0-5]\d:[0-5]\d")

_ROW_ID = re.compile(r"[A-Za-z0-9_-]{22}")
_USER_ID = re.compile(r"[^@\s]+@auth\.local")
# Types whose values are lists or objects: JSON text of those (CSV exports) is read back.
_JSON_TYPES: frozenset[ColumnType] = LIST_VALUED_TYPES | OBJECT_VALUED_TYPES


class CellEncoder:
    """Encodes single values for the columns of one table, with the encoder's settings.

    Every ``encode_*`` method takes a non-missing value and returns the wire form, or raises
    `Invalid` with the reason.
    """

    def __init__(
        self,
        *,
        server_tz: tzinfo | None,
        truncate: bool,
        strict_options: bool,
        users: Mapping[str, str] | None,
    ) -> None:
        self._server_tz = server_tz
        self._truncate = truncate
        self._strict_options = strict_options
        self._users = dict(users or {})
        self._option_names: dict[str, frozenset[str]] = {}
        self._by_type: dict[str, Callable[[ColumnSpec, Any], Any]] = {
            "number": self.encode_number,
            "checkbox": self.encode_checkbox,
            "date": self.encode_date,
            "duration": self.encode_duration,
            "single-select": self.encode_single_select,
            "multiple-select": self.encode_multiple_select,
            "collaborator": self.encode_collaborators,
            "link": self.encode_link,
            "geolocation": encode_geolocation,
            "file": encode_files,
            "image": encode_images,
            "rate": self.encode_rate,
            "digital-sign": encode_signature,
        }

    def encode(self, spec: ColumnSpec, value: Any) -> Any:
        """The wire form of a non-missing ``value`` for ``spec``'s type."""
        if spec.type in TEXT_TYPES:
            if not isinstance(value, str):
                raise Invalid(f"a {spec.type} column takes a str")
            return value
        if isinstance(value, str):
            if not value.strip():
                return None  # an empty CSV field is an empty cell, not a value to parse
            if spec.type in _JSON_TYPES:
                value = _from_json_text(value)
        handler = self._by_type.get(spec.type)
        if handler is None:
            return _raw_json(value)
        return handler(spec, value)

    def encode_number(self, spec: ColumnSpec, value: Any) -> int | float:
        if type(value) is float and math.isfinite(value):  # fast path
            return value
        if isinstance(value, str):
            try:
                value = Decimal(value.strip())
            except InvalidOperation:
                raise Invalid("not a number") from None
        if isinstance(value, Decimal):
            if not value.is_finite():
                raise Invalid("NaN and infinity cannot be stored; use None for an empty cell")
            if value == value.to_integral_value():
                return _exact_int(int(value))
            number = float(value)
            if Decimal(repr(number)) != value:
                raise Invalid(
                    "more digits than SeaTable's numbers (IEEE-754 doubles) hold; round it first"
                )
            return number
        if is_integer(value):
            return _exact_int(int(value))
        if is_real(value):
            number = float(value)
            if not math.isfinite(number):
                raise Invalid("NaN and infinity cannot be stored; use None for an empty cell")
            return number
        raise Invalid("a number column takes an int, float, Decimal or numeric string")

    def encode_checkbox(self, spec: ColumnSpec, value: Any) -> bool:
        if is_bool(value):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        # The real server stores 1 as false (API_ISSUES #1): refuse anything but a bool.
        raise Invalid("a checkbox takes True or False (the server stores 1 as false)")

    def encode_date(self, spec: ColumnSpec, value: Any) -> str:
        if isinstance(value, str):
            value = parse_iso(value)
        if not isinstance(value, date):
            raise Invalid("a date column takes a date, datetime or ISO 8601 string")
        return datetime_to_wire(
            value,
            has_time=spec.has_time,
            has_seconds=spec.has_seconds,
            server_tz=self._server_tz,
            truncate=self._truncate,
        )

    def encode_duration(self, spec: ColumnSpec, value: Any) -> int:
        if isinstance(value, (timedelta, str)):
            return duration_seconds(value, truncate=self._truncate)
        if is_integer(value):
            return int(value)
        if is_real(value) and math.isfinite(float(value)):
            seconds = float(value)
            if seconds != int(seconds) and not self._truncate:
                raise Invalid("durations are whole seconds; the fraction would be lost")
            return int(seconds)
        raise Invalid("a duration takes a timedelta, seconds, or 'H:MM[:SS]'")

    def encode_single_select(self, spec: ColumnSpec, value: Any) -> str:
        if not isinstance(value, str):
            raise Invalid("a single-select takes the option's name (str)")
        self._check_option(spec, value)
        return value

    def encode_multiple_select(self, spec: ColumnSpec, value: Any) -> list[str]:
        names = [value] if isinstance(value, str) else as_list(value, "option names")
        out: list[str] = []
        for name in names:
            if not isinstance(name, str):
                raise Invalid("a multiple-select takes option names (str)")
            self._check_option(spec, name)
            if name not in out:
                out.append(name)
        return out

    def _check_option(self, spec: ColumnSpec, name: str) -> None:
        if not self._strict_options:
            return
        names = self._option_names.get(spec.name)
        if names is None:
            names = frozenset(n for o in spec.options if isinstance(n := o.get("name"), str))
            self._option_names[spec.name] = names
        if name not in names:
            raise Invalid(
                "no such option (strict_options refuses it instead of letting the server create it)"
            )

    def encode_collaborators(self, spec: ColumnSpec, value: Any) -> list[str]:
        people = [value] if isinstance(value, str) else as_list(value, "user ids or emails")
        out: list[str] = []
        for person in people:
            if not isinstance(person, str):
                raise Invalid("a collaborator column takes user ids or emails (str)")
            user_id = self._users.get(person)
            if user_id is None:
                if not _USER_ID.fullmatch(person):
                    raise Invalid("unknown collaborator: pass users={email: '…@auth.local'}")
                user_id = person
            if user_id not in out:
                out.append(user_id)
        return out

    def encode_link(self, spec: ColumnSpec, value: Any) -> list[str]:
        items = [value] if isinstance(value, (str, Mapping)) else as_list(value, "row ids")
        out: list[str] = []
        for item in items:
            row_id = item.get("row_id") if isinstance(item, Mapping) else item
            if not isinstance(row_id, str) or not _ROW_ID.fullmatch(row_id):
                raise Invalid("a link column takes row ids (22-character strings)")
            if row_id not in out:
                out.append(row_id)
        return out

    def encode_rate(self, spec: ColumnSpec, value: Any) -> int:
        whole_text = isinstance(value, str) and value.strip().isdigit()
        if whole_text or (is_real(value) and not is_integer(value) and float(value).is_integer()):
            value = int(value)
        if not is_integer(value):
            raise Invalid("a rating takes a whole number")
        stars = int(value)
        top = spec.get("rate_max_number")
        # The server stores any number (API_ISSUES #3); keep ratings within the column's scale.
        if stars < 0 or (is_integer(top) and stars > top):
            raise Invalid(f"a rating goes from 0 to {top if is_integer(top) else 'the maximum'}")
        return stars


def fast_encoder(spec: ColumnSpec, *, strict_options: bool) -> Callable[[Any], Any]:
    """A shortcut for values that are already what the column stores (a str for text, a
    finite float or an exact int for a number, a bool for a checkbox, a date string in the
    column's own wire form…): returns the value, or `SLOW` for the full encoder to decide.

    It must never accept a value the full encoder would change or refuse.
    """
    kind = spec.type
    if kind in TEXT_TYPES:
        return lambda v: v if type(v) is str else SLOW
    if kind == "number":
        return _fast_number
    if kind == "checkbox":
        return lambda v: v if type(v) is bool else SLOW
    if kind == "duration":
        return lambda v: v if type(v) is int else SLOW
    if kind == "single-select" and not strict_options:
        return lambda v: v if type(v) is str and v.strip() else SLOW
    if kind == "date":
        wire = (_SECONDS_WIRE if spec.has_seconds else _TIME_WIRE) if spec.has_time else None
        return lambda v: v if type(v) is str and _date_wire(v, wire) else SLOW
    return lambda v: SLOW


def _fast_number(value: Any) -> Any:
    kind = type(value)
    if kind is float:
        return value if value - value == 0 else SLOW  # NaN and ±inf fail: x - x is NaN
    if kind is int:
        return value if -MAX_EXACT_INT <= value <= MAX_EXACT_INT else SLOW
    return SLOW


def _date_wire(text: str, time_form: re.Pattern[str] | None) -> bool:
    # A real calendar date, written exactly as the column stores it ("2030-06-20", or with
    # "HH:MM" / "HH:MM:SS" when the column shows the time).
    if not (_DATE_WIRE.fullmatch(text) or (time_form is not None and time_form.fullmatch(text))):
        return False
    try:
        date.fromisoformat(text[:10])
    except ValueError:
        return False
    return True


def _from_json_text(text: str) -> Any:
    if text.lstrip()[:1] not in ("[", "{"):
        return text
    try:
        parsed = json.loads(text)
    except ValueError:
        return text
    return parsed if isinstance(parsed, (list, dict)) else text


def _exact_int(number: int) -> int:
    if abs(number) > MAX_EXACT_INT:
        raise Invalid("beyond ±2**53, SeaTable's numbers (IEEE-754 doubles) are not exact")
    return number


def _raw_json(value: Any) -> Any:
    # Column types this codec does not model pass through when already JSON-shaped.
    if isinstance(value, (str, bool, int, float, list, dict)) and not (
        isinstance(value, float) and not math.isfinite(value)
    ):
        return value
    raise Invalid("this column type takes raw JSON values (str, number, bool, list, dict)")
