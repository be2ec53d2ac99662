"""Rows ⇄ Arrow, pandas and polars: types, round trips back to the wire forms, streaming."""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from seatable_async.cells import (
    ArrowBuilder,
    RowEncoder,
    arrow_field,
    arrow_schema,
    arrow_type,
    iter_frame_batches,
    iter_frame_rows,
    record_batch_reader,
    record_batches,
    to_arrow,
    to_pandas,
    to_polars,
)
from seatable_async.errors import ConfigurationError, ResponseFormatError
from tests.cells.columns import ALICE, COLUMNS, ROW_A, ROW_B, column

pa = pytest.importorskip("pyarrow")

BERLIN = ZoneInfo("Europe/Berlin")
URL = "https://cloud.seatable.io/workspace/7/asset/u/files/2021-08/test.txt"
FILE = {"name": "test.txt", "size": 13, "type": "file", "url": URL}

#: Two rows shaped like the 6.0.10 gateway answers (seatable/openapi
#: tests/__snapshots__/test_base_operations/test_listRows[listRows].json), plus the 5.0
#: link/file shapes (v5.0-test-snapshots …links… and …files_images…).
RAW = [
    {
        "_id": ROW_A, "_ctime": "2021-03-10T16:06:48.981+00:00",
        "_mtime": "2021-03-10T16:11:11.176+00:00", "_creator": ALICE,
        "Title": "ABC", "Notes": "## Plan", "Mail": "a@example.com", "Site": None,
        "Price": 499.99, "Done": True, "Day": "2030-06-20T00:00:00+02:00",
        "When": "2030-06-20T23:55:00+02:00", "Spent": 5400, "Lap": 5430, "Stage": "draft",
        "Tags": ["red", "green"], "Owners": [ALICE],
        "Parts": [{"display_value": 1.1, "row_id": ROW_B}],
        "Place": {"lat": 50, "lng": 8.23}, "Country": {"country_region": "Germany"},
        "Docs": [FILE], "Pics": ["https://example.com/a.png"], "Stars": 7,
        "Signed": None, "Serial": "row-0001", "Calc": 3, "Total": "#VALUE!",
        "Lookup": [1.1, 1.2], "Made": "2021-03-10T16:06:48.981+00:00", "By": ALICE,
    },
    {
        "_id": ROW_B, "_ctime": "2021-03-10T16:06:50.000+00:00",
        "_mtime": "2021-03-10T16:06:50.000+00:00", "_creator": ALICE,
        "Title": "row-with-empty-values", "Notes": None, "Mail": None, "Site": None,
        "Price": None, "Done": None, "Day": None, "When": None, "Spent": None, "Lap": None,
        "Stage": None, "Tags": None, "Owners": None, "Parts": [], "Place": None,
        "Country": None, "Docs": None, "Pics": None, "Stars": None, "Signed": None,
        "Serial": "row-0002", "Calc": 3, "Total": 998.0, "Lookup": None,
        "Made": "2021-03-10T16:06:50.000+00:00", "By": ALICE,
    },
]  # fmt: skip

#: What the writable columns of RAW[0] encode back to: the 6.0.10 input forms
#: (seatable/openapi tests/test_base_operations.py ROWS) in this codec's spelling.
WIRE_0 = {
    "Title": "ABC", "Notes": "## Plan", "Mail": "a@example.com", "Price": 499.99,
    "Done": True, "Day": "2030-06-20", "When": "2030-06-20 23:55", "Spent": 5400, "Lap": 5430,
    "Stage": "draft", "Tags": ["red", "green"], "Owners": [ALICE],
    "Place": {"lat": 50.0, "lng": 8.23}, "Country": {"country_region": "Germany"},
    "Docs": [FILE], "Pics": ["https://example.com/a.png"], "Stars": 7,
}  # fmt: skip


def reencode(rows: Iterator[dict[str, Any]] | list[dict[str, Any]]) -> list[Any]:
    enc = RowEncoder(COLUMNS, server_tz=BERLIN, read_only="drop")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return enc.rows(rows)


def check_roundtrip(rows: list[dict[str, Any]]) -> None:
    encoded = reencode(rows)
    assert encoded[0].cells == WIRE_0
    assert encoded[0].links == {"Parts": [ROW_B]}
    assert encoded[0].row_id == ROW_A
    assert encoded[1].cells == {"Title": "row-with-empty-values"}
    assert encoded[1].links == {"Parts": []}


def test_arrow_types_by_column_type() -> None:
    types = {c["name"]: arrow_type(c, server_tz=BERLIN) for c in COLUMNS}
    stamp = pa.timestamp("us", tz="Europe/Berlin")
    assert types["Title"] == types["Notes"] == types["Stage"] == types["Serial"] == pa.string()
    assert types["Price"] == types["Total"] == pa.float64()
    assert types["Done"] == pa.bool_()
    assert types["Day"] == pa.date32()
    assert types["When"] == types["Made"] == stamp
    assert types["Spent"] == pa.duration("s")
    assert types["Stars"] == pa.int64()
    for name in ("Tags", "Owners", "Parts", "Pics"):
        assert types[name] == pa.list_(pa.string())
    assert types["Docs"].value_type.names == ["name", "size", "type", "url"]
    assert types["Place"] == pa.struct([("lat", pa.float64()), ("lng", pa.float64())])
    assert types["Country"] == pa.struct([("country_region", pa.string())])
    assert types["Calc"] == types["Lookup"] == pa.string()
    province = {"name": "P", "type": "geolocation", "data": {"geo_format": "province_city"}}
    assert arrow_type(province) == pa.string()  # JSON text, read back by the encoder
    assert types["Signed"].field("sign_time").type == stamp
    assert arrow_type(column("When")) == pa.timestamp("us", tz="UTC")
    plus2 = timezone(timedelta(hours=2))
    assert arrow_type(column("When"), server_tz=plus2) == pa.timestamp("us", tz="+02:00")
    assert arrow_field(column("Price")).name == "Price"


def test_schema_puts_system_fields_first() -> None:
    schema = arrow_schema(COLUMNS[:2], system_fields=("_id", "_ctime", "_creator", "_archived"))
    assert schema.names == ["_id", "_ctime", "_creator", "_archived", "Title", "Notes"]
    assert schema.field("_archived").type == pa.bool_()
    with pytest.raises(ConfigurationError, match="unknown system field"):
        arrow_schema(COLUMNS, system_fields=("_nope",))
    with pytest.raises(ConfigurationError, match="twice"):
        ArrowBuilder([{"name": "_id", "type": "text"}])


def test_to_arrow_from_raw_and_decoded_rows_agree() -> None:
    from seatable_async.cells import RowDecoder

    raw = to_arrow(RAW, COLUMNS, server_tz=BERLIN)
    decoded = to_arrow(RowDecoder(COLUMNS).rows(RAW), COLUMNS, server_tz=BERLIN)
    assert raw.equals(decoded)
    first = raw.to_pylist()[0]
    assert first["When"] == datetime(2030, 6, 20, 23, 55, tzinfo=BERLIN)
    assert first["Day"] == date(2030, 6, 20)
    assert first["Total"] is None  # "#VALUE!" in a number formula
    assert first["Lookup"] == "[1.1, 1.2]"
    assert first["Parts"] == [ROW_B]
    assert raw.to_pylist()[1]["Total"] == 998.0


def test_rows_keyed_by_column_keys_and_batches_of_rows() -> None:
    by_key = [{(column(k)["key"] if k in {c["name"] for c in COLUMNS} else k): v
               for k, v in row.items()} for row in RAW]  # fmt: skip
    batches = [[RAW[0]], [], [RAW[1]]]
    expected = to_arrow(RAW, COLUMNS)
    assert to_arrow(by_key, COLUMNS).equals(expected)
    assert to_arrow(batches, COLUMNS).equals(expected)
    assert [b.num_rows for b in record_batches(RAW * 5, COLUMNS, batch_size=4)] == [4, 4, 2]
    assert to_arrow([], COLUMNS).num_rows == 0
    with pytest.raises(ConfigurationError):
        to_arrow([RAW, RAW[0]], COLUMNS)
    with pytest.raises(ConfigurationError):
        to_arrow(RAW, COLUMNS, batch_size=0)


def test_bad_server_values_name_the_column() -> None:
    with pytest.raises(ResponseFormatError, match="'Price'"):
        to_arrow([{"Price": "notanumber"}], COLUMNS)


def test_pyarrow_table_batch_and_reader_round_trip() -> None:
    table = to_arrow(RAW, COLUMNS, server_tz=BERLIN)
    check_roundtrip(list(iter_frame_rows(table)))
    check_roundtrip(list(iter_frame_rows(table.to_batches()[0])))
    check_roundtrip(list(iter_frame_rows(record_batch_reader(RAW, COLUMNS, server_tz=BERLIN))))


def test_parquet_file_round_trip(tmp_path: Path) -> None:
    """The CLI's route: a streaming reader into ParquetWriter, then Parquet back to rows."""
    pq = pytest.importorskip("pyarrow.parquet")
    builder = ArrowBuilder(COLUMNS, server_tz=BERLIN)
    path = tmp_path / "out.parquet"
    with pq.ParquetWriter(path, builder.schema) as writer:
        for batch in builder.batches([[RAW[0]], [RAW[1]]]):
            writer.write_batch(batch)
    check_roundtrip(list(iter_frame_rows(pq.ParquetFile(path).iter_batches(batch_size=1),
                                         batch_size=1)))  # fmt: skip


def test_pandas_round_trip() -> None:
    pytest.importorskip("pandas")
    frame = to_pandas(RAW, COLUMNS, server_tz=BERLIN)
    assert str(frame["When"].dtype) == "datetime64[us, Europe/Berlin]"
    assert str(frame["Spent"].dtype).startswith("timedelta64")
    check_roundtrip(list(iter_frame_rows(frame)))


def test_polars_round_trip() -> None:
    pl = pytest.importorskip("polars")
    frame = to_polars(RAW, COLUMNS, server_tz=BERLIN)
    assert isinstance(frame, pl.DataFrame)
    assert frame.schema["When"] == pl.Datetime("us", "Europe/Berlin")
    assert frame.schema["Tags"] == pl.List(pl.String)
    check_roundtrip(list(iter_frame_rows(frame)))


def test_pandas_dtypes_become_cell_values() -> None:
    pd = pytest.importorskip("pandas")
    np = pytest.importorskip("numpy")
    frame = pd.DataFrame(
        {
            "Price": [1.5, np.nan, 3.0],
            "Stars": pd.array([1, None, 3], dtype="Int64"),
            "Stage": pd.Categorical(["draft", "final", None]),
            "When": pd.to_datetime(["2030-06-20 21:55", None, "2030-01-01 12:00"], utc=True),
            "Day": pd.to_datetime(["2030-06-20", "2030-06-21", None]),
            "Done": np.array([True, False, True]),
            "Spent": pd.to_timedelta([5400, None, 60], unit="s"),
        }
    )
    rows = list(iter_frame_rows(frame))
    assert rows[1] == {"Stage": "final", "Day": datetime(2030, 6, 21), "Done": False}
    assert type(rows[0]["Stars"]) is int and type(rows[0]["Done"]) is bool
    cells = [r.cells for r in RowEncoder(COLUMNS, server_tz=BERLIN).rows(rows)]
    assert cells[0] == {"Price": 1.5, "Stars": 1, "Stage": "draft", "When": "2030-06-20 23:55",
                        "Day": "2030-06-20", "Done": True, "Spent": 5400}  # fmt: skip
    assert cells[2]["When"] == "2030-01-01 13:00"
    assert list(iter_frame_rows(frame, missing="none"))[1]["Price"] is None


def test_pandas_mixed_object_columns_fall_back_to_python_values() -> None:
    pd = pytest.importorskip("pandas")
    np = pytest.importorskip("numpy")
    frame = pd.DataFrame(
        {
            "Title": ["a", 5, None],
            "Price": [Decimal("1.25"), np.int64(2), np.nan],
            "Tags": [np.array(["red"]), ["green"], None],
            "When": [pd.Timestamp("2030-06-20 23:55"), "x", pd.NaT],
        },
        index=[10, 20, 30],
    )
    rows = list(iter_frame_rows(frame))
    assert rows[0] == {"Title": "a", "Price": Decimal("1.25"), "Tags": ["red"],
                       "When": datetime(2030, 6, 20, 23, 55)}  # fmt: skip
    assert rows[1] == {"Title": 5, "Price": 2, "Tags": ["green"], "When": "x"}
    assert type(rows[1]["Price"]) is int
    assert rows[2] == {}


def test_polars_dtypes_become_cell_values() -> None:
    pl = pytest.importorskip("polars")
    frame = pl.DataFrame(
        {
            "Price": [1.5, float("nan"), None],
            "Stage": pl.Series(["draft", "final", None], dtype=pl.Categorical),
            "Day": [date(2030, 6, 20), None, date(2030, 1, 1)],
            "Spent": [timedelta(hours=1), None, timedelta(seconds=1)],
            "When": pl.Series([datetime(2030, 6, 20, 21, 55), None, None]).dt.replace_time_zone(
                "UTC"
            ),
        }
    )
    rows = list(iter_frame_rows(frame))
    assert rows[1] == {"Stage": "final"}
    assert rows[0]["When"] == datetime(2030, 6, 20, 21, 55, tzinfo=timezone.utc)
    cells = RowEncoder(COLUMNS, server_tz=BERLIN).row(rows[0]).cells
    assert cells == {"Price": 1.5, "Stage": "draft", "Day": "2030-06-20", "Spent": 3600,
                     "When": "2030-06-20 23:55"}  # fmt: skip


def test_nanosecond_columns_become_microseconds() -> None:
    table = pa.table(
        {
            "When": pa.array([1_000_000_123], type=pa.timestamp("ns")),
            "Spent": pa.array([2_000_001_999], type=pa.duration("ns")),
        }
    )
    assert list(iter_frame_rows(table)) == [
        {"When": datetime(1970, 1, 1, 0, 0, 1), "Spent": timedelta(seconds=2, microseconds=1)}
    ]


def test_batches_have_the_requested_size() -> None:
    table = pa.table({"Title": [str(i) for i in range(2500)]})
    sizes = [len(b) for b in iter_frame_batches(table, batch_size=1000)]
    assert sizes == [1000, 1000, 500]
    with pytest.raises(ConfigurationError):
        list(iter_frame_batches(table, batch_size=0))
    with pytest.raises(ConfigurationError):
        list(iter_frame_batches(table, missing="nan"))  # type: ignore[arg-type]


def test_reader_is_streamed_not_materialised() -> None:
    """Rows come out while the source reader still has most of its batches to give."""
    schema = pa.schema([("Title", pa.string()), ("Price", pa.float64())])
    produced: list[int] = []
    total = 200

    def batches() -> Iterator[Any]:
        for i in range(total):
            produced.append(i)
            yield pa.record_batch([[f"r{i}"] * 100, [float(i)] * 100], schema=schema)

    reader = pa.RecordBatchReader.from_batches(schema, batches())
    rows = iter_frame_rows(reader, batch_size=50)
    first = next(rows)
    assert first == {"Title": "r0", "Price": 0.0}
    assert len(produced) <= 2
    for _ in range(1000):
        next(rows)
    assert len(produced) <= 12  # 1,001 rows need 11 batches of 100, plus one read ahead
    assert sum(1 for _ in rows) == total * 100 - 1001
    assert len(produced) == total


def test_export_side_is_streamed_too() -> None:
    pulled: list[int] = []

    def pages() -> Iterator[list[dict[str, Any]]]:
        for i in range(100):
            pulled.append(i)
            yield [{"_id": ROW_A, "Title": f"p{i}"}] * 10

    reader = ArrowBuilder(COLUMNS[:1]).reader(pages())
    first = reader.read_next_batch()
    assert first.num_rows == 10 and len(pulled) == 1


def test_arrow_c_stream_sources() -> None:
    class Stream:
        def __arrow_c_stream__(self, requested_schema: object = None) -> object:
            return pa.table({"Title": ["a", "b"]}).__arrow_c_stream__(requested_schema)

    assert list(iter_frame_rows(Stream())) == [{"Title": "a"}, {"Title": "b"}]


def test_unsupported_source() -> None:
    with pytest.raises(ConfigurationError, match="cannot read rows from list"):
        list(iter_frame_rows([{"Title": "a"}]))


def test_missing_libraries_name_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "polars", None)
    with pytest.raises(ConfigurationError, match=r"seatable-async\[polars\]"):
        to_polars(RAW, COLUMNS)
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ConfigurationError, match=r"seatable-async\[pandas\]"):
        to_pandas(RAW, COLUMNS)
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(ConfigurationError, match=r"seatable-async\[arrow\]"):
        to_arrow(RAW, COLUMNS)
    with pytest.raises(ConfigurationError, match=r"seatable-async\[arrow\]"):
        arrow_type(column("Title"))


def test_rows_that_are_not_mappings() -> None:
    with pytest.raises(ConfigurationError, match="mappings"):
        to_arrow([["Title"]], COLUMNS)
    with pytest.raises(ConfigurationError, match="mappings"):
        to_arrow(["Title"], COLUMNS)


def test_old_server_and_odd_values_take_the_python_path() -> None:
    """Offset-less date-times of the old dtable-server ([DS-5] ``2030-06-20 23:55``) are the
    server's wall clock; float durations and a stray string still convert or fail clearly."""
    rows = [{"When": "2030-06-20 23:55", "Day": "2030-06-20", "Spent": 5400.0, "Price": 2},
            {"When": "2030-06-20T23:55:00+02:00", "Day": "2030-06-20T00:00:00-05:00",
             "Spent": 60, "Price": 1.5}]  # fmt: skip
    out = to_arrow(rows, COLUMNS, server_tz=BERLIN, system_fields=()).to_pylist()
    assert out[0]["When"] == out[1]["When"] == datetime(2030, 6, 20, 23, 55, tzinfo=BERLIN)
    assert out[0]["Day"] == out[1]["Day"] == date(2030, 6, 20)
    assert [r["Spent"] for r in out] == [timedelta(seconds=5400), timedelta(seconds=60)]
    assert [r["Price"] for r in out] == [2.0, 1.5]
    with pytest.raises(ResponseFormatError, match="'Day'"):
        to_arrow([{"Day": "20.06.2030"}], COLUMNS)
    with pytest.raises(ResponseFormatError, match="'When'"):
        to_arrow([{"When": "soon"}], COLUMNS)
