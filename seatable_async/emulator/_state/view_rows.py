"""A view applied to the rows of its table: filters, sorts and hidden columns.

Listing rows with a view "applies its filters and sorts and returns only its visible columns"
(``view_name``/``view_id``, 6.1 spec listRows; fidelity audit D11). The predicates follow the
5.0 spec's ``*_filter_predicate`` enums; how each compares is inferred. Not applied: group-bys
(they order groups in the web interface only), date modifiers other than ``exact_date``,
``today``, ``yesterday`` and ``tomorrow``, and predicates outside the lists below (such a
filter matches every row).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from .records import Column, Table

__all__ = ["apply_view", "hidden_names"]

_SELECTS = ("single-select", "multiple-select")
_NUMBERS = frozenset({"number", "duration", "rate"})
_DATES = frozenset({"date", "ctime", "mtime"})
_RELATIVE = {"today": 0, "yesterday": -1, "tomorrow": 1}


def hidden_names(table: Table, view: dict[str, Any]) -> set[str]:
    """Names of the columns ``view`` hides."""
    hidden = view.get("hidden_columns") or []
    return {c.name for c in table.columns if c.key in hidden}


def apply_view(
    table: Table, view: dict[str, Any], rows: list[dict[str, Any]], today: date
) -> list[dict[str, Any]]:
    """The rows ``view`` shows, in its order (rows keyed by column name, as stored)."""
    filters = [f for f in view.get("filters") or [] if isinstance(f, dict) and f]
    if filters:
        any_of = view.get("filter_conjunction") == "Or"
        checks = [(table.by_key.get(str(f.get("column_key"))), f) for f in filters]
        kept = []
        for row in rows:
            results = (
                _match(col, _value(col, row), f, today) if col is not None else True
                for col, f in checks
            )
            if any(results) if any_of else all(results):
                kept.append(row)
        rows = kept
    for sort in reversed([s for s in view.get("sorts") or [] if isinstance(s, dict)]):
        col = table.by_key.get(str(sort.get("column_key")))
        if col is not None:
            rows = _sorted(rows, col, descending=sort.get("sort_type") == "down")
    return rows


def _value(col: Column, row: dict[str, Any]) -> Any:
    system = {"ctime": "_ctime", "mtime": "_mtime", "creator": "_creator"}
    return row.get(system.get(col.type, col.name))


def _sorted(rows: list[dict[str, Any]], col: Column, *, descending: bool) -> list[dict[str, Any]]:
    """Stable sort on one column; empty cells last in both directions (inferred)."""
    present = [r for r in rows if _value(col, r) not in (None, "", [])]
    empty = [r for r in rows if _value(col, r) in (None, "", [])]
    present.sort(key=lambda r: _sort_key(_value(col, r)), reverse=descending)
    return present + empty


def _sort_key(value: Any) -> tuple[int, Any]:
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, (int, float)):
        return (0, value)
    if isinstance(value, list):
        return (1, ", ".join(str(v) for v in value))
    return (1, str(value))


def _match(col: Column, value: Any, flt: dict[str, Any], today: date) -> bool:
    predicate = str(flt.get("filter_predicate") or "").replace(" ", "_")
    term = flt.get("filter_term")
    empty = value in (None, "", [])
    if predicate == "is_empty":
        return empty
    if predicate == "is_not_empty":
        return not empty
    if col.type in _SELECTS:
        return _match_select(col, value, predicate, term)
    if col.type == "checkbox":
        return bool(value) == bool(term) if predicate == "is" else True
    if col.type in _NUMBERS:
        return _match_number(value, predicate, term)
    if col.type in _DATES:
        return _match_date(value, predicate, flt, today)
    text = "" if value is None else str(value)
    wanted = "" if term is None else str(term)
    if predicate == "contains":
        return wanted.lower() in text.lower()
    if predicate == "does_not_contain":
        return wanted.lower() not in text.lower()
    if predicate == "is":
        return text == wanted
    if predicate == "is_not":
        return text != wanted
    return True


def _match_select(col: Column, value: Any, predicate: str, term: Any) -> bool:
    """Terms are option ids (names accepted too); cells hold option names."""
    names = {o.get("id"): o.get("name") for o in (col.data or {}).get("options", [])}
    terms = term if isinstance(term, list) else [term]
    wanted = {names.get(t, t) for t in terms}
    held = set(value) if isinstance(value, list) else ({value} if value is not None else set())
    if predicate == "is":
        return held == wanted
    if predicate in ("is_not",):
        return held != wanted
    if predicate in ("is_any_of", "has_any_of"):
        return bool(held & wanted)
    if predicate in ("is_none_of", "has_none_of"):
        return not held & wanted
    if predicate == "has_all_of":
        return wanted <= held
    if predicate == "is_exactly":
        return held == wanted
    return True


def _match_number(value: Any, predicate: str, term: Any) -> bool:
    try:
        number = float(value)
        wanted = float(term)
    except (TypeError, ValueError):
        return predicate == "not_equal"
    tests = {
        "equal": number == wanted,
        "not_equal": number != wanted,
        "less": number < wanted,
        "greater": number > wanted,
        "less_or_equal": number <= wanted,
        "greater_or_equal": number >= wanted,
    }
    return tests.get(predicate, True)


def _match_date(value: Any, predicate: str, flt: dict[str, Any], today: date) -> bool:
    modifier = flt.get("filter_term_modifier") or "exact_date"
    if modifier in _RELATIVE:
        wanted = (today + timedelta(days=_RELATIVE[modifier])).isoformat()
    elif modifier == "exact_date" and isinstance(flt.get("filter_term"), str):
        wanted = flt["filter_term"][:10]
    else:
        return True
    if not isinstance(value, str) or len(value) < 10:
        return predicate == "is_not"
    day = value[:10]
    tests = {
        "is": day == wanted,
        "is_not": day != wanted,
        "is_before": day < wanted,
        "is_after": day > wanted,
        "is_on_or_before": day <= wanted,
        "is_on_or_after": day >= wanted,
    }
    return tests.get(predicate, True)
