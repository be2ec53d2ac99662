"""`EventStream`: a base's live changes as an async context manager and async iterator."""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import sys
from collections.abc import AsyncIterator, Iterable
from datetime import datetime, timezone
from types import TracebackType
from typing import TYPE_CHECKING, Any

import anyio
import anyio.abc
import attrs

from seatable_async import _validate as check
from seatable_async._base.context import BaseContext
from seatable_async.errors import ConfigurationError, EventsUnavailableError, SeaTableError
from seatable_async.events._buffer import EventBuffer
from seatable_async.events._connection import Backoff, Connection
from seatable_async.events._types import (
    Event,
    EventsDropped,
    Names,
    NotificationReceived,
    Reconnected,
    SchemaChanged,
    event_class,
    row_cells,
    to_event,
)

if TYPE_CHECKING:
    from seatable_async._base.base import Base

__all__ = ["EventStream"]

log = logging.getLogger("seatable_async.events")

DEFAULT_BUFFER = 10_000
_MARKERS = (Reconnected, EventsDropped)
_ROW_EVENTS = frozenset({"RowsInserted", "RowsUpdated", "RowsDeleted"})
_NOT_ENTERED = (
    "open the stream with 'async with base.events() as stream:' and iterate over 'stream' "
    "(the stream owns a connection and background tasks that must be closed)"
)


def _async_library() -> str:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        trio = sys.modules.get("trio")
        in_trio = getattr(getattr(trio, "lowlevel", None), "in_trio_run", None)
        return "trio" if in_trio is not None and in_trio() else "not asyncio"
    return "asyncio"


def _check_runtime() -> None:
    """Fail at once where the stream cannot work: not asyncio, or the extra is missing."""
    library = _async_library()
    if library != "asyncio":
        raise EventsUnavailableError(
            f"live events need asyncio, and this is {library}: the Socket.IO client "
            "(python-socketio's AsyncClient, on aiohttp) runs only on asyncio. Run the stream "
            "in an asyncio program, or poll with base.sql_pages() on _mtime",
            reason="backend",
        )
    missing = [m for m in ("socketio", "aiohttp") if importlib.util.find_spec(m) is None]
    if missing:
        raise EventsUnavailableError(
            f"live events need the 'events' extra ({', '.join(missing)} not installed): "
            "pip install 'seatable-async[events]'",
            reason="extra",
        )


@attrs.frozen
class _Pending:
    """An operation as received; it becomes an event when the consumer reads it (so a slow
    consumer costs the connection nothing but a queue slot)."""

    received_at: float
    operation: dict[str, Any]
    version: int | None


class EventStream:
    """A base's live changes; create it with ``base.events()``.

    Use it as ``async with base.events() as stream: async for event in stream: ...``.
    Entering connects and joins the base's room, so every change made after ``async with``
    returns is delivered. Iteration ends only by leaving the block (or with the error that
    ended the stream); cancelling the consumer leaves nothing running.

    Args:
        base: the base (for metadata and catch-up queries).
        ctx: the base's context (token pool, route, session).
        types: event classes to deliver (subclasses included); None for all. `Reconnected`
            and `EventsDropped` markers are always delivered: they say events are missing.
        buffer_size: events kept for a consumer that falls behind; beyond it the oldest are
            dropped (see `EventsDropped`).
        names: read the base's metadata to give row cells by column name (``values``) and
            table names; refreshed after schema changes.
        timeout: seconds for connecting and for the join acknowledgement (default: the
            client's timeout).
        backoff: reconnect delays (default: 1 s doubling to 30 s, jittered).
    """

    def __init__(
        self,
        base: Base,
        ctx: BaseContext,
        *,
        types: Iterable[type[Event]] | None = None,
        buffer_size: int = DEFAULT_BUFFER,
        names: bool = True,
        timeout: float = 30.0,
        backoff: Backoff | None = None,
    ) -> None:
        check.integer(buffer_size, "buffer_size", minimum=1)
        self._types: tuple[type[Event], ...] | None = None
        if types is not None:
            chosen = tuple(types)
            if not all(isinstance(t, type) and issubclass(t, Event) for t in chosen):
                raise ConfigurationError("types must be event classes, e.g. [sa.RowsInserted]")
            self._types = chosen
        self._base = base
        self._ctx = ctx
        self._want_names = names
        self._names = Names(None)
        self._clock = ctx.session.clock
        stats = ctx.session.stats

        def count_drop(n: int) -> None:
            stats.events_dropped += n

        self._buffer: EventBuffer[Event | _Pending] = EventBuffer(
            buffer_size, self._clock, count_drop
        )
        self._connection = Connection(
            ctx,
            on_operation=self._operation,
            on_notification=self._notification,
            on_reconnected=self._reconnected,
            timeout=timeout,
            backoff=backoff,
        )
        self._stale = False
        self._misses: set[tuple[str, str, str]] = set()
        self._task_group: anyio.abc.TaskGroup | None = None
        self._state = "new"

    def __repr__(self) -> str:
        return f"<seatable_async.EventStream {self._state}, {len(self._buffer)} buffered>"

    # ---- lifecycle -----------------------------------------------------------------------
    async def __aenter__(self) -> EventStream:
        if self._state != "new":
            raise ConfigurationError("an EventStream can be entered once; call base.events()")
        _check_runtime()
        self._state = "opening"
        task_group = anyio.create_task_group()
        await task_group.__aenter__()
        try:
            if self._want_names:
                self._names = Names(await self._base.metadata())
            await task_group.start(self._run)
        except BaseException as exc:
            task_group.cancel_scope.cancel()
            await task_group.__aexit__(type(exc), exc, exc.__traceback__)
            self._state = "closed"
            raise
        self._task_group = task_group
        self._state = "open"
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        task_group, self._task_group = self._task_group, None
        self._state = "closed"
        self._buffer.close()
        if task_group is not None:
            task_group.cancel_scope.cancel()
            await task_group.__aexit__(None, None, None)

    async def _run(self, *, task_status: anyio.abc.TaskStatus[None]) -> None:
        try:
            await self._connection.run(task_status=task_status)
        except SeaTableError as exc:
            if not self._connection.started:
                raise
            self._buffer.fail(exc)

    # ---- iteration -----------------------------------------------------------------------
    def __aiter__(self) -> EventStream:
        if self._state not in ("open", "closed"):
            raise ConfigurationError(_NOT_ENTERED)
        return self

    async def __anext__(self) -> Event:
        if self._state == "new":
            raise ConfigurationError(_NOT_ENTERED)
        item = await self._buffer.get()
        if isinstance(item, _Pending):
            return await self._convert(item)
        return item

    @property
    def dropped(self) -> int:
        """Events this stream dropped because its consumer fell behind."""
        return self._buffer.dropped

    @property
    def buffered(self) -> int:
        """Events waiting to be read."""
        return len(self._buffer)

    @property
    def buffer_size(self) -> int:
        return self._buffer.capacity

    # ---- catching up ---------------------------------------------------------------------
    async def changed_rows(
        self, table: str, since: float, *, margin: float = 5.0
    ) -> AsyncIterator[dict[str, Any]]:
        """Rows of ``table`` modified (or added) from ``since`` on, by SQL on ``_mtime``:
        what to re-read after a `Reconnected` or `EventsDropped` marker.

        Deleted rows cannot be found this way (compare ids if you need them). Rows come
        keyed by column name, oldest change first, paged (any number).

        Args:
            table: table name.
            since: Unix time, e.g. ``event.disconnected_at`` or ``event.since``.
            margin: seconds subtracted from ``since`` for the skew between this machine's
                clock and the server's (rows changed just before are returned too).
        """
        table = check.text(table, "table")
        start = datetime.fromtimestamp(since - margin, tz=timezone.utc)
        stamp = start.strftime("%Y-%m-%dT%H:%M:%S.") + f"{start.microsecond // 1000:03d}Z"
        quoted = table.replace("`", "``")
        statement = f"SELECT * FROM `{quoted}` WHERE _mtime >= ? ORDER BY _mtime"
        async for row in self._base.sql_pages(statement, [stamp]):
            yield row

    # ---- callbacks from the connection ---------------------------------------------------
    def _wanted(self, cls: type[Event]) -> bool:
        return self._types is None or issubclass(cls, self._types)

    def _operation(self, operation: dict[str, Any], version: int | None) -> None:
        cls = event_class(str(operation.get("op_type", "")))
        if cls is SchemaChanged:
            self._stale = True  # names are re-read before the next row event is converted
        if self._wanted(cls):
            self._buffer.put(_Pending(self._clock(), operation, version))

    def _notification(self, payload: dict[str, Any]) -> None:
        if self._wanted(NotificationReceived):
            self._buffer.put(NotificationReceived(received_at=self._clock(), data=payload))

    def _reconnected(self, disconnected_at: float, attempts: int) -> None:
        self._stale = True  # the schema may have changed meanwhile
        self._buffer.put(
            Reconnected(
                received_at=self._clock(), disconnected_at=disconnected_at, attempts=attempts
            )
        )

    # ---- conversion (consumer side) ------------------------------------------------------
    async def _convert(self, item: _Pending) -> Event:
        op = item.operation
        if self._want_names and event_class(str(op.get("op_type", ""))).__name__ in _ROW_EVENTS:
            await self._ensure_names(op)
        return to_event(op, self._names, received_at=item.received_at, version=item.version)

    async def _ensure_names(self, op: dict[str, Any]) -> None:
        """Re-read the metadata when the operation names a table, column or option this stream
        does not know yet (once per unknown name), or after a schema change."""
        table = op.get("table_id")
        table_id = table if isinstance(table, str) else ""
        misses = {
            (table_id, k, o) for c in row_cells(op) for k, o in self._names.misses(table_id, c)
        }
        if table_id and table_id not in self._names.tables:
            misses.add((table_id, "", ""))
        fresh = misses - self._misses
        if not (fresh or self._stale):
            return
        self._misses |= fresh
        self._stale = False
        try:
            self._names = Names(await self._base.metadata())
        except SeaTableError as exc:  # keep the old names; cells stay complete anyway
            log.warning("live events: could not refresh column names: %s", exc)
