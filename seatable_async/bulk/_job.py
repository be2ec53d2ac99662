"""Running an import: `ImportJob` (producer, workers, reconciliation) and `import_rows`."""

from __future__ import annotations

import inspect
import itertools
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
import anyio.lowlevel
import anyio.to_thread
import attrs

from seatable_async.bulk._report import (
    FAILED,
    ID_CHUNK,
    ID_WIDTH,
    INSERTED,
    MAYBE,
    PENDING,
    FailedBatch,
    ImportProgress,
    ImportReport,
    MaybeAppliedBatch,
    RowIds,
    compact,
    pack_id,
    pack_ids,
)
from seatable_async.errors import (
    AuthenticationError,
    BulkImportError,
    ClientClosedError,
    ConfigurationError,
    MaybeAppliedError,
    NotFoundError,
    PermissionDeniedError,
    ResponseFormatError,
    SeaTableError,
    may_have_landed,
)

if TYPE_CHECKING:
    from seatable_async.base import Base

__all__ = [
    "DEFAULT_MAX_CONCURRENCY",
    "MAX_BATCH_SIZE",
    "MAX_RECONCILE_ROUNDS",
    "SQL_IN_CHUNK",
    "ImportJob",
    "ProgressCallback",
    "RowSource",
    "import_rows",
]

MAX_BATCH_SIZE = 1000
"""SeaTable's cap on rows per append request."""

MAX_RECONCILE_ROUNDS = 3
MAX_RECONCILE_TOTAL = 50
"""How often an ambiguous batch is reconciled (query, then send the missing rows) at most."""

DEFAULT_MAX_CONCURRENCY = 16
"""Default worker count: the client's ``max_concurrency``, capped at this."""

SQL_IN_CHUNK = 500
"""Key values per reconciliation query (well below SQLite's and SeaTable's limits)."""

ProgressCallback = Callable[["ImportProgress"], Awaitable[None] | None]
RowSource = Iterable[Mapping[str, Any]] | AsyncIterable[Mapping[str, Any]]


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


def _read_chunk(rows: Iterator[Any], size: int) -> tuple[list[Any], Exception | None]:
    """Up to ``size`` rows, and the exception the source raised after them, if any."""
    chunk: list[Any] = []
    try:
        for row in itertools.islice(rows, size):
            chunk.append(row)
    except Exception as exc:
        return chunk, exc
    return chunk, None


def _fatal(exc: BaseException) -> bool:
    return isinstance(
        exc, (AuthenticationError, PermissionDeniedError, NotFoundError, ConfigurationError)
    )


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
        skip_existing: bool = False,
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
        if skip_existing and key is None:
            raise ConfigurationError("skip_existing needs a key column to recognise rows")
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
        self.skip_existing = skip_existing
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
                elif isinstance(self._source, (list, tuple)):
                    # In memory already: nothing to block on.
                    for row in self._source:
                        if self._stop is not None:
                            break
                        if self._take(batch, row, seen) and len(batch.rows) >= self.batch_size:
                            await send.send(self._seal(batch))
                            batch, seen = self._new_batch(), set()
                else:
                    # Any other iterable may block (a file, a database cursor): read it in
                    # chunks in a worker thread so other tasks keep running.
                    rows = iter(self._source)
                    while not self._stopped():
                        chunk, failure = await anyio.to_thread.run_sync(
                            _read_chunk, rows, self.batch_size
                        )
                        for n, row in enumerate(chunk):
                            if self._stopped():
                                self._skip(len(chunk) - n)  # read, so accounted: not sent
                                break
                            if self._take(batch, row, seen) and len(batch.rows) >= self.batch_size:
                                await send.send(self._seal(batch))
                                batch, seen = self._new_batch(), set()
                        if failure is not None:
                            raise failure  # after the rows read before it
                        if len(chunk) < self.batch_size:
                            break
                self._complete = self._stop is None
            except Exception as exc:  # the source raised: stop reading, send what was read
                self._source_error = exc
            if batch.rows and self._stop is None:
                await send.send(self._seal(batch))
            elif batch.rows:
                self._fail(self._seal(batch).number, batch.indices, self._stop_error())

    def _stopped(self) -> bool:
        # A method, not an inline test: workers set ``_stop`` while the producer awaits.
        return self._stop is not None

    def _new_batch(self) -> _Batch:
        return _Batch(-1, [], [])

    def _seal(self, batch: _Batch) -> _Batch:
        batch.number = self._batches
        self._batches += 1
        return batch

    def _allocate(self) -> int:
        """Record one more row read from the source (pending); return its index."""
        index = len(self._status)
        self._status.append(PENDING)
        if index % ID_CHUNK == 0:
            self._packed.append(bytearray(ID_CHUNK * ID_WIDTH))
        return index

    def _skip(self, count: int) -> None:
        """Rows read but not taken (the import stopped): settled as not sent at the end."""
        for _ in range(count):
            self._allocate()

    def _take(self, batch: _Batch, row: Any, seen: set[tuple[str, Any]]) -> bool:
        index = self._allocate()
        if type(row) is not dict and not isinstance(row, Mapping):
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
                except anyio.get_cancelled_exc_class():
                    # Cancelled mid-send: the server may still apply the batch.
                    self._maybe_applied(
                        batch.number,
                        batch.indices,
                        MaybeAppliedError("the import was cancelled while this batch was sent"),
                    )
                    raise
                finally:
                    self._in_flight.pop(batch.number, None)
                await self._report_progress()

    async def _send(self, batch: _Batch) -> None:
        if self.skip_existing:
            # Resuming: rows already in the table count as inserted; only the rest is sent.
            await self._reconcile(batch, None)
            return
        try:
            ids = await self._append(batch.rows)
        except SeaTableError as exc:
            if isinstance(exc, ClientClosedError):
                # Nothing more can be sent; a batch that was on the wire may have landed.
                settle = self._maybe_applied if exc.maybe_sent else self._fail
                settle(batch.number, batch.indices, exc)
                self._stop = self._stop or exc
                return
            if may_have_landed(exc):
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
        packed = pack_ids(ids)
        if packed is None:
            for index, row_id in zip(indices, ids, strict=True):
                self._set_inserted(index, row_id)
            return
        status, chunks = self._status, self._packed
        start, count = indices[0], len(indices)
        if (
            indices[-1] - start == count - 1
            and status.count(PENDING, start, start + count) == count
        ):
            # The common case, a contiguous batch whose rows are all pending: whole slices.
            status[start : start + count] = bytes([INSERTED]) * count
            self._inserted += count
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
            self._inserted += 1
            chunk, offset = divmod(index, ID_CHUNK)
            chunks[chunk][offset * ID_WIDTH : (offset + 1) * ID_WIDTH] = packed[
                n * ID_WIDTH : (n + 1) * ID_WIDTH
            ]

    # -- reconciliation ----------------------------------------------------------------------

    async def _reconcile(self, batch: _Batch, first: SeaTableError | None) -> None:
        """Send the rows of ``batch`` whose key is not in the table yet.

        ``first`` is the ambiguous failure that made the batch's outcome unknown, or None
        when the importer checks before the first send (``skip_existing``).
        """
        key = self.key
        assert key is not None
        if first is not None:
            self._reconciled += 1
        pending = list(zip(batch.indices, batch.rows, strict=True))
        last: SeaTableError | None = first
        # Keep going while rounds make progress (a batch sent row by row to a legacy server
        # rarely gets through a faulty network whole); give up after MAX_RECONCILE_ROUNDS
        # rounds in a row that inserted nothing.
        stalled, rounds, before = 0, 0, len(pending) + 1
        while True:
            try:
                present = await self._existing([row[key] for _, row in pending])
            except SeaTableError as exc:
                self._maybe_applied(
                    batch.number,
                    [i for i, _ in pending],
                    MaybeAppliedError(
                        f"{last or 'sent'}; checking key {key!r} on the server failed: {exc}"
                    ),
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
            stalled = 0 if len(missing) < before else stalled + 1
            before, rounds = len(missing), rounds + 1
            if stalled > MAX_RECONCILE_ROUNDS or rounds > MAX_RECONCILE_TOTAL:
                self._fail(
                    batch.number,
                    [i for i, _ in missing],
                    SeaTableError(
                        f"not inserted after {rounds - 1} reconciliation rounds; "
                        f"last failure: {last}"
                    ),
                )
                return
            try:
                ids = await self._append([row for _, row in missing])
            except SeaTableError as exc:
                if may_have_landed(exc):
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
        if self._status[index] != PENDING:
            return
        self._status[index] = INSERTED
        self._inserted += 1
        packed = pack_id(row_id)
        if packed is None:
            self._other_ids[index] = row_id
        else:
            chunk, offset = divmod(index, ID_CHUNK)
            self._packed[chunk][offset * ID_WIDTH : (offset + 1) * ID_WIDTH] = packed

    def _fail(self, number: int | None, indices: Sequence[int], error: BaseException) -> None:
        kept = [i for i in indices if self._status[i] == PENDING]
        if not kept:
            return
        for i in kept:
            self._status[i] = FAILED
        self._failed_n += len(kept)
        self._failed.append(FailedBatch(number, compact(kept), error))

    def _maybe_applied(self, number: int, indices: Sequence[int], error: BaseException) -> None:
        kept = [i for i in indices if self._status[i] == PENDING]
        if not kept:
            return
        for i in kept:
            self._status[i] = MAYBE
        self._maybe_n += len(kept)
        self._maybe.append(MaybeAppliedBatch(number, compact(kept), error))

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
    skip_existing: bool = False,
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
        skip_existing: with ``key``, ask the server which keys of each batch already exist
            and send only the others (one SQL query per batch). Use it to resume an
            interrupted or cancelled import exactly once.

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
        skip_existing=skip_existing,
    )
    return await job.run()
