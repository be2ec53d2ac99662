"""The webhook endpoints of a base, sent with an Account-Token (``Account.*_webhook*``).

``/api/v2.1/workspace/{workspace_id}/dtable/{base_name}/webhooks/``: ``GET`` lists
(``{"webhook_list": […]}``), ``POST`` with form fields ``url`` and optional ``secret`` creates
(answered **200** ``{"webhook": …}``, 409 ``Webhook exists.`` for a URL already there);
``…/webhooks/{id}/``: ``PUT`` with form ``url`` (required) and ``secret`` updates, ``DELETE``
removes (old API manual, "Webhooks"; v5.0 spec; reference §8b; 200-not-201: openapi
``tests/API_ISSUES.md`` #14). Secrets travel only in form bodies, which no error or log shows.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote, urlsplit

from seatable_async import _validate as check
from seatable_async.errors import ConfigurationError, NotFoundError, ResponseFormatError
from seatable_async.models import Webhook

__all__ = ["WebhookCalls"]

Request = Callable[..., Awaitable[Any]]
_TEMPLATE = "/api/v2.1/workspace/{workspace_id}/dtable/{base_name}/webhooks/"


def _url(value: object) -> str:
    url = check.text(value, "url")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigurationError("url must be an http:// or https:// URL with a host")
    return url


def _secret(value: object) -> str:
    if not isinstance(value, str):
        raise ConfigurationError(f"secret must be a string, not {type(value).__name__}")
    return value


class WebhookCalls:
    """Builds and sends the webhook requests of one account (``request`` is its sender)."""

    def __init__(self, request: Request) -> None:
        self._request = request

    @staticmethod
    def _path(workspace_id: int, base_name: str, webhook_id: int | None = None) -> str:
        check.workspace_id(workspace_id)
        name = quote(check.text(base_name, "base_name"), safe="")
        path = f"/api/v2.1/workspace/{workspace_id}/dtable/{name}/webhooks/"
        return path if webhook_id is None else f"{path}{webhook_id}/"

    @staticmethod
    def _one(data: Any, method: str, template: str) -> Webhook:
        hook = data.get("webhook") if isinstance(data, dict) else None
        if not isinstance(hook, dict):
            raise ResponseFormatError("the answer has no webhook", method=method, path=template)
        return Webhook.from_json(hook, method=method, path=template)

    async def list(self, workspace_id: int, base_name: str) -> list[Webhook]:
        data = await self._request("GET", self._path(workspace_id, base_name), _TEMPLATE)
        hooks = data.get("webhook_list") if isinstance(data, dict) else None
        if not isinstance(hooks, list):
            message = "the answer has no webhook_list"
            raise ResponseFormatError(message, method="GET", path=_TEMPLATE)
        return [Webhook.from_json(h, method="GET", path=_TEMPLATE) for h in hooks]

    async def create(
        self, workspace_id: int, base_name: str, url: str, secret: str | None
    ) -> Webhook:
        form = {"url": _url(url)}
        if secret is not None:
            form["secret"] = _secret(secret)
        path = self._path(workspace_id, base_name)
        data = await self._request("POST", path, _TEMPLATE, form=form, idempotent=False)
        return self._one(data, "POST", _TEMPLATE)

    async def update(
        self,
        workspace_id: int,
        base_name: str,
        webhook_id: int,
        url: str | None,
        secret: str | None,
    ) -> Webhook:
        check.integer(webhook_id, "webhook_id", minimum=1)
        form = {"url": _url(url)} if url is not None else {}
        if secret is not None:
            form["secret"] = _secret(secret)
        template = _TEMPLATE + "{webhook_id}/"
        if url is None or secret is None:
            # The server takes the URL (and the secret) on every PUT: keep what is there.
            current = next(
                (h for h in await self.list(workspace_id, base_name) if h.id == webhook_id), None
            )
            if current is None:
                raise NotFoundError(
                    f"webhook {webhook_id} not found", status=404, method="PUT", path=template
                )
            form.setdefault("url", current.url)
            if current.secret is not None:
                form.setdefault("secret", current.secret.get_secret())
        path = self._path(workspace_id, base_name, webhook_id)
        data = await self._request("PUT", path, template, form=form)
        return self._one(data, "PUT", template)

    async def delete(self, workspace_id: int, base_name: str, webhook_id: int) -> None:
        check.integer(webhook_id, "webhook_id", minimum=1)
        path = self._path(workspace_id, base_name, webhook_id)
        await self._request("DELETE", path, _TEMPLATE + "{webhook_id}/")
