"""The Socket.IO endpoint: live operations of a base, as dtable-server serves them.

Served with python-socketio's ``AsyncServer`` (ASGI) on ``/api-gateway/socket.io/`` (4.4+, the
path the official client 4.x uses) and ``/socket.io/`` (below 6.0: older official clients
connect to the dtable-server host with python-socketio's default path). Needs the served
emulator (`Emulator.serve`): the in-process httpx transport carries no websockets.

Protocol (``seatable/openapi`` ``tests/test_websocket.py``; inferred details in
``docs/reference/emulator.md``):

* connect with ``?dtable_uuid=<uuid>`` in the URL; without it the connection is refused;
* ``join-room`` ``(dtable_uuid, base_token)`` → ack ``{"status": 1, "message": "Joined
  successfully", "dtable_version": n}``; a token that does not decode or has expired →
  ``{"status": 0, "error_type": "token_expired", "message": "Token expired"}``, a token for
  another base or an unknown base → ``permission_denied``; after a refusal the server closes
  the connection;
* every operation on the base (REST, SQL, another client) is sent to the room as
  ``update-dtable`` with the operation as a JSON string and the base version (the official
  client's handlers take ``(data, index, *args)``), never back to the client that sent it;
* ``update-dtable`` ``(dtable_uuid, operation_json)`` from a client is applied (`_sockets.row_ops`)
  and acked ``{"status": 1, "message": "Update completed", "dtable_version": n}``, or
  ``{"status": 0, "error_type": "operation_invalid", "message": "Operation invalid"}``;
* notifications published with `Emulator.notify` go to the room as ``new-notification``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from attrs import define

from .._server.request import Receive, Scope, Send
from .apply import apply_operation
from .operation import OperationInvalid

if TYPE_CHECKING:
    from .._server.services import Services

log = logging.getLogger("seatable_async.emulator")

GATEWAY_PATH = "/api-gateway/socket.io"
LEGACY_PATH = "/socket.io"
_JOINED = "Joined successfully"
_UPDATED = "Update completed"
_DROP_CODE = 1011  # "unexpected condition": what a client sees when the server goes away


def _refusal(error_type: str, message: str) -> dict[str, Any]:
    return {"status": 0, "error_type": error_type, "message": message}


@define
class _Member:
    base_uuid: str | None = None
    permission: str = ""
    username: str = ""


class SocketServer:
    """The emulator's Socket.IO server (created on first use by `Emulator`)."""

    def __init__(self, services: Services) -> None:
        import socketio

        self.services = services
        # Handlers run in order per connection (operations apply in the order sent).
        self.sio = socketio.AsyncServer(
            async_mode="asgi", async_handlers=False, cors_allowed_origins="*"
        )
        self.paths: list[str] = []
        if services.version.numbers >= (4, 4):
            self.paths.append(GATEWAY_PATH)
        if services.version.numbers < (6, 0):
            self.paths.append(LEGACY_PATH)
        self.apps = {p: socketio.ASGIApp(self.sio, socketio_path=p.lstrip("/")) for p in self.paths}
        self.members: dict[str, _Member] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._outbox: asyncio.Queue[tuple[str, Any, str, str | None]] | None = None
        # live websocket connections: their drop switch → (base uuid, set once they ended)
        self._drops: dict[asyncio.Event, tuple[str | None, threading.Event]] = {}
        self._pump_task: asyncio.Task[None] | None = None
        self._loop_thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.sio.on("connect", self._connect)
        self.sio.on("disconnect", self._disconnect)
        self.sio.on("join-room", self._join)
        self.sio.on("update-dtable", self._update)
        # Listen on the bus only while someone is connected: with nobody listening, writes
        # skip building operations.
        self._unsubscribe: list[Callable[[], None]] = []

    # ---- ASGI ----------------------------------------------------------------------------
    def app_for(self, path: str) -> Any:
        """The ASGI app serving ``path``, or None."""
        for prefix, app in self.apps.items():
            if path == prefix or path.startswith(prefix + "/"):
                return app
        return None

    async def __call__(self, app: Any, scope: Scope, receive: Receive, send: Send) -> None:
        self._attach()
        if scope["type"] != "websocket":
            await app(scope, receive, send)
            return
        dropped = asyncio.Event()
        ended = threading.Event()
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        with self._lock:
            self._drops[dropped] = ((query.get("dtable_uuid") or [None])[0], ended)

        async def guarded_receive() -> dict[str, Any]:
            # A dropped connection reads as the peer going away, and the client is told so.
            receiving = asyncio.ensure_future(receive())
            dropping = asyncio.ensure_future(dropped.wait())
            done, _ = await asyncio.wait({receiving, dropping}, return_when="FIRST_COMPLETED")
            if receiving in done:
                dropping.cancel()
                message: dict[str, Any] = receiving.result()
                return message
            receiving.cancel()
            await send({"type": "websocket.close", "code": _DROP_CODE})
            return {"type": "websocket.disconnect", "code": _DROP_CODE}

        try:
            await app(scope, guarded_receive, send)
        finally:
            with self._lock:
                self._drops.pop(dropped, None)
            ended.set()

    def _attach(self) -> None:
        """Bind to the serving loop (a new one each time the emulator is served)."""
        loop = asyncio.get_running_loop()
        if self._loop is loop:
            return
        self._loop = loop
        self._loop_thread = threading.current_thread()
        self._outbox = asyncio.Queue()
        self._pump_task = loop.create_task(self._pump(self._outbox))

    # ---- connection events ---------------------------------------------------------------
    async def _connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        query = parse_qs(environ.get("QUERY_STRING", ""))
        if not query.get("dtable_uuid"):
            self.services.stats.count("sockets", "refused")
            raise ConnectionRefusedError("dtable_uuid is required")
        self.members[sid] = _Member()
        if not self._unsubscribe:
            events = self.services.events
            self._unsubscribe = [
                events.subscribe(self._publish),
                events.subscribe_notifications(self._notification),
            ]
        self.services.stats.count("sockets", "connected")

    async def _disconnect(self, sid: str, reason: Any = None) -> None:
        member = self.members.pop(sid, None)
        if member is not None:
            self.services.stats.count("sockets", "disconnected")
        if not self.members:
            for unsubscribe in self._unsubscribe:
                unsubscribe()
            self._unsubscribe = []

    async def _join(self, sid: str, dtable_uuid: Any = None, token: Any = None) -> dict[str, Any]:
        services = self.services
        claims = services.tokens.codec.decode(token) if isinstance(token, str) else None
        if claims is None or float(claims.get("exp", 0)) <= services.clock.now():
            return self._refuse(sid, _refusal("token_expired", "Token expired"))
        base = services.state.bases.get(str(dtable_uuid))
        if base is None or claims.get("dtable_uuid") != base.uuid:
            return self._refuse(sid, _refusal("permission_denied", "Permission denied"))
        member = self.members.setdefault(sid, _Member())
        if member.base_uuid not in (None, base.uuid):
            await self.sio.leave_room(sid, member.base_uuid)
        member.base_uuid = base.uuid
        member.permission = str(claims.get("permission") or "")
        member.username = str(claims.get("username") or claims.get("app_name") or "")
        await self.sio.enter_room(sid, base.uuid)
        services.stats.count("sockets", "joined")
        return {"status": 1, "message": _JOINED, "dtable_version": base.version}

    def _refuse(self, sid: str, answer: dict[str, Any]) -> dict[str, Any]:
        self.services.stats.count("sockets", "refused_join")

        async def close_later() -> None:
            await asyncio.sleep(0.05)  # the ack goes out first
            await self.sio.disconnect(sid)

        self.sio.start_background_task(close_later)
        return answer

    async def _update(self, sid: str, dtable_uuid: Any = None, payload: Any = None) -> Any:
        services = self.services
        member = self.members.get(sid)
        base = services.state.bases.get(str(dtable_uuid))
        if member is None or base is None or member.base_uuid != base.uuid:
            return _refusal("permission_denied", "Permission denied")
        if member.permission != "rw":
            return _refusal("permission_denied", "Permission denied")
        try:
            operation = json.loads(payload) if isinstance(payload, str) else payload
            if not isinstance(operation, dict):
                raise OperationInvalid("not an object")
            echo = apply_operation(
                services.state, services.events, base, operation, member.username, origin=sid
            )
        except OperationInvalid as exc:
            log.debug("operation invalid: %s", exc)
            services.stats.count("sockets", "operation_invalid")
            return _refusal("operation_invalid", "Operation invalid")
        services.stats.count("sockets", "operations")
        ack = {"status": 1, "message": _UPDATED, "dtable_version": base.version}
        # Operations that generate auto numbers are acked with the completed operation too
        # (tests/test_websocket.py, update_dtable).
        return (ack, echo) if echo is not None else ack

    # ---- broadcasting --------------------------------------------------------------------
    def _publish(self, base_uuid: str, operation: dict[str, Any], origin: object) -> None:
        base = self.services.state.bases.get(base_uuid)
        version = base.version if base is not None else 0
        skip = origin if isinstance(origin, str) else None
        self._post(("update-dtable", (json.dumps(operation), version), base_uuid, skip))

    def _notification(self, base_uuid: str, notification: dict[str, Any]) -> None:
        self._post(("new-notification", (json.dumps(notification), 0), base_uuid, None))

    def _post(self, item: tuple[str, Any, str, str | None]) -> None:
        loop, outbox = self._loop, self._outbox
        if loop is None or outbox is None or loop.is_closed() or not self.members:
            return
        try:
            loop.call_soon_threadsafe(outbox.put_nowait, item)
        except RuntimeError:  # the serving loop has just closed
            return

    async def _pump(self, outbox: asyncio.Queue[tuple[str, Any, str, str | None]]) -> None:
        """Send broadcasts one by one, in the order the operations were applied."""
        while True:
            event, data, room, skip = await outbox.get()
            try:
                await self.sio.emit(event, data, room=room, skip_sid=skip)
                self.services.stats.count("sockets", "broadcasts")
            except Exception:  # a vanished client must not stop the pump
                log.debug("broadcast failed", exc_info=True)

    # ---- faults --------------------------------------------------------------------------
    def drop(self, base_uuid: str | None = None, timeout: float = 10.0) -> int:
        """Cut the websocket connections (of ``base_uuid``'s URL, or all) as a network failure
        would: no goodbye, the client sees the socket close. From another thread than the
        serving loop's, returns once the server has forgotten them (so a write made after it
        reaches none of them). Returns how many were cut."""
        loop = self._loop
        with self._lock:
            targets = [
                (switch, ended)
                for switch, (uuid, ended) in self._drops.items()
                if base_uuid is None or uuid == base_uuid
            ]
        if loop is None or not targets:
            return 0
        for switch, _ in targets:
            loop.call_soon_threadsafe(switch.set)
        self.services.stats.count("sockets", "dropped", len(targets))
        if threading.current_thread() is not self._loop_thread:
            for _, ended in targets:
                ended.wait(timeout)
        return len(targets)
