"""The three ways to mint a Base-Token: API-Token, Account-Token, external link.

Each source knows its endpoint and how to read the answer; the token pool decides when to call
it. Pool keys are fingerprints, never the credential itself.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

import attrs

from seatable_async._auth.tokens import (
    TokenGrant,
    already_expired,
    lifetime_from_jwt,
    permission_claim,
)
from seatable_async._http.call import Call, DatedReply, StaticCredential
from seatable_async._secret import Secret
from seatable_async.errors import (
    AuthenticationError,
    PermissionDeniedError,
    ResponseFormatError,
    TokenExpiredError,
)

__all__ = [
    "AccountBaseSource",
    "ApiTokenSource",
    "ExternalLinkSource",
    "Send",
    "parse_token_grant",
]

Send = Callable[[Call], Awaitable[Any]]
Clock = Callable[[], float]


def parse_token_grant(
    data: Any,
    *,
    method: str,
    path: str,
    permission: str | None = None,
    server_date: float | None = None,
    now: float | None = None,
) -> TokenGrant:
    """Read a Base-Token answer into a `TokenGrant`, or raise ``ResponseFormatError``.

    ``server_date`` is the answer's ``Date`` header (Unix seconds), which dates ``exp`` by the
    server's own clock when the token carries no ``iat``; ``now`` is the local Unix time.
    """
    if not isinstance(data, dict):
        raise ResponseFormatError(
            f"expected a JSON object with an access_token, got {type(data).__name__}",
            method=method,
            path=path,
        )
    raw = data.get("access_token")
    uuid = data.get("dtable_uuid")
    if not isinstance(raw, str) or not raw.strip():
        raise ResponseFormatError("the token answer has no access_token", method=method, path=path)
    if not isinstance(uuid, str) or not uuid.strip():
        raise ResponseFormatError("the token answer has no dtable_uuid", method=method, path=path)

    def text(key: str) -> str | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise ResponseFormatError(
                f"the token answer's {key} is not a string", method=method, path=path
            )
        return value

    workspace = data.get("workspace_id")
    gateway = data.get("use_api_gateway")
    if already_expired(raw, now=time.time() if now is None else now, server_date=server_date):
        raise TokenExpiredError(
            "the server issued a Base-Token that had already expired (its exp is not after the "
            "answer's Date): the server's clock is wrong or the answer is stale; nothing was "
            "sent with it",
            status=200,
            method=method,
            path=path,
        )
    lifetime, expires_unix = lifetime_from_jwt(raw, now=now, server_date=server_date)
    return TokenGrant(
        secret=Secret(raw, kind="Base-Token"),
        dtable_uuid=uuid.strip(),
        permission=permission or permission_claim(raw) or "rw",
        lifetime=lifetime,
        expires_at=expires_unix,
        app_name=text("app_name"),
        workspace_id=workspace
        if isinstance(workspace, int) and not isinstance(workspace, bool)
        else None,
        dtable_name=text("dtable_name"),
        use_api_gateway=gateway if isinstance(gateway, bool) else None,
        dtable_server=text("dtable_server"),
        dtable_db=text("dtable_db"),
    )


async def _mint(
    send: Send,
    url: str,
    template: str,
    *,
    credential: StaticCredential | None = None,
    scheme_probe: bool = False,
    permission: str | None = None,
    clock: Clock = time.time,
) -> TokenGrant:
    reply = await send(
        Call(
            "GET",
            url,
            template,
            credential=credential,
            scheme_probe=scheme_probe,
            token_request=True,
            response="dated_json",
        )
    )
    assert isinstance(reply, DatedReply)
    return parse_token_grant(
        reply.data,
        method="GET",
        path=template,
        permission=permission,
        server_date=reply.server_date,
        now=clock(),
    )


def _refused(exc: AuthenticationError | PermissionDeniedError, message: str) -> AuthenticationError:
    """The credential refusal ``exc`` as an `AuthenticationError` (same status and context)."""
    return AuthenticationError(
        message,
        status=exc.status,
        method=exc.method,
        path=exc.path,
        error_msg=exc.error_msg,
        error_type=exc.error_type,
    )


@attrs.frozen
class ApiTokenSource:
    """Base-Tokens from an API-Token (``/api/v2.1/dtable/app-access-token/``)."""

    server_url: str
    api_token: Secret
    send: Send = attrs.field(eq=False, repr=False)
    clock: Clock = attrs.field(default=time.time, eq=False, repr=False)

    @property
    def key(self) -> str:
        return f"api:{self.api_token.fingerprint}"

    @property
    def credential(self) -> Secret:
        return self.api_token

    async def fetch(self) -> TokenGrant:
        path = "/api/v2.1/dtable/app-access-token/"
        credential = StaticCredential("api", self.api_token)
        try:
            return await _mint(
                self.send,
                self.server_url + path,
                path,
                credential=credential,
                scheme_probe=True,
                clock=self.clock,
            )
        except TokenExpiredError:
            raise  # a Base-Token that arrived expired: the API-Token was accepted
        except (AuthenticationError, PermissionDeniedError) as exc:
            # The token endpoint answers an unknown, revoked or wrong-kind API-Token with 403
            # "Permission denied." (reference §4.1; 6.0.10 test_auth_errors.py): the credential
            # itself was refused, which is an AuthenticationError whatever the status. A valid
            # read-only API-Token is not refused here (its Base-Token says permission "r").
            raise _refused(
                exc,
                f"{exc.message} — SeaTable refused this API-Token. client.base() expects the "
                "API-Token of one base (Base → Advanced → API Token); an Account-Token belongs "
                "in client.account(), an external link in client.external_base()",
            ) from None


@attrs.frozen
class AccountBaseSource:
    """Base-Tokens from an Account-Token (``…/workspace/{id}/dtable/{name}/access-token/``)."""

    server_url: str
    account_token: Secret
    workspace_id: int
    base_name: str
    send: Send = attrs.field(eq=False, repr=False)
    clock: Clock = attrs.field(default=time.time, eq=False, repr=False)

    @property
    def key(self) -> str:
        return f"account:{self.account_token.fingerprint}:{self.workspace_id}:{self.base_name}"

    @property
    def credential(self) -> Secret:
        return self.account_token

    async def fetch(self) -> TokenGrant:
        template = "/api/v2.1/workspace/{workspace_id}/dtable/{base_name}/access-token/"
        path = (
            f"/api/v2.1/workspace/{self.workspace_id}/dtable/"
            f"{quote(self.base_name, safe='')}/access-token/"
        )
        credential = StaticCredential("account", self.account_token)
        try:
            return await _mint(
                self.send, self.server_url + path, template, credential=credential, clock=self.clock
            )
        except TokenExpiredError:
            raise  # a Base-Token that arrived expired: the Account-Token was accepted
        except AuthenticationError as exc:
            # 401 "Invalid token" (reference §4.2): the Account-Token itself was refused. A 403
            # stays a PermissionDeniedError: a valid Account-Token without access to the base.
            raise _refused(
                exc,
                f"{exc.message} — SeaTable refused this Account-Token (the token of "
                "client.login() or client.account(), not a base's API-Token)",
            ) from None


@attrs.frozen
class ExternalLinkSource:
    """Read-only Base-Tokens from an external link (no credential header)."""

    server_url: str
    link_token: Secret
    send: Send = attrs.field(eq=False, repr=False)
    clock: Clock = attrs.field(default=time.time, eq=False, repr=False)

    @property
    def key(self) -> str:
        return f"link:{self.link_token.fingerprint}"

    @property
    def credential(self) -> Secret:
        return self.link_token

    async def fetch(self) -> TokenGrant:
        template = "/api/v2.1/external-link-tokens/{token}/access-token/"
        # The link token is part of the path by SeaTable's design; it is a read-only
        # capability, and the template (not the URL) is what logs and errors show.
        link = quote(self.link_token.get_secret(), safe="")
        path = f"/api/v2.1/external-link-tokens/{link}/access-token/"
        return await _mint(
            self.send, self.server_url + path, template, permission="r", clock=self.clock
        )
