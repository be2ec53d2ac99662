"""Invalid values raise CellValueError naming the row, the column and the value, before
anything is sent; the silent server behaviours of seatable/openapi ``tests/API_ISSUES.md``
(6.0.10) are refused up front."""

from __future__ import annotations

import warnings
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import seatable_async.errors as errors
from seatable_async.cells import CellValueError, ReadOnlyColumnWarning, RowEncoder, encode_cell
from tests.cells.columns import ALICE, COLUMNS, USERS, column

BERLIN = ZoneInfo("Europe/Berlin")


def fails(row: dict[str, Any], index: int = 41, **options: Any) -> CellValueError:
    with pytest.raises(CellValueError) as info:
        RowEncoder(COLUMNS, **options).row(row, index=index)
    return info.value


def test_error_is_a_configuration_error_with_row_column_value() -> None:
    err = fails({"Title": "ok", "Price": "notanumber"})
    assert isinstance(err, errors.ConfigurationError)
    assert isinstance(err, ValueError)
    assert (err.row, err.column, err.value_repr) == (41, "Price", "'notanumber'")
    assert str(err).startswith("row 41, column 'Price': not a number")
    assert "'notanumber'" in str(err)


def test_value_repr_is_truncated() -> None:
    err = fails({"Price": "x" * 500})
    assert len(err.value_repr) <= 60
    assert err.value_repr.endswith("…")
    assert len(str(err)) < 300


def test_hostile_repr_does_not_mask_the_error() -> None:
    class Evil:
        def __repr__(self) -> str:
            raise RuntimeError("boom")

    err = fails({"Price": Evil()})
    assert err.value_repr == "<Evil>"


def test_rows_report_the_index_of_the_bad_row() -> None:
    rows = [{"Price": 1}, {"Price": 2}, {"Price": "two"}, {"Price": 4}]
    with pytest.raises(CellValueError) as info:
        RowEncoder(COLUMNS).rows(rows, start=1000)
    assert info.value.row == 1002


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("Price", float("nan"), "NaN"),
        ("Price", float("inf"), "NaN and infinity"),
        ("Price", Decimal("NaN"), "NaN"),
        ("Price", True, "takes an int"),
        ("Price", 2**53 + 1, "2**53"),
        ("Price", Decimal("0.1000000000000000000001"), "more digits"),
        ("Price", [1], "takes an int"),
        ("Title", 5, "takes a str"),
        ("Done", 1, "stores 1 as false"),
        ("Done", "yes", "True or False"),
        ("Day", "13/31/2025", "ISO 8601"),
        ("Day", "2025-02-30", "not a valid date"),
        ("Day", datetime(2030, 6, 20, 10, 30), "dates only"),
        ("When", datetime(2030, 6, 20, 10, 30, 15), "accurate to the minute"),
        ("When", datetime(2030, 6, 20, 10, 30, tzinfo=timezone.utc), "server_tz"),
        ("When", 1718900000, "date, datetime or ISO"),
        ("Spent", timedelta(seconds=1.5), "whole seconds"),
        ("Spent", "an hour", "H:MM"),
        ("Stars", 8, "0 to 7"),
        ("Stars", -1, "0 to 7"),
        ("Stars", 2.5, "whole number"),
        ("Owners", "carol@example.com", "unknown collaborator"),
        ("Parts", "not-a-row-id", "22-character"),
        ("Parts", [{"display_value": 1}], "22-character"),
        ("Place", {"lng": 11.576}, "lat must be"),
        ("Place", (91, 0), "within ±90"),
        ("Place", "Berlin", "lat"),
        ("Country", {"lat": 1, "lng": 2}, "country"),
        ("Docs", {"name": "a.txt", "url": "u"}, "file column"),
        ("Docs", "https://x/a.txt", "file column"),
        ("Pics", [{"name": "a.png"}], "image URLs"),
        ("Tags", 3, "list of option names"),
        ("Stage", ["draft"], "option's name"),
        ("Signed", "alice", "digital-sign"),
        ("Serial", "9999", "computed by the server"),
        ("Calc", 3, "computed by the server"),
        ("Made", datetime(2020, 1, 1), "computed by the server"),
        ("Nope", 1, "no such column"),
    ],
)
def test_invalid_values(name: str, value: Any, reason: str) -> None:
    err = fails({name: value}, users=USERS)
    assert err.row == 41
    assert err.column == name
    assert reason in str(err)


def test_strict_options_refuses_unknown_options() -> None:
    """API_ISSUES #2: unknown option names are created silently; ``strict_options`` refuses."""
    assert encode_cell("typo", column("Stage")) == "typo"  # default: the server's behaviour
    err = fails({"Tags": ["red", "purple"]}, strict_options=True)
    assert err.column == "Tags" and "no such option" in str(err)
    assert encode_cell("final", column("Stage"), strict_options=True) == "final"


def test_truncate_allows_losing_precision() -> None:
    opts: dict[str, Any] = {"truncate": True}
    assert encode_cell(datetime(2030, 6, 20, 10, 30, 15, 5), column("When"), **opts) == (
        "2030-06-20 10:30"
    )
    assert encode_cell(datetime(2030, 6, 20, 10, 30), column("Day"), **opts) == "2030-06-20"
    assert encode_cell(timedelta(seconds=1.5), column("Spent"), **opts) == 1


def test_aware_datetime_date_column_uses_the_server_day() -> None:
    """23:30 UTC on the 19th is already the 20th in Berlin."""
    late = datetime(2030, 6, 19, 22, 0, tzinfo=timezone.utc)
    assert encode_cell(late, column("Day"), server_tz=BERLIN) == "2030-06-20"


def test_read_only_drop_warns_once_per_column() -> None:
    enc = RowEncoder(COLUMNS, read_only="drop")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rows = enc.rows([{"Title": "a", "Calc": 3}, {"Title": "b", "Calc": 4}])
    assert [r.cells for r in rows] == [{"Title": "a"}, {"Title": "b"}]
    assert len(caught) == 1 and issubclass(caught[0].category, ReadOnlyColumnWarning)


def test_empty_values_of_read_only_columns_are_dropped_silently() -> None:
    row = RowEncoder(COLUMNS).row({"Title": "a", "Calc": None, "Serial": float("nan")})
    assert row.cells == {"Title": "a"}


def test_unknown_columns_policies() -> None:
    assert RowEncoder(COLUMNS, unknown="drop").row({"Nope": 1, "Title": "a"}).cells == {
        "Title": "a"
    }
    assert RowEncoder(COLUMNS, unknown="keep").row({"Nope": 1}).cells == {"Nope": 1}
    # System fields are never an error: they come back from exports.
    row = RowEncoder(COLUMNS).row({"_id": "Bko1e60YT-egit2SljWSZA", "_ctime": "x", "Title": "a"})
    assert row.cells == {"Title": "a"} and row.row_id == "Bko1e60YT-egit2SljWSZA"


def test_policies_are_validated() -> None:
    with pytest.raises(errors.ConfigurationError):
        RowEncoder(COLUMNS, read_only="ignore")  # type: ignore[arg-type]
    with pytest.raises(errors.ConfigurationError):
        RowEncoder(COLUMNS, unknown="warn")  # type: ignore[arg-type]


def test_missing_values_are_empty_cells() -> None:
    row = RowEncoder(COLUMNS).row({"Price": None, "Day": "", "Done": None, "Parts": None})
    assert row.cells == {"Price": None, "Day": None, "Done": None}
    assert row.links == {"Parts": []}


def test_non_mapping_row_and_non_str_keys() -> None:
    with pytest.raises(CellValueError) as info:
        RowEncoder(COLUMNS).row(["Title"], index=3)  # type: ignore[arg-type]
    assert info.value.row == 3
    with pytest.raises(CellValueError):
        RowEncoder(COLUMNS).row({1: "x"})  # type: ignore[dict-item]


def test_accepted_conveniences() -> None:
    """Values that are unambiguous pass: numpy-free numeric strings, sets, single values."""
    enc = RowEncoder(COLUMNS, users=USERS)
    row = enc.row(
        {
            "Price": "1e3",
            "Tags": {"blue", "red"},
            "Owners": ALICE,
            "Stage": "draft",
            "Day": "2030-06-20",
            "When": "2030-06-20 23:55",
            "Stars": "5",
            "Place": {"lat": Decimal("50.5"), "lng": 8},
        }
    )
    assert row.cells["Price"] == 1000
    assert row.cells["Tags"] == ["blue", "red"]
    assert row.cells["Owners"] == [ALICE]
    assert row.cells["Day"] == "2030-06-20"
    assert row.cells["When"] == "2030-06-20 23:55"
    assert row.cells["Stars"] == 5
    assert row.cells["Place"] == {"lat": 50.5, "lng": 8}
    with pytest.raises(CellValueError, match="server_tz"):
        enc.row({"When": "2030-06-20T23:55:00+02:00"})
    assert RowEncoder(COLUMNS, server_tz=BERLIN).row(
        {"When": "2030-06-20T23:55:00+02:00"}
    ).cells == {"When": "2030-06-20 23:55"}
    assert encode_cell(date(2030, 1, 2), column("When")) == "2030-01-02"


def test_rows_keyed_by_column_keys_and_pandas_missing_markers() -> None:
    from seatable_async.cells import encode_row

    pd = pytest.importorskip("pandas")
    row = encode_row({"k004": 2.5, "0000": "t", "k013": ["Bko1e60YT-egit2SljWSZA"],
                      "Day": pd.NaT, "Stars": pd.NA}, COLUMNS)  # fmt: skip
    assert row.cells == {"Price": 2.5, "Title": "t", "Day": None, "Stars": None}
    assert row.links == {"Parts": ["Bko1e60YT-egit2SljWSZA"]}
    with pytest.raises(CellValueError, match="computed"):
        encode_row({"k021": 3}, COLUMNS)
    np = pytest.importorskip("numpy")
    with pytest.raises(CellValueError, match="NaN"):
        encode_cell(np.float64("nan"), column("Price"))
    assert encode_cell(np.int64(3), column("Price")) == 3
    assert encode_cell(np.bool_(True), column("Done")) is True
