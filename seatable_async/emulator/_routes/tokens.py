"""API-Token management and the three Base-Token flows."""

from __future__ import annotations

from typing import Any

from .._auth.access import PERMISSION_DENIED, account_user, api_access
from .._server.request import Request
from .._server.responses import Response, error_msg, json_response
from .._server.router import Router
from .._state.records import ApiToken, Base, User, new_token
from .account import base_in_workspace


def _quota_permission(base: Base, permission: str) -> str:
    """An ``rw`` Base-Token comes out ``r`` while the workspace is over its asset quota or row
    limit (dtable-web code: ``permission if check_quota_and_row_limit_by_workspace(...)
    else PERMISSION_READ``, reference §4.1)."""
    return "r" if base.quota_exceeded else permission


def _require_owner(user: User, base: Base) -> None:
    if base.owner != user.email and user.role != "system_admin":
        raise error_msg(403, PERMISSION_DENIED)


async def api_tokens(req: Request) -> Response:
    user = account_user(req)
    base = base_in_workspace(req, user)
    _require_owner(user, base)
    state = req.services.state
    if req.method == "GET":
        with state.lock:
            tokens = [
                state.token_dict(t) for t in state.api_tokens.values() if t.base_uuid == base.uuid
            ]
        return json_response({"api_tokens": tokens})
    data = await req.data()
    app_name = data.get("app_name")
    permission = data.get("permission")
    if not isinstance(app_name, str) or not app_name.strip():
        raise error_msg(400, "app_name invalid.")
    if permission not in ("r", "rw"):
        raise error_msg(400, "permission invalid.")
    with state.lock:
        if any(
            t.base_uuid == base.uuid and t.app_name == app_name for t in state.api_tokens.values()
        ):
            raise error_msg(400, "api token already exist.")
        now = req.services.clock.now()
        token = ApiToken(new_token(), base.uuid, app_name, str(permission), user.email, now, now)
        state.api_tokens[token.token] = token
    return json_response(state.token_dict(token), 201)


def _find_token(req: Request, base: Base) -> ApiToken:
    app_name = req.params["app_name"]
    for t in req.services.state.api_tokens.values():
        if t.base_uuid == base.uuid and t.app_name == app_name:
            return t
    raise error_msg(404, "api token not found.")


async def api_token_detail(req: Request) -> Response:
    user = account_user(req)
    base = base_in_workspace(req, user)
    _require_owner(user, base)
    state = req.services.state
    with state.lock:
        token = _find_token(req, base)
        if req.method == "DELETE":
            del state.api_tokens[token.token]
            return json_response({"success": True})
    data = await req.data()
    permission = data.get("permission")
    if permission not in ("r", "rw"):
        raise error_msg(400, "permission invalid.")
    with state.lock:
        if token.permission == permission:
            raise error_msg(400, f"api token already has {permission} permission.")
        token.permission = str(permission)
    return json_response(state.token_dict(token))


async def temp_api_token(req: Request) -> Response:
    user = account_user(req)
    base = base_in_workspace(req, user)
    _require_owner(user, base)
    req.services.stats.count("token_requests", "temp")
    return json_response({"api_token": req.services.tokens.temp_api_token(base, user.email)})


async def app_access_token(req: Request) -> Response:
    services = req.services
    access = api_access(req)
    base = access.base
    token = services.tokens.base_token(
        base, _quota_permission(base, access.permission), access.app_name, access.username
    )
    url = req.base_url
    body: dict[str, Any]
    if services.version.numbers >= (6, 0):
        body = {
            "access_token": token,
            "app_name": access.app_name,
            "dtable_name": base.name,
            "dtable_server": f"{url}/api-gateway/",
            "dtable_uuid": base.uuid,
            "use_api_gateway": True,
            "workspace_id": base.workspace_id,
        }
    else:
        body = {
            "app_name": access.app_name,
            "access_token": token,
            "dtable_uuid": base.uuid,
            "dtable_server": f"{url}/dtable-server/",
            "dtable_socket": f"{url}/",
            "dtable_db": f"{url}/dtable-db/",
            "workspace_id": base.workspace_id,
            "dtable_name": base.name,
        }
        if services.version.has_gateway:
            body["use_api_gateway"] = True
    services.stats.count("token_requests", "api")
    return json_response(body)


def _access_token_body(req: Request, base: Base, token: str) -> dict[str, Any]:
    url = req.base_url
    server = (
        f"{url}/api-gateway/" if req.services.version.numbers >= (6, 0) else f"{url}/dtable-server/"
    )
    return {
        "access_token": token,
        "dtable_uuid": base.uuid,
        "dtable_server": server,
        "dtable_socket": f"{url}/",
        "dtable_db": f"{url}/dtable-db/",
    }


async def account_access_token(req: Request) -> Response:
    user = account_user(req)
    base = base_in_workspace(req, user)
    _require_owner(user, base)
    token = req.services.tokens.base_token(base, _quota_permission(base, "rw"), "", user.email)
    req.services.stats.count("token_requests", "account")
    if req.services.version.numbers >= (6, 0):
        # 6.0.10/6.1 answer only these two of the compared fields (ISSUES #25)
        return json_response({"access_token": token, "dtable_uuid": base.uuid})
    return json_response(_access_token_body(req, base, token))


async def external_access_token(req: Request) -> Response:
    state = req.services.state
    base_uuid = state.external_links.get(req.params["token"])
    base = state.bases.get(base_uuid) if base_uuid else None
    if base is None:
        raise error_msg(404, "external link not found.")
    token = req.services.tokens.base_token(base, "r", "", "")
    req.services.stats.count("token_requests", "external")
    body = _access_token_body(req, base, token)
    body.update({"app_name": "", "workspace_id": base.workspace_id, "dtable_name": base.name})
    return json_response(body)


def register(router: Router, version: tuple[int, int]) -> None:
    add = router.add
    prefix = "/api/v2.1/workspace/{ws}/dtable/{name}"
    add("tokens.api_tokens", "GET POST", f"{prefix}/api-tokens/", "account", api_tokens)
    add(
        "tokens.api_token",
        "PUT DELETE",
        f"{prefix}/api-tokens/{{app_name}}/",
        "account",
        api_token_detail,
    )
    add("tokens.temp_api_token", "GET", f"{prefix}/temp-api-token/", "token", temp_api_token)
    add(
        "tokens.app_access_token",
        "GET",
        "/api/v2.1/dtable/app-access-token/",
        "token",
        app_access_token,
    )
    add(
        "tokens.account_access_token",
        "GET",
        f"{prefix}/access-token/",
        "token",
        account_access_token,
    )
    add(
        "tokens.external_access_token",
        "GET",
        "/api/v2.1/external-link-tokens/{token}/access-token/",
        "token",
        external_access_token,
    )
