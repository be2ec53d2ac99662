"""Where base operations go, per server version: the one place every resource routes through.

A base is reached either through the API gateway (4.4+: ``/api-gateway/api/v2/dtables/{uuid}/…``)
or, before it, through the legacy servers named in the Base-Token answer: dtable-server
(``{dtable_server}/api/v1/dtables/{uuid}/…``) and dtable-db (``{dtable_db}/api/v1/…``). Every
operation is declared once as an `Endpoint` with its path on each route it exists on; an
operation a server lacks raises `UnsupportedOperationError` before any request.

Adding an endpoint means declaring it next to the resource that uses it (plus its emulator
route).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from urllib.parse import quote

import attrs

from seatable_async._auth.tokens import BaseToken
from seatable_async.errors import ResponseFormatError, UnsupportedOperationError

__all__ = ["Endpoint", "Route", "resolve_route"]

GATEWAY_PREFIX = "/api-gateway/api/v2/dtables/{base_uuid}"
SERVER_PREFIX = "/dtable-server/api/v1/dtables/{base_uuid}"
DB_PREFIX = "/dtable-db/api/v1"


@attrs.frozen
class Route:
    """Where one Base-Token's operations go.

    Attributes:
        gateway: True for the API gateway, False for the legacy servers.
        dtable_uuid: the base.
        server_url: ``{gateway base}`` or ``{dtable_server}/api/v1/dtables/{uuid}``.
        db_url: ``{dtable_db}/api/v1`` on legacy routes (unused on the gateway).
        version: the server version, when it is known.
        legacy_url: on a gateway route of a server that still runs dtable-server (4.4-5.x),
            ``{dtable_server}/api/v1/dtables/{uuid}`` (from the token answer), else "".
    """

    gateway: bool
    dtable_uuid: str
    server_url: str
    db_url: str
    version: tuple[int, ...] = ()
    legacy_url: str = ""


@attrs.frozen
class Endpoint:
    """One base operation and its path on each route family.

    Paths may hold ``{name}`` placeholders, filled (URL-quoted) from the call's arguments;
    ``{base_uuid}`` is always available. The path templates are what logs and errors show.

    Attributes:
        operation: the public name, e.g. ``"base.list_rows"`` (for error messages).
        method: the HTTP method.
        gateway: the path after ``/api-gateway/api/v2/dtables/{base_uuid}``, or None.
        legacy: the path after ``/dtable-server/api/v1/dtables/{base_uuid}``, or None.
        legacy_db: the path after ``/dtable-db/api/v1`` (legacy SQL, big data), or None.
        idempotent: whether a sent request may be replayed (default: by method).
        gateway_since: the first version whose gateway has this path.
        legacy_until: the first version without the legacy path (6.0 removed them).
        legacy_fallback: the gateway lacks the operation, so gateway routes of servers that
            still run dtable-server (4.4-5.x) send it to the ``legacy`` path there.
        changes_schema: the operation changes tables, columns or views, so the base's
            cached metadata is dropped once it was sent (landed or not).
    """

    operation: str
    method: str
    gateway: str | None = None
    legacy: str | None = None
    legacy_db: str | None = None
    idempotent: bool | None = None
    gateway_since: tuple[int, ...] = (4, 4)
    legacy_until: tuple[int, ...] = (6, 0)
    legacy_fallback: bool = False
    changes_schema: bool = False

    def locate(self, route: Route, args: Mapping[str, str] | None = None) -> tuple[str, str]:
        """Return ``(url, template)`` of this operation on ``route``.

        Raises:
            UnsupportedOperationError: the route's server has no such endpoint.
        """
        values = {"base_uuid": route.dtable_uuid, **(args or {})}
        if route.gateway:
            if self._falls_back(route):
                assert self.legacy is not None
                return _fill(route.legacy_url, self.legacy, values), SERVER_PREFIX + self.legacy
            if self.gateway is None or (route.version and route.version < self.gateway_since):
                raise self._unsupported(route, "the API gateway")
            return _fill(route.server_url, self.gateway, values), GATEWAY_PREFIX + self.gateway
        if route.version and route.version >= self.legacy_until:
            raise self._unsupported(route, "the legacy servers")
        if self.legacy is not None:
            return _fill(route.server_url, self.legacy, values), SERVER_PREFIX + self.legacy
        if self.legacy_db is not None:
            return _fill(route.db_url, self.legacy_db, values), DB_PREFIX + self.legacy_db
        raise self._unsupported(route, "servers before the API gateway (4.4)")

    def _falls_back(self, route: Route) -> bool:
        return (
            self.gateway is None
            and self.legacy_fallback
            and self.legacy is not None
            and bool(route.legacy_url)
            and not (route.version and route.version >= self.legacy_until)
        )

    def template(self, route: Route) -> str:
        """The path template on ``route`` (for messages; the operation's name if none)."""
        if route.gateway and self._falls_back(route):
            return SERVER_PREFIX + str(self.legacy)
        if route.gateway and self.gateway is not None:
            return GATEWAY_PREFIX + self.gateway
        if not route.gateway and self.legacy is not None:
            return SERVER_PREFIX + self.legacy
        if not route.gateway and self.legacy_db is not None:
            return DB_PREFIX + self.legacy_db
        return self.operation

    def malformed(self, route: Route, reason: str) -> ResponseFormatError:
        """The error for an answer of this operation that does not have the expected shape."""
        return ResponseFormatError(reason, method=self.method, path=self.template(route))

    def _unsupported(self, route: Route, where: str) -> UnsupportedOperationError:
        version = ".".join(str(p) for p in route.version) or None
        shown = f"SeaTable {version}" if version else "this server"
        return UnsupportedOperationError(
            f"{self.operation} is not available on {where} ({shown})",
            operation=self.operation,
            server_version=version,
        )


def _fill(root: str, path: str, values: Mapping[str, str]) -> str:
    quoted = {key: quote(str(value), safe="") for key, value in values.items()}
    return root + path.format_map(quoted)


async def resolve_route(
    token: BaseToken,
    *,
    server_url: str,
    api_token_answer: bool,
    server_version: Callable[[], Awaitable[tuple[int, ...]]],
) -> Route:
    """Decide the route of ``token`` from its answer's routing fields.

    Args:
        token: the Base-Token.
        server_url: the client's server URL.
        api_token_answer: the token came from ``app-access-token`` (which names the gateway
            from 4.4 on); Account-Token and external-link answers never say.
        server_version: asks the server's version when the answer does not decide.

    Raises:
        ResponseFormatError: a pre-gateway answer names no dtable-server.
    """
    grant = token.grant
    uuid = grant.dtable_uuid
    gateway = grant.use_api_gateway
    dtable_server = (grant.dtable_server or "").rstrip("/")
    version: tuple[int, ...] = ()
    if gateway is None:
        if dtable_server.endswith("/api-gateway"):
            gateway = True
        elif api_token_answer:
            gateway = False  # an API-Token answer without use_api_gateway: before 4.4
        else:
            version = await server_version()
            gateway = version >= (4, 4)
    if gateway:
        base_url = f"{server_url}/api-gateway/api/v2/dtables/{uuid}"
        # 4.4-5.x answers still name dtable-server, whose paths the gateway lacks a few of
        legacy = (
            f"{dtable_server}/api/v1/dtables/{uuid}"
            if dtable_server and not dtable_server.endswith("/api-gateway")
            else ""
        )
        return Route(True, uuid, base_url, base_url, version, legacy)
    if not dtable_server:
        raise ResponseFormatError(
            "the Base-Token answer names no dtable_server for this pre-gateway server",
            method="GET",
            path="access-token",
        )
    dtable_db = (grant.dtable_db or f"{server_url}/dtable-db").rstrip("/")
    return Route(
        False, uuid, f"{dtable_server}/api/v1/dtables/{uuid}", f"{dtable_db}/api/v1", version
    )
