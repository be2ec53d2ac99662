"""Per column type: Python value → wire form written → form the server answers → decoded value.

Sources of the wire forms (abbreviations used in the docstrings):

* [IN-6]  seatable/openapi ``tests/test_base_operations.py`` ``ROWS`` and ``tests/test_row_crud.py``
  ``UPDATE_ROW``: values SeaTable 6.0.10 accepted on append/update.
* [GW-6]  seatable/openapi ``tests/__snapshots__/test_base_operations/test_listRows[listRows].json``
  and ``tests/__snapshots__/test_row_crud/test_updateRow.json``: what 6.0.10 answered.
* [GW-5]  ``/work/shared/reference/openapi/v5.0-test-snapshots/test_base_operations/
  test_listRows[listRows].json`` (and ``…links…``, ``…files_images…``): the 5.0 gateway.
* [DS-5]  the same directory's ``…[listRowsDeprecated].json``: the old dtable-server.
* [MD]    ``/work/shared/reference/seatable-api.md`` §5–6.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from seatable_async.cells import RowDecoder, RowEncoder, decode_cell, encode_cell
from tests.cells.columns import ALICE, BOB, COLUMNS, OLD_SELECTS, ROW_A, ROW_B, USERS, column

BERLIN = ZoneInfo("Europe/Berlin")
PLUS2 = timezone(timedelta(hours=2))


def roundtrip(name: str, value: Any, wire: Any, answer: Any, decoded: Any, **options: Any) -> None:
    """encode(value) == wire, decode(answer) == decoded, and decoding is idempotent."""
    enc_opts = {k: v for k, v in options.items() if k in ("server_tz", "users", "truncate")}
    dec_opts = {k: v for k, v in options.items() if k in ("server_tz", "users", "decimals")}
    assert encode_cell(value, column(name), **enc_opts) == wire
    out = decode_cell(answer, column(name), **dec_opts)
    assert out == decoded
    assert type(out) is type(decoded)
    assert decode_cell(out, column(name), **dec_opts) == decoded


def test_text() -> None:
    """text: a str both ways. [IN-6] ``'text': 'ABC'`` → [GW-6] ``"text": "ABC"``."""
    roundtrip("Title", "ABC", "ABC", "ABC", "ABC")


def test_long_text() -> None:
    """long-text: Markdown str both ways ([IN-6] → [GW-6] ``"long-text"``); the
    ``{"text", "preview"}`` form of Socket.IO events decodes to its text."""
    md = "## Plan\n- one\n- two"
    roundtrip("Notes", md, md, md, md)
    assert decode_cell({"text": md, "preview": "Plan"}, column("Notes")) == md


def test_email_and_url() -> None:
    """email/url: plain strings ([IN-6] → [GW-6] ``"email"``, ``"url"``)."""
    roundtrip("Mail", "a@example.com", "a@example.com", "a@example.com", "a@example.com")
    roundtrip("Site", "https://seatable.com", "https://seatable.com", "https://seatable.com",
              "https://seatable.com")  # fmt: skip


def test_number_float_int_and_decimal() -> None:
    """number: JSON numbers. [IN-6] ``499.99``, ``500``, ``-10`` → [GW-6] the same numbers;
    a Decimal goes out as the equal double and comes back as Decimal with ``decimals=True``."""
    roundtrip("Price", 499.99, 499.99, 499.99, 499.99)
    roundtrip("Price", 500, 500, 500, 500)
    roundtrip("Price", Decimal("1000000.123"), 1000000.123, 1000000.123, Decimal("1000000.123"),
              decimals=True)  # fmt: skip
    roundtrip("Price", Decimal("-10"), -10, -10, Decimal("-10"), decimals=True)
    assert encode_cell("  5.23 ", column("Price")) == 5.23  # CSV text is parsed


def test_checkbox() -> None:
    """checkbox: JSON booleans only. [IN-6] ``True``/``False`` → [GW-6] ``true``/``false``;
    unset answers ``null`` ([GW-6] row 4) and stays None."""
    roundtrip("Done", True, True, True, True)
    roundtrip("Done", False, False, False, False)
    assert decode_cell(None, column("Done")) is None
    assert encode_cell("TRUE", column("Done")) is True


def test_date_only() -> None:
    """date (no time in the format): ``YYYY-MM-DD`` out ([IN-6] writes ``2030/06/20``; ISO is
    the format's own spelling); [GW-6] answers ``2030-06-20T00:00:00+02:00`` = the 20th,
    not shifted through UTC; [DS-5] answered ``2030-06-20``."""
    roundtrip("Day", date(2030, 6, 20), "2030-06-20", "2030-06-20T00:00:00+02:00",
              date(2030, 6, 20))  # fmt: skip
    roundtrip("Day", date(2031, 12, 31), "2031-12-31", "2031-12-31T00:00:00+01:00",
              date(2031, 12, 31))  # fmt: skip
    assert decode_cell("2030-06-20", column("Day")) == date(2030, 6, 20)
    assert decode_cell("2030-06-20T00:00:00-05:00", column("Day")) == date(2030, 6, 20)


def test_datetime_naive_is_server_wall_clock() -> None:
    """date with ``HH:mm``: a naive datetime is the server's wall clock, sent as
    ``YYYY-MM-DD HH:MM`` ([IN-6] ``2030/06/20 23:55``); [GW-6] answers it with the server's
    offset ``2030-06-20T23:55:00+02:00`` → an aware datetime with that offset."""
    roundtrip("When", datetime(2030, 6, 20, 23, 55), "2030-06-20 23:55",
              "2030-06-20T23:55:00+02:00", datetime(2030, 6, 20, 23, 55, tzinfo=PLUS2))  # fmt: skip


def test_datetime_aware_with_server_zone() -> None:
    """An aware datetime is converted to ``server_tz`` and sent as wall clock; decoding with
    ``server_tz`` gives the same instant in that zone. Winter offset +01:00 as in [GW-6]
    ``test_updateRow.json`` (``2031-12-31T11:30:00+01:00``)."""
    utc = datetime(2031, 12, 31, 10, 30, tzinfo=timezone.utc)
    berlin = datetime(2031, 12, 31, 11, 30, tzinfo=BERLIN)
    roundtrip("When", utc, "2031-12-31 11:30", "2031-12-31T11:30:00+01:00", berlin,
              server_tz=BERLIN)  # fmt: skip
    # A decoded value writes back to the same wire form (the read-modify-write loop).
    decoded = decode_cell("2030-06-20T23:55:00+02:00", column("When"), server_tz=BERLIN)
    assert encode_cell(decoded, column("When"), server_tz=BERLIN) == "2030-06-20 23:55"


def test_datetime_old_server_without_offset() -> None:
    """[DS-5] answered date-times as ``2030-06-20 23:55`` (no offset): naive, or in
    ``server_tz`` when given."""
    col = column("When")
    assert decode_cell("2030-06-20 23:55", col) == datetime(2030, 6, 20, 23, 55)
    assert decode_cell("2030-06-20 23:55", col, server_tz=BERLIN) == datetime(
        2030, 6, 20, 23, 55, tzinfo=BERLIN
    )


def test_duration() -> None:
    """duration: whole seconds. [IN-6] ``'5400'``/``'5430'`` (h:mm, h:mm:ss) → [GW-6]
    ``5400``/``5430`` → timedelta."""
    roundtrip("Spent", timedelta(hours=1, minutes=30), 5400, 5400, timedelta(seconds=5400))
    roundtrip("Lap", timedelta(seconds=5430), 5430, 5430, timedelta(seconds=5430))
    assert encode_cell("1:30:30", column("Lap")) == 5430
    assert encode_cell("7200", column("Spent")) == 7200


def test_single_select_by_name_and_5_0_option_ids() -> None:
    """single-select: written by option name ([IN-6] ``'option-1'``); 6.x answers the name
    ([GW-6]), the 5.0 gateway answered the option id ([GW-5] ``"single-select": 1``) which
    decodes through the column's options."""
    roundtrip("Stage", "review", "review", "review", "review")
    assert decode_cell("ef3s", column("Stage")) == "review"
    old = RowDecoder(OLD_SELECTS)
    assert old.row({"Stage": 1}) == {"Stage": "draft"}
    assert old.row({"s001": 3}) == {"Stage": "final"}  # keyed by column key


def test_multiple_select() -> None:
    """multiple-select: a list of names ([IN-6] ``['option-1', 'option-2']`` → [GW-6] the
    same list); ids map to names like single-select."""
    roundtrip("Tags", ["red", "blue"], ["red", "blue"], ["red", "blue"], ["red", "blue"])
    assert decode_cell(["ef32", "0000"], column("Tags")) == ["green", "red"]
    assert RowDecoder(OLD_SELECTS).row({"Tags": [2, 3]}) == {"Tags": ["green", "blue"]}


def test_collaborator_by_email() -> None:
    """collaborator: a list of user ids ``<32 hex>@auth.local`` ([MD] §2.2; the snapshots
    only record ``null``): emails map through ``users``, ids pass through, decoding maps back."""
    roundtrip("Owners", ["alice@example.com", BOB], [ALICE, BOB], [ALICE, BOB],
              ["alice@example.com", "bob@example.com"], users=USERS)  # fmt: skip
    assert decode_cell([ALICE], column("Owners")) == [ALICE]


def test_link_ids_go_to_the_links_api() -> None:
    """link: row ids, kept out of the row cells ([MD] §10.7/§5.2: links are written through
    ``/links/``); [GW-5]/[GW-6] answer ``[{"display_value", "row_id"}]``, [DS-5] answered
    plain row ids; both decode to the ids."""
    enc = RowEncoder(COLUMNS)
    row = enc.row({"Title": "x", "Parts": [ROW_A, {"row_id": ROW_B, "display_value": 1.1}]})
    assert row.cells == {"Title": "x"}
    assert row.links == {"Parts": [ROW_A, ROW_B]}
    assert [c.name for c in enc.link_columns] == ["Parts"]
    answer = [{"display_value": 1.1, "row_id": ROW_A}, {"display_value": 1.2, "row_id": ROW_B}]
    assert decode_cell(answer, column("Parts")) == [ROW_A, ROW_B]
    assert decode_cell([ROW_A, ROW_B], column("Parts")) == [ROW_A, ROW_B]


def test_geolocation() -> None:
    """geolocation: lng_lat ``{"lat", "lng"}`` ([IN-6] ``{'lng': 8.23, 'lat': 50.00}`` →
    [GW-6] ``{"lat": 50, "lng": 8.23}``); country_region ``{"country_region": "Germany"}``."""
    roundtrip("Place", (50.0, 8.23), {"lat": 50.0, "lng": 8.23}, {"lat": 50, "lng": 8.23},
              {"lat": 50, "lng": 8.23})  # fmt: skip
    roundtrip("Country", "Germany", {"country_region": "Germany"},
              {"country_region": "Germany"}, {"country_region": "Germany"})  # fmt: skip


@attrs.frozen
class FakeAsset:
    """Shaped like ``seatable_async.models.Asset``: only ``cell()`` matters."""

    name: str
    url: str
    type: str
    size: int = 13

    def cell(self) -> Any:
        if self.type == "image":
            return self.url
        return {"name": self.name, "size": self.size, "type": "file", "url": self.url}


def test_files_and_images() -> None:
    """file: ``[{"name", "size", "type", "url"}]``, image: ``[url]`` ([GW-5]
    ``test_listRows_files_images[listRows].json``; [MD] §6 step 3); asset objects give their
    ``cell()``."""
    url = "https://cloud.seatable.io/workspace/7/asset/u/files/2021-08/test.txt"
    entry = {"name": "test.txt", "size": 13, "type": "file", "url": url}
    roundtrip("Docs", FakeAsset("test.txt", url, "file"), [entry], [entry], [entry])
    roundtrip("Docs", [entry], [entry], [entry], [entry])
    img = "https://cloud.seatable.io/workspace/7/asset/u/images/2021-08/a.png"
    roundtrip("Pics", FakeAsset("a.png", img, "image"), [img], [img], [img])


def test_rate() -> None:
    """rate: an int within the column's ``rate_max_number`` ([IN-6] ``7`` → [GW-6] ``7``)."""
    roundtrip("Stars", 7, 7, 7, 7)


def test_digital_sign() -> None:
    """digital-sign: ``{"username", "sign_image_url", "sign_time"}`` both ways ([IN-6] →
    [GW-5]/[GW-6]); ``sign_time`` decodes to an aware datetime and encodes back to ISO."""
    answer = {"sign_image_url": "https://example.com/s.png",
              "sign_time": "2024-06-05T13:28:56.090+00:00", "username": ALICE}  # fmt: skip
    decoded = decode_cell(answer, column("Signed"))
    assert decoded["sign_time"] == datetime(2024, 6, 5, 13, 28, 56, 90000, tzinfo=timezone.utc)
    assert encode_cell(decoded, column("Signed")) == answer


def test_computed_columns_decode_as_given() -> None:
    """auto-number ``"row-0001"``, formula ``3`` / ``false`` / ``"#VALUE!"``, link-formula
    lists ([GW-5] ``test_listRows_links[listRows].json``), ctime and creator ([GW-6] system
    fields): as the server gave them, ctime as a datetime, creator mapped by ``users``."""
    dec = RowDecoder(COLUMNS, users=USERS)
    row = dec.row({"Serial": "row-0001", "Calc": 3, "Total": "#VALUE!", "Lookup": [1.1, 1.2],
                   "Made": "2021-03-10T16:06:48.981+00:00", "By": ALICE})  # fmt: skip
    assert row == {
        "Serial": "row-0001",
        "Calc": 3,
        "Total": "#VALUE!",
        "Lookup": [1.1, 1.2],
        "Made": datetime(2021, 3, 10, 16, 6, 48, 981000, tzinfo=timezone.utc),
        "By": "alice@example.com",
    }


def test_system_fields() -> None:
    """``_id``/``_ctime``/``_mtime``/``_creator`` as every gateway row carries them ([GW-5],
    [GW-6], values as in [MD] §5.4): times become aware datetimes, users map by ``users``."""
    dec = RowDecoder(COLUMNS, users=USERS, server_tz=BERLIN)
    answer = {"_id": ROW_A, "_ctime": "2021-03-10T16:06:48.981+00:00",
              "_mtime": "2021-03-10T16:11:11.176+00:00", "_creator": ALICE,
              "_last_modifier": "x@auth.local", "_archived": False, "_locked": None}  # fmt: skip
    row = dec.row(answer)
    assert row["_id"] == ROW_A
    assert row["_ctime"] == datetime(2021, 3, 10, 16, 6, 48, 981000, tzinfo=timezone.utc)
    assert row["_ctime"].tzinfo is BERLIN
    assert row["_creator"] == "alice@example.com"
    assert row["_last_modifier"] == "x@auth.local"
    assert row["_archived"] is False and row["_locked"] is None


def test_full_row_from_the_6_0_snapshot_shape() -> None:
    """A whole [GW-6]-shaped row decodes, and re-encodes (writable columns) to [IN-6] forms."""
    answer = {
        "_id": ROW_A, "Title": "ABC", "Price": 5.23, "Done": True,
        "Day": "2030-06-20T00:00:00+02:00", "When": "2030-06-20T23:55:00+02:00",
        "Spent": 5400, "Stage": "draft", "Tags": ["red", "green"], "Owners": None,
        "Place": {"lat": 50, "lng": 8.23}, "Stars": 7, "Serial": "row-0001", "Calc": 3,
    }  # fmt: skip
    decoded = RowDecoder(COLUMNS, server_tz=BERLIN).row(answer)
    again = RowEncoder(COLUMNS, server_tz=BERLIN, read_only="drop")
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        encoded = again.row(decoded, index=0)
    assert {str(w.message).split("'")[1] for w in caught} == {"Serial", "Calc"}
    assert encoded.row_id == ROW_A
    assert encoded.cells == {
        "Title": "ABC", "Price": 5.23, "Done": True, "Day": "2030-06-20",
        "When": "2030-06-20 23:55", "Spent": 5400, "Stage": "draft", "Tags": ["red", "green"],
        "Owners": None, "Place": {"lat": 50.0, "lng": 8.23}, "Stars": 7,
    }  # fmt: skip
