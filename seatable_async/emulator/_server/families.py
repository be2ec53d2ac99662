"""A base's routes on SeaTable's two route families, registered one way for every resource.

* ``gateway``: the API gateway, ``/api-gateway/api/v2/dtables/{uuid}/…`` (4.4 and later);
* ``legacy``: dtable-server, ``/dtable-server/api/v1/dtables/{uuid}/…`` (before 6.0).

A handler takes the request and its family (the family decides error bodies and shapes).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

from .request import Request
from .responses import Response
from .router import Handler, Router

__all__ = ["PREFIXES", "BaseRoute", "FamilyHandler", "add_routes", "bind", "families"]

FamilyHandler = Callable[[Request, str], Awaitable[Response]]
BaseRoute = tuple[str, str, str, FamilyHandler]
"""(route name, methods, path after the family's prefix, handler)."""

PREFIXES = {
    "gateway": "/api-gateway/api/v2/dtables/{uuid}/",
    "legacy": "/dtable-server/api/v1/dtables/{uuid}/",
}


def families(version: tuple[int, int]) -> list[str]:
    """The families a server of ``version`` serves a base's routes on."""
    out = []
    if version >= (4, 4):
        out.append("gateway")
    if version < (6, 0):
        out.append("legacy")
    return out


def bind(fn: FamilyHandler, family: str) -> Handler:
    """``fn`` as a router handler for ``family``."""

    async def handler(req: Request) -> Response:
        return await fn(req, family)

    handler.__name__ = f"{family}_{fn.__name__}"
    return handler


def add_routes(
    router: Router,
    family: str,
    routes: Iterable[BaseRoute],
    *,
    binder: Callable[[FamilyHandler, str], Handler] = bind,
) -> None:
    """Register ``routes`` under ``family``'s prefix as ``<family>.<name>``."""
    prefix = PREFIXES[family]
    for name, methods, path, fn in routes:
        router.add(f"{family}.{name}", methods, prefix + path, family, binder(fn, family))
