"""SeaTable's SQL functions (its formula language), registered on each base's SQLite database.

SeaTable SQL knows its own function names (``mid``, ``concatenate``, ``dateAdd`` ...) and not
MySQL's or SQLite's (``SUBSTR``, ``CONCAT``, ``IFNULL`` ... answer 400). Sources: developer docs
``sql/functions.md`` and ``seatable/openapi`` ``tests/test_sql_functions.py`` (6.x), which
checks each documented function and a list of refused MySQL ones. Functions are registered
as ``st_<name>`` and the translator renames calls, so SeaTable names never clash with
SQLite's built-ins or keywords (``left``, ``and``, ``replace``, ``date`` ...).
"""

from __future__ import annotations

import calendar
import json
import math
import sqlite3
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Any

from .._state.dates import Zone, parse_input

#: Aggregates SQLite answers itself.
AGGREGATES = frozenset({"count", "sum", "min", "max", "avg"})
#: Functions whose result SeaTable shows as a JSON boolean.
BOOLEAN = frozenset(
    {"exact", "greater", "lessthan", "greatereq", "lessthaneq", "equal", "unequal", "and", "or"}
    | {"not", "xor", "has_any", "has_all", "has_none", "is_exactly"}
)
CONSTANTS = {"pi": math.pi, "e": math.e}


def _num(v: Any) -> float:
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            return 0.0
    return 0.0


def _int_if_whole(v: float) -> int | float:
    return int(v) if math.isfinite(v) and float(v).is_integer() else v


def _str(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return str(_int_if_whole(v))
    return str(v)


def _round(v: Any, digits: Any = 0, mode: str = "half") -> int | float:
    x, n = _num(v), int(_num(digits))
    factor = 10.0**n
    if mode == "down":
        r = math.floor(abs(x) * factor) / factor * (1 if x >= 0 else -1)
    elif mode == "up":
        r = math.ceil(abs(x) * factor) / factor * (1 if x >= 0 else -1)
    else:
        r = math.floor(abs(x) * factor + 0.5) / factor * (1 if x >= 0 else -1)
    return _int_if_whole(round(r, max(n, 0) + 1))


def _list(v: Any) -> list[Any]:
    if isinstance(v, str) and v.startswith("["):
        try:
            parsed = json.loads(v)
        except ValueError:
            return [v]
        return parsed if isinstance(parsed, list) else [parsed]
    return [] if v is None else [v]


def first(v: Any) -> Any:
    """A list cell's first element (SQL compares list columns on it), else the value."""
    if isinstance(v, str) and v.startswith("["):
        items = _list(v)
        if not items:
            return None
        head = items[0]
        return head.get("display_value") if isinstance(head, dict) else head
    return v


def _truthy(v: Any) -> bool:
    if isinstance(v, str):
        return v.lower() not in ("", "false", "0")
    return bool(v)


class DateFunctions:
    """Date functions in the server's zone; dates come back ISO with the zone offset."""

    def __init__(self, zone: Zone, clock: Callable[[], float]) -> None:
        self.zone = zone
        self.clock = clock

    def parse(self, v: Any) -> datetime | None:
        return parse_input(v, "YYYY-MM-DD", self.zone) if isinstance(v, str) else None

    def show(self, dt: datetime | date) -> str:
        if not isinstance(dt, datetime):
            dt = datetime(dt.year, dt.month, dt.day)
        return self.zone.aware(dt).isoformat(timespec="seconds")

    def part(self, attr: str) -> Callable[[Any], Any]:
        def get(v: Any) -> Any:
            dt = self.parse(v)
            return None if dt is None else getattr(dt, attr)

        return get

    def now(self) -> str:
        return self.show(self.zone.local(datetime.fromtimestamp(self.clock(), tz=timezone.utc)))

    def today(self) -> str:
        return self.show(
            self.zone.local(datetime.fromtimestamp(self.clock(), tz=timezone.utc)).date()
        )

    def date_add(self, v: Any, count: Any, unit: Any = "days") -> str | None:
        dt = self.parse(v)
        if dt is None:
            return None
        n, u = int(_num(count)), str(unit).lower().rstrip("s")
        if u in ("month", "year", "quarter"):
            months = n * {"month": 1, "quarter": 3, "year": 12}[u]
            y, m = divmod(dt.month - 1 + months, 12)
            year, month = dt.year + y, m + 1
            day = min(dt.day, calendar.monthrange(year, month)[1])
            return self.show(dt.replace(year=year, month=month, day=day))
        seconds = {"day": 86400, "week": 604800, "hour": 3600, "minute": 60, "second": 1}
        return self.show(dt + timedelta(seconds=n * seconds.get(u, 86400)))

    def date_dif(self, a: Any, b: Any, unit: Any = "D") -> int | None:
        x, y = self.parse(a), self.parse(b)
        if x is None or y is None:
            return None
        u = str(unit).upper()
        months = (y.year - x.year) * 12 + (y.month - x.month) - (1 if y.day < x.day else 0)
        if u == "Y":
            return months // 12
        if u == "M":
            return months
        return (y.date() - x.date()).days

    def eomonth(self, v: Any, months: Any) -> str | None:
        dt = self.parse(v)
        if dt is None:
            return None
        y, m = divmod(dt.month - 1 + int(_num(months)), 12)
        year, month = dt.year + y, m + 1
        return self.show(date(year, month, calendar.monthrange(year, month)[1]))

    def weeknum(self, v: Any, return_type: Any = 1) -> int | None:
        dt = self.parse(v)
        if dt is None:
            return None
        if int(_num(return_type)) == 21:
            return dt.isocalendar()[1]
        jan1 = date(dt.year, 1, 1)
        start = (jan1.weekday() + 1) % 7  # weeks start on Sunday
        return (dt.timetuple().tm_yday + start - 1) // 7 + 1

    def register(self, fn: Callable[[str, int, Callable[..., Any]], None]) -> None:
        for name, attr in (("year", "year"), ("month", "month"), ("day", "day")):
            fn(name, 1, self.part(attr))
        for name, attr in (("hour", "hour"), ("minute", "minute"), ("second", "second")):
            fn(name, 1, self.part(attr))
        fn("now", 0, self.now)
        fn("today", 0, self.today)
        fn("date", 3, lambda y, m, d: self.show(date(int(_num(y)), int(_num(m)), int(_num(d)))))
        fn("dateadd", -1, self.date_add)
        fn("datedif", -1, self.date_dif)
        fn("eomonth", 2, self.eomonth)
        fn("weeknum", -1, self.weeknum)
        fn("weekday", -1, lambda v, *_: (d.isoweekday() % 7 + 1) if (d := self.parse(v)) else None)
        fn("quarter", 1, lambda v: (d.month - 1) // 3 + 1 if (d := self.parse(v)) else None)
        fn("isodate", 1, lambda v: d.strftime("%Y-%m-%d") if (d := self.parse(v)) else None)
        fn("isomonth", 1, lambda v: d.strftime("%Y-%m") if (d := self.parse(v)) else None)
        fn("months", 2, lambda a, b: self.date_dif(a, b, "M"))
        fn("startofweek", -1, self.start_of_week)

    def start_of_week(self, v: Any, weekstart: Any = "sunday") -> str | None:
        dt = self.parse(v)
        if dt is None:
            return None
        monday = str(weekstart).lower().startswith("mon")
        back = dt.weekday() if monday else (dt.weekday() + 1) % 7
        return self.show((dt - timedelta(days=back)).date())


def _ifs(*args: Any) -> Any:
    for cond, value in zip(args[::2], args[1::2], strict=False):
        if _truthy(cond):
            return value
    return None


def _switch(expr: Any, *args: Any) -> Any:
    pairs, default = (args[:-1], args[-1]) if len(args) % 2 else (args, None)
    for case, value in zip(pairs[::2], pairs[1::2], strict=True):
        if case == expr:
            return value
    return default


def _find(needle: Any, hay: Any, start: Any = 1, *, fold: bool = False) -> int:
    n, h = _str(needle), _str(hay)
    if fold:
        n, h = n.lower(), h.lower()
    return h.find(n, max(int(_num(start)) - 1, 0)) + 1


SIMPLE: dict[str, tuple[int, Callable[..., Any]]] = {
    "concatenate": (-1, lambda *a: "".join(_str(x) for x in a)),
    "exact": (2, lambda a, b: _str(a) == _str(b)),
    "find": (-1, lambda n, h, s=1: _find(n, h, s)),
    "search": (-1, lambda n, h, s=1: _find(n, h, s, fold=True)),
    "left": (2, lambda s, n: _str(s)[: int(_num(n))]),
    "right": (2, lambda s, n: _str(s)[-int(_num(n)) :] if int(_num(n)) else ""),
    "mid": (3, lambda s, a, n: _str(s)[int(_num(a)) - 1 : int(_num(a)) - 1 + int(_num(n))]),
    "len": (1, lambda s: len(_str(s))),
    "lower": (1, lambda s: _str(s).lower()),
    "upper": (1, lambda s: _str(s).upper()),
    "trim": (1, lambda s: _str(s).strip()),
    "rept": (2, lambda s, n: _str(s) * int(_num(n))),
    "replace": (
        4,
        lambda s, a, n, new: (
            (t := _str(s))[: int(_num(a)) - 1] + _str(new) + t[int(_num(a)) - 1 + int(_num(n)) :]
        ),
    ),
    "substitute": (-1, lambda s, old, new, *_: _str(s).replace(_str(old), _str(new))),
    "t": (1, lambda s: s if isinstance(s, str) else ""),
    "value": (1, lambda s: _int_if_whole(_num(s))),
    "abs": (1, lambda x: _int_if_whole(abs(_num(x)))),
    "ceiling": (-1, lambda x, *_: math.ceil(_num(x))),
    "floor": (-1, lambda x, *_: math.floor(_num(x))),
    "int": (1, lambda x: math.floor(_num(x))),
    "even": (1, lambda x: (c := math.ceil(abs(_num(x)))) + c % 2),
    "odd": (1, lambda x: (c := math.ceil(abs(_num(x)))) + (1 - c % 2)),
    "exp": (1, lambda x: math.exp(_num(x))),
    "lg": (1, lambda x: _int_if_whole(math.log10(_num(x)))),
    "log": (-1, lambda x, b=10: math.log(_num(x), _num(b))),
    "mod": (2, lambda a, b: _int_if_whole(math.fmod(_num(a), _num(b)))),
    "power": (2, lambda a, b: _int_if_whole(_num(a) ** _num(b))),
    "round": (-1, lambda x, n=0: _round(x, n)),
    "rounddown": (-1, lambda x, n=0: _round(x, n, "down")),
    "roundup": (-1, lambda x, n=0: _round(x, n, "up")),
    "sign": (1, lambda x: (_num(x) > 0) - (_num(x) < 0)),
    "sqrt": (1, lambda x: _int_if_whole(math.sqrt(_num(x)))),
    "add": (2, lambda a, b: _int_if_whole(_num(a) + _num(b))),
    "subtract": (2, lambda a, b: _int_if_whole(_num(a) - _num(b))),
    "multiply": (2, lambda a, b: _int_if_whole(_num(a) * _num(b))),
    "divide": (2, lambda a, b: _int_if_whole(_num(a) / _num(b)) if _num(b) else None),
    "greater": (2, lambda a, b: _num(a) > _num(b)),
    "lessthan": (2, lambda a, b: _num(a) < _num(b)),
    "greatereq": (2, lambda a, b: _num(a) >= _num(b)),
    "lessthaneq": (2, lambda a, b: _num(a) <= _num(b)),
    "equal": (2, lambda a, b: a == b),
    "unequal": (2, lambda a, b: a != b),
    "if": (-1, lambda c, a, b=None: a if _truthy(c) else b),
    "ifs": (-1, _ifs),
    "switch": (-1, _switch),
    "and": (-1, lambda *a: all(_truthy(x) for x in a)),
    "or": (-1, lambda *a: any(_truthy(x) for x in a)),
    "not": (1, lambda a: not _truthy(a)),
    "xor": (-1, lambda *a: sum(_truthy(x) for x in a) % 2 == 1),
    "average": (-1, lambda *a: _int_if_whole(sum(map(_num, a)) / len(a)) if a else None),
    "counta": (-1, lambda *a: sum(1 for x in a if x not in (None, ""))),
    "countall": (-1, lambda *a: len(a)),
    "countblank": (-1, lambda *a: sum(1 for x in a if x in (None, ""))),
    "countitems": (1, lambda v: len(_list(v))),
    "country": (1, lambda v: (json.loads(v) if isinstance(v, str) else {}).get("country_region")),
    # list comparisons the translator uses for list columns (developer docs "List types")
    "first": (1, first),
    "has_any": (2, lambda v, want: bool(set(map(str, _list(v))) & set(map(str, json.loads(want))))),
    "has_all": (2, lambda v, want: set(map(str, json.loads(want))) <= set(map(str, _list(v)))),
    "has_none": (2, lambda v, want: not set(map(str, _list(v))) & set(map(str, json.loads(want)))),
    "is_exactly": (
        2,
        lambda v, want: sorted(map(str, _list(v))) == sorted(map(str, json.loads(want))),
    ),
}


def _ilike(pattern: Any, value: Any) -> bool | None:
    """ILIKE: LIKE without case (registered as ``glob``, which SeaTable SQL lacks)."""
    if pattern is None or value is None:
        return None
    import re

    regex = "".join(
        ".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in _str(pattern)
    )
    return re.fullmatch(regex, _str(value), re.IGNORECASE | re.DOTALL) is not None


def register(conn: sqlite3.Connection, zone: Zone, clock: Callable[[], float]) -> None:
    """Register every SeaTable function as ``st_<name>`` (and ILIKE as ``glob``)."""

    def fn(name: str, nargs: int, impl: Callable[..., Any]) -> None:
        conn.create_function(f"st_{name}", nargs, impl, deterministic=name not in ("now", "today"))

    for name, (nargs, impl) in SIMPLE.items():
        fn(name, nargs, impl)
    DateFunctions(zone, clock).register(fn)
    conn.create_function("glob", 2, _ilike, deterministic=True)


FUNCTIONS = frozenset(SIMPLE) | frozenset(
    {"year", "month", "day", "hour", "minute", "second", "now", "today", "date", "dateadd"}
    | {"datedif", "eomonth", "weeknum", "weekday", "quarter", "isodate", "isomonth", "months"}
    | {"startofweek"}
)
