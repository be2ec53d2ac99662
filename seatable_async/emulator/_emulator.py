"""The `Emulator` object: configuration, state, token minting, ASGI app, servers."""

from __future__ import annotations

import contextlib
import math
import secrets
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._dates import Zone
from ._events import EventBus
from ._faults import FaultInjector, Faults
from ._jwt import TokenCodec
from ._late import LateCommits
from ._limits import LimitPolicy, Limits
from ._ratelimit import RateLimiter
from ._state import ApiToken, Base, State, User, new_token
from ._stats import EmulatorStats
from ._store import ColumnSpec
from ._webhooks import Webhook, WebhookHub

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
        self._version = version
        self.version_tuple: tuple[int, int] = (int(version[0]), int(version[2]))
        self.full_version = f"{version}.10"
        self.token_ttl = token_ttl
        self.latency = latency
        self.rate_limit = rate_limit
        self.redirect_legacy = redirect_legacy
        self.control = control
        self._clock = clock or time.time
        self._offset = 0.0
        self.stats = EmulatorStats()
        self.events = EventBus()
        self.late = LateCommits(self.now, lambda n: self.stats.add("late_writes", n))
        self.zone = Zone(timezone)
        self.state = State(self.now, db_path, self.zone)
        self.codec = TokenCodec()
        self.temp_codec = TokenCodec()
        self.limiter = RateLimiter()
        self.policy = LimitPolicy(self.limiter)
        self._limits: Limits | None = None
        self.limits = limits
        self._faults: Faults | None = None
        self.injector: FaultInjector | None = None
        self.faults = faults
        self._sockets: Any = None
        self.upload_links: dict[str, tuple[str, float]] = {}
        self.download_links: dict[str, tuple[str, str, float]] = {}
        self._app: Any = None
        self.webhooks = WebhookHub(self)

    # ---- configuration -------------------------------------------------------------
    @property
    def version(self) -> str:
        """The emulated SeaTable version (fixed at construction)."""
        return self._version

    @property
    def limits(self) -> Limits | None:
        return self._limits

    @limits.setter
    def limits(self, value: str | Limits | None) -> None:
        self._limits = Limits.preset(value) if isinstance(value, str) else value

    def base_window(self) -> tuple[int, float] | None:
        """The per-base window in force: ``rate_limit``, else the limits' per-minute one."""
        if self.rate_limit is not None:
            return self.rate_limit
        lim = self._limits
        if lim is not None and lim.base_per_minute is not None:
            return (lim.base_per_minute, 60.0)
        return None

    def team_of(self, base_uuid: str) -> str:
        """Whose monthly quota a base's operations use: its owner's team, else the owner."""
        base = self.state.bases.get(base_uuid)
        if base is None:
            return ""
        owner = self.state.users.get(base.owner)
        if owner is not None and owner.org_id is not None:
            return f"org:{owner.org_id}"
        return base.owner

    @property
    def faults(self) -> Faults | None:
        return self._faults

    @faults.setter
    def faults(self, value: Faults | None) -> None:
        """Setting faults restarts the deterministic random sequence from its seed."""
        self._faults = value
        self.injector = FaultInjector(value) if value is not None else None

    @property
    def has_gateway(self) -> bool:
        return self.version_tuple >= (4, 4)

    @property
    def has_legacy(self) -> bool:
        return self.version_tuple < (6, 0)

    # ---- clock ---------------------------------------------------------------------
    def now(self) -> float:
        """The emulator's wall clock (Unix seconds), moved by `advance`."""
        return self._clock() + self._offset

    def advance(self, seconds: float) -> None:
        """Move the emulator clock forward (token expiry, rate windows, link expiry); late
        writes that fall due land now."""
        self._offset += seconds
        self.late.apply_due()

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
        user = self.state.find_user(owner) or self.add_user(owner, "password")
        return self.state.add_base(user, name, tables, big_data=big_data)

    def add_api_token(self, base: Base, app_name: str = "app", permission: str = "rw") -> str:
        """Create an API-Token for ``base``; returns the 40-char token."""
        if permission not in ("r", "rw"):
            raise ValueError("permission must be 'r' or 'rw'")
        with self.state.lock:
            if any(
                t.base_uuid == base.uuid and t.app_name == app_name
                for t in self.state.api_tokens.values()
            ):
                raise ValueError(f"api token {app_name!r} exists")
            token = new_token()
            now = self.now()
            self.state.api_tokens[token] = ApiToken(
                token, base.uuid, app_name, permission, base.owner, now, now
            )
        return token

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
        from ._state import Group

        with self.state.lock:
            group = Group(self.state.next_id("group"), name, org_id)
            for m in members:
                user = self.state.find_user(m)
                if user is not None:
                    group.members.append(user.email)
            self.state.groups[group.id] = group
            return group.id

    def add_comment(self, base: Base, row_id: str, text: str, author: str | None = None) -> int:
        """Add a comment to a row (the REST API cannot before 6.1); returns its id."""
        from ._routes_collab import add_comment

        return add_comment(self, base, row_id, text, author or base.owner)

    def add_notification(
        self,
        base: Base,
        to_user: str,
        msg_type: str = "row_comment",
        detail: Mapping[str, Any] | None = None,
    ) -> int:
        """Add a notification of ``base`` for ``to_user`` (internal email); returns its id."""
        from ._routes_collab import add_notification

        user = self.state.find_user(to_user)
        return add_notification(
            self, base, user.email if user else to_user, msg_type, dict(detail or {})
        )

    def toasts(self, base: Base) -> list[dict[str, Any]]:
        """The toasts sent to ``base``'s users: ``to_user``, ``toast_type``, ``detail``,
        ``from``."""
        from ._extras import extras_of

        return [dict(t) for t in extras_of(self.state, base).toasts]

    def links(self, base: Base, table: str, column: str) -> dict[str, list[str]]:
        """The rows of ``table`` linked through ``column``: ``{row_id: [linked row ids]}``."""
        from ._extras import extras_of

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
        b = self.state.bases[base if isinstance(base, str) else base.uuid]
        t = b.table(table)
        if t is None:
            raise KeyError(table)
        return self.state.select_rows(b, t)

    # ---- tokens --------------------------------------------------------------------
    def mint_base_token(
        self, base: Base, permission: str, app_name: str = "", username: str = ""
    ) -> str:
        """A Base-Token (HS256 JWT) valid for ``token_ttl`` seconds from ``now()``."""
        now = self.now()
        ttl = self.token_ttl
        # The claims of the spec's example token, in its order, and no ``iat`` (audit D5).
        # ``exp`` is whole seconds like the server's; lifetimes under a minute (tests) keep
        # the fraction so the token expires exactly then.
        claims = {
            "exp": math.floor(now + ttl) if ttl >= 60 else now + ttl,
            "dtable_uuid": base.uuid,
            "username": username,
            "permission": permission,
            "app_name": app_name,
        }
        return self.codec.encode(claims)

    def mint_temp_api_token(self, base: Base, username: str) -> str:
        return self.temp_codec.encode(
            {"username": username, "dtable_uuid": base.uuid, "exp": self.now() + 3600}
        )

    # ---- serving -------------------------------------------------------------------
    @property
    def app(self) -> Any:
        """The ASGI application."""
        if self._app is None:
            from ._app import EmulatorApp

            self._app = EmulatorApp(self)
        return self._app

    @property
    def sockets(self) -> Any:
        """The Socket.IO server (`_socket.SocketServer`), or None without python-socketio."""
        if self._sockets is None:
            import importlib.util

            if importlib.util.find_spec("socketio") is None:
                return None
            from ._socket import SocketServer

            self._sockets = SocketServer(self)
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
        from ._server import EmulatorTransport

        return EmulatorTransport(self)

    @contextlib.contextmanager
    def serve_in_thread(self, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
        """Run uvicorn in a background thread; yields ``http://host:port``."""
        from ._server import serve_in_thread

        with serve_in_thread(self, host, port) as url:
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
