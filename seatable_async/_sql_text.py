"""SQL statement text: keyword checks outside literals, inlined parameters, result caps.

Only text is handled here; sending a statement is `Base.sql`'s job.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from seatable_async.errors import ConfigurationError

__all__ = [
    "SQL_CAP",
    "SQL_DEFAULT_LIMIT",
    "inline_parameters",
    "result_cap",
    "sql_literal",
    "without_literals",
]

SQL_CAP = 10000
"""Most rows one SQL answer holds when the statement has a LIMIT."""

SQL_DEFAULT_LIMIT = 100
"""Rows one SQL answer holds when the statement has no LIMIT."""

_LITERALS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|`[^`]*`")
_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|`[^`]*`|\?")


def without_literals(statement: str) -> str:
    """The statement with quoted strings and identifiers blanked (for keyword checks)."""
    return _LITERALS.sub("''", statement)


def sql_literal(value: Any) -> str:
    """``value`` as an SQL literal (str, int, float, bool or None)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ConfigurationError("SQL parameters cannot be NaN or infinite")
        return repr(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise ConfigurationError(
        f"SQL parameter of type {type(value).__name__} is not supported (use str, int, float, "
        "bool or None)"
    )


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
