"""Dates, date-times and durations: parsing, the zone rule and SeaTable's wire forms."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone, tzinfo

from seatable_async.cells._common import Invalid

__all__ = [
    "datetime_to_wire",
    "duration_seconds",
    "parse_iso",
    "parse_wire_datetime",
]

# ISO 8601 as SeaTable writes it (gateway: ``2030-06-20T23:55:00+02:00``, ctime with
# milliseconds, old dtable-server: ``2030-06-20 23:55``) and as users write it. Python 3.10's
# ``fromisoformat`` rejects several of these (``Z``, one-digit fractions), hence the pattern.
_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?"
    r"\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?"
)
_CLOCK = re.compile(r"(-?)(\d+):([0-5]\d)(?::([0-5]\d))?")


def parse_iso(text: str) -> date | datetime:
    """``YYYY-MM-DD`` → `date`; with a time → `datetime` (aware when an offset is given).

    Raises:
        Invalid: not ISO 8601, or not a real calendar date/time.
    """
    m = _ISO.fullmatch(text.strip())
    if m is None:
        raise Invalid("not an ISO 8601 date (YYYY-MM-DD[ HH:MM[:SS]][±HH:MM])")
    y, mo, d, h, mi, s, frac, off = m.groups()
    try:
        if h is None:
            return date(int(y), int(mo), int(d))
        micro = int((frac or "0")[:6].ljust(6, "0"))
        return datetime(
            int(y), int(mo), int(d), int(h), int(mi), int(s or 0), micro, tzinfo=_offset(off)
        )
    except ValueError as exc:
        raise Invalid(f"not a valid date: {exc}") from None


def _offset(text: str | None) -> tzinfo | None:
    if text is None:
        return None
    if text == "Z":
        return timezone.utc
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        raise ValueError(f"bad UTC offset {text!r}")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def parse_wire_datetime(text: str) -> datetime:
    """A date-time string from the server (with or without offset) → `datetime`.

    Raises:
        Invalid: not ISO 8601.
    """
    try:
        return datetime.fromisoformat(text)  # fast path: C parser, covers the gateway's form
    except ValueError:
        pass
    value = parse_iso(text)
    if isinstance(value, datetime):
        return value
    return datetime(value.year, value.month, value.day)


def datetime_to_wire(
    value: date, *, has_time: bool, has_seconds: bool, server_tz: tzinfo | None, truncate: bool
) -> str:
    """Apply the zone rule and format a date or date-time for a date column.

    A `date` is ``YYYY-MM-DD``. A naive `datetime` is the server's wall clock, sent as is.
    An aware one is converted to ``server_tz`` first, and refused without it. Date columns
    hold minutes (or seconds when the format shows them) and date-only columns hold days:
    finer parts are refused unless ``truncate``.

    Raises:
        Invalid: aware without ``server_tz``, or precision would be lost without ``truncate``.
    """
    if not isinstance(value, datetime):
        return value.isoformat()
    if value.tzinfo is not None and value.utcoffset() is not None:
        if server_tz is None:
            raise Invalid(
                "an aware datetime needs server_tz= (the SeaTable server's time zone) to be "
                "converted to the server's wall clock; pass server_tz or a naive datetime"
            )
        value = value.astimezone(server_tz)
    if not has_time:
        if value.time() != datetime.min.time() and not truncate:
            raise Invalid("the column holds dates only and the time is not midnight")
        return value.date().isoformat()
    if not has_seconds and (value.second or value.microsecond) and not truncate:
        raise Invalid("the column is accurate to the minute; seconds would be lost")
    if value.microsecond and has_seconds and not truncate:
        raise Invalid("the column is accurate to the second; microseconds would be lost")
    # Formatted by hand: strftime pads years below 1000 differently per platform.
    text = f"{value.date().isoformat()} {value.hour:02d}:{value.minute:02d}"
    return f"{text}:{value.second:02d}" if has_seconds else text


def duration_seconds(value: timedelta | str, *, truncate: bool) -> int:
    """A duration as whole seconds, SeaTable's wire form.

    Accepts a `timedelta` or a string of seconds (``"5400"``), ``H:MM`` or ``H:MM:SS``.

    Raises:
        Invalid: unparseable text, or a fraction of a second without ``truncate``.
    """
    if isinstance(value, timedelta):
        if value.microseconds and not truncate:
            raise Invalid("durations are whole seconds; the fraction would be lost")
        return value.days * 86400 + value.seconds
    text = value.strip()
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    m = _CLOCK.fullmatch(text)
    if m is None:
        raise Invalid("not a duration (seconds, H:MM or H:MM:SS)")
    sign, hours, minutes, seconds = m.groups()
    total = int(hours) * 3600 + int(minutes) * 60 + int(seconds or 0)
    return -total if sign else total
