"""Dates as SeaTable stores and shows them, in the emulated server's time zone.

A date cell is stored as local wall time of the server, ``"2030-06-20"`` or
``"2030-06-20 23:55"`` (what the legacy dtable-server returns), and shown on the gateway and in
SQL as ISO 8601 with the zone's offset for that day, ``"2030-06-20T00:00:00+02:00"``
(recorded: the same rows read through both routes, 5.0 and 6.x ``test_listRows`` snapshots).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone, tzinfo
from functools import lru_cache

_OFFSET = re.compile(r"^(?:UTC)?([+-])(\d{1,2}):?(\d{2})$")
_YMD = re.compile(
    r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"
    r"(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6})\d*)?)?)?\s*(Z|z|[+-]\d{2}:?\d{2})?$"
)
_XYZ = re.compile(r"^(\d{1,2})([-/.])(\d{1,2})\2(\d{4})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


class Zone:
    """The emulated server's time zone: a fixed offset (``"+02:00"``) or an IANA name
    (``"Europe/Berlin"``: the offset then follows daylight saving time, as recorded — June rows
    come back ``+02:00``, December rows ``+01:00``)."""

    def __init__(self, spec: str = "+00:00") -> None:
        self.spec = spec
        self.tzinfo = _zone(spec)

    def local(self, dt: datetime) -> datetime:
        """An aware datetime converted to naive local wall time."""
        return dt.astimezone(self.tzinfo).replace(tzinfo=None)

    def aware(self, naive: datetime) -> datetime:
        return naive.replace(tzinfo=self.tzinfo)

    def iso_seconds(self, ts: float) -> str:
        """Unix seconds as ``2021-03-02T09:47:41+02:00`` (dtable-web timestamps)."""
        return datetime.fromtimestamp(ts, tz=self.tzinfo).isoformat(timespec="seconds")


def _zone(spec: str) -> tzinfo:
    if spec.upper() in ("UTC", "Z", "GMT"):
        return timezone.utc
    m = _OFFSET.match(spec.strip())
    if m is not None:
        sign, hours, minutes = m.groups()
        delta = timedelta(hours=int(hours), minutes=int(minutes))
        if delta >= timedelta(hours=24):
            raise ValueError(f"timezone offset out of range: {spec!r}")
        return timezone(-delta if sign == "-" else delta)
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(spec)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown timezone {spec!r} (use '+02:00' or an IANA name)") from None


def _offset(text: str) -> timezone:
    if text in ("Z", "z"):
        return timezone.utc
    sign, digits = text[0], text[1:].replace(":", "")
    delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return timezone(-delta if sign == "-" else delta)


def parse_input(value: str, fmt: str, zone: Zone) -> datetime | None:
    """A written date string as naive local wall time, or None when it is not a date.

    Accepts ISO/RFC 3339 (with ``T`` or space, ``/`` or ``.`` as separators, an offset or
    ``Z``) and ``a/b/YYYY`` or ``d.m.YYYY``; in ``a/b/YYYY`` the day comes first when the
    column's format does (``DD/MM/YYYY``), else the month (recorded: ``"05/06/2024"`` in a
    ``DD/MM/YYYY`` column and ``"6/5/2024"`` in an ``M/D/YYYY`` column both store June 5)."""
    text = value.strip()
    m = _YMD.match(text)
    try:
        if m is not None:
            y, mo, d, hh, mi, ss, _, off = m.groups()
            dt = datetime(int(y), int(mo), int(d), int(hh or 0), int(mi or 0), int(ss or 0))
            if off:
                dt = zone.local(dt.replace(tzinfo=_offset(off)))
            return dt
        m = _XYZ.match(text)
        if m is None:
            return None
        a, sep, b, y, hh, mi, ss = m.groups()
        day_first = sep == "." or fmt.upper().startswith("D")
        day, month = (a, b) if day_first else (b, a)
        return datetime(int(y), int(month), int(day), int(hh or 0), int(mi or 0), int(ss or 0))
    except ValueError:  # month 13, February 30, hour 25 ...
        return None


def store_form(dt: datetime, fmt: str) -> str:
    """The stored text for a column format: date only, or with minutes (and seconds)."""
    if "ss" in fmt:
        return dt.strftime("%Y-%m-%d %H:%M:%S")
    if "HH" in fmt or "hh" in fmt:
        return dt.strftime("%Y-%m-%d %H:%M")
    return dt.strftime("%Y-%m-%d")


def normalize(value: object, fmt: str, zone: Zone) -> str | None:
    """What a date column stores for a written value (None when unparseable)."""
    if not isinstance(value, str):
        return None
    dt = parse_input(value, fmt, zone)
    return None if dt is None else store_form(dt, fmt)


@lru_cache(maxsize=4096)
def _render(stored: str, tz: tzinfo) -> str | None:
    try:
        naive = datetime.fromisoformat(stored)
    except ValueError:
        return None
    if naive.tzinfo is not None:
        return stored
    return naive.replace(tzinfo=tz).isoformat(timespec="seconds")


def render(stored: object, zone: Zone) -> str | None:
    """A stored date as the gateway and SQL show it: ``2030-06-20T00:00:00+02:00``."""
    if not isinstance(stored, str):
        return None
    return _render(stored, zone.tzinfo)


@lru_cache(maxsize=8192)
def _instant(text: str, tz: tzinfo) -> float | None:
    m = _YMD.match(text.strip())
    if m is None:
        return None
    y, mo, d, hh, mi, ss, frac, off = m.groups()
    try:
        dt = datetime(int(y), int(mo), int(d), int(hh or 0), int(mi or 0), int(ss or 0))
    except ValueError:
        return None
    if frac:
        dt = dt.replace(microsecond=int(frac.ljust(6, "0")))
    return dt.replace(tzinfo=_offset(off) if off else tz).timestamp()


def collation(zone: Zone) -> object:
    """An SQLite collation ordering date texts by instant (``"2030-06-20"`` equals
    ``"2030-06-20T00:00:00+02:00"`` in a +02:00 zone); other texts sort after dates."""
    tz = zone.tzinfo

    def compare(a: str, b: str) -> int:
        x, y = _instant(a, tz), _instant(b, tz)
        if x is not None and y is not None:
            return (x > y) - (x < y)
        if x is not None:
            return -1
        if y is not None:
            return 1
        return (a > b) - (a < b)

    return compare
