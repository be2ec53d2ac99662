"""Team-admin and system-admin account operations (Account-Token of an admin).

Lists answer one page (``page``, ``per_page``; 25 per page by default) with the counts the
v5.0 spec shows: ``total_count`` for admin users, ``count`` for bases and teams, ``page_info``
for team users (``system_admin_account_operations.yaml``, ``team_admin_account_operations.yaml``).
"""

from __future__ import annotations

from typing import Any

from .._auth.access import account_user, require_org_admin, require_sysadmin
from .._server.request import Request
from .._server.responses import Response, error_msg, json_response
from .._server.router import Router
from .._state.records import Base, User
from .._state.state import State
from .account import _user_public, base_dict

PER_PAGE = 25


def _page(req: Request, items: list[Any]) -> tuple[list[Any], bool]:
    """One page of ``items`` and whether another follows (``page`` from 1)."""
    try:
        page = max(int(req.query.get("page") or 1), 1)
        per_page = max(int(req.query.get("per_page") or PER_PAGE), 1)
    except ValueError:
        raise error_msg(400, "page invalid.") from None
    start = (page - 1) * per_page
    return items[start : start + per_page], start + per_page < len(items)


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
    services = req.services
    if req.method == "POST":
        data = await req.data()
        email, password = data.get("email"), data.get("password")
        if not isinstance(email, str) or "@" not in email:
            raise error_msg(400, "email invalid.")
        if not isinstance(password, str) or not password:
            raise error_msg(400, "password invalid.")
        if services.state.find_user(email) is not None:
            raise error_msg(400, f"User {email} already exists.")
        new = services.state.add_user(email, password, org_id=org_id, name=data.get("name") or None)
        return json_response(_org_user(services.state, new))
    users, more = _page(req, services.state.user_orgs_users(org_id))
    return json_response(
        {
            "user_list": [_org_user(services.state, u) for u in users],
            "page_info": {"has_next_page": more, "current_page": int(req.query.get("page") or 1)},
        }
    )


def _base_admin(req: Request, b: Base) -> dict[str, Any]:
    state = req.services.state
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
    state = req.services.state
    with state.lock:
        members = {u.email for u in state.users.values() if u.org_id == org_id}
        bases = [b for b in state.bases.values() if b.owner in members]
    page, _ = _page(req, bases)
    return json_response({"dtable_list": [_base_admin(req, b) for b in page], "count": len(bases)})


async def org_group_members(req: Request) -> Response:
    user = account_user(req)
    org_id = require_org_admin(user, req.params["org_id"])
    state = req.services.state
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
    services = req.services
    if req.method == "POST":
        data = await req.data()
        email, password = data.get("email"), data.get("password")
        if not isinstance(email, str) or "@" not in email:
            raise error_msg(400, "email invalid.")
        if not isinstance(password, str) or not password:
            raise error_msg(400, "password invalid.")
        if services.state.find_user(email) is not None:
            raise error_msg(400, f"User {email} already exists.")
        role = data.get("role") if data.get("role") in ("user", "system_admin") else "user"
        new = services.state.add_user(email, password, str(role), name=data.get("name") or None)
        return json_response(_admin_user(services.state, new))
    with services.state.lock:
        users = list(services.state.users.values())
    page, _ = _page(req, users)
    return json_response(
        {"data": [_admin_user(services.state, u) for u in page], "total_count": len(users)}
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
    with req.services.state.lock:
        bases = list(req.services.state.bases.values())
    page, _ = _page(req, bases)
    return json_response({"dtables": [_base_admin(req, b) for b in page], "count": len(bases)})


async def admin_delete_dtable(req: Request) -> Response:
    require_sysadmin(account_user(req))
    base = req.services.state.bases.get(req.params["uuid"])
    if base is None:
        raise error_msg(404, f"dtable {req.params['uuid']} not found.")
    req.services.state.delete_base(base)
    return json_response({"success": True})


async def admin_orgs(req: Request) -> Response:
    require_sysadmin(account_user(req))
    services = req.services
    state = services.state
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
        admin = services.state.add_user(admin_email, password, "team_admin")
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
    page, _ = _page(req, orgs)
    return json_response({"organizations": page, "count": len(orgs)})


async def admin_sysinfo(req: Request) -> Response:
    require_sysadmin(account_user(req))
    state = req.services.state
    return json_response(
        {
            "version": req.services.version.full,
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
    add = router.add
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
