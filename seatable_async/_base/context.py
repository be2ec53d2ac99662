"""`BaseContext`: what every part of a `Base` shares — its Base-Token, its route, and how it
sends calls. Rows, SQL, files and every resource (``base.tables``, ``base.links``, …) use it, and
nothing else, to talk to the server.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from seatable_async._auth.credential import PooledCredential
from seatable_async._auth.pool import TokenSource
from seatable_async._auth.sources import ApiTokenSource
from seatable_async._auth.tokens import BaseToken
from seatable_async._base.routing import Endpoint, Route, resolve_route
from seatable_async._base.schema import SchemaCache
from seatable_async._base.subjects import name_subject, subject_of
from seatable_async._client_session import Session
from seatable_async._http.call import Call, StaticCredential
from seatable_async._secret import Secret
from seatable_async.errors import APIError, ConfigurationError, PermissionDeniedError

__all__ = ["BaseContext"]

_READ_ONLY = (
    "this Base-Token is read-only (permission 'r'): use an API-Token with 'rw'. Note that "
    "SeaTable also downgrades 'rw' tokens to 'r' while the team or user is over its asset or "
    "row quota"
)
_NO_API_TOKEN = (
    "this operation needs the base's API-Token, and this base was opened with an Account-Token "
    "or an external link. Create one with account.create_api_token(...) and open the base with "
    "client.base(api_token)"
)


class BaseContext:
    """One base's connection to the server (internal; shared by `Base` and its resources).

    Args:
        session: the client's session.
        source: mints this base's Base-Tokens.
        api_token: the base's API-Token, when it was opened with one (file endpoints use it).
        read_only: opened through an external link.
    """

    def __init__(
        self,
        session: Session,
        source: TokenSource,
        *,
        api_token: Secret | None = None,
        read_only: bool = False,
    ):
        self.session = session
        self.source = source
        self.credential = PooledCredential(session.pool, source)
        self.api_token = api_token
        self.read_only = read_only
        self._route: tuple[int, Route] | None = None
        #: The base's metadata, cached for typed cells (see `seatable_async._base.schema`).
        self.schema = SchemaCache(self)

    def peek(self) -> BaseToken | None:
        """The current Base-Token without fetching one."""
        return self.session.pool.peek(self.source)

    async def token(self) -> BaseToken:
        """A usable Base-Token (minted when needed)."""
        return await self.session.pool.get(self.source)

    async def route(self, *, write: bool = False) -> Route:
        """Where this base's operations go now.

        Raises:
            PermissionDeniedError: ``write`` and the token or link is read-only (nothing sent
                but the token request).
        """
        if write and self.read_only:
            raise PermissionDeniedError(
                "bases opened through an external link are read-only", status=403
            )
        token = await self.token()
        if write and not token.writable:
            raise PermissionDeniedError(_READ_ONLY, status=403)
        return await self.route_for(token)

    async def route_for(self, token: BaseToken) -> Route:
        """The route of ``token`` (remembered per token generation: every call asks)."""
        cached = self._route
        if cached is not None and cached[0] == token.generation:
            return cached[1]
        route = await resolve_route(
            token,
            server_url=self.session.server_url,
            api_token_answer=isinstance(self.source, ApiTokenSource),
            server_version=self.session.server_version,
        )
        self._route = (token.generation, route)
        return route

    async def supported(self, endpoint: Endpoint, route: Route) -> Route:
        """``route`` (with the server's version when ``endpoint`` depends on it), after
        checking the server has ``endpoint`` — for operations that send other requests first.

        Raises:
            UnsupportedOperationError: the server lacks ``endpoint``.
        """
        if route.version == () and _needs_version(endpoint):
            route = attrs.evolve(route, version=await self.session.server_version())
        endpoint.locate(route)
        return route

    async def send(
        self,
        endpoint: Endpoint,
        route: Route,
        *,
        args: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Send ``endpoint`` on ``route`` with the Base-Token and the base's rate budget.

        Args:
            endpoint: the operation.
            route: from `route`.
            args: values of the path's placeholders.
            kwargs: further `Call` fields (``params``, ``json``, ``idempotent``…).

        Raises:
            UnsupportedOperationError: the server has no such endpoint (before sending).
            NotFoundError, BadRequestError: their message names the table, view and row the
                call concerns (SeaTable's own says only ``table not found``).
        """
        if route.version == () and _needs_version(endpoint):
            route = attrs.evolve(route, version=await self.session.server_version())
        url, template = endpoint.locate(route, args)
        if endpoint.idempotent is not None:
            kwargs.setdefault("idempotent", endpoint.idempotent)
        try:
            return await self.send_url(endpoint.method, url, template, route, **kwargs)
        except APIError as exc:
            subject = subject_of(kwargs.get("params"), kwargs.get("json"), args)
            named = name_subject(exc, subject)
            if named is exc:
                raise
            raise named from exc
        finally:
            if endpoint.changes_schema:
                # Also after a failure: the change may have landed.
                self.schema.invalidate()

    async def send_url(
        self, method: str, url: str, template: str, route: Route, **kwargs: Any
    ) -> Any:
        """Send to an absolute URL with the Base-Token and the base's rate budget."""
        call = Call(
            method,
            url,
            template,
            credential=self.credential,
            rate_key=route.dtable_uuid,
            **kwargs,
        )
        return await self.session.send(call)

    def api_credential(self) -> StaticCredential:
        """The API-Token as a credential (file endpoints).

        Raises:
            ConfigurationError: the base was not opened with an API-Token.
        """
        if self.api_token is None:
            raise ConfigurationError(_NO_API_TOKEN)
        return StaticCredential("api", self.api_token)


def _needs_version(endpoint: Endpoint) -> bool:
    return endpoint.gateway_since > (4, 4) or endpoint.legacy_until < (6, 0)
