"""SeaTable emulator: an in-process (or loopback) stand-in for a SeaTable server.

Use it like moto for AWS::

    emu = Emulator(version="6.0")
    emu.add_user("alice@example.com", "pw")
    base = emu.add_base(owner="alice@example.com", name="Demo",
                        tables={"Table1": {"Name": "text", "Age": "number"}})
    token = emu.add_api_token(base)
    async with httpx.AsyncClient(transport=emu.transport(), base_url="http://seatable.test") as c:
        ...
    async with emu.serve() as url: ...            # real HTTP (uvicorn), asyncio or trio caller

Covered per version ("3.5", "4.0", "4.4", "5.0", "6.0"); what it does and does not reproduce,
row by row against the fidelity audit, is in ``docs/reference/emulator.md``:

* ``/api2/ping/``, ``/server-info/`` (version "x.y.10"), ``/api2/auth/ping/``;
  ``/dtable-server/ping/`` (text/html) and ``/dtable-db/ping[/]`` on every version (6.0 too);
  ``/api-gateway/api/v2/ping[/]`` from 4.4.
* Paths are strict: a dtable-web path without its trailing slash is answered 301 to the path
  with it (Django ``APPEND_SLASH``), other components answer 404; unknown paths get an HTML 404.
* ``Authorization: Token`` everywhere, ``Bearer`` from 4.0. Before 4.0 a Bearer header counts as
  no credentials: API-Token views → 403 ``{"error_msg": "Permission denied."}``, Account-Token
  views → 403 ``{"detail": "Authentication credentials were not provided."}`` (no token → 403
  as recorded on 6.0.10, a bad one → 401 ``Invalid token``), base operations →
  401 ``{"error_msg": "Token invalid."}`` (our choice; undocumented upstream).
* Login ``/api2/auth-token/`` (form or JSON, 2FA via ``X-SEAFILE-OTP``), account info,
  workspaces, create/delete base, related users, team-admin users/bases/group members,
  system-admin users/bases/organizations/sysinfo (paged, with counts).
* API-Tokens CRUD, temporary API-Token (1 h JWT, app "scripts"), the three Base-Token flows
  with the per-version response fields (6.0: the 7 measured fields for API-Tokens, only
  ``access_token`` and ``dtable_uuid`` for Account-Tokens). An ``rw`` token comes out ``r``
  while ``Base.quota_exceeded`` is set.
* Base-Tokens are HS256 JWTs with the server's claims (exp, dtable_uuid, username, permission,
  app_name; no iat). Rejections (counted in ``stats.rejected_tokens``):
  gateway → 403 ``{"error_message": "invalid token"}`` for missing, garbage, wrong-base AND
  expired tokens (the reference documents no separate expiry answer);
  legacy dtable-server / dtable-db → 403 ``{"error_msg": "Token expired."}`` when expired,
  403 ``{"error_msg": "Permission denied."}`` when missing/garbage/wrong base.
  Writes with a read-only token → 403 "You don't have permission to perform this operation
  on this base." (``error_message`` on the gateway, ``error_msg`` on legacy).
* Gateway (4.4+) metadata, rows list/append/update/delete, get row, SQL (``/sql`` and
  ``/sql/``); legacy dtable-server rows/batch routes and dtable-db SQL (below 6.0).
  Caps: list ≤1000 (larger ``limit`` is clamped), append/update ≤1000 and delete ≤10,000
  (over → 400). ``redirect_legacy=True`` answers legacy list-rows / get-row / SQL with 302 to
  the gateway (Cloud 5.x behaviour).
* Cell values are stored per column type (`_state.cells`): dates in the server's ``timezone`` and
  shown ISO with its offset, numbers coerced, checkbox only ``true``, select options created,
  auto numbers generated, computed and system columns read-only.
* SQL in SeaTable's dialect (`_sql.lexer`): SeaTable functions only, case-sensitive ``LIKE``
  and ``ILIKE``, no ``JOIN`` keyword, constants-only ``SET``/``VALUES``, ``INSERT`` only with
  big-data storage, default LIMIT 100 and cap 10,000, dates and list columns compared as
  documented; ``parameters`` from 5.0; gateway errors 400 ``error_message``, dtable-db errors
  200 ``{"success": false, "error_message": ...}``.
* Files: upload link, multipart upload (``name(1).ext`` on clash, JSON only with
  ``ret-json=1``), download link + download, delete asset (6.0). Links expire after an hour.
* Limits: ``rate_limit=(n, seconds)`` per base, or ``limits="cloud"``/``"self-hosted"``/`Limits`
  (base operations, account endpoints, ``/api2/auth-token/``, a monthly quota). Gateway answers
  carry ``x-powered-by: SeaTable-Api-Gateway`` and, when a limit is on, ``x-ratelimit-*``;
  gateway 429s are empty, dtable-web 429s are DRF's with ``Retry-After``.
* Faults (`Faults`): deterministic 429 / 5xx (500 JSON; 502, 503, 504 nginx HTML) / connection
  reset / lost response / late commit (502 or 504 at once, the write lands later on the
  emulator clock) / truncated body / slow body.
* ``control=True`` adds loopback-only ``/_emulator/...`` endpoints (stats, bases, config, rows).
* Socket.IO when served (``_sockets.server``): ``join-room`` with a Base-Token, every write
  broadcast as ``update-dtable`` (``_events.broadcast``), client operations on rows, columns,
  tables and views applied (``_sockets.row_ops``, ``_sockets.schema_ops``); `Emulator.notify`,
  `Emulator.drop_socket_connections`.

* Links (``_routes.links``): link columns from ``add_base`` (``{"type": "link", "data":
  {"other_table": ...}}``) share a ``link_id`` and one store of row pairs; gateway ``links/``
  (POST/PUT/DELETE) and ``query-links/``, legacy ``links/``, ``batch-update-links/`` and
  dtable-db ``linked-records/``; ≤1,000 rows per write, query 10 links per row by default and
  ≤100; cells ``[{display_value, row_id}]`` on the gateway and in SQL (≤50 from 6.0), row ids
  on dtable-server.
* Row extras and big data (``_routes.row_extras``): lock/unlock rows, legacy positional
  insert, ``apply_default``, ``add-archived-rows/``, dtable-db ``insert-rows/``,
  ``archive-view/``, ``unarchive/``.
* Collaboration (``_routes.collab``): related users (gateway, dtable-server, dtable-web with the
  Base-Token), app-user-info, row comments, notifications, ``ui-toasts/``, row activities
  (recorded from the operations on ``emu.events``), snapshots; custom-folder files and
  ``dtable-copy`` (``_routes.custom_folders``). Seed with `Emulator.add_comment` /
  `Emulator.add_notification`; inspect with `Emulator.links` / `Emulator.toasts`.

* Webhooks (``_webhooks.hub``, ``_routes.webhooks``): `Emulator.add_webhook` and the account
  routes ``…/webhooks/``; every row and link change POSTed over real HTTP as ``dtable-events``
  sends it (body, ``X-SeaTable-Signature``, 30 s timeout, no retry, invalid after five
  failures in a row), from background threads; ``emu.webhooks`` (``flush``, ``failures``),
  ``emu.stats.webhooks``. `serve_app` serves your receiving app on loopback for a test.

Deliberately left out: filtered rows, shares, groups API, formula evaluation, workflows, row
comments' ``POST`` (missing on 6.0.10, ISSUES #12).
"""

from __future__ import annotations

from ._emulator import Emulator
from ._events.stats import EmulatorStats
from ._faults.faults import Faults
from ._faults.limits import Limits
from ._serve_forever import serve_forever
from ._server.missing import MissingExtraError
from ._server.serve_app import serve_app, serve_app_in_thread
from ._state.records import Base, User

__all__ = [
    "Base",
    "Emulator",
    "EmulatorStats",
    "Faults",
    "Limits",
    "MissingExtraError",
    "User",
    "serve_app",
    "serve_app_in_thread",
    "serve_forever",
]
