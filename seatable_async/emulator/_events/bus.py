"""Changes of a base as dtable-server broadcasts them: *operations*.

Every write that changes a base — through the REST API or an ``update-dtable`` message on the
Socket.IO endpoint — is described by one operation dict in dtable-server's vocabulary and
published here; the Socket.IO server sends it to the clients in the base's room as an
``update-dtable`` event (a JSON string). Source for the vocabulary and the fields:
``seatable/openapi`` ``tests/test_websocket.py`` (6.0.10/6.1), for example::

    {"op_type": "append_rows", "table_id": "0000", "row_datas": [{"_id": …, "<col key>": …}]}
    {"op_type": "modify_row", "table_id": …, "row_id": …, "updated": {…}, "old_row": {…}}
    {"op_type": "modify_rows", "table_id": …, "row_ids": […], "updated": {id: {…}},
     "old_rows": {id: {…}}}
    {"op_type": "delete_row" | "delete_rows", "table_id": …, "row_id" | "row_ids": …, …}
    {"op_type": "insert_row", "table_id": …, "row_id": <anchor>, "row_insert_position":
     "insert_below" | "insert_above", "row_data": {…}}
    {"op_type": "lock_rows", "table_id": …, "row_ids": […], "locked_by": …} / "unlock_rows"
    {"op_type": "insert_column", "table_id": …, "column_key": <anchor>, "column_data": {…}}
    "insert_columns" (insert_columns), "delete_column" (column_key, old_column,
    upper_column_key), "rename_column" (new_column_name, old_column_name), "resize_column"
    (new_column_width, old_column_width), "freeze_column" (frozen), "modify_column_type"
    (new_column, old_column), "modify_column_data" (column_data)
    "insert_table" (table_data), "rename_table" (table_name), "delete_table",
    "modify_header_lock", "insert_view" (view_data), "delete_view", "rename_view",
    "modify_filters", "modify_sorts", "modify_groupbys", "modify_hidden_columns",
    "modify_view_lock", "modify_row_height"

Cells in operations are keyed by column **key**, as dtable-server stores them. Operations with
no recorded shape (links, for example) follow the same style and say so where they are built.

Notifications (``new-notification`` on the socket) travel on the same bus through `notify`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

__all__ = ["EventBus", "Listener", "NotificationListener", "Operation", "Recorder"]

Operation = dict[str, Any]
Listener = Callable[[str, Operation, object | None], None]
"""Called with (base uuid, operation, origin): origin is the connection that sent it, if any
(it is not sent back to its sender)."""
NotificationListener = Callable[[str, dict[str, Any]], None]
"""Called with (base uuid, notification)."""
Recorder = Callable[[str, str, str, Callable[[], Operation]], None]
"""Called with (base uuid, op_type, table id, a function that builds the operation once)."""


class EventBus:
    """Publishes operations to whoever listens (the Socket.IO server, tests)."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._recorders: list[Recorder] = []
        self._notification_listeners: list[NotificationListener] = []
        self._lock = threading.Lock()

    @property
    def listening(self) -> bool:
        """Whether anyone listens or records (writers skip describing their writes otherwise)."""
        return bool(self._listeners or self._recorders)

    def record(self, recorder: Recorder) -> None:
        """Add ``recorder``: it gets every operation as a function that builds it, so a record
        read rarely (row activities) does not cost every write the operation's construction.
        Such a function must be called before the data it describes can change, or capture
        that data (see `emit_built_later`)."""
        with self._lock:
            self._recorders.append(recorder)

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Add ``listener``; returns a function that removes it."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def emit(self, base_uuid: str, operation: Operation, origin: object | None = None) -> None:
        """Publish one operation of base ``base_uuid`` (cells keyed by column key)."""
        table_id = str(operation.get("table_id", ""))
        op_type = str(operation.get("op_type", ""))
        self.emit_built_later(base_uuid, op_type, table_id, lambda: operation, origin)

    def emit_built_later(
        self,
        base_uuid: str,
        op_type: str,
        table_id: str,
        build: Callable[[], Operation],
        origin: object | None = None,
    ) -> None:
        """Publish an operation built by ``build`` from data it captured: listeners get it
        now, recorders get a function that builds it once, when first called."""
        with self._lock:
            listeners = list(self._listeners)
            recorders = list(self._recorders)
        built: list[Operation] = []

        def operation() -> Operation:
            if not built:
                built.append(build())
            return built[0]

        for listener in listeners:
            listener(base_uuid, operation(), origin)
        for recorder in recorders:
            recorder(base_uuid, op_type, table_id, operation)

    def subscribe_notifications(self, listener: NotificationListener) -> Callable[[], None]:
        """Add a notification ``listener``; returns a function that removes it."""
        with self._lock:
            self._notification_listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._notification_listeners:
                    self._notification_listeners.remove(listener)

        return unsubscribe

    def notify(self, base_uuid: str, notification: dict[str, Any]) -> None:
        """Publish a notification for the users of base ``base_uuid``."""
        with self._lock:
            listeners = list(self._notification_listeners)
        for listener in listeners:
            listener(base_uuid, notification)
