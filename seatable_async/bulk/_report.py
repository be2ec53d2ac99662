"""What an import reports: the value objects and the compact per-row id storage.

Every row read is *pending* until it settles as inserted, failed or maybe applied; the status
of each row is one byte, and SeaTable row ids are packed into 16-byte slots in fixed-size chunks
(17 bytes per row, however many rows pass through).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import attrs

__all__ = [
    "FAILED",
    "ID_CHUNK",
    "ID_WIDTH",
    "INSERTED",
    "MAYBE",
    "PENDING",
    "FailedBatch",
    "ImportProgress",
    "ImportReport",
    "InsertedRows",
    "MaybeAppliedBatch",
    "RowIds",
    "SettledRows",
    "compact",
    "pack_id",
]

PENDING, INSERTED, FAILED, MAYBE = 0, 1, 2, 3
ID_WIDTH = 16  # SeaTable row ids are 22 url-safe base64 chars = 16 bytes
ID_CHUNK = 1 << 16  # rows per id chunk: ids live in 1 MiB blocks, never one huge reallocation


@attrs.frozen
class SettledRows:
    """Rows of one batch that ended the same way, and why.

    Attributes:
        batch: the batch number (0-based, in reading order), or None for rows rejected before
            batching (not a mapping, no or a repeated key value) or never sent.
        indices: input indices (0-based positions in the source) of the rows.
        error: why.
    """

    batch: int | None
    indices: Sequence[int]
    error: BaseException

    @property
    def count(self) -> int:
        return len(self.indices)


@attrs.frozen
class FailedBatch(SettledRows):
    """Rows that were not inserted."""


@attrs.frozen
class MaybeAppliedBatch(SettledRows):
    """Rows whose batch failed ambiguously: the server may or may not hold them (the error
    is usually a `MaybeAppliedError`)."""


@attrs.frozen
class ImportProgress:
    """One progress event, sent to ``on_progress`` after each batch settles.

    Attributes:
        rows_read: rows read from the source so far.
        rows_done: rows inserted so far.
        rows_failed: rows failed so far.
        rows_maybe_applied: rows maybe applied so far.
        batches_in_flight: batches being sent right now.
        rows_per_second: inserted rows per second since the start.
        elapsed: seconds since the start.
    """

    rows_read: int
    rows_done: int
    rows_failed: int
    rows_maybe_applied: int
    batches_in_flight: int
    rows_per_second: float
    elapsed: float


class RowIds(Sequence[str | None]):
    """Row ids by input index (``None`` when that row was not inserted), stored compactly.

    SeaTable row ids (22 url-safe base64 characters) take 16 bytes each; any other id shape is
    kept in a side dictionary. ``len()`` is the number of rows read.
    """

    __slots__ = ("_other", "_packed", "_status")

    def __init__(self, status: bytearray, packed: list[bytearray], other: dict[int, str]):
        self._status = status
        self._packed = packed
        self._other = other

    def __len__(self) -> int:
        return len(self._status)

    def _get(self, index: int) -> str | None:
        if self._status[index] != INSERTED:
            return None
        other = self._other.get(index)
        if other is not None:
            return other
        chunk, offset = divmod(index, ID_CHUNK)
        raw = bytes(self._packed[chunk][offset * ID_WIDTH : (offset + 1) * ID_WIDTH])
        return base64.urlsafe_b64encode(raw).decode("ascii")[:22]

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self._get(i) for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("row index out of range")
        return self._get(index)

    def __iter__(self) -> Iterator[str | None]:
        for index in range(len(self)):
            yield self._get(index)

    def __repr__(self) -> str:
        return f"<RowIds {len(self)} rows>"


class InsertedRows(Iterable[tuple[int, str]]):
    """``(input_index, row_id)`` of every inserted row, in input order (a lazy view)."""

    __slots__ = ("_count", "_ids")

    def __init__(self, ids: RowIds, count: int):
        self._ids = ids
        self._count = count

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[tuple[int, str]]:
        for index, row_id in enumerate(self._ids):
            if row_id is not None:
                yield index, row_id

    def __repr__(self) -> str:
        return f"<InsertedRows {self._count} rows>"


@attrs.frozen
class ImportReport:
    """The account of one import: every row read is inserted, failed or maybe applied.

    Attributes:
        table: the target table.
        rows_read: rows read from the source.
        row_ids: row id by input index (``None`` for rows not inserted).
        failed: failed rows, grouped by batch (or by rejection), with the error.
        maybe_applied: rows the server may or may not hold, grouped by batch, with the error.
        batches: batches formed from the source.
        requests: HTTP requests the import sent (every attempt, reconciliation queries
            included; token requests, shared with other work, are not).
        reconciled_batches: ambiguous batches settled through ``key`` reconciliation.
        duplicates_removed: ids of rows the import deleted because a reconciled write landed
            after it had been re-sent (the duplicate sweep; see the package documentation).
        links_failed: rows that were inserted (their ids are in ``row_ids``) but whose link
            cells could not be written, grouped by batch, with the error.
        duration: seconds the import took.
        complete: the whole source was read (False after a stop, a source error or a
            cancellation).
        cancelled: the import was cancelled.
        stopped_by: the error that stopped the import early, if any (auth, permission,
            unknown table, closed client, or the source raising).
    """

    table: str
    rows_read: int
    row_ids: RowIds = attrs.field(repr=False)
    failed: tuple[FailedBatch, ...]
    maybe_applied: tuple[MaybeAppliedBatch, ...]
    batches: int
    requests: int
    reconciled_batches: int
    duration: float
    complete: bool
    duplicates_removed: tuple[str, ...] = ()
    links_failed: tuple[FailedBatch, ...] = ()
    cancelled: bool = False
    stopped_by: BaseException | None = None
    _inserted_count: int = attrs.field(default=0, alias="inserted_count")

    @property
    def inserted(self) -> InsertedRows:
        """``(input_index, row_id)`` pairs in input order (lazy; ``len()`` works)."""
        return InsertedRows(self.row_ids, self._inserted_count)

    @property
    def inserted_count(self) -> int:
        return self._inserted_count

    @property
    def failed_count(self) -> int:
        return sum(len(f.indices) for f in self.failed)

    @property
    def maybe_applied_count(self) -> int:
        return sum(len(m.indices) for m in self.maybe_applied)

    @property
    def ok(self) -> bool:
        """True when every row read was inserted (with its link cells) and the whole source
        was read."""
        return self.complete and self._inserted_count == self.rows_read and not self.links_failed

    @property
    def rows_per_second(self) -> float:
        return self._inserted_count / self.duration if self.duration > 0 else 0.0

    def summary(self) -> str:
        """One line: counts, duration and rate."""
        text = (
            f"{self.rows_read} rows read: {self._inserted_count} inserted, "
            f"{self.failed_count} failed, {self.maybe_applied_count} maybe applied "
            f"in {self.duration:.1f}s ({self.rows_per_second:,.0f} rows/s)"
        )
        if self.links_failed:
            count = sum(len(f.indices) for f in self.links_failed)
            text += f"; link cells of {count} inserted rows not written"
        if self.cancelled:
            text += "; cancelled"
        elif self.stopped_by is not None:
            text += f"; stopped: {self.stopped_by}"
        return text


def pack_id(row_id: str) -> bytes | None:
    """The 16 bytes of a SeaTable row id, or None for any other id shape."""
    return pack_ids([row_id])


def pack_ids(row_ids: Sequence[str]) -> bytes | None:
    """The ids' 16 bytes each, concatenated; None unless every id has SeaTable's shape.

    22 base64url characters carry 132 bits; an id round-trips through 16 bytes exactly when the
    last character's 4 spare bits are zero (A, Q, g or w). Decoding a whole batch at once
    keeps the per-row cost of recording ids small.
    """
    joined = "".join(row_ids)
    if len(joined) != 22 * len(row_ids) or _PACKABLE_IDS.fullmatch(joined) is None:
        return None
    # Each id plus "AA" is 24 characters, i.e. 18 whole bytes; keep the first 16 of each.
    raw = binascii.a2b_base64(("AA".join(row_ids) + "AA").translate(_TO_STANDARD_BASE64))
    view = memoryview(raw)
    return b"".join(view[i : i + ID_WIDTH] for i in range(0, len(raw), ID_WIDTH + 2))


_PACKABLE_IDS = re.compile(r"(?:[A-Za-z0-9_-]{21}[AQgw])*")
_TO_STANDARD_BASE64 = str.maketrans("-_", "+/")


def compact(indices: Sequence[int]) -> Sequence[int]:
    """A ``range`` for contiguous indices (the common case), else a tuple."""
    if isinstance(indices, range):
        return indices
    if indices and indices[-1] - indices[0] == len(indices) - 1:
        return range(indices[0], indices[-1] + 1)
    return tuple(indices)
