"""ISO parsing, the zone rule across DST, and duration text."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import pytest

from seatable_async.cells._common import Invalid
from seatable_async.cells._dates import datetime_to_wire, duration_seconds, parse_iso

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2030-06-20", date(2030, 6, 20)),
        ("2030-06-20 23:55", datetime(2030, 6, 20, 23, 55)),
        ("2030-06-20T23:55:07", datetime(2030, 6, 20, 23, 55, 7)),
        ("2021-03-10T16:06:48.981+00:00",
         datetime(2021, 3, 10, 16, 6, 48, 981000, tzinfo=timezone.utc)),
        ("2021-03-10T16:06:48.5Z", datetime(2021, 3, 10, 16, 6, 48, 500000, tzinfo=timezone.utc)),
        ("2021-03-10T16:06:48.123456789-0530",
         datetime(2021, 3, 10, 16, 6, 48, 123456,
                  tzinfo=timezone(-timedelta(hours=5, minutes=30)))),
        (" 2030-06-20T00:00:00+02 ", datetime(2030, 6, 20, tzinfo=timezone(timedelta(hours=2)))),
    ],
)  # fmt: skip
def test_parse_iso(text: str, expected: date) -> None:
    assert parse_iso(text) == expected
    assert type(parse_iso(text)) is type(expected)


@pytest.mark.parametrize(
    "text", ["2030/06/20", "20.06.2030", "2030-13-01", "2030-06-20T25:00", "2030-06-20+25:00", ""]
)
def test_parse_iso_refuses(text: str) -> None:
    with pytest.raises(Invalid):
        parse_iso(text)


def test_zone_rule_follows_dst() -> None:
    """The same UTC hour is 14:00 in Berlin summer and 13:00 in winter."""
    summer = datetime(2030, 6, 20, 12, 0, tzinfo=timezone.utc)
    winter = datetime(2030, 12, 20, 12, 0, tzinfo=timezone.utc)
    opts = {"has_time": True, "has_seconds": False, "server_tz": BERLIN, "truncate": False}
    assert datetime_to_wire(summer, **opts) == "2030-06-20 14:00"
    assert datetime_to_wire(winter, **opts) == "2030-12-20 13:00"


def test_seconds_columns() -> None:
    opts = {"has_time": True, "has_seconds": True, "server_tz": None}
    assert datetime_to_wire(datetime(2030, 1, 1, 1, 2, 3), truncate=False, **opts) == (
        "2030-01-01 01:02:03"
    )
    with pytest.raises(Invalid, match="microseconds"):
        datetime_to_wire(datetime(2030, 1, 1, 1, 2, 3, 4), truncate=False, **opts)


def test_naive_datetime_with_tzinfo_returning_none_counts_as_naive() -> None:
    class Floating(tzinfo):
        def utcoffset(self, dt: datetime | None) -> None:
            return None

    value = datetime(2030, 1, 1, 8, 0, tzinfo=Floating())
    opts = {"has_time": True, "has_seconds": False, "server_tz": None, "truncate": False}
    assert datetime_to_wire(value, **opts) == "2030-01-01 08:00"


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("5400", 5400), ("-60", -60), ("1:30", 5400), ("1:30:30", 5430), ("-0:01", -60),
     (timedelta(days=1, seconds=5), 86405), (timedelta(seconds=-5), -5)],
)  # fmt: skip
def test_durations(value: str | timedelta, seconds: int) -> None:
    assert duration_seconds(value, truncate=False) == seconds


@pytest.mark.parametrize("text", ["1:60", "1h", "1.5", ""])
def test_duration_text_refused(text: str) -> None:
    with pytest.raises(Invalid):
        duration_seconds(text, truncate=False)
