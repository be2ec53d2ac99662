"""One base's Socket.IO connection: join with the pooled Base-Token, renew, reconnect.

Built on python-socketio's ``AsyncClient`` (asyncio; aiohttp underneath), websocket transport.
The handshake is SeaTable's (the official client's ``socket_io.py``, ``seatable/openapi``
``tests/test_websocket.py``): connect to ``/api-gateway/socket.io`` (4.4+; ``/socket.io`` on
the dtable-server host before) with ``?dtable_uuid=<uuid>``, emit ``join-room``
``(uuid, base_token)`` and read the ack: ``status`` 1 is joined; 0 with ``token_expired`` or
``permission_denied`` is a refusal, after which the server closes the connection.

Lifecycle:

* The Base-Token comes from the client's token pool (`BaseContext`), so renewals, the shared
  token and its rejection rules are the same as for every request.
* Before the token's mandatory-renewal point the connection takes the renewed token and
  re-joins on the same connection (no gap; counted in ``stats.event_rejoins``).
* A lost connection is re-established with jittered exponential backoff (1 s doubling to
  30 s), for as long as the stream is open; each success is counted in
  ``stats.event_reconnects`` and reported to the consumer (`Reconnected`).
* ``token_expired`` on join drops that token from the pool and reconnects at once with a new
  one; a second refusal in a row, ``permission_denied``, or a credential the server refuses
  when minting ends the stream with the error.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import anyio
import anyio.abc

from seatable_async._auth.tokens import BaseToken
from seatable_async._base.context import BaseContext
from seatable_async.errors import (
    AuthenticationError,
    PermissionDeniedError,
    SeaTableError,
    TransportError,
)

__all__ = ["Backoff", "Connection", "socket_target"]

log = logging.getLogger("seatable_async.events")

JOIN_ROOM = "join-room"
UPDATE_DTABLE = "update-dtable"
NEW_NOTIFICATION = "new-notification"
_PATH = "socket.io"
_TEMPLATE = "/api-gateway/socket.io"


class Backoff:
    """Jittered exponential delays: ``first`` doubling up to ``cap`` seconds."""

    def __init__(self, first: float = 1.0, cap: float = 30.0, rng: random.Random | None = None):
        self.first = first
        self.cap = cap
        self._rng = rng or random.Random()

    def delay(self, attempt: int) -> float:
        """The wait before attempt ``attempt`` (1 = the first retry)."""
        ceiling = min(self.cap, self.first * 2.0 ** max(0, attempt - 1))
        jitter: float = self._rng.uniform(0, ceiling / 2)
        return ceiling / 2 + jitter


def socket_target(server_url: str, token: BaseToken, gateway: bool) -> tuple[str, str]:
    """``(url, socketio_path)`` for a base: the gateway's path on the server, or python-socketio's
    default path on the dtable-server host (pre-gateway servers)."""
    if gateway or not token.grant.dtable_server:
        root = urlsplit(server_url)
        prefix = root.path.rstrip("/")
        path = f"{prefix}/api-gateway/{_PATH}"
    else:
        root = urlsplit(token.grant.dtable_server)
        path = f"/{_PATH}"
    url = f"{root.scheme}://{root.netloc}?dtable_uuid={token.dtable_uuid}"
    return url, path


class _Refused(Exception):
    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type


class _Lost(Exception):
    """The connection could not be made or went away (retried)."""


class Connection:
    """Keeps one base's room joined and hands what arrives to callbacks.

    Args:
        ctx: the base's context (token pool, route, session with counters and clock).
        on_operation: called with ``(operation, version)`` for each ``update-dtable``.
        on_notification: called with each ``new-notification`` payload.
        on_reconnected: called with ``(disconnected_at, attempts)`` after a loss.
        timeout: seconds for connecting and for the join ack.
        backoff: reconnect delays.
    """

    def __init__(
        self,
        ctx: BaseContext,
        *,
        on_operation: Callable[[dict[str, Any], int | None], None],
        on_notification: Callable[[dict[str, Any]], None],
        on_reconnected: Callable[[float, int], None],
        timeout: float = 30.0,
        backoff: Backoff | None = None,
    ) -> None:
        self._ctx = ctx
        self._on_operation = on_operation
        self._on_notification = on_notification
        self._on_reconnected = on_reconnected
        self._timeout = timeout
        self._backoff = backoff or Backoff()
        self._stats = ctx.session.stats
        self._clock = ctx.session.clock
        self.joined_with: int | None = None
        """Generation of the Base-Token the room was last joined with."""
        self._task_status: anyio.abc.TaskStatus[None] | None = None
        self._started = False
        self._lost_at: float | None = None
        self._attempts = 0
        self._refusals = 0

    @property
    def started(self) -> bool:
        """Whether the room was joined once (the stream is open)."""
        return self._started

    async def run(self, *, task_status: anyio.abc.TaskStatus[None]) -> None:
        """Connect, join, and stay joined until cancelled; ``task_status.started()`` after the
        first join.

        Raises:
            SeaTableError: before the first join (the stream's entry fails: a refusal, or
                three failed connection attempts), or a permanent refusal later.
        """
        self._task_status = task_status
        while True:
            try:
                await self._session()
            except _Refused as exc:
                if exc.error_type != "token_expired" or self._refusals:
                    raise _refusal_error(exc) from None
                self._refusals += 1
                self._note_lost()
                continue  # at once, with the new token the pool mints
            except _Lost as exc:
                if not self._started and self._attempts >= 2:
                    raise TransportError(
                        f"could not connect to the base's live events: {exc}", path=_TEMPLATE
                    ) from None
            self._note_lost()
            self._attempts += 1
            await anyio.sleep(self._backoff.delay(self._attempts))

    def _note_lost(self) -> None:
        if self._started and self._lost_at is None:
            self._lost_at = self._clock()

    def _joined(self) -> None:
        if not self._started:
            self._started = True
            assert self._task_status is not None
            self._task_status.started()
        elif self._lost_at is not None:
            self._stats.event_reconnects += 1
            self._on_reconnected(self._lost_at, self._attempts)
        self._lost_at = None
        self._attempts = 0
        self._refusals = 0

    async def _token(self) -> BaseToken:
        try:
            return await self._ctx.token()
        except TransportError as exc:  # the server is unreachable: retried like the socket
            raise _Lost(str(exc)) from None

    async def _session(self) -> None:
        """One connection: connect, join, re-join on renewals; returns when it is lost."""
        import socketio

        ctx = self._ctx
        token = await self._token()
        route = await ctx.route_for(token)
        url, path = socket_target(ctx.session.server_url, token, route.gateway)
        lost = anyio.Event()
        sio = socketio.AsyncClient(
            reconnection=False, handle_sigint=False, request_timeout=self._timeout
        )
        sio.on(UPDATE_DTABLE, self._operation)
        sio.on(NEW_NOTIFICATION, self._notification)
        sio.on("disconnect", lambda *args: lost.set())
        try:
            try:
                with anyio.fail_after(self._timeout):
                    await sio.connect(
                        url,
                        socketio_path=path,
                        transports=["websocket"],
                        wait_timeout=self._timeout,
                    )
            except (socketio.exceptions.ConnectionError, OSError, TimeoutError) as exc:
                raise _Lost(str(exc) or type(exc).__name__) from None
            await self._join(sio, token)
            self._joined()
            while True:
                with anyio.move_on_after(max(0.0, token.must_refresh_at - anyio.current_time())):
                    await lost.wait()
                if lost.is_set():
                    return
                previous = token
                token = await self._token()  # past the mandatory point: a renewed token
                if token.generation == previous.generation:
                    await anyio.sleep(1.0)  # the pool kept it (a shared store's): ask again soon
                    continue
                await self._join(sio, token)
                self._stats.event_rejoins += 1
        finally:
            with anyio.CancelScope(shield=True), anyio.move_on_after(5):
                await sio.disconnect()

    async def _join(self, sio: Any, token: BaseToken) -> None:
        import socketio

        ctx = self._ctx
        try:
            ack = await sio.call(
                JOIN_ROOM,
                (token.dtable_uuid, token.secret.get_secret()),
                timeout=self._timeout,
            )
        except (socketio.exceptions.TimeoutError, socketio.exceptions.BadNamespaceError) as exc:
            raise _Lost(f"join-room: {type(exc).__name__}") from None
        if isinstance(ack, dict) and ack.get("status") == 1:
            self.joined_with = token.generation
            return
        error_type = str(ack.get("error_type")) if isinstance(ack, dict) else "unknown"
        message = str(ack.get("message")) if isinstance(ack, dict) else repr(ack)
        if error_type == "token_expired":
            self._stats.token_rejections += 1
            await ctx.session.pool.invalidate(ctx.source, token.generation)
        raise _Refused(error_type, message)

    def _operation(self, data: Any = None, version: Any = None, *rest: Any) -> None:
        try:
            operation = json.loads(data) if isinstance(data, (str, bytes)) else data
        except ValueError:
            log.warning("live events: an update-dtable message that is not JSON was ignored")
            return
        if not isinstance(operation, dict):
            return
        self._stats.events_received += 1
        number = version if isinstance(version, int) and not isinstance(version, bool) else None
        self._on_operation(operation, number)

    def _notification(self, data: Any = None, *rest: Any) -> None:
        try:
            payload = json.loads(data) if isinstance(data, (str, bytes)) else data
        except ValueError:
            payload = {"message": data}
        self._stats.events_received += 1
        self._on_notification(payload if isinstance(payload, dict) else {"message": payload})


def _refusal_error(exc: _Refused) -> SeaTableError:
    text = f"the server refused to join the base's live events: {exc} ({exc.error_type})"
    if exc.error_type == "token_expired":
        return AuthenticationError(text, status=401, path=_TEMPLATE)
    return PermissionDeniedError(text, status=403, path=_TEMPLATE)
