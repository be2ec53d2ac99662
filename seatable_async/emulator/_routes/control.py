"""Loopback control endpoints (``Emulator(control=True)``) for out-of-process use.

``GET /_emulator/stats``, ``POST /_emulator/bases`` ``{"name", "tables", "owner"?}``,
``POST /_emulator/config`` ``{"latency"?, "rate_limit"? [n, s] | null, "token_ttl"?,
"faults"? {...} | null, "limits"? "cloud" | "self-hosted" | {...} | null, "advance"? seconds}``,
``GET /_emulator/rows/{uuid}/{table}``.
No authentication: only ever bind a control-enabled emulator to 127.0.0.1.
"""

from __future__ import annotations

from .._faults.faults import Faults
from .._faults.limits import Limits
from .._server.request import Request
from .._server.responses import Response, error_msg, json_response
from .._server.router import Router
from .._state import seed


async def stats(req: Request) -> Response:
    if req.method == "DELETE":
        req.services.stats.reset()
    return json_response(req.services.stats.as_dict())


async def create_base(req: Request) -> Response:
    services = req.services
    data = await req.json_object()
    name = data.get("name")
    tables = data.get("tables")
    owner = data.get("owner") or "demo@example.com"
    if not isinstance(name, str) or not name or not isinstance(owner, str):
        raise error_msg(400, "name invalid.")
    if tables is not None and not (
        isinstance(tables, dict) and all(isinstance(v, dict) for v in tables.values())
    ):
        raise error_msg(400, "tables invalid.")
    try:
        base = seed.add_base(services.state, owner, name, tables)
    except ValueError as exc:
        raise error_msg(400, str(exc)) from None
    token = seed.add_api_token(services.state, services.clock.now, base, "control", "rw")
    return json_response({"uuid": base.uuid, "workspace_id": base.workspace_id, "api_token": token})


async def config(req: Request) -> Response:
    services = req.services
    data = await req.json_object()
    try:
        if "latency" in data:
            services.settings.latency = float(data["latency"])
        if "token_ttl" in data:
            services.settings.token_ttl = float(data["token_ttl"])
        if "rate_limit" in data:
            rl = data["rate_limit"]
            services.settings.rate_limit = None if rl is None else (int(rl[0]), float(rl[1]))
        if "faults" in data:
            f = data["faults"]
            services.settings.faults = None if f is None else Faults(**f)
        if "limits" in data:
            lim = data["limits"]
            services.settings.limits = Limits(**lim) if isinstance(lim, dict) else lim
        if "advance" in data:
            services.advance(float(data["advance"]))
    except (TypeError, ValueError, IndexError) as exc:
        raise error_msg(400, f"config invalid: {exc}") from None
    return json_response({"success": True})


async def rows(req: Request) -> Response:
    services = req.services
    services.late.apply_due()
    try:
        found = services.state.rows_of(req.params["uuid"], req.params["table"])
    except KeyError:
        raise error_msg(404, "not found.") from None
    return json_response({"rows": found})


def register(router: Router) -> None:
    router.add("control.stats", "GET DELETE", "/_emulator/stats", "control", stats)
    router.add("control.bases", "POST", "/_emulator/bases", "control", create_base)
    router.add("control.config", "POST", "/_emulator/config", "control", config)
    router.add("control.rows", "GET", "/_emulator/rows/{uuid}/{table}", "control", rows)
