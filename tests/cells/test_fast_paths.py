"""The encoder's shortcuts for values already in wire form never decide differently from the
full encoder: a value they accept is exactly what the full encoder would send."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from seatable_async.cells import CellValueError, ColumnSpec
from seatable_async.cells._common import Invalid
from seatable_async.cells._encode_values import SLOW, CellEncoder, fast_encoder

SPECS = [
    ColumnSpec("T", "text"),
    ColumnSpec("N", "number"),
    ColumnSpec("C", "checkbox"),
    ColumnSpec("D", "duration"),
    ColumnSpec("S", "single-select", data={"options": [{"id": "1", "name": "a"}]}),
    ColumnSpec("Day", "date"),
    ColumnSpec("Min", "date", data={"format": "YYYY-MM-DD HH:mm"}),
    ColumnSpec("Sec", "date", data={"format": "YYYY-MM-DD HH:mm:ss"}),
]
TRICKY: list[Any] = [
    "", " ", "a", "2030-06-20", "2030-02-31", "2030-06-20 10:00", "2030-06-20 24:00",
    "2030-06-20 10:60", "2030-06-20 10:00:30", "2030-06-20T10:00", "0000-01-01", 0, 1, -1,
    2**53, 2**53 + 1, -(2**53) - 1, 1.5, float("nan"), float("inf"), -0.0, True, False, None,
]  # fmt: skip
VALUES = st.one_of(
    st.sampled_from(TRICKY),
    st.text(max_size=20),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates().map(lambda d: d.isoformat()),
    st.datetimes().map(lambda d: d.isoformat(sep=" ", timespec="minutes")),
    st.datetimes().map(lambda d: d.isoformat(sep=" ", timespec="seconds")),
)


def full(spec: ColumnSpec, value: Any, strict: bool) -> Any:
    encoder = CellEncoder(server_tz=None, truncate=False, strict_options=strict, users=None)
    try:
        return encoder.encode(spec, value)
    except (Invalid, CellValueError):
        return Invalid


@settings(max_examples=400, deadline=None)
@given(value=VALUES, strict=st.booleans())
def test_a_shortcut_agrees_with_the_full_encoder(value: Any, strict: bool) -> None:
    for spec in SPECS:
        shortcut = fast_encoder(spec, strict_options=strict)(value)
        if shortcut is not SLOW:
            expected = full(spec, value, strict)
            assert expected is not Invalid, (spec.type, value)
            assert shortcut == expected and type(shortcut) is type(expected), (spec, value)


def test_the_tricky_values_one_by_one() -> None:
    accepted = {
        spec.name: [v for v in TRICKY if fast_encoder(spec, strict_options=False)(v) is not SLOW]
        for spec in SPECS
    }
    assert accepted["Day"] == ["2030-06-20"]
    assert accepted["Min"] == ["2030-06-20", "2030-06-20 10:00"]
    assert accepted["Sec"] == ["2030-06-20", "2030-06-20 10:00:30"]
    assert accepted["N"] == [0, 1, -1, 2**53, 1.5, -0.0]
    assert accepted["C"] == [True, False]
    assert accepted["T"] == [v for v in TRICKY if isinstance(v, str)]
    assert "" not in accepted["S"] and " " not in accepted["S"] and "a" in accepted["S"]
    assert fast_encoder(SPECS[4], strict_options=True)("a") is SLOW  # strict: checked in full
    for spec in SPECS:
        for value in accepted[spec.name]:
            assert fast_encoder(spec, strict_options=False)(value) == full(spec, value, False)
