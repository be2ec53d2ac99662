"""`ImportJob`: reads the source, sends batches through a fixed set of workers, reconciles
ambiguous batches by key, and keeps the `RowLedger` that becomes the `ImportReport`.

The job talks to the server only through the public API of `Base` (``append_rows``, ``sql``,
``delete_rows``, ``metadata``, ``token_info``).
"""

from __future__ import annotations

import contextlib
import inspect
import time
from collections.abc import (
    AsyncIterable,
    Iterable,
    Mapping,
    Sequence,
)
from typing import TYPE_CHECKING, Any

import anyio
import anyio.abc
import anyio.to_thread
import attrs

from seatable_async._http.usage import counting
from seatable_async.bulk._key_column import KeyColumn
from seatable_async.bulk._ledger import RowLedger
from seatable_async.bulk._options import ImportOptions, RowSource
from seatable_async.bulk._reconcile import Reconciler
from seatable_async.bulk._report import FailedBatch, ImportProgress, ImportReport, compact
from seatable_async.bulk._rows import RowCheck
from seatable_async.bulk._source import Taken, frame_rows, read_chunks
from seatable_async.cells import EncodedRow
from seatable_async.errors import (
    AuthenticationError,
    BulkImportError,
    ClientClosedError,
    ConfigurationError,
    MaybeAppliedError,
    NotFoundError,
    PermissionDeniedError,
    SeaTableError,
    may_have_landed,
)

if TYPE_CHECKING:
    from seatable_async._base.base import Base

__all__ = ["ImportJob"]


@attrs.define
class _Batch:
    number: int
    indices: list[int]
    rows: list[dict[str, Any] | EncodedRow]


def _fatal(exc: BaseException) -> bool:
    """Errors that would fail every batch: stop reading."""
    return isinstance(
        exc, (AuthenticationError, PermissionDeniedError, NotFoundError, ConfigurationError)
    )


class ImportJob:
    """One bulk import; `run` performs it, `report` accounts for it afterwards.

    Args:
        base: the `Base` to import into.
        table: the table name.
        source: an iterable or async iterable of row mappings (column name → value), read
            once and lazily (plain iterables in a worker thread); or a DataFrame or Arrow data,
            read batch by batch (see `seatable_async.cells.iter_frame_rows`).
        options: an `ImportOptions`; or give its fields as keywords.

    Raises:
        ConfigurationError: invalid arguments (before anything is read or sent).
    """

    def __init__(
        self,
        base: Base,
        table: str,
        source: RowSource,
        options: ImportOptions | None = None,
        **settings: Any,
    ):
        if options is not None and settings:
            raise ConfigurationError("pass either options or keyword settings, not both")
        self.options = options if options is not None else ImportOptions(**settings)
        if not isinstance(table, str) or not table.strip() or "`" in table:
            raise ConfigurationError("table must be a non-empty table name without backticks")
        source = frame_rows(source, self.options.batch_size)
        if not isinstance(source, AsyncIterable) and (
            not isinstance(source, Iterable) or isinstance(source, (str, bytes, Mapping))
        ):
            raise ConfigurationError("source must be an iterable or async iterable of row mappings")
        self.base = base
        self.table = table
        self._source = source
        self._ledger = RowLedger()
        self._key: KeyColumn | None = None
        self._check = RowCheck(None, None)
        self._links_failed: list[FailedBatch] = []
        self._reconciler: Reconciler | None = None
        self._duplicates_removed: tuple[str, ...] = ()
        self._batches = 0
        self._reconciled = 0
        self._in_flight: dict[int, _Batch] = {}
        self._stop: BaseException | None = None
        self._source_error: BaseException | None = None
        self._taken = Taken()
        self._unexpected: BaseException | None = None
        self._complete = False
        self._started: float | None = None
        self._requests = 0
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
        ledger = self._ledger
        return ImportProgress(
            rows_read=ledger.rows_read,
            rows_done=ledger.inserted,
            rows_failed=ledger.failed_count,
            rows_maybe_applied=ledger.maybe_count,
            batches_in_flight=len(self._in_flight),
            rows_per_second=ledger.inserted / elapsed if elapsed > 0 else 0.0,
            elapsed=elapsed,
        )

    async def run(self) -> ImportReport:
        """Run the import and return its report.

        Raises:
            BulkImportError: rows failed or may have been applied, or the source raised
                (unless ``raise_on_failure=False``); ``.report`` accounts for every row.
            SeaTableError: the base refused writes before any row was read (read-only token,
                unknown credential), or the key column cannot serve as a key.
        """
        if self._ran:
            raise ConfigurationError("an ImportJob runs only once")
        self._ran = True
        self._started = time.perf_counter()
        with counting() as requests:
            try:
                await self._prepare()
                await self._pump()
                await self._sweep()
            except BaseException as exc:
                self._requests = requests.requests
                cancelled = isinstance(exc, anyio.get_cancelled_exc_class())
                self._report = self._build(cancelled=cancelled, final=True)
                raise
            self._requests = requests.requests
        report = self._report = self._build(cancelled=False, final=True)
        if self._unexpected is not None:
            raise self._unexpected
        if self.options.raise_on_failure and not report.ok:
            message = f"bulk import into {self.table!r}: {report.summary()}"
            raise BulkImportError(message, report) from report.stopped_by
        return report

    async def _prepare(self) -> None:
        """Mint the Base-Token, refuse read-only bases, learn the key column's type."""
        info = await self.base.token_info()
        if info.permission != "rw":
            raise PermissionDeniedError(
                "this base is read-only for this credential (permission 'r')", status=403
            )
        key = self.options.key
        if key is not None:
            table = (await self.base.metadata()).table(self.table)
            try:
                column = table.column(key)
            except KeyError:
                raise ConfigurationError(
                    f"key column {key!r} does not exist in table {self.table!r}"
                ) from None
            self._key = KeyColumn.of(column)
            self._reconciler = Reconciler(
                self.base, self.table, self._key, self._ledger, settle=self.options.settle
            )
        encoder = None
        if self.options.cells is not None:
            try:
                encoder = await self.base.row_encoder(self.table, self.options.cells)
            except NotFoundError as exc:
                self._stop = exc  # no such table: every batch would fail
        self._check = RowCheck(encoder, self._key)

    async def _pump(self) -> None:
        workers = self.options.workers
        send, receive = anyio.create_memory_object_stream[_Batch](max_buffer_size=workers)
        async with anyio.create_task_group() as tg:
            tg.start_soon(self._produce, send)
            for _ in range(workers):
                tg.start_soon(self._work, receive.clone())
            receive.close()

    # -- producer ----------------------------------------------------------------------------

    async def _produce(self, send: anyio.abc.ObjectSendStream[_Batch]) -> None:
        async with send:
            batch = _Batch(-1, [], [])
            try:
                chunks = read_chunks(
                    self._source, self.options.batch_size, self._stopped, self._taken
                )
                async with contextlib.aclosing(chunks):
                    async for chunk in chunks:
                        batch = await self._feed(chunk, batch, send)
                        if self._stopped():
                            break
                self._complete = not self._stopped()
            except Exception as exc:  # the source raised: stop reading, send what was read
                self._source_error = exc
            if batch.rows and not self._stopped():
                await send.send(self._seal(batch))
            elif batch.rows:
                self._ledger.fail(self._seal(batch).number, batch.indices, self._stop_error())

    async def _feed(
        self, chunk: Sequence[Any], batch: _Batch, send: anyio.abc.ObjectSendStream[_Batch]
    ) -> _Batch:
        """Take a chunk's rows into batches, sending each full one; return the open batch."""
        for n, row in enumerate(chunk):
            if self._stopped():
                for _ in range(len(chunk) - n):
                    self._ledger.allocate()  # read, so accounted: not sent
                break
            if self._take(batch, row) and len(batch.rows) >= self.options.batch_size:
                await send.send(self._seal(batch))
                batch = _Batch(-1, [], [])
        return batch

    def _stopped(self) -> bool:
        # A method, not an inline test: workers set ``_stop`` while the producer awaits.
        return self._stop is not None

    def _seal(self, batch: _Batch) -> _Batch:
        batch.number = self._batches
        self._batches += 1
        return batch

    def _take(self, batch: _Batch, row: Any) -> bool:
        index = self._ledger.allocate()
        prepared = self._check.prepare(index, row)
        if isinstance(prepared, ConfigurationError):
            self._ledger.fail(None, [index], prepared)
            return False
        batch.indices.append(index)
        batch.rows.append(prepared)
        return True

    # -- workers -----------------------------------------------------------------------------

    async def _work(self, receive: anyio.abc.ObjectReceiveStream[_Batch]) -> None:
        async with receive:
            async for batch in receive:
                if self._stop is not None:
                    self._ledger.fail(batch.number, batch.indices, self._stop_error())
                    continue
                self._in_flight[batch.number] = batch
                try:
                    await self._send(batch)
                except anyio.get_cancelled_exc_class():
                    # Cancelled mid-send: the server may still apply the batch.
                    self._ledger.maybe_applied(
                        batch.number,
                        batch.indices,
                        MaybeAppliedError("the import was cancelled while this batch was sent"),
                    )
                    raise
                finally:
                    self._in_flight.pop(batch.number, None)
                await self._report_progress()

    async def _send(self, batch: _Batch) -> None:
        if self.options.skip_existing:
            # Resuming: rows already in the table count as inserted; only the rest is sent.
            self._stop_on(await self._resolve(batch.number, batch.indices, batch.rows, None))
            return
        try:
            ids = await self.base.append_rows(self.table, batch.rows, encode=False)
        except SeaTableError as exc:
            pending = self._ledger.record_partial(batch.indices, exc)
            if not pending:  # every row landed; what failed came after them: link cells
                self._links_failed.append(FailedBatch(batch.number, compact(batch.indices), exc))
            elif isinstance(exc, ClientClosedError):
                # Nothing more can be sent; a batch that was on the wire may have landed.
                settle = self._ledger.maybe_applied if exc.maybe_sent else self._ledger.fail
                settle(batch.number, pending, exc)
                self._stop = self._stop or exc
            elif may_have_landed(exc) and self._reconciler is not None:
                position = {index: n for n, index in enumerate(batch.indices)}
                rows = [batch.rows[position[i]] for i in pending]
                self._stop_on(await self._resolve(batch.number, pending, rows, exc))
            elif may_have_landed(exc):
                self._ledger.maybe_applied(batch.number, pending, exc)
            else:
                self._ledger.fail(batch.number, pending, exc)
                self._stop_on(exc)
            return
        except Exception as exc:  # a bug or an unexpected library error: stop, re-raise later
            self._ledger.maybe_applied(batch.number, batch.indices, exc)
            self._unexpected = self._unexpected or exc
            self._stop = self._stop or exc
            return
        self._ledger.record_ids(batch.indices, ids)

    async def _resolve(
        self,
        number: int,
        indices: list[int],
        rows: list[dict[str, Any] | EncodedRow],
        first: SeaTableError | None,
    ) -> SeaTableError | None:
        reconciler = self._reconciler
        assert reconciler is not None
        if first is not None:
            self._reconciled += 1
        return await reconciler.reconcile(number, indices, rows, first)

    def _stop_on(self, error: SeaTableError | None) -> None:
        """Stop reading after an error that would fail every batch."""
        if error is not None and _fatal(error) and self._stop is None:
            self._stop = error

    async def _sweep(self) -> None:
        if self._reconciler is not None and self._stop is None:
            self._duplicates_removed = tuple(await self._reconciler.sweep())

    # -- report ------------------------------------------------------------------------------

    def _stop_error(self) -> SeaTableError:
        return SeaTableError(f"not sent: the import stopped early ({self._stop})")

    def _build(self, *, cancelled: bool, final: bool) -> ImportReport:
        ledger = self._ledger
        if final:
            # Settle every row that is still pending: in flight → maybe applied, else not sent.
            if cancelled:
                for batch in list(self._in_flight.values()):
                    error = MaybeAppliedError("the import was cancelled while this batch was sent")
                    ledger.maybe_applied(batch.number, batch.indices, error)
            self._in_flight.clear()
            # Rows taken from the source that never reached a batch (a cancellation while
            # they were being read or batched): in the report, as not sent.
            while ledger.rows_read < self._taken.count:
                ledger.allocate()
            reason = (
                "the import was cancelled"
                if cancelled
                else f"the import stopped early ({self._stop})"
                if self._stop is not None
                else "the import ended before this row was sent"
            )
            for run in ledger.pending_runs():
                ledger.fail(None, run, SeaTableError(f"not sent: {reason}"))
        duration = time.perf_counter() - self._started if self._started is not None else 0.0
        return ImportReport(
            table=self.table,
            rows_read=ledger.rows_read,
            row_ids=ledger.row_ids(),
            failed=tuple(ledger.failed),
            maybe_applied=tuple(ledger.maybe),
            batches=self._batches,
            requests=self._requests,
            reconciled_batches=self._reconciled,
            duplicates_removed=self._duplicates_removed,
            links_failed=tuple(self._links_failed),
            duration=duration,
            complete=self._complete and self._stop is None,
            cancelled=cancelled,
            stopped_by=self._stop or self._source_error,
            inserted_count=ledger.inserted,
        )

    async def _report_progress(self) -> None:
        callback = self.options.on_progress
        if callback is None:
            return
        try:
            result = callback(self.progress())
            if inspect.isawaitable(result):
                await result
        except Exception as exc:  # the callback failed: stop the import, re-raise it at the end
            self._unexpected = self._unexpected or exc
            self._stop = self._stop or exc
