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

__all__ = ["EventBus", "Listener", "NotificationListener", "Operation"]

Operation = dict[str, Any]
Listener = Callable[[str, Operation, object | None], None]
"""Called with (base uuid, operation, origin): origin is the connection that sent it, if any
(it is not sent back to its sender)."""
NotificationListener = Callable[[str, dict[str, Any]], None]
"""Called with (base uuid, notification)."""


class EventBus:
    """Publishes operations to whoever listens (the Socket.IO server, tests)."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._notification_listeners: list[NotificationListener] = []
        self._lock = threading.Lock()

    @property
    def listening(self) -> bool:
        """Whether anyone listens (writers skip building operations otherwise)."""
        return bool(self._listeners)

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
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener(base_uuid, operation, origin)

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
