"""SQL statement text: keyword checks outside literals, inlined parameters, result caps.

Only text is handled here; sending a statement is `Base.sql`'s job.
"""

from __future__ import annotations

import datetime
import decimal
import math
import re
from collections.abc import Sequence
from typing import Any

from seatable_async.errors import ConfigurationError

__all__ = [
    "SQL_CAP",
    "SQL_DEFAULT_LIMIT",
    "inline_parameters",
    "json_parameter",
    "result_cap",
    "sql_literal",
    "without_literals",
]

SQL_CAP = 10000
"""Most rows one SQL answer holds when the statement has a LIMIT."""

SQL_DEFAULT_LIMIT = 100
"""Rows one SQL answer holds when the statement has no LIMIT."""

# String literals as SeaTable (MySQL-style) reads them: '' or \' inside '…', "" or \" inside "…".
_STRINGS = r"'(?:[^'\\]|\\.|'')*'|\"(?:[^\"\\]|\\.|\"\")*\"|`[^`]*`"
_LITERALS = re.compile(_STRINGS, re.DOTALL)
_TOKENS = re.compile(_STRINGS + r"|\?", re.DOTALL)


def without_literals(statement: str) -> str:
    """The statement with quoted strings and identifiers blanked (for keyword checks)."""
    return _LITERALS.sub("''", statement)


def sql_literal(value: Any) -> str:
    """``value`` as a SeaTable SQL literal, for servers that take no parameters.

    SeaTable's SQL reads string literals as MySQL does (its docs use MySQL's ``LIMIT`` form
    and double-quoted strings), so a backslash escapes: both ``\\`` and ``'`` are escaped.
    Dates become ISO strings, which SeaTable compares as times.

    Raises:
        ConfigurationError: a value of another type, or NaN/infinity.
    """
    wire = json_parameter(value)
    if wire is None:
        return "NULL"
    if isinstance(wire, bool):
        return "true" if wire else "false"
    if isinstance(wire, (int, float)):
        return repr(wire)
    return "'" + wire.replace("\\", "\\\\").replace("'", "''") + "'"


def json_parameter(value: Any) -> str | int | float | bool | None:
    """``value`` as the JSON value SeaTable's ``parameters`` take.

    str, int, float, bool and None as they are; ``Decimal`` as a number; ``date`` as
    ``YYYY-MM-DD`` and ``datetime`` as ISO 8601 (with its offset when it has one).

    Raises:
        ConfigurationError: any other type, or NaN/infinity (before anything is sent).
    """
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, (float, decimal.Decimal)):
        if not math.isfinite(value):
            raise ConfigurationError("SQL parameters cannot be NaN or infinite")
        return float(value) if isinstance(value, float) else _decimal(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    raise ConfigurationError(
        f"SQL parameters must be str, int, float, Decimal, bool, None, date or datetime, not "
        f"{type(value).__name__}"
    )


def _decimal(value: decimal.Decimal) -> int | float:
    # JSON has one number type; an integral Decimal stays exact as an int.
    return int(value) if value == value.to_integral_value() else float(value)


def inline_parameters(statement: str, parameters: Sequence[Any]) -> str:
    """Replace ``?`` placeholders (outside quotes) by SQL literals, for pre-5.0 servers."""
    values = list(parameters)
    used = 0

    def substitute(match: re.Match[str]) -> str:
        nonlocal used
        if match.group(0) != "?":
            return match.group(0)
        if used >= len(values):
            raise ConfigurationError("the statement has more '?' placeholders than parameters")
        used += 1
        return sql_literal(values[used - 1])

    result = _TOKENS.sub(substitute, statement)
    if used != len(values):
        raise ConfigurationError("the statement has fewer '?' placeholders than parameters")
    return result


def result_cap(statement: str) -> int:
    """The most rows the server returns for ``statement`` (with or without LIMIT)."""
    lowered = without_literals(statement).lower()
    return SQL_CAP if re.search(r"\blimit\b", lowered) else SQL_DEFAULT_LIMIT
