"""Collaboration endpoints of a base: related users, user info, row comments, notifications,
toasts, row activities and snapshots (gateway 4.4+, dtable-server before 6.0, dtable-web).

Shapes: related users ``{"user_list": [...], "app_user_list": []}`` (6.x
``test_metadata/test_listCollaborators``); app-user-info ``{"id_in_org", "name"}`` (dtable-web's
``DTableAppUserInfoView`` in the derived code base, reference [SEATICKET]); comments as a bare
list, ``{"count": n}``, ``{"comments": [...]}`` (6.x ``test_comments`` snapshots, v5.0 spec);
notifications ``{"notification_list": [...]}``, marked seen with the form field ``seen=true``
(6.x ``test_notifications``: "the API only accepts 'true'"); activities ``{"activities": [...],
"total_count": n}`` (6.x ``test_activities/test_listRowActivities``); snapshot ``{"status":
"created", "snapshot": {...}}`` or ``{"status": "time_is_short"}`` within 10 minutes (v5.0
spec, ``test_activities.py``). Creating a comment (``POST comments/``) is missing on 6.0.10
(ISSUES #12: 405), so no version here has it.

Inferred: toasts answer ``{"success": true}`` and are kept for inspection; comments and
notifications come from `Emulator.add_comment` / `Emulator.add_notification`; a Base-Token
minted from an API-Token (no user) sees every notification; activities are recorded from the
row operations published on ``services.events``; ``{"status": "no_change"}`` when nothing changed
since the last snapshot; error texts.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from .._auth.access import api_access, base_access
from .._server.families import BaseRoute, add_routes, bind, families
from .._server.request import Request
from .._server.responses import HTTPError, Response, error_message, error_msg, json_response
from .._server.router import Router
from .._state.state import extras_of

if TYPE_CHECKING:
    pass

SNAPSHOT_INTERVAL = 600.0
PER_PAGE = 25


def _err(family: str, status: int, msg: str) -> HTTPError:
    return error_message(status, msg) if family == "gateway" else error_msg(status, msg)


def _public(item: dict[str, Any]) -> dict[str, Any]:
    """An answer's copy of a stored item (without the emulator's ``_`` bookkeeping keys)."""
    return {k: v for k, v in item.items() if not k.startswith("_")}


def _user_entry(req: Request, email: str, admin: bool) -> dict[str, Any]:
    user = req.services.state.users.get(email)
    name = user.name if user is not None else email.split("@")[0]
    return {
        "avatar_url": f"{req.base_url}/media/avatars/default.png",
        "contact_email": user.login if user is not None else "",
        "email": email,
        "id_in_org": "",
        "is_admin": admin,
        "name": name,
        "name_pinyin": name,
    }


async def related_users(req: Request, family: str) -> Response:
    base, _ = base_access(req, family, req.params["uuid"], write=False)
    users = [_user_entry(req, base.owner, True)]
    return json_response({"user_list": users, "app_user_list": []})


async def user_info(req: Request) -> Response:
    api_access(req)
    username = req.query.get("username", "")
    user = req.services.state.users.get(username)
    name = user.name if user is not None else username.split("@")[0]
    return json_response({"id_in_org": "", "name": name})


def _comment_id(family: str, req: Request) -> int:
    try:
        return int(req.params["comment_id"])
    except ValueError:
        raise _err(family, 400, "comment_id invalid.") from None


async def comments(req: Request, family: str) -> Response:
    base, _ = base_access(req, family, req.params["uuid"], write=False)
    row_id = req.query.get("row_id")
    if not row_id:
        raise _err(family, 400, "row_id invalid.")
    store = extras_of(req.services.state, base).comments
    return json_response([_public(c) for c in store if c["row_id"] == row_id])


async def comment(req: Request, family: str) -> Response:
    write = req.method == "DELETE"
    base, _ = base_access(req, family, req.params["uuid"], write=write)
    wanted = _comment_id(family, req)
    store = extras_of(req.services.state, base).comments
    with req.services.state.lock:
        found = next((c for c in store if c["id"] == wanted), None)
        if found is None:
            raise _err(family, 404, "comment not found.")
        if write:
            store.remove(found)
            return json_response({"success": True})
    return json_response(_public(found))


async def comments_count(req: Request, family: str) -> Response:
    base, _ = base_access(req, family, req.params["uuid"], write=False)
    row_id = req.query.get("row_id")
    if not row_id:
        raise _err(family, 400, "row_id invalid.")
    count = sum(c["row_id"] == row_id for c in extras_of(req.services.state, base).comments)
    return json_response({"count": count})


async def comments_within_days(req: Request, family: str) -> Response:
    base, _ = base_access(req, family, req.params["uuid"], write=False)
    try:
        days = int(req.query.get("days", ""))
    except ValueError:
        raise _err(family, 400, "days invalid.") from None
    if days < 1:
        raise _err(family, 400, "days invalid.")
    since = req.services.clock.now() - days * 86400
    store = extras_of(req.services.state, base).comments
    return json_response({"comments": [_public(c) for c in store if c["_ts"] >= since]})


def _mine(claims: dict[str, Any], note: dict[str, Any]) -> bool:
    user = claims.get("username") or ""
    return not user or note["username"] == user


def _seen(family: str, data: dict[str, Any]) -> int:
    value = data.get("seen")
    if value not in ("true", "false"):  # form fields: only "true"/"false" (6.x tests)
        raise _err(family, 400, "seen invalid.")
    return 1 if value == "true" else 0


async def notifications(req: Request, family: str) -> Response:
    write = req.method != "GET"
    base, claims = base_access(req, family, req.params["uuid"], write=write)
    store = extras_of(req.services.state, base).notifications
    if req.method == "GET":
        return json_response({"notification_list": [n for n in store if _mine(claims, n)]})
    if req.method == "DELETE":
        with req.services.state.lock:
            store[:] = [n for n in store if not _mine(claims, n)]
        return json_response({"success": True})
    seen = _seen(family, await req.data())
    with req.services.state.lock:
        for note in store:
            if _mine(claims, note):
                note["seen"] = seen
    return json_response({"success": True})


async def notification(req: Request, family: str) -> Response:
    base, claims = base_access(req, family, req.params["uuid"], write=True)
    try:
        wanted = int(req.params["notification_id"])
    except ValueError:
        raise _err(family, 400, "notification_id invalid.") from None
    seen = _seen(family, await req.data())
    store = extras_of(req.services.state, base).notifications
    with req.services.state.lock:
        note = next((n for n in store if n["id"] == wanted and _mine(claims, n)), None)
        if note is None:
            raise _err(family, 404, "notification not found.")
        note["seen"] = seen
    return json_response({"success": True})


async def toast(req: Request, family: str) -> Response:
    base, claims = base_access(req, family, req.params["uuid"], write=False)
    data = await req.json_object()
    to_user, detail = data.get("to_user"), data.get("detail")
    if not isinstance(to_user, str) or not to_user:
        raise _err(family, 400, "to_user invalid.")
    if not isinstance(detail, dict) or not isinstance(detail.get("msg"), str):
        raise _err(family, 400, "detail invalid.")
    entry = {
        "to_user": to_user,
        "toast_type": str(data.get("toast_type") or "success"),
        "detail": detail,
        "from": str(claims.get("username") or claims.get("app_name") or ""),
    }
    with req.services.state.lock:
        extras_of(req.services.state, base).toasts.append(entry)
    return json_response({"success": True})


def _page(value: str | None, default: int) -> int:
    try:
        number = int(value) if value else default
    except ValueError:
        return default
    return max(1, number)


async def activities(req: Request, family: str) -> Response:
    base, _ = base_access(req, family, req.params["uuid"], write=False)
    row_id = req.query.get("row_id")
    if not row_id:
        raise _err(family, 400, "row_id invalid.")
    page = _page(req.query.get("page"), 1)
    per_page = _page(req.query.get("per_page"), PER_PAGE)
    log = extras_of(req.services.state, base).activities
    with req.services.state.lock:
        found = log.of_row(base.uuid, row_id)
    start = (page - 1) * per_page
    return json_response({"activities": found[start : start + per_page], "total_count": len(found)})


async def snapshot(req: Request, family: str) -> Response:
    base, _ = base_access(req, family, req.params["uuid"], write=True)
    data = await req.json(required=False) or {}
    services = req.services
    store = extras_of(services.state, base).snapshots
    now = services.clock.now()
    with services.state.lock:
        if store and now - store[-1]["_ts"] < SNAPSHOT_INTERVAL:
            return json_response({"status": "time_is_short"})
        if store and store[-1]["_version"] == base.version:
            return json_response({"status": "no_change"})
        name = data.get("dtable_name") if isinstance(data, dict) else None
        snap = {
            "dtable_uuid": base.uuid,
            "dtable_name": f"{name or base.name}.dtable",
            "commit_id": secrets.token_hex(20),
            "ctime": int(now * 1000),
        }
        store.append({**snap, "_ts": now, "_version": base.version})
    return json_response({"status": "created", "snapshot": snap})


# ---- routes ----------------------------------------------------------------------------------

_BASE_ROUTES: list[BaseRoute] = [
    ("related_users", "GET", "related-users/", related_users),
    ("comments.list", "GET", "comments/", comments),
    ("comments.get", "GET DELETE", "comments/{comment_id}/", comment),
    ("comments.count", "GET", "comments-count/", comments_count),
    ("comments.within_days", "GET", "comments-within-days/", comments_within_days),
    ("notifications", "GET PUT DELETE", "notifications/", notifications),
    ("notifications.one", "PUT", "notifications/{notification_id}/", notification),
    ("toasts", "POST", "ui-toasts/", toast),
    ("activities", "GET", "activities/", activities),
    ("snapshot", "POST", "snapshot/", snapshot),
]


def register(router: Router, version: tuple[int, int]) -> None:
    add = router.add
    for family in families(version):
        add_routes(router, family, _BASE_ROUTES)
    # the official client lists related users through dtable-web with the Base-Token
    add(
        "web.related_users",
        "GET",
        "/api/v2.1/dtables/{uuid}/related-users/",
        "api",
        bind(related_users, "web"),
    )
    add("files.user_info", "GET", "/api/v2.1/dtable/app-user-info/", "api", user_info)
