"""Row activities: every row operation published on the event bus becomes an activity of
its rows in the base's `ActivityLog`, as dtable-events records them (inferred: dtable-events
does it asynchronously from dtable-server's operations).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._state.activity_log import ROW_OPS
from .._state.extras import stamp
from .._state.state import State, extras_of
from .bus import EventBus

__all__ = ["record_activities"]


def record_activities(state: State, events: EventBus, now: Callable[[], float]) -> None:
    """Keep a row activity for every row operation published on ``events``."""

    def record(
        base_uuid: str, op_type: str, table_id: str, op: Callable[[], dict[str, Any]]
    ) -> None:
        kind = ROW_OPS.get(op_type)
        base = state.bases.get(base_uuid)
        table = base.table(table_id) if base is not None and kind else None
        if base is None or table is None or kind is None:
            return
        log = extras_of(state, base).activities
        with state.lock:
            log.record(kind, table, op, stamp(now()))

    events.record(record)
