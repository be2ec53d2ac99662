"""No-token endpoints, login, and account / team-admin / system-admin operations."""

from __future__ import annotations

from typing import Any

from .._auth.access import PERMISSION_DENIED, account_user
from .._server.request import Request
from .._server.responses import HTTPError, Response, error_msg, json_response
from .._server.router import Router
from .._state.records import Base, User
from .._state.state import State


def _html(body: str) -> Response:
    return Response(200, body.encode(), b"text/html; charset=utf-8")


async def ping(req: Request) -> Response:
    return json_response("pong")


async def server_info(req: Request) -> Response:
    return json_response({"version": req.services.version.full, "edition": "enterprise edition"})


async def dtable_server_ping(req: Request) -> Response:
    return _html("pong")  # text/html (ISSUES #20)


async def ret_pong(req: Request) -> Response:
    return json_response({"ret": "pong"})


async def auth_ping(req: Request) -> Response:
    account_user(req)
    return json_response("pong")


_BAD_LOGIN = {"non_field_errors": ["Unable to login with provided credentials."]}


async def auth_token(req: Request) -> Response:
    data = await req.data()
    username, password = data.get("username"), data.get("password")
    # DRF serializer field errors for missing/blank fields (inferred, audit D17)
    missing = {
        field: ["This field is required." if value is None else "This field may not be blank."]
        for field, value in (("username", username), ("password", password))
        if value is None or value == ""
    }
    if missing:
        raise HTTPError.json(400, missing)
    if not isinstance(username, str) or not isinstance(password, str):
        raise HTTPError.json(400, _BAD_LOGIN)
    user = req.services.state.find_user(username)
    if user is None or user.password != password:
        raise HTTPError.json(400, _BAD_LOGIN)
    if user.otp is not None:
        otp = req.headers.get("x-seafile-otp")
        if not otp or otp.strip() != user.otp:
            word = "missing" if not otp else "invalid"
            err = HTTPError.json(400, {"non_field_errors": [f"Two factor auth token is {word}."]})
            err.response.headers.append((b"x-seafile-otp", b"required"))
            raise err
    return json_response({"token": user.account_token})


def _user_public(user: User) -> dict[str, Any]:
    return {"email": user.email, "name": user.name, "contact_email": user.login}


async def account_info(req: Request) -> Response:
    user = account_user(req)
    info: dict[str, Any] = {
        "email": user.email,
        "name": user.name,
        "login_id": "",
        "contact_email": user.login,
        "institution": "",
        "is_staff": user.role == "system_admin",
        "avatar_url": f"{req.base_url}/media/avatars/default.png",
        "space_usage": "0%",
        "total": -2,
        "usage": 0,
        "row_usage_rate": "0%",
        "row_total": -1,
        "row_usage": 0,
        "api_calls_limit": -1,
        "api_calls_usage_rate": "0%",
        "dtable_updates_email_interval": 0,
        "dtable_collaborate_email_interval": 0,
    }
    if user.org_id is not None:
        info["org_id"] = user.org_id
        info["is_org_staff"] = 1 if user.role == "team_admin" else 0
    return json_response(info)


def base_dict(state: State, base: Base, full: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": base.id,
        "workspace_id": base.workspace_id,
        "uuid": base.uuid,
        "name": base.name,
        "creator": base.owner,
        "modifier": base.owner,
        "created_at": state.iso_seconds(base.created_at),
        "updated_at": state.iso_seconds(base.updated_at),
        "color": None,
        "text_color": None,
        "icon": None,
        "starred": False,
    }
    if full:
        out["is_encrypted"] = False
        out["in_storage"] = True
    return out


async def workspaces(req: Request) -> Response:
    user = account_user(req)
    state = req.services.state
    with state.lock:
        tables = [
            base_dict(state, b, False)
            for b in state.bases.values()
            if b.workspace_id == user.workspace_id
        ]
    return json_response(
        {
            "workspace_list": [
                {
                    "id": user.workspace_id,
                    "name": "personal",
                    "type": "personal",
                    "table_list": tables,
                },
                {"id": "", "name": "starred", "type": "starred", "table_list": []},
                {
                    "id": "",
                    "name": "shared",
                    "type": "shared",
                    "shared_table_list": [],
                    "shared_view_list": [],
                },
            ]
        }
    )


def workspace_of(req: Request, ws: str, user: User) -> int:
    """Workspace id from the path, 404 ``Workspace <id> not found.``, 403 if not the owner's."""
    state = req.services.state
    try:
        ws_id = int(ws)
    except ValueError:
        raise error_msg(404, f"Workspace {ws} not found.") from None
    workspace = state.workspaces.get(ws_id)
    if workspace is None:
        raise error_msg(404, f"Workspace {ws} not found.")
    if workspace.owner != user.email and user.role != "system_admin":
        raise error_msg(403, PERMISSION_DENIED)
    return ws_id


def base_in_workspace(req: Request, user: User) -> Base:
    ws_id = workspace_of(req, req.params["ws"], user)
    name = req.params["name"]
    base = req.services.state.find_base(ws_id, name)
    if base is None:
        raise error_msg(404, f"dtable {name} not found.")
    return base


async def create_base(req: Request) -> Response:
    user = account_user(req)
    data = await req.data()
    name = data.get("name")
    if not isinstance(name, str) or not name.strip() or "/" in name:
        raise error_msg(400, "name invalid.")
    ws_raw = data.get("workspace_id")
    ws_id = user.workspace_id if ws_raw in (None, "") else workspace_of(req, str(ws_raw), user)
    if req.services.state.find_base(ws_id, name) is not None:
        raise error_msg(400, f"Table {name} already exists.")
    base = req.services.state.add_base(user, name, None, ws_id)
    table = base.tables[0]
    req.services.state.insert_rows(base, table, [{}, {}, {}], user.email)
    return json_response({"table": base_dict(req.services.state, base)}, 201)


async def delete_base(req: Request) -> Response:
    user = account_user(req)
    ws_id = workspace_of(req, req.params["ws"], user)
    data = await req.data()
    name = data.get("name") or req.query.get("name")
    if not isinstance(name, str) or not name:
        raise error_msg(400, "name invalid.")
    base = req.services.state.find_base(ws_id, name)
    if base is None:
        raise error_msg(404, f"dtable {name} not found.")
    req.services.state.delete_base(base)
    return json_response({"success": True})


async def related_users(req: Request) -> Response:
    user = account_user(req)
    base = base_in_workspace(req, user)
    owner = req.services.state.users.get(base.owner)
    users = [owner] if owner is not None else []
    return json_response(
        {
            "user_list": [
                {**_user_public(u), "avatar_url": f"{req.base_url}/media/avatars/default.png"}
                for u in users
            ]
        }
    )


def register(router: Router, version: tuple[int, int]) -> None:
    """Add the routes of this module for ``version``."""
    add = router.add
    add("ping", "GET", "/api2/ping/", "public", ping)
    add("server_info", "GET", "/server-info/", "public", server_info)
    # dtable-server and dtable-db still answer ping on 6.0.10/6.1 (ISSUES #20); the Go
    # services answer with and without the slash (v5.0 spec without, ISSUES #20 with).
    add("dtable_server.ping", "GET", "/dtable-server/ping/", "ping", dtable_server_ping)
    add("dtable_db.ping", "GET", "/dtable-db/ping", "ping", ret_pong)
    add("dtable_db.ping", "GET", "/dtable-db/ping/", "ping", ret_pong)
    if version >= (4, 4):
        add("gateway.ping", "GET", "/api-gateway/api/v2/ping", "ping", ret_pong)
        add("gateway.ping", "GET", "/api-gateway/api/v2/ping/", "ping", ret_pong)
    add("auth_token", "POST", "/api2/auth-token/", "public", auth_token)
    add("auth_ping", "GET", "/api2/auth/ping/", "account", auth_ping)
    add("account.info", "GET", "/api2/account/info/", "account", account_info)
    add("account.workspaces", "GET", "/api/v2.1/workspaces/", "account", workspaces)
    add("account.create_base", "POST", "/api/v2.1/dtables/", "account", create_base)
    add("account.delete_base", "DELETE", "/api/v2.1/workspace/{ws}/dtable/", "account", delete_base)
    add(
        "account.related_users",
        "GET",
        "/api/v2.1/workspace/{ws}/dtable/{name}/related-users/",
        "account",
        related_users,
    )
