"""No-token endpoints, login, and account / team-admin / system-admin operations."""

from __future__ import annotations

from typing import Any

from ._auth import PERMISSION_DENIED, account_user, require_org_admin, require_sysadmin
from ._http import HTTPError, Request, Response, Router, error_msg, json_response
from ._state import Base, State, User


def _text(body: str) -> Response:
    return Response(200, body.encode(), b"text/plain; charset=utf-8")


async def ping(req: Request) -> Response:
    return json_response("pong")


async def server_info(req: Request) -> Response:
    return json_response({"version": req.emu.full_version, "edition": "enterprise edition"})


async def dtable_server_ping(req: Request) -> Response:
    return _text("pong")


async def ret_pong(req: Request) -> Response:
    return json_response({"ret": "pong"})


async def auth_ping(req: Request) -> Response:
    account_user(req)
    return json_response("pong")


_BAD_LOGIN = {"non_field_errors": ["Unable to login with provided credentials."]}


async def auth_token(req: Request) -> Response:
    data = await req.data()
    username, password = data.get("username"), data.get("password")
    if not isinstance(username, str) or not isinstance(password, str) or not password:
        raise HTTPError.json(400, _BAD_LOGIN)
    user = req.emu.state.find_user(username)
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
    state = req.emu.state
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
    state = req.emu.state
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
    base = req.emu.state.find_base(ws_id, name)
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
    if req.emu.state.find_base(ws_id, name) is not None:
        raise error_msg(400, f"Table {name} already exists.")
    base = req.emu.state.add_base(user, name, None, ws_id)
    table = base.tables[0]
    req.emu.state.insert_rows(base, table, [{}, {}, {}], user.email)
    return json_response({"table": base_dict(req.emu.state, base)}, 201)


async def delete_base(req: Request) -> Response:
    user = account_user(req)
    ws_id = workspace_of(req, req.params["ws"], user)
    data = await req.data()
    name = data.get("name") or req.query.get("name")
    if not isinstance(name, str) or not name:
        raise error_msg(400, "name invalid.")
    base = req.emu.state.find_base(ws_id, name)
    if base is None:
        raise error_msg(404, f"dtable {name} not found.")
    req.emu.state.delete_base(base)
    return json_response({"success": True})


async def related_users(req: Request) -> Response:
    user = account_user(req)
    base = base_in_workspace(req, user)
    owner = req.emu.state.users.get(base.owner)
    users = [owner] if owner is not None else []
    return json_response(
        {
            "user_list": [
                {**_user_public(u), "avatar_url": f"{req.base_url}/media/avatars/default.png"}
                for u in users
            ]
        }
    )


# ---- team admin ------------------------------------------------------------------------
def _org_user(state: State, u: User) -> dict[str, Any]:
    return {
        **_user_public(u),
        "quota_usage": 0,
        "quota_total": -2,
        "id_in_org": "",
        "last_login": None,
        "id": abs(hash(u.email)) % 100000,
        "is_active": True,
        "ctime": state.iso_seconds(u.created_at),
        "self_usage": 0,
        "quota": -2,
        "is_org_admin": u.role == "team_admin",
    }


async def org_users(req: Request) -> Response:
    user = account_user(req)
    org_id = require_org_admin(user, req.params["org_id"])
    emu = req.emu
    if req.method == "POST":
        data = await req.data()
        email, password = data.get("email"), data.get("password")
        if not isinstance(email, str) or "@" not in email:
            raise error_msg(400, "email invalid.")
        if not isinstance(password, str) or not password:
            raise error_msg(400, "password invalid.")
        if emu.state.find_user(email) is not None:
            raise error_msg(400, f"User {email} already exists.")
        new = emu.add_user(email, password, org_id=org_id, name=data.get("name") or None)
        return json_response(_org_user(emu.state, new))
    users = emu.state.user_orgs_users(org_id)
    return json_response(
        {
            "user_list": [_org_user(emu.state, u) for u in users],
            "page_info": {"has_next_page": False, "current_page": 1},
        }
    )


def _base_admin(req: Request, b: Base) -> dict[str, Any]:
    state = req.emu.state
    owner = state.users.get(b.owner)
    rows = state.store.count_rows(b)
    return {
        **base_dict(state, b, False),
        "owner": owner.name if owner else b.owner,
        "rows_count": rows,
    }


async def org_dtables(req: Request) -> Response:
    user = account_user(req)
    org_id = require_org_admin(user, req.params["org_id"])
    state = req.emu.state
    with state.lock:
        members = {u.email for u in state.users.values() if u.org_id == org_id}
        bases = [b for b in state.bases.values() if b.owner in members]
    return json_response({"dtable_list": [_base_admin(req, b) for b in bases]})


async def org_group_members(req: Request) -> Response:
    user = account_user(req)
    org_id = require_org_admin(user, req.params["org_id"])
    state = req.emu.state
    try:
        group = state.groups.get(int(req.params["group_id"]))
    except ValueError:
        group = None
    if group is None or group.org_id != org_id:
        raise error_msg(404, f"Group {req.params['group_id']} not found.")
    data = await req.data()
    raw = data.get("user_id") or data.get("email") or []
    ids = raw if isinstance(raw, list) else [raw]
    failed: list[dict[str, Any]] = []
    success: list[dict[str, Any]] = []
    for uid in ids:
        member = state.find_user(str(uid))
        if member is None or member.org_id != org_id:
            failed.append({"email": str(uid), "error_msg": f"User {uid} not found."})
        elif member.email in group.members:
            failed.append(
                {
                    "email": member.email,
                    "error_msg": f"User {member.name} is already a group member.",
                }
            )
        else:
            group.members.append(member.email)
            success.append(
                {
                    "group_id": group.id,
                    **_user_public(member),
                    "login_id": "",
                    "is_admin": False,
                    "role": "Member",
                }
            )
    return json_response({"failed": failed, "success": success})


# ---- system admin ----------------------------------------------------------------------
async def admin_users(req: Request) -> Response:
    user = account_user(req)
    require_sysadmin(user)
    emu = req.emu
    if req.method == "POST":
        data = await req.data()
        email, password = data.get("email"), data.get("password")
        if not isinstance(email, str) or "@" not in email:
            raise error_msg(400, "email invalid.")
        if not isinstance(password, str) or not password:
            raise error_msg(400, "password invalid.")
        if emu.state.find_user(email) is not None:
            raise error_msg(400, f"User {email} already exists.")
        role = data.get("role") if data.get("role") in ("user", "system_admin") else "user"
        new = emu.add_user(email, password, str(role), name=data.get("name") or None)
        return json_response(_admin_user(emu.state, new))
    with emu.state.lock:
        users = list(emu.state.users.values())
    return json_response(
        {"data": [_admin_user(emu.state, u) for u in users], "total_count": len(users)}
    )


def _admin_user(state: State, u: User) -> dict[str, Any]:
    return {
        **_user_public(u),
        "login_id": "",
        "is_staff": u.role == "system_admin",
        "is_active": True,
        "create_time": state.iso_seconds(u.created_at),
        "last_login": None,
        "role": "default",
        "storage_usage": 0,
        "rows_count": 0,
    }


async def admin_dtables(req: Request) -> Response:
    require_sysadmin(account_user(req))
    with req.emu.state.lock:
        bases = list(req.emu.state.bases.values())
    return json_response({"dtables": [_base_admin(req, b) for b in bases], "count": len(bases)})


async def admin_delete_dtable(req: Request) -> Response:
    require_sysadmin(account_user(req))
    base = req.emu.state.bases.get(req.params["uuid"])
    if base is None:
        raise error_msg(404, f"dtable {req.params['uuid']} not found.")
    req.emu.state.delete_base(base)
    return json_response({"success": True})


async def admin_orgs(req: Request) -> Response:
    require_sysadmin(account_user(req))
    emu = req.emu
    state = emu.state
    if req.method == "POST":
        data = await req.data()
        org_name, admin_email = data.get("org_name"), data.get("admin_email")
        password = data.get("password")
        if not isinstance(org_name, str) or not org_name:
            raise error_msg(400, "org_name invalid.")
        if not isinstance(admin_email, str) or "@" not in admin_email:
            raise error_msg(400, "admin_email invalid.")
        if not isinstance(password, str) or not password:
            raise error_msg(400, "password invalid.")
        if state.find_user(admin_email) is not None:
            raise error_msg(400, f"User {admin_email} already exists.")
        admin = emu.add_user(admin_email, password, "team_admin")
        assert admin.org_id is not None
        state.orgs[admin.org_id].name = org_name
        return json_response(
            {"org_id": admin.org_id, "org_name": org_name, "owner_email": admin.email}
        )
    with state.lock:
        orgs = [
            {
                "org_id": o.id,
                "org_name": o.name,
                "creator_email": o.admin,
                "users_count": sum(1 for u in state.users.values() if u.org_id == o.id),
            }
            for o in state.orgs.values()
        ]
    return json_response({"organizations": orgs, "total_count": len(orgs)})


async def admin_sysinfo(req: Request) -> Response:
    require_sysadmin(account_user(req))
    state = req.emu.state
    return json_response(
        {
            "version": req.emu.full_version,
            "users_count": len(state.users),
            "active_users_count": len(state.users),
            "org_count": len(state.orgs),
            "dtables_count": len(state.bases),
            "is_pro": True,
            "with_license": False,
            "license_maxusers": 0,
        }
    )


def register(router: Router, version: tuple[int, int]) -> None:
    """Add the routes of this module for ``version``."""
    add = router.add
    add("ping", "GET", "/api2/ping/", "public", ping)
    add("server_info", "GET", "/server-info/", "public", server_info)
    if version < (6, 0):
        add("dtable_server.ping", "GET", "/dtable-server/ping/", "public", dtable_server_ping)
        add("dtable_db.ping", "GET", "/dtable-db/ping", "public", ret_pong)
    if version >= (4, 4):
        add("gateway.ping", "GET", "/api-gateway/api/v2/ping", "public", ret_pong)
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
    add("org.users", "GET POST", "/api/v2.1/org/{org_id}/admin/users/", "account", org_users)
    add("org.dtables", "GET", "/api/v2.1/org/{org_id}/admin/dtables/", "account", org_dtables)
    add(
        "org.group_members",
        "POST",
        "/api/v2.1/org/{org_id}/admin/groups/{group_id}/members/",
        "account",
        org_group_members,
    )
    add("admin.users", "GET POST", "/api/v2.1/admin/users/", "account", admin_users)
    add("admin.dtables", "GET", "/api/v2.1/admin/dtables/", "account", admin_dtables)
    add(
        "admin.delete_dtable",
        "DELETE",
        "/api/v2.1/admin/dtable/{uuid}/",
        "account",
        admin_delete_dtable,
    )
    add("admin.organizations", "GET POST", "/api/v2.1/admin/organizations/", "account", admin_orgs)
    add("admin.sysinfo", "GET", "/api/v2.1/admin/sysinfo/", "account", admin_sysinfo)
