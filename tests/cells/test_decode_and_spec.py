"""Decoder details and column descriptions."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from seatable_async.cells import (
    ColumnSpec,
    LinkInfo,
    RowDecoder,
    column_spec,
    column_specs,
    decode_cell,
    decode_row,
)
from seatable_async.errors import ConfigurationError, ResponseFormatError
from seatable_async.models import Column
from tests.cells.columns import COLUMNS, column, options


def test_rows_keyed_by_column_keys_come_back_keyed_by_names() -> None:
    """List rows without ``convert_keys`` answers column keys (seatable-api.md §5.2)."""
    out = decode_row({"0000": "ABC", "k004": 1.5, "_id": "x", "extra": 1}, COLUMNS)
    assert out == {"Title": "ABC", "Price": 1.5, "_id": "x", "extra": 1}


def test_a_name_wins_over_a_key() -> None:
    cols = [{"key": "aaaa", "name": "bbbb", "type": "text"},
            {"key": "bbbb", "name": "Other", "type": "number"}]  # fmt: skip
    assert decode_row({"bbbb": "t"}, cols) == {"bbbb": "t"}


def test_option_names_win_over_ids_spelt_the_same() -> None:
    col = {"name": "S", "type": "single-select", "data": options(("x1", "b"), ("b", "c"))}
    assert decode_cell("b", col) == "b"
    assert decode_cell("x1", col) == "b"
    assert decode_cell("unknown", col) == "unknown"  # an option created since metadata was read


def test_decimals() -> None:
    col = column("Price")
    assert decode_cell(3.9000000000000004, col, decimals=True) == Decimal("3.9000000000000004")
    assert decode_cell(0.1, col, decimals=True) == Decimal("0.1")
    assert decode_cell(7, col, decimals=True) == Decimal(7)
    assert decode_cell(Decimal("2.5"), col) == 2.5


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("Price", "499.99"),
        ("Price", True),
        ("Done", 1),
        ("Day", "20.06.2030"),
        ("Day", 20300620),
        ("When", "tomorrow"),
        ("Spent", "1h"),
        ("Spent", [1]),
        ("Stars", 2.5),
        ("Stage", 1.5),
        ("Tags", "red"),
        ("Owners", "x@auth.local"),
        ("Parts", [{"display_value": 1}]),
        ("Parts", "row"),
        ("Signed", "x"),
        ("By", 5),
        ("Made", 5),
    ],
)
def test_malformed_answers_raise_response_format_error(name: str, value: Any) -> None:
    with pytest.raises(ResponseFormatError) as info:
        decode_cell(value, column(name))
    assert repr(name) in str(info.value)


def test_malformed_system_time() -> None:
    with pytest.raises(ResponseFormatError, match="_ctime"):
        decode_row({"_ctime": "yesterday"}, COLUMNS)


def test_checkbox_text_and_duration_text_from_old_answers() -> None:
    """Old dtable-server formula answers carried ``"false"`` (seatable-api.md §5.2)."""
    assert decode_cell("false", column("Done")) is False
    assert decode_cell("5400", column("Spent")) == timedelta(seconds=5400)


def test_date_values_in_datetime_columns() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    assert decode_cell(date(2030, 6, 20), column("When")) == datetime(2030, 6, 20)
    assert decode_cell(date(2030, 6, 20), column("When"), server_tz=berlin) == datetime(
        2030, 6, 20, tzinfo=berlin
    )
    when = datetime(2030, 6, 20, 21, 55, tzinfo=timezone.utc)
    assert decode_cell(when, column("When"), server_tz=berlin).hour == 23


def test_decoder_rows_and_columns() -> None:
    dec = RowDecoder(COLUMNS)
    assert dec.columns[0] == ColumnSpec(name="Title", type="text", key="0000")
    assert dec.column("k004") is dec.column("Price")
    assert dec.rows([{"Title": "a"}, {"Title": None}]) == [{"Title": "a"}, {"Title": None}]


def test_column_spec_accepts_models_columns_dicts_and_specs() -> None:
    model = Column(key="k007", name="When", type="date", data={"format": "YYYY-MM-DD HH:mm"})
    spec = column_spec(model)
    assert spec == column_spec(column("When"))
    assert column_spec(spec) is spec
    assert spec.has_time and not spec.has_seconds and not spec.read_only
    assert not column_spec(column("Day")).has_time
    assert column_spec({"name": "D", "type": "date"}).has_time is False  # SeaTable's default
    assert column_spec({"name": "D", "type": "date", "data": {"format": "YYYY-MM-DD HH:mm:ss"}})\
        .has_seconds  # fmt: skip
    assert column_spec(column("Calc")).read_only


def test_link_info() -> None:
    assert column_spec(column("Parts")).link == LinkInfo("7V2M", "0000", "0001")
    assert column_spec({"name": "L", "type": "link"}).link is None
    assert column_spec(column("Title")).link is None


def test_options_ignores_junk() -> None:
    spec = column_spec({"name": "S", "type": "single-select", "data": {"options": [1, {"id": 2}]}})
    assert spec.options == [{"id": 2}]
    assert column_spec({"name": "S", "type": "single-select", "data": {"options": 3}}).options == []


@pytest.mark.parametrize(
    "bad",
    [
        {"name": 1, "type": "text"},
        {"name": "x"},
        {"name": "x", "type": "text", "data": [1]},
        object(),
    ],
)
def test_malformed_columns(bad: Any) -> None:
    with pytest.raises(ConfigurationError):
        column_spec(bad)


def test_duplicate_column_names() -> None:
    with pytest.raises(ConfigurationError, match="two columns"):
        column_specs([{"name": "a", "type": "text"}, {"name": "a", "type": "number"}])
