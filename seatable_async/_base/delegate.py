"""`Delegate`: a façade method that is another object's method, with its signature and docs.

`Base` is one flat façade (``base.list_rows``, ``base.export``, …) over the objects that own
each concern (`RowOps`, `Exporter`, …). ``list_rows = Delegate("_rows", RowOps.list_rows)``
reads as "``list_rows`` lives in `RowOps`, held in ``_rows``": on an instance it is the
helper's bound method (so its signature, types and docstring are the owner's, one copy); on
the class it is the owner's function, so ``help(Base.list_rows)`` shows the owner's docs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar, overload

__all__ = ["Delegate"]

Helper = TypeVar("Helper")
P = ParamSpec("P")
R = TypeVar("R")


class Delegate(Generic[Helper, P, R]):
    """A class attribute that forwards to ``method`` of the helper held in ``attribute``."""

    def __init__(self, attribute: str, method: Callable[Concatenate[Helper, P], R]) -> None:
        self._attribute = attribute
        self._method = method
        self.__doc__ = method.__doc__

    @overload
    def __get__(self, instance: None, owner: type[Any]) -> Callable[Concatenate[Helper, P], R]: ...

    @overload
    def __get__(self, instance: object, owner: type[Any] | None = None) -> Callable[P, R]: ...

    def __get__(self, instance: object | None, owner: type[Any] | None = None) -> Any:
        if instance is None:
            return self._method
        helper = getattr(instance, self._attribute)
        return self._method.__get__(helper, type(helper))
