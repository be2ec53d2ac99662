"""JSON → value objects, declared once per model and converted by one cattrs converter.

A model is a frozen attrs class deriving from `JSONModel`; its fields say everything:

* the field's type: ``str``, ``int``, ``float``, ``bool``, ``X | None``, ``list[Model]``,
  ``dict[str, Any]``, `Secret`;
* ``json_field(key="_id")`` when the JSON key differs from the field name;
* a field named ``raw`` receives the whole JSON object;
* a JSON ``null`` counts as a missing key (so a default applies, or the field is reported
  missing).

SeaTable writes some numbers as strings, so numbers and booleans are read leniently (``"42"``
is an int, ``"true"``/``1`` a bool); strings must be strings. Anything else that does not fit
raises `ResponseFormatError` naming the model and the field (``account info: $.email: required
field missing``). A model that needs its answer reshaped first registers a preparer with
`prepare`.
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, override

from seatable_async._secret import Secret
from seatable_async.errors import ResponseFormatError, SeaTableError

__all__ = ["JSONModel", "json_field", "prepare", "structure"]

_M = TypeVar("_M", bound="JSONModel")
_KEY = "seatable_async.json"

_converter = cattrs.Converter(detailed_validation=True)
_preparers: dict[type[Any], Callable[[dict[str, Any]], dict[str, Any]]] = {}


def json_field(*, key: str, **kwargs: Any) -> Any:
    """An attrs field read from JSON key ``key``."""
    metadata = {**kwargs.pop("metadata", {}), _KEY: key}
    return attrs.field(metadata=metadata, **kwargs)


def prepare(
    model: type[Any],
) -> Callable[[Callable[[dict[str, Any]], dict[str, Any]]], Callable[[dict[str, Any]], Any]]:
    """Register a function that reshapes ``model``'s JSON object before conversion."""

    def register(fn: Callable[[dict[str, Any]], dict[str, Any]]) -> Callable[..., Any]:
        _preparers[model] = fn
        return fn

    return register


class JSONModel:
    """Mixin for models read from SeaTable's JSON answers."""

    @classmethod
    def from_json(
        cls: type[_M], data: Any, *, method: str | None = None, path: str | None = None
    ) -> _M:
        """Convert one JSON answer (or list entry).

        Raises:
            ResponseFormatError: the answer does not fit, naming the field.
        """
        return structure(data, cls, method=method, path=path)


def structure(data: Any, model: type[_M], *, method: str | None, path: str | None) -> _M:
    """Convert ``data`` into ``model``, or raise `ResponseFormatError`."""
    try:
        return _converter.structure(data, model)
    except (cattrs.BaseValidationError, ValueError, TypeError) as exc:
        what = _describe(model)
        messages = (
            cattrs.transform_error(exc, format_exception=_explain)
            if isinstance(exc, cattrs.BaseValidationError)
            else []
        )
        reason = messages[0] if messages else str(exc) or type(exc).__name__
        raise ResponseFormatError(f"{what}: {reason}", method=method, path=path) from None


def _explain(exc: BaseException, expected: type[Any] | None) -> str:
    """One error as the message names it: SeaTable's field, then what was wrong."""
    if isinstance(exc, KeyError):
        return "required field missing"
    text = str(exc)
    return text if text else f"invalid value for {getattr(expected, '__name__', 'the type')}"


def _describe(model: type[Any]) -> str:
    name = model.__name__
    return "".join(f" {c.lower()}" if c.isupper() else c for c in name).strip()


# -- scalars: read leniently, as SeaTable writes them -------------------------------------------


def _str(value: Any, _: Any) -> str:
    if isinstance(value, str):
        return value
    raise TypeError(f"expected a string, got {type(value).__name__}")


def _int(value: Any, _: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise TypeError(f"expected an integer, got {type(value).__name__}")


def _float(value: Any, _: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    raise TypeError(f"expected a number, got {type(value).__name__}")


def _bool(value: Any, _: Any) -> bool:
    if isinstance(value, (bool, int)):
        return bool(value)
    if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
        return value.lower() in ("true", "1")
    raise TypeError(f"expected a boolean, got {type(value).__name__}")


def _secret(value: Any, _: Any) -> Secret:
    if not isinstance(value, str):
        raise TypeError(f"expected a token string, got {type(value).__name__}")
    try:
        return Secret(value)
    except SeaTableError:
        raise ValueError("the token is empty or malformed") from None


def _dict(value: Any, _: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError(f"expected an object, got {type(value).__name__}")
    return value


for _type, _hook in ((str, _str), (int, _int), (float, _float), (bool, _bool), (Secret, _secret)):
    _converter.register_structure_hook(_type, _hook)
_converter.register_structure_hook_func(lambda t: t == dict[str, Any], _dict)


# -- models -------------------------------------------------------------------------------------


def _model_hook(model: type[Any]) -> Callable[[Any, Any], Any]:
    fields = attrs.fields(attrs.resolve_types(model))
    lists = [f.metadata.get(_KEY, f.name) for f in fields if typing.get_origin(f.type) is list]
    overrides = {f.name: override(rename=f.metadata[_KEY]) for f in fields if _KEY in f.metadata}
    keeps_raw = any(f.name == "raw" for f in fields)
    if keeps_raw:
        overrides["raw"] = override(omit=True)
    convert = make_dict_structure_fn(model, _converter, **overrides)  # type: ignore[arg-type]
    preparer = _preparers.get(model)

    def hook(value: Any, _: Any) -> Any:
        if not isinstance(value, dict):
            raise TypeError(f"expected a JSON object, got {type(value).__name__}")
        data = preparer(value) if preparer is not None else value
        for key in lists:
            if data.get(key) is not None and not isinstance(data[key], list):
                raise TypeError(f"'{key}' is not a list")
        result = convert({k: v for k, v in data.items() if v is not None}, model)
        return attrs.evolve(result, raw=dict(value)) if keeps_raw else result

    return hook


_converter.register_structure_hook_factory(
    lambda cls: attrs.has(cls) and issubclass(cls, JSONModel), _model_hook
)
