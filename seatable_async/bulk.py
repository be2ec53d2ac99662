"""Bulk import: stream any number of rows into a table through a fixed set of workers.

``import_rows`` (and ``Base.import_rows``, which calls it) reads the source once, cuts it into
batches of at most 1,000 rows and hands them to a fixed number of worker tasks through a bounded
anyio memory stream, so memory stays flat however many rows pass through. Every batch goes
through the client's request pipeline with the base's rate key, so the per-base rate limiter
paces all workers together and 429s / never-sent failures are retried there.

Accounting
    Every row read from the source ends up in exactly one of three states, recorded in the
    `ImportReport`: *inserted* (with its row id), *failed* (with the error, the batch
    number and the row indices) or *maybe applied* (the server may or may not hold it).
    ``inserted_count + failed_count + maybe_applied_count == rows_read`` always holds, also when
    the import is cancelled, stopped early or the source raises.

Ambiguous batches
    A row append that fails after the request may have reached the server (``MaybeAppliedError``:
    5xx, dropped connection, lost response; a ``TransportError`` with ``sent=True``; an
    unreadable 2xx answer) is never replayed blindly. With ``key="<column>"`` the batch is
    reconciled: the importer asks the server (SQL with parameters) which of the batch's key
    values exist, counts those rows as inserted (with the ids found) and sends only the missing
    ones, repeating at most `MAX_RECONCILE_ROUNDS` times. Without ``key`` the batch is
    reported as maybe applied.

Key values
    With ``key``, a row whose key value is missing, ``None``, an empty string or not a scalar
    (str, int, float, bool) is failed before anything is sent; so is a row whose key value
    repeats an earlier row of the *same batch*. Uniqueness across batches is not checked (that
    would cost memory proportional to the import): give every row a unique key. A key value that
    already exists in the table before the import is only noticed if its batch needs
    reconciliation, in which case the row counts as inserted with the existing row's id.

Errors that would fail every batch
    Authentication, permission, not-found (unknown table) and configuration errors (e.g. the
    client was closed) stop the import early: no further rows are read, batches already read are
    failed with that error without being sent, batches in flight finish. Other errors (400 bad
    row, 429 after every retry, never-sent transport failures) fail only their batch.

Cancellation and the report of what landed
    `ImportJob` runs an import and keeps its report. If the surrounding scope is cancelled
    mid-import, ``run()`` re-raises the cancellation (it is never swallowed) and ``job.report``
    still holds an exact account: batches in flight at that moment are maybe applied, rows read
    but not yet sent are failed ("not sent"). ``import_rows`` is ``ImportJob(...).run()``; use
    ``ImportJob`` directly when you need the report after a cancellation::

        job = ImportJob(base, "Table1", rows, key="Email")
        with anyio.move_on_after(60):
            await job.run()
        print(job.report.inserted_count)
"""

from __future__ import annotations

import base64
import inspect
import re
import time
from collections.abc import (
    AsyncIterable,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from typing import TYPE_CHECKING, Any

import anyio
import attrs

from seatable_async.errors import (
    AuthenticationError,
    BulkImportError,
    ConfigurationError,
    MaybeAppliedError,
    NotFoundError,
    PermissionDeniedError,
    ResponseFormatError,
    SeaTableError,
    TransportError,
)

if TYPE_CHECKING:
    from seatable_async.base import Base

__all__ = [
    "MAX_BATCH_SIZE",
    "MAX_RECONCILE_ROUNDS",
    "FailedBatch",
    "ImportJob",
    "ImportProgress",
    "ImportReport",
    "MaybeAppliedBatch",
    "RowIds",
    "import_rows",
]

MAX_BATCH_SIZE = 1000
"""SeaTable's cap on rows per append request."""

MAX_RECONCILE_ROUNDS = 3
"""How often an ambiguous batch is reconciled (query, then send the missing rows) at most."""

DEFAULT_MAX_CONCURRENCY = 16
"""Default worker count: the client's ``max_concurrency``, capped at this."""

SQL_IN_CHUNK = 500
"""Key values per reconciliation query (well below SQLite's and SeaTable's limits)."""

_PENDING, _INSERTED, _FAILED, _MAYBE = 0, 1, 2, 3
_ID_WIDTH = 16  # SeaTable row ids are 22 url-safe base64 chars = 16 bytes
_CHUNK = 1 << 16  # rows per id chunk: ids live in 1 MiB blocks, never one huge reallocation

ProgressCallback = Callable[["ImportProgress"], Awaitable[None] | None]
RowSource = Iterable[Mapping[str, Any]] | AsyncIterable[Mapping[str, Any]]


# ---------------------------------------------------------------------------------------------
# value objects


@attrs.frozen
class FailedBatch:
    """Rows that were not inserted.

    Attributes:
        batch: the batch number (0-based, in reading order), or None for rows rejected before
            batching (not a mapping, no key value) or never sent.
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
class MaybeAppliedBatch:
    """Rows whose batch failed ambiguously: the server may or may not hold them.

    Attributes:
        batch: the batch number (0-based, in reading order).
        indices: input indices of the rows.
        error: the ambiguous failure (usually `MaybeAppliedError`).
    """

    batch: int
    indices: Sequence[int]
    error: BaseException

    @property
    def count(self) -> int:
        return len(self.indices)


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
        if self._status[index] != _INSERTED:
            return None
        other = self._other.get(index)
        if other is not None:
            return other
        chunk, offset = divmod(index, _CHUNK)
        raw = bytes(self._packed[chunk][offset * _ID_WIDTH : (offset + 1) * _ID_WIDTH])
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
        requests: HTTP requests the client sent while the import ran (every attempt, token
            requests and reconciliation queries included).
        reconciled_batches: ambiguous batches settled through ``key`` reconciliation.
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
        """True when every row read was inserted and the whole source was read."""
        return self.complete and self._inserted_count == self.rows_read

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
        if self.cancelled:
            text += "; cancelled"
        elif self.stopped_by is not None:
            text += f"; stopped: {self.stopped_by}"
        return text


# ---------------------------------------------------------------------------------------------
# the job


@attrs.define
class _Batch:
    number: int
    indices: list[int]
    rows: list[dict[str, Any]]


def _scalar_key(value: Any) -> tuple[str, Any] | None:
    """The comparable form of a key value, or None when it cannot serve as a key."""
    if isinstance(value, bool):
        return ("b", value)
    if isinstance(value, (int, float)):
        if value != value:  # NaN
            return None
        return ("n", float(value))
    if isinstance(value, str):
        return ("s", value) if value != "" else None
    return None


def _fatal(exc: BaseException) -> bool:
    return isinstance(
        exc, (AuthenticationError, PermissionDeniedError, NotFoundError, ConfigurationError)
    )


def _ambiguous(exc: BaseException) -> bool:
    if isinstance(exc, MaybeAppliedError):
        return True
    if isinstance(exc, TransportError):
        return exc.sent
    # A 2xx answer the SDK could not read: the rows were probably stored.
    return isinstance(exc, ResponseFormatError) and (exc.status is None or exc.status < 300)


class ImportJob:
    """One bulk import; `run` performs it, `report` accounts for it afterwards.

    Arguments are those of `import_rows`. A job runs once.
    """

    def __init__(
        self,
        base: Base,
        table: str,
        source: RowSource,
        *,
        batch_size: int = MAX_BATCH_SIZE,
        concurrency: int | None = None,
        key: str | None = None,
        on_progress: ProgressCallback | None = None,
        raise_on_failure: bool = True,
    ):
        if not isinstance(table, str) or not table.strip():
            raise ConfigurationError("the table name must be a non-empty string")
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ConfigurationError("batch_size must be an integer from 1 to 1000")
        if batch_size > MAX_BATCH_SIZE:
            raise ConfigurationError(
                f"batch_size {batch_size} exceeds SeaTable's cap of {MAX_BATCH_SIZE} rows per "
                "append"
            )
        client = base._client
        if concurrency is None:
            concurrency = max(1, min(client.max_concurrency, DEFAULT_MAX_CONCURRENCY))
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
            raise ConfigurationError("concurrency must be an integer >= 1")
        if key is not None and (not isinstance(key, str) or not key.strip()):
            raise ConfigurationError("key must be a non-empty column name")
        if "`" in table or (key is not None and "`" in key):
            raise ConfigurationError("table and key names must not contain backticks")
        is_async = isinstance(source, AsyncIterable)
        if not is_async and (
            not isinstance(source, Iterable) or isinstance(source, (str, bytes, Mapping))
        ):
            raise ConfigurationError("source must be an iterable or async iterable of row mappings")
        if on_progress is not None and not callable(on_progress):
            raise ConfigurationError("on_progress must be callable")
        self.base = base
        self.table = table
        self.batch_size = batch_size
        self.concurrency = concurrency
        self.key = key
        self._source = source
        self._on_progress = on_progress
        self._raise_on_failure = raise_on_failure
        # state
        self._status = bytearray()
        self._packed: list[bytearray] = []
        self._other_ids: dict[int, str] = {}
        self._failed: list[FailedBatch] = []
        self._maybe: list[MaybeAppliedBatch] = []
        self._inserted = 0
        self._failed_n = 0
        self._maybe_n = 0
        self._batches = 0
        self._reconciled = 0
        self._in_flight: dict[int, _Batch] = {}
        self._stop: BaseException | None = None
        self._source_error: BaseException | None = None
        self._unexpected: BaseException | None = None
        self._complete = False
        self._started: float | None = None
        self._requests_at_start = 0
        self._report: ImportReport | None = None
        self._ran = False

    # -- public --------------------------------------------------------------------------------

    @property
    def report(self) -> ImportReport:
        """The report: final after `run` ended (also by cancellation), else a snapshot."""
        if self._report is not None:
            return self._report
        return self._build(cancelled=False, final=False)

    def progress(self) -> ImportProgress:
        """The current progress as an event (what ``on_progress`` receives)."""
        elapsed = time.perf_counter() - self._started if self._started is not None else 0.0
        return ImportProgress(
            rows_read=len(self._status),
            rows_done=self._inserted,
            rows_failed=self._failed_n,
            rows_maybe_applied=self._maybe_n,
            batches_in_flight=len(self._in_flight),
            rows_per_second=self._inserted / elapsed if elapsed > 0 else 0.0,
            elapsed=elapsed,
        )

    async def run(self) -> ImportReport:
        """Run the import and return its report.

        Raises:
            BulkImportError: rows failed or may have been applied, or the source raised
                (unless ``raise_on_failure=False``); ``.report`` accounts for every row.
            SeaTableError: the base refused writes before any row was read (read-only token,
                unknown credential).
        """
        if self._ran:
            raise ConfigurationError("an ImportJob runs only once")
        self._ran = True
        self._started = time.perf_counter()
        self._requests_at_start = self.base._client._stats.requests
        await self.base._writable()  # mint the Base-Token once, refuse read-only bases early
        send, receive = anyio.create_memory_object_stream[_Batch](max_buffer_size=self.concurrency)
        try:
            async with anyio.create_task_group() as tg:
                tg.start_soon(self._produce, send)
                for _ in range(self.concurrency):
                    tg.start_soon(self._work, receive.clone())
                receive.close()
        except BaseException as exc:
            self._report = self._build(
                cancelled=isinstance(exc, anyio.get_cancelled_exc_class()), final=True
            )
            raise
        report = self._report = self._build(cancelled=False, final=True)
        if self._unexpected is not None:
            raise self._unexpected
        if self._raise_on_failure and not report.ok:
            cause = report.stopped_by
            message = f"bulk import into {self.table!r}: {report.summary()}"
            raise BulkImportError(message, report) from cause
        return report

    # -- producer ----------------------------------------------------------------------------

    async def _produce(self, send: anyio.abc.ObjectSendStream[_Batch]) -> None:
        async with send:
            batch = self._new_batch()
            seen: set[tuple[str, Any]] = set()
            try:
                if isinstance(self._source, AsyncIterable):
                    async for row in self._source:
                        if self._stop is not None:
                            break
                        if self._take(batch, row, seen) and len(batch.rows) >= self.batch_size:
                            await send.send(self._seal(batch))
                            batch, seen = self._new_batch(), set()
                else:
                    for row in self._source:
                        if self._stop is not None:
                            break
                        if self._take(batch, row, seen) and len(batch.rows) >= self.batch_size:
                            await send.send(self._seal(batch))
                            batch, seen = self._new_batch(), set()
                        elif len(self._status) % 1000 == 0:
                            await anyio.lowlevel.checkpoint()
                self._complete = self._stop is None
            except Exception as exc:  # the source raised: stop reading, send what was read
                self._source_error = exc
            if batch.rows and self._stop is None:
                await send.send(self._seal(batch))
            elif batch.rows:
                self._fail(self._seal(batch).number, batch.indices, self._stop_error())

    def _new_batch(self) -> _Batch:
        return _Batch(-1, [], [])

    def _seal(self, batch: _Batch) -> _Batch:
        batch.number = self._batches
        self._batches += 1
        return batch

    def _take(self, batch: _Batch, row: Any, seen: set[tuple[str, Any]]) -> bool:
        index = len(self._status)
        self._status.append(_PENDING)
        if index % _CHUNK == 0:
            self._packed.append(bytearray(_CHUNK * _ID_WIDTH))
        if not isinstance(row, Mapping):
            self._fail(
                None,
                [index],
                ConfigurationError(
                    f"row {index} is a {type(row).__name__}, not a mapping of column names "
                    "to values"
                ),
            )
            return False
        if self.key is not None:
            value = _scalar_key(row.get(self.key))
            if value is None:
                self._fail(
                    None,
                    [index],
                    ConfigurationError(
                        f"row {index} has no usable value for key column {self.key!r} "
                        "(missing, empty, or not a str/number/bool)"
                    ),
                )
                return False
            if value in seen:
                self._fail(
                    None,
                    [index],
                    ConfigurationError(
                        f"row {index} repeats the key value {row.get(self.key)!r} of an "
                        "earlier row in its batch"
                    ),
                )
                return False
            seen.add(value)
        batch.indices.append(index)
        batch.rows.append(dict(row))
        return True

    # -- workers -----------------------------------------------------------------------------

    async def _work(self, receive: anyio.abc.ObjectReceiveStream[_Batch]) -> None:
        async with receive:
            async for batch in receive:
                if self._stop is not None:
                    self._fail(batch.number, batch.indices, self._stop_error())
                    continue
                self._in_flight[batch.number] = batch
                try:
                    await self._send(batch)
                finally:
                    self._in_flight.pop(batch.number, None)
                await self._report_progress()

    async def _send(self, batch: _Batch) -> None:
        try:
            ids = await self._append(batch.rows)
        except SeaTableError as exc:
            if _ambiguous(exc):
                if self.key is not None:
                    await self._reconcile(batch, exc)
                else:
                    self._maybe_applied(batch.number, batch.indices, exc)
                return
            self._fail(batch.number, batch.indices, exc)
            if _fatal(exc) and self._stop is None:
                self._stop = exc
            return
        except Exception as exc:  # a bug or an unexpected library error: stop, re-raise later
            self._maybe_applied(batch.number, batch.indices, exc)
            if self._unexpected is None:
                self._unexpected = exc
            self._stop = self._stop or exc
            return
        self._record_ids(batch.number, batch.indices, ids)

    async def _append(self, rows: list[dict[str, Any]]) -> list[str]:
        route = await self.base._writable()
        return await self.base._append_batch(route, self.table, rows)

    def _record_ids(self, number: int, indices: list[int], ids: list[str]) -> None:
        if len(ids) != len(indices):
            self._maybe_applied(
                number,
                indices,
                ResponseFormatError(
                    f"the server returned {len(ids)} row ids for {len(indices)} rows"
                ),
            )
            return
        for index, row_id in zip(indices, ids, strict=True):
            self._set_inserted(index, row_id)

    # -- reconciliation ----------------------------------------------------------------------

    async def _reconcile(self, batch: _Batch, first: SeaTableError) -> None:
        key = self.key
        assert key is not None
        self._reconciled += 1
        pending = list(zip(batch.indices, batch.rows, strict=True))
        last: SeaTableError = first
        for round_ in range(MAX_RECONCILE_ROUNDS + 1):
            try:
                present = await self._existing([row[key] for _, row in pending])
            except SeaTableError as exc:
                self._maybe_applied(
                    batch.number,
                    [i for i, _ in pending],
                    MaybeAppliedError(f"{last}; reconciling through key {key!r} failed too: {exc}"),
                )
                if _fatal(exc) and self._stop is None:
                    self._stop = exc
                return
            missing: list[tuple[int, dict[str, Any]]] = []
            for index, row in pending:
                row_id = present.get(_scalar_key(row[key]))
                if row_id is not None:
                    self._set_inserted(index, row_id)
                else:
                    missing.append((index, row))
            if not missing:
                return
            if round_ == MAX_RECONCILE_ROUNDS:
                self._fail(
                    batch.number,
                    [i for i, _ in missing],
                    SeaTableError(
                        f"not inserted after {MAX_RECONCILE_ROUNDS} reconciliation rounds; "
                        f"last failure: {last}"
                    ),
                )
                return
            try:
                ids = await self._append([row for _, row in missing])
            except SeaTableError as exc:
                if _ambiguous(exc):
                    pending, last = missing, exc
                    continue
                self._fail(batch.number, [i for i, _ in missing], exc)
                if _fatal(exc) and self._stop is None:
                    self._stop = exc
                return
            self._record_ids(batch.number, [i for i, _ in missing], ids)
            return

    async def _existing(self, values: list[Any]) -> dict[tuple[str, Any] | None, str]:
        """Map (comparable) key value → row id for the values that exist in the table."""
        key = self.key
        assert key is not None
        found: dict[tuple[str, Any] | None, str] = {}
        for start in range(0, len(values), SQL_IN_CHUNK):
            chunk = values[start : start + SQL_IN_CHUNK]
            marks = ", ".join("?" for _ in chunk)
            sql = (
                f"SELECT `_id`, `{key}` FROM `{self.table}` WHERE `{key}` IN ({marks}) "
                f"LIMIT {len(chunk) * 2 + 10}"
            )
            result = await self.base.sql(sql, chunk)
            for row in result.rows:
                row_id = row.get("_id")
                value = _scalar_key(row.get(key))
                if isinstance(row_id, str) and value is not None:
                    found.setdefault(value, row_id)
        return found

    # -- bookkeeping (synchronous: safe under cancellation) -----------------------------------

    def _set_inserted(self, index: int, row_id: str) -> None:
        if self._status[index] != _PENDING:
            return
        self._status[index] = _INSERTED
        self._inserted += 1
        packed = _pack_id(row_id)
        if packed is None:
            self._other_ids[index] = row_id
        else:
            chunk, offset = divmod(index, _CHUNK)
            self._packed[chunk][offset * _ID_WIDTH : (offset + 1) * _ID_WIDTH] = packed

    def _fail(self, number: int | None, indices: Sequence[int], error: BaseException) -> None:
        kept = [i for i in indices if self._status[i] == _PENDING]
        if not kept:
            return
        for i in kept:
            self._status[i] = _FAILED
        self._failed_n += len(kept)
        self._failed.append(FailedBatch(number, _compact(kept), error))

    def _maybe_applied(self, number: int, indices: Sequence[int], error: BaseException) -> None:
        kept = [i for i in indices if self._status[i] == _PENDING]
        if not kept:
            return
        for i in kept:
            self._status[i] = _MAYBE
        self._maybe_n += len(kept)
        self._maybe.append(MaybeAppliedBatch(number, _compact(kept), error))

    def _stop_error(self) -> SeaTableError:
        return SeaTableError(f"not sent: the import stopped early ({self._stop})")

    def _build(self, *, cancelled: bool, final: bool) -> ImportReport:
        if final:
            # Settle every row that is still pending: in flight → maybe applied, else not sent.
            if cancelled:
                for batch in list(self._in_flight.values()):
                    self._maybe_applied(
                        batch.number,
                        batch.indices,
                        MaybeAppliedError("the import was cancelled while this batch was sent"),
                    )
            self._in_flight.clear()
            reason = (
                "the import was cancelled"
                if cancelled
                else f"the import stopped early ({self._stop})"
                if self._stop is not None
                else "the import ended before this row was sent"
            )
            runs = [m.span() for m in re.finditer(rb"\x00+", self._status)]
            for start, end in runs:
                self._fail(None, range(start, end), SeaTableError(f"not sent: {reason}"))
        duration = time.perf_counter() - self._started if self._started is not None else 0.0
        return ImportReport(
            table=self.table,
            rows_read=len(self._status),
            row_ids=RowIds(self._status, self._packed, self._other_ids),
            failed=tuple(self._failed),
            maybe_applied=tuple(self._maybe),
            batches=self._batches,
            requests=self.base._client._stats.requests - self._requests_at_start,
            reconciled_batches=self._reconciled,
            duration=duration,
            complete=self._complete and self._stop is None,
            cancelled=cancelled,
            stopped_by=self._stop or self._source_error,
            inserted_count=self._inserted,
        )

    async def _report_progress(self) -> None:
        callback = self._on_progress
        if callback is None:
            return
        try:
            result = callback(self.progress())
            if inspect.isawaitable(result):
                await result
        except Exception as exc:  # the callback failed: stop the import, re-raise it at the end
            if self._unexpected is None:
                self._unexpected = exc
            self._stop = self._stop or exc


def _pack_id(row_id: str) -> bytes | None:
    if len(row_id) != 22:
        return None
    try:
        raw = base64.urlsafe_b64decode(row_id + "==")
    except (ValueError, TypeError):
        return None
    if len(raw) != _ID_WIDTH or base64.urlsafe_b64encode(raw).decode("ascii")[:22] != row_id:
        return None
    return raw


def _compact(indices: Sequence[int]) -> Sequence[int]:
    """A ``range`` for contiguous indices (the common case), else a tuple."""
    if isinstance(indices, range):
        return indices
    if indices and indices[-1] - indices[0] == len(indices) - 1:
        return range(indices[0], indices[-1] + 1)
    return tuple(indices)


async def import_rows(
    base: Base,
    table: str,
    source: RowSource,
    *,
    batch_size: int = MAX_BATCH_SIZE,
    concurrency: int | None = None,
    key: str | None = None,
    on_progress: ProgressCallback | None = None,
    raise_on_failure: bool = True,
) -> ImportReport:
    """Import every row of ``source`` into ``table``; return the `ImportReport`.

    Args:
        base: the `Base` (its Base-Token is shared by every batch).
        table: the table name.
        source: an iterable or async iterable of row mappings (column name → value); read once,
            lazily (generators of any length keep memory flat).
        batch_size: rows per append request, 1..1000.
        concurrency: worker tasks (requests in flight); default the client's
            ``max_concurrency``, capped at 16.
        key: a column whose values identify rows uniquely; enables reconciliation of ambiguous
            batches, so every row lands exactly once (see the module documentation).
        on_progress: called (sync or async) with an `ImportProgress` after each batch.
        raise_on_failure: raise `BulkImportError` when anything failed
            or may have been applied (default); False returns the report in every case.

    Raises:
        ConfigurationError: invalid arguments (before anything is read or sent).
        BulkImportError: not every row was inserted; ``.report`` accounts for every row.

    Cancellation propagates; use `ImportJob` to read the report afterwards.
    """
    job = ImportJob(
        base,
        table,
        source,
        batch_size=batch_size,
        concurrency=concurrency,
        key=key,
        on_progress=on_progress,
        raise_on_failure=raise_on_failure,
    )
    return await job.run()
