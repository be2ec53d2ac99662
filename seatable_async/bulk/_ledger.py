"""`RowLedger`: the state of every row an import has read — pending, inserted (with its id),
failed or maybe applied — kept in a byte per row plus packed ids (see `_report.py`).

All methods are synchronous, so the ledger stays exact when a task is cancelled mid-way.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from seatable_async.bulk._report import (
    FAILED,
    ID_CHUNK,
    ID_WIDTH,
    INSERTED,
    MAYBE,
    PENDING,
    FailedBatch,
    MaybeAppliedBatch,
    RowIds,
    compact,
    pack_id,
    pack_ids,
)
from seatable_async.errors import SeaTableError

__all__ = ["RowLedger"]


class RowLedger:
    """Where every row read so far stands."""

    def __init__(self) -> None:
        self._status = bytearray()
        self._packed: list[bytearray] = []
        self._other_ids: dict[int, str] = {}
        self.failed: list[FailedBatch] = []
        self.maybe: list[MaybeAppliedBatch] = []
        self.inserted = 0
        self.failed_count = 0
        self.maybe_count = 0

    @property
    def rows_read(self) -> int:
        return len(self._status)

    def row_ids(self) -> RowIds:
        return RowIds(self._status, self._packed, self._other_ids)

    def pending(self, index: int) -> bool:
        return self._status[index] == PENDING

    def allocate(self) -> int:
        """Record one more row read from the source (pending); return its index."""
        index = len(self._status)
        self._status.append(PENDING)
        if index % ID_CHUNK == 0:
            self._packed.append(bytearray(ID_CHUNK * ID_WIDTH))
        return index

    def set_inserted(self, index: int, row_id: str) -> None:
        if self._status[index] != PENDING:
            return
        self._status[index] = INSERTED
        self.inserted += 1
        packed = pack_id(row_id)
        if packed is None:
            self._other_ids[index] = row_id
        else:
            chunk, offset = divmod(index, ID_CHUNK)
            self._packed[chunk][offset * ID_WIDTH : (offset + 1) * ID_WIDTH] = packed

    def record_ids(self, indices: Sequence[int], ids: Sequence[str]) -> None:
        """Rows ``indices`` were inserted as ``ids`` (same length, same order)."""
        packed = pack_ids(ids)
        if packed is None:
            for index, row_id in zip(indices, ids, strict=True):
                self.set_inserted(index, row_id)
            return
        status, chunks = self._status, self._packed
        start, count = indices[0], len(indices)
        if (
            indices[-1] - start == count - 1
            and status.count(PENDING, start, start + count) == count
        ):
            # The common case, a contiguous batch whose rows are all pending: whole slices.
            status[start : start + count] = bytes([INSERTED]) * count
            self.inserted += count
            done = 0
            while done < count:
                chunk, offset = divmod(start + done, ID_CHUNK)
                take = min(count - done, ID_CHUNK - offset)
                chunks[chunk][offset * ID_WIDTH : (offset + take) * ID_WIDTH] = packed[
                    done * ID_WIDTH : (done + take) * ID_WIDTH
                ]
                done += take
            return
        for n, index in enumerate(indices):
            if status[index] != PENDING:
                continue
            status[index] = INSERTED
            self.inserted += 1
            chunk, offset = divmod(index, ID_CHUNK)
            chunks[chunk][offset * ID_WIDTH : (offset + 1) * ID_WIDTH] = packed[
                n * ID_WIDTH : (n + 1) * ID_WIDTH
            ]

    def record_partial(self, indices: list[int], error: SeaTableError) -> list[int]:
        """Record what a failed ``append_rows`` says did land (legacy servers append row by
        row, so part of a batch may have); return the indices of the rest."""
        partial = error.partial
        if partial is None:
            return indices
        for position, row_id in partial.row_ids.items():
            self.set_inserted(indices[position], row_id)
        return [index for position, index in enumerate(indices) if position not in partial.row_ids]

    def fail(self, number: int | None, indices: Sequence[int], error: BaseException) -> None:
        kept = [i for i in indices if self._status[i] == PENDING]
        if not kept:
            return
        for i in kept:
            self._status[i] = FAILED
        self.failed_count += len(kept)
        self.failed.append(FailedBatch(number, compact(kept), error))

    def maybe_applied(self, number: int, indices: Sequence[int], error: BaseException) -> None:
        kept = [i for i in indices if self._status[i] == PENDING]
        if not kept:
            return
        for i in kept:
            self._status[i] = MAYBE
        self.maybe_count += len(kept)
        self.maybe.append(MaybeAppliedBatch(number, compact(kept), error))

    def pending_runs(self) -> list[range]:
        """The rows still pending, as ranges (to settle them at the end)."""
        return [range(*m.span()) for m in re.finditer(rb"\x00+", self._status)]
