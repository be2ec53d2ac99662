"""`WebhookReceiver`: an ASGI application that verifies SeaTable's webhooks, acknowledges them
at once and hands each event to an async handler running in its own bounded task group."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Awaitable, Callable, Sequence
from types import TracebackType
from typing import Any

import anyio
import attrs
from anyio.abc import TaskGroup
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from seatable_async._secret import Secret
from seatable_async.errors import ConfigurationError, WebhookPayloadError
from seatable_async.webhooks._asgi import (
    Disconnected,
    Receive,
    Scope,
    Send,
    TooLarge,
    answer,
    header,
    read_body,
)
from seatable_async.webhooks._dedupe import RepeatFilter
from seatable_async.webhooks._event import WebhookEvent, parse_event
from seatable_async.webhooks._signature import verify_signature
from seatable_async.webhooks._stats import ReceiverStats

__all__ = ["Handler", "WebhookReceiver"]

log = logging.getLogger("seatable_async.webhooks")

Handler = Callable[[WebhookEvent], Awaitable[Any]]
_SIGNATURE = b"x-seatable-signature"
_WHEN_FULL = ("reject", "drop")


def _secrets(secret: str | Secret | Sequence[str | Secret]) -> tuple[Secret, ...]:
    if isinstance(secret, (str, Secret)):
        items: list[object] = [secret]
    elif isinstance(secret, (list, tuple)):
        items = list(secret)
    else:
        raise ConfigurationError(
            f"secret must be a string or a list of them, not {type(secret).__name__}"
        )
    if not items:
        raise ConfigurationError("WebhookReceiver needs the webhook's secret")
    out = []
    for item in items:
        if isinstance(item, Secret):
            out.append(item)
        elif isinstance(item, str):
            out.append(Secret(item, kind="webhook secret", exact=True))
        else:
            raise ConfigurationError(
                f"the webhook secret must be a string, not {type(item).__name__}"
            )
    return tuple(out)


def _positive(value: float, name: str, *, integer: bool = False, zero: bool = False) -> None:
    ok = isinstance(value, int) if integer else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok or not math.isfinite(value):
        raise ConfigurationError(f"{name} must be a {'whole ' if integer else ''}number")
    if value < 0 or (value == 0 and not zero):
        raise ConfigurationError(f"{name} must be {'>= 0' if zero else '> 0'}")


class WebhookReceiver:
    """An ASGI application receiving SeaTable's webhooks: mount it, give it a handler.

    Every request is checked before anything else: a missing, malformed or wrong
    ``X-SeaTable-Signature`` is answered 403 and the handler never runs. A verified event is
    answered 200 as soon as it is queued; ``concurrency`` workers call ``handler(event)``
    in the receiver's own task group, so a slow handler never delays an acknowledgement
    (SeaTable gives up after 30 s and marks a webhook invalid after five failures in a row).
    An exact repeat within ``dedupe_window`` seconds is answered 200 and not handled again.

    The workers run while the receiver runs: served on its own, the ASGI lifespan starts and
    stops them; mounted in another app (Starlette and FastAPI do not pass the lifespan on to
    mounted apps), enter it from that app's lifespan: ``async with receiver: ...``. A request
    that arrives while it is not running is answered 503 and logged as an error.

    Args:
        secret: the webhook's secret, or several (during a secret rotation: the new one and
            the old one).
        handler: ``async def handler(event: WebhookEvent)``; exceptions are logged (with the
            row id) and counted, never passed to SeaTable.
        concurrency: handler calls at most running at once.
        max_queue: verified events waiting for a worker, at most.
        when_full: what a full queue does with one more event: ``"reject"`` answers 503 (the
            request shows up among the webhook's failed jobs in SeaTable, but five in a row
            deactivate the webhook) or ``"drop"`` answers 200; either way the event is lost,
            logged at WARNING with its row id and counted in ``stats.overflowed``.
        dedupe_window: seconds an event is remembered for repeat detection (0 turns it off).
        dedupe_size: events remembered at most (the oldest are forgotten first).
        max_body: largest body accepted, in bytes (larger: 413, unread).
        allow_legacy_sha1: also accept the old servers' body-independent signature (see
            `verify_signature`; weaker).
        handler_timeout: seconds one handler call may take before it is cancelled and
            counted as failed (None: no limit).
        drain_timeout: on stop, seconds the workers get to finish the queue before the rest
            is cancelled (and counted as abandoned).
        clock: monotonic seconds for the repeat window (tests inject one).

    Raises:
        ConfigurationError: an empty secret, a handler that is not callable, or an invalid
            number or ``when_full``.
    """

    def __init__(
        self,
        *,
        secret: str | Secret | Sequence[str | Secret],
        handler: Handler,
        concurrency: int = 16,
        max_queue: int = 10_000,
        when_full: str = "reject",
        dedupe_window: float = 600.0,
        dedupe_size: int = 100_000,
        max_body: int = 4 * 1024 * 1024,
        allow_legacy_sha1: bool = False,
        handler_timeout: float | None = None,
        drain_timeout: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._secrets = _secrets(secret)
        if not callable(handler):
            raise ConfigurationError("handler must be an async function taking a WebhookEvent")
        _positive(concurrency, "concurrency", integer=True)
        _positive(max_queue, "max_queue", integer=True)
        _positive(dedupe_window, "dedupe_window", zero=True)
        _positive(dedupe_size, "dedupe_size", integer=True, zero=True)
        _positive(max_body, "max_body", integer=True)
        _positive(drain_timeout, "drain_timeout", zero=True)
        if handler_timeout is not None:
            _positive(handler_timeout, "handler_timeout")
        if when_full not in _WHEN_FULL:
            raise ConfigurationError(f"when_full must be one of {_WHEN_FULL}, not {when_full!r}")
        self._handler = handler
        self._concurrency = concurrency
        self._max_queue = max_queue
        self._drop_when_full = when_full == "drop"
        self._repeats = RepeatFilter(dedupe_window, dedupe_size, clock)
        self._max_body = max_body
        self._legacy = allow_legacy_sha1
        self._handler_timeout = handler_timeout
        self._drain_timeout = drain_timeout
        self._counts: dict[str, int] = dict.fromkeys(attrs.fields_dict(ReceiverStats), 0)
        self._in_progress = 0
        self._task_group: TaskGroup | None = None
        self._inbox: MemoryObjectSendStream[WebhookEvent] | None = None
        self._outbox: MemoryObjectReceiveStream[WebhookEvent] | None = None
        self._workers_left = 0
        self._idle: anyio.Event | None = None
        self._told_not_running = False

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<WebhookReceiver {state} concurrency={self._concurrency}>"

    # -- state ---------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether the workers run (requests are being accepted)."""
        return self._inbox is not None

    @property
    def stats(self) -> ReceiverStats:
        """A snapshot of the counters (see `ReceiverStats`)."""
        queued = self._outbox.statistics().current_buffer_used if self._outbox else 0
        counts = {**self._counts, "in_queue": queued, "in_progress": self._in_progress}
        return ReceiverStats(**counts)

    def _count(self, name: str, n: int = 1) -> None:
        self._counts[name] += n

    # -- lifecycle -------------------------------------------------------------------------

    async def __aenter__(self) -> WebhookReceiver:
        """Start the workers (in a task group owned by the entering task)."""
        if self._task_group is not None:
            raise ConfigurationError("this WebhookReceiver is already running")
        inbox, outbox = anyio.create_memory_object_stream[WebhookEvent](self._max_queue)
        group = anyio.create_task_group()
        await group.__aenter__()
        self._task_group, self._inbox, self._outbox = group, inbox, outbox
        self._workers_left = self._concurrency
        self._idle = anyio.Event()
        self._told_not_running = False
        for _ in range(self._concurrency):
            group.start_soon(self._work, outbox.clone())
        outbox.close()  # the workers' clones keep the stream open
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        """Stop accepting, let the workers finish the queue (up to ``drain_timeout``), then
        cancel what is left."""
        group, inbox, idle = self._task_group, self._inbox, self._idle
        if group is None or inbox is None or idle is None:
            return None
        self._inbox = None
        inbox.close()
        if exc_type is None:
            with anyio.move_on_after(self._drain_timeout, shield=True):
                await idle.wait()
        left = self.stats.in_queue + self._in_progress
        group.cancel_scope.cancel()
        try:
            return await group.__aexit__(exc_type, exc, tb)
        finally:
            self._task_group = self._outbox = self._idle = None
            if left:
                self._count("abandoned", left)
                log.warning("webhook receiver stopped with %d events not handled", left)

    async def _work(self, events: MemoryObjectReceiveStream[WebhookEvent]) -> None:
        try:
            async with events:
                async for event in events:
                    await self._handle(event)
        finally:
            self._workers_left -= 1
            if self._workers_left == 0 and self._idle is not None:
                self._idle.set()

    async def _handle(self, event: WebhookEvent) -> None:
        self._in_progress += 1
        try:
            if self._handler_timeout is None:
                await self._handler(event)
            else:
                with anyio.fail_after(self._handler_timeout):
                    await self._handler(event)
        except Exception:
            self._count("failed")
            log.exception(
                "webhook handler failed on %s of row %s in base %s",
                event.op_type,
                event.row_id,
                event.dtable_uuid,
            )
        else:
            self._count("handled")
        finally:
            self._in_progress -= 1

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        started_here = False
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                if not self.running:
                    try:
                        await self.__aenter__()
                    except Exception as exc:
                        await send({"type": "lifespan.startup.failed", "message": str(exc)})
                        return
                    started_here = True
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if started_here:
                    await self.__aexit__(None, None, None)
                await send({"type": "lifespan.shutdown.complete"})
                return

    # -- requests --------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return  # websockets: not ours (the server closes the connection)
        self._count("requests")
        if scope.get("method") != "POST":
            self._count("not_allowed")
            await answer(send, 405, {"error": "method not allowed"}, ((b"allow", b"POST"),))
            return
        signature = header(scope, _SIGNATURE)
        if signature is None:
            await self._reject(send, "missing signature")
            return
        try:
            body = await read_body(scope, receive, self._max_body)
        except TooLarge:
            self._count("too_large")
            await answer(send, 413, {"error": "body too large"})
            return
        except Disconnected:
            return
        if not any(
            verify_signature(body, signature, s, allow_legacy_sha1=self._legacy)
            for s in self._secrets
        ):
            await self._reject(send, "bad signature")
            return
        try:
            event = parse_event(body)
        except WebhookPayloadError as exc:
            self._count("malformed")
            log.error("signed webhook request is not an event: %s", exc.message)
            await answer(send, 400, {"error": "not a SeaTable event"})
            return
        await self._accept(send, event, body)

    async def _reject(self, send: Send, reason: str) -> None:
        self._count("rejected")
        log.info("webhook request refused: %s", reason)
        await answer(send, 403, {"error": "invalid signature"})

    async def _accept(self, send: Send, event: WebhookEvent, body: bytes) -> None:
        inbox = self._inbox
        if inbox is None:
            self._count("unavailable")
            if not self._told_not_running:
                self._told_not_running = True
                log.error(
                    "webhook receiver is not running: a mounted receiver needs "
                    "`async with receiver:` in the app's lifespan; answering 503"
                )
            await answer(send, 503, {"error": "receiver not running"})
            return
        key = RepeatFilter.key(event, body)
        if self._repeats.seen(key):
            self._count("duplicates")
            await answer(send, 200, {"status": "duplicate"})
            return
        try:
            inbox.send_nowait(event)
        except anyio.WouldBlock:
            self._count("overflowed")
            log.warning(
                "webhook queue full (%d): %s of row %s in base %s lost",
                self._max_queue,
                event.op_type,
                event.row_id,
                event.dtable_uuid,
            )
            if self._drop_when_full:
                await answer(send, 200, {"status": "dropped"})
            else:
                await answer(send, 503, {"error": "queue full"})
            return
        self._repeats.remember(key)
        self._count("queued")
        await answer(send, 200, {"status": "queued"})
