"""``parse_event``: the webhook body as a typed, frozen `WebhookEvent`.

Samples: SeaTable's help page "Structure of the webhook data" (an ``insert_row``, a
``modify_row`` of a single-select, a ``delete_row``) and "The secret key of a webhook"
(``create_row``); link messages with the fields ``dtable-events``' activity handler reads
(``table1_*``, ``table2_*``, ``row_data1``/``row_data2``; reference §8b).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import attrs
import pytest

import seatable_async as sa
from seatable_async import webhooks

UUID = "fae0a3a42ba94df88e8303fd385e37de"
USER = "4bc9a7c79c5942c5b6238413f2132bea@auth.local"


def body(data: dict[str, Any], event: str = "update") -> bytes:
    return json.dumps({"event": event, "data": data}).encode()


def row(op_type: str, **extra: Any) -> dict[str, Any]:
    return {
        "dtable_uuid": UUID,
        "row_id": "QoNno3QiTF26sxmG1sl3_g",
        "op_user": USER,
        "op_type": op_type,
        "op_time": 1649929622.589,
        "table_id": "9g8f",
        "table_name": "Opportunities",
        "row_name": "",
        "row_data": [],
        **extra,
    }


SELECT_CELL = {
    "column_key": "589r",
    "column_name": "Prio",
    "column_type": "single-select",
    "column_data": {"options": [{"name": "++", "color": "#F4667C", "id": "381992"}]},
    "value": "381992",
    "old_value": "",
}


def test_the_help_pages_samples() -> None:
    inserted = webhooks.parse_event(body(row("insert_row", row_id="Fk-i7xZGS5iA5aSvaG5HAA")))
    assert inserted.op_type == "insert_row"
    assert inserted.row_id == "Fk-i7xZGS5iA5aSvaG5HAA"
    assert inserted.row_data == ()
    assert inserted.event == "update"
    assert inserted.op_time == datetime(2022, 4, 14, 9, 47, 2, 589000, tzinfo=timezone.utc)
    assert inserted.op_time.tzinfo is not None
    assert inserted.op_timestamp == 1649929622.589

    modified = webhooks.parse_event(body(row("modify_row", row_data=[SELECT_CELL])))
    (cell,) = modified.row_data
    assert cell == webhooks.CellChange(
        "589r", "Prio", "single-select", "381992", "", SELECT_CELL["column_data"]
    )
    assert modified.values == {"Prio": "381992"}
    assert modified.old_values == {"Prio": ""}
    assert (modified.dtable_uuid, modified.table_id, modified.table_name) == (
        UUID,
        "9g8f",
        "Opportunities",
    )
    assert modified.op_user == USER
    assert not modified.is_link_change and modified.other_row is None

    deleted = webhooks.parse_event(body(row("delete_row")))
    assert deleted.op_type == "delete_row"
    created = webhooks.parse_event(body(row("create_row", op_time=1677595743.088)))
    assert created.op_type == "create_row"


def test_a_link_change_names_both_rows() -> None:
    link = {
        "dtable_uuid": UUID,
        "op_user": USER,
        "op_type": "add_link",
        "op_time": 1700000000,
        "table1_id": "0000",
        "table1_name": "Projects",
        "table1_row_id": "p1",
        "table1_row_name": "Alpha",
        "row_data1": [
            {
                "column_key": "L1",
                "column_name": "Tasks",
                "column_type": "link",
                "value": ["t1"],
                "old_value": [],
            }
        ],
        "table2_id": "0001",
        "table2_name": "Tasks",
        "table2_row_id": "t1",
        "table2_row_name": "Write",
        "row_data2": [
            {"column_key": "L2", "column_name": "Projects", "column_type": "link", "value": ["p1"]}
        ],
    }
    event = webhooks.parse_event(body(link))
    assert event.is_link_change
    assert (event.row_id, event.table_id, event.table_name, event.row_name) == (
        "p1",
        "0000",
        "Projects",
        "Alpha",
    )
    assert event.values == {"Tasks": ["t1"]}
    other = event.other_row
    assert other is not None
    assert (other.row_id, other.table_name, other.row_data[0].value) == ("t1", "Tasks", ["p1"])
    assert event.op_time == datetime(2023, 11, 14, 22, 13, 20, tzinfo=timezone.utc)


def test_newer_fields_and_kinds_pass_through() -> None:
    event = webhooks.parse_event(body(row("archive_row", op_app="script", row_count=1)))
    assert event.op_type == "archive_row"
    assert event.raw["op_app"] == "script"


def test_events_are_frozen_and_comparable() -> None:
    event = webhooks.parse_event(body(row("modify_row", row_data=[SELECT_CELL])))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        event.row_id = "x"  # type: ignore[misc]
    assert event == webhooks.parse_event(body(row("modify_row", row_data=[SELECT_CELL])))
    assert "raw" not in repr(event)


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b"\xff\xfe", None),
        (b"{not json", None),
        (b"[1, 2]", None),
        (json.dumps({"data": row("insert_row")}).encode(), "event"),
        (json.dumps({"event": "update"}).encode(), "data"),
        (json.dumps({"event": "update", "data": []}).encode(), "data"),
        (body({k: v for k, v in row("insert_row").items() if k != "op_type"}), "data.op_type"),
        (body({k: v for k, v in row("insert_row").items() if k != "row_id"}), "data.row_id"),
        (body({k: v for k, v in row("x").items() if k != "dtable_uuid"}), "data.dtable_uuid"),
        (body(row("insert_row", op_time="1649929622")), "data.op_time"),
        (body(row("insert_row", op_time=True)), "data.op_time"),
        (body(row("insert_row", op_time=1e300)), "data.op_time"),
        (body({**row("insert_row"), "op_time": None}), "data.op_time"),
        (body(row("insert_row", row_id=5)), "data.row_id"),
        (body(row("insert_row", row_data={"a": 1})), "data.row_data"),
        (body(row("insert_row", row_data=["x"])), "data.row_data[0]"),
        (body(row("insert_row", row_data=[{"value": 1}])), "data.row_data[0].column_key"),
        (
            body(row("insert_row", row_data=[{**SELECT_CELL, "column_data": []}])),
            "data.row_data[0].column_data",
        ),
    ],
)
def test_malformed_bodies_raise_a_typed_error(raw: bytes, field: str | None) -> None:
    with pytest.raises(sa.WebhookPayloadError) as info:
        webhooks.parse_event(raw)
    assert info.value.field == field
    assert isinstance(info.value, sa.SeaTableError)
    assert isinstance(info.value, ValueError)
    assert "not a SeaTable webhook event" in str(info.value)


def test_a_decoded_body_is_refused() -> None:
    with pytest.raises(sa.WebhookPayloadError, match="bytes"):
        webhooks.parse_event(body(row("x")).decode())  # type: ignore[arg-type]
