"""Argument checks, run before any request; every failure is a `ConfigurationError`.

One style of message: ``"<argument> must be <what is expected>"``, naming the argument as the
caller wrote it. Values are echoed only where they cannot be secrets (numbers, choices).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from seatable_async.errors import ConfigurationError

__all__ = [
    "app_name",
    "boolean",
    "choice",
    "email",
    "function",
    "id_lists",
    "integer",
    "request_target",
    "row_ids",
    "rows",
    "text",
    "timezone",
    "updates",
    "workspace_id",
]

_APP_NAME = re.compile(r"^[^/\\\x00-\x1f]{1,255}$")


def text(value: object, what: str) -> str:
    """A non-empty string (surrounding whitespace stripped)."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigurationError(f"{what} must be a non-empty string")
    return value.strip()


def integer(
    value: object, what: str, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    """An ``int`` (not a ``bool``) within the bounds."""
    ok = isinstance(value, int) and not isinstance(value, bool)
    if ok and minimum is not None and value < minimum:  # type: ignore[operator]
        ok = False
    if ok and maximum is not None and value > maximum:  # type: ignore[operator]
        ok = False
    if not ok:
        if minimum is not None and maximum is not None:
            expected = f"an integer from {minimum} to {maximum}"
        elif minimum is not None:
            expected = f"an integer >= {minimum}"
        else:
            expected = "an integer"
        raise ConfigurationError(f"{what} must be {expected}")
    assert isinstance(value, int)
    return value


def workspace_id(value: object) -> int:
    """A workspace id: an integer >= 0."""
    return integer(value, "workspace_id", minimum=0)


def boolean(value: object, what: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigurationError(f"{what} must be True or False")
    return value


def choice(value: object, what: str, options: Collection[str]) -> str:
    """One of ``options`` (echoed, they are not secrets)."""
    if not isinstance(value, str) or value not in options:
        listed = ", ".join(repr(o) for o in options)
        raise ConfigurationError(f"{what} must be one of {listed}, not {value!r}")
    return value


def timezone(value: object, what: str = "timezone") -> tzinfo | None:
    """None, a `tzinfo`, or an IANA zone name (``"Europe/Berlin"``) as a `ZoneInfo`."""
    if value is None or isinstance(value, tzinfo):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return ZoneInfo(value.strip())
        except (ZoneInfoNotFoundError, ValueError):
            pass
    raise ConfigurationError(
        f"{what} must be an IANA time zone name (e.g. 'Europe/Berlin') or a tzinfo"
    )


def function(value: object, what: str) -> Callable[..., Any]:
    if not callable(value):
        raise ConfigurationError(f"{what} must be callable")
    return value


def email(value: object) -> str:
    address = text(value, "email")
    if "@" not in address:
        raise ConfigurationError("email must be an e-mail address")
    return address


def app_name(value: object) -> str:
    """An API-Token's app name: 1-255 characters without slashes or control characters."""
    if not isinstance(value, str) or not _APP_NAME.match(value) or value != value.strip():
        raise ConfigurationError(
            "app_name must be 1-255 characters without '/', '\\', control characters or "
            "surrounding spaces"
        )
    return value


def rows(value: object) -> list[dict[str, Any]]:
    """A sequence of row mappings (column name → value), copied into plain dicts."""
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Sequence):
        raise ConfigurationError("rows must be a sequence of mappings (column name -> value)")
    out: list[dict[str, Any]] = []
    for index, row in enumerate(value):
        if not isinstance(row, Mapping):
            raise ConfigurationError(
                f"rows[{index}] must be a mapping of column names to values, "
                f"not a {type(row).__name__}"
            )
        out.append(dict(row))
    return out


def updates(value: object) -> list[tuple[str, dict[str, Any]]]:
    """``{row_id: row}`` or a sequence of ``(row_id, row)`` pairs."""
    if isinstance(value, Mapping):
        pairs: list[Any] = list(value.items())
    elif isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        pairs = list(value)
    else:
        raise ConfigurationError(
            "updates must be {row_id: {column: value}} or a sequence of (row_id, row) pairs"
        )
    out: list[tuple[str, dict[str, Any]]] = []
    for index, pair in enumerate(pairs):
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise ConfigurationError(f"updates[{index}] must be a (row_id, row) pair")
        row_id, row = pair
        if not isinstance(row_id, str) or not row_id.strip():
            raise ConfigurationError(f"updates[{index}] must have a non-empty row id")
        if not isinstance(row, Mapping):
            raise ConfigurationError(f"updates[{index}] must have a mapping as its row")
        out.append((row_id, dict(row)))
    return out


def id_lists(value: object, what: str) -> list[tuple[str, list[str]]]:
    """``{row_id: [other row ids]}`` (order kept; duplicate ids dropped)."""
    if not isinstance(value, Mapping):
        raise ConfigurationError(f"{what} must be a mapping of row ids to sequences of row ids")
    out: list[tuple[str, list[str]]] = []
    for key, others in value.items():
        row = text(key, f"{what} keys")
        out.append((row, list(dict.fromkeys(row_ids(others, f"{what}[{row!r}]")))))
    return out


def row_ids(value: object, what: str = "row_ids") -> list[str]:
    """A sequence of non-empty row id strings."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise ConfigurationError(f"{what} must be a sequence of row id strings")
    out: list[str] = []
    for index, item in enumerate(value):
        out.append(text(item, f"{what}[{index}]"))
    return out


_REQUEST_METHODS = ("GET", "POST", "PUT", "DELETE")


def request_target(method: object, path: object) -> tuple[str, str]:
    """The method and server path of an escape-hatch request (``Base.request``,
    ``Account.request``): a server path only, so a token never travels to another host."""
    checked = choice(method, "method", _REQUEST_METHODS)
    server_path = text(path, "path")
    if not server_path.startswith("/") or "://" in server_path:
        raise ConfigurationError("path must be a server path starting with '/'")
    return checked, server_path
