"""Authorization header parsing and the per-version scheme rules.

``Token <t>`` is accepted on every version, ``Bearer <t>`` from 4.0 (scheme word is
case-insensitive). Before 4.0 a Bearer header counts as no credentials at all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from attrs import frozen

from .._server.request import Request
from .._server.responses import HTTPError, error_message, error_msg
from .._state.records import Base, User

if TYPE_CHECKING:
    from .._events.stats import EmulatorStats

PERMISSION_DENIED = "Permission denied."
NO_WRITE = "You don't have permission to perform this operation on this base."


def credentials(req: Request) -> str | None:
    """The token of an acceptable Authorization header for this version, else None."""
    header = req.headers.get("authorization")
    if not header:
        return None
    parts = header.split()
    if len(parts) != 2:
        return None
    scheme = parts[0].lower()
    req.services.stats.count("schemes", scheme)
    if scheme == "token" or (scheme == "bearer" and req.services.version.numbers >= (4, 0)):
        return parts[1]
    return None


def account_user(req: Request) -> User:
    """The Account-Token's user; no token → 403 (recorded on 6.0.10: ``test_auth_errors.py::
    test_account_endpoint_without_token``, ISSUES #21), a bad one → 401 ``Invalid token``."""
    token = credentials(req)
    if token is None:
        raise HTTPError.json(403, {"detail": "Authentication credentials were not provided."})
    user = req.services.state.users_by_token.get(token)
    if user is None:
        raise HTTPError.json(401, {"detail": "Invalid token"})
    return user


def require_sysadmin(user: User) -> None:
    if user.role != "system_admin":
        raise error_msg(403, PERMISSION_DENIED)


def require_org_admin(user: User, org_id: str) -> int:
    if user.role != "team_admin" or user.org_id is None or str(user.org_id) != org_id:
        raise error_msg(403, PERMISSION_DENIED)
    return user.org_id


@frozen
class ApiAccess:
    """What an API-Token (or temporary API-Token) grants."""

    base: Base
    app_name: str
    permission: str
    username: str
    temp: bool


def api_access(req: Request) -> ApiAccess:
    """Resolve an API-Token header; any failure is 403 ``Permission denied.``."""
    services = req.services
    token = credentials(req)
    if token is None:
        raise error_msg(403, PERMISSION_DENIED)
    state = services.state
    with state.lock:
        api = state.api_tokens.get(token)
        if api is not None:
            base = state.bases.get(api.base_uuid)
            if base is None:
                raise error_msg(403, PERMISSION_DENIED)
            api.last_access = services.clock.now()
            return ApiAccess(base, api.app_name, api.permission, "", False)
    claims = services.tokens.temp_codec.decode(token)
    if claims is None or float(claims.get("exp", 0)) <= services.clock.now():
        raise error_msg(403, PERMISSION_DENIED)
    base_opt = state.bases.get(str(claims.get("dtable_uuid")))
    if base_opt is None:
        raise error_msg(403, PERMISSION_DENIED)
    return ApiAccess(base_opt, "scripts", "rw", str(claims.get("username", "")), True)


def _reject(stats: EmulatorStats, family: str, reason: str) -> HTTPError:
    stats.add("rejected_tokens")
    if family == "gateway":
        return error_message(403, "invalid token")
    if reason == "expired":
        return error_msg(403, "Token expired.")
    if reason == "scheme":
        return error_msg(401, "Token invalid.")
    return error_msg(403, PERMISSION_DENIED)


def base_access(
    req: Request, family: str, base_uuid: str, write: bool
) -> tuple[Base, dict[str, Any]]:
    """Check the Base-Token for ``base_uuid``; see the package docstring for the error bodies."""
    services = req.services
    token = credentials(req)
    if token is None:
        bearer_too_old = req.headers.get("authorization", "").lower().startswith("bearer ")
        raise _reject(services.stats, family, "scheme" if bearer_too_old else "missing")
    claims = services.tokens.codec.decode(token)
    if claims is None or claims.get("dtable_uuid") != base_uuid:
        raise _reject(services.stats, family, "invalid")
    if float(claims.get("exp", 0)) <= services.clock.now():
        raise _reject(services.stats, family, "expired")
    base = services.state.bases.get(base_uuid)
    if base is None:
        if family == "gateway":
            raise error_message(404, "base not found")
        raise error_msg(404, "dtable not found.")
    if write and claims.get("permission") != "rw":
        if family == "gateway":
            raise error_message(403, NO_WRITE)
        raise error_msg(403, NO_WRITE)
    return base, claims
