"""Column descriptions shaped like SeaTable's metadata, for the cell codec tests.

The ``data`` structures follow what the servers recorded (sources named per entry):

* [LC] seatable/openapi ``tests/__snapshots__/test_columns/test_listColumns.json`` (6.0.10):
  number ``{"format", "decimal", "thousands"}``, date ``{"format": "YYYY-MM-DD[ HH:mm]"}``,
  duration ``{"format": "duration", "duration_format": "h:mm[:ss]"}``, select
  ``{"options": [{"id", "name", "color", "textColor"}]}``, rate ``{"rate_max_number"}``,
  geolocation ``{"geo_format": "lng_lat" | "country_region", "lang"}``, auto-number
  ``{"format", "digits", "prefix_type", "prefix"}``, formula ``{"formula"}``.
* [MD] ``/work/shared/reference/seatable-api.md`` §5.2: link column data
  ``{"link_id", "table_id", "other_table_id", "display_column_key", …}``.
* [5.0-cols] simonhammes/openapi branch ``schemathesis-v5.0`` ``test_base_operations.py``: the
  5.0 suite created its select options with integer ids (1, 2, 3), which is why the 5.0
  gateway snapshot answers ``"single-select": 1``.
"""

from __future__ import annotations

from typing import Any

PALETTE = {"color": "#9860E5", "textColor": "#000000"}


def options(*pairs: tuple[Any, str]) -> dict[str, Any]:
    return {"options": [{"id": i, "name": n, **PALETTE} for i, n in pairs]}


COLUMNS: list[dict[str, Any]] = [
    {"key": "0000", "name": "Title", "type": "text"},
    {"key": "k001", "name": "Notes", "type": "long-text"},
    {"key": "k002", "name": "Mail", "type": "email"},
    {"key": "k003", "name": "Site", "type": "url"},
    {"key": "k004", "name": "Price", "type": "number",
     "data": {"format": "euro", "decimal": "comma", "thousands": "no"}},
    {"key": "k005", "name": "Done", "type": "checkbox"},
    {"key": "k006", "name": "Day", "type": "date", "data": {"format": "DD.MM.YYYY"}},
    {"key": "k007", "name": "When", "type": "date", "data": {"format": "YYYY-MM-DD HH:mm"}},
    {"key": "k008", "name": "Spent", "type": "duration",
     "data": {"format": "duration", "duration_format": "h:mm"}},
    {"key": "k009", "name": "Lap", "type": "duration",
     "data": {"format": "duration", "duration_format": "h:mm:ss"}},
    {"key": "k010", "name": "Stage", "type": "single-select",
     "data": options(("0000", "draft"), ("ef3s", "review"), ("38d7", "final"))},
    {"key": "k011", "name": "Tags", "type": "multiple-select",
     "data": options(("0000", "red"), ("ef32", "green"), ("yze2", "blue"))},
    {"key": "k012", "name": "Owners", "type": "collaborator"},
    {"key": "k013", "name": "Parts", "type": "link",
     "data": {"link_id": "7V2M", "table_id": "0000", "other_table_id": "0001",
              "display_column_key": "0000", "is_multiple": True}},
    {"key": "k014", "name": "Place", "type": "geolocation", "data": {"geo_format": "lng_lat"}},
    {"key": "k015", "name": "Country", "type": "geolocation",
     "data": {"geo_format": "country_region", "lang": "en"}},
    {"key": "k016", "name": "Docs", "type": "file"},
    {"key": "k017", "name": "Pics", "type": "image"},
    {"key": "k018", "name": "Stars", "type": "rate", "data": {"rate_max_number": 7}},
    {"key": "k019", "name": "Signed", "type": "digital-sign"},
    {"key": "k020", "name": "Serial", "type": "auto-number",
     "data": {"format": "0000", "digits": 4, "prefix_type": "string", "prefix": "row"}},
    {"key": "k021", "name": "Calc", "type": "formula", "data": {"formula": "1 + 2"}},
    {"key": "k022", "name": "Total", "type": "formula",
     "data": {"formula": "{Price} * 2", "result_type": "number"}},
    {"key": "k023", "name": "Lookup", "type": "link-formula", "data": {"formula": "lookup"}},
    {"key": "k024", "name": "Made", "type": "ctime"},
    {"key": "k025", "name": "By", "type": "creator"},
]  # fmt: skip

#: 5.0-era select columns whose option ids are ints [5.0-cols].
OLD_SELECTS: list[dict[str, Any]] = [
    {"key": "s001", "name": "Stage", "type": "single-select",
     "data": options((1, "draft"), (2, "review"), (3, "final"))},
    {"key": "s002", "name": "Tags", "type": "multiple-select",
     "data": options((1, "red"), (2, "green"), (3, "blue"))},
]  # fmt: skip

ALICE = "7fhe63g949b946a3b200555db5de1d23@auth.local"
BOB = "0a1b2c3d4e5f60718293a4b5c6d7e8f9@auth.local"
USERS = {"alice@example.com": ALICE, "bob@example.com": BOB}
ROW_A = "Bko1e60YT-egit2SljWSZA"
ROW_B = "Re7GZaC9Sh-G6RC5zeAn2w"


def column(name: str) -> dict[str, Any]:
    """The test column with this name."""
    for c in COLUMNS:
        if c["name"] == name:
            return c
    raise KeyError(name)
