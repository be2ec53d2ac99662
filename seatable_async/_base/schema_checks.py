"""Argument checks of the schema resources (tables, columns, views), run before any request.

Every failure is a `ConfigurationError` in the style of `seatable_async._validate`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from seatable_async import _validate as check
from seatable_async._base.routing import Endpoint, Route
from seatable_async.cells._column_types import CREATABLE_TYPES
from seatable_async.errors import ConfigurationError
from seatable_async.models import Column, Table, View

__all__ = [
    "COLUMN_TYPES",
    "column",
    "column_answer",
    "column_name",
    "column_specs",
    "column_type",
    "columns_answer",
    "data",
    "entries",
    "names",
    "options",
    "table_answer",
    "view_answer",
    "views_answer",
]

#: The column types SeaTable's API accepts for a new column (see `seatable_async.cells`).
COLUMN_TYPES = CREATABLE_TYPES
_FORBIDDEN_IN_NAMES = ".{}`"


def column(value: object, what: str = "column") -> str:
    """A column name or key."""
    return check.text(value, what)


def column_name(value: object, what: str = "name") -> str:
    """A new column name: non-empty, without ``.``, ``{``, ``}`` or backticks (5.0 spec)."""
    name = check.text(value, what)
    if any(c in name for c in _FORBIDDEN_IN_NAMES):
        raise ConfigurationError(f"{what} must not contain '.', '{{', '}}' or '`'")
    return name


def column_type(value: object, what: str = "type") -> str:
    """One of `COLUMN_TYPES`."""
    return check.choice(value, what, COLUMN_TYPES)


def data(value: object, what: str = "data") -> dict[str, Any] | None:
    """Column data: a mapping (copied) or None."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ConfigurationError(f"{what} must be a mapping or None")
    return dict(value)


def column_specs(value: object, what: str = "columns") -> list[dict[str, Any]]:
    """New columns: ``{"column_name", "column_type", "column_data"?}`` mappings."""
    items = _sequence(value, what)
    out: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        where = f"{what}[{index}]"
        if not isinstance(item, Mapping):
            raise ConfigurationError(
                f"{where} must be a mapping with column_name, column_type and column_data"
            )
        unknown = set(item) - {"column_name", "column_type", "column_data"}
        if unknown:
            listed = ", ".join(sorted(repr(k) for k in unknown))
            raise ConfigurationError(f"{where} has unknown keys {listed}")
        spec: dict[str, Any] = {
            "column_name": column_name(item.get("column_name"), f"{where}['column_name']"),
            "column_type": column_type(item.get("column_type"), f"{where}['column_type']"),
        }
        extra = data(item.get("column_data"), f"{where}['column_data']")
        if extra is not None:
            spec["column_data"] = extra
        out.append(spec)
    return out


def names(value: object, what: str) -> list[str]:
    """A sequence of non-empty strings."""
    return [check.text(v, f"{what}[{i}]") for i, v in enumerate(_sequence(value, what))]


def entries(value: object, what: str) -> list[dict[str, Any]]:
    """A sequence of mappings (filters, sorts, groupbys), copied."""
    out = []
    for index, item in enumerate(_sequence(value, what)):
        if not isinstance(item, Mapping):
            raise ConfigurationError(f"{what}[{index}] must be a mapping")
        out.append(dict(item))
    return out


def options(value: object, what: str = "options", *, need_id: bool = False) -> list[dict[str, Any]]:
    """Select options: ``{"name", "color", "textColor"?}`` (``id`` required to update)."""
    out = entries(value, what)
    for index, option in enumerate(out):
        where = f"{what}[{index}]"
        unknown = set(option) - {"id", "name", "color", "textColor", "borderColor"}
        if unknown:
            listed = ", ".join(sorted(repr(k) for k in unknown))
            raise ConfigurationError(f"{where} has unknown keys {listed}")
        if need_id:
            check.text(option.get("id"), f"{where}['id']")
        else:
            check.text(option.get("name"), f"{where}['name']")
        for key in ("id", "name", "color", "textColor", "borderColor"):
            if key in option and not isinstance(option[key], str):
                raise ConfigurationError(f"{where}['{key}'] must be a string")
    return out


def _sequence(value: object, what: str) -> Sequence[Any]:
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Sequence):
        raise ConfigurationError(f"{what} must be a sequence")
    return value


# -- answers ----------------------------------------------------------------------------------


def column_answer(endpoint: Endpoint, route: Route, answer: Any) -> Column:
    """A column object answered by ``endpoint``."""
    return Column.from_json(answer, method=endpoint.method, path=endpoint.template(route))


def columns_answer(endpoint: Endpoint, route: Route, answer: Any) -> list[Column]:
    """``{"columns": [...]}`` answered by ``endpoint``."""
    items = _listed(endpoint, route, answer, "columns")
    path = endpoint.template(route)
    return [Column.from_json(c, method=endpoint.method, path=path) for c in items]


def table_answer(endpoint: Endpoint, route: Route, answer: Any) -> Table:
    """A table object answered by ``endpoint``."""
    return Table.from_json(answer, method=endpoint.method, path=endpoint.template(route))


def view_answer(endpoint: Endpoint, route: Route, answer: Any) -> View:
    """A view object answered by ``endpoint``."""
    return View.from_json(answer, method=endpoint.method, path=endpoint.template(route))


def views_answer(endpoint: Endpoint, route: Route, answer: Any) -> list[View]:
    """``{"views": [...]}`` answered by ``endpoint``."""
    items = _listed(endpoint, route, answer, "views")
    path = endpoint.template(route)
    return [View.from_json(v, method=endpoint.method, path=path) for v in items]


def _listed(endpoint: Endpoint, route: Route, answer: Any, key: str) -> list[Any]:
    items = answer.get(key) if isinstance(answer, dict) else None
    if not isinstance(items, list):
        raise endpoint.malformed(route, f"the answer has no '{key}' list")
    return items
