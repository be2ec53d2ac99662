"""``Account``: operations with an Account-Token (user; team and system admin in ``admin``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from seatable_async import _validate as check
from seatable_async._account_webhooks import WebhookCalls
from seatable_async._admin import SystemAdmin, TeamAdmin
from seatable_async._auth.sources import AccountBaseSource
from seatable_async._base.base import Base
from seatable_async._base.context import BaseContext
from seatable_async._client_session import Session
from seatable_async._http.call import StaticCredential
from seatable_async._secret import Secret
from seatable_async.errors import ConfigurationError, ResponseFormatError
from seatable_async.models import (
    AccountInfo,
    ApiTokenInfo,
    BaseSummary,
    User,
    Webhook,
    Workspace,
)

__all__ = ["Account"]

_PERMISSIONS = ("r", "rw")
_BASE_PATH = "/api/v2.1/workspace/{workspace_id}/dtable/{base_name}/"


class Account:
    """A SeaTable account reached with its Account-Token (from `Client.login` or given).

    Account-Tokens never expire; every method sends one request (retried per the client's
    `RetryPolicy` when safe).
    """

    def __init__(self, session: Session, token: Secret):
        self._session = session
        self._token = token
        self._credential = StaticCredential("account", token)
        self._webhooks = WebhookCalls(self._request)

    def __repr__(self) -> str:
        return "<seatable_async.Account>"

    async def _request(
        self, method: str, path: str, template: str | None = None, **kwargs: Any
    ) -> Any:
        return await self._session.request(
            method, path, template, credential=self._credential, **kwargs
        )

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int | float | bool] | None = None,
        json: Any = None,
        form: Mapping[str, Any] | None = None,
        idempotent: bool | None = None,
    ) -> Any:
        """Send any request with this Account-Token: the escape hatch for account endpoints
        the SDK does not wrap (same header scheme, retries and error types).

        Args:
            method: ``"GET"``, ``"POST"``, ``"PUT"`` or ``"DELETE"``.
            path: a server path, e.g. ``"/api/v2.1/groups/"``.
            params: query parameters.
            json: a JSON body.
            form: a form body (SeaTable's account endpoints often take forms).
            idempotent: whether a sent request may be replayed after a 5xx or a lost answer
                (default: all but POST).

        Returns:
            The decoded JSON answer.

        Raises:
            ConfigurationError: a bad method or path (before any request).
        """
        method, path = check.request_target(method, path)
        extra: dict[str, Any] = {} if idempotent is None else {"idempotent": idempotent}
        return await self._request(method, path, params=params, json=json, form=form, **extra)

    @staticmethod
    def _base_path(workspace_id: int, base_name: str, suffix: str) -> tuple[str, str]:
        path = f"/api/v2.1/workspace/{workspace_id}/dtable/{quote(base_name, safe='')}/{suffix}"
        return path, _BASE_PATH + suffix

    # -- account -----------------------------------------------------------------------------

    async def info(self) -> AccountInfo:
        """Return who this token belongs to (``/api2/account/info/``).

        Returns:
            `AccountInfo` (``org_id`` is set for team members).

        Raises:
            AuthenticationError: the Account-Token is invalid.
        """
        data = await self._request("GET", "/api2/account/info/")
        return AccountInfo.from_json(data)

    async def workspaces(self) -> list[Workspace]:
        """List the account's workspaces with their bases.

        Returns:
            Personal and group workspaces, plus the virtual ``starred``/``shared`` lists
            (``id`` None).

        Raises:
            AuthenticationError: the Account-Token is invalid.
        """
        path = "/api/v2.1/workspaces/"
        data = await self._request("GET", path)
        if not isinstance(data, dict) or not isinstance(data.get("workspace_list"), list):
            raise ResponseFormatError("the answer has no workspace_list", method="GET", path=path)
        return [Workspace.from_json(item) for item in data["workspace_list"]]

    async def create_base(self, name: str, workspace_id: int) -> BaseSummary:
        """Create an empty base (SeaTable adds Table1 with a Name column and three rows).

        Args:
            name: the base's name (unique in the workspace, no ``/``).
            workspace_id: where to create it (see `workspaces`).

        Returns:
            The new base's `BaseSummary`.

        Raises:
            ConfigurationError: invalid name or workspace id (before any request).
            BadRequestError: the name is taken or invalid.
            MaybeAppliedError: the request may have created the base but the answer was lost.
        """
        check.text(name, "name")
        if "/" in name:
            raise ConfigurationError("name must be a base name without '/'")
        check.workspace_id(workspace_id)
        path = "/api/v2.1/dtables/"
        data = await self._request(
            "POST",
            path,
            files={"name": (None, name), "workspace_id": (None, str(workspace_id))},
            idempotent=False,
        )
        table = data.get("table", data) if isinstance(data, dict) else data
        return BaseSummary.from_json(table, method="POST", path=path)

    async def copy_base(
        self, workspace_id: int, base_name: str, to_workspace_id: int
    ) -> BaseSummary:
        """Copy a base (tables, rows, files) into a workspace (``POST /api/v2.1/dtable-copy/``).

        Args:
            workspace_id: the workspace holding the base.
            base_name: the base's name.
            to_workspace_id: the workspace to copy it into (may be the same one).

        Returns:
            The copy's `BaseSummary` (its name may differ when the target has that name).

        Raises:
            ConfigurationError: invalid arguments (before any request).
            NotFoundError: no such workspace or base.
            PermissionDeniedError: no read access to the base or no write access to the target.
            MaybeAppliedError: the copy may have been made but the answer was lost.
        """
        check.workspace_id(workspace_id)
        check.text(base_name, "base_name")
        check.integer(to_workspace_id, "to_workspace_id", minimum=0)
        path = "/api/v2.1/dtable-copy/"
        form = {
            "src_workspace_id": str(workspace_id),
            "name": base_name,
            "dst_workspace_id": str(to_workspace_id),
        }
        data = await self._request(
            "POST", path, files={k: (None, v) for k, v in form.items()}, idempotent=False
        )
        copied = data.get("dtable") if isinstance(data, dict) else None
        return BaseSummary.from_json(copied, method="POST", path=path)

    async def delete_base(self, workspace_id: int, name: str) -> None:
        """Delete a base (it goes to the trash, as in the web UI).

        Raises:
            ConfigurationError: invalid arguments (before any request).
            NotFoundError: no such workspace or base.
            PermissionDeniedError: not the owner.
        """
        check.workspace_id(workspace_id)
        check.text(name, "name")
        template = "/api/v2.1/workspace/{workspace_id}/dtable/"
        await self._request(
            "DELETE",
            f"/api/v2.1/workspace/{workspace_id}/dtable/",
            template,
            form={"name": name},
        )

    async def collaborators(self, workspace_id: int, base_name: str) -> list[User]:
        """List the users who can access a base (``related-users``).

        Raises:
            ConfigurationError: invalid arguments (before any request).
            NotFoundError: no such workspace or base.
        """
        check.workspace_id(workspace_id)
        check.text(base_name, "base_name")
        path, template = self._base_path(workspace_id, base_name, "related-users/")
        data = await self._request("GET", path, template)
        if not isinstance(data, dict) or not isinstance(data.get("user_list"), list):
            raise ResponseFormatError("the answer has no user_list", method="GET", path=template)
        return [User.from_json(u, method="GET", path=template) for u in data["user_list"]]

    # -- API-Tokens --------------------------------------------------------------------------

    async def list_api_tokens(self, workspace_id: int, base_name: str) -> list[ApiTokenInfo]:
        """List a base's API-Tokens (values wrapped in `Secret`).

        Raises:
            ConfigurationError: invalid arguments (before any request).
            NotFoundError: no such workspace or base.
            PermissionDeniedError: only the owner or a group admin may see them.
        """
        check.workspace_id(workspace_id)
        check.text(base_name, "base_name")
        path, template = self._base_path(workspace_id, base_name, "api-tokens/")
        data = await self._request("GET", path, template)
        if not isinstance(data, dict) or not isinstance(data.get("api_tokens"), list):
            raise ResponseFormatError("the answer has no api_tokens", method="GET", path=template)
        return [ApiTokenInfo.from_json(t, method="GET", path=template) for t in data["api_tokens"]]

    async def create_api_token(
        self, workspace_id: int, base_name: str, app_name: str, permission: str = "rw"
    ) -> ApiTokenInfo:
        """Create an API-Token for a base.

        Args:
            app_name: unique per base; names the token (and shows up as the Base-Token's app).
            permission: ``"rw"`` or ``"r"``.

        Returns:
            `ApiTokenInfo`; ``info.api_token.get_secret()`` is what `Client.base`
            takes.

        Raises:
            ConfigurationError: invalid app_name or permission (before any request).
            BadRequestError: the app_name already has a token.
            NotFoundError: no such workspace or base.
            PermissionDeniedError: not the owner or a group admin.
            MaybeAppliedError: the token may have been created but the answer was lost.
        """
        check.workspace_id(workspace_id)
        check.text(base_name, "base_name")
        check.app_name(app_name)
        check.choice(permission, "permission", _PERMISSIONS)
        path, template = self._base_path(workspace_id, base_name, "api-tokens/")
        data = await self._request(
            "POST",
            path,
            template,
            form={"app_name": app_name, "permission": permission},
            idempotent=False,
        )
        return ApiTokenInfo.from_json(data, method="POST", path=template)

    async def update_api_token(
        self, workspace_id: int, base_name: str, app_name: str, permission: str
    ) -> ApiTokenInfo:
        """Change an API-Token's permission.

        Raises:
            ConfigurationError: invalid app_name or permission (before any request).
            BadRequestError: the token already has this permission.
            NotFoundError: no such token, workspace or base.
        """
        check.workspace_id(workspace_id)
        check.text(base_name, "base_name")
        check.app_name(app_name)
        check.choice(permission, "permission", _PERMISSIONS)
        path, _ = self._base_path(
            workspace_id, base_name, f"api-tokens/{quote(app_name, safe='')}/"
        )
        template = _BASE_PATH + "api-tokens/{app_name}/"
        data = await self._request("PUT", path, template, form={"permission": permission})
        return ApiTokenInfo.from_json(data, method="PUT", path=template)

    async def delete_api_token(self, workspace_id: int, base_name: str, app_name: str) -> None:
        """Delete an API-Token (Base-Tokens already minted with it stay valid until they expire).

        Raises:
            ConfigurationError: invalid arguments (before any request).
            NotFoundError: no such token, workspace or base.
        """
        check.workspace_id(workspace_id)
        check.text(base_name, "base_name")
        check.app_name(app_name)
        path, _ = self._base_path(
            workspace_id, base_name, f"api-tokens/{quote(app_name, safe='')}/"
        )
        await self._request("DELETE", path, _BASE_PATH + "api-tokens/{app_name}/")

    async def temp_api_token(self, workspace_id: int, base_name: str) -> Secret:
        """Get a temporary API-Token (a JWT valid for one hour) for a base.

        Returns:
            The token as a `Secret`; pass ``secret.get_secret()`` to `Client.base`.

        Raises:
            ConfigurationError: invalid arguments (before any request).
            NotFoundError, PermissionDeniedError: no such base or no access to it.
        """
        check.workspace_id(workspace_id)
        check.text(base_name, "base_name")
        path, template = self._base_path(workspace_id, base_name, "temp-api-token/")
        data = await self._request("GET", path, template)
        token = data.get("api_token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token.strip():
            raise ResponseFormatError("the answer has no api_token", method="GET", path=template)
        return Secret(token, kind="temporary API-Token")

    # -- webhooks ----------------------------------------------------------------------------

    async def list_webhooks(self, workspace_id: int, base_name: str) -> list[Webhook]:
        """List a base's webhooks (each `Webhook.secret` wrapped in a `Secret`).

        Raises:
            ConfigurationError: invalid arguments (before any request).
            NotFoundError, PermissionDeniedError: no such base or no access to it.
        """
        return await self._webhooks.list(workspace_id, base_name)

    async def create_webhook(
        self, workspace_id: int, base_name: str, url: str, secret: str | None = None
    ) -> Webhook:
        """Have SeaTable ``POST`` every change of a base to ``url``.

        Args:
            url: an ``http(s)://`` URL SeaTable can reach (e.g. a mounted `WebhookReceiver`).
            secret: the key SeaTable signs each request with (``X-SeaTable-Signature``);
                without one, anyone who knows the URL can send events to it.

        Raises:
            ConfigurationError: invalid arguments (before any request).
            APIError: 409 when the base already has a webhook with this URL.
            MaybeAppliedError: the webhook may have been created but the answer was lost.
        """
        return await self._webhooks.create(workspace_id, base_name, url, secret)

    async def update_webhook(
        self,
        workspace_id: int,
        base_name: str,
        webhook_id: int,
        url: str | None = None,
        secret: str | None = None,
    ) -> Webhook:
        """Change a webhook's URL and/or secret; what is None is kept as it is (read first).

        Saving a webhook again is also how SeaTable re-activates one it marked invalid
        after five failed deliveries in a row: ``update_webhook(ws, base, id)``.

        Raises:
            ConfigurationError: invalid arguments (before any request).
            NotFoundError: no such webhook or base.
        """
        return await self._webhooks.update(workspace_id, base_name, webhook_id, url, secret)

    async def delete_webhook(self, workspace_id: int, base_name: str, webhook_id: int) -> None:
        """Remove a webhook.

        Raises:
            ConfigurationError: invalid arguments (before any request).
            NotFoundError: no such webhook or base.
        """
        await self._webhooks.delete(workspace_id, base_name, webhook_id)

    # -- handles -----------------------------------------------------------------------------

    def base(self, workspace_id: int, base_name: str) -> Base:
        """A base of this account, with a Base-Token minted by the Account-Token.

        Such a base has no API-Token, so file operations need `Client.base` instead.

        Raises:
            ConfigurationError: invalid workspace id or base name.
        """
        check.workspace_id(workspace_id)
        base_name = check.text(base_name, "base_name")
        session = self._session
        source = AccountBaseSource(
            session.server_url, self._token, workspace_id, base_name, session.send, session.clock
        )
        return Base(BaseContext(session, source))

    def team_admin(self, org_id: int) -> TeamAdmin:
        """Team-admin operations for team ``org_id`` (see `AccountInfo.org_id`).

        Raises:
            ConfigurationError: invalid org_id.
        """
        check.integer(org_id, "org_id", minimum=1)
        return TeamAdmin(self._session, self._credential, org_id)

    def system_admin(self) -> SystemAdmin:
        """System-admin operations (the account must be a SeaTable system administrator)."""
        return SystemAdmin(self._session, self._credential)
