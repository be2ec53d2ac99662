"""The ASGI application: routing, latency, faults, rate limits, stats, error safety net."""

from __future__ import annotations

import email.utils
import functools
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import anyio

from .._events import activity
from .._faults.faults import error_page
from .._faults.limits import drf_throttled
from .._routes.registry import register_routes
from .request import Receive, Request, Scope, Send
from .responses import HTTPError, Response, empty_response, json_response, not_found, slash_redirect
from .router import DJANGO_FAMILIES, Router

if TYPE_CHECKING:
    from .._sockets.server import SocketServer
    from .services import Services

log = logging.getLogger("seatable_async.emulator")

BASE_FAMILIES = frozenset({"gateway", "legacy"})
_POWERED = (b"x-powered-by", b"SeaTable-Api-Gateway")
SOCKET_PREFIXES = ("/api-gateway/socket.io", "/socket.io")


class ConnectionDropped(Exception):
    """Raised after ``http.response.start`` to make the server drop the connection.

    For ``kind == "truncated"`` it carries what was sent: status, headers and the partial body
    (the in-process transport rebuilds a response whose body read fails)."""

    def __init__(
        self,
        kind: str,
        status: int = 200,
        headers: list[tuple[bytes, bytes]] | None = None,
        body: bytes = b"",
    ) -> None:
        super().__init__(kind)
        self.kind = kind
        self.status = status
        self.headers = headers or []
        self.body = body


def fault_response(status: int) -> Response:
    """A 5xx as the component in front would send it: JSON from the app, HTML from nginx."""
    if status == 500:
        return json_response({"error_msg": "Internal Server Error"}, 500)
    return Response(status, error_page(status), b"text/html")


class EmulatorApp:
    """ASGI callable serving one emulator's ``services``; ``sockets`` gives its Socket.IO
    server (None without python-socketio)."""

    def __init__(self, services: Services, sockets: Callable[[], SocketServer | None]) -> None:
        self.services = services
        self._sockets = sockets
        self.router = Router()
        register_routes(
            self.router, services.version.numbers, control_endpoints=services.settings.control
        )
        activity.record_activities(services.state, services.events, services.clock.now)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        sockets = self._sockets() if scope["path"].startswith(SOCKET_PREFIXES) else None
        if sockets is not None:
            socket_app = sockets.app_for(scope["path"])
            if socket_app is not None:  # Socket.IO (`_sockets.server`) on this version's paths
                await sockets(socket_app, scope, receive, send)
                return
        if scope["type"] != "http":
            return
        services = self.services
        settings = services.settings
        if services.late.pending:
            services.late.apply_due()
        stats = services.stats
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        raw_path = raw_path.split(b"?", 1)[0]
        method = scope["method"]
        route, params, known = self.router.match(raw_path, method)
        redirect = route is None and not known and self.router.needs_slash(raw_path)
        if route is not None:
            name = route.name
        else:
            name = "method_not_allowed" if known else "slash_redirect" if redirect else "unknown"
        stats.count("requests", name)
        req = Request(services, scope, receive, raw_path.decode("latin-1"))
        req.params = params
        if route is not None:
            req.family = route.family
        if settings.latency > 0:
            await anyio.sleep(settings.latency)
        family = route.family if route is not None else ""
        is_base = family in BASE_FAMILIES
        headers: list[tuple[bytes, bytes]] = []
        if family == "gateway":
            headers.append(_POWERED)
        fault: str | None = None
        injector = settings.injector
        if injector is not None and (
            is_base or (family == "token" and injector.faults.token_endpoints)
        ):
            fault, status, jitter = injector.draw()
            if jitter:
                await anyio.sleep(jitter)
            if fault is not None:
                stats.count("faults", fault)
            if fault == "429":
                # the gateway's 429 is empty; dtable-web's (token endpoints) is DRF's
                answer = drf_throttled(1) if family == "token" else empty_response(429)
                await self._send(send, answer, headers)
                return
            if fault == "5xx":
                await self._send(send, fault_response(status), headers)
                return
            if fault == "late":
                if route is not None and method != "GET":
                    await req.body()  # read now: the write runs later from the cached body
                    due = services.clock.now() + injector.faults.late_commit_delay
                    services.late.schedule(due, functools.partial(route.handler, req))
                    services.late.start_waker()
                await self._send(send, fault_response(status), headers)
                return
            if fault == "reset":
                await self._drop(send, fault)
        blocked = self._limits(req, route.name if route else "", family, params, headers)
        if blocked is not None:
            stats.add("rate_limited")
            await self._send(send, blocked, headers)
            return
        if route is None:
            if known:
                response = json_response({"detail": f'Method "{method}" not allowed.'}, 405)
            elif redirect:
                query = scope.get("query_string", b"").decode("latin-1")
                location = req.path + "/" + (f"?{query}" if query else "")
                response = slash_redirect(location)
            else:
                response = not_found()
        else:
            try:
                response = await route.handler(req)
            except HTTPError as exc:
                response = exc.response
            except (ValueError, TypeError, KeyError, AttributeError, UnicodeError):
                log.debug("bad request on %s", name, exc_info=True)
                response = req.error(400, "params invalid").response
            except Exception:
                log.exception("emulator handler %s failed", name)
                response = json_response({"error_msg": "Internal Server Error"}, 500)
        if fault == "lost":
            await self._drop(send, fault)
        if fault == "truncated":
            await self._truncate(send, response, headers)
        if fault == "slow" and injector is not None:
            await self._send(send, response, headers, injector.faults.slow_body_delay)
            return
        await self._send(send, response, headers)

    def _limits(
        self,
        req: Request,
        name: str,
        family: str,
        params: dict[str, str],
        headers: list[tuple[bytes, bytes]],
    ) -> Response | None:
        """A 429 when a limit is hit (gateway ``x-ratelimit-*`` go into ``headers``)."""
        services = self.services
        lim = services.settings.limits
        now = services.clock.now()
        if family in BASE_FAMILIES:
            window = services.settings.base_window()
            month = lim.base_per_month if lim is not None else None
            if window is None and month is None:
                return None
            uuid = params.get("uuid", "")
            team = services.state.team_of(uuid)
            zone = services.state.zone
            blocked, extra = services.policy.base(
                uuid, team, window, month, now, zone, family == "gateway"
            )
            headers += extra
            return blocked
        if lim is None or family not in DJANGO_FAMILIES or name in ("ping", "server_info"):
            return None
        client = req.scope.get("client") or ("", 0)
        if name == "auth_token":
            return services.policy.web(f"auth:{client[0]}", lim.auth_token_per_minute, now)
        key = req.headers.get("authorization") or f"ip:{client[0]}"
        return services.policy.web(f"account:{key}", lim.account_per_minute, now)

    def _headers(
        self, response: Response, extra: list[tuple[bytes, bytes]]
    ) -> list[tuple[bytes, bytes]]:
        self.services.stats.count("statuses", response.status)
        # Every answer is dated by the server's clock, as nginx in front of SeaTable does; a
        # client dates a Base-Token's exp by it (the token carries no iat).
        date = email.utils.formatdate(self.services.clock.now(), usegmt=True).encode()
        headers = [(b"content-length", str(len(response.body)).encode()), (b"date", date)]
        if response.content_type is not None:
            headers.append((b"content-type", response.content_type))
        return headers + response.headers + extra

    async def _send(
        self,
        send: Send,
        response: Response,
        extra: list[tuple[bytes, bytes]],
        body_delay: float = 0.0,
    ) -> None:
        headers = self._headers(response, extra)
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        if body_delay > 0:
            # headers now, the body later: a client's read timeout can fire in between
            await send({"type": "http.response.body", "body": b"", "more_body": True})
            await anyio.sleep(body_delay)
        await send({"type": "http.response.body", "body": response.body})

    async def _truncate(
        self, send: Send, response: Response, extra: list[tuple[bytes, bytes]]
    ) -> None:
        """Headers and half the body, then the connection closes (the request was applied)."""
        if not response.body:  # nothing to cut
            await self._send(send, response, extra)
            return
        headers = self._headers(response, extra)
        part = response.body[: len(response.body) // 2]
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        await send({"type": "http.response.body", "body": part, "more_body": True})
        raise ConnectionDropped("truncated", response.status, headers, part)

    async def _drop(self, send: Send, kind: str) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-length", b"1000")],
            }
        )
        raise ConnectionDropped(kind)
