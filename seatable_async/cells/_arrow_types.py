"""SeaTable column type → Arrow type, and the value adapters that fill it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING, Any

from seatable_async.cells._column_types import LIST_VALUED_TYPES, TEXT_TYPES, ColumnType
from seatable_async.cells._common import is_integer, is_real
from seatable_async.cells._deps import require
from seatable_async.cells._spec import ColumnLike, ColumnSpec, column_spec
from seatable_async.errors import ConfigurationError

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["DEFAULT_SYSTEM_FIELDS", "arrow_field", "arrow_schema", "arrow_type"]

#: System fields a frame carries unless told otherwise.
DEFAULT_SYSTEM_FIELDS = ("_id", "_ctime", "_mtime")

Adapter = Callable[[Any], Any]

# Types whose Arrow column is a string, and those that are a list of strings (files are
# lists of objects: they stay JSON text).
_STRING_TYPES: frozenset[ColumnType] = TEXT_TYPES | {
    "single-select", "creator", "last-modifier", "auto-number", "department-single-select",
    "button",
}  # fmt: skip
_LIST_TYPES: frozenset[ColumnType] = LIST_VALUED_TYPES - {"file"}
_SYSTEM_TYPES = {
    "_id": "text",
    "_ctime": "ctime",
    "_mtime": "mtime",
    "_creator": "creator",
    "_last_modifier": "last-modifier",
    "_locked_by": "text",
    "_archived": "checkbox",
    "_locked": "checkbox",
}


def _tz_name(server_tz: tzinfo | None) -> str:
    key = getattr(server_tz, "key", None)  # zoneinfo.ZoneInfo
    if isinstance(key, str):
        return key
    offset = server_tz.utcoffset(None) if server_tz is not None else None
    if offset is None or offset == timedelta(0):
        return "UTC"
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def arrow_type(column: ColumnLike | Mapping[str, Any], *, server_tz: tzinfo | None = None) -> Any:
    """The `pyarrow.DataType` a column's decoded values fill.

    Numbers are float64 (what SeaTable stores), date-only columns date32, date-times and
    ctime/mtime ``timestamp("us", tz)`` with ``tz`` = ``server_tz``'s name (UTC without it),
    durations ``duration("s")``, multiple-select/collaborator/link/image ``list<string>``,
    files ``list<struct<name, size, type, url>>``, lat/lng geolocations ``struct<lat, lng>``,
    country/region ones ``struct<country_region>``;
    formulas float64/bool when their ``result_type`` says so; everything else string (JSON
    text for lists and objects).

    Raises:
        ConfigurationError: pyarrow is not installed.
    """
    return _resolve(column_spec(column), server_tz)[0]


def arrow_field(column: ColumnLike | Mapping[str, Any], *, server_tz: tzinfo | None = None) -> Any:
    """A nullable `pyarrow.Field` named after the column; see `arrow_type`."""
    pa = require("pyarrow")
    spec = column_spec(column)
    return pa.field(spec.name, _resolve(spec, server_tz)[0], nullable=True)


def arrow_schema(
    columns: Iterable[ColumnLike | Mapping[str, Any]],
    *,
    system_fields: Sequence[str] = DEFAULT_SYSTEM_FIELDS,
    server_tz: tzinfo | None = None,
) -> Any:
    """The `pyarrow.Schema` of a table: ``system_fields`` first, then the columns in order.

    Raises:
        ConfigurationError: pyarrow is missing, or a system field is unknown.
    """
    return plan(columns, system_fields=system_fields, server_tz=server_tz)[0]


def plan(
    columns: Iterable[ColumnLike | Mapping[str, Any]],
    *,
    system_fields: Sequence[str],
    server_tz: tzinfo | None,
) -> tuple[Any, list[Adapter]]:
    """The schema and, per field, the adapter turning a decoded value into an Arrow input."""
    pa = require("pyarrow")
    specs = [system_spec(f) for f in system_fields] + [column_spec(c) for c in columns]
    fields, adapters = [], []
    for spec in specs:
        type_, adapter = _resolve(spec, server_tz)
        fields.append(pa.field(spec.name, type_, nullable=True))
        adapters.append(adapter)
    return pa.schema(fields), adapters


def system_spec(name: str) -> ColumnSpec:
    """The column spec a system field is typed as."""
    if name not in _SYSTEM_TYPES:
        raise ConfigurationError(f"unknown system field {name!r}; known: {sorted(_SYSTEM_TYPES)}")
    return ColumnSpec(name=name, type=_SYSTEM_TYPES[name])


def _resolve(spec: ColumnSpec, server_tz: tzinfo | None) -> tuple[pa.DataType, Adapter]:
    pa = require("pyarrow")
    stamp = pa.timestamp("us", tz=_tz_name(server_tz))
    utc = server_tz or timezone.utc
    t = spec.type
    if t == "number" or (t in ("formula", "link-formula") and spec.get("result_type") == "number"):
        return pa.float64(), _float
    if t == "checkbox" or (t == "formula" and spec.get("result_type") == "bool"):
        return pa.bool_(), _bool
    if t == "rate":
        return pa.int64(), _int
    if t == "duration":
        return pa.duration("s"), _duration
    if t == "date" and not spec.has_time:
        return pa.date32(), _date
    if t in ("date", "ctime", "mtime"):
        return stamp, lambda v: _timestamp(v, utc)
    if t in _LIST_TYPES:
        return pa.list_(pa.string()), _strings
    if t == "file":
        entry = pa.struct([("name", pa.string()), ("size", pa.int64()),
                           ("type", pa.string()), ("url", pa.string())])  # fmt: skip
        return pa.list_(entry), _list
    if t == "geolocation" and spec.get("geo_format") in (None, "lng_lat"):
        return pa.struct([("lat", pa.float64()), ("lng", pa.float64())]), _mapping
    if t == "geolocation" and spec.get("geo_format") == "country_region":
        return pa.struct([("country_region", pa.string())]), _mapping
    if t == "digital-sign":
        sign = pa.struct([("username", pa.string()), ("sign_image_url", pa.string()),
                          ("sign_time", stamp)])  # fmt: skip
        return sign, lambda v: _signature(v, utc)
    return pa.string(), _text


def _float(value: Any) -> float | None:
    # Formula errors such as "#VALUE!" in a number formula become nulls.
    return float(value) if is_real(value) else None


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _int(value: Any) -> int | None:
    return int(value) if is_integer(value) else None


def _duration(value: Any) -> timedelta | None:
    if isinstance(value, timedelta):
        return timedelta(seconds=int(value.total_seconds()))
    return timedelta(seconds=int(value)) if is_real(value) else None


def _date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def _timestamp(value: Any, zone: tzinfo) -> datetime | None:
    if not isinstance(value, datetime):
        if isinstance(value, date):
            return datetime(value.year, value.month, value.day, tzinfo=zone)
        return None
    # Arrow reads naive datetimes as UTC; a naive SeaTable date-time is the server's wall clock.
    return value if value.tzinfo is not None else value.replace(tzinfo=zone)


def _strings(value: Any) -> list[str | None] | None:
    if not isinstance(value, list):
        return None
    return [v if isinstance(v, str) else _text(v) for v in value]


def _list(value: Any) -> list[Any] | None:
    return value if isinstance(value, list) else None


def _mapping(value: Any) -> Mapping[str, Any] | None:
    return value if isinstance(value, Mapping) else None


def _signature(value: Any, zone: tzinfo) -> dict[str, Any] | None:
    if not isinstance(value, Mapping):
        return None
    return {**value, "sign_time": _timestamp(value.get("sign_time"), zone)}


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (bool, int, float, list, dict)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)
