"""Cell values per column type: what the server stores for a written value, and how it shows it.

Driven only by a column's type and ``data``, so row writes, SQL and (later) schema endpoints
share it. Sources: ``seatable/openapi`` ``tests/API_ISSUES.md`` (#1 checkbox, #2 select options,
#3 rating, #4/#7 auto-number and read-only columns, #5 dates), the 5.0/6.x ``test_listRows``,
``test_getRow``, ``test_querySQL``, ``test_updateRow`` and ``test_listColumns`` snapshots.
"""

from __future__ import annotations

import json
import math
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any

from . import dates
from .dates import Zone
from .records import Column

Writer = Callable[[Any], Any]
Shower = Callable[[Any], Any]

#: SQLite column declaration per type; every other type is stored as JSON text.
SQL_TYPES = {
    "text": "TEXT",
    "long-text": "TEXT",
    "email": "TEXT",
    "url": "TEXT",
    "single-select": "TEXT",
    "auto-number": "TEXT",
    "date": "TEXT COLLATE SEADATE",
    "number": "NUMERIC",
    "duration": "NUMERIC",
    "rate": "NUMERIC",
    "checkbox": "INTEGER",
}
#: Computed by the server: values written to them are ignored (ISSUES #7).
READ_ONLY = frozenset(
    {"formula", "link-formula", "creator", "last-modifier", "ctime", "mtime", "button", "link"}
)
#: Columns showing a row's system field.
SYSTEM_VIEW = {"creator": "_creator", "last-modifier": "_last_modifier"}
SYSTEM_VIEW.update({"ctime": "_ctime", "mtime": "_mtime"})
#: Columns whose value is a list (SQL compares on elements, developer docs "List types").
LIST_TYPES = frozenset({"multiple-select", "collaborator", "image", "file", "link"})
#: Colours of auto-created select options (background, text), cycled.
PALETTE = (
    ("#9860E5", "#FFFFFF"),
    ("#89D2EA", "#000000"),
    ("#59CB74", "#FFFFFF"),
    ("#FFDC4A", "#000000"),
    ("#FF8000", "#FFFFFF"),
    ("#E91E63", "#FFFFFF"),
    ("#4ECCCB", "#FFFFFF"),
    ("#C5A880", "#000000"),
)


def default_data(ctype: str) -> dict[str, Any] | None:
    """Column ``data`` the server fills in when a column is created without it (recorded in
    the 6.x ``test_listColumns`` / ``test_insertColumn`` snapshots)."""
    if ctype == "number":
        return {"format": "number", "decimal": "dot", "thousands": "no"}
    if ctype == "date":
        return {"format": "YYYY-MM-DD"}
    if ctype == "duration":
        return {"format": "duration", "duration_format": "h:mm"}
    if ctype in ("single-select", "multiple-select"):
        return {"options": []}
    if ctype == "rate":
        return {
            "rate_max_number": 5,
            "rate_style_color": "#FF8000",
            "rate_style_type": "dtable-icon-rate",
        }
    if ctype == "auto-number":
        return {"format": "0000", "digits": 4, "max_used_auto_number": 0}
    if ctype == "geolocation":
        return {"geo_format": "lng_lat"}
    return None


def to_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _number(v: Any) -> int | float | None:
    t = type(v)
    if t is int:
        return int(v)
    if t is float:
        return v if math.isfinite(v) else None
    if t is str:
        try:
            f = float(v.strip())
        except ValueError:
            return None
        if not math.isfinite(f):
            return None
        return int(f) if f.is_integer() and "." not in v and "e" not in v.lower() else f
    return None  # bool, lists, objects: not a number


def text(v: Any) -> Any:
    if v is None or type(v) is str:
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    return to_json(v)


_NONE = type(None)
#: Value types each writer stores unchanged: a column made only of them skips the writer.
_FAST: dict[Any, frozenset[type]] = {}


def write_column(values: list[Any], writer: Writer) -> list[Any]:
    """``writer`` applied to a column of written values (skipped when nothing changes)."""
    fast = _FAST.get(writer)
    if fast is not None:
        kinds = set(map(type, values))
        if kinds <= fast and (float not in kinds or all(map(math.isfinite, _floats(values)))):
            return values
    return list(map(writer, values))


def _floats(values: list[Any]) -> list[float]:
    return [v for v in values if type(v) is float]


def _checkbox(v: Any) -> int | None:
    # Only the JSON boolean true is true; 1, "true" ... are stored false (ISSUES #1).
    if v is None:
        return None
    return 1 if v is True else 0


def _duration(v: Any, fmt: str) -> int | float | None:
    if isinstance(v, str) and ":" in v:
        parts = v.strip().split(":")
        try:
            nums = [float(p) for p in parts]
        except ValueError:
            return None
        if len(nums) == 2:  # h:mm, or m:ss when the column shows seconds only as m:ss
            total = nums[0] * 3600 + nums[1] * 60 if fmt != "m:ss" else nums[0] * 60 + nums[1]
        elif len(nums) == 3:
            total = nums[0] * 3600 + nums[1] * 60 + nums[2]
        else:
            return None
        return int(total) if float(total).is_integer() else total
    return _number(v)


def auto_number(data: dict[str, Any], n: int, today: datetime) -> str:
    """The n-th auto number: ``0001``, ``row-0001`` (string prefix, recorded) or
    ``20240605-0001`` (date prefix; the separator and date layout are inferred)."""
    digits = data.get("digits") or len(str(data.get("format") or "")) or 4
    number = str(n).zfill(int(digits))
    if data.get("prefix_type") == "string" and data.get("prefix"):
        return f"{data['prefix']}-{number}"
    if data.get("prefix_type") == "date":
        return f"{today:%Y%m%d}-{number}"
    return number


class CellCodec:
    """Writers (written value → SQLite value) and shows (stored value → answer) per column.

    ``on_schema_change`` is called when a write changes a column's ``data`` (new options)."""

    def __init__(self, zone: Zone, on_schema_change: Callable[[], None] | None = None) -> None:
        self.zone = zone
        self._on_schema_change = on_schema_change

    # ---- write ---------------------------------------------------------------------------
    def writer(self, col: Column) -> Writer | None:
        """The normaliser for ``col``; None when writes to it are ignored."""
        ctype = col.type
        data = col.data or {}
        if ctype in READ_ONLY:
            return None
        if ctype in ("text", "long-text", "email", "url"):
            return text
        if ctype in ("number", "rate"):
            return _number
        if ctype == "duration":
            fmt = str(data.get("duration_format") or "h:mm")
            return lambda v: _duration(v, fmt)
        if ctype == "checkbox":
            return _checkbox
        if ctype == "date":
            fmt = str(data.get("format") or "YYYY-MM-DD")
            zone = self.zone
            return lambda v: dates.normalize(v, fmt, zone)
        if ctype == "auto-number":
            return lambda v: None if v is None or v == "" else text(v)  # overwritable (#4)
        if ctype == "single-select":
            option = self._options(col)
            return lambda v: option(v) if v is not None else None
        if ctype == "multiple-select":
            option = self._options(col)

            def many(v: Any) -> str | None:
                if v is None:
                    return None
                items = v if isinstance(v, list) else [v]
                names = [option(x) for x in items]
                return to_json([n for n in names if n is not None])

            return many
        if ctype in ("collaborator", "image"):
            return lambda v: None if v is None else to_json(v if isinstance(v, list) else [v])
        return lambda v: None if v is None else to_json(v)

    def _options(self, col: Column) -> Callable[[Any], str | None]:
        """Maps a written option name to the stored name, creating unknown options in the
        column's ``data.options`` with an id and colours (ISSUES #2)."""
        known: dict[str, dict[str, Any]] = {}

        def option(value: Any) -> str | None:
            if isinstance(value, bool) or not isinstance(value, (str, int, float)):
                return None
            name = str(text(value))
            if not name:
                return None
            data = col.data if col.data is not None else {}
            options = data.setdefault("options", [])
            if len(known) != len(options):
                known.clear()
                known.update({str(o.get("name")): o for o in options if isinstance(o, dict)})
            if name not in known:
                ids = {str(o.get("id")) for o in options if isinstance(o, dict)}
                oid = ""
                while not oid or oid in ids:
                    oid = str(100000 + secrets.randbelow(900000))
                color, text_color = PALETTE[len(options) % len(PALETTE)]
                new = {"name": name, "id": oid, "color": color, "textColor": text_color}
                options.append(new)
                known[name] = new
                col.data = data
                if self._on_schema_change is not None:
                    self._on_schema_change()
            return name

        return option

    # ---- read ----------------------------------------------------------------------------
    @staticmethod
    def loader(col: Column) -> Callable[[Any], Any] | None:
        """SQLite value → stored Python value (None: use as is)."""
        if col.type == "checkbox":
            return lambda v: None if v is None else bool(v)
        if col.type in SQL_TYPES:
            return None
        return lambda v: json.loads(v) if isinstance(v, str) else v

    def shower(self, col: Column) -> Shower | None:
        """Stored value → what the gateway and SQL answer (None: as stored)."""
        if col.type == "date":
            zone = self.zone
            return lambda v: dates.render(v, zone)
        if col.type in ("formula", "link-formula", "button"):
            return lambda v: None  # formulas are not evaluated (see docs/reference/emulator.md)
        return None


_FAST[text] = frozenset({str, _NONE})
_FAST[_number] = frozenset({int, float, _NONE})
