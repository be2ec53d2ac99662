"""The `Emulator` façade: it builds the collaborators (`Services`) and keeps its public
attributes in step with them; seeding, inspecting, tokens, the ASGI app, serving."""

from __future__ import annotations

import contextlib
import secrets
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._auth.minter import TokenMinter
from ._events.bus import EventBus
from ._events.stats import EmulatorStats
from ._faults.faults import FaultInjector, Faults
from ._faults.late_commits import LateCommits
from ._faults.limits import LimitPolicy, Limits
from ._faults.rate_limiter import RateLimiter
from ._server.services import Clock, Services, Settings, VersionInfo
from ._sql.functions import register as register_sql_functions
from ._state import seed
from ._state.dates import Zone
from ._state.file_links import FileLinks
from ._state.records import Base, User
from ._state.state import State, extras_of
from ._state.store import ColumnSpec
from ._webhooks.hub import Webhook, WebhookHub

if TYPE_CHECKING:
    import httpx

VERSIONS = ("3.5", "4.0", "4.4", "5.0", "6.0")


class Emulator:
    """An in-memory SeaTable server (see the package docstring for coverage per version).

    ``version``: "3.5" | "4.0" | "4.4" | "5.0" | "6.0" (fixed). ``token_ttl``: Base-Token
    lifetime in seconds. ``latency``: seconds added to every response. ``rate_limit``:
    ``(requests, seconds)`` per base for base operations. ``faults``: a `Faults`.
    ``db_path``: a directory for one SQLite file per base (default: in memory).
    ``redirect_legacy``: answer legacy list-rows / get-row / SQL with 302 to the gateway.
    ``control``: enable the loopback ``/_emulator/...`` endpoints. ``clock``: a wall-clock
    callable (default ``time.time``); `advance` adds an offset to it. ``timezone``: the
    server's zone, a fixed offset (``"+02:00"``) or an IANA name (``"Europe/Berlin"``); date
    cells and dtable-web timestamps carry its offset.
    ``limits``: ``"cloud"``, ``"self-hosted"`` or a `Limits` (per-minute limits for base
    operations, account endpoints and ``/api2/auth-token/``, a monthly quota); an explicit
    ``rate_limit`` wins over the preset's base-operation limit.
    ``token_ttl``, ``latency``, ``rate_limit``, ``limits`` and ``faults`` may be reassigned at
    any time.
    """

    def __init__(
        self,
        version: str = "6.0",
        token_ttl: float = 3 * 86400,
        latency: float = 0.0,
        rate_limit: tuple[int, float] | None = None,
        faults: Faults | None = None,
        db_path: str | Path | None = None,
        redirect_legacy: bool = False,
        *,
        control: bool = False,
        clock: Callable[[], float] | None = None,
        timezone: str = "+00:00",
        limits: str | Limits | None = None,
    ) -> None:
        if version not in VERSIONS:
            raise ValueError(f"version must be one of {VERSIONS}, not {version!r}")
        self._version = VersionInfo(version)
        self.version_tuple: tuple[int, int] = self._version.numbers
        self.full_version = self._version.full
        self._settings = Settings(
            token_ttl=token_ttl,
            latency=latency,
            rate_limit=rate_limit,
            redirect_legacy=redirect_legacy,
            control=control,
            limits=limits,
            faults=faults,
        )
        self._clock = Clock(clock or time.time)
        self.stats = EmulatorStats()
        self.events = EventBus()
        self.late = LateCommits(self.now, lambda n: self.stats.add("late_writes", n))
        self.zone = Zone(timezone)
        zone, now = self.zone, self.now

        def sql_functions(conn: sqlite3.Connection) -> None:
            register_sql_functions(conn, zone, now)

        self.state = State(now, db_path, zone, sql_functions)
        self._tokens = TokenMinter(now, lambda: self._settings.token_ttl)
        self.codec = self._tokens.codec
        self.temp_codec = self._tokens.temp_codec
        self.limiter = RateLimiter()
        self.policy = LimitPolicy(self.limiter)
        self._files = FileLinks()
        self.upload_links = self._files.upload
        self.download_links = self._files.download
        self.webhooks = WebhookHub(self.state, self.events, self.stats, now)
        self._services = Services(
            self.state,
            self.events,
            self.stats,
            self._clock,
            self._version,
            self._settings,
            self._tokens,
            self._files,
            self.webhooks,
            self.late,
            self.policy,
        )
        self._sockets: Any = None
        self._app: Any = None

    # ---- configuration (kept in `settings`) ------------------------------------------
    @property
    def version(self) -> str:
        """The emulated SeaTable version (fixed at construction)."""
        return self._version.name

    @property
    def token_ttl(self) -> float:
        return self._settings.token_ttl

    @token_ttl.setter
    def token_ttl(self, value: float) -> None:
        self._settings.token_ttl = value

    @property
    def latency(self) -> float:
        return self._settings.latency

    @latency.setter
    def latency(self, value: float) -> None:
        self._settings.latency = value

    @property
    def rate_limit(self) -> tuple[int, float] | None:
        return self._settings.rate_limit

    @rate_limit.setter
    def rate_limit(self, value: tuple[int, float] | None) -> None:
        self._settings.rate_limit = value

    @property
    def redirect_legacy(self) -> bool:
        return self._settings.redirect_legacy

    @redirect_legacy.setter
    def redirect_legacy(self, value: bool) -> None:
        self._settings.redirect_legacy = value

    @property
    def control(self) -> bool:
        return self._settings.control

    @control.setter
    def control(self, value: bool) -> None:
        self._settings.control = value

    @property
    def limits(self) -> Limits | None:
        return self._settings.limits

    @limits.setter
    def limits(self, value: str | Limits | None) -> None:
        self._settings.limits = value

    @property
    def faults(self) -> Faults | None:
        return self._settings.faults

    @faults.setter
    def faults(self, value: Faults | None) -> None:
        """Setting faults restarts the deterministic random sequence from its seed."""
        self._settings.faults = value

    @property
    def injector(self) -> FaultInjector | None:
        return self._settings.injector

    def base_window(self) -> tuple[int, float] | None:
        """The per-base window in force: ``rate_limit``, else the limits' per-minute one."""
        return self._settings.base_window()

    def team_of(self, base_uuid: str) -> str:
        """Whose monthly quota a base's operations use: its owner's team, else the owner."""
        return self.state.team_of(base_uuid)

    @property
    def has_gateway(self) -> bool:
        return self._version.has_gateway

    @property
    def has_legacy(self) -> bool:
        return self._version.has_legacy

    # ---- clock ---------------------------------------------------------------------
    def now(self) -> float:
        """The emulator's wall clock (Unix seconds), moved by `advance`."""
        return self._clock.now()

    def advance(self, seconds: float) -> None:
        """Move the emulator clock forward (token expiry, rate windows, link expiry); late
        writes that fall due land now."""
        self._services.advance(seconds)

    @property
    def pending_late_writes(self) -> int:
        """Writes of late-commit faults that have not landed yet."""
        return self.late.pending

    def apply_late_writes(self, everything: bool = False) -> int:
        """Land the late writes that are due (all of them with ``everything``); returns how
        many landed. Due writes also land before each request and in `advance`."""
        return self.late.apply_due(everything)

    # ---- seeding -------------------------------------------------------------------
    def add_user(
        self,
        login: str,
        password: str,
        role: str = "user",
        otp: str | None = None,
        *,
        org_id: int | None = None,
        name: str | None = None,
    ) -> User:
        """Create a user; ``role`` is "user", "team_admin" (gets its own org) or "system_admin"."""
        return self.state.add_user(login, password, role, otp, org_id, name)

    def add_base(
        self,
        owner: str,
        name: str,
        tables: Mapping[str, Mapping[str, ColumnSpec]] | None = None,
        *,
        big_data: bool = False,
    ) -> Base:
        """Create a base in the owner's personal workspace (owner by login or internal email;
        created with password "password" if unknown). ``tables``: name → {column: type}, a
        type being ``"number"`` or ``{"type": "date", "data": {"format": "YYYY-MM-DD HH:mm"}}``
        (``data`` defaults like the server's). ``big_data``: the base has big-data storage
        (SQL ``INSERT`` works only then). A link column is ``{"type": "link", "data":
        {"other_table": "Tasks"}}``; its counterpart in the other table is created (named after
        this table) unless that table declares a link column back."""
        return seed.add_base(self.state, owner, name, tables, big_data=big_data)

    def add_api_token(self, base: Base, app_name: str = "app", permission: str = "rw") -> str:
        """Create an API-Token for ``base``; returns the 40-char token."""
        return seed.add_api_token(self.state, self.now, base, app_name, permission)

    def add_external_link(self, base: Base) -> str:
        """Create an external link; returns its token (read-only Base-Tokens)."""
        token = secrets.token_hex(10)
        with self.state.lock:
            self.state.external_links[token] = base.uuid
        return token

    def add_webhook(self, base: Base, url: str, secret: str | None = None) -> Webhook:
        """Have every row change of ``base`` POSTed to ``url`` over real HTTP, signed with
        ``secret`` when given (see ``emu.webhooks``: deliveries, failures, `flush`)."""
        return self.webhooks.add(base, url, secret, base.owner)

    def add_group(self, name: str, org_id: int | None = None, members: Iterable[str] = ()) -> int:
        """Create a group (optionally in a team); returns its id."""
        return seed.add_group(self.state, name, org_id, members)

    def add_comment(self, base: Base, row_id: str, text: str, author: str | None = None) -> int:
        """Add a comment to a row (the REST API cannot before 6.1); returns its id."""
        return seed.add_comment(self.state, self.now, base, row_id, text, author or base.owner)

    def add_notification(
        self,
        base: Base,
        to_user: str,
        msg_type: str = "row_comment",
        detail: Mapping[str, Any] | None = None,
    ) -> int:
        """Add a notification of ``base`` for ``to_user`` (internal email); returns its id."""
        user = self.state.find_user(to_user)
        email = user.email if user else to_user
        return seed.add_notification(
            self.state, self.now, base, email, msg_type, dict(detail or {})
        )

    # ---- inspecting ----------------------------------------------------------------
    def toasts(self, base: Base) -> list[dict[str, Any]]:
        """The toasts sent to ``base``'s users: ``to_user``, ``toast_type``, ``detail``,
        ``from``."""
        return [dict(t) for t in extras_of(self.state, base).toasts]

    def links(self, base: Base, table: str, column: str) -> dict[str, list[str]]:
        """The rows of ``table`` linked through ``column``: ``{row_id: [linked row ids]}``."""
        t = base.table(table)
        col = t.by_name.get(column) if t is not None else None
        link = (
            extras_of(self.state, base).links.get(str((col.data or {}).get("link_id")))
            if col
            else None
        )
        if t is None or link is None:
            raise KeyError(f"{table}.{column} is not a link column")
        return {r: ids for r, ids in link.side(t.id)[0].items() if ids}

    def rows(self, base: Base | str, table: str) -> list[dict[str, Any]]:
        """The stored rows of ``table``, keyed by column name, plus ``_id`` and system columns."""
        self.late.apply_due()
        return self.state.rows_of(base if isinstance(base, str) else base.uuid, table)

    # ---- tokens --------------------------------------------------------------------
    def mint_base_token(
        self, base: Base, permission: str, app_name: str = "", username: str = ""
    ) -> str:
        """A Base-Token (HS256 JWT) valid for ``token_ttl`` seconds from ``now()``."""
        return self._tokens.base_token(base, permission, app_name, username)

    def mint_temp_api_token(self, base: Base, username: str) -> str:
        return self._tokens.temp_api_token(base, username)

    # ---- serving -------------------------------------------------------------------
    @property
    def app(self) -> Any:
        """The ASGI application."""
        if self._app is None:
            from ._server.app import EmulatorApp

            self._app = EmulatorApp(self._services, lambda: self.sockets)
        return self._app

    @property
    def sockets(self) -> Any:
        """The Socket.IO server (`_socket.SocketServer`), or None without python-socketio."""
        if self._sockets is None:
            import importlib.util

            if importlib.util.find_spec("socketio") is None:
                return None
            from ._sockets.server import SocketServer

            self._sockets = SocketServer(self._services)
        return self._sockets

    def notify(self, base: Base | str, notification: Mapping[str, Any]) -> None:
        """Send a notification to the clients in ``base``'s Socket.IO room
        (``new-notification``)."""
        uuid = base if isinstance(base, str) else base.uuid
        self.events.notify(uuid, dict(notification))

    def drop_socket_connections(self, base: Base | str | None = None) -> int:
        """Cut the served Socket.IO websocket connections (of ``base``, or all) as a network
        failure would; returns how many were cut."""
        sockets = self.sockets
        if sockets is None:
            return 0
        uuid = base if isinstance(base, str) or base is None else base.uuid
        count: int = sockets.drop(uuid)
        return count

    def transport(self) -> httpx.AsyncBaseTransport:
        """An httpx transport into `app` that maps dropped connections to httpx errors."""
        from ._server.transport import EmulatorTransport

        return EmulatorTransport(self.app)

    @contextlib.contextmanager
    def serve_in_thread(self, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
        """Run uvicorn in a background thread; yields ``http://host:port``."""
        from ._server.serving import serve_in_thread

        with serve_in_thread(self.app, host, port) as url:
            yield url

    @contextlib.asynccontextmanager
    async def serve(self, host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[str]:
        """Async form of `serve_in_thread` (works on asyncio and trio)."""
        import anyio.to_thread

        cm = self.serve_in_thread(host, port)
        url = await anyio.to_thread.run_sync(cm.__enter__)
        try:
            yield url
        finally:
            await anyio.to_thread.run_sync(cm.__exit__, None, None, None)
