"""Row activities: every row operation published on ``emu.events`` becomes an activity of
its rows in the base's `ActivityLog`, as dtable-events records them (inferred: dtable-events
does it asynchronously from dtable-server's operations).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ._activity_log import ROW_OPS
from ._extras import extras_of, stamp

if TYPE_CHECKING:
    from ._emulator import Emulator

__all__ = ["record_activities"]


def record_activities(emu: Emulator) -> None:
    """Keep a row activity for every row operation published on ``emu.events``."""

    def record(
        base_uuid: str, op_type: str, table_id: str, op: Callable[[], dict[str, Any]]
    ) -> None:
        kind = ROW_OPS.get(op_type)
        base = emu.state.bases.get(base_uuid)
        table = base.table(table_id) if base is not None and kind else None
        if base is None or table is None or kind is None:
            return
        log = extras_of(emu.state, base).activities
        with emu.state.lock:
            log.record(kind, table, op, stamp(emu.now()))

    emu.events.record(record)
