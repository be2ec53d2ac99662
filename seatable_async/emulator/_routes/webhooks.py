"""A base's webhooks on dtable-web, with an Account-Token (reference §8b; old API manual,
"Webhooks"; v5.0 spec ``listWebhooks``, ``createWebhook``, ``updateWebhook``,
``deleteWebhook``):

* ``GET …/webhooks/`` → ``{"webhook_list": [...]}``;
* ``POST …/webhooks/`` (form ``url``, optional ``secret``) → **200** ``{"webhook": …}``
  (ISSUES #14), 409 ``Webhook exists.`` for a URL the base already has;
* ``PUT …/webhooks/{id}/`` (form ``url`` required, ``secret``) → ``{"webhook": …}``; saving
  re-activates a webhook made invalid by failed deliveries;
* ``DELETE …/webhooks/{id}/`` → ``{"success": true}``; 404 ``Webhook not found.``.

Inferred: only the base's owner (or a system admin) may manage them, as for API-Tokens; a
``url`` must be ``http(s)://`` with a host (the spec: "It should start with http(s)").
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from .._auth.access import PERMISSION_DENIED, account_user
from .._server.request import Request
from .._server.responses import Response, error_msg, json_response
from .._server.router import Router
from .._state.records import Base, User
from .._webhooks.hub import Webhook
from .account import base_in_workspace


def _owned_base(req: Request) -> tuple[User, Base]:
    user = account_user(req)
    base = base_in_workspace(req, user)
    if base.owner != user.email and user.role != "system_admin":
        raise error_msg(403, PERMISSION_DENIED)
    return user, base


def _fields(data: dict[str, Any]) -> tuple[str, str | None]:
    url = data.get("url")
    if not isinstance(url, str) or not url.strip():
        raise error_msg(400, "url invalid.")
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise error_msg(400, "url invalid.")
    secret = data.get("secret")
    if secret is not None and not isinstance(secret, str):
        raise error_msg(400, "secret invalid.")
    return url.strip(), secret or None


async def webhooks(req: Request) -> Response:
    user, base = _owned_base(req)
    hub = req.services.webhooks
    if req.method == "GET":
        return json_response({"webhook_list": [hub.as_json(h) for h in hub.of_base(base.uuid)]})
    url, secret = _fields(await req.data())
    try:
        hook = hub.add(base, url, secret, user.email)
    except ValueError:
        raise error_msg(409, "Webhook exists.") from None
    return json_response({"webhook": hub.as_json(hook)})


def _hook(req: Request, base: Base) -> Webhook:
    raw = req.params["webhook_id"]
    hook = req.services.webhooks.find(base.uuid, int(raw)) if raw.isdigit() else None
    if hook is None:
        raise error_msg(404, "Webhook not found.")
    return hook


async def webhook(req: Request) -> Response:
    _, base = _owned_base(req)
    hub = req.services.webhooks
    hook = _hook(req, base)
    if req.method == "DELETE":
        hub.remove(hook)
        return json_response({"success": True})
    url, secret = _fields(await req.data())
    if any(h.url == url and h.id != hook.id for h in hub.of_base(base.uuid)):
        raise error_msg(409, "Webhook exists.")
    hub.save(hook, url, secret)
    return json_response({"webhook": hub.as_json(hook)})


def register(router: Router, version: tuple[int, int]) -> None:
    prefix = "/api/v2.1/workspace/{ws}/dtable/{name}/webhooks/"
    router.add("webhooks.list", "GET POST", prefix, "account", webhooks)
    router.add("webhooks.detail", "PUT DELETE", prefix + "{webhook_id}/", "account", webhook)
