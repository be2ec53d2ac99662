"""Live changes of a base as an async stream: ``async with base.events() as stream``.

SeaTable pushes every change of a base over Socket.IO; `EventStream` joins the base's room
with the client's pooled Base-Token and yields one typed, frozen event per change:

* `RowsInserted`, `RowsUpdated`, `RowsDeleted`, `RowsLocked` — rows with ``cells`` as the
  server sent them (column key → stored value, select options as ids) and ``values`` by
  column name (options as names) from the base's metadata;
* `SchemaChanged` (columns, tables, views), `OtherOperation`, `NotificationReceived`;
* markers that say events are missing: `Reconnected` (the connection was lost and is back)
  and `EventsDropped` (the consumer fell behind a full buffer); re-read what changed since
  with `EventStream.changed_rows`.

Needs the ``events`` extra (python-socketio's asyncio client on aiohttp) and asyncio: on
trio, entering the stream raises `EventsUnavailableError` at once. Details of renewal,
reconnects and backpressure: ``docs/recipes/live-events.md``.
"""

from seatable_async.events._stream import DEFAULT_BUFFER, EventStream
from seatable_async.events._types import (
    Event,
    EventsDropped,
    NotificationReceived,
    OtherOperation,
    Reconnected,
    RowData,
    RowsDeleted,
    RowsInserted,
    RowsLocked,
    RowsUpdated,
    RowUpdate,
    SchemaChanged,
    TableOperation,
)

__all__ = [
    "DEFAULT_BUFFER",
    "Event",
    "EventStream",
    "EventsDropped",
    "NotificationReceived",
    "OtherOperation",
    "Reconnected",
    "RowData",
    "RowUpdate",
    "RowsDeleted",
    "RowsInserted",
    "RowsLocked",
    "RowsUpdated",
    "SchemaChanged",
    "TableOperation",
]
